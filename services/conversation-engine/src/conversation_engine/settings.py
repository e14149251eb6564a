from pydantic import Field, model_validator
from waops_service_kit import ServiceSettings

# Public development keys (the docker-compose defaults): used only outside production when
# no key is configured, so a bare local run still starts. Never secret, never for real data.
DEV_CONVERSATION_KEYS = "d2FvcHMtZGV2LWNvbnZlcnNhdGlvbi1rZXktY2hhbmc="
DEV_CONVERSATION_INDEX_KEY = "d2FvcHMtZGV2LWJsaW5kLWluZGV4LWtleS1jaGFuZ2UtbWU"


class ConversationSettings(ServiceSettings):
    port: int = Field(default=8081, validation_alias="WAOPS_CONVERSATION_ENGINE_PORT")
    # How long a conversation stays open after the last inbound message: WhatsApp's
    # customer-service window (read from WAOPS_CONVERSATION_TTL_HOURS).
    conversation_ttl_hours: float = Field(default=24.0, gt=0)
    # Message bodies and phones are sealed at rest with these Fernet keys (comma-separated,
    # newest first) and phones are found through a blind index under the index key.
    conversation_keys: str | None = Field(default=None, validation_alias="WAOPS_CONVERSATION_KEYS")
    conversation_index_key: str | None = Field(
        default=None, validation_alias="WAOPS_CONVERSATION_INDEX_KEY"
    )

    # An LLM behind the enquiry understanding (an OpenAI-compatible chat-completions API):
    # off unless the URL is set; on a timeout or a bad answer the rules answer instead.
    understanding_llm_url: str | None = None
    understanding_llm_api_key: str | None = None
    understanding_llm_model: str = "gpt-4o-mini"
    understanding_llm_timeout: float = Field(default=3.0, gt=0)  # seconds, per message

    @model_validator(mode="after")
    def _keys_required_in_production(self) -> "ConversationSettings":
        missing = [
            setting
            for setting, value in (
                ("WAOPS_CONVERSATION_KEYS", self.conversation_keys),
                ("WAOPS_CONVERSATION_INDEX_KEY", self.conversation_index_key),
            )
            if not (value and value.strip())
        ]
        if missing and self.env == "production":
            raise ValueError(
                f"{' and '.join(missing)} must be set in production: the conversation engine"
                " stores message bodies and phone numbers encrypted and will not start"
                " without its keys (docs/configuration.md)"
            )
        return self

    @property
    def uses_dev_keys(self) -> bool:
        return not (self.conversation_keys and self.conversation_index_key)

    @property
    def sealing_keys(self) -> tuple[str, str]:
        """(Fernet keys, blind-index key): the configured ones, else the public dev keys."""
        return (
            self.conversation_keys or DEV_CONVERSATION_KEYS,
            self.conversation_index_key or DEV_CONVERSATION_INDEX_KEY,
        )
