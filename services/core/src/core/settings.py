from decimal import Decimal

from pydantic import Field
from waops_service_kit import ServiceSettings


class CoreSettings(ServiceSettings):
    port: int = Field(default=8083, validation_alias="WAOPS_CORE_PORT")
    # How often the time-driven rules (hold and offer expiry, reminders) are swept.
    sweep_interval: float = Field(default=5.0, gt=0, validation_alias="WAOPS_CORE_SWEEP_INTERVAL")
    # Lets POST /v1/admin/clock move the core's clock forward (integration tests only).
    test_clock: bool = Field(default=False, validation_alias="WAOPS_CORE_TEST_CLOCK")
    # Idempotency-Key records older than this are purged (clients retry within minutes).
    idempotency_ttl_hours: float = Field(
        default=72.0, gt=0, validation_alias="WAOPS_CORE_IDEMPOTENCY_TTL_HOURS"
    )
    # Sales and payments (ADR 0016).
    quote_valid_days: int = Field(
        default=7, ge=1, le=365, validation_alias="WAOPS_CORE_QUOTE_VALID_DAYS"
    )
    # Early bird: this percent off when the departure is more than this many days away
    # (a tour's own early_bird_percent / early_bird_days win when set).
    early_bird_percent: Decimal = Field(
        default=Decimal(10), ge=0, le=100, validation_alias="WAOPS_CORE_EARLY_BIRD_PERCENT"
    )
    early_bird_days: int = Field(default=90, ge=0, validation_alias="WAOPS_CORE_EARLY_BIRD_DAYS")
    # The most a rep may take off a quote themselves, as a percent of its price.
    max_rep_discount_percent: Decimal = Field(
        default=Decimal(15), ge=0, le=100, validation_alias="WAOPS_CORE_MAX_REP_DISCOUNT_PERCENT"
    )
    payment_gateway_url: str = Field(
        default="http://127.0.0.1:8090/_sandbox/pay", validation_alias="WAOPS_PAYMENT_GATEWAY_URL"
    )
    payment_webhook_secret: str = Field(
        default="sandbox-payment-secret",
        min_length=1,
        validation_alias="WAOPS_PAYMENT_WEBHOOK_SECRET",
    )
    payment_link_hours: float = Field(
        default=24.0, gt=0, validation_alias="WAOPS_CORE_PAYMENT_LINK_HOURS"
    )
    balance_due_days: int = Field(default=30, ge=0, validation_alias="WAOPS_CORE_BALANCE_DUE_DAYS")
    balance_reminder_days: int = Field(
        default=7, ge=0, validation_alias="WAOPS_CORE_BALANCE_REMINDER_DAYS"
    )
    # How long seats stay held for an unpaid booking before the hold expires.
    hold_hours: float = Field(default=24.0, gt=0, validation_alias="WAOPS_CORE_HOLD_HOURS")
    # How long a waitlisted customer has to confirm an offer of freed seats.
    offer_hours: float = Field(default=2.0, gt=0, validation_alias="WAOPS_CORE_OFFER_HOURS")
