"""Helpers for the pipeline, quotes and payments tests (not a test module)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from inventory_support import new_departure

SECRET = "sandbox-payment-secret"  # WAOPS_PAYMENT_WEBHOOK_SECRET's default
SIGNATURE = "X-Waops-Gateway-Signature"
SALES_REP = "+9779800000001"


async def new_lead(core: Any, enquiry: dict[str, Any], **changes: Any) -> dict[str, Any]:
    status, body, _ = await core.post_lead({**enquiry, **changes})
    assert status == 201, body
    return dict(body["lead"])


async def move(
    core: Any, lead_id: str, action: str, body: Any = None, **kw: Any
) -> tuple[int, dict[str, Any]]:
    return await core.send("POST", f"/v1/leads/{lead_id}/{action}", body, **kw)  # type: ignore[no-any-return]


async def quote(core: Any, lead_id: str, departure_id: str, **body: Any) -> dict[str, Any]:
    status, answer = await move(
        core, lead_id, "quotes", {"departure_id": departure_id, **body}, actor=SALES_REP
    )
    assert status == 201, answer
    return dict(answer)


async def converted(
    core: Any, enquiry: dict[str, Any], *, capacity: int = 12, **lead: Any
) -> dict[str, Any]:
    """A qualified lead converted into a HELD booking on a new departure (no quote)."""
    created = await new_lead(core, enquiry, **lead)
    departure = await new_departure(core, capacity)
    assert (await move(core, created["id"], "qualify"))[0] == 200
    status, answer = await move(
        core, created["id"], "convert", {"departure_id": departure["id"]}, key=str(uuid.uuid4())
    )
    assert status == 201, answer
    return dict(answer)


def gateway_event(
    link_id: str,
    amount: str,
    *,
    currency: str = "USD",
    payment_id: str | None = None,
    tenant: str = "demo",
) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "payment.succeeded",
        "created": "2025-01-10T10:00:00+00:00",
        "data": {
            "payment_id": payment_id or f"pay_{uuid.uuid4().hex}",
            "link_id": link_id,
            "amount": amount,
            "currency": currency,
            "paid_at": "2025-01-10T10:00:00+00:00",
            "metadata": {"tenant": tenant, "booking": "whatever"},
        },
    }


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def deliver(
    core: Any, event: dict[str, Any], *, header: str | None = "sign", raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """POST the gateway's webhook: signed (default), with ``header`` as given, or none."""
    body = raw if raw is not None else json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        headers[SIGNATURE] = signature(body)
    elif header is not None:
        headers[SIGNATURE] = header
    resp = await core.client.post("/v1/payments/webhook", data=body, headers=headers)
    return resp.status, await resp.json()


async def link(core: Any, booking_id: str, kind: str = "DEPOSIT") -> tuple[int, dict[str, Any]]:
    return await core.send(  # type: ignore[no-any-return]
        "POST", f"/v1/bookings/{booking_id}/payment-links", {"kind": kind}, actor=SALES_REP
    )


async def account(core: Any, booking_id: str) -> dict[str, Any]:
    status, answer = await core.get(f"/v1/bookings/{booking_id}/payments")
    assert status == 200, answer
    return dict(answer)
