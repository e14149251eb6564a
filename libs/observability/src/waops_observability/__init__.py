"""Structured logs, Prometheus metrics and OpenTelemetry tracing, configured in one call."""

from waops_observability import metrics
from waops_observability.logging import bind_correlation, configure_logging, get_logger
from waops_observability.setup import configure
from waops_observability.tracing import (
    context_from_traceparent,
    current_traceparent,
    get_tracer,
)

__all__ = [
    "bind_correlation",
    "configure",
    "configure_logging",
    "context_from_traceparent",
    "current_traceparent",
    "get_logger",
    "get_tracer",
    "metrics",
]
