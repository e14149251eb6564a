"""Logs carry trace and correlation ids, traceparents round-trip, metrics are exposed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from prometheus_client import REGISTRY, generate_latest
from waops_observability import (
    bind_correlation,
    configure,
    context_from_traceparent,
    current_traceparent,
    get_logger,
    get_tracer,
    metrics,
)
from waops_observability.logging import structlog_reset

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(autouse=True)
def _restore_global_logging() -> Iterator[None]:
    """configure() is process-wide and binds the (captured) stderr: undo it after each test."""
    saved = structlog.get_config()
    root = logging.getLogger()
    level = root.level
    yield
    structlog.configure(**saved)
    structlog.contextvars.clear_contextvars()
    for handler in list(root.handlers):  # only ours, in case root had no handler to begin with
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter):
            root.removeHandler(handler)
    root.setLevel(level)


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def _ids(span: trace.Span) -> tuple[str, str]:
    ctx = span.get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def _parent(span: trace.Span) -> trace.SpanContext | None:
    assert isinstance(span, ReadableSpan)  # configure() installs the SDK provider
    return span.parent


def _parse(traceparent: str | None) -> tuple[str, str, str]:
    assert traceparent is not None
    match = TRACEPARENT.match(traceparent)
    assert match, traceparent
    trace_id, span_id, flags = match.groups()
    return trace_id, span_id, flags


# --- logs --------------------------------------------------------------------------------


def test_json_line_inside_a_span_carries_its_trace_and_span_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("svc-a", json_logs=True)
    with get_tracer("test").start_as_current_span("work") as span:
        get_logger("t").info("inside", n=1)
    get_logger("t").info("outside")

    inside, outside = _json_lines(capsys.readouterr().err)
    trace_id, span_id = _ids(span)
    assert inside["event"] == "inside"
    assert inside["n"] == 1
    assert inside["level"] == "info"
    assert inside["service"] == "svc-a"
    assert "timestamp" in inside
    assert (inside["trace_id"], inside["span_id"]) == (trace_id, span_id)
    assert "trace_id" not in outside
    assert "span_id" not in outside


def test_bound_correlation_ids_appear_until_reset(capsys: pytest.CaptureFixture[str]) -> None:
    configure("svc-b", json_logs=True)
    log = get_logger("t")
    bind_correlation(correlation_id="corr-1", event_id="evt-1", causation_id=None)
    log.info("bound")
    structlog_reset("svc-b")
    log.info("reset")

    bound, reset = _json_lines(capsys.readouterr().err)
    assert bound["correlation_id"] == "corr-1"
    assert bound["event_id"] == "evt-1"
    assert "causation_id" not in bound  # None values are not bound
    assert reset["service"] == "svc-b"
    assert "correlation_id" not in reset
    assert "event_id" not in reset


def test_json_exception_lines_stay_single_json_objects(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("svc-c", json_logs=True)
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("t").exception("failed", thing=object())

    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "failed"
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exception"]


def test_stdlib_library_lines_share_the_format_and_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # aiohttp and aio-pika log through stdlib logging; in JSON mode their lines must be JSON too.
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()  # configure() leaves an already configured root alone, as pytest's is
    try:
        configure("svc-g", json_logs=True)
        bind_correlation(correlation_id="corr-7")
        with get_tracer("test").start_as_current_span("work") as span:
            logging.getLogger("aio_pika.robust_connection").warning("lost %s", "broker")
            logging.getLogger("aiohttp.access").info("below the library threshold")
    finally:
        root.handlers[:] = saved

    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "lost broker"
    assert line["level"] == "warning"
    assert line["logger"] == "aio_pika.robust_connection"
    assert line["service"] == "svc-g"
    assert line["correlation_id"] == "corr-7"
    assert (line["trace_id"], line["span_id"]) == _ids(span)


def test_level_filters_lower_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure("svc-d", json_logs=True, level="warning")
    get_logger("t").info("hidden")
    get_logger("t").warning("shown")
    assert [line["event"] for line in _json_lines(capsys.readouterr().err)] == ["shown"]


def test_unknown_level_falls_back_to_info(capsys: pytest.CaptureFixture[str]) -> None:
    configure("svc-e", json_logs=True, level="chatty")
    get_logger("t").debug("hidden")
    get_logger("t").info("shown")
    assert [line["event"] for line in _json_lines(capsys.readouterr().err)] == ["shown"]


def test_console_mode_is_readable_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure("svc-f", json_logs=False)
    bind_correlation(correlation_id="corr-9")
    with get_tracer("test").start_as_current_span("work") as span:
        get_logger("t").info("order placed", reference="EBC1")

    (line,) = capsys.readouterr().err.splitlines()
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    assert "order placed" in line
    assert "info" in line
    assert "reference=EBC1" in line
    assert "correlation_id=corr-9" in line
    assert f"trace_id={_ids(span)[0]}" in line
    assert "\x1b[" not in line  # no colour codes in files and CI logs


# --- traceparent ---------------------------------------------------------------------------


@pytest.fixture
def tracer() -> trace.Tracer:
    configure("svc-trace", json_logs=True)
    return get_tracer("test")


def test_child_of_an_extracted_traceparent_keeps_the_trace(tracer: trace.Tracer) -> None:
    parent_trace, parent_span, _ = _parse(PARENT)
    with tracer.start_as_current_span("child", context=context_from_traceparent(PARENT)) as span:
        trace_id, span_id, flags = _parse(current_traceparent())
    assert trace_id == parent_trace
    assert span_id != parent_span
    assert (trace_id, span_id) == _ids(span)
    assert flags == "01"
    assert (parent := _parent(span)) is not None and format(parent.span_id, "016x") == parent_span


def test_attached_traceparent_context_parents_new_spans(tracer: trace.Tracer) -> None:
    # The way consumers and the HTTP middleware use it: attach, then start spans.
    token = otel_context.attach(context_from_traceparent(PARENT))
    try:
        with tracer.start_as_current_span("handle"):
            trace_id, _, _ = _parse(current_traceparent())
    finally:
        otel_context.detach(token)
    assert trace_id == _parse(PARENT)[0]


def test_no_current_span_gives_no_traceparent(tracer: trace.Tracer) -> None:
    assert current_traceparent() is None


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "garbage",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # missing flags
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        "00-4BF92F3577B34DA6A3CE929D0E0E473Z-00f067aa0ba902b7-01",  # not hex
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ],
)
def test_invalid_traceparent_starts_a_fresh_root(tracer: trace.Tracer, garbage: str | None) -> None:
    # Even inside an unrelated span: a bad header must not attach work to whatever is current.
    with tracer.start_as_current_span("unrelated") as outer:
        ctx = context_from_traceparent(garbage)
        with tracer.start_as_current_span("root", context=ctx) as span:
            trace_id, span_id, _ = _parse(current_traceparent())
    assert _parent(span) is None
    assert span.get_span_context().is_valid
    assert (trace_id, span_id) == _ids(span)
    assert trace_id != _ids(outer)[0]
    assert trace_id != _parse(PARENT)[0]


# --- metrics -----------------------------------------------------------------------------

DOCUMENTED: list[tuple[Any, str, str, tuple[str, ...]]] = [
    (metrics.EVENTS_CONSUMED, "counter", "waops_events_consumed_total", ("consumer", "event_type", "outcome")),
    (metrics.EVENT_HANDLING_SECONDS, "histogram", "waops_event_handling_seconds", ("consumer", "event_type")),
    (metrics.EVENTS_PUBLISHED, "counter", "waops_events_published_total", ("event_type",)),
    (metrics.OUTBOX_PENDING, "gauge", "waops_outbox_pending", ()),
    (metrics.BROKER_CONNECTED, "gauge", "waops_broker_connected", ()),
    (metrics.BROKER_RECONNECTS, "counter", "waops_broker_reconnects_total", ()),
    (metrics.HTTP_REQUESTS, "histogram", "waops_http_request_seconds", ("route", "method", "status")),
    (metrics.BAD_INPUT, "counter", "waops_bad_input_total", ("reason",)),
    (metrics.EVENTS_IN_FLIGHT, "gauge", "waops_events_in_flight", ("consumer",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "kind", "name", "labels"), DOCUMENTED, ids=[d[2] for d in DOCUMENTED]
)
def test_metric_has_its_documented_name_kind_and_labels(
    metric: Any, kind: str, name: str, labels: tuple[str, ...]
) -> None:
    assert metric._type == kind
    assert tuple(metric._labelnames) == labels
    # The text exposition names counters with their _total suffix, as metrics.py spells them.
    exposed = generate_latest(REGISTRY).decode()
    assert f"# TYPE {name} {kind}" in exposed
