"""The channel registry's operations, shared by the admin API and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from webhook_adapter.adapters import channels as table
from webhook_adapter.adapters.channels import Channel
from webhook_adapter.adapters.keyring import Keyring
from webhook_adapter.domain.channels import (
    InvalidChannel,
    check_credentials,
    check_provider,
    normalize_address,
)
from webhook_adapter.settings import AdapterSettings


class ChannelExists(Exception):
    pass


class ChannelNotFound(Exception):
    pass


def default_address(settings: AdapterSettings) -> str:
    """The environment's channel: Meta's (or 360dialog's) phone number id, Twilio's number."""
    if settings.provider == "twilio":
        return normalize_address("twilio", settings.twilio_whatsapp_number)
    return settings.meta_phone_number_id


def default_credentials(settings: AdapterSettings) -> dict[str, str]:
    """The environment's channel's credentials: read from the environment on each request,
    never stored (the environment stays their source of truth)."""
    if settings.provider == "360dialog":
        found = {"api_key": settings.d360_api_key, "api_url": settings.d360_url}
        if settings.d360_webhook_secret:
            found["webhook_secret"] = settings.d360_webhook_secret
        return found
    if settings.provider == "twilio":
        return {
            "account_sid": settings.twilio_account_sid,
            "auth_token": settings.twilio_auth_token,
            "whatsapp_number": default_address(settings),
            "api_url": settings.twilio_url,
        }
    return {
        "access_token": settings.meta_access_token,
        "app_secret": settings.meta_app_secret,
        "phone_number_id": settings.meta_phone_number_id,
        "graph_url": settings.graph_url,
        "graph_version": settings.meta_graph_version,
    }


async def upsert_default_channel(conn: AsyncConnection, settings: AdapterSettings) -> None:
    await table.upsert_channel(
        conn,
        address=default_address(settings),
        tenant_id=settings.default_tenant,
        provider=settings.provider,
        display_name=settings.channel_display_name,
    )


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidChannel(f"BAD_{key.upper()}", f"{key} must be a non-empty string")
    return value.strip()


async def add_channel(
    conn: AsyncConnection, keyring: Keyring, data: dict[str, Any], *, default_tenant: str
) -> Channel:
    provider = check_provider(data.get("provider"))
    address = normalize_address(provider, data.get("address"))
    credentials = check_credentials(provider, data.get("credentials"))
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidChannel("BAD_ENABLED", "enabled must be true or false")
    created = await table.create_channel(
        conn,
        address=address,
        tenant_id=_text(data, "tenant_id", default_tenant),
        provider=provider,
        display_name=_text(data, "display_name", f"WhatsApp {address}"),
        enabled=enabled,
        credentials=keyring.encrypt(credentials) if credentials else None,
    )
    if created is None:
        raise ChannelExists(address)
    return created


async def get_channel(conn: AsyncConnection, channel_id: str) -> Channel:
    channel = await table.channel_for(conn, channel_id)
    if channel is None:
        raise ChannelNotFound(channel_id)
    return channel


async def change_channel(
    conn: AsyncConnection, keyring: Keyring, channel_id: str, data: dict[str, Any]
) -> Channel:
    """Change name, tenant, enabled, credentials (given keys replace stored ones; a key set
    to null removes it) or provider. The address is the channel's identity and stays; a
    number moving provider with the same address (Meta to 360dialog keep the phone number id)
    keeps its channel id and conversations, and starts without the old provider's
    credentials unless new ones are given."""
    current = await get_channel(conn, channel_id)
    fixed = sorted({"id", "address"} & set(data))
    if fixed:
        raise InvalidChannel("IMMUTABLE", f"{', '.join(fixed)} cannot change; add a new channel")
    allowed = {"tenant_id", "display_name", "enabled", "credentials", "provider"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidChannel("UNKNOWN_FIELD", f"unknown field(s): {', '.join(unknown)}")
    changes: dict[str, Any] = {}
    provider: str = current.provider
    if "provider" in data and data["provider"] != current.provider:
        provider = check_provider(data["provider"])
        if normalize_address(provider, current.address) != current.address:
            raise InvalidChannel("BAD_ADDRESS", f"{current.address} is no {provider} address")
        changes["provider"] = provider
        changes["credentials"] = None
    for key in ("tenant_id", "display_name"):
        if key in data:
            changes[key] = _text(data, key)
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            raise InvalidChannel("BAD_ENABLED", "enabled must be true or false")
        changes["enabled"] = data["enabled"]
    if "credentials" in data:
        given = data["credentials"]
        if not isinstance(given, dict):
            raise InvalidChannel("BAD_CREDENTIALS", "credentials must be an object")
        kept = current.credentials if "provider" not in changes else None
        stored = keyring.decrypt(kept) if kept else {}
        merged = {**stored, **{k: v for k, v in given.items() if v is not None}}
        for key in [k for k, v in given.items() if v is None]:
            merged.pop(key, None)
        merged = check_credentials(provider, merged)
        changes["credentials"] = keyring.encrypt(merged) if merged else None
    if not changes:
        return current
    changed = await table.update_channel(conn, channel_id, changes)
    if changed is None:
        raise ChannelNotFound(channel_id)
    return changed


async def disable_channel(conn: AsyncConnection, channel_id: str) -> Channel:
    changed = await table.update_channel(conn, channel_id, {"enabled": False})
    if changed is None:
        raise ChannelNotFound(channel_id)
    return changed


async def channel_credentials(
    conn: AsyncConnection, keyring: Keyring, settings: AdapterSettings, channel_id: str
) -> dict[str, Any]:
    """For the notifier: the channel and its credentials in clear. The default channel's come
    from the environment, overlaid by any stored for it."""
    channel = await get_channel(conn, channel_id)
    credentials: dict[str, str] = {}
    if channel.id == default_address(settings) and channel.provider == settings.provider:
        credentials.update(default_credentials(settings))
    if channel.credentials is not None:
        credentials.update(keyring.decrypt(channel.credentials))
    return {
        "id": channel.id,
        "tenant_id": channel.tenant_id,
        "provider": channel.provider,
        "address": channel.address,
        "enabled": channel.enabled,
        "credentials": credentials,
    }


async def rotate_keys(conn: AsyncConnection, keyring: Keyring) -> int:
    """Re-encrypt every channel's credentials under the first key; the count rotated."""
    rows = await table.encrypted_credentials(conn)
    for channel_id, token in rows:
        await table.update_channel(conn, channel_id, {"credentials": keyring.rotate(token)})
    return len(rows)
