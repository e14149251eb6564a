from datetime import timedelta

from pydantic import Field, field_validator
from waops_service_kit.providers import ProviderSettings

from notifier.domain.formatting import zone
from notifier.domain.window import Reengagement, WindowPolicy


class NotifierSettings(ProviderSettings):
    """The provider fields (WAOPS_PROVIDER, Meta, 360dialog, Twilio) are shared with the
    adapter: waops_service_kit.providers."""

    port: int = Field(default=8084, validation_alias="WAOPS_NOTIFIER_PORT")
    # Non-default channels' credentials come from the adapter's admin API.
    adapter_url: str = Field(default="http://127.0.0.1:8080", validation_alias="WAOPS_ADAPTER_URL")
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
    # A send's lease: a sender still holding one past it is presumed dead or cut off, and
    # the send's outcome unknown (never simply re-sent: ADR 0026).
    send_lease: float = Field(default=60.0, gt=0, validation_alias="WAOPS_NOTIFIER_SEND_LEASE")
    # How long an unknown send waits for a status webhook naming it before it is queued
    # again (a provider reports 'sent' within seconds of accepting a message).
    unknown_resend_after: float = Field(
        default=300.0, gt=0, validation_alias="WAOPS_NOTIFIER_UNKNOWN_RESEND_AFTER"
    )
    # How long the provider's answer is retried into the database before giving up on it.
    record_retry_for: float = Field(
        default=300.0, gt=0, validation_alias="WAOPS_NOTIFIER_RECORD_RETRY_FOR"
    )
    # 0: a halted channel stays halted until an operator resumes it.
    halt_resume_after: float = Field(
        default=0.0, ge=0, validation_alias="WAOPS_NOTIFIER_HALT_RESUME_AFTER"
    )

    # What the messages say and how they read (shared names: the business's, not only ours).
    support_line: str = Field(default="+977 1 5550100", validation_alias="WAOPS_SUPPORT_LINE")
    default_language: str = Field(default="en", validation_alias="WAOPS_DEFAULT_LANGUAGE")
    timezone: str = Field(default="UTC", validation_alias="WAOPS_TIMEZONE")

    # WhatsApp's customer-service window: outside it a free-form message goes out as this
    # approved template (one body variable: the message's text). Unset: sent as before.
    reengagement_template: str | None = Field(
        default=None, validation_alias="WAOPS_REENGAGEMENT_TEMPLATE"
    )
    reengagement_language: str = Field(
        default="en", min_length=2, validation_alias="WAOPS_REENGAGEMENT_LANGUAGE"
    )
    twilio_reengagement_content_sid: str | None = Field(
        default=None, validation_alias="WAOPS_TWILIO_REENGAGEMENT_CONTENT_SID"
    )
    service_window_hours: float = Field(
        default=24.0, gt=0, validation_alias="WAOPS_SERVICE_WINDOW_HOURS"
    )

    @field_validator("reengagement_template", "twilio_reengagement_content_sid", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("twilio_reengagement_content_sid")
    @classmethod
    def _content_sid(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("HX"):
            raise ValueError(f"{value!r} is not a Twilio Content API sid (HX…)")
        return value

    @property
    def window_policy(self) -> WindowPolicy:
        return WindowPolicy(
            window=timedelta(hours=self.service_window_hours),
            reengagement=Reengagement(
                template=self.reengagement_template,
                language=self.reengagement_language,
                twilio_content_sid=self.twilio_reengagement_content_sid,
            ),
        )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, e.g. Asia/Kathmandu)"
            ) from exc
        return value

    @property
    def twilio_status_callback(self) -> str | None:
        """Where Twilio reports a send's statuses: the adapter's door, as Twilio reaches it."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/webhooks/twilio"
