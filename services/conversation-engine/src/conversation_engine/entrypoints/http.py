"""Conversation API for operations and debugging (tenant in X-Waops-Tenant).

- GET /v1/conversations/{id}: the conversation, its binding and its messages.
- GET /v1/conversations?phone=+977...[&channel_id=...]: a phone's conversations, newest first.
- GET /v1/contexts?phone=+977...: what the engine knows about a phone (role, bound object,
  dialogue state and data).
- GET /v1/catalogue: the tours the enquiry matcher knows (the catalogue read model).

Declared with the API kit, which serves the OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field
from waops_contracts import phone_key
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.api import Routes, mount
from waops_service_kit.http import query_int, tenant_of

from conversation_engine.adapters.contexts import StoredContext, context_of
from conversation_engine.adapters.conversations import (
    ConversationRecord,
    MessageRecord,
    conversation_with_messages,
    conversations_of,
    parse_id,
)
from conversation_engine.adapters.read_models import CatalogueTour, catalogue_listing
from conversation_engine.adapters.sealing import Sealer

API_VERSION = "1.0.0"
routes = Routes("conversations", "what the engine knows: conversations, contexts, catalogue")
PHONE = Field(max_length=64, description="any format; matched by its phone key")


class ConversationQuery(BaseModel):
    limit: int = Field(default=500, ge=1, le=2000, description="at most this many messages")


class ConversationsQuery(BaseModel):
    phone: str = PHONE
    channel_id: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ContextQuery(BaseModel):
    phone: str = PHONE


class ConversationView(BaseModel):
    conversation: dict[str, Any]


class ConversationList(BaseModel):
    conversations: list[dict[str, Any]]


class ContextView(BaseModel):
    context: dict[str, Any]


class Catalogue(BaseModel):
    tours: list[dict[str, Any]]


def _sealer(request: web.Request) -> Sealer:
    sealer: Sealer = request.app[RUNTIME].deps.sealer
    return sealer


def _phone(request: web.Request) -> str:
    phone = request.query.get("phone", "").strip()
    if not phone:
        raise ApiError(400, "PHONE_REQUIRED", "the phone query parameter is required")
    return phone_key(phone)


async def get_conversation(request: web.Request) -> web.Response:
    """A conversation, its binding and its messages"""
    tenant = tenant_of(request)
    raw_id = request.match_info["conversation_id"]
    conversation_id = parse_id(raw_id)
    if conversation_id is None:
        raise ApiError(400, "BAD_CONVERSATION_ID", "a conversation id is a UUID", id=raw_id)
    limit = query_int(request, "limit", default=500, low=1, high=2000)
    async with request.app[RUNTIME].engine.connect() as conn:
        found = await conversation_with_messages(
            conn, _sealer(request), tenant, conversation_id, limit
        )
    if found is None:
        raise ApiError(404, "CONVERSATION_NOT_FOUND", "no such conversation", id=raw_id)
    conversation, messages = found
    return web.json_response(
        {
            "conversation": {
                **_conversation_json(conversation),
                "messages": [_message_json(m) for m in messages],
            }
        }
    )


async def list_conversations(request: web.Request) -> web.Response:
    """A phone's conversations, newest first"""
    tenant = tenant_of(request)
    phone = _phone(request)
    channel_id = request.query.get("channel_id") or None
    limit = query_int(request, "limit", default=50, low=1, high=200)
    async with request.app[RUNTIME].engine.connect() as conn:
        found = await conversations_of(conn, _sealer(request), tenant, phone, channel_id, limit)
    return web.json_response({"conversations": [_conversation_json(c) for c in found]})


async def get_context(request: web.Request) -> web.Response:
    """What the engine knows about a phone: role, bound object, dialogue state"""
    tenant = tenant_of(request)
    phone = _phone(request)
    async with request.app[RUNTIME].engine.connect() as conn:
        context = await context_of(conn, _sealer(request), tenant, phone)
    if context is None:
        raise ApiError(404, "CONTEXT_NOT_FOUND", "nothing is known about this phone")
    return web.json_response({"context": _context_json(phone, context)})


async def get_catalogue(request: web.Request) -> web.Response:
    """The tours the enquiry matcher knows"""
    tenant = tenant_of(request)
    async with request.app[RUNTIME].engine.connect() as conn:
        tours = await catalogue_listing(conn, tenant)
    return web.json_response({"tours": [_tour_json(t) for t in tours]})


def _conversation_json(c: ConversationRecord) -> dict[str, Any]:
    bound = None
    if c.bound_object_type:
        bound = {
            "type": c.bound_object_type,
            "id": c.bound_object_id,
            "reference": c.bound_reference,
        }
    return {
        "id": c.id,
        "channel_id": c.channel_id,
        "phone": c.phone,
        "actor_role": c.actor_role,
        "profile_name": c.profile_name,
        "state": c.state,
        "bound_object": bound,
        "previous_conversation_id": c.previous_conversation_id,
        "started_at": c.started_at.isoformat(),
        "last_inbound_at": c.last_inbound_at.isoformat(),
        "expires_at": c.expires_at.isoformat(),
    }


def _message_json(m: MessageRecord) -> dict[str, Any]:
    return {
        "id": m.id,
        "direction": m.direction,
        "provider_message_id": m.provider_message_id,
        "kind": m.kind,
        "body": m.body,
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        "received_at": m.received_at.isoformat(),
    }


def _context_json(phone: str, stored: StoredContext) -> dict[str, Any]:
    context = stored.context
    bound = context.bound
    return {
        "phone": phone,
        "actor_role": context.role,
        "name": context.name,
        "bound_object": (
            {"type": bound.type, "id": bound.id, "reference": bound.reference} if bound else None
        ),
        "dialogue_state": context.state,
        "dialogue_data": dict(context.data),
        "channel_id": stored.channel_id,
        "conversation_id": stored.conversation_id,
        "updated_at": stored.updated_at.isoformat(),
    }


def _tour_json(t: CatalogueTour) -> dict[str, Any]:
    return {
        "tour_id": t.tour_id,
        "code": t.code,
        "name": t.name,
        "aliases": list(t.aliases),
        "active": t.active,
        "updated_at": t.updated_at.isoformat(),
    }


routes.handle("GET", "/v1/catalogue", get_catalogue, response=Catalogue)
routes.handle(
    "GET",
    "/v1/contexts",
    get_context,
    query=ContextQuery,
    response=ContextView,
    errors=((400, "PHONE_REQUIRED"), (404, "CONTEXT_NOT_FOUND")),
)
routes.handle(
    "GET",
    "/v1/conversations",
    list_conversations,
    query=ConversationsQuery,
    response=ConversationList,
    errors=((400, "PHONE_REQUIRED"), (400, "BAD_LIMIT")),
)
routes.handle(
    "GET",
    "/v1/conversations/{conversation_id}",
    get_conversation,
    query=ConversationQuery,
    response=ConversationView,
    errors=((400, "BAD_CONVERSATION_ID"), (400, "BAD_LIMIT"), (404, "CONVERSATION_NOT_FOUND")),
)


def add_routes(app: web.Application) -> None:
    mount(
        app,
        [routes],
        title="waops conversation engine",
        version=API_VERSION,
        description="Conversations, their context and the catalogue read model, for "
        "operations and debugging.",
    )
