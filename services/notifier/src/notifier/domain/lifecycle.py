"""The lifecycle of a sent message: queued → sent → delivered → read, or failed.

Providers report statuses by webhook, and webhooks arrive late, twice or out of order (a
``read`` before its ``delivered``). ``apply`` folds them in so that the outcome depends only on
*which* statuses arrived, never on their order:

- statuses are ranked ``queued < sent < failed < delivered < read`` and a message only moves
  up: ``read`` then ``delivered`` ends ``read``;
- ``failed`` outranks ``sent`` (Meta reports ``sent``, then ``failed`` when the phone cannot be
  reached) but not ``delivered``/``read``: a delivery receipt is proof the message arrived,
  whatever an earlier-timestamped failure said. The failure stays recorded (code and text);
- each status keeps the earliest time it was reported, and the recorded error is the one of
  the earliest failure (ties: lowest code, then title), so duplicates change nothing;
- ``deleted`` (the customer deleted the message) is history only: it does not move the status.
Every step is commutative and idempotent, which is what makes arrival order irrelevant.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

Status = Literal["queued", "sent", "failed", "delivered", "read"]
Reported = Literal["sent", "delivered", "read", "failed", "deleted"]

RANK: dict[str, int] = {"queued": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}


@dataclass(frozen=True)
class StatusReport:
    status: Reported
    occurred_at: datetime
    error_code: int | None = None
    error_title: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    status: Status = "queued"
    # The earliest time each reported status happened (sent, delivered, read, failed, deleted).
    at: dict[str, datetime] = field(default_factory=dict)
    error_code: int | None = None
    error_title: str | None = None
    error_at: datetime | None = None


def apply(state: Lifecycle, report: StatusReport) -> Lifecycle:
    """The lifecycle after one more status report (in any order, any number of times)."""
    at = dict(state.at)
    if report.status not in at or report.occurred_at < at[report.status]:
        at[report.status] = report.occurred_at
    status = state.status
    if report.status in RANK and RANK[report.status] > RANK[status]:
        status = report.status  # type: ignore[assignment]  # a Reported that is a Status
    new = replace(state, status=status, at=at)
    if report.status == "failed" and _earlier_error(report, state):
        new = replace(
            new,
            error_code=report.error_code,
            error_title=report.error_title,
            error_at=report.occurred_at,
        )
    return new


def _earlier_error(report: StatusReport, state: Lifecycle) -> bool:
    if state.error_at is None:
        return True
    mine = (report.occurred_at, _or(report.error_code), report.error_title or "")
    theirs = (state.error_at, _or(state.error_code), state.error_title or "")
    return mine < theirs


def _or(code: int | None) -> int:
    return -1 if code is None else code


def fold(reports: list[StatusReport], start: Lifecycle | None = None) -> Lifecycle:
    state = start or Lifecycle()
    for report in reports:
        state = apply(state, report)
    return state


def moved_up(before: Lifecycle, after: Lifecycle) -> bool:
    return RANK[after.status] > RANK[before.status]
