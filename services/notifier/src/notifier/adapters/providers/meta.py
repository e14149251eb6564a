"""Meta WhatsApp Cloud API: ``POST {base}/{version}/{phone_number_id}/messages``, bearer token.

The base URL is configurable so the same client talks to graph.facebook.com, to the waops
sandbox or to any server speaking the Graph API. Media: ``POST /{version}/{phone_number_id}
/media`` (multipart) to upload, ``GET /{version}/{media_id}`` for a media's URL.
"""

from __future__ import annotations

import aiohttp

from notifier.adapters.providers.cloud_api import CloudApiProvider
from notifier.domain.decisions import decide_meta


class MetaCloudProvider(CloudApiProvider):
    name = "meta"

    def __init__(
        self,
        base_url: str,
        version: str,
        phone_number_id: str,
        access_token: str,
        session: aiohttp.ClientSession,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(session, timeout=timeout, decide=decide_meta)
        self._root = f"{base_url.rstrip('/')}/{version}"
        self._phone_number_id = phone_number_id
        self._token = access_token

    def messages_url(self) -> str:
        return f"{self._root}/{self._phone_number_id}/messages"

    def media_upload_url(self) -> str:
        return f"{self._root}/{self._phone_number_id}/media"

    def media_info_url(self, media_id: str) -> str:
        return f"{self._root}/{media_id}"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}
