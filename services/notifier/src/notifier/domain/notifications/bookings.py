"""Bookings, holds and the waitlist: the customer always knows where their seats stand.

One message per change, from the event that carries it best:
- ``booking.held``: the seats, until when, the total and the deposit;
- ``hold.expired``: the seats were let go (its ``booking.cancelled`` says nothing more);
- ``booking.cancelled`` for every other reason (requested, an offer declined or expired);
- ``waitlist.offered``: seats for them, and until when they may take them;
- ``booking.confirmed`` sends nothing: a booking is confirmed only by a payment, and the
  ``payment.received`` receipt of that payment says so (see ``payments``).
"""

from __future__ import annotations

from typing import Any

from waops_contracts.events import BookingCancelled, BookingHeld, HoldExpired, WaitlistOffered
from waops_contracts.events.bookings import BookingEvent
from waops_contracts.events.inventory import BookingRef

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Person, ref, uses

HELD = uses("booking.held")
CANCELLED = uses("booking.cancelled")
OFFER_EXPIRED = uses("booking.offer_expired")
OFFER_DECLINED = uses("booking.offer_declined")
HOLD_EXPIRED = uses("hold.expired")
OFFERED = uses("waitlist.offered")

HOLD_EXPIRED_REASON = "HOLD_EXPIRED"
_CANCELLED_BY_REASON = {"OFFER_EXPIRED": OFFER_EXPIRED, "OFFER_DECLINED": OFFER_DECLINED}


def booking_variables(booking: BookingRef | BookingEvent) -> dict[str, Any]:
    return {
        "reference": booking.reference,
        "customer_name": booking.customer_name or "",
        "no_name": not booking.customer_name,
        "tour_name": booking.tour_name or booking.tour_code,
        "dates": fmt.dates(booking.start_date, booking.end_date),
        "pax": booking.pax,
    }


def _to_customer(
    booking: BookingRef | BookingEvent, template: str, variables: dict[str, Any]
) -> Notice:
    return Notice(
        Person(booking.customer_phone, booking.customer_name),
        template,
        variables,
        ref("BOOKING", booking.booking_id, booking.reference),
    )


def held_variables(held: BookingHeld, style: Style) -> dict[str, Any]:
    return {
        **booking_variables(held),
        "total": fmt.money(held.total_amount, held.currency),
        "deposit": fmt.money(held.deposit_amount, held.currency),
        "hold_expires": fmt.moment(held.hold_expires_at, style.timezone),
    }


def booking_held(held: BookingHeld, style: Style) -> list[Notice]:
    return [_to_customer(held, HELD, held_variables(held, style))]


def booking_cancelled(cancelled: BookingCancelled, _: Style) -> list[Notice]:
    if cancelled.cancel_reason == HOLD_EXPIRED_REASON:
        return []  # hold.expired tells them, with the time the hold ran out
    template = _CANCELLED_BY_REASON.get(cancelled.cancel_reason or "", CANCELLED)
    return [_to_customer(cancelled, template, booking_variables(cancelled))]


def hold_expired(expired: HoldExpired, style: Style) -> list[Notice]:
    variables = {
        **booking_variables(expired),
        "expired_at": fmt.moment(expired.expires_at, style.timezone),
    }
    return [_to_customer(expired, HOLD_EXPIRED, variables)]


def waitlist_offered(offer: WaitlistOffered, style: Style) -> list[Notice]:
    variables = {
        **booking_variables(offer),
        "offer_expires": fmt.moment(offer.offer_expires_at, style.timezone),
    }
    return [_to_customer(offer, OFFERED, variables)]
