from typing import Literal

from pydantic import Field
from waops_service_kit import ServiceSettings


class AdapterSettings(ServiceSettings):
    port: int = Field(default=8080, validation_alias="WAOPS_ADAPTER_PORT")
    # Which provider the default channel belongs to: the sandbox speaks Meta's wire format.
    provider: Literal["sandbox", "meta", "360dialog", "twilio"] = Field(
        default="sandbox", validation_alias="WAOPS_PROVIDER"
    )
    meta_app_secret: str = Field(
        default="sandbox-app-secret", validation_alias="WAOPS_META_APP_SECRET"
    )
    meta_verify_token: str = Field(
        default="sandbox-verify-token", validation_alias="WAOPS_META_VERIFY_TOKEN"
    )
    meta_phone_number_id: str = Field(
        default="109876543210", validation_alias="WAOPS_META_PHONE_NUMBER_ID"
    )
    # Handed to the notifier with the default channel's credentials.
    meta_access_token: str = Field(
        default="sandbox-access-token", validation_alias="WAOPS_META_ACCESS_TOKEN"
    )
    meta_graph_url: str | None = Field(default=None, validation_alias="WAOPS_META_GRAPH_URL")
    meta_graph_version: str = Field(default="v21.0", validation_alias="WAOPS_META_GRAPH_VERSION")
    d360_api_key: str = Field(default="sandbox-d360-api-key", validation_alias="WAOPS_D360_API_KEY")
    d360_api_url: str = Field(
        default="https://waba-v2.360dialog.io", validation_alias="WAOPS_D360_API_URL"
    )
    d360_webhook_secret: str | None = Field(
        default=None, validation_alias="WAOPS_D360_WEBHOOK_SECRET"
    )
    twilio_account_sid: str = Field(
        default="AC00000000000000000000000000000000", validation_alias="WAOPS_TWILIO_ACCOUNT_SID"
    )
    twilio_auth_token: str = Field(
        default="sandbox-twilio-auth-token", validation_alias="WAOPS_TWILIO_AUTH_TOKEN"
    )
    twilio_whatsapp_number: str = Field(
        default="+14155238886", validation_alias="WAOPS_TWILIO_WHATSAPP_NUMBER"
    )
    twilio_api_url: str = Field(
        default="https://api.twilio.com", validation_alias="WAOPS_TWILIO_API_URL"
    )
    # The adapter's URL as providers call it (Twilio signs it); unset: the request's own URL.
    public_base_url: str | None = Field(default=None, validation_alias="WAOPS_PUBLIC_BASE_URL")
    # Fernet keys, comma-separated: the first encrypts, all decrypt (rotation).
    channel_keys: str | None = Field(default=None, validation_alias="WAOPS_CHANNEL_KEYS")
    admin_token: str | None = Field(default=None, validation_alias="WAOPS_ADMIN_TOKEN")
    channel_display_name: str = Field(
        default="WhatsApp (default channel)", validation_alias="WAOPS_ADAPTER_CHANNEL_NAME"
    )
    # Meta batches up to 1000 updates per POST (a few MB); aiohttp's default limit is 1 MiB.
    webhook_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, validation_alias="WAOPS_WEBHOOK_MAX_BYTES"
    )

    # --- Inbound media (webhook_adapter.media; docs/adr/0013-inbound-media.md) -------------
    media_store: Literal["local", "s3"] = Field(
        default="local", validation_alias="WAOPS_MEDIA_STORE"
    )
    media_dir: str = Field(default="var/media", validation_alias="WAOPS_MEDIA_DIR")
    # WhatsApp's own caps: images 5 MB, audio/video 16 MB, documents 100 MB. 16 MiB keeps
    # every photo, voice note and video; a larger document is rejected (with its reason)
    # unless the operator raises this, so one sender cannot make the adapter store 100 MB.
    media_max_bytes: int = Field(
        default=16 * 1024 * 1024, gt=0, validation_alias="WAOPS_MEDIA_MAX_BYTES"
    )
    # Comma-separated; compared without parameters (``audio/ogg; codecs=opus`` is audio/ogg).
    media_allowed_types: str = Field(
        default=(
            "image/jpeg,image/png,image/webp,"
            "audio/aac,audio/amr,audio/mpeg,audio/mp4,audio/ogg,"
            "video/mp4,video/3gpp,"
            "text/plain,application/pdf,application/msword,application/vnd.ms-excel,"
            "application/vnd.ms-powerpoint,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        ),
        validation_alias="WAOPS_MEDIA_ALLOWED_TYPES",
    )
    media_s3_bucket: str | None = Field(default=None, validation_alias="WAOPS_MEDIA_S3_BUCKET")
    media_s3_endpoint_url: str | None = Field(
        default=None, validation_alias="WAOPS_MEDIA_S3_ENDPOINT_URL"
    )
    media_s3_region: str | None = Field(default=None, validation_alias="WAOPS_MEDIA_S3_REGION")
    media_s3_access_key_id: str | None = Field(
        default=None, validation_alias="WAOPS_MEDIA_S3_ACCESS_KEY_ID"
    )
    media_s3_secret_access_key: str | None = Field(
        default=None, validation_alias="WAOPS_MEDIA_S3_SECRET_ACCESS_KEY"
    )
    media_s3_prefix: str = Field(default="", validation_alias="WAOPS_MEDIA_S3_PREFIX")
    media_fetch_max_attempts: int = Field(
        default=6, ge=1, validation_alias="WAOPS_MEDIA_FETCH_MAX_ATTEMPTS"
    )
    media_fetch_timeout: float = Field(
        default=60.0, gt=0, validation_alias="WAOPS_MEDIA_FETCH_TIMEOUT"
    )
    media_retry_backoff: float = Field(
        default=2.0, gt=0, validation_alias="WAOPS_MEDIA_RETRY_BACKOFF"
    )
    # --- end of inbound media --------------------------------------------------------------

    @property
    def graph_url(self) -> str:
        if self.meta_graph_url:
            return self.meta_graph_url
        return "https://graph.facebook.com" if self.provider == "meta" else "http://127.0.0.1:8090"
