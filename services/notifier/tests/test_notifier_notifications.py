"""Who is told what, for every event the notifier consumes: the notification functions are
pure, so each is checked on its own (recipients, template, the facts in the rendered text)."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style, zone
from notifier.domain.notices import (
    OPERATIONS,
    OPERATIONS_AND_MANAGERS,
    SALES,
    IncidentReporter,
    Notice,
    Office,
    Person,
    StaffMember,
)
from notifier.domain.notifications import notices
from notifier.domain.templates import CATALOGUE
from notifier_samples import CUSTOMER, GUIDE, MAYA, OPS, REP, RESULTS, done, example
from waops_contracts import Event

STYLE = Style(support_line="+977 1 5550100", timezone=zone("Asia/Kathmandu"))


def told(event: Event) -> list[tuple[Notice, str]]:
    return [
        (n, CATALOGUE.render(n.template, n.variables, n.language or "en"))
        for n in notices(event, STYLE)
    ]


def one(event: Event) -> tuple[Notice, str]:
    [only] = told(event)
    return only


# ---------------------------------------------------------------------------- formatting


def test_money_dates_and_times_read_as_people_write_them() -> None:
    assert fmt.money("1305", "usd") == "USD 1,305.00"
    assert fmt.money("1234567.5", "NPR") == "NPR 1,234,567.50"
    assert fmt.money(None, "USD") == "" and fmt.money("n/a", "USD") == ""
    assert fmt.day("2025-03-10") == "10 Mar 2025"
    assert fmt.day("2025-03-10T23:00:00+00:00") == "10 Mar 2025"
    assert fmt.day(date(2025, 3, 1)) == "1 Mar 2025"
    assert fmt.dates("2025-10-05", "2025-10-18") == "5–18 Oct 2025"
    assert fmt.dates("2025-09-28", "2025-10-03") == "28 Sep – 3 Oct 2025"
    assert fmt.dates("2025-12-28", "2026-01-04") == "28 Dec 2025 – 4 Jan 2026"
    assert fmt.dates("2025-10-05", None) == "5 Oct 2025"
    assert fmt.moment("2025-01-10T09:30:00+00:00", UTC) == "10 Jan 2025, 09:30 UTC"
    # Nepal has no zone abbreviation: its offset is spelled out.
    assert (
        fmt.moment("2025-01-10T20:30:00Z", zone("Asia/Kathmandu")) == "11 Jan 2025, 02:15 UTC+05:45"
    )
    assert fmt.moment("2025-07-01T12:00:00+00:00", zone("Europe/London")) == "1 Jul 2025, 13:00 BST"
    assert fmt.month("2025-03") == "March 2025"
    assert fmt.people(1) == "1 person" and fmt.people(3) == "3 people" and fmt.people(None) == ""
    assert fmt.label("PAYMENT_PENDING") == "payment pending"
    assert fmt.contact("Asha", CUSTOMER) == f"Asha ({CUSTOMER})"
    assert fmt.contact(None, CUSTOMER) == CUSTOMER


# ------------------------------------------------------------------------- leads, quotes


def test_a_new_lead_is_acknowledged_and_its_rep_told() -> None:
    [(ack, ack_text), (rep, rep_text)] = told(example("waops.lead.created.v1"))
    assert (ack.to, ack.template) == (Person(CUSTOMER, "Asha"), "lead.acknowledged")
    assert ack.about is not None and (ack.about.type, ack.about.reference) == ("LEAD", "EBC2501234")
    assert "*EBC2501234*" in ack_text and "Sita Sharma from our sales team" in ack_text
    assert "which dates in March 2025 suit you best?" in ack_text
    assert "how many people" not in ack_text  # the enquiry said 3
    assert (rep.to, rep.template, rep.about) == (
        Person(REP, "Sita Sharma"),
        "lead.assigned",
        ack.about,
    )
    assert rep_text.startswith(f"New enquiry *EBC2501234* from Asha ({CUSTOMER})")
    assert "Everest Base Camp Trek" in rep_text and "3 people" in rep_text
    assert "I'm interested in the Everest Base Camp Trek" in rep_text


def test_a_vague_unassigned_enquiry_asks_for_what_is_missing() -> None:
    lead = example(
        "waops.lead.created.v1", pax=None, travel_month=None, assigned_to=None, customer_name=None
    )
    [(ack, text)] = told(lead)  # no rep to tell
    assert ack.to == Person(CUSTOMER, None)
    assert not text.startswith("Namaste")  # no name, no half greeting
    assert "Our sales team will be in touch shortly" in text
    assert "- which dates suit you best?" in text
    assert "- how many people will be travelling?" in text
    assert "Group:" not in text and "Travel:" not in text


def test_a_quote_gives_the_price_the_discount_and_how_to_take_it() -> None:
    notice, text = one(example("waops.quote.sent.v1"))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "quote.sent")
    for fact in (
        "*EBC2501234*",
        "Everest Base Camp Trek",
        "Dates: 5–18 Oct 2025",
        "Travellers: 3",
        "Price per person: USD 1,450.00",
        "Subtotal: USD 4,350.00",
        "Early bird 10% (more than 90 days ahead): -USD 435.00",
        "*Total: USD 3,915.00*",
        "Valid until: 17 Jan 2025, 15:15 UTC+05:45",
        "Reply *YES* to hold the spots",
        "Sita Sharma is happy to help",
    ):
        assert fact in text, fact


def test_a_quote_without_discounts_shows_no_subtotal() -> None:
    quote = example("waops.quote.sent.v1", discounts=[], discount_total="0.00", total="4350.00")
    _, text = one(quote)
    assert "Subtotal" not in text and "*Total: USD 4,350.00*" in text


# ------------------------------------------------------------------------- replies


def test_the_actor_of_a_command_gets_its_done_reply() -> None:
    notice, text = one(done("CheckBookingStatus"))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "done.CheckBookingStatus")
    assert notice.about is not None and notice.about.type == "BOOKING"
    for fact in (
        "Booking *EBC-2501234*: confirmed",
        "Starts: 5 Oct 2025",
        "Paid: USD 1,305.00",
        "Balance: USD 3,045.00",
        "Balance due by: 5 Sep 2025",
    ):
        assert fact in text, fact
    assert "Fully paid" not in text
    paid_up = {**RESULTS["CheckBookingStatus"], "paid": "4350.00", "balance": "0.00"}
    _, text = one(done("CheckBookingStatus", paid_up))
    assert "Fully paid, thank you!" in text and "Balance" not in text


def test_an_accepted_quote_also_tells_the_sales_rep() -> None:
    [(reply, reply_text), (rep, rep_text)] = told(done("AcceptQuote"))
    assert (reply.to, reply.template) == (Person(CUSTOMER, "Asha"), "done.AcceptQuote")
    assert "Wonderful, Asha!" in reply_text and "*EBC2501234*" in reply_text
    assert "Sita Sharma will hold your spots" in reply_text
    assert (rep.to, rep.template) == (Person(REP, "Sita Sharma"), "quote.accepted")
    assert rep_text.startswith(f"Asha ({CUSTOMER}) accepted quote *EBC2501234*")
    assert "hold their spots and convert the lead" in rep_text
    by_id = {**RESULTS["AcceptQuote"], "rep_phone": None, "rep_user_id": "u-1"}
    assert [n.to for n in notices(done("AcceptQuote", by_id), STYLE)][1] == StaffMember("u-1")
    no_rep = {k: v for k, v in RESULTS["AcceptQuote"].items() if not k.startswith("rep_")}
    [(_, text)] = told(done("AcceptQuote", no_rep))  # the rep cannot be named: reply only
    assert "Our sales team will hold your spots" in text


def test_a_reported_incident_reply_gives_severity_and_support_line() -> None:
    notice, text = one(done("ReportIncident"))
    assert notice.to == Person(GUIDE, "Pemba")
    assert "severity HIGH" in text and "call +977 1 5550100" in text
    assert "RESOLVED EBC-251005" in text


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_every_conversation_command_has_its_own_reply(name: str) -> None:
    notice, text = told(done(name))[0]  # the actor's reply comes first
    assert notice.template == f"done.{name}"
    assert notice.about is not None
    reference = str(RESULTS[name].get("trip_reference") or RESULTS[name].get("reference") or "")
    assert reference in text


def test_commands_without_a_conversation_or_acknowledged_elsewhere_get_no_reply() -> None:
    assert notices(done("CheckIn", conversation_id=None), STYLE) == []
    assert notices(done("CreateLead", {"state": "NEW"}), STYLE) == []
    refused = example("waops.command.rejected.v1", conversation_id=None)
    assert notices(refused, STYLE) == []


def test_a_waitlist_request_that_found_seats_is_told_by_booking_held() -> None:
    held = {**RESULTS["JoinWaitlist"], "state": "HELD", "position": None}
    assert notices(done("JoinWaitlist", held), STYLE) == []  # the customer: booking.held
    maya = {"phone": OPS, "role": "OPERATIONS", "user_id": "u-3", "name": "Maya"}
    notice, text = one(done("JoinWaitlist", held, actor=maya))
    assert (notice.to, notice.template) == (Person(OPS, "Maya"), "done.JoinWaitlist.held")
    assert "booking *EBC-2501299* now holds them" in text
    _, text = one(done("JoinWaitlist"))
    assert "number 2 in line (booking *EBC-2501299*)" in text


@pytest.mark.parametrize("name", ["ConfirmWaitlistOffer", "DeclineWaitlistOffer"])
def test_a_customer_answering_seats_offered_is_told_by_the_booking_event(name: str) -> None:
    assert notices(done(name), STYLE) == []  # booking.held / booking.cancelled is the reply
    notice, text = one(done(name, actor=MAYA))
    assert (notice.to, notice.template) == (Person(OPS, "Maya"), f"done.{name}")
    assert "booking *EBC-2501277*" in text and "(5 Oct 2025)" in text
    assert "The customer has been" in text


def test_seats_taken_for_a_customer_say_until_when_they_are_held() -> None:
    _, text = one(done("ConfirmWaitlistOffer", actor=MAYA))
    assert "Held until: 12 Jan 2025, 15:15 UTC+05:45" in text


def test_a_request_for_a_person_tells_the_rep_who_will_answer() -> None:
    [(reply, reply_text), (rep, rep_text)] = told(done("RequestHandoff"))
    assert (reply.to, reply.template) == (Person(CUSTOMER, "Asha"), "done.RequestHandoff")
    assert reply_text.splitlines() == [
        "Thank you, Asha!",
        "Sita Sharma will get back to you shortly.",
        "Your reference: *EBC-2501234*",
    ]
    assert (rep.to, rep.template) == (Person(REP, "Sita Sharma"), "handoff.requested")
    assert rep.about is not None and rep.about.reference == "EBC-2501234"
    assert rep_text.splitlines() == [
        f"Asha ({CUSTOMER}) asked to talk to someone from our team.",
        "About: *EBC-2501234*",
        "Tour: Everest Base Camp Trek",
        'They wrote: "Can someone call me about the permits?"',
        "Please get back to them shortly.",
    ]


def test_a_request_for_a_person_with_no_rep_goes_to_the_sales_team() -> None:
    nobody = {"reference": None, "rep_name": None, "rep_phone": None, "text": None}
    [(_, reply_text), (team, team_text)] = told(done("RequestHandoff", nobody, object=None))
    assert "Someone from our team will get back to you shortly." in reply_text
    assert "reference" not in reply_text
    assert (team.to, team.template) == (Office(SALES), "handoff.requested")
    assert team_text.splitlines() == [
        f"Asha ({CUSTOMER}) asked to talk to someone from our team.",
        "Please get back to them shortly.",
    ]
    by_id = {**RESULTS["RequestHandoff"], "rep_phone": None, "rep_user_id": "u-1"}
    assert [n.to for n in notices(done("RequestHandoff", by_id), STYLE)][1] == StaffMember("u-1")


def test_a_command_with_no_reply_text_of_its_own_gets_a_plain_done() -> None:
    notice, text = one(done("CloseDeparture", {}))
    assert notice.template == "done.default"
    assert text == "Done: CloseDeparture EBC-251005."


def test_a_refusal_is_explained_to_the_actor() -> None:
    refused = example(
        "waops.command.rejected.v1",
        reason="Sorry, your quote has expired; Sita will send a new one.",
    )
    notice, text = one(refused)
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "command_refused")
    assert text.splitlines() == [
        "Sorry, your quote has expired; Sita will send a new one.",
        "Reply HELP to see what you can do here.",
    ]
    _, text = one(example("waops.command.rejected.v1", reason="customers may not assign staff."))
    assert text.splitlines()[0] == "Sorry, we could not do that: customers may not assign staff."


def test_a_dialogue_reply_keeps_its_template_variables_and_language() -> None:
    reply = example(
        "waops.conversation.reply_requested.v1",
        template="command_refused",
        variables={"reason": "no such trip"},
        language="ne",
        about={"type": "LEAD", "id": "lead-1", "reference": "EBC2501234"},
    )
    notice, text = one(reply)
    assert (notice.to, notice.language) == (Person(CUSTOMER), "ne")
    assert notice.about is not None and notice.about.id == "lead-1"
    assert "no such trip" in text  # no Nepali text: English, not nothing


# ------------------------------------------------------------------ bookings, payments


def test_a_held_booking_gives_its_seats_expiry_total_and_deposit() -> None:
    notice, text = one(example("waops.booking.held.v1"))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "booking.held")
    assert notice.about is not None and (notice.about.type, notice.about.reference) == (
        "BOOKING",
        "EBC-2701234",
    )
    for fact in (
        "*EBC-2701234*",
        "Travellers: 2",
        "Total: USD 2,900.00",
        "Deposit to confirm: USD 870.00",
        "Held until: *10 Jan 2027, 15:15 UTC+05:45*",
    ):
        assert fact in text, fact


@pytest.mark.parametrize(
    ("reason", "template", "fact"),
    [
        ("REQUESTED", "booking.cancelled", "has been cancelled"),
        ("OFFER_EXPIRED", "booking.offer_expired", "not taken in time"),
        ("OFFER_DECLINED", "booking.offer_declined", "As you asked"),
    ],
)
def test_a_cancelled_booking_says_why(reason: str, template: str, fact: str) -> None:
    notice, text = one(example("waops.booking.cancelled.v1", cancel_reason=reason))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), template)
    assert fact in text and "EBC-2701234" in text


def test_an_expired_hold_is_told_once_by_hold_expired() -> None:
    assert notices(example("waops.booking.cancelled.v1", cancel_reason="HOLD_EXPIRED"), STYLE) == []
    notice, text = one(example("waops.hold.expired.v1"))
    assert notice.template == "hold.expired"
    assert "until 10 Jan 2027, 15:15 UTC+05:45" in text and "released" in text


def test_a_waitlist_offer_gives_the_window_to_confirm() -> None:
    notice, text = one(example("waops.waitlist.offered.v1"))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "waitlist.offered")
    assert "until *10 Jan 2027, 17:15 UTC+05:45*" in text and "Reply *YES*" in text


def test_a_payment_link_gives_kind_amount_expiry_and_url() -> None:
    notice, text = one(example("waops.payment.link_created.v1"))
    assert notice.template == "payment.link"
    assert "your deposit payment link for booking *EBC-2501234*" in text
    assert "Amount: *USD 1,305.00*" in text and "Pay by: 11 Jan 2025, 15:15 UTC+05:45" in text
    assert text.endswith("/_sandbox/pay/9b5a0c4d-2e6f-4a8b-9c0d-1e2f3a4b5c6d")


def test_a_deposit_receipt_gives_the_balance_and_its_due_date() -> None:
    notice, text = one(example("waops.payment.received.v1"))
    assert (notice.to, notice.template) == (Person(CUSTOMER, "Asha"), "payment.received")
    for fact in (
        "Paid now: USD 1,305.00",
        "Paid so far: USD 1,305.00 of USD 4,350.00",
        "Balance: *USD 3,045.00*",
        "Balance due by: 5 Sep 2025",
        "Your seats are confirmed.",
    ):
        assert fact in text, fact


def test_the_payment_that_completes_a_booking_says_fully_paid() -> None:
    paid = example(
        "waops.payment.received.v1",
        status="FULL_PAID",
        amount="3045.00",
        paid_total="4350.00",
        balance="0.00",
        due_date=None,
    )
    notice, text = one(paid)
    assert notice.template == "payment.received_full"
    assert "*fully paid* (USD 4,350.00)" in text and "See you on 5 Oct 2025!" in text
    assert "refund" not in text
    _, text = one(example("waops.payment.received.v1", status="FULL_PAID", overpaid="10.00"))
    assert "You paid USD 10.00 more than the total" in text


def test_money_for_a_cancelled_booking_goes_to_operations_too() -> None:
    [(customer, customer_text), (office, office_text)] = told(
        example("waops.payment.received.v1", booking_state="CANCELLED")
    )
    assert customer.template == "payment.received_cancelled"
    assert "already been cancelled" in customer_text and "refund" in customer_text
    assert (office.to, office.template) == (Office(OPERATIONS), "payment.needs_attention")
    assert "which is cancelled" in office_text and f"Asha ({CUSTOMER})" in office_text


def test_a_balance_reminder_gives_amount_and_due_date() -> None:
    notice, text = one(example("waops.payment.balance_due.v1"))
    assert notice.template == "payment.balance_due"
    assert "*USD 3,045.00*" in text and "due by *5 Sep 2025*" in text


def test_events_covered_by_another_message_are_not_consumed() -> None:
    for covered in ("waops.booking.confirmed.v1", "waops.payment.fully_paid.v1"):
        assert notices(example(covered), STYLE) == []


# ---------------------------------------------------------------------- crew and trips


def test_work_is_offered_to_the_staff_member() -> None:
    notice, text = one(example("waops.assignment.offered.v1"))
    assert (notice.to, notice.template) == (Person(GUIDE, "Pemba Sherpa"), "assignment.offered")
    assert notice.about is not None and (notice.about.type, notice.about.id) == (
        "TRIP",
        "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
    )
    for fact in ("*lead guide*", "*EBC-251005*", "5–18 Oct 2025", "Pay: USD 420.00"):
        assert fact in text, fact
    assert "*ACCEPT EBC-251005*" in text and "*DECLINE EBC-251005*" in text


@pytest.mark.parametrize("answer", ["accepted", "declined"])
def test_operations_hears_the_answer_to_an_offer(answer: str) -> None:
    notice, text = one(example(f"waops.assignment.{answer}.v1"))
    assert (notice.to, notice.template) == (Office(OPERATIONS, GUIDE), f"assignment.{answer}")
    assert f"Pemba Sherpa ({GUIDE}) {answer} the lead guide role on trip *EBC-251005*" in text


def test_a_started_trip_tells_operations_and_every_traveller_who_their_guide_is() -> None:
    asha = {
        "booking_id": "b-1",
        "reference": "EBC-2501234",
        "customer_phone": CUSTOMER,
        "customer_name": "Asha",
        "pax": 3,
    }
    ben = {**asha, "booking_id": "b-2", "customer_phone": "+9779841000002", "customer_name": "Ben"}
    trip = example("waops.trip.started.v1", travellers=[asha, {**ben, "pax": 2}])
    [(office, office_text), *travellers] = told(trip)
    assert (office.to, office.template) == (Office(OPERATIONS, GUIDE), "trip.started_ops")
    assert "Travellers: 5 in 2 booking(s)" in office_text
    assert [(n.to, n.template) for n, _ in travellers] == [
        (Person(CUSTOMER, "Asha"), "trip.started"),
        (Person("+9779841000002", "Ben"), "trip.started"),
    ]
    assert "Namaste Ben!" in travellers[1][1]
    assert f"Your guide is Pemba Sherpa ({GUIDE})" in travellers[0][1]


def test_every_update_from_the_trail_tells_operations_with_the_note() -> None:
    by = {"user_id": "u-4", "name": "Pemba Sherpa", "phone": GUIDE}
    notice, text = one(example("waops.trip.update_posted.v1", by=by, note="Reached Namche."))
    assert (notice.to, notice.template) == (Office(OPERATIONS, GUIDE), "trip.update_posted")
    assert f"From Pemba Sherpa ({GUIDE}): Reached Namche." in text


def test_an_ended_trip_asks_travellers_for_feedback_and_tells_operations() -> None:
    [(office, office_text), (traveller, text)] = told(example("waops.trip.ended.v1"))
    assert office.template == "trip.ended_ops" and "Note: All back in Lukla" in office_text
    assert (traveller.to, traveller.template) == (Person(CUSTOMER, "Asha"), "trip.ended")
    assert "Welcome back, Asha!" in text and "We would love your feedback" in text


def test_a_crew_member_hears_what_they_earned() -> None:
    notice, text = one(example("waops.payroll.entry_created.v1"))
    assert (notice.to, notice.template) == (Person(GUIDE, "Pemba Sherpa"), "payroll.earned")
    assert "*USD 420.00* as lead guide on trip *EBC-251005*" in text


# --------------------------------------------------------------------------- incidents


def test_operations_and_managers_are_alerted_of_an_incident() -> None:
    notice, text = one(example("waops.incident.reported.v1"))
    assert (notice.to, notice.template) == (
        Office(OPERATIONS_AND_MANAGERS, GUIDE),
        "incident.reported",
    )
    assert notice.about is not None and notice.about.type == "INCIDENT"
    for fact in ("*HIGH incident*", "*EBC-251005*", "Pemba Sherpa", "field staff", "Landslide"):
        assert fact in text, fact


def test_an_office_update_reaches_the_reporter_and_the_travellers() -> None:
    office_author = {
        "user_id": "u-3",
        "name": "Maya",
        "phone": "+9779800000003",
        "role": "OPERATIONS",
    }
    event = example("waops.incident.updated.v1", author=office_author)
    [(crew, crew_text), (traveller, text)] = told(event)
    assert crew.to == IncidentReporter(event.incident_id, "+9779800000003")  # type: ignore[attr-defined]
    assert crew.template == "incident.updated_crew"
    assert '"Helicopter booked for tomorrow."' in crew_text and "Status: in progress" in crew_text
    assert (traveller.to, traveller.template) == (Person(CUSTOMER, "Asha"), "incident.updated")
    assert "Helicopter booked for tomorrow." in text and "+977 1 5550100" in text


def test_a_resolution_by_the_guide_reaches_operations_and_the_travellers() -> None:
    event = example("waops.incident.resolved.v1")  # the guide resolved it
    [(reporter, _), (office, _), (traveller, text)] = told(event)
    assert reporter.to == IncidentReporter(event.incident_id, GUIDE)  # type: ignore[attr-defined]
    assert (office.to, office.template) == (
        Office(OPERATIONS_AND_MANAGERS, GUIDE),
        "incident.resolved_crew",
    )
    assert traveller.template == "incident.resolved"
    assert "has been resolved" in text and "Trail reopened" in text


# --------------------------------------------------------------------------- broadcast


def test_a_broadcast_reaches_each_recipient() -> None:
    recipients = [
        {"phone": CUSTOMER, "name": "Asha", "booking_reference": "EBC-2501234"},
        {"phone": "+9779841000002", "name": None, "booking_reference": None},
    ]
    [(first, text), (second, bare)] = told(
        example("waops.broadcast.requested.v1", recipients=recipients)
    )
    assert (first.to, second.to) == (Person(CUSTOMER, "Asha"), Person("+9779841000002", None))
    assert "Namaste Asha!" in text and "Booking: EBC-2501234" in text
    assert "Flights to Lukla are delayed" in text and text.endswith("— Sita Rai")
    assert bare.startswith("Trip: *Everest Base Camp Trek*") and "Booking:" not in bare


def test_a_decline_tells_operations_the_reason_when_one_was_given() -> None:
    _, text = one(example("waops.assignment.declined.v1"))
    assert "Their reason: Family wedding that week." in text
    _, text = one(example("waops.assignment.declined.v1", reason=None))
    assert "reason" not in text.lower()
