"""The channel registry's admin API, ``/v1/admin/channels``, behind ``WAOPS_ADMIN_TOKEN``.

- ``POST`` create (201), ``GET`` list (``?tenant_id=``), ``GET /{id}``, ``PATCH /{id}``,
  ``DELETE /{id}`` (disables: events and the raw log keep referring to the channel).
- ``GET /{id}/credentials``: the channel with its credentials in clear, for the notifier.
  Nothing else ever returns or logs credentials.

``Authorization: Bearer <token>`` (checked by the API kit, declared in ``entrypoints.api``):
none is 401, a wrong one 403; with no token configured the API answers 503
``ADMIN_NOT_CONFIGURED`` (an admin API without a token is not open).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit import RUNTIME, ApiError

from webhook_adapter.adapters import channels as table
from webhook_adapter.adapters.keyring import KeyringUnavailable
from webhook_adapter.domain.channels import InvalidChannel
from webhook_adapter.entrypoints.common import KEYRING, SETTINGS, STORAGE_ERRORS
from webhook_adapter.handlers import channel_registry
from webhook_adapter.handlers.channel_registry import ChannelExists, ChannelNotFound

PREFIX = "/v1/admin/channels"


@asynccontextmanager
async def _transaction(request: web.Request) -> AsyncIterator[AsyncConnection]:
    """The registry's errors as stable 4xx codes; the database's as 503."""
    try:
        async with request.app[RUNTIME].engine.begin() as conn:
            yield conn
    except InvalidChannel as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    except ChannelExists as exc:
        raise ApiError(409, "CHANNEL_EXISTS", f"a channel with address {exc} exists") from None
    except ChannelNotFound as exc:
        raise ApiError(404, "CHANNEL_NOT_FOUND", f"no channel {exc}") from None
    except KeyringUnavailable as exc:
        raise ApiError(503, "CHANNEL_KEYS_UNAVAILABLE", str(exc)) from None
    except STORAGE_ERRORS:
        raise ApiError(503, "STORAGE_UNAVAILABLE", "the registry is unavailable; retry") from None


async def _object(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise ApiError(400, "MALFORMED_JSON", "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(400, "MALFORMED_JSON", "the body must be a JSON object")
    return data


async def create(request: web.Request) -> web.Response:
    data = await _object(request)
    settings = request.app[SETTINGS]
    async with _transaction(request) as conn:
        channel = await channel_registry.add_channel(
            conn, request.app[KEYRING], data, default_tenant=settings.default_tenant
        )
    return web.json_response({"channel": channel.public()}, status=201)


async def list_all(request: web.Request) -> web.Response:
    async with _transaction(request) as conn:
        found = await table.list_channels(conn, request.query.get("tenant_id") or None)
    return web.json_response({"channels": [c.public() for c in found]})


async def get_one(request: web.Request) -> web.Response:
    async with _transaction(request) as conn:
        channel = await channel_registry.get_channel(conn, request.match_info["channel_id"])
    return web.json_response({"channel": channel.public()})


async def change(request: web.Request) -> web.Response:
    data = await _object(request)
    async with _transaction(request) as conn:
        channel = await channel_registry.change_channel(
            conn, request.app[KEYRING], request.match_info["channel_id"], data
        )
    return web.json_response({"channel": channel.public()})


async def disable(request: web.Request) -> web.Response:
    async with _transaction(request) as conn:
        channel = await channel_registry.disable_channel(conn, request.match_info["channel_id"])
    return web.json_response({"channel": channel.public()})


async def credentials(request: web.Request) -> web.Response:
    async with _transaction(request) as conn:
        found = await channel_registry.channel_credentials(
            conn, request.app[KEYRING], request.app[SETTINGS], request.match_info["channel_id"]
        )
    return web.json_response({"channel": found})
