"""The hash chain as pure functions: canonical JSON, chaining, and what breaks it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from audit.domain.chain import (
    GENESIS,
    ChainLink,
    ChainVerifier,
    CommandFact,
    canonical_json,
    chain_hash,
    fact_from,
)
from waops_contracts import Envelope
from waops_contracts.events import Actor, CommandRejected, CommandSucceeded, ObjectRef

T0 = datetime(2025, 1, 10, 9, 15, tzinfo=UTC)
FACT = CommandFact(
    tenant_id="demo",
    outcome="REQUESTED",
    command_id="c1",
    command_name="CreateLead",
    actor={"phone": "+9779841234567", "role": "CUSTOMER", "user_id": None, "name": "Asha"},
    object_type=None,
    object_id=None,
    object_reference=None,
    code=None,
    reason=None,
    conversation_id="conv-1",
    event_id="e1",
    correlation_id="corr-1",
    occurred_at=T0,
)


def chain(*facts: CommandFact) -> list[ChainLink]:
    links, prev = [], GENESIS
    for seq, fact in enumerate(facts, start=1):
        at = T0 + timedelta(seconds=seq)
        digest = chain_hash(prev, fact, seq=seq, recorded_at=at)
        links.append(ChainLink(seq=seq, prev_hash=prev, hash=digest, recorded_at=at, fact=fact))
        prev = digest
    return links


def verify(links: list[ChainLink]) -> ChainVerifier:
    verifier = ChainVerifier()
    for link in links:
        if not verifier.add(link):
            break
    return verifier


def test_canonical_json_is_stable_across_key_order_and_time_zones() -> None:
    shuffled = replace(FACT, actor=dict(reversed(list(FACT.actor.items()))))
    nepal = T0.astimezone(timezone(timedelta(hours=5, minutes=45)))
    assert canonical_json(shuffled, seq=1, recorded_at=nepal) == canonical_json(
        FACT, seq=1, recorded_at=T0
    )
    assert '"recorded_at":"2025-01-10T09:15:00.000000+00:00"' in canonical_json(
        FACT, seq=1, recorded_at=T0
    )


def test_an_intact_chain_verifies() -> None:
    links = chain(FACT, replace(FACT, event_id="e2", outcome="SUCCEEDED"))
    result = verify(links).result()
    assert (result.ok, result.entries, result.head) == (True, 2, links[-1].hash)
    assert verify([]).result().ok


def test_an_edited_field_breaks_the_chain_at_that_entry() -> None:
    links = chain(FACT, replace(FACT, event_id="e2"), replace(FACT, event_id="e3"))
    links[1] = replace(links[1], fact=replace(links[1].fact, reason="nothing to see"))
    result = verify(links).result()
    assert (result.ok, result.broken_at) == (False, 2)


def test_a_removed_entry_breaks_the_chain_at_the_gap() -> None:
    links = chain(FACT, replace(FACT, event_id="e2"), replace(FACT, event_id="e3"))
    assert verify([links[0], links[2]]).result().broken_at == 2


def test_facts_follow_the_event() -> None:
    actor = Actor(phone="+9779800000001", role="SALES", user_id="u1", name="Sita")
    ok = CommandSucceeded(
        command_id="c1", name="SendQuote", actor=actor, object=ObjectRef(type="LEAD", id="l1")
    )
    env = Envelope.wrap(ok, source="waops/orchestrator", tenant_id="demo")
    fact = fact_from(ok, env)
    assert (fact.outcome, fact.object_type, fact.object_id, fact.code) == (
        "SUCCEEDED",
        "LEAD",
        "l1",
        None,
    )
    assert fact.actor == {
        "phone": "+9779800000001",
        "role": "SALES",
        "user_id": "u1",
        "name": "Sita",
    }
    no = CommandRejected(command_id="c2", name="AssignStaff", actor=actor, code="X", reason="why")
    fact = fact_from(no, Envelope.wrap(no, source="waops/orchestrator", tenant_id="demo"))
    assert (fact.outcome, fact.code, fact.reason, fact.object_type) == (
        "REJECTED",
        "X",
        "why",
        None,
    )
