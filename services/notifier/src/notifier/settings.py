from typing import Literal

from pydantic import Field
from waops_service_kit import ServiceSettings

SANDBOX_URL = "http://127.0.0.1:8090"  # the local provider stand-in (python -m waops_sandbox)


class NotifierSettings(ServiceSettings):
    port: int = Field(default=8084, validation_alias="WAOPS_NOTIFIER_PORT")
    # The default channel's provider; the sandbox speaks Meta's wire format (and the others').
    provider: Literal["sandbox", "meta", "360dialog", "twilio"] = Field(
        default="sandbox", validation_alias="WAOPS_PROVIDER"
    )
    # With the sandbox provider the Meta client talks to the local Graph API stand-in.
    meta_graph_url: str | None = Field(default=None, validation_alias="WAOPS_META_GRAPH_URL")
    meta_graph_version: str = Field(default="v21.0", validation_alias="WAOPS_META_GRAPH_VERSION")
    meta_access_token: str = Field(
        default="sandbox-access-token", validation_alias="WAOPS_META_ACCESS_TOKEN"
    )
    # Also the default channel's id, whatever its provider (the adapter's default channel).
    meta_phone_number_id: str = Field(
        default="109876543210", validation_alias="WAOPS_META_PHONE_NUMBER_ID"
    )
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
    # waops' public URL (the adapter behind it): Twilio's StatusCallback is {this}/webhooks/twilio.
    public_base_url: str | None = Field(default=None, validation_alias="WAOPS_PUBLIC_BASE_URL")
    # Non-default channels' credentials come from the adapter's admin API.
    adapter_url: str = Field(default="http://127.0.0.1:8080", validation_alias="WAOPS_ADAPTER_URL")
    admin_token: str | None = Field(default=None, validation_alias="WAOPS_ADMIN_TOKEN")
    channel_cache_ttl: float = Field(
        default=300.0, ge=0, validation_alias="WAOPS_NOTIFIER_CHANNEL_CACHE_TTL"
    )
    send_max_attempts: int = Field(
        default=6, ge=1, validation_alias="WAOPS_NOTIFIER_SEND_MAX_ATTEMPTS"
    )
    send_timeout: float = Field(default=10.0, gt=0, validation_alias="WAOPS_NOTIFIER_SEND_TIMEOUT")
    retry_backoff: float = Field(default=2.0, gt=0, validation_alias="WAOPS_NOTIFIER_RETRY_BACKOFF")
    retry_backoff_max: float = Field(
        default=300.0, gt=0, validation_alias="WAOPS_NOTIFIER_RETRY_BACKOFF_MAX"
    )
    breaker_failures: int = Field(
        default=5, ge=1, validation_alias="WAOPS_NOTIFIER_BREAKER_FAILURES"
    )
    breaker_cooldown: float = Field(
        default=30.0, gt=0, validation_alias="WAOPS_NOTIFIER_BREAKER_COOLDOWN"
    )
    # 0: a halted channel stays halted until an operator resumes it.
    halt_resume_after: float = Field(
        default=0.0, ge=0, validation_alias="WAOPS_NOTIFIER_HALT_RESUME_AFTER"
    )

    @property
    def graph_url(self) -> str:
        if self.meta_graph_url:
            return self.meta_graph_url
        return SANDBOX_URL if self.provider == "sandbox" else "https://graph.facebook.com"

    @property
    def d360_url(self) -> str:
        if self.d360_api_url:
            return self.d360_api_url
        return SANDBOX_URL if self.provider == "sandbox" else "https://waba-v2.360dialog.io"

    @property
    def twilio_url(self) -> str:
        if self.twilio_api_url:
            return self.twilio_api_url
        return SANDBOX_URL if self.provider == "sandbox" else "https://api.twilio.com"

    @property
    def twilio_status_callback(self) -> str | None:
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/webhooks/twilio"
