from waops_service_kit.cli import run_cli

from audit.bootstrap import build_runtime, create_app
from audit.settings import AuditSettings


def main() -> None:
    run_cli("audit", AuditSettings, create_app, build_runtime)


if __name__ == "__main__":
    main()
