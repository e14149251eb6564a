from waops_service_kit.cli import run_cli

from orchestrator.bootstrap import build_runtime, create_app
from orchestrator.settings import OrchestratorSettings


def main() -> None:
    run_cli("orchestrator", OrchestratorSettings, create_app, build_runtime)


if __name__ == "__main__":
    main()
