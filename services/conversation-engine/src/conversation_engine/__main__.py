from waops_service_kit.cli import run_cli

from conversation_engine.bootstrap import build_runtime, create_app
from conversation_engine.settings import ConversationSettings


def main() -> None:
    run_cli("conversation-engine", ConversationSettings, create_app, build_runtime)


if __name__ == "__main__":
    main()
