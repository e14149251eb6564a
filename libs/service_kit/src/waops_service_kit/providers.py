"""The default channel's provider settings, read alike by the adapter and the notifier.

Both services must agree on which provider the default channel speaks and with which
credentials (the adapter checks its webhooks and fetches its media; the notifier sends
through it), so the fields live once. Each API URL defaults to the provider's real one,
or to the local sandbox when ``WAOPS_PROVIDER=sandbox``; any server speaking the
provider's API can be named instead.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from waops_service_kit.settings import ServiceSettings

SANDBOX_URL = "http://127.0.0.1:8090"  # python -m waops_sandbox
GRAPH_URL = "https://graph.facebook.com"
D360_URL = "https://waba-v2.360dialog.io"
TWILIO_URL = "https://api.twilio.com"

Provider = Literal["sandbox", "meta", "360dialog", "twilio"]


# The query parameter of the notifier's Twilio StatusCallback URL that carries the send's
# reference (Twilio echoes no field of the send; its callbacks come to that exact URL).
TWILIO_REFERENCE_PARAM = "waops_ref"


class ProviderSettings(ServiceSettings):
    # Which provider the default channel belongs to; the sandbox speaks Meta's formats.
    provider: Provider = Field(default="sandbox", validation_alias="WAOPS_PROVIDER")
    meta_access_token: str = Field(
        default="sandbox-access-token", validation_alias="WAOPS_META_ACCESS_TOKEN"
    )
    # Also the default channel's id for Meta and 360dialog.
    meta_phone_number_id: str = Field(
        default="109876543210", validation_alias="WAOPS_META_PHONE_NUMBER_ID"
    )
    meta_graph_url: str | None = Field(default=None, validation_alias="WAOPS_META_GRAPH_URL")
    meta_graph_version: str = Field(default="v21.0", validation_alias="WAOPS_META_GRAPH_VERSION")
    d360_api_key: str = Field(default="sandbox-d360-api-key", validation_alias="WAOPS_D360_API_KEY")
    d360_api_url: str | None = Field(default=None, validation_alias="WAOPS_D360_API_URL")
    twilio_account_sid: str = Field(
        default="AC00000000000000000000000000000000", validation_alias="WAOPS_TWILIO_ACCOUNT_SID"
    )
    twilio_auth_token: str = Field(
        default="sandbox-twilio-auth-token", validation_alias="WAOPS_TWILIO_AUTH_TOKEN"
    )
    twilio_whatsapp_number: str = Field(
        default="+14155238886", validation_alias="WAOPS_TWILIO_WHATSAPP_NUMBER"
    )
    twilio_api_url: str | None = Field(default=None, validation_alias="WAOPS_TWILIO_API_URL")
    # waops' public URL as providers call it (the adapter behind it): Twilio signs it, and
    # the notifier's StatusCallback is {this}/webhooks/twilio.
    public_base_url: str | None = Field(default=None, validation_alias="WAOPS_PUBLIC_BASE_URL")
    # The admin APIs' bearer keys, comma-separated ("new,old" while rotating): the APIs accept
    # every key; a caller (the notifier, reading channel credentials) sends the first.
    admin_token: str | None = Field(default=None, validation_alias="WAOPS_ADMIN_TOKEN")

    @property
    def admin_keys(self) -> tuple[str, ...]:
        keys = self.admin_token or ""
        return tuple(key.strip() for key in keys.split(",") if key.strip())

    def _api(self, configured: str | None, real: str) -> str:
        if configured:
            return configured.rstrip("/")
        return SANDBOX_URL if self.provider == "sandbox" else real

    @property
    def graph_url(self) -> str:
        return self._api(self.meta_graph_url, GRAPH_URL)

    @property
    def d360_url(self) -> str:
        return self._api(self.d360_api_url, D360_URL)

    @property
    def twilio_url(self) -> str:
        return self._api(self.twilio_api_url, TWILIO_URL)
