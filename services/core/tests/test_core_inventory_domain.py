"""The pure inventory rules: the booking state machine, seat arithmetic, deposit rules, the
waitlist's choice — and, property-based, that random command sequences composed of these
rules never reach an invalid state or give away more seats than the departure has."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from core.domain import bookings as b
from core.domain import catalogue, inventory, waitlist
from core.domain.catalogue import DepositRule, Seats
from core.domain.errors import RuleViolation
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- the state machine


ALLOWED = {
    ("DRAFT", "HOLD"): "HELD",
    ("DRAFT", "WAITLIST"): "WAITLISTED",
    ("HELD", "REQUEST_PAYMENT"): "PAYMENT_PENDING",
    ("HELD", "CONFIRM_PAYMENT"): "CONFIRMED",
    ("PAYMENT_PENDING", "CONFIRM_PAYMENT"): "CONFIRMED",
    ("CONFIRMED", "ACTIVATE"): "ACTIVE",
    ("ACTIVE", "COMPLETE"): "COMPLETED",
    ("WAITLISTED", "CONFIRM_OFFER"): "HELD",
    ("DRAFT", "CANCEL"): "CANCELLED",
    ("HELD", "CANCEL"): "CANCELLED",
    ("PAYMENT_PENDING", "CANCEL"): "CANCELLED",
    ("CONFIRMED", "CANCEL"): "CANCELLED",
    ("WAITLISTED", "CANCEL"): "CANCELLED",
}


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in b.STATES for a in b.ACTIONS])
def test_every_transition_is_allowed_or_refused_with_the_code(state: str, action: str) -> None:
    if (state, action) in ALLOWED:
        assert b.transition(state, action) == ALLOWED[(state, action)]
        return
    with pytest.raises(RuleViolation) as refused:
        b.transition(state, action)
    assert refused.value.code == "BOOKING_INVALID_TRANSITION"
    assert refused.value.details == {"state": state, "action": action}
    assert refused.value.status == 409


def test_terminal_states_go_nowhere() -> None:
    for state in b.TERMINAL:
        assert not [a for a in b.ACTIONS if (state, a) in b.TRANSITIONS]


# ---------------------------------------------------------------- seats, deposits, offers


def test_deposit_rules() -> None:
    assert DepositRule().due(Decimal("4350.00"), 3) == Decimal("1305.00")
    assert DepositRule("PERCENT", Decimal("33.33")).due(Decimal("100"), 1) == Decimal("33.33")
    assert DepositRule("FIXED", Decimal("250")).due(Decimal("3900"), 3) == Decimal("750.00")
    assert DepositRule("FIXED", Decimal("500")).due(Decimal("220"), 1) == Decimal("220.00")
    for kind, value in (("PERCENT", "101"), ("FIXED", "-1"), ("HALF", "5")):
        with pytest.raises(ValueError):
            DepositRule(kind, Decimal(value))


def test_closing_is_one_way() -> None:
    assert catalogue.close("OPEN") == "CLOSED"
    with pytest.raises(RuleViolation) as refused:
        catalogue.close("CLOSED")
    assert refused.value.code == "DEPARTURE_INVALID_TRANSITION"


def hold_check(seats: Seats, pax: int, **kw: bool) -> bool:
    return inventory.check_hold(
        seats,
        pax,
        departure_status="CLOSED" if kw.get("closed") else "OPEN",
        started=kw.get("started", False),
        override=kw.get("override", False),
        actor_is_manager=kw.get("manager", False),
    )


def test_hold_checks() -> None:
    full = Seats(capacity=4, held=2, confirmed=1, reserved=1)
    assert full.available == 0
    assert hold_check(Seats(4, held=1), 3) is False
    with pytest.raises(RuleViolation) as refused:
        hold_check(full, 1)
    assert refused.value.code == "NO_SEATS_LEFT"
    assert refused.value.details["availability"]["available"] == 0
    assert hold_check(full, 1, override=True, manager=True) is True
    with pytest.raises(inventory.NotAllowed) as refused:
        hold_check(Seats(4), 1, override=True)
    assert (refused.value.code, refused.value.status) == ("OVERRIDE_NOT_ALLOWED", 403)
    for flag, code in (("closed", "DEPARTURE_CLOSED"), ("started", "DEPARTURE_STARTED")):
        with pytest.raises(RuleViolation) as refused:
            hold_check(Seats(4), 1, **{flag: True})
        assert refused.value.code == code
    assert Seats(2, held=3).available == 0  # an override never makes availability negative


@given(st.integers(0, 20), st.lists(st.integers(1, 6), max_size=10))
def test_offers_go_in_order_to_who_fits_and_never_exceed_the_free_seats(
    free: int, parties: list[int]
) -> None:
    line = [waitlist.InLine(str(i), pax) for i, pax in enumerate(parties)]
    chosen = waitlist.choose_offers(free, line)
    assert sum(c.pax for c in chosen) <= free
    assert [int(c.entry_id) for c in chosen] == sorted(int(c.entry_id) for c in chosen)
    left = free - sum(c.pax for c in chosen)
    first_skipped = next((e for e in line if e not in chosen), None)
    if first_skipped is not None:
        assert first_skipped.pax > left or any(
            int(c.entry_id) > int(first_skipped.entry_id) for c in chosen
        )
    assert all(e in chosen or e.pax > left for e in line)  # nobody who fits is left out


# ---------------------------------------------------------------- random command sequences


@dataclass
class SimBooking:
    state: str
    pax: int
    hold: str | None = None  # ACTIVE / CONFIRMED / RELEASED / EXPIRED
    override: bool = False
    entry: str | None = None  # waitlist status
    seq: int = 0


@dataclass
class Departure:
    """The service's seat rules replayed over plain data, using only the domain functions."""

    capacity: int
    bookings: list[SimBooking] = field(default_factory=list)
    seq: int = 0

    def seats(self) -> Seats:
        return Seats(
            self.capacity,
            held=sum(x.pax for x in self.bookings if x.hold == inventory.ACTIVE),
            confirmed=sum(x.pax for x in self.bookings if x.hold == inventory.CONFIRMED),
            reserved=sum(x.pax for x in self.bookings if x.entry == waitlist.OFFERED),
            waitlist=sum(1 for x in self.bookings if x.entry in waitlist.LIVE),
        )

    def offer(self) -> None:
        waiting = sorted(
            (x for x in self.bookings if x.entry == waitlist.WAITING), key=lambda x: x.seq
        )
        line = [waitlist.InLine(str(i), x.pax) for i, x in enumerate(waiting)]
        for chosen in waitlist.choose_offers(self.seats().available, line):
            waiting[int(chosen.entry_id)].entry = waitlist.OFFERED

    def book(self, pax: int, override: bool, manager: bool, join: bool) -> None:
        try:
            needs = inventory.check_hold(
                self.seats(),
                pax,
                departure_status="OPEN",
                started=False,
                override=override,
                actor_is_manager=manager,
            )
        except RuleViolation as refusal:
            if not (join and refusal.code == "NO_SEATS_LEFT"):
                raise
            self.seq += 1
            state = b.transition(b.DRAFT, b.WAITLIST)
            self.bookings.append(SimBooking(state, pax, entry=waitlist.WAITING, seq=self.seq))
            return
        state = b.transition(b.DRAFT, b.HOLD)
        self.bookings.append(SimBooking(state, pax, inventory.ACTIVE, override=needs))

    def act(self, i: int, action: str) -> None:
        x = self.bookings[i % len(self.bookings)]
        if action == "CANCEL":
            x.state = b.transition(x.state, b.CANCEL)
            x.hold = inventory.RELEASED if x.hold in inventory.LIVE else x.hold
            x.entry = waitlist.CANCELLED if x.entry in waitlist.LIVE else x.entry
            self.offer()
        elif action == "EXPIRE_HOLD":
            if x.hold != inventory.ACTIVE:
                return  # the sweep only finds live unpaid holds
            x.state = b.transition(x.state, b.CANCEL)
            x.hold = inventory.EXPIRED
            self.offer()
        elif action in ("CONFIRM_OFFER", "DECLINE_OFFER", "EXPIRE_OFFER"):
            if x.state != b.WAITLISTED:
                b.transition(x.state, b.CONFIRM_OFFER)  # raises: not waitlisted
            if x.entry != waitlist.OFFERED:
                raise RuleViolation("NO_OPEN_OFFER", "no offer")
            if action == "CONFIRM_OFFER":
                counted = self.seats()
                counted = Seats(
                    counted.capacity, counted.held, counted.confirmed, counted.reserved - x.pax
                )
                inventory.check_hold(
                    counted,
                    x.pax,
                    departure_status="OPEN",
                    started=False,
                    override=False,
                    actor_is_manager=False,
                )
                x.state = b.transition(x.state, b.CONFIRM_OFFER)
                x.entry, x.hold = waitlist.CONFIRMED, inventory.ACTIVE
            else:
                x.state = b.transition(x.state, b.CANCEL)
                x.entry = waitlist.DECLINED if action == "DECLINE_OFFER" else waitlist.EXPIRED
                self.offer()
        elif action == "CONFIRM_PAYMENT":
            x.state = b.transition(x.state, b.CONFIRM_PAYMENT)
            x.hold = inventory.CONFIRMED
        else:
            x.state = b.transition(x.state, action)

    def check(self) -> None:
        seats = self.seats()
        overridden = sum(x.pax for x in self.bookings if x.override and x.hold in inventory.LIVE)
        assert seats.held + seats.confirmed + seats.reserved <= self.capacity + overridden
        for x in self.bookings:
            assert x.state in b.STATES and x.state != b.DRAFT
            if x.state in (b.HELD, b.PAYMENT_PENDING):
                assert x.hold == inventory.ACTIVE
            elif x.state in (b.CONFIRMED, b.ACTIVE, b.COMPLETED):
                assert x.hold == inventory.CONFIRMED
            else:
                assert x.hold not in inventory.LIVE
            assert (x.state == b.WAITLISTED) == (x.entry in waitlist.LIVE)


ACTIONS = (
    "CANCEL",
    "REQUEST_PAYMENT",
    "CONFIRM_PAYMENT",
    "ACTIVATE",
    "COMPLETE",
    "EXPIRE_HOLD",
    "CONFIRM_OFFER",
    "DECLINE_OFFER",
    "EXPIRE_OFFER",
    "HOLD",
    "WAITLIST",
)
book_cmd = st.tuples(
    st.just("BOOK"), st.integers(1, 4), st.booleans(), st.booleans(), st.booleans()
)
act_cmd = st.tuples(st.just("ACT"), st.integers(0, 30), st.sampled_from(ACTIONS))


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 8), st.lists(st.one_of(book_cmd, act_cmd), max_size=40))
def test_random_commands_never_break_the_rules(
    capacity: int, commands: list[tuple[Any, ...]]
) -> None:
    departure = Departure(capacity)
    for command in commands:
        before = [(x.state, x.hold, x.entry) for x in departure.bookings]
        try:
            if command[0] == "BOOK":
                departure.book(*command[1:])
            elif departure.bookings:
                departure.act(command[1], command[2])
        except RuleViolation as refusal:
            assert refusal.code in (
                "BOOKING_INVALID_TRANSITION",
                "NO_SEATS_LEFT",
                "OVERRIDE_NOT_ALLOWED",
                "NO_OPEN_OFFER",
            )
            assert [(x.state, x.hold, x.entry) for x in departure.bookings] == before
        departure.check()
