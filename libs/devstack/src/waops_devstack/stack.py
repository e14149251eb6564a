"""Start, watch and stop every waops service (and the sandbox) as separate processes.

Used by ``make run`` (fixed ports, database ``waops``, vhost ``/``) and by the integration
suites (free ports, a database and vhost of their own). Each service gets its own
database role, its own schema and the same broker; the stack only sets environment
variables, exactly as docker-compose and the Kubernetes manifests do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
from cryptography.fernet import Fernet
from waops_service_kit.db import asyncpg_dsn
from waops_service_kit.provision import create_database, provision_schemas, service_url
from waops_service_kit.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceDef:
    name: str  # the service's name and the folder under services/
    package: str  # python -m <package>
    schema: str | None  # None for the sandbox (no database)
    port_var: str
    default_port: int


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("core", "core", "core", "WAOPS_CORE_PORT", 8083),
    ServiceDef("timeline", "timeline", "timeline", "WAOPS_TIMELINE_PORT", 8085),
    ServiceDef("audit", "audit", "audit", "WAOPS_AUDIT_PORT", 8086),
    ServiceDef("orchestrator", "orchestrator", "orchestrator", "WAOPS_ORCHESTRATOR_PORT", 8082),
    ServiceDef(
        "conversation-engine",
        "conversation_engine",
        "conversation_engine",
        "WAOPS_CONVERSATION_ENGINE_PORT",
        8081,
    ),
    ServiceDef("notifier", "notifier", "notifier", "WAOPS_NOTIFIER_PORT", 8084),
    ServiceDef("webhook-adapter", "webhook_adapter", "webhook_adapter", "WAOPS_ADAPTER_PORT", 8080),
)
SANDBOX = ServiceDef("sandbox", "waops_sandbox", None, "WAOPS_SANDBOX_PORT", 8090)


def budget_of(env: dict[str, str]) -> int:
    """One process's connection budget under the environment it is started with."""
    given = {
        "db_pool_size": env.get("WAOPS_DB_POOL_SIZE"),
        "db_pool_overflow": env.get("WAOPS_DB_POOL_OVERFLOW"),
    }
    settings = ServiceSettings.model_validate({k: v for k, v in given.items() if v is not None})
    return settings.connection_budget


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# How each secret of a run is made when nobody provides it.
SECRET_MAKERS: dict[str, Callable[[], str]] = {
    "admin_token": lambda: secrets.token_urlsafe(24),
    "channel_keys": lambda: Fernet.generate_key().decode(),
    "payment_webhook_secret": lambda: secrets.token_urlsafe(24),
    "orchestrator_api_token": lambda: secrets.token_urlsafe(24),
    "conversation_keys": lambda: Fernet.generate_key().decode(),
    "conversation_index_key": lambda: secrets.token_urlsafe(32),
}


@dataclass
class StackConfig:
    admin_url: str  # an administrator's URL on the PostgreSQL server
    database: str
    amqp_url: str  # services' broker URL (may point at a test proxy)
    log_dir: Path
    fixed_ports: bool = False
    env: dict[str, str] = field(default_factory=dict)  # extra env for every process
    tenant: str = "demo"
    app_secret: str = "sandbox-app-secret"
    access_token: str = "sandbox-access-token"
    verify_token: str = "sandbox-verify-token"
    phone_number_id: str = "109876543210"
    log_env: str = "production"  # JSON logs in files
    # Which provider's wire format the default channel speaks (all three against the sandbox).
    provider: str = "sandbox"
    # Secrets a deployment provides; a throwaway run makes its own (SECRET_MAKERS).
    admin_token: str = field(default_factory=lambda: SECRET_MAKERS["admin_token"]())
    channel_keys: str = field(default_factory=lambda: SECRET_MAKERS["channel_keys"]())
    payment_webhook_secret: str = field(
        default_factory=lambda: SECRET_MAKERS["payment_webhook_secret"]()
    )
    orchestrator_api_token: str = field(
        default_factory=lambda: SECRET_MAKERS["orchestrator_api_token"]()
    )
    conversation_keys: str = field(default_factory=lambda: SECRET_MAKERS["conversation_keys"]())
    conversation_index_key: str = field(
        default_factory=lambda: SECRET_MAKERS["conversation_index_key"]()
    )
    support_line: str = "+977 1 5550100"  # the number field staff call in an emergency
    media_dir: Path | None = None  # default: <log_dir>/../media
    test_clock: bool = False  # lets tests move the core's clock (POST /v1/admin/clock)
    # Where the services reach PostgreSQL ("host:port"); default: the admin URL's server. The
    # chaos bench points it at a TCP proxy it can cut (provisioning still uses the admin URL).
    db_address: str | None = None


@dataclass
class ServiceProcess:
    definition: ServiceDef
    port: int
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.definition.package,
                *(["serve"] if self.definition.schema else []),
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl-C in the terminal reaches the stack, not each child
            )
        finally:
            log.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self, timeout: float = 25.0) -> int | None:
        """SIGTERM (graceful: finish in-flight work), then SIGKILL after ``timeout``."""
        if not self.running:
            return self.process.returncode if self.process else None
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    async def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a crash."""
        if self.running:
            assert self.process is not None
            self.process.kill()
            await self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, ServiceProcess] = {}
        ports = {
            d.name: (d.default_port if config.fixed_ports else free_port())
            for d in (*SERVICES, SANDBOX)
        }
        self.ports = ports
        for definition in (*SERVICES, SANDBOX):
            self.processes[definition.name] = ServiceProcess(
                definition=definition,
                port=ports[definition.name],
                env=self._env_for(definition),
                log_path=config.log_dir / f"{definition.name}.log",
            )

    def url(self, name: str) -> str:
        return self.processes[name].url

    def _common_env(self) -> dict[str, str]:
        c = self.config
        sandbox = f"http://127.0.0.1:{self.ports['sandbox']}"
        adapter = f"http://127.0.0.1:{self.ports['webhook-adapter']}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAOPS_")}
        env.update(
            {
                "WAOPS_ENV": c.log_env,
                "WAOPS_AMQP_URL": c.amqp_url,
                "WAOPS_DEFAULT_TENANT": c.tenant,
                "WAOPS_PROVIDER": c.provider,
                "WAOPS_META_GRAPH_URL": sandbox,
                "WAOPS_META_ACCESS_TOKEN": c.access_token,
                "WAOPS_META_APP_SECRET": c.app_secret,
                "WAOPS_META_VERIFY_TOKEN": c.verify_token,
                "WAOPS_META_PHONE_NUMBER_ID": c.phone_number_id,
                "WAOPS_CORE_URL": f"http://127.0.0.1:{self.ports['core']}",
                "WAOPS_SANDBOX_WEBHOOK_URL": f"{adapter}/webhooks/meta",
                # The other two providers' APIs, also played by the sandbox.
                "WAOPS_D360_API_URL": sandbox,
                "WAOPS_D360_API_KEY": "sandbox-d360-api-key",
                "WAOPS_TWILIO_API_URL": sandbox,
                "WAOPS_TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
                "WAOPS_TWILIO_AUTH_TOKEN": "sandbox-twilio-auth-token",
                "WAOPS_TWILIO_WHATSAPP_NUMBER": "+14155238886",
                "WAOPS_PUBLIC_BASE_URL": adapter,  # what Twilio signs
                "WAOPS_SANDBOX_BASE_URL": sandbox,
                "WAOPS_SANDBOX_D360_WEBHOOK_URL": f"{adapter}/webhooks/360dialog",
                "WAOPS_SANDBOX_TWILIO_WEBHOOK_URL": f"{adapter}/webhooks/twilio",
                "WAOPS_ADAPTER_URL": adapter,
                "WAOPS_ADMIN_TOKEN": c.admin_token,
                "WAOPS_CHANNEL_KEYS": c.channel_keys,
                "WAOPS_ORCHESTRATOR_API_TOKEN": c.orchestrator_api_token,
                "WAOPS_CONVERSATION_KEYS": c.conversation_keys,
                "WAOPS_CONVERSATION_INDEX_KEY": c.conversation_index_key,
                "WAOPS_SUPPORT_LINE": c.support_line,
                "WAOPS_TIMEZONE": "Asia/Kathmandu",  # the demo operator's
                "WAOPS_MEDIA_DIR": str(c.media_dir or c.log_dir.parent / "media"),
                # The payment gateway: the sandbox's payment page, signing its webhooks.
                "WAOPS_PAYMENT_GATEWAY_URL": f"{sandbox}/_sandbox/pay",
                "WAOPS_SANDBOX_PAYMENT_WEBHOOK_URL": (
                    f"http://127.0.0.1:{self.ports['core']}/v1/payments/webhook"
                ),
                "WAOPS_PAYMENT_WEBHOOK_SECRET": c.payment_webhook_secret,
                "WAOPS_CORE_TEST_CLOCK": "true" if c.test_clock else "false",
                "WAOPS_HTTP_HOST": "127.0.0.1",
                "WAOPS_OUTBOX_POLL_INTERVAL": "0.5",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update({d.port_var: str(self.ports[d.name]) for d in (*SERVICES, SANDBOX)})
        env.update(c.env)
        return env

    def _env_for(self, definition: ServiceDef) -> dict[str, str]:
        env = self._common_env()
        if definition.schema:
            url = service_url(self.config.admin_url, definition.schema, self.config.database)
            if self.config.db_address:
                parts = urllib.parse.urlsplit(url)
                user = parts.netloc.rpartition("@")[0]
                netloc = f"{user}@{self.config.db_address}" if user else self.config.db_address
                url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
            env["WAOPS_DATABASE_URL"] = url
        return env

    async def provision(self) -> None:
        await create_database(self.config.admin_url, self.config.database)
        await provision_schemas(self.config.admin_url, self.config.database)

    async def run_command(self, name: str, *args: str, timeout: float = 120) -> str:
        """Run a service CLI command (migrate, seed-demo) with the service's environment."""
        proc = self.processes[name]
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            proc.definition.package,
            *args,
            env=proc.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(child.communicate(), timeout)
        text = out.decode(errors="replace")
        if child.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed ({child.returncode}):\n{text}")
        return text

    def connection_budget(self) -> int:
        """Database connections every service together may open (ADR 0026)."""
        return sum(
            budget_of(p.env) for p in self.processes.values() if p.definition.schema is not None
        )

    async def check_connection_budget(self) -> None:
        """Refuse to start a system that can exhaust PostgreSQL's connections: under load
        its services would fail with ``too many connections`` instead of queueing. Warn when
        it fits the server but not what others leave free right now."""
        conn = await asyncpg.connect(asyncpg_dsn(self.config.admin_url), timeout=10)
        try:
            allowed = await conn.fetchval(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
            )
            in_use = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            )
        finally:
            await conn.close()
        wanted = self.connection_budget()
        if wanted > allowed:
            raise RuntimeError(
                f"the services may open {wanted} database connections and PostgreSQL allows"
                f" {allowed}: lower WAOPS_DB_POOL_SIZE / WAOPS_DB_POOL_OVERFLOW or raise"
                " max_connections"
            )
        if in_use + wanted > allowed:
            print(
                f"warning: the services may open {wanted} database connections and PostgreSQL"
                f" has {allowed - in_use} free now ({in_use} of {allowed} in use)",
                file=sys.stderr,
            )

    async def start(self, *, timeout: float = 60) -> None:
        await self.check_connection_budget()
        await asyncio.gather(*(p.start() for p in self.processes.values()))
        await self.wait_ready(timeout=timeout)

    async def start_one(self, name: str, *, timeout: float = 60) -> None:
        await self.processes[name].start()
        await self.wait_ready([name], timeout=timeout)

    async def wait_ready(self, names: list[str] | None = None, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names or self.processes)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while pending:
                for name in list(pending):
                    proc = self.processes[name]
                    if not proc.running:
                        raise RuntimeError(f"{name} exited early:\n{proc.log_tail()}")
                    path = "/readyz" if proc.definition.schema else "/healthz"
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                        async with http.get(proc.url + path) as resp:
                            if resp.status == 200:
                                pending.discard(name)
                if pending and time.monotonic() > deadline:
                    tails = "\n".join(
                        f"--- {n}:\n{self.processes[n].log_tail()}" for n in sorted(pending)
                    )
                    raise TimeoutError(f"not ready after {timeout}s: {sorted(pending)}\n{tails}")
                if pending:
                    await asyncio.sleep(0.1)

    async def stop(self) -> dict[str, int | None]:
        """Stop in reverse dependency order: the door first, the core last."""
        codes: dict[str, int | None] = {}
        order = [SANDBOX.name, *(d.name for d in reversed(SERVICES))]
        for name in order:
            codes[name] = await self.processes[name].stop()
        return codes
