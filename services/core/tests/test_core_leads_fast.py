"""The sales pipeline's use cases on an in-memory ``LeadRepository``: no database, no broker —
the handlers, the ``Lead`` aggregate's state machine and the events they stage, in
milliseconds. ``test_core_leads.py`` runs the same moves over HTTP on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from core.domain.errors import DomainError
from core.domain.leads import CONTACTED, LOST, NEW, WON, AssignedRep, Lead
from core.handlers.context import UseCase
from core.handlers.leads import contact_lead, lose_lead, qualify_lead
from core.settings import CoreSettings
from waops_contracts.events import LeadContacted, LeadLost, LeadQualified
from waops_service_kit.api import Actor

LEAD_ID = "0b6f2f8e-64a7-4b3c-9a55-0c8f1f1d2a10"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class FakeLeads:
    """A ``LeadRepository`` in a dict: what was saved is what ``get`` answers."""

    def __init__(self, *leads: Lead) -> None:
        self.leads = {lead.id: lead for lead in leads}
        self.locked: list[str] = []

    async def get(self, lead_id: str, *, lock: bool = False) -> Lead | None:
        if lock:
            self.locked.append(lead_id)
        return self.leads.get(lead_id)

    async def save_move(self, lead: Lead) -> None:
        self.leads[lead.id] = lead


class StagedEvents:
    """An event writer that keeps what the use case staged, with its subject."""

    def __init__(self) -> None:
        self.staged: list[tuple[Any, str]] = []

    async def write(self, conn: Any, event: Any, **where: Any) -> None:
        self.staged.append((event, where["subject"]))


def a_lead(state: str = NEW) -> Lead:
    return Lead(
        id=LEAD_ID,
        reference="EBC-2026-0001",
        state=state,
        tour_code="EBC",
        tour_name="Everest Base Camp",
        pax=2,
        travel_month="2026-10",
        travel_date=None,
        customer_phone="+447700900123",
        customer_name="Jo",
        assigned_to=AssignedRep("rep-1", "Sita Sharma", "+9779800000001"),
        conversation_id="conv-1",
        channel_id="chan-1",
        enquiry_text="EBC in October for two",
        created_at=datetime(2026, 2, 1, tzinfo=UTC),
    )


def use_case(leads: FakeLeads, events: StagedEvents) -> UseCase:
    return UseCase(
        conn=cast(Any, None),  # never touched: every read and write goes through the fakes
        tenant_id="demo",
        now=NOW,
        actor=Actor("staff-7", "sales"),
        settings=CoreSettings(),
        writer=cast(Any, events),
        lead_repository=leads,
    )


async def test_contacting_a_new_lead_stores_it_and_stages_lead_contacted() -> None:
    leads, events = FakeLeads(a_lead()), StagedEvents()
    lead = await contact_lead(use_case(leads, events), LEAD_ID)
    assert (lead.state, lead.state_changed_at) == (CONTACTED, NOW)
    assert leads.locked == [LEAD_ID]
    [(event, subject)] = events.staged
    assert isinstance(event, LeadContacted)
    assert (event.state, event.previous_state, event.actor) == (CONTACTED, NEW, "staff-7")
    assert event.assigned_to is not None and event.assigned_to.user_id == "rep-1"
    assert subject == f"LEAD/{LEAD_ID}"


async def test_losing_keeps_the_reason_on_the_lead_and_in_the_event() -> None:
    leads, events = FakeLeads(a_lead(CONTACTED)), StagedEvents()
    lead = await lose_lead(use_case(leads, events), LEAD_ID, "chose another operator")
    assert (lead.state, lead.lost_reason) == (LOST, "chose another operator")
    [(event, _)] = events.staged
    assert isinstance(event, LeadLost) and event.reason == "chose another operator"


async def test_qualifying_skips_contact_when_the_enquiry_carried_everything() -> None:
    leads, events = FakeLeads(a_lead()), StagedEvents()
    await qualify_lead(use_case(leads, events), LEAD_ID)
    [(event, _)] = events.staged
    assert isinstance(event, LeadQualified) and event.previous_state == NEW


@pytest.mark.parametrize("state", [WON, LOST])
async def test_a_final_lead_refuses_every_move_and_nothing_changes(state: str) -> None:
    lead = replace(a_lead(state), booking_id="b-1" if state == WON else None)
    leads, events = FakeLeads(lead), StagedEvents()
    with pytest.raises(DomainError) as refused:
        await contact_lead(use_case(leads, events), LEAD_ID)
    assert refused.value.code == "LEAD_INVALID_TRANSITION"
    assert leads.leads[LEAD_ID] == lead
    assert events.staged == []


@pytest.mark.parametrize("raw_id", ["not-a-uuid", "5d1f0a4e-0000-4000-8000-000000000000"])
async def test_an_unknown_lead_is_not_found(raw_id: str) -> None:
    with pytest.raises(DomainError) as refused:
        await contact_lead(use_case(FakeLeads(a_lead()), StagedEvents()), raw_id)
    assert refused.value.code == "LEAD_NOT_FOUND"
