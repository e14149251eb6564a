from typing import Literal

from pydantic import Field
from waops_service_kit import ServiceSettings


class AdapterSettings(ServiceSettings):
    port: int = Field(default=8080, validation_alias="WAOPS_ADAPTER_PORT")
    # Which provider the default channel belongs to: the sandbox speaks Meta's wire format.
    provider: Literal["sandbox", "meta"] = Field(
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
    channel_display_name: str = Field(
        default="WhatsApp (default channel)", validation_alias="WAOPS_ADAPTER_CHANNEL_NAME"
    )
    # Meta batches up to 1000 updates per POST (a few MB); aiohttp's default limit is 1 MiB.
    webhook_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, validation_alias="WAOPS_WEBHOOK_MAX_BYTES"
    )
