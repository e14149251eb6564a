from pydantic import Field
from waops_service_kit import ServiceSettings


class AuditSettings(ServiceSettings):
    port: int = Field(default=8086, validation_alias="WAOPS_AUDIT_PORT")
