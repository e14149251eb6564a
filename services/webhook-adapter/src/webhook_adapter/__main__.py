from waops_service_kit.cli import run_cli

from webhook_adapter.bootstrap import build_runtime, create_app
from webhook_adapter.entrypoints.cli import channels_command
from webhook_adapter.settings import AdapterSettings


def main() -> None:
    run_cli(
        "webhook-adapter",
        AdapterSettings,
        create_app,
        build_runtime,
        extra_commands={"channels": channels_command},
    )


if __name__ == "__main__":
    main()
