"""The webhook adapter's HTTP surface, declared once with the API kit (served and documented
at ``/openapi.json``): the providers' webhook doors, the channel registry's admin API and
inbound media.

The webhooks' bodies are the providers' own: documented as raw bytes, never re-parsed before
their signature is checked (the handlers read them). The admin API is behind one bearer
mechanism (``WAOPS_ADMIN_TOKEN``, a comma-separated list of keys for rotation).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from waops_service_kit.api import Answer, BearerAuth, Routes
from waops_service_kit.api.operations import Handler

from webhook_adapter.domain import meta, twilio
from webhook_adapter.entrypoints import admin
from webhook_adapter.entrypoints.common import SETTINGS
from webhook_adapter.entrypoints.http import receive_360dialog, receive_meta, verify_subscription
from webhook_adapter.entrypoints.twilio import receive_twilio

API_VERSION = "1.0.0"
DESCRIPTION = (
    "The webhook adapter: the doors providers (Meta Cloud API, 360dialog, Twilio) post "
    "webhooks to, the channel registry's admin API, and inbound media."
)
ADMIN_AUTH = BearerAuth(
    "adminToken",
    lambda request: request.app[SETTINGS].admin_keys,
    missing=Answer(401, "UNAUTHENTICATED", "Authorization: Bearer <admin token> is required"),
    wrong=Answer(403, "FORBIDDEN", "the admin token is wrong"),
    unconfigured=Answer(503, "ADMIN_NOT_CONFIGURED", "the admin API needs WAOPS_ADMIN_TOKEN"),
    description="WAOPS_ADMIN_TOKEN (any key of its comma-separated list)",
)
STORED = ((503, "STORAGE_UNAVAILABLE"),)
BODY_REFUSALS = ((400, "EMPTY_BODY"), (413, "PAYLOAD_TOO_LARGE"), (415, "UNSUPPORTED_MEDIA_TYPE"))


class Accepted(BaseModel):
    status: Literal["ok"]


class Subscription(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    mode: str = Field(alias="hub.mode", description="subscribe")
    verify_token: str = Field(alias="hub.verify_token")
    challenge: str = Field(alias="hub.challenge", description="answered back as text")


class NewChannel(BaseModel):
    provider: Literal["meta", "360dialog", "twilio"]
    address: str = Field(description="a phone number id (Cloud API) or an E.164 number")
    tenant_id: str | None = None
    display_name: str | None = None
    enabled: bool = True
    credentials: dict[str, str] | None = None


class ChannelChange(BaseModel):
    tenant_id: str | None = None
    display_name: str | None = None
    enabled: bool | None = None
    credentials: dict[str, str] | None = Field(
        default=None, description="given keys replace the stored ones"
    )


class PublicChannel(BaseModel):
    id: str
    tenant_id: str
    provider: str
    address: str
    display_name: str | None
    enabled: bool
    has_credentials: bool
    created_at: str | None
    updated_at: str | None


class ChannelView(BaseModel):
    channel: PublicChannel


class ChannelList(BaseModel):
    channels: list[PublicChannel]


class ChannelsQuery(BaseModel):
    tenant_id: str | None = None


class ChannelCredentials(BaseModel):
    channel: dict[str, Any]


CHANNEL_REFUSALS = (
    (400, "MALFORMED_JSON"),
    (400, "BAD_PROVIDER"),
    (400, "BAD_ADDRESS"),
    (400, "BAD_CREDENTIALS"),
    (400, "BAD_ENABLED"),
    (400, "BAD_TENANT_ID"),
    (400, "BAD_DISPLAY_NAME"),
    (400, "IMMUTABLE"),
    (400, "UNKNOWN_FIELD"),
    (503, "CHANNEL_KEYS_UNAVAILABLE"),
    (503, "STORAGE_UNAVAILABLE"),
)
FOUND = ((404, "CHANNEL_NOT_FOUND"), (503, "STORAGE_UNAVAILABLE"))


def webhook_routes() -> Routes:
    doors = Routes("webhooks", "provider webhooks: answered 200 once durably stored")
    doors.handle(
        "GET",
        "/webhooks/meta",
        verify_subscription,
        tenant=False,
        query=Subscription,
        content_type="text/plain",
        errors=((403, "VERIFICATION_FAILED"),),
    )
    signed = (meta.SIGNATURE_HEADER, "HMAC-SHA256 of the raw body, sha256=<hex>", False)
    doors.handle(
        "POST",
        "/webhooks/meta",
        receive_meta,
        tenant=False,
        idempotency="none",
        raw_body=("application/json",),
        headers=(signed,),
        response=Accepted,
        errors=(
            (401, "INVALID_SIGNATURE"),
            (400, "MALFORMED_JSON"),
            (400, "INVALID_PAYLOAD"),
            *BODY_REFUSALS,
            *STORED,
        ),
    )
    doors.handle(
        "POST",
        "/webhooks/360dialog",
        receive_360dialog,
        tenant=False,
        idempotency="none",
        raw_body=("application/json",),
        headers=((meta.D360_SIGNATURE_HEADER, "hex HMAC-SHA256 (when configured)", False),),
        response=Accepted,
        errors=(
            (401, "INVALID_SIGNATURE"),
            (400, "MALFORMED_JSON"),
            (400, "INVALID_PAYLOAD"),
            *BODY_REFUSALS,
            *STORED,
        ),
    )
    doors.handle(
        "POST",
        "/webhooks/twilio",
        receive_twilio,
        tenant=False,
        idempotency="none",
        raw_body=("application/x-www-form-urlencoded",),
        headers=((twilio.SIGNATURE_HEADER, "Twilio's signature of URL and form", False),),
        response=Accepted,
        errors=(
            (401, "INVALID_SIGNATURE"),
            (400, "MALFORMED_FORM"),
            (400, "INVALID_PAYLOAD"),
            (404, "UNKNOWN_CHANNEL"),
            *BODY_REFUSALS,
            *STORED,
        ),
    )
    return doors


def admin_routes() -> Routes:
    channels = Routes("channels", "the channel registry (admin)", auth=ADMIN_AUTH)
    path, one = admin.PREFIX, admin.PREFIX + "/{channel_id}"
    channels.handle(
        "POST",
        path,
        admin.create,
        tenant=False,
        body=NewChannel,
        response=ChannelView,
        status=201,
        errors=((409, "CHANNEL_EXISTS"), *CHANNEL_REFUSALS),
    )
    channels.handle(
        "GET", path, admin.list_all, tenant=False, query=ChannelsQuery, response=ChannelList
    )
    channels.handle("GET", one, admin.get_one, tenant=False, response=ChannelView, errors=FOUND)
    channels.handle(
        "PATCH",
        one,
        admin.change,
        tenant=False,
        body=ChannelChange,
        response=ChannelView,
        errors=(*FOUND, *CHANNEL_REFUSALS),
    )
    channels.handle("DELETE", one, admin.disable, tenant=False, response=ChannelView, errors=FOUND)
    channels.handle(
        "GET",
        one + "/credentials",
        admin.credentials,
        tenant=False,
        response=ChannelCredentials,
        errors=(*FOUND, (503, "CHANNEL_KEYS_UNAVAILABLE")),
    )
    return channels


def media_routes(get_media: Handler) -> Routes:
    media = Routes("media", "inbound media, fetched from the provider and stored")
    media.handle(
        "GET",
        "/v1/media/{ref}",
        get_media,
        name="get_media",
        content_type="application/octet-stream",
        errors=(
            (404, "MEDIA_NOT_FOUND"),
            (404, "MEDIA_MISSING"),
            (409, "MEDIA_NOT_READY"),
            (410, "MEDIA_GONE"),
            (503, "STORAGE_UNAVAILABLE"),
        ),
    )
    return media
