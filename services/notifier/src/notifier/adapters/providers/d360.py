"""360dialog (Cloud API hosting): ``POST {base}/messages`` with the ``D360-API-KEY`` header.

The key belongs to one phone number, so no phone-number id appears in the path; bodies and
error bodies are the Cloud API's. Media: ``POST {base}/media`` (multipart) to upload,
``GET {base}/{media_id}`` for its URL, which points at Meta's CDN host
(``https://lookaside.fbsbx.com/...``): 360dialog serves the same path on its own base URL,
with the same key, so the host is swapped before downloading.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import aiohttp

from notifier.adapters.providers.cloud_api import CloudApiProvider
from notifier.domain.decisions import decide_d360

DEFAULT_URL = "https://waba-v2.360dialog.io"
API_KEY_HEADER = "D360-API-KEY"


class D360Provider(CloudApiProvider):
    name = "360dialog"

    def __init__(
        self,
        api_key: str,
        session: aiohttp.ClientSession,
        base_url: str = DEFAULT_URL,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(session, timeout=timeout, decide=decide_d360)
        self._base = base_url.rstrip("/")
        self._key = api_key

    def messages_url(self) -> str:
        return f"{self._base}/messages"

    def media_upload_url(self) -> str:
        return f"{self._base}/media"

    def media_info_url(self, media_id: str) -> str:
        return f"{self._base}/{media_id}"

    def download_url(self, url: str) -> str:
        parts, base = urlsplit(url), urlsplit(self._base)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def auth_headers(self) -> dict[str, str]:
        return {API_KEY_HEADER: self._key}
