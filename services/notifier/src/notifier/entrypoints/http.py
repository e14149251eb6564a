"""The notifier's HTTP API: a message's lifecycle, and halted channels.

- ``GET /v1/messages/{id}`` (the outbound id) or ``GET /v1/messages?provider_message_id=``:
  the message, its lifecycle status and times, every status in arrival order, and
  ``reengagement_template`` (the approved template it went out as because the recipient's
  customer-service window was closed, else null) (``X-Waops-Tenant`` scopes it).
- ``GET /v1/channels/{id}``: whether the channel is halted (and why), its circuit here,
  how many messages wait.
- ``POST /v1/channels/{id}/resume``: lift a halt after fixing the channel (renewed token,
  appeal granted); its waiting messages go out at once. Needs ``Authorization: Bearer
  {WAOPS_ADMIN_TOKEN}`` when that token is set (any key of the comma-separated list);
  an ``Idempotency-Key`` makes a retry answer the first resume.

Declared with the API kit, which serves the OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_service_kit import ApiError
from waops_service_kit.api import Answer, BearerAuth, Routes, mount
from waops_service_kit.http import tenant_of

from notifier.adapters.breaker import ChannelBreakers
from notifier.adapters.message_views import (
    MessageRecord,
    message_by_id,
    message_by_provider_id,
)
from notifier.adapters.outbound import channel_halt, queued_count, resume_channel
from notifier.adapters.statuses import history

API_VERSION = "1.0.0"


class MessageQuery(BaseModel):
    provider_message_id: str = Field(min_length=1, max_length=200, pattern=r"\S")


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    status: str
    history: list[dict[str, Any]]


class MessageView(BaseModel):
    message: Message


class ChannelState(BaseModel):
    id: str
    halted: bool
    halt: dict[str, Any] | None
    circuit: str | None
    waiting: int


class ChannelView(BaseModel):
    channel: ChannelState


class Resumed(BaseModel):
    id: str
    halted: bool


class ResumedView(BaseModel):
    channel: Resumed


def admin_auth(keys: tuple[str, ...]) -> BearerAuth:
    """The notifier's admin token: open when unset, 401 for a missing or wrong one."""
    refused = Answer(401, "UNAUTHORIZED", "the admin token is required")
    return BearerAuth("adminToken", lambda _: keys, missing=refused, wrong=refused)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def routes(
    engine: AsyncEngine,
    breakers: Callable[[], ChannelBreakers | None],
    admin_keys: tuple[str, ...],
    on_resume: Callable[[], None],
) -> Callable[[web.Application], None]:
    async def get_message(request: web.Request) -> web.Response:
        """A message by its outbound id: lifecycle status, times and history"""
        tenant = tenant_of(request)
        outbound_id = _uuid(request.match_info["id"])
        async with engine.connect() as conn:
            found = await message_by_id(conn, tenant, outbound_id)
            return await _message(conn, found)

    async def find_message(request: web.Request) -> web.Response:
        """A message by the provider's message id"""
        tenant = tenant_of(request)
        pmid = request.query.get("provider_message_id", "").strip()
        if not pmid:
            raise ApiError(400, "PROVIDER_MESSAGE_ID_REQUIRED", "give ?provider_message_id=")
        async with engine.connect() as conn:
            found = await message_by_provider_id(conn, tenant, pmid)
            return await _message(conn, found)

    async def _message(conn: AsyncConnection, found: MessageRecord | None) -> web.Response:
        if found is None:
            raise ApiError(404, "MESSAGE_NOT_FOUND", "no such message")
        events = await history(conn, found.id)
        message = {k: _json(v) for k, v in asdict(found).items()}
        message["history"] = [
            {"status": "queued", "occurred_at": message["created_at"], "source": "notifier"},
            *({k: _json(v) for k, v in asdict(e).items()} for e in events),
        ]
        return web.json_response({"message": message})

    async def get_channel(request: web.Request) -> web.Response:
        """Whether a channel is halted (and why), its circuit, how many messages wait"""
        channel_id = request.match_info["id"]
        async with engine.connect() as conn:
            halt = await channel_halt(conn, channel_id)
            waiting = await queued_count(conn, channel_id)
        current = breakers()
        halted = halt is not None and halt.resumed_at is None
        return web.json_response(
            {
                "channel": {
                    "id": channel_id,
                    "halted": halted,
                    "halt": {k: _json(v) for k, v in asdict(halt).items()} if halt else None,
                    "circuit": str(current.state(channel_id)) if current else None,
                    "waiting": waiting,
                }
            }
        )

    async def resume(request: web.Request) -> web.Response:
        """Lift a channel's halt; its waiting messages go out at once"""
        channel_id = request.match_info["id"]
        async with engine.begin() as conn:
            resumed = await resume_channel(conn, channel_id)
        if not resumed:
            raise ApiError(409, "CHANNEL_NOT_HALTED", f"channel {channel_id} is not halted")
        on_resume()
        return web.json_response({"channel": {"id": channel_id, "halted": False}})

    messages = Routes("messages", "outbound messages and their lifecycle")
    messages.handle(
        "GET",
        "/v1/messages",
        find_message,
        query=MessageQuery,
        response=MessageView,
        errors=((400, "PROVIDER_MESSAGE_ID_REQUIRED"), (404, "MESSAGE_NOT_FOUND")),
    )
    messages.handle(
        "GET",
        "/v1/messages/{id}",
        get_message,
        response=MessageView,
        errors=((404, "MESSAGE_NOT_FOUND"),),
    )
    channels = Routes("channels", "halted channels, and lifting a halt")
    channels.handle("GET", "/v1/channels/{id}", get_channel, tenant=False, response=ChannelView)
    channels.handle(
        "POST",
        "/v1/channels/{id}/resume",
        resume,
        tenant=False,
        auth=admin_auth(admin_keys),
        response=ResumedView,
        errors=((409, "CHANNEL_NOT_HALTED"),),
    )

    def add(app: web.Application) -> None:
        mount(
            app,
            [messages, channels],
            title="waops notifier",
            version=API_VERSION,
            description="Outbound messages: their lifecycle, and channels halted by the provider.",
        )

    return add


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(404, "MESSAGE_NOT_FOUND", "no such message") from None
