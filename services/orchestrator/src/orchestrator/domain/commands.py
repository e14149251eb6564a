"""What each command takes: its arguments, validated the same way whoever asked.

A command from a conversation carries ``args``; one from the back-office API is built from
the request's path and body. Both are read with the model named here, so the two doors take
exactly the same arguments (the API rejects unknown fields, a conversation's extra context
is ignored). Ids and references end up in the core's URL paths, so they are restricted to
characters that cannot change a path.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from waops_contracts.limits import (
    MAX_MONEY,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_PARTY_SIZE,
    MAX_PHONE_CHARS,
    MAX_REASON_CHARS,
    MIN_PARTY_SIZE,
)
from waops_contracts.references import parse_trip_reference

from orchestrator.domain.permissions import refuse

INVALID_ARGUMENTS = "INVALID_ARGUMENTS"


def trip_key(value: str) -> str:
    """A trip's id, or its reference as the core knows it: ``ebc251005`` -> ``EBC-251005``."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        pass
    return parse_trip_reference(value) or value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# An id (uuid) or a reference (EBC-2501234, EBC-251005): safe as one URL path segment.
Key = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
    ),
]
TripKey = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(trip_key),
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE_CHARS)
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PHONE_CHARS)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS)
]
Pax = Annotated[int, Field(ge=MIN_PARTY_SIZE, le=MAX_PARTY_SIZE)]
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, decimal_places=2)]
Severity = Annotated[Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"], BeforeValidator(_upper)]


class Args(BaseModel):
    """Arguments of one command (conversations may add context: unknown fields are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class CreateLeadArgs(Args):
    # Checked by the core (it knows the tours); staff may name the customer.
    tour_code: str | None = None
    pax: int | None = None
    travel_month: str | None = None
    travel_date: date | None = None
    customer_phone: Phone | None = None
    customer_name: Name | None = None


class LeadArgs(Args):
    lead_id: Key


class JoinWaitlistArgs(Args):
    departure_id: Key
    pax: Pax
    lead_id: Key | None = None
    customer_phone: Phone | None = None  # staff: whose place it is (or the lead's customer)
    customer_name: Name | None = None


class BookingStatusArgs(Args):
    reference: Key


class WaitlistOfferArgs(Args):
    entry_id: Key  # the waitlist place offered seats (waitlist.offered)
    booking_id: Key | None = None  # its booking, when known (else found from the entry)


class HandoffArgs(Args):
    # What the customer deals with, when anything: the rep of its lead is the one told.
    lead_id: Key | None = None
    booking_id: Key | None = None
    text: Text | None = None  # what they said they need


class TripArgs(Args):
    trip_ref: TripKey


class AnswerArgs(Args):
    trip_ref: TripKey | None = None  # the pending offer when there is only one
    reason: Text | None = None


class TripNoteArgs(TripArgs):
    note: Text | None = None


class TripUpdateArgs(TripArgs):
    text: Text


class ReportIncidentArgs(TripArgs):
    text: Text
    severity: Severity = "MEDIUM"


class ResolveIncidentArgs(TripArgs):
    text: Text | None = None


class SendQuoteArgs(Args):
    lead_id: Key
    departure_id: Key
    pax: Pax | None = None
    discount_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    discount_amount: Money | None = None


class ConvertLeadArgs(Args):
    lead_id: Key
    departure_id: Key
    quote_id: Key | None = None
    override: bool = False  # hold beyond capacity (the core allows it to managers only)
    payment_kind: Annotated[Literal["DEPOSIT", "FULL"], BeforeValidator(_upper)] = "DEPOSIT"


class PaymentLinkArgs(Args):
    booking: Key
    kind: Annotated[Literal["DEPOSIT", "FULL", "BALANCE"], BeforeValidator(_upper)] = "DEPOSIT"


class AssignStaffArgs(Args):
    trip: TripKey | None = None
    departure_id: Key | None = None
    staff_id: Key
    role: Annotated[Literal["LEAD_GUIDE", "GUIDE", "DRIVER", "PORTER"], BeforeValidator(_upper)]
    compensation_amount: Money
    currency: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{3}$")] | None = (
        None
    )

    @model_validator(mode="after")
    def _one_target(self) -> AssignStaffArgs:
        if (self.trip is None) == (self.departure_id is None):
            raise ValueError("name the trip or the departure (one of them)")
        return self


class UpdateIncidentArgs(Args):
    incident_id: Key
    text: Text
    state: Annotated[Literal["OPEN", "IN_PROGRESS", "RESOLVED"], BeforeValidator(_upper)] | None = (
        None
    )


class BroadcastArgs(Args):
    departure_id: Key
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DepartureArgs(Args):
    departure_id: Key


class DeleteLeadArgs(LeadArgs):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_CHARS)
    ]


ARGS: dict[str, type[Args]] = {
    "CreateLead": CreateLeadArgs,
    "AcceptQuote": LeadArgs,
    "JoinWaitlist": JoinWaitlistArgs,
    "CheckBookingStatus": BookingStatusArgs,
    "ConfirmWaitlistOffer": WaitlistOfferArgs,
    "DeclineWaitlistOffer": WaitlistOfferArgs,
    "RequestHandoff": HandoffArgs,
    "CheckTripStatus": TripArgs,
    "AcceptAssignment": AnswerArgs,
    "DeclineAssignment": AnswerArgs,
    "CheckIn": TripNoteArgs,
    "CheckOut": TripNoteArgs,
    "PostTripUpdate": TripUpdateArgs,
    "ReportIncident": ReportIncidentArgs,
    "ResolveIncident": ResolveIncidentArgs,
    "SendQuote": SendQuoteArgs,
    "ConvertLead": ConvertLeadArgs,
    "SendPaymentLink": PaymentLinkArgs,
    "AssignStaff": AssignStaffArgs,
    "UpdateIncident": UpdateIncidentArgs,
    "Broadcast": BroadcastArgs,
    "CloseDeparture": DepartureArgs,
    "DeleteLead": DeleteLeadArgs,
}

A = TypeVar("A", bound=Args)


def parse_args(model: type[A], args: dict[str, Any]) -> A:
    """The command's arguments, or a polite refusal naming what could not be read."""
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "arguments" for e in exc.errors()})
        raise refuse(
            INVALID_ARGUMENTS,
            "Sorry, I couldn't read that request (" + ", ".join(fields) + ").",
            422,
        ) from None
