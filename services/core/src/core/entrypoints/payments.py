"""Payments over HTTP: payment links for a booking, its account, and the gateway's webhook.

The webhook (ADR 0016) is signed: ``X-Waops-Gateway-Signature: sha256=<hex>``, the
HMAC-SHA256 of the raw body with WAOPS_PAYMENT_WEBHOOK_SECRET, checked in constant time
before anything in the body is believed. It is idempotent by the gateway's payment id.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from waops_service_kit.api import Call, Reply, Routes

from core.domain.errors import DomainError
from core.entrypoints.context import use_case
from core.entrypoints.deps import DEPS
from core.handlers.payments import (
    account_of_booking,
    balance_reminders,
    create_payment_link,
    receive_payment,
)

__all__ = ["balance_reminders", "routes"]  # the bootstrap registers the sweep from here

routes = Routes(tag="payments", description="Payment links, accounts and the gateway webhook")

SIGNATURE_HEADER = "X-Waops-Gateway-Signature"
SUCCEEDED = "payment.succeeded"

LinkKind = Literal["DEPOSIT", "FULL", "BALANCE"]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Unauthenticated(DomainError):
    status = 401


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: LinkKind = Field(
        default="DEPOSIT",
        description="DEPOSIT (what is missing of it), FULL (the total, before any payment) "
        "or BALANCE (what is left)",
    )


class LinkView(BaseModel):
    id: str
    booking_id: str
    booking_reference: str | None = None
    kind: LinkKind
    amount: str
    currency: str
    url: str = Field(description="the gateway's payment page for this link")
    expires_at: str
    created_at: str


class PaymentView(BaseModel):
    id: str
    booking_id: str
    link_id: str | None
    gateway_payment_id: str
    amount: str
    currency: str
    paid_at: str
    received_at: str


class AccountView(BaseModel):
    booking_id: str
    booking_reference: str
    booking_state: str
    quote_id: str | None
    currency: str
    total: str
    deposit: str
    paid: str
    balance: str
    overpaid: str
    due_date: str = Field(description="when the balance is due")
    status: Literal["UNPAID", "DEPOSIT_PAID", "FULL_PAID"]
    payments: list[PaymentView]
    links: list[LinkView]


class GatewayPayment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    payment_id: Text
    link_id: Text
    amount: Money
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
    paid_at: AwareDatetime
    metadata: dict[str, Any] = Field(default_factory=dict)


class GatewayEvent(BaseModel):
    """The gateway's webhook body (what ``waops_sandbox.payments`` sends)."""

    model_config = ConfigDict(extra="ignore")
    id: Text
    type: Text
    created: AwareDatetime | None = None
    data: GatewayPayment


class WebhookAnswer(BaseModel):
    outcome: Literal["recorded", "duplicate", "ignored"]
    payment: PaymentView | None


@routes.post(
    "/v1/bookings/{booking}/payment-links",
    body=LinkRequest,
    response=LinkView,
    status=201,
    errors=(
        (404, "BOOKING_NOT_FOUND"),
        (409, "BOOKING_NOT_PAYABLE"),
        (409, "PAYMENT_NOT_DUE"),
        (409, "PAYMENT_LINK_KIND_NOT_ALLOWED"),
        (409, "HOLD_EXPIRED"),
    ),
)
async def post_payment_link(call: Call) -> dict[str, Any]:
    """A payment link for the deposit, the full amount or the balance (a HELD booking
    becomes PAYMENT_PENDING); payment.link_created."""
    return await create_payment_link(use_case(call), call.path["booking"], call.body.kind)


@routes.get(
    "/v1/bookings/{booking}/payments", response=AccountView, errors=((404, "BOOKING_NOT_FOUND"),)
)
async def get_payments(call: Call) -> dict[str, Any]:
    """The booking's account: total, paid, balance, due date, status, payments and links."""
    return await account_of_booking(use_case(call), call.path["booking"])


def _signed(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.isascii() or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().encode())


def verify_gateway_signature(request: web.Request, raw: bytes) -> None:
    """Run by the API kit on the exact bytes received, before the body is parsed."""
    secret = request.app[DEPS].settings.payment_webhook_secret
    if not _signed(secret, raw, request.headers.get(SIGNATURE_HEADER)):
        raise Unauthenticated(
            "INVALID_SIGNATURE", f"missing or wrong {SIGNATURE_HEADER}: not from the gateway"
        )


@routes.post(
    "/v1/payments/webhook",
    body=GatewayEvent,
    response=WebhookAnswer,
    idempotency="none",
    tenant=False,
    authenticate=verify_gateway_signature,
    errors=(
        (401, "INVALID_SIGNATURE"),
        (422, "UNKNOWN_PAYMENT_LINK"),
        (422, "CURRENCY_MISMATCH"),
    ),
)
async def payment_webhook(call: Call) -> Reply:
    """The payment gateway reports a payment (signed; delivered again, it is recorded once)."""
    event: GatewayEvent = call.body  # signature already verified by the kit
    if event.type != SUCCEEDED:
        return Reply({"outcome": "ignored", "payment": None})
    data = event.data
    tenant = data.metadata.get("tenant")
    payment, new = await receive_payment(
        use_case(call),
        event_id=event.id,
        gateway_payment_id=data.payment_id,
        link_id=data.link_id,
        amount=data.amount,
        currency=data.currency,
        paid_at=data.paid_at,
        metadata_tenant=tenant if isinstance(tenant, str) else None,
    )
    return Reply({"outcome": "recorded" if new else "duplicate", "payment": payment})
