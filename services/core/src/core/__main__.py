import argparse

from waops_service_kit import ServiceRuntime
from waops_service_kit.cli import run_cli

from core.bootstrap import build_runtime, create_app
from core.handlers.demo import load_demo
from core.settings import CoreSettings


async def seed_demo(runtime: ServiceRuntime, args: list[str]) -> None:
    """``python -m core seed-demo [--force]``: load the demo operator (after migrations)."""
    parser = argparse.ArgumentParser(prog="waops-core seed-demo")
    parser.add_argument(
        "--force", action="store_true", help="publish every tour and staff event again"
    )
    ns = parser.parse_args(args)
    result = await load_demo(runtime.engine, runtime.writer, force=ns.force)
    print(f"core: demo loaded: {result.summary()}")


def main() -> None:
    run_cli("core", CoreSettings, create_app, build_runtime, {"seed-demo": seed_demo})


if __name__ == "__main__":
    main()
