from typing import Literal

from pydantic import Field
from waops_service_kit import ServiceSettings


class NotifierSettings(ServiceSettings):
    port: int = Field(default=8084, validation_alias="WAOPS_NOTIFIER_PORT")
    provider: Literal["sandbox", "meta"] = Field(
        default="sandbox", validation_alias="WAOPS_PROVIDER"
    )
    # With the sandbox provider the Meta client talks to the local Graph API stand-in.
    meta_graph_url: str | None = Field(default=None, validation_alias="WAOPS_META_GRAPH_URL")
    meta_graph_version: str = Field(default="v21.0", validation_alias="WAOPS_META_GRAPH_VERSION")
    meta_access_token: str = Field(
        default="sandbox-access-token", validation_alias="WAOPS_META_ACCESS_TOKEN"
    )
    meta_phone_number_id: str = Field(
        default="109876543210", validation_alias="WAOPS_META_PHONE_NUMBER_ID"
    )
    send_max_attempts: int = Field(default=6, validation_alias="WAOPS_NOTIFIER_SEND_MAX_ATTEMPTS")
    send_timeout: float = Field(default=10.0, validation_alias="WAOPS_NOTIFIER_SEND_TIMEOUT")

    @property
    def graph_url(self) -> str:
        if self.meta_graph_url:
            return self.meta_graph_url
        return (
            "http://127.0.0.1:8090" if self.provider == "sandbox" else "https://graph.facebook.com"
        )
