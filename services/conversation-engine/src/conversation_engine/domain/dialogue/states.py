"""The dialogue's states (stored in ``contexts.dialogue_state``).

Customers move between these; staff have no multi-turn dialogue (their commands are whole
sentences), so they rest in ``STAFF``.
"""

from __future__ import annotations

MENU = "menu"  # nothing asked: the main menu (plan a trip, my booking, talk to our team)
ENQUIRY = "enquiry"  # collecting an enquiry: tour, party size, month
QUOTE_OFFERED = "quote_offered"  # a quote waits for YES (hold the spots) or what to change
QUOTE_CHANGE = "quote_change"  # asked what to change in the quote
BOOKING_REF = "booking_ref"  # asked for a booking reference
BOOKING = "booking"  # they have a booking: "my booking" tells its status
WAITLIST_OFFERED = "waitlist_offered"  # seats offered from the waitlist: YES takes them, NO not
STAFF = "staff"  # staff: commands only

CUSTOMER_STATES = (
    MENU,
    ENQUIRY,
    QUOTE_OFFERED,
    QUOTE_CHANGE,
    BOOKING_REF,
    BOOKING,
    WAITLIST_OFFERED,
)
ALL_STATES = (*CUSTOMER_STATES, STAFF)
# States where nothing is being asked: an event may move the dialogue from one to another.
RESTING = frozenset({MENU, QUOTE_OFFERED, BOOKING, WAITLIST_OFFERED, STAFF})
