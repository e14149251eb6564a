"""Where tests find PostgreSQL and RabbitMQ (env, then Docker, then local), unique names,
and the TCP proxy used to cut broker connections. No container is ever started here."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from waops_testing import infra
from waops_testing.infra import (
    LOCAL_AMQP,
    LOCAL_POSTGRES,
    LOCAL_RABBITMQ_API,
    Broker,
    InfraUnavailable,
    postgres_admin_url,
    rabbitmq_broker,
    unique_name,
)
from waops_testing.tcp_proxy import TcpProxy

ENV_VARS = ("WAOPS_TEST_POSTGRES_URL", "WAOPS_TEST_AMQP_URL", "WAOPS_TEST_RABBITMQ_API_URL")


def _never() -> bool:
    raise AssertionError("Docker must not be probed when the environment names the service")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV_VARS:  # CI may set them; every test states what it needs
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[tuple[str, int]]]:
    """Fake the Docker probe and the TCP probe; returns the (host, port) pairs probed."""

    def install(*, docker: bool, listening: set[int]) -> list[tuple[str, int]]:
        probed: list[tuple[str, int]] = []

        def answers(host: str, port: int, timeout: float = 2.0) -> bool:
            probed.append((host, port))
            return port in listening

        monkeypatch.setattr(infra, "docker_answers", lambda: docker)
        monkeypatch.setattr(infra, "_answers", answers)
        return probed

    return install


# --- the Docker probe --------------------------------------------------------------------


def test_unreachable_docker_engine_means_no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    started = time.monotonic()
    assert infra.docker_answers() is False
    assert time.monotonic() - started < 10


# --- PostgreSQL ------------------------------------------------------------------------


class FakePostgresContainer:
    """Stands in for testcontainers' PostgresContainer: the methods infra.py calls."""

    made: list[FakePostgresContainer] = []

    def __init__(self, image: str, **kwargs: Any) -> None:
        self.image, self.kwargs = image, kwargs
        self.running = False
        self.stopped = False
        FakePostgresContainer.made.append(self)

    def __enter__(self) -> FakePostgresContainer:
        self.running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.running, self.stopped = False, True

    def get_connection_url(self) -> str:
        return "postgresql://test:test@10.1.2.3:49153/test"


def test_postgres_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAOPS_TEST_POSTGRES_URL", "postgresql://ci:pw@db:5433/postgres")
    monkeypatch.setattr(infra, "docker_answers", _never)
    with postgres_admin_url() as url:
        assert url == "postgresql://ci:pw@db:5433/postgres"


def test_postgres_from_a_container_when_docker_answers(
    monkeypatch: pytest.MonkeyPatch, probes: Callable[..., list[tuple[str, int]]]
) -> None:
    probed = probes(docker=True, listening={5432})  # Docker wins over a local server
    FakePostgresContainer.made.clear()
    monkeypatch.setattr("testcontainers.postgres.PostgresContainer", FakePostgresContainer)
    with postgres_admin_url() as url:
        (container,) = FakePostgresContainer.made
        assert container.running
        assert url == "postgresql://test:test@10.1.2.3:49153/test"
    assert container.stopped
    assert container.image.startswith("postgres:")
    assert container.kwargs == {"driver": None}  # a plain URL, as asyncpg wants
    assert probed == []


@pytest.mark.parametrize("env_url", [None, ""])  # an empty variable names nothing
def test_postgres_local_default(
    monkeypatch: pytest.MonkeyPatch,
    probes: Callable[..., list[tuple[str, int]]],
    env_url: str | None,
) -> None:
    if env_url is not None:
        monkeypatch.setenv("WAOPS_TEST_POSTGRES_URL", env_url)
    probed = probes(docker=False, listening={5432})
    with postgres_admin_url() as url:
        assert url == LOCAL_POSTGRES
    assert probed == [("127.0.0.1", 5432)]


def test_postgres_nowhere_is_a_clear_error(probes: Callable[..., list[tuple[str, int]]]) -> None:
    probes(docker=False, listening=set())
    with pytest.raises(InfraUnavailable, match="WAOPS_TEST_POSTGRES_URL"), postgres_admin_url():
        pass


# --- RabbitMQ ----------------------------------------------------------------------------


class FakeRabbitMqContainer:
    """Stands in for testcontainers' RabbitMqContainer: the methods infra.py calls."""

    made: list[FakeRabbitMqContainer] = []
    exit_code = 0

    def __init__(self, image: str, **kwargs: Any) -> None:
        self.image = image
        self.commands: list[list[str]] = []
        self.running = False
        self.stopped = False
        FakeRabbitMqContainer.made.append(self)

    def __enter__(self) -> FakeRabbitMqContainer:
        self.running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.running, self.stopped = False, True

    def exec(self, command: list[str]) -> tuple[int, bytes]:
        self.commands.append(command)
        return self.exit_code, b"" if self.exit_code == 0 else b"plugin not found"

    def get_container_host_ip(self) -> str:
        return "10.1.2.4"

    def get_exposed_port(self, port: int) -> str:
        assert port == 5672
        return "49154"


@pytest.fixture
def fake_rabbit(monkeypatch: pytest.MonkeyPatch) -> type[FakeRabbitMqContainer]:
    FakeRabbitMqContainer.made.clear()
    monkeypatch.setattr(FakeRabbitMqContainer, "exit_code", 0)
    monkeypatch.setattr("testcontainers.rabbitmq.RabbitMqContainer", FakeRabbitMqContainer)
    return FakeRabbitMqContainer


@pytest.mark.parametrize(
    ("api_env", "api_listening", "expected_api"),
    [
        ("http://u:p@mq:15672", True, "http://u:p@mq:15672"),
        ("http://u:p@mq:15672", False, None),  # falls back to rabbitmqctl
        (None, True, None),
    ],
)
def test_rabbitmq_from_environment(
    monkeypatch: pytest.MonkeyPatch,
    probes: Callable[..., list[tuple[str, int]]],
    api_env: str | None,
    api_listening: bool,
    expected_api: str | None,
) -> None:
    probes(docker=False, listening={15672} if api_listening else set())
    monkeypatch.setattr(infra, "docker_answers", _never)
    monkeypatch.setenv("WAOPS_TEST_AMQP_URL", "amqp://u:p@mq:5672/")
    if api_env:
        monkeypatch.setenv("WAOPS_TEST_RABBITMQ_API_URL", api_env)
    with rabbitmq_broker() as broker:
        assert broker.amqp_url == "amqp://u:p@mq:5672/"
        assert broker.api_url == expected_api
        assert broker.container is None


def test_rabbitmq_from_a_container_when_docker_answers(
    probes: Callable[..., list[tuple[str, int]]], fake_rabbit: type[FakeRabbitMqContainer]
) -> None:
    probed = probes(docker=True, listening={5672, 15672})
    with rabbitmq_broker() as broker:
        (container,) = fake_rabbit.made
        assert container.running
        assert broker.amqp_url == "amqp://guest:guest@10.1.2.4:49154/"
        assert broker.url_for("t_1") == "amqp://guest:guest@10.1.2.4:49154/t_1"
        assert broker.api_url is None
        assert broker.container is container
        # vhosts are made inside the container, not through a local rabbitmqctl
        broker.create_vhost("t_1")
        broker.delete_vhost("t_1")
    assert container.stopped
    assert container.image.startswith("rabbitmq:") and "management" in container.image
    assert container.commands == [
        ["rabbitmq-plugins", "enable", "--online", "rabbitmq_consistent_hash_exchange"],
        ["rabbitmqctl", "add_vhost", "t_1"],
        ["rabbitmqctl", "set_permissions", "-p", "t_1", "guest", ".*", ".*", ".*"],
        ["rabbitmqctl", "delete_vhost", "t_1"],
    ]
    assert probed == []


def test_rabbitmq_container_without_the_hash_exchange_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    probes: Callable[..., list[tuple[str, int]]],
    fake_rabbit: type[FakeRabbitMqContainer],
) -> None:
    probes(docker=True, listening=set())
    monkeypatch.setattr(fake_rabbit, "exit_code", 1)
    with pytest.raises(InfraUnavailable, match="plugin not found"), rabbitmq_broker():
        pass
    assert fake_rabbit.made[0].stopped


@pytest.mark.parametrize(
    ("api_listening", "expected_api"), [(True, LOCAL_RABBITMQ_API), (False, None)]
)
def test_rabbitmq_local_default(
    probes: Callable[..., list[tuple[str, int]]], api_listening: bool, expected_api: str | None
) -> None:
    probed = probes(docker=False, listening={5672, 15672} if api_listening else {5672})
    with rabbitmq_broker() as broker:
        assert broker.amqp_url == LOCAL_AMQP
        assert broker.api_url == expected_api
    assert probed == [("127.0.0.1", 5672), ("127.0.0.1", 15672)]


def test_rabbitmq_nowhere_is_a_clear_error(probes: Callable[..., list[tuple[str, int]]]) -> None:
    probes(docker=False, listening=set())
    with pytest.raises(InfraUnavailable, match="WAOPS_TEST_AMQP_URL"), rabbitmq_broker():
        pass


def test_each_service_is_resolved_on_its_own(
    monkeypatch: pytest.MonkeyPatch, probes: Callable[..., list[tuple[str, int]]]
) -> None:
    probes(docker=False, listening={5672})
    monkeypatch.setenv("WAOPS_TEST_POSTGRES_URL", "postgresql://ci@db/postgres")
    with postgres_admin_url() as pg, rabbitmq_broker() as broker:
        assert pg == "postgresql://ci@db/postgres"
        assert broker.amqp_url == LOCAL_AMQP


def test_the_real_container_classes_offer_what_the_fakes_stand_in_for() -> None:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer  # needs pika (the rabbitmq extra)

    inspect.signature(PostgresContainer).bind("postgres:16-alpine", driver=None)
    inspect.signature(RabbitMqContainer).bind("rabbitmq:3.13-management")
    for cls, fake in (
        (PostgresContainer, FakePostgresContainer),
        (RabbitMqContainer, FakeRabbitMqContainer),
    ):
        for name in vars(fake):
            if callable(getattr(fake, name)) and not name.startswith("__init"):
                assert hasattr(cls, name), f"{cls.__name__}.{name}"


# --- the management API (a local fake speaking its HTTP) ---------------------------------


@pytest.fixture
def management_api() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": json.loads(body or b"{}"),
                }
            )
            self.send_response(201 if self.command == "PUT" else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_DELETE = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_vhosts_through_the_management_api(
    management_api: tuple[int, list[dict[str, Any]]],
) -> None:
    port, seen = management_api
    # Encoded credentials and a trailing slash, as people write them in env files.
    broker = Broker(
        "amqp://us%40er:pw@127.0.0.1:5672/", f"http://ad%40min:p%3Ass@127.0.0.1:{port}/"
    )
    broker.create_vhost("t/1")
    broker.delete_vhost("t/1")
    auth = "Basic " + base64.b64encode(b"ad@min:p:ss").decode()
    assert seen == [
        {"method": "PUT", "path": "/api/vhosts/t%2F1", "auth": auth, "body": {}},
        {
            "method": "PUT",
            "path": "/api/permissions/t%2F1/us%40er",
            "auth": auth,
            "body": {"configure": ".*", "write": ".*", "read": ".*"},
        },
        {"method": "DELETE", "path": "/api/vhosts/t%2F1", "auth": auth, "body": {}},
    ]


def test_api_url_without_port_is_called_and_probed_on_the_scheme_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    urls: list[str] = []

    class Done:
        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    def urlopen(req: Any, timeout: float) -> Done:
        urls.append(req.full_url)
        return Done()

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    Broker(LOCAL_AMQP, "https://u:p@mq.example").create_vhost("v")
    assert urls[0] == "https://mq.example/api/vhosts/v"

    probed: list[tuple[str, int]] = []

    def answers(host: str, port: int, timeout: float = 2.0) -> bool:
        probed.append((host, port))
        return True

    monkeypatch.setattr(infra, "_answers", answers)
    for url in ("https://mq.example", "http://mq.example", "http://mq.example:15672"):
        infra._api_answers(url)
    assert probed == [("mq.example", 443), ("mq.example", 80), ("mq.example", 15672)]


# --- unique names ------------------------------------------------------------------------


def test_unique_names_are_distinct_valid_identifiers() -> None:
    names = [unique_name("waops_t") for _ in range(2000)]
    assert len(set(names)) == len(names)
    for name in names:
        # Used unquoted as a PostgreSQL database name and as a RabbitMQ vhost.
        assert re.fullmatch(r"waops_t_[0-9a-f]{10}", name)
        assert name.isidentifier()
        assert len(name) <= 63


# --- the TCP proxy -----------------------------------------------------------------------


class EchoServer:
    def __init__(self) -> None:
        self.open = 0
        self.idle = asyncio.Event()  # set while no connection is open
        self._server: asyncio.Server | None = None
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        self.idle.clear()
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.open -= 1
            if self.open == 0:
                self.idle.set()
            writer.close()

    async def __aenter__(self) -> EchoServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


@pytest.fixture
async def echo_proxy() -> AsyncIterator[tuple[EchoServer, TcpProxy]]:
    async with EchoServer() as echo:
        proxy = TcpProxy("127.0.0.1", echo.port)
        await proxy.start()
        try:
            yield echo, proxy
        finally:
            await proxy.stop()


async def _round_trip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
) -> bytes:
    writer.write(data)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(data)), 5)


async def _closed(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 5) == b""
    except ConnectionError:  # an abort may arrive as a reset
        return True


async def test_proxy_forwards_bytes_both_ways(echo_proxy: tuple[EchoServer, TcpProxy]) -> None:
    _, proxy = echo_proxy
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        assert await _round_trip(reader, writer, b"hello") == b"hello"
        big = bytes(range(256)) * 4096  # 1 MiB, more than one read and over the buffer limits
        assert await _round_trip(reader, writer, big) == big
    finally:
        writer.close()
    assert proxy.connections_accepted == 1


async def test_cut_drops_live_connections_and_new_ones_still_work(
    echo_proxy: tuple[EchoServer, TcpProxy],
) -> None:
    echo, proxy = echo_proxy
    first = [await asyncio.open_connection("127.0.0.1", proxy.port) for _ in range(2)]
    for reader, writer in first:
        assert await _round_trip(reader, writer, b"before") == b"before"

    assert proxy.cut() == 2
    for reader, _ in first:
        assert await _closed(reader)  # the client side is dropped...
    await asyncio.wait_for(echo.idle.wait(), 5)  # ...and so is the upstream side
    for _, writer in first:
        writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        assert await _round_trip(reader, writer, b"after") == b"after"
    finally:
        writer.close()
    assert proxy.connections_accepted == 3
    assert proxy.cut() == 1


async def test_proxy_to_nothing_closes_the_client() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    proxy = TcpProxy("127.0.0.1", dead_port)
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await _closed(reader)
        writer.close()
        assert proxy.cut() == 0
    finally:
        await proxy.stop()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", proxy.port)  # stop() closes the port
