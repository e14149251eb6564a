from pydantic import Field
from waops_service_kit import ServiceSettings


class TimelineSettings(ServiceSettings):
    port: int = Field(default=8085, validation_alias="WAOPS_TIMELINE_PORT")
