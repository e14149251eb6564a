"""The core's refusals, told politely.

The core answers a refused request with a stable code and a message written for developers
("TRIP_INVALID_TRANSITION: cannot CHECK_IN a trip in state SCHEDULED"). The person who asked
gets the sentence below for the code instead, or, for a code not listed, an apology with the
core's message. The code itself is kept as the rejection's code.
"""

from __future__ import annotations

from orchestrator.domain.permissions import Refusal

POLITE: dict[str, str] = {
    # not found
    "LEAD_NOT_FOUND": "Sorry, I couldn't find that enquiry.",
    "BOOKING_NOT_FOUND": "Sorry, I couldn't find a booking with that reference.",
    "TRIP_NOT_FOUND": "Sorry, I couldn't find a trip with that reference.",
    "DEPARTURE_NOT_FOUND": "Sorry, I couldn't find that departure.",
    "INCIDENT_NOT_FOUND": "Sorry, I couldn't find that incident.",
    "ASSIGNMENT_NOT_FOUND": "Sorry, I couldn't find that assignment.",
    "QUOTE_NOT_FOUND": "Sorry, I couldn't find that quote.",
    "UNKNOWN_TOUR": "Sorry, I couldn't find that tour in our catalogue.",
    "UNKNOWN_STAFF": "Sorry, I couldn't find that staff member.",
    "UNKNOWN_LEAD": "Sorry, I couldn't find that enquiry.",
    # seats and departures
    "NO_SEATS_LEFT": "Sorry, there are not enough seats left on that departure.",
    "DEPARTURE_CLOSED": "Sorry, that departure is closed for bookings.",
    "DEPARTURE_STARTED": "Sorry, that departure has already started.",
    "DEPARTURE_OF_ANOTHER_TOUR": "Sorry, that departure is for another tour.",
    "DEPARTURE_INVALID_TRANSITION": "That departure is already closed.",
    "OVERRIDE_NOT_ALLOWED": "Sorry, only a manager can hold seats beyond capacity.",
    "NO_OPEN_OFFER": "Sorry, there are no seats on offer for that booking now.",
    "OFFER_EXPIRED": "Sorry, the offer of those seats has expired.",
    # the sales pipeline
    "LEAD_INVALID_TRANSITION": "Sorry, that enquiry can't be changed that way any more.",
    "QUOTE_EXPIRED": "Sorry, that quote has expired; a new one is needed.",
    "QUOTE_OF_ANOTHER_DEPARTURE": "Sorry, that quote is for another departure.",
    "REP_DISCOUNT_TOO_LARGE": "Sorry, that discount is larger than a rep may give.",
    "INVALID_DISCOUNT": "Sorry, that discount isn't valid.",
    "BOOKING_INVALID_TRANSITION": "Sorry, that booking can't be changed that way any more.",
    # payments
    "BOOKING_NOT_PAYABLE": "Sorry, that booking can't take a payment in its current state.",
    "PAYMENT_NOT_DUE": "There is nothing to pay on that booking right now.",
    "PAYMENT_LINK_KIND_NOT_ALLOWED": "Sorry, that kind of payment link doesn't fit the booking.",
    "HOLD_EXPIRED": "Sorry, the seats' hold has expired.",
    # trips, staff and incidents
    "TRIP_INVALID_TRANSITION": "Sorry, the trip isn't at a stage where that can be done.",
    "NOT_ASSIGNED": "Sorry, you're not on this trip's crew.",
    "LEAD_GUIDE_ONLY": "Sorry, only the trip's lead guide can check the group in and out.",
    "OPERATIONS_ONLY": "Sorry, only operations staff or managers can do that.",
    "NOT_STAFF": "Sorry, only staff can do that.",
    "STAFF_INACTIVE": "Sorry, that staff member is no longer active.",
    "NOT_FIELD_STAFF": "Sorry, only field staff can be assigned to a trip.",
    "STAFF_KIND_MISMATCH": "Sorry, that staff member can't take that role on a trip.",
    "LEAD_GUIDE_TAKEN": "Sorry, the trip already has a lead guide.",
    "STAFF_DOUBLE_BOOKED": "Sorry, that staff member is already busy on those dates.",
    "ASSIGNMENT_INVALID_TRANSITION": "That offer has already been answered.",
    "INCIDENT_INVALID_TRANSITION": "Sorry, the incident can't move to that state.",
    # bad requests
    "INVALID_PHONE": "Sorry, that phone number doesn't look right.",
    "INCONSISTENT_TRAVEL_DATES": "Sorry, the travel month and date don't match.",
}

# A core refusal as the back-office API answers it: its own status, but a malformed request
# (400, the orchestrator sent what the core can't read) is the caller's unprocessable input.
_API_STATUSES = frozenset({403, 404, 409, 422})


def core_refusal(status: int, code: str, message: str) -> Refusal:
    reason = POLITE.get(code) or f"Sorry, that couldn't be done: {message.rstrip('.')}."
    return Refusal(code, reason, status if status in _API_STATUSES else 422)
