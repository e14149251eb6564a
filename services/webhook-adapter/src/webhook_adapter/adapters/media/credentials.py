"""Which provider credentials fetch a channel's media.

A channel's media is fetched with its own credentials from the channel registry
(``handlers.media.from_registry``: decrypted per fetch, never cached in the clear); fields a
channel does not hold fall back to the adapter's settings (``from_settings``: the default
channel's credentials).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from webhook_adapter.settings import AdapterSettings


@dataclass(frozen=True)
class MediaCredentials:
    graph_url: str
    graph_version: str
    meta_access_token: str
    d360_api_url: str
    d360_api_key: str
    twilio_account_sid: str
    twilio_auth_token: str

    def __repr__(self) -> str:  # secrets stay out of logs and tracebacks
        return f"MediaCredentials(graph_url={self.graph_url!r}, d360_api_url={self.d360_api_url!r})"


CredentialsLookup = Callable[[str], Awaitable[MediaCredentials]]


def from_settings(settings: AdapterSettings) -> CredentialsLookup:
    credentials = MediaCredentials(
        graph_url=settings.graph_url.rstrip("/"),
        graph_version=settings.meta_graph_version,
        meta_access_token=settings.meta_access_token,
        d360_api_url=settings.d360_url.rstrip("/"),
        d360_api_key=settings.d360_api_key,
        twilio_account_sid=settings.twilio_account_sid,
        twilio_auth_token=settings.twilio_auth_token,
    )

    async def credentials_for(channel_id: str) -> MediaCredentials:
        return credentials  # one set for every channel until the registry holds them

    return credentials_for
