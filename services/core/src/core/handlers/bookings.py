"""Bookings: the use cases, and the seams the other areas call.

Each runs in one transaction (a route's ``UseCase``, or a sweep's) that first locks the
booking's departure: seats, the booking's state, its hold and its waitlist entry all change
under that one lock. Refusals are raised before anything is written, so a caller that
catches one (a lead conversion that finds no seats) keeps a clean transaction.

Seams (signatures fixed; other areas code against them):
``hold_and_book``, ``mark_payment_pending``, ``confirm_paid_booking``,
``activate_departure_bookings``, ``complete_departure_bookings``,
``travellers_of_departure``, ``booking_view``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.events import (
    BookingActivated,
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    BookingHeld,
    BookingPaymentPending,
    BookingWaitlisted,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    WaitlistConfirmed,
    WaitlistOfferDeclined,
    WaitlistOfferExpired,
)
from waops_contracts.limits import MAX_PARTY_SIZE, MIN_PARTY_SIZE
from waops_contracts.references import format_booking_reference

from core.adapters import bookings, inventory, waitlist
from core.adapters.bookings import NewBooking
from core.adapters.catalogue import Departure
from core.domain import bookings as rules
from core.domain import waitlist as line
from core.domain.bookings import Booking
from core.domain.catalogue import booking_total
from core.domain.errors import Invalid, NotFound, RuleViolation, invalid_transition
from core.domain.inventory import CONFIRM, EXPIRE, RELEASE, Hold
from core.domain.phones import InvalidPhone, normalize_phone
from core.handlers import waitlist as waitlist_service
from core.handlers.context import UseCase
from core.handlers.inventory import (
    Ctx,
    admit,
    announce_booking,
    announce_departure,
    announce_hold,
    ctx_of,
    lock_departure,
    place_hold,
    seats,
    view,
)
from core.handlers.waitlist import announce_entry

TRAVELLING = (rules.CONFIRMED, rules.ACTIVE)


async def booking_view(
    conn: AsyncConnection, tenant_id: str, booking_id: str
) -> dict[str, Any] | None:
    """The booking as the API shows it (None if not the tenant's): reference, state, tour,
    departure dates, pax, customer, price/total/deposit, its latest hold (with expiry and
    override) and its waitlist place."""
    return await bookings.booking_view(conn, tenant_id, booking_id)


async def travellers_of_departure(
    conn: AsyncConnection, tenant_id: str, departure_id: str
) -> list[dict[str, Any]]:
    """Who travels on a departure: its CONFIRMED and ACTIVE bookings, oldest first, each
    ``{booking_id, reference, customer_phone, customer_name, pax, state}``."""
    return await bookings.travellers(conn, tenant_id, departure_id, TRAVELLING)


async def hold_and_book(
    call: UseCase,
    *,
    departure_id: str,
    pax: int,
    customer_phone: str,
    customer_name: str | None,
    lead_id: str | None = None,
    override: bool = False,
) -> dict[str, Any]:
    """Create a booking and hold its seats, in the call's transaction: a HELD booking
    (hold expiring after WAOPS_CORE_HOLD_HOURS) with its reference, returned as
    ``booking_view``; booking.held, hold.placed and departure.upserted are staged.

    ``override``: hold beyond capacity; the caller (X-Waops-Actor-Id) must be an active
    MANAGER. Raises (before writing anything) DEPARTURE_NOT_FOUND, INVALID_PHONE,
    UNKNOWN_LEAD, OVERRIDE_NOT_ALLOWED (403), DEPARTURE_CLOSED, DEPARTURE_STARTED,
    NO_SEATS_LEFT (details: ``availability``).
    """
    return await book(
        ctx_of(call),
        departure_id=departure_id,
        pax=pax,
        customer_phone=customer_phone,
        customer_name=customer_name,
        lead_id=lead_id,
        override=override,
    )


async def book(
    ctx: Ctx,
    *,
    departure_id: str,
    pax: int,
    customer_phone: str,
    customer_name: str | None,
    lead_id: str | None = None,
    override: bool = False,
    join_waitlist: bool = False,
) -> dict[str, Any]:
    """``hold_and_book``; with ``join_waitlist``, no seats makes a WAITLISTED booking at the
    end of the departure's line instead of NO_SEATS_LEFT."""
    if not MIN_PARTY_SIZE <= pax <= MAX_PARTY_SIZE:
        raise Invalid(
            "INVALID_PAX",
            f"a booking is for {MIN_PARTY_SIZE} to {MAX_PARTY_SIZE} travellers",
            pax=pax,
        )
    try:
        phone = normalize_phone(customer_phone)
    except InvalidPhone as exc:
        raise Invalid("INVALID_PHONE", str(exc), field="customer_phone") from None
    if lead_id is not None:
        lead_id = await _known_lead(ctx, lead_id)
    departure = await lock_departure(ctx, departure_id)
    try:
        overridden_by, _ = await admit(ctx, departure, pax, override=override)
        state = rules.transition(rules.DRAFT, rules.HOLD)
    except RuleViolation as refusal:
        if not (join_waitlist and refusal.code == "NO_SEATS_LEFT"):
            raise
        state = rules.transition(rules.DRAFT, rules.WAITLIST)
    booking_id = await _insert(ctx, departure, state, pax, phone, customer_name, lead_id)
    if state == rules.WAITLISTED:
        await waitlist_service.join(ctx, departure, booking_id, pax)
        await announce_booking(ctx, BookingWaitlisted, await view(ctx, booking_id), rules.DRAFT)
    else:
        hold = await place_hold(ctx, departure, booking_id, pax, overridden_by)
        await _announce_held(ctx, departure, booking_id, hold, rules.DRAFT)
    await announce_departure(ctx, departure)
    return await view(ctx, booking_id)


async def _known_lead(ctx: Ctx, lead_id: str) -> str:
    """The lead's canonical id, if it is one of the tenant's leads; else UNKNOWN_LEAD."""
    try:
        canonical = str(uuid.UUID(lead_id))
    except ValueError:
        raise Invalid("UNKNOWN_LEAD", "no such lead", lead_id=lead_id[:64]) from None
    found = await ctx.conn.execute(
        text("SELECT 1 FROM leads WHERE tenant_id = :tenant_id AND id = CAST(:lead_id AS uuid)"),
        {"tenant_id": ctx.tenant_id, "lead_id": canonical},
    )
    if found.first() is None:
        raise Invalid("UNKNOWN_LEAD", "no such lead", lead_id=canonical)
    return canonical


async def _insert(
    ctx: Ctx,
    departure: Departure,
    state: str,
    pax: int,
    phone: str,
    name: str | None,
    lead_id: str | None,
) -> str:
    number = await bookings.next_booking_number(ctx.conn, ctx.tenant_id)
    price = departure.price_per_person
    total = booking_total(price, pax)
    booking_id = str(uuid.uuid4())
    await bookings.insert_booking(
        ctx.conn,
        NewBooking(
            booking_id=booking_id,
            tenant_id=ctx.tenant_id,
            reference=format_booking_reference(
                departure.tour_code, departure.start_date.year, number
            ),
            state=state,
            departure_id=departure.id,
            tour_id=departure.tour_id,
            tour_code=departure.tour_code,
            pax=pax,
            customer_phone=phone,
            customer_name=name or None,
            lead_id=lead_id,
            price_per_person=price,
            total_amount=total,
            deposit_amount=departure.deposit.due(total, pax),
            currency=departure.currency,
        ),
        ctx.now,
    )
    return booking_id


async def _announce_held(
    ctx: Ctx, departure: Departure, booking_id: str, hold: Hold, previous: str
) -> None:
    booking = await view(ctx, booking_id)
    available = (await seats(ctx, departure.id)).available
    await announce_hold(ctx, HoldPlaced, booking, hold, available=available)
    await announce_booking(ctx, BookingHeld, booking, previous)


async def locked(ctx: Ctx, raw: str) -> tuple[Departure, Booking]:
    """The booking (by id or reference) and its departure, locked in the one lock order."""
    found = await bookings.find_booking(ctx.conn, ctx.tenant_id, raw)
    if found is None:
        raise NotFound("BOOKING_NOT_FOUND", "no such booking", id=raw)
    departure = await lock_departure(ctx, found.departure_id)
    booking = await bookings.lock_booking(ctx.conn, ctx.tenant_id, found.id)
    assert booking is not None  # bookings are never deleted
    return departure, booking


async def _move(ctx: Ctx, booking: Booking, action: str, event: Any) -> dict[str, Any]:
    state = booking.after(action)
    await bookings.set_state(ctx.conn, booking.id, state, ctx.now)
    moved = await view(ctx, booking.id)
    await announce_booking(ctx, event, moved, booking.state)
    return moved


async def mark_payment_pending(call: UseCase, booking_id: str) -> dict[str, Any]:
    """HELD → PAYMENT_PENDING when a payment link is issued (booking.payment_pending).
    Already PAYMENT_PENDING: the booking unchanged, no event (a second link is fine).
    Otherwise BOOKING_INVALID_TRANSITION; BOOKING_NOT_FOUND. The hold keeps its expiry."""
    return await request_payment(ctx_of(call), booking_id)


async def request_payment(ctx: Ctx, booking_id: str) -> dict[str, Any]:
    """``mark_payment_pending`` in a given context."""
    _, booking = await locked(ctx, booking_id)
    if booking.state == rules.PAYMENT_PENDING:
        return await view(ctx, booking.id)
    return await _move(ctx, booking, rules.REQUEST_PAYMENT, BookingPaymentPending)


async def confirm_paid_booking(call: UseCase, booking_id: str) -> dict[str, Any]:
    """HELD/PAYMENT_PENDING → CONFIRMED once the deposit or the full amount is paid: the
    hold becomes a confirmed seat that no longer expires (booking.confirmed, and
    departure.upserted with the new counts). Already CONFIRMED/ACTIVE/COMPLETED (a later
    balance payment): the booking unchanged, no event. Otherwise (e.g. CANCELLED after its
    hold expired) BOOKING_INVALID_TRANSITION; BOOKING_NOT_FOUND.

    A payment that lands after ``expires_at`` but before the expiry sweep ran still
    confirms: the seats were never released, so capacity is intact."""
    return await confirm_paid(ctx_of(call), booking_id)


async def confirm_paid(ctx: Ctx, booking_id: str) -> dict[str, Any]:
    """``confirm_paid_booking`` in a given context."""
    departure, booking = await locked(ctx, booking_id)
    if booking.state in (rules.CONFIRMED, rules.ACTIVE, rules.COMPLETED):
        return await view(ctx, booking.id)
    booking.after(rules.CONFIRM_PAYMENT)  # refuse before writing
    hold = await inventory.live_hold(ctx.conn, booking.id)
    assert hold is not None  # a HELD / PAYMENT_PENDING booking has its live hold
    hold.after(CONFIRM)  # a HELD / PAYMENT_PENDING booking's hold is still ACTIVE
    await inventory.confirm_hold(ctx.conn, hold.id, ctx.now)
    confirmed = await _move(ctx, booking, rules.CONFIRM_PAYMENT, BookingConfirmed)
    await announce_departure(ctx, departure)
    return confirmed


async def _move_departure(
    call: UseCase, departure_id: str, state: str, action: str, event: Any
) -> list[dict[str, Any]]:
    return await move_departure(ctx_of(call), departure_id, state, action, event)


async def move_departure(
    ctx: Ctx, departure_id: str, state: str, action: str, event: Any
) -> list[dict[str, Any]]:
    """Every booking of the departure in ``state`` takes ``action`` (oldest first)."""
    departure = await lock_departure(ctx, departure_id)
    moved = []
    for booking_id in await bookings.bookings_of_departure(ctx.conn, departure.id, (state,)):
        booking = await bookings.lock_booking(ctx.conn, ctx.tenant_id, booking_id)
        assert booking is not None
        moved.append(await _move(ctx, booking, action, event))
    return moved


async def activate_departure_bookings(call: UseCase, departure_id: str) -> list[dict[str, Any]]:
    """The trip started: every CONFIRMED booking of the departure → ACTIVE
    (booking.activated each); returns their views. Unpaid (HELD/PAYMENT_PENDING) bookings
    are left to their hold's expiry. DEPARTURE_NOT_FOUND."""
    return await _move_departure(
        call, departure_id, rules.CONFIRMED, rules.ACTIVATE, BookingActivated
    )


async def complete_departure_bookings(call: UseCase, departure_id: str) -> list[dict[str, Any]]:
    """The trip ended: every ACTIVE booking of the departure → COMPLETED
    (booking.completed each); returns their views. DEPARTURE_NOT_FOUND."""
    return await _move_departure(call, departure_id, rules.ACTIVE, rules.COMPLETE, BookingCompleted)


async def cancel(ctx: Ctx, raw: str, reason: str = rules.REQUESTED) -> dict[str, Any]:
    """Cancel a booking (DRAFT/HELD/PAYMENT_PENDING/CONFIRMED/WAITLISTED): its hold is
    released or its waitlist place given up, and freed seats are offered to the line."""
    departure, booking = await locked(ctx, raw)
    booking.after(rules.CANCEL)  # refuse before writing
    hold = await inventory.live_hold(ctx.conn, booking.id)
    if hold is not None:
        await inventory.end_hold(ctx.conn, hold.id, hold.after(RELEASE), reason, ctx.now)
    entry = await waitlist.entry_of_booking(ctx.conn, booking.id)
    if entry is not None and entry.status in line.LIVE:
        await waitlist.set_status(ctx.conn, entry.id, line.CANCELLED, ctx.now)
    return await _cancelled(ctx, departure, booking, reason, hold)


async def _cancelled(
    ctx: Ctx,
    departure: Departure,
    booking: Booking,
    reason: str,
    hold: Hold | None,
    hold_event: Any = HoldReleased,
) -> dict[str, Any]:
    """The booking's seats are free: record it CANCELLED, announce, offer the seats on."""
    state = booking.after(rules.CANCEL)
    await bookings.set_state(ctx.conn, booking.id, state, ctx.now, cancel_reason=reason)
    await waitlist_service.offer_freed_seats(ctx, departure)
    cancelled = await view(ctx, booking.id)
    available = (await announce_departure(ctx, departure)).available
    if hold is not None:
        await announce_hold(ctx, hold_event, cancelled, hold, available=available, reason=reason)
    await announce_booking(ctx, BookingCancelled, cancelled, booking.state)
    return cancelled


async def _open_offer(ctx: Ctx, raw: str, action: str) -> tuple[Departure, Booking, waitlist.Entry]:
    """The booking and its open offer; a booking not WAITLISTED cannot take or decline one
    (BOOKING_INVALID_TRANSITION), a waitlisted one without an offer gets NO_OPEN_OFFER,
    and one whose offer ran out (not yet swept) OFFER_EXPIRED."""
    departure, booking = await locked(ctx, raw)
    if booking.state != rules.WAITLISTED:
        raise invalid_transition("BOOKING", booking.state, action)
    entry = await waitlist.entry_of_booking(ctx.conn, booking.id)
    if entry is None or entry.status != line.OFFERED or entry.offer_expires_at is None:
        raise RuleViolation("NO_OPEN_OFFER", "no seats are on offer for this booking (yet)")
    if entry.offer_expires_at <= ctx.now:
        raise RuleViolation("OFFER_EXPIRED", "the offer of seats has expired")
    return departure, booking, entry


async def confirm_offer(ctx: Ctx, raw: str) -> dict[str, Any]:
    """WAITLISTED → HELD: the customer takes the seats offered (their reservation becomes a
    hold with the usual expiry)."""
    departure, booking, entry = await _open_offer(ctx, raw, rules.CONFIRM_OFFER)
    overridden_by, _ = await admit(ctx, departure, booking.pax, override=False, own_offer=entry.pax)
    state = booking.after(rules.CONFIRM_OFFER)
    await waitlist.set_status(ctx.conn, entry.id, line.CONFIRMED, ctx.now)
    await bookings.set_state(ctx.conn, booking.id, state, ctx.now)
    hold = await place_hold(ctx, departure, booking.id, booking.pax, overridden_by)
    confirmed_entry = await waitlist.entry_of_booking(ctx.conn, booking.id)
    assert confirmed_entry is not None
    await announce_entry(ctx, WaitlistConfirmed, await view(ctx, booking.id), confirmed_entry)
    await _announce_held(ctx, departure, booking.id, hold, booking.state)
    await announce_departure(ctx, departure)
    return await view(ctx, booking.id)


async def decline_offer(ctx: Ctx, raw: str) -> dict[str, Any]:
    """The customer declines the seats offered: the booking is CANCELLED (OFFER_DECLINED)
    and the seats go to the next in line."""
    departure, booking, entry = await _open_offer(ctx, raw, "DECLINE_OFFER")
    await waitlist.set_status(ctx.conn, entry.id, line.DECLINED, ctx.now)
    declined = await waitlist.entry_of_booking(ctx.conn, booking.id)
    assert declined is not None
    await announce_entry(ctx, WaitlistOfferDeclined, await view(ctx, booking.id), declined)
    return await _cancelled(ctx, departure, booking, rules.OFFER_DECLINED, None)


async def expire_hold(ctx: Ctx, departure: Departure, hold: Hold) -> dict[str, Any]:
    """A hold not paid in time (found due under the departure's lock): it expires, its
    HELD/PAYMENT_PENDING booking is CANCELLED (HOLD_EXPIRED), the seats go to the line."""
    booking = await bookings.lock_booking(ctx.conn, ctx.tenant_id, hold.booking_id)
    assert booking is not None
    await inventory.end_hold(ctx.conn, hold.id, hold.after(EXPIRE), rules.HOLD_EXPIRED, ctx.now)
    return await _cancelled(ctx, departure, booking, rules.HOLD_EXPIRED, hold, HoldExpired)


async def expire_offer(ctx: Ctx, departure: Departure, entry: waitlist.Entry) -> dict[str, Any]:
    """An offer not taken in time: the waitlisted booking is CANCELLED (OFFER_EXPIRED) and
    the reserved seats are offered to the next in line."""
    booking = await bookings.lock_booking(ctx.conn, ctx.tenant_id, entry.booking_id)
    assert booking is not None
    await waitlist.set_status(ctx.conn, entry.id, line.EXPIRED, ctx.now)
    expired = await waitlist.entry_of_booking(ctx.conn, booking.id)
    assert expired is not None
    await announce_entry(ctx, WaitlistOfferExpired, await view(ctx, booking.id), expired)
    return await _cancelled(ctx, departure, booking, rules.OFFER_EXPIRED, None)
