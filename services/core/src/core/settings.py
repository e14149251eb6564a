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
