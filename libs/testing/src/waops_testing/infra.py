"""Where the tests find PostgreSQL and RabbitMQ, in this order:

1. URLs from the environment (WAOPS_TEST_POSTGRES_URL, WAOPS_TEST_AMQP_URL and optionally
   WAOPS_TEST_RABBITMQ_API_URL for the management API);
2. containers started with testcontainers, when a Docker engine answers;
3. the local defaults (PostgreSQL on 127.0.0.1:5432, RabbitMQ on 127.0.0.1:5672), with a
   clear message when they do not answer.

Every run then works in its own database and its own vhost, removed at the end.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_RABBITMQ_API = "http://guest:guest@127.0.0.1:15672"


class InfraUnavailable(RuntimeError):
    pass


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def docker_answers() -> bool:
    try:
        import docker  # comes with testcontainers

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


@dataclass
class Broker:
    amqp_url: str  # base URL, vhost "/"
    api_url: str | None  # management API, if any
    container: Any = None

    def url_for(self, vhost: str) -> str:
        parts = urllib.parse.urlsplit(self.amqp_url)
        return urllib.parse.urlunsplit(
            parts._replace(path="/" + urllib.parse.quote(vhost, safe=""))
        )

    def _api(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        assert self.api_url is not None
        parts = urllib.parse.urlsplit(self.api_url)
        # Credentials go in the header, not the URL; host and port stay as written.
        netloc = parts.netloc.rpartition("@")[2]
        base = urllib.parse.urlunsplit(parts._replace(netloc=netloc)).rstrip("/")
        req = urllib.request.Request(
            base + path, method=method, data=json.dumps(body or {}).encode()
        )
        user = urllib.parse.unquote(parts.username or "guest")
        password = urllib.parse.unquote(parts.password or "guest")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10):
            pass

    def _ctl(self, *args: str) -> None:
        if self.container is not None:
            code, out = self.container.exec(["rabbitmqctl", *args])
            if code != 0:
                raise InfraUnavailable(out.decode(errors="replace"))
            return
        if shutil.which("rabbitmqctl") is None:
            raise InfraUnavailable("no RabbitMQ management API and no rabbitmqctl to make vhosts")
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)

    def _user(self) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(self.amqp_url).username or "guest")

    def create_vhost(self, vhost: str) -> None:
        q = urllib.parse.quote(vhost, safe="")
        if self.api_url:
            self._api("PUT", f"/api/vhosts/{q}")
            self._api(
                "PUT",
                f"/api/permissions/{q}/{urllib.parse.quote(self._user())}",
                {"configure": ".*", "write": ".*", "read": ".*"},
            )
        else:
            self._ctl("add_vhost", vhost)
            self._ctl("set_permissions", "-p", vhost, self._user(), ".*", ".*", ".*")

    def delete_vhost(self, vhost: str) -> None:
        with contextlib.suppress(Exception):
            if self.api_url:
                self._api("DELETE", f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}")
            else:
                self._ctl("delete_vhost", vhost)


def _api_answers(api_url: str) -> bool:
    parts = urllib.parse.urlsplit(api_url)
    # Probe the port the API calls will use (the scheme's default when none is written).
    default = 443 if parts.scheme == "https" else 80
    return _answers(parts.hostname or "127.0.0.1", parts.port or default)


@contextlib.contextmanager
def postgres_admin_url() -> Iterator[str]:
    url = os.environ.get("WAOPS_TEST_POSTGRES_URL")
    if url:  # Docker is only probed when the environment names nothing (it can take seconds)
        yield url
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    if not _answers("127.0.0.1", 5432):
        raise InfraUnavailable(
            "PostgreSQL: WAOPS_TEST_POSTGRES_URL is not set, no Docker engine answers, and "
            "nothing listens on 127.0.0.1:5432. Start PostgreSQL or set the variable."
        )
    yield LOCAL_POSTGRES


@contextlib.contextmanager
def rabbitmq_broker() -> Iterator[Broker]:
    url = os.environ.get("WAOPS_TEST_AMQP_URL")
    if url:
        api = os.environ.get("WAOPS_TEST_RABBITMQ_API_URL")
        yield Broker(url, api if api and _api_answers(api) else None)
        return
    if docker_answers():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management") as rmq:
            # Partitioned queues need this exchange type: fail here, not in some later test.
            code, out = rmq.exec(
                ["rabbitmq-plugins", "enable", "--online", "rabbitmq_consistent_hash_exchange"]
            )
            if code != 0:
                raise InfraUnavailable(out.decode(errors="replace"))
            host = rmq.get_container_host_ip()
            port = rmq.get_exposed_port(5672)
            yield Broker(f"amqp://guest:guest@{host}:{port}/", None, container=rmq)
        return
    if not _answers("127.0.0.1", 5672):
        raise InfraUnavailable(
            "RabbitMQ: WAOPS_TEST_AMQP_URL is not set, no Docker engine answers, and nothing "
            "listens on 127.0.0.1:5672. Start RabbitMQ or set the variable."
        )
    yield Broker(LOCAL_AMQP, LOCAL_RABBITMQ_API if _api_answers(LOCAL_RABBITMQ_API) else None)
