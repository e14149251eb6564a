"""Audit entries and their hash chain: pure functions, no I/O.

Each tenant's log is a chain: ``hash = sha256(prev_hash + canonical JSON of the entry)``,
the first entry chaining from ``GENESIS``. The canonical JSON covers every stored field
(tenant, seq and both timestamps included), so editing, reordering or moving any row
breaks the chain from that row on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from waops_contracts import Envelope
from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded

Outcome = Literal["REQUESTED", "SUCCEEDED", "REJECTED"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
GENESIS = "0" * 64

CommandEvent = CommandRequested | CommandSucceeded | CommandRejected


@dataclass(frozen=True)
class CommandFact:
    """What one command event says, as the audit log keeps it."""

    tenant_id: str
    outcome: Outcome
    command_id: str
    command_name: str
    actor: dict[str, Any]
    object_type: str | None
    object_id: str | None
    object_reference: str | None
    code: str | None
    reason: str | None
    conversation_id: str | None
    event_id: str
    correlation_id: str
    occurred_at: datetime


def _utc(at: datetime) -> datetime:
    # A CloudEvent time without an offset is read as UTC, so the stored and hashed values agree.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def fact_from(event: CommandEvent, envelope: Envelope) -> CommandFact:
    outcome: Outcome
    obj = code = reason = None
    if isinstance(event, CommandSucceeded):
        outcome, obj = "SUCCEEDED", event.object
    elif isinstance(event, CommandRejected):
        outcome, code, reason = "REJECTED", event.code, event.reason
    else:
        outcome = "REQUESTED"
    return CommandFact(
        tenant_id=envelope.tenantid,
        outcome=outcome,
        command_id=event.command_id,
        command_name=event.name,
        actor=event.actor.model_dump(mode="json"),
        object_type=obj.type if obj else None,
        object_id=obj.id if obj else None,
        object_reference=obj.reference if obj else None,
        code=code,
        reason=reason,
        conversation_id=event.conversation_id,
        event_id=envelope.id,
        correlation_id=envelope.correlationid,
        occurred_at=_utc(envelope.time),
    )


def _iso(at: datetime) -> str:
    # PostgreSQL keeps microseconds: a fixed timespec keeps the text identical after a round trip.
    return _utc(at).isoformat(timespec="microseconds")


def canonical_json(fact: CommandFact, *, seq: int, recorded_at: datetime) -> str:
    fields = asdict(fact) | {"seq": seq, "recorded_at": recorded_at}
    fields = {k: _iso(v) if isinstance(v, datetime) else v for k, v in fields.items()}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, fact: CommandFact, *, seq: int, recorded_at: datetime) -> str:
    payload = prev_hash + canonical_json(fact, seq=seq, recorded_at=recorded_at)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored entry as the verifier sees it."""

    seq: int
    prev_hash: str
    hash: str
    recorded_at: datetime
    fact: CommandFact


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head: str
    broken_at: int | None = None


class ChainVerifier:
    """Feed a tenant's links in seq order; stops at the first link that does not hold."""

    def __init__(self) -> None:
        self.entries = 0
        self.head = GENESIS
        self.broken_at: int | None = None

    def add(self, link: ChainLink) -> bool:
        """False (and ``broken_at`` set) once the chain is broken."""
        expected_seq = self.entries + 1  # a gap (a removed row) breaks at the missing seq
        recomputed = chain_hash(self.head, link.fact, seq=link.seq, recorded_at=link.recorded_at)
        if link.seq != expected_seq or link.prev_hash != self.head or link.hash != recomputed:
            self.broken_at = expected_seq
            return False
        self.entries += 1
        self.head = link.hash
        return True

    def result(self) -> Verification:
        return Verification(
            ok=self.broken_at is None,
            entries=self.entries,
            head=self.head,
            broken_at=self.broken_at,
        )
