import argparse
import asyncio

from waops_observability import configure
from waops_service_kit.cli import run_cli
from waops_service_kit.migrations import migrate

from core.bootstrap import build_runtime, create_app
from core.demo import load_demo
from core.settings import CoreSettings


def seed_demo(settings: CoreSettings, args: list[str]) -> None:
    """``python -m core seed-demo [--force]``: migrate, then load the demo operator."""
    parser = argparse.ArgumentParser(prog="waops-core seed-demo")
    parser.add_argument(
        "--force", action="store_true", help="publish every tour and staff event again"
    )
    ns = parser.parse_args(args)
    configure("core", json_logs=settings.json_logs, level=settings.log_level)
    runtime = build_runtime(settings)

    async def go() -> None:
        try:
            await migrate(runtime.engine, runtime.schema, runtime.package)
            result = await load_demo(runtime.engine, runtime.writer, force=ns.force)
            print(f"core: demo loaded: {result.summary()}")
        finally:
            await runtime.engine.dispose()

    asyncio.run(go())


def main() -> None:
    run_cli("core", CoreSettings, create_app, build_runtime, {"seed-demo": seed_demo})


if __name__ == "__main__":
    main()
