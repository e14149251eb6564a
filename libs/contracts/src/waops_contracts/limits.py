"""Limits that more than one service checks, kept in one place so they agree: a party the
conversation engine understands is one the orchestrator lets through and the core books, a
note a guide types through the orchestrator fits the core's column.
"""

from __future__ import annotations

from decimal import Decimal

# Travellers on one lead, quote or booking; a larger number in a message is something else.
MIN_PARTY_SIZE = 1
MAX_PARTY_SIZE = 50

# A phone as typed ("+977 984-123 4567", "whatsapp:+9779841234567"), before normalising.
MAX_PHONE_CHARS = 40
# A person's name.
MAX_NAME_CHARS = 200
# Free text staff type over WhatsApp or the back office: incident reports, trip notes.
MAX_NOTE_CHARS = 2000
# Why a lead was lost or a request refused.
MAX_REASON_CHARS = 500
# The body of one WhatsApp text message (the same for Meta, 360dialog and Twilio).
MAX_MESSAGE_CHARS = 4096
# Money amounts are stored as numeric(12, 2).
MAX_MONEY = Decimal("9999999999.99")
