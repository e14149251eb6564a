from pydantic import Field
from waops_service_kit import ServiceSettings


class CoreSettings(ServiceSettings):
    port: int = Field(default=8083, validation_alias="WAOPS_CORE_PORT")
