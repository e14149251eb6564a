from waops_service_kit.cli import run_cli

from notifier.bootstrap import build_runtime, create_app
from notifier.settings import NotifierSettings


def main() -> None:
    run_cli("notifier", NotifierSettings, create_app, build_runtime)


if __name__ == "__main__":
    main()
