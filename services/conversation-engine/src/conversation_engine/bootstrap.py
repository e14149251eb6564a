"""The conversation engine's composition root: the only place that wires its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from waops_observability import get_logger
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.migrations import migrate

from conversation_engine.adapters.legacy import seal_clear_rows
from conversation_engine.adapters.llm_understanding import build_understander, close_understander
from conversation_engine.adapters.sealing import Sealer
from conversation_engine.entrypoints.http import add_routes
from conversation_engine.handlers import build_registry
from conversation_engine.handlers.deps import ConversationDeps
from conversation_engine.settings import ConversationSettings

log = get_logger(__name__)


@dataclass
class ConversationRuntime(ServiceRuntime):
    """The kit's runtime, sealing any clear phones and bodies left from before migration
    0003 after migrating and before consuming anything."""

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await migrate(self.engine, self.schema, self.package)
        await seal_clear_rows(self.engine, self.deps.sealer)
        await super().start()  # its own migrate finds nothing left to apply


def build_runtime(settings: ConversationSettings) -> ServiceRuntime:
    if settings.uses_dev_keys:
        log.warning(
            "conversation.dev_keys",
            detail="WAOPS_CONVERSATION_KEYS / WAOPS_CONVERSATION_INDEX_KEY unset: phones and"
            " bodies are sealed with public development keys (refused in production)",
        )
    keys, index_key = settings.sealing_keys
    return ConversationRuntime(
        name="conversation-engine",
        schema="conversation_engine",
        package="conversation_engine",
        settings=settings,
        registry=build_registry(),
        deps=ConversationDeps(
            sealer=Sealer(keys, index_key),
            conversation_ttl=timedelta(hours=settings.conversation_ttl_hours),
            understander=build_understander(
                settings.understanding_llm_url,
                settings.understanding_llm_api_key,
                settings.understanding_llm_model,
                settings.understanding_llm_timeout,
            ),
        ),
    )


def create_app(settings: ConversationSettings | None = None) -> web.Application:
    settings = settings or ConversationSettings()
    runtime = build_runtime(settings)

    async def understander_session(_: web.Application) -> AsyncIterator[None]:
        yield
        await close_understander(runtime.deps.understander)

    return build_app(runtime, add_routes, extra_lifecycle=[understander_session])
