from pydantic import Field, SecretStr
from waops_service_kit import ServiceSettings


class OrchestratorSettings(ServiceSettings):
    """Read from WAOPS_* variables (e.g. ``core_url`` from WAOPS_CORE_URL)."""

    port: int = Field(default=8082, validation_alias="WAOPS_ORCHESTRATOR_PORT")
    # The core's HTTP API (the reference core, or an operator's TMS behind the same contract).
    core_url: str = "http://127.0.0.1:8083"
    core_timeout: float = Field(default=5.0, gt=0)  # seconds, per attempt
    core_retry_attempts: int = Field(default=3, ge=1)  # attempts per call, transient failures only
    core_retry_backoff: float = Field(default=0.2, ge=0)  # first wait; doubles, plus jitter
    core_retry_backoff_max: float = Field(default=2.0, ge=0)
    # Circuit breaker: open after this many consecutive failed attempts, try again after the
    # cool-down. While open, commands fail fast and are redelivered by the broker.
    core_breaker_failures: int = Field(default=5, ge=1)
    core_breaker_cooldown: float = Field(default=15.0, gt=0)
    # The back-office API's bearer token (the web back office sends it). Unset or empty: the
    # API answers 503, it is not open without one.
    api_token: SecretStr | None = Field(
        default=None, validation_alias="WAOPS_ORCHESTRATOR_API_TOKEN"
    )
