"""The context as pure functions: what survives a conversation's expiry, and how events
about a person change what is known (never an older event over a newer one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversation_engine.domain.context import (
    Bound,
    Context,
    as_actor,
    booking_changed,
    bound_by_command,
    lead_created,
    offer_answered,
    offer_made,
    pending_offers,
    quote_sent,
    resume_after_expiry,
    waitlist_offer_closed,
    waitlist_offered,
)
from conversation_engine.domain.dialogue.states import (
    BOOKING,
    ENQUIRY,
    MENU,
    QUOTE_OFFERED,
    STAFF,
    WAITLIST_OFFERED,
)

T0 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
QUOTE = {"quote_id": "q-1", "lead_id": "lead-1", "reference": "EBC2501234", "departure_id": "d-1"}
BOOKING_FACTS = {
    "booking_id": "b-1",
    "reference": "EBC-2501234",
    "state": "HELD",
    "lead_id": "lead-1",
}


def test_expiry_drops_the_unanswered_question_and_keeps_what_is_known() -> None:
    mid_enquiry = Context(
        name="Asha",
        bound=Bound("LEAD", "lead-0", "EBC2500001"),
        state=ENQUIRY,
        data={"enquiry": {"tour_code": "EBC"}, "booking": BOOKING_FACTS},
    )
    resumed = resume_after_expiry(mid_enquiry)
    assert resumed.state == BOOKING  # rests on the booking it knows
    assert resumed.data == {"booking": BOOKING_FACTS}
    assert (resumed.name, resumed.bound) == ("Asha", mid_enquiry.bound)
    assert resume_after_expiry(Context(state=ENQUIRY, data={"enquiry": {}})).state == MENU


def test_an_open_quote_is_still_waiting_for_its_answer_after_expiry() -> None:
    offered = quote_sent(Context(), QUOTE, T0)
    assert resume_after_expiry(offered).state == QUOTE_OFFERED


def test_a_quote_binds_the_lead_and_waits_for_an_answer() -> None:
    mid_enquiry = Context(state=ENQUIRY, data={"enquiry": {"tour_code": "ACT"}})
    offered = quote_sent(mid_enquiry, QUOTE, T0)
    assert offered.bound == Bound("LEAD", "lead-1", "EBC2501234")
    assert offered.state == QUOTE_OFFERED
    assert offered.data["quote"]["open"] is True
    assert "enquiry" not in offered.data
    older = quote_sent(offered, {**QUOTE, "quote_id": "q-0"}, T0 - timedelta(minutes=1))
    assert older == offered  # a late event never overwrites a newer one


def test_a_booking_binds_it_and_settles_the_quote_of_its_lead() -> None:
    offered = quote_sent(Context(), QUOTE, T0)
    held = booking_changed(offered, BOOKING_FACTS, T0 + timedelta(minutes=5))
    assert held.bound == Bound("BOOKING", "b-1", "EBC-2501234")
    assert held.state == BOOKING
    assert held.data["quote"]["open"] is False
    confirmed = booking_changed(held, {**BOOKING_FACTS, "state": "CONFIRMED"}, T0 + timedelta(1))
    late_held = booking_changed(confirmed, BOOKING_FACTS, T0 + timedelta(minutes=6))
    assert late_held.data["booking"]["state"] == "CONFIRMED"


def test_a_booking_event_does_not_interrupt_a_question() -> None:
    asking = Context(state=ENQUIRY, data={"enquiry": {"tour_code": "ACT", "asking": "pax"}})
    changed = booking_changed(asking, BOOKING_FACTS, T0)
    assert changed.state == ENQUIRY
    assert changed.data["booking"]["reference"] == "EBC-2501234"


def test_a_new_lead_binds_unless_a_booking_is_what_they_deal_with() -> None:
    lead = {"lead_id": "lead-2", "reference": "ACT2500002"}
    assert lead_created(Context(), lead, T0).bound == Bound("LEAD", "lead-2", "ACT2500002")
    booked = booking_changed(Context(), BOOKING_FACTS, T0)
    assert lead_created(booked, lead, T0).bound == booked.bound


def test_a_command_binds_what_it_made_but_never_a_conversation() -> None:
    trip = Bound("TRIP", "t-1", "EBC-251005")
    assert bound_by_command(Context(), trip).bound == trip
    assert bound_by_command(Context(), Bound("CONVERSATION", "c-1")).bound is None


def test_offers_wait_until_answered_and_a_late_offer_does_not_come_back() -> None:
    first = {"assignment_id": "a-1", "trip_reference": "EBC-251005"}
    second = {"assignment_id": "a-2", "trip_reference": "ACT-251101"}
    both = offer_made(offer_made(Context(role="FIELD_STAFF"), first, T0), second, T0 + timedelta(1))
    assert [o["trip_reference"] for o in pending_offers(both)] == ["EBC-251005", "ACT-251101"]
    one = offer_answered(both, "a-1", "EBC-251005")
    assert [o["trip_reference"] for o in pending_offers(one)] == ["ACT-251101"]
    replayed = offer_made(one, first, T0)
    assert [o["trip_reference"] for o in pending_offers(replayed)] == ["ACT-251101"]
    answered_first = offer_made(offer_answered(Context(), "a-3", "X-250101"), {
        "assignment_id": "a-3", "trip_reference": "X-250101"}, T0)  # fmt: skip
    assert pending_offers(answered_first) == []


def test_the_actor_role_follows_the_directory() -> None:
    customer = Context(state=QUOTE_OFFERED, data={"quote": {**QUOTE, "open": True}})
    assert as_actor(customer, "CUSTOMER", "Asha").state == QUOTE_OFFERED
    became_staff = as_actor(customer, "FIELD_STAFF", "Pemba")
    assert (became_staff.role, became_staff.state, became_staff.name) == (
        "FIELD_STAFF",
        STAFF,
        "Pemba",
    )
    assert as_actor(Context(name="Asha"), "CUSTOMER", None).name == "Asha"


SEATS = {"entry_id": "e-1", "booking_id": "b-7", "reference": "EBC-2501277", "pax": 2}


def test_seats_offered_bind_the_booking_and_wait_for_yes_or_no() -> None:
    quote = {**QUOTE, "open": True}
    mid_enquiry = Context(state=ENQUIRY, data={"enquiry": {"tour_code": "ACT"}, "quote": quote})
    offered = waitlist_offered(mid_enquiry, SEATS, T0 + timedelta(minutes=1))
    assert offered.bound == Bound("BOOKING", "b-7", "EBC-2501277")
    assert offered.state == WAITLIST_OFFERED  # before the open quote: the seats run out
    assert offered.data["waitlist_offer"]["open"] is True and "enquiry" not in offered.data
    assert resume_after_expiry(offered).state == WAITLIST_OFFERED
    taken = waitlist_offer_closed(offered, SEATS, T0 + timedelta(minutes=5))
    assert (taken.state, taken.data["waitlist_offer"]["open"]) == (QUOTE_OFFERED, False)
    # The offer event arriving after the one that closed it does not open it again.
    assert waitlist_offered(taken, SEATS, T0 + timedelta(minutes=1)) == taken


def test_an_offer_closed_before_its_offer_event_stays_closed() -> None:
    closed = waitlist_offer_closed(Context(), SEATS, T0 + timedelta(minutes=5))
    assert closed.data["waitlist_offer"] == {
        **SEATS,
        "open": False,
        "as_of": (T0 + timedelta(minutes=5)).isoformat(),
    }
    assert waitlist_offered(closed, SEATS, T0).state == MENU
    # A newer offer for another place in line is not closed by an older event.
    newer = waitlist_offered(Context(), {**SEATS, "entry_id": "e-2"}, T0 + timedelta(1))
    assert waitlist_offer_closed(newer, SEATS, T0) == newer
    # Answered in the dialogue (no event time): closed, whatever the clock.
    answered = waitlist_offer_closed(newer, newer.data["waitlist_offer"])
    assert answered.data["waitlist_offer"]["open"] is False
    assert answered.state == MENU
