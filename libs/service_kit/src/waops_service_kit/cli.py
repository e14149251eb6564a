"""Every service's command line: ``serve`` (default), ``migrate``, and one-off commands a
service adds (e.g. the core's ``seed-demo``), which run on a migrated schema."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from waops_observability import configure

from waops_service_kit.migrations import migrate
from waops_service_kit.runtime import ServiceRuntime, serve
from waops_service_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def run_cli(
    name: str,
    settings_cls: type[S],
    create_app: Callable[[S], web.Application],
    build_runtime: Callable[[S], ServiceRuntime],
    extra_commands: dict[str, Callable[[ServiceRuntime, list[str]], Awaitable[None]]] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"waops-{name}")
    commands = ["serve", "migrate", *(extra_commands or {})]
    parser.add_argument("command", nargs="?", default="serve", choices=commands)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args()
    settings = settings_cls()
    if ns.command == "serve":
        app = create_app(settings)
        port = int(getattr(settings, "port", 8080))
        serve(app, host=settings.http_host, port=port, shutdown_timeout=settings.shutdown_timeout)
    else:
        configure(name, json_logs=settings.json_logs, level=settings.log_level)
        runtime = build_runtime(settings)

        async def go() -> None:
            try:
                applied = await migrate(runtime.engine, runtime.schema, runtime.package)
                if ns.command == "migrate":
                    print(f"{name}: {len(applied)} migration(s) applied")
                else:
                    assert extra_commands is not None
                    await extra_commands[ns.command](runtime, ns.args)
            finally:
                await runtime.engine.dispose()

        asyncio.run(go())
