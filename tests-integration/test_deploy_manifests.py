"""The deployment files agree with the code: docker-compose.yml, deploy/k8s, init.sql, the
Dockerfile and docs/configuration.md.

Plain, fast checks: no Docker engine, cluster or network. The YAML is validated against the
official Compose Specification and Kubernetes JSON schemas vendored under schemas/ (see
schemas/README.md), then cross-checked against the devstack's service table (the same one
``make run`` starts), provisioning's role layout and the services' settings classes.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import re
import urllib.parse
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from waops_devstack.stack import SANDBOX, SERVICES, ServiceDef, Stack, StackConfig
from waops_service_kit.provision import SERVICE_SCHEMAS, role_for
from waops_service_kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "schemas"
K8S = ROOT / "deploy" / "k8s"
ALL: tuple[ServiceDef, ...] = (*SERVICES, SANDBOX)
WITH_DB = [d for d in ALL if d.schema]
PORT_VARS = {d.port_var for d in ALL}
NAMESPACE = "waops"


# ----------------------------------------------------------------------------- loading


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` resolved as with nothing set: the file's defaults."""
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", value).replace("$$", "$")


def compose_service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    service: dict[str, Any] = services[name]
    return service


def compose_env(name: str) -> dict[str, str]:
    env = compose_service(name).get("environment", {})
    assert isinstance(env, dict), f"{name}: write environment as a mapping"
    return {k: interpolate(str(v)) for k, v in env.items()}


@cache
def kustomization() -> dict[str, Any]:
    data = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _patch_paths() -> set[Path]:
    return {K8S / p["path"] for p in kustomization().get("patches", [])}


def _load(paths: list[Path]) -> tuple[tuple[Path, dict[str, Any]], ...]:
    return tuple(
        (path, doc)
        for path in paths
        for doc in yaml.safe_load_all(path.read_text())
        if doc is not None
    )


@cache
def k8s_sources() -> tuple[tuple[Path, dict[str, Any]], ...]:
    """The manifests as written (every YAML file but the kustomization and its patches)."""
    return _load(
        [
            p
            for p in sorted(K8S.rglob("*.y*ml"))
            if p.name != "kustomization.yaml" and p not in _patch_paths()
        ]
    )


@cache
def k8s_patches() -> tuple[tuple[Path, dict[str, Any]], ...]:
    return _load(sorted(_patch_paths()))


def _key(doc: dict[str, Any]) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def strategic_merge(base: Any, patch: Any) -> Any:
    """Kustomize's strategic-merge patch, for what deploy/k8s/patches use: maps merge, and
    lists of objects merge by their key (``mountPath`` for volume mounts, else ``name``)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for k, v in patch.items():
            merged[k] = strategic_merge(base[k], v) if k in base else v
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) for i in (*base, *patch))
    ):
        key = "mountPath" if all("mountPath" in i for i in (*base, *patch)) else "name"
        if all(key in i for i in (*base, *patch)):
            out = list(base)
            for item in patch:
                at = [n for n, b in enumerate(out) if b[key] == item[key]]
                if at:
                    out[at[0]] = strategic_merge(out[at[0]], item)
                else:
                    out.append(item)
            return out
    return patch


@cache
def k8s_manifests() -> tuple[tuple[Path, dict[str, Any]], ...]:
    """What ``kubectl apply -k deploy/k8s`` applies: the manifests with the patches merged."""
    docs = []
    for path, doc in k8s_sources():
        for _, patch in k8s_patches():
            if _key(patch) == _key(doc):
                doc = strategic_merge(doc, patch)
        docs.append((path, doc))
    return tuple(docs)


def _find(docs: tuple[tuple[Path, dict[str, Any]], ...], kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in docs if _key(d) == (kind, name)]
    assert len(found) == 1, f"expected one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    return _find(k8s_manifests(), kind, name)


def k8s_container(d: ServiceDef) -> dict[str, Any]:
    spec = k8s_object("Deployment", d.name)["spec"]["template"]["spec"]
    containers = [c for c in spec["containers"] if c["name"] == d.name]
    assert len(containers) == 1, f"Deployment {d.name}: one container named {d.name}"
    container: dict[str, Any] = containers[0]
    return container


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """What a container's environment holds: envFrom ConfigMaps/Secrets, then env."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(k8s_object("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            env.update(k8s_object("Secret", source["secretRef"]["name"])["stringData"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = k8s_object("Secret", ref["name"])["stringData"][ref["key"]]
    return env


# ----------------------------------------------------------------------------- what the code needs


def settings_class(package: str) -> type[ServiceSettings]:
    """The service's settings class: the ServiceSettings subclass its settings.py defines."""
    module = importlib.import_module(f"{package}.settings")
    (cls,) = (
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings) and cls.__module__ == module.__name__
    )
    return cls


def env_names(cls: type[ServiceSettings]) -> dict[str, Any]:
    """Environment variable -> pydantic field, as pydantic-settings reads them."""
    prefix = cls.model_config.get("env_prefix", "")
    names: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            names[alias.upper()] = field
        elif alias is not None and hasattr(alias, "choices"):
            names.update({c.upper(): field for c in alias.choices if isinstance(c, str)})
        else:
            names[f"{prefix}{name}".upper()] = field
    return names


def _local_only(default: Any) -> bool:
    return isinstance(default, str) and ("127.0.0.1" in default or "localhost" in default)


@cache
def devstack_env() -> dict[str, dict[str, str]]:
    """The WAOPS_* environment ``make run`` gives each process (no sockets are opened)."""
    stack = Stack(
        StackConfig(
            admin_url="postgresql://postgres@postgres:5432/postgres",
            database="waops",
            amqp_url="amqp://guest:guest@rabbitmq:5672/",
            log_dir=Path("var/log"),
            fixed_ports=True,
        )
    )
    return {
        name: {k: v for k, v in proc.env.items() if k.startswith("WAOPS_")}
        for name, proc in stack.processes.items()
    }


def sandbox_reads() -> set[str]:
    source = (ROOT / "libs/sandbox/src/waops_sandbox/__main__.py").read_text()
    return set(re.findall(r"WAOPS_[A-Z0-9_]*[A-Z0-9]", source))


def needed_env(d: ServiceDef) -> set[str]:
    """Variables a deployment must set for ``d``: those ``make run`` sets that the process
    reads, every setting without a default, and every one whose default only works on
    the developer's machine (127.0.0.1)."""
    needed = set(devstack_env()[d.name]) - (PORT_VARS - {d.port_var})
    if d.schema is None:
        return needed & sandbox_reads()
    for var, field in env_names(settings_class(d.package)).items():
        if field.is_required() or _local_only(field.default):
            needed.add(var)
    return needed


def shutdown_timeout(d: ServiceDef, env: dict[str, str]) -> float:
    if d.schema is None:
        return 5.0  # the sandbox's own run_app shutdown_timeout
    field = settings_class(d.package).model_fields["shutdown_timeout"]
    return float(env.get("WAOPS_SHUTDOWN_TIMEOUT", field.default))


def serve_command(d: ServiceDef) -> list[str]:
    return ["python", "-m", d.package, *(["serve"] if d.schema else [])]


def by_name(d: ServiceDef) -> str:
    return d.name


# ----------------------------------------------------------------------------- docker compose


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    Draft202012Validator.check_schema(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(compose())
    ]
    assert not errors, "\n".join(errors)


def test_vendored_compose_schema_is_the_upstream_file() -> None:
    expected = (SCHEMAS / "compose-spec.sha256").read_text().split()[0]
    assert hashlib.sha256((SCHEMAS / "compose-spec.json").read_bytes()).hexdigest() == expected


def test_compose_schema_rejects_a_misspelt_key() -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    broken = json.loads(json.dumps(compose()))
    broken["services"]["core"]["healthchek"] = broken["services"]["core"].pop("healthcheck")
    assert not Draft202012Validator(schema).is_valid(broken)


@pytest.mark.parametrize("d", ALL, ids=by_name)
def test_compose_runs_each_service_from_the_one_image(d: ServiceDef) -> None:
    service = compose_service(d.name)
    assert service["command"] == serve_command(d)
    assert service["build"]["context"] == "."
    assert service["image"] == compose_service("core")["image"]
    assert compose_env(d.name)[d.port_var] == str(d.default_port)
    health = service["healthcheck"]["test"]
    assert health[:3] == ["CMD", "python", "/app/healthcheck.py"]
    assert health[3] == ("/readyz" if d.schema else "/healthz")
    grace = _seconds(service["stop_grace_period"])
    assert grace > shutdown_timeout(d, compose_env(d.name)), "SIGKILL before a graceful stop"
    if d.schema:
        for infra in ("postgres", "rabbitmq"):
            assert service["depends_on"][infra] == {"condition": "service_healthy"}
    for dep in service.get("depends_on", {}).values():
        assert dep["condition"] == "service_healthy"


def _seconds(duration: str) -> float:
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", duration)
    assert parts and duration, f"unexpected duration {duration!r}"
    return int(parts.group(1) or 0) * 60 + float(parts.group(2) or 0)


def test_compose_publishes_the_adapter_and_the_sandbox() -> None:
    assert compose_service("webhook-adapter")["ports"] == ["8080:8080"]
    assert compose_service("sandbox")["ports"] == ["8090:8090"]
    for name in (
        "postgres",
        "rabbitmq",
        *(d.name for d in SERVICES if d.name != "webhook-adapter"),
    ):
        assert "ports" not in compose_service(name), f"{name} should not be published"


@pytest.mark.parametrize("d", ALL, ids=by_name)
def test_compose_sets_every_variable_the_service_needs(d: ServiceDef) -> None:
    missing = needed_env(d) - set(compose_env(d.name))
    assert not missing, f"{d.name}: set {sorted(missing)} in docker-compose.yml"


@pytest.mark.parametrize("d", WITH_DB, ids=by_name)
def test_compose_database_url_uses_the_services_own_role(d: ServiceDef) -> None:
    assert d.schema
    raw = compose_service(d.name)["environment"]["WAOPS_DATABASE_URL"]
    url = urllib.parse.urlsplit(interpolate(raw))
    assert (url.scheme, url.hostname, url.port, url.path) == (
        "postgresql",
        "postgres",
        5432,
        "/waops",
    )
    assert url.username == role_for(d.schema)
    # The password is the one init.sql gives the role: same variable, same default.
    var = f"WAOPS_DB_PASSWORD_{d.schema.upper()}"
    password_expr = compose_service("postgres")["environment"][var]
    assert f":{password_expr}@" in raw, f"{d.name}: password must come from {password_expr}"


def test_compose_urls_point_at_the_right_service_and_port() -> None:
    ports = {d.name: d.default_port for d in ALL} | {"postgres": 5432, "rabbitmq": 5672}
    for name in compose()["services"]:
        for var, value in compose_env(name).items():
            if "://" not in value:
                continue
            url = urllib.parse.urlsplit(value)
            assert url.hostname in ports, f"{name} {var}={value}: unknown host"
            assert url.port == ports[url.hostname], f"{name} {var}={value}: wrong port"


def test_compose_infrastructure() -> None:
    postgres = compose_service("postgres")
    assert postgres["image"] == "postgres:16"
    assert (
        "./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/10-waops.sql:ro"
        in postgres["volumes"]
    )
    assert postgres["environment"]["WAOPS_DATABASE"] == "waops"
    assert "pg_isready -h 127.0.0.1" in " ".join(postgres["healthcheck"]["test"])

    rabbit = compose_service("rabbitmq")
    assert rabbit["image"] == "rabbitmq:3.13-management"
    assert "./deploy/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro" in rabbit["volumes"]
    assert "rabbitmq_consistent_hash_exchange" in " ".join(rabbit["healthcheck"]["test"])
    # RabbitMQ's guest user can only log in from localhost: the services need another.
    user = interpolate(rabbit["environment"]["RABBITMQ_DEFAULT_USER"])
    assert user != "guest"
    amqp = urllib.parse.urlsplit(compose_env("core")["WAOPS_AMQP_URL"])
    assert (amqp.username, amqp.password) == (
        user,
        interpolate(rabbit["environment"]["RABBITMQ_DEFAULT_PASS"]),
    )


def test_rabbitmq_enables_the_plugins_waops_needs() -> None:
    text = (ROOT / "deploy/rabbitmq/enabled_plugins").read_text().strip()
    match = re.fullmatch(r"\[([a-z_,\s]*)\]\.", text)
    assert match, "enabled_plugins must be an Erlang list term ending with a dot"
    plugins = {p.strip() for p in match.group(1).split(",")}
    assert {"rabbitmq_consistent_hash_exchange", "rabbitmq_management"} <= plugins


def test_compose_seeds_the_demo_once_after_the_core_and_its_directory_consumers() -> None:
    seed = compose_service("seed")
    assert seed["command"] == ["python", "-m", "core", "seed-demo"]
    assert seed["restart"] == "no"
    healthy = {"condition": "service_healthy"}
    # Whoever keeps a read model of the directory or catalogue has its queue before the
    # demo's events are published.
    consumers = ("core", "conversation-engine", "orchestrator", "notifier", "timeline")
    assert seed["depends_on"] == dict.fromkeys(consumers, healthy)
    assert compose_env("seed") == compose_env("core")


# ----------------------------------------------------------------------------- PostgreSQL


def test_init_sql_provisions_what_provision_py_does() -> None:
    sql = (ROOT / "deploy/postgres/init.sql").read_text()
    values = re.search(
        r"INSERT INTO waops_service \(schema_name, password\) VALUES(.*?);", sql, re.S
    )
    assert values
    rows = re.findall(r"\('([a-z_]+)', :'pw_([a-z_]+)'\)", values.group(1))
    assert tuple(schema for schema, _ in rows) == SERVICE_SCHEMAS
    assert all(schema == pw for schema, pw in rows)
    assert role_for("x") == "waops_x"  # the SQL builds role names the same way
    assert "role_name = 'waops_' || schema_name" in sql
    for statement in (
        "CREATE ROLE %I LOGIN",
        "CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I",
        "REVOKE ALL ON SCHEMA %I FROM PUBLIC",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ):
        assert statement in sql
    postgres_env = compose_service("postgres")["environment"]
    for schema in SERVICE_SCHEMAS:
        var = f"WAOPS_DB_PASSWORD_{schema.upper()}"
        assert f"\\getenv pw_{schema} {var}\n" in sql
        assert var in postgres_env


# ----------------------------------------------------------------------------- Kubernetes


@cache
def _k8s_definitions() -> Registry:
    defs = json.loads((SCHEMAS / "kubernetes-v1.33" / "_definitions.json").read_text())
    return Resource.from_contents(defs) @ Registry()


def k8s_errors(doc: dict[str, Any]) -> list[str]:
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", doc["apiVersion"])
    path = SCHEMAS / "kubernetes-v1.33" / f"{doc['kind'].lower()}-{group}.json"
    assert path.exists(), f"no vendored schema for {doc['kind']} {doc['apiVersion']}"
    schema = json.loads(path.read_text())
    validator = Draft202012Validator(
        schema, registry=Resource.from_contents(schema) @ _k8s_definitions()
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


@pytest.mark.parametrize(
    "path, doc",
    k8s_manifests(),
    ids=[f"{p.relative_to(K8S)}:{d['kind']}/{d['metadata']['name']}" for p, d in k8s_manifests()],
)
def test_k8s_manifest_is_valid(path: Path, doc: dict[str, Any]) -> None:
    errors = k8s_errors(doc)
    assert not errors, f"{path}:\n" + "\n".join(errors)
    assert doc["metadata"].get("namespace", NAMESPACE) == NAMESPACE
    assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "waops"


def test_k8s_schema_rejects_a_misspelt_key() -> None:
    broken = json.loads(json.dumps(k8s_object("Deployment", "core")))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinessprobe"] = container.pop("readinessProbe")
    assert k8s_errors(broken)


@pytest.mark.parametrize("d", ALL, ids=by_name)
def test_k8s_deployment_runs_the_service_safely(d: ServiceDef) -> None:
    deployment = k8s_object("Deployment", d.name)
    pod = deployment["spec"]["template"]["spec"]
    container = k8s_container(d)
    assert container["command"] == serve_command(d)
    assert container["ports"] == [
        {"name": "http", "containerPort": d.default_port, "protocol": "TCP"}
    ]
    env = k8s_env(container)
    assert env[d.port_var] == str(d.default_port)

    assert container["readinessProbe"]["httpGet"] == {
        "path": "/readyz" if d.schema else "/healthz",
        "port": "http",
    }
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    for key in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][key]), f"resources.{key}"

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for c in (*pod["containers"], *pod.get("initContainers", [])):
        security = c["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert security["readOnlyRootFilesystem"] is True

    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
    pre_stop_sleep = float(pre_stop[1]) if pre_stop and pre_stop[0] == "sleep" else 0.0
    grace = pod["terminationGracePeriodSeconds"]
    assert grace >= pre_stop_sleep + shutdown_timeout(d, env), "SIGKILL before a graceful stop"


@pytest.mark.parametrize("d", WITH_DB, ids=by_name)
def test_k8s_migrates_before_the_service_starts(d: ServiceDef) -> None:
    pod = k8s_object("Deployment", d.name)["spec"]["template"]["spec"]
    container = k8s_container(d)
    (migrate,) = [c for c in pod["initContainers"] if c["name"] == "migrate"]
    assert migrate["command"] == ["python", "-m", d.package, "migrate"]
    assert migrate["image"] == container["image"]
    assert k8s_env(migrate) == k8s_env(container)
    assert "resources" in migrate


@pytest.mark.parametrize("d", ALL, ids=by_name)
def test_k8s_service_matches_its_deployment(d: ServiceDef) -> None:
    service = k8s_object("Service", d.name)
    pod_labels = k8s_object("Deployment", d.name)["spec"]["template"]["metadata"]["labels"]
    selector = service["spec"]["selector"]
    assert selector.items() <= pod_labels.items()
    # No other Deployment's pods match this selector.
    for _, doc in k8s_manifests():
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] != d.name:
            other = doc["spec"]["template"]["metadata"]["labels"]
            assert not selector.items() <= other.items()
    # The Service listens on the same port as compose (WAOPS_CORE_URL etc. stay the same).
    assert service["spec"]["ports"] == [
        {"name": "http", "port": d.default_port, "targetPort": "http", "protocol": "TCP"}
    ]


def _shape(d: ServiceDef) -> Any:
    """The service's Deployment and Service with its own values (name, package, port, port
    variable) replaced by placeholders, and its replica count left out."""
    own: dict[Any, str] = {
        d.name: "SERVICE",
        d.package: "SERVICE",
        d.port_var: "PORT_VAR",
        d.default_port: "PORT",
        str(d.default_port): "PORT",
    }

    def generic(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: generic(v) for k, v in node.items() if k != "replicas"}
        if isinstance(node, list):
            return [generic(v) for v in node]
        return own.get(node, node)

    # As written: what only one service needs (the adapter's media volume) is a patch.
    return generic([_find(k8s_sources(), kind, d.name) for kind in ("Deployment", "Service")])


@pytest.mark.parametrize("d", WITH_DB[1:], ids=by_name)
def test_k8s_service_manifests_are_copies_of_one_shape(d: ServiceDef) -> None:
    # services/*.yaml repeat one Deployment + Service per database service: a change to one
    # (a probe, a limit, a security setting) must be made to all of them.
    reference = WITH_DB[0]
    assert _shape(d) == _shape(reference), f"{d.name} differs from {reference.name}"


@pytest.mark.parametrize("d", ALL, ids=by_name)
def test_k8s_sets_every_variable_the_service_needs(d: ServiceDef) -> None:
    missing = needed_env(d) - set(k8s_env(k8s_container(d)))
    assert not missing, f"{d.name}: set {sorted(missing)} in deploy/k8s"


@pytest.mark.parametrize("d", WITH_DB, ids=by_name)
def test_k8s_database_url_uses_the_services_own_role(d: ServiceDef) -> None:
    assert d.schema
    (item,) = [e for e in k8s_container(d)["env"] if e["name"] == "WAOPS_DATABASE_URL"]
    ref = item["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "waops-database", "key": d.name}
    url = urllib.parse.urlsplit(k8s_object("Secret", "waops-database")["stringData"][d.name])
    assert url.scheme == "postgresql" and url.path == "/waops"
    assert url.username == role_for(d.schema)
    # A pod gets its own database URL only: none comes in through envFrom.
    for source in k8s_container(d).get("envFrom", []):
        if "secretRef" in source:
            assert source["secretRef"]["name"] != "waops-database"


def test_k8s_urls_point_at_the_right_service_and_port() -> None:
    ports = {d.name: d.default_port for d in ALL}
    for key, value in k8s_object("ConfigMap", "waops-config")["data"].items():
        if value.startswith("http"):
            url = urllib.parse.urlsplit(value)
            assert url.hostname in ports, f"{key}={value}: no such Service"
            assert url.port == ports[url.hostname], f"{key}={value}: wrong port"


def test_kustomization_lists_every_manifest() -> None:
    assert kustomization()["namespace"] == NAMESPACE
    listed = kustomization()["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    on_disk = {str(p.relative_to(K8S)) for p, _ in k8s_sources()}
    assert set(listed) == on_disk
    patches = {str(p.relative_to(K8S)) for p, _ in k8s_patches()}
    every_yaml = {str(p.relative_to(K8S)) for p in K8S.rglob("*.y*ml")}
    assert on_disk | patches | {"kustomization.yaml"} == every_yaml
    images = {i["name"] for i in kustomization()["images"]}
    for _, doc in k8s_manifests():
        if doc["kind"] == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            for c in (*pod["containers"], *pod.get("initContainers", [])):
                assert c["image"].split(":")[0] in images


def test_k8s_patches_target_one_manifest_each() -> None:
    assert k8s_patches(), "kustomization patches: none found"
    for path, patch in k8s_patches():
        targets = [d for _, d in k8s_sources() if _key(d) == _key(patch)]
        assert len(targets) == 1, f"{path}: patches no manifest (or several)"
        assert patch["apiVersion"] == targets[0]["apiVersion"]


def test_strategic_merge_merges_lists_by_key() -> None:
    base = {"c": [{"name": "a", "m": [{"name": "tmp", "mountPath": "/tmp"}]}], "v": 1}
    patch = {"c": [{"name": "a", "m": [{"name": "x", "mountPath": "/x"}]}, {"name": "b"}]}
    assert strategic_merge(base, patch) == {
        "c": [
            {
                "name": "a",
                "m": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "x", "mountPath": "/x"}],
            },
            {"name": "b"},
        ],
        "v": 1,
    }


def _media_dir_in_image() -> str:
    text = (ROOT / "Dockerfile").read_text()
    (media_dir,) = re.findall(r"WAOPS_MEDIA_DIR=(\S+)", text)
    # Created in the image, owned by the service's user (a new compose volume copies that).
    assert re.search(rf"install -d -o 10001 -g 10001 [^\n]*{re.escape(media_dir)}\n", text)
    return media_dir


def test_compose_keeps_inbound_media_on_a_volume() -> None:
    media_dir = compose_env("webhook-adapter")["WAOPS_MEDIA_DIR"]
    assert media_dir == _media_dir_in_image()
    mounts = {
        m.split(":")[1]: m.split(":")[0] for m in compose_service("webhook-adapter")["volumes"]
    }
    assert media_dir in mounts, "the adapter's media directory must be a volume"
    assert mounts[media_dir] in compose()["volumes"], "a named volume (kept across re-creation)"


def test_k8s_keeps_inbound_media_on_a_shared_volume() -> None:
    d = next(d for d in SERVICES if d.name == "webhook-adapter")
    env = k8s_env(k8s_container(d))
    if env.get("WAOPS_MEDIA_STORE", "local") == "s3":
        assert env.get("WAOPS_MEDIA_S3_BUCKET"), "WAOPS_MEDIA_STORE=s3 needs a bucket"
        return
    media_dir = env["WAOPS_MEDIA_DIR"]
    assert media_dir == _media_dir_in_image()
    # The root filesystem is read-only: the directory must be a volume mount.
    (mount,) = [m for m in k8s_container(d)["volumeMounts"] if m["mountPath"] == media_dir]
    pod = k8s_object("Deployment", d.name)["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"]
    claim = k8s_object("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    # Several replicas (or a rolling update's surge pod) write it at once, from any node.
    spec = k8s_object("Deployment", d.name)["spec"]
    if spec["replicas"] > 1 or spec["strategy"]["type"] == "RollingUpdate":
        assert "ReadWriteMany" in claim["spec"]["accessModes"]
    assert not mount.get("readOnly", False)


# ----------------------------------------------------------------------------- image


def test_dockerfile_builds_one_non_root_image_from_the_lock_file() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert len(re.findall(r"^FROM \$\{PYTHON_IMAGE\} AS \w+", text, re.M)) == 2  # multi-stage
    assert "uv sync --frozen --no-dev --no-editable" in text
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in {"0", "root"}
    assert "HEALTHCHECK" in text
    assert "COPY deploy/docker/healthcheck.py /app/healthcheck.py" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (
        ".git",
        ".venv",
        "**/__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".mypy_cache",
    ):
        assert pattern in ignored
    # Everything the image build needs stays in the context.
    assert "!deploy/docker/healthcheck.py" in ignored
    for needed in ("uv.lock", "pyproject.toml", "libs", "services"):
        assert needed not in ignored


# ----------------------------------------------------------------------------- documentation


def all_env_vars() -> set[str]:
    """Every WAOPS_* variable anything reads or the deployment files set."""
    names: set[str] = set()
    for d in WITH_DB:
        names |= set(env_names(settings_class(d.package)))
    names |= set(env_names(ServiceSettings))
    pattern = re.compile(r"WAOPS_[A-Z0-9_]*[A-Z0-9]")
    for src in (*ROOT.glob("libs/*/src"), *ROOT.glob("services/*/src")):
        for path in src.rglob("*.py"):
            names |= set(pattern.findall(path.read_text()))
    for name in compose()["services"]:
        names |= {k for k in compose_env(name) if k.startswith("WAOPS_")}
    # Compose's own ${WAOPS_...} knobs (image, passwords) and what init.sql reads.
    names |= set(re.findall(r"\$\{(WAOPS_\w+)", (ROOT / "docker-compose.yml").read_text()))
    names |= set(
        re.findall(r"\\getenv \w+ (WAOPS_\w+)", (ROOT / "deploy/postgres/init.sql").read_text())
    )
    for _, doc in k8s_manifests():
        keys = {**doc.get("data", {}), **doc.get("stringData", {})}
        names |= {k for k in keys if k.startswith("WAOPS_")}
    return names


def test_configuration_doc_lists_every_variable() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"`(WAOPS_[A-Z0-9_]+)`", doc))
    missing = all_env_vars() - documented
    assert not missing, f"document these in docs/configuration.md: {sorted(missing)}"
