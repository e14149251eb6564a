"""One call configures logs, tracing and metrics for a service process."""

from __future__ import annotations

from waops_observability.logging import configure_logging
from waops_observability.tracing import configure_tracing


def configure(service: str, *, json_logs: bool, level: str = "INFO") -> None:
    configure_logging(service, json_logs=json_logs, level=level)
    configure_tracing(service)
