from waops_service_kit.cli import run_cli

from timeline.bootstrap import build_runtime, create_app
from timeline.settings import TimelineSettings


def main() -> None:
    run_cli("timeline", TimelineSettings, create_app, build_runtime)


if __name__ == "__main__":
    main()
