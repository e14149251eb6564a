from typing import Literal

from pydantic import Field
from waops_service_kit.providers import ProviderSettings


class AdapterSettings(ProviderSettings):
    """The provider fields (WAOPS_PROVIDER, Meta, 360dialog, Twilio) are shared with the
    notifier: waops_service_kit.providers."""

    port: int = Field(default=8080, validation_alias="WAOPS_ADAPTER_PORT")
    meta_app_secret: str = Field(
        default="sandbox-app-secret", validation_alias="WAOPS_META_APP_SECRET"
    )
    meta_verify_token: str = Field(
        default="sandbox-verify-token", validation_alias="WAOPS_META_VERIFY_TOKEN"
    )
    d360_webhook_secret: str | None = Field(
        default=None, validation_alias="WAOPS_D360_WEBHOOK_SECRET"
    )
    # Fernet keys, comma-separated: the first encrypts, all decrypt (rotation).
    channel_keys: str | None = Field(default=None, validation_alias="WAOPS_CHANNEL_KEYS")
    channel_display_name: str = Field(
        default="WhatsApp (default channel)", validation_alias="WAOPS_ADAPTER_CHANNEL_NAME"
    )
    # Meta batches up to 1000 updates per POST (a few MB); aiohttp's default limit is 1 MiB.
    webhook_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, validation_alias="WAOPS_WEBHOOK_MAX_BYTES"
    )

    # --- Inbound media (webhook_adapter.handlers.media; docs/adr/0013-inbound-media.md) ----
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
