from pydantic import Field
from waops_service_kit import ServiceSettings


class ConversationSettings(ServiceSettings):
    port: int = Field(default=8081, validation_alias="WAOPS_CONVERSATION_ENGINE_PORT")
    # How long a conversation stays open after the last inbound message: WhatsApp's
    # customer-service window (read from WAOPS_CONVERSATION_TTL_HOURS).
    conversation_ttl_hours: float = Field(default=24.0, gt=0)
