from waops_service_kit import ServiceRuntime
from waops_service_kit.cli import run_cli

from conversation_engine.adapters.rotation import reseal_all
from conversation_engine.bootstrap import build_runtime, create_app
from conversation_engine.settings import ConversationSettings


async def rotate_keys(runtime: ServiceRuntime, args: list[str]) -> None:
    """Re-seal every stored phone and body under the newest WAOPS_CONVERSATION_KEYS key."""
    resealed = await reseal_all(runtime.engine, runtime.deps.sealer)
    print(f"conversation-engine: {resealed} sealed value(s) re-sealed under the newest key")


def main() -> None:
    run_cli(
        "conversation-engine",
        ConversationSettings,
        create_app,
        build_runtime,
        extra_commands={"rotate-keys": rotate_keys},
    )


if __name__ == "__main__":
    main()
