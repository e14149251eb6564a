"""The conversation engine's composition root: the only place that wires its parts."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from waops_service_kit import ServiceRuntime, build_app

from conversation_engine.deps import ConversationDeps
from conversation_engine.entrypoints.http import add_routes
from conversation_engine.handlers import build_registry
from conversation_engine.settings import ConversationSettings


def build_runtime(settings: ConversationSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="conversation-engine",
        schema="conversation_engine",
        package="conversation_engine",
        settings=settings,
        registry=build_registry(),
        deps=ConversationDeps(
            conversation_ttl=timedelta(hours=settings.conversation_ttl_hours),
        ),
    )


def create_app(settings: ConversationSettings | None = None) -> web.Application:
    settings = settings or ConversationSettings()
    return build_app(build_runtime(settings), add_routes)
