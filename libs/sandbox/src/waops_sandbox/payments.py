"""A payment gateway's hosted page, for the core's payment links (ADR 0016).

The core's links point here (WAOPS_PAYMENT_GATEWAY_URL): ``GET /_sandbox/pay/{link_id}
?amount=&currency=&booking=&tenant=`` shows a small page with a Pay button;
``POST /_sandbox/pay/{link_id}`` (the button, or a test) "takes" the money and sends the
gateway's signed webhook to the core, like a real gateway:

    POST {payment_webhook_url}
    X-Waops-Gateway-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
    {"id": "evt_…", "type": "payment.succeeded", "created": "…",
     "data": {"payment_id": "pay_…", "link_id": "…", "amount": "435.00", "currency": "USD",
              "paid_at": "…", "metadata": {"tenant": "demo", "booking": "EBC-2501234"}}}

The POST takes (JSON or form) ``amount`` and ``currency`` (default: the link's query),
``booking``, ``tenant``, an optional ``payment_id`` (to pay "the same payment" again) and
``repeat`` (deliver the same webhook that many times: gateways deliver at least once).
The body builder and the signature live here, once; the core verifies them on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from waops_sandbox.http_input import json_object, json_or_text

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

SIGNATURE_HEADER = "X-Waops-Gateway-Signature"
SUCCEEDED = "payment.succeeded"
MAX_REPEAT = 5

PAY_CONFIG = web.AppKey("sandbox_payments_config", dict)
PAY_SESSION = web.AppKey("sandbox_payments_session", aiohttp.ClientSession)


def sign_payment(body: bytes, secret: str) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payment_succeeded(
    *,
    link_id: str,
    amount: str,
    currency: str,
    tenant: str | None = None,
    booking: str | None = None,
    payment_id: str | None = None,
    event_id: str | None = None,
    paid_at: datetime | None = None,
) -> dict[str, Any]:
    """A ``payment.succeeded`` webhook body, as the gateway sends it."""
    paid_at = paid_at or datetime.now(UTC)
    return {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "type": SUCCEEDED,
        "created": datetime.now(UTC).isoformat(),
        "data": {
            "payment_id": payment_id or f"pay_{secrets.token_hex(12)}",
            "link_id": link_id,
            "amount": amount,
            "currency": currency,
            "paid_at": paid_at.isoformat(),
            "metadata": {"tenant": tenant, "booking": booking},
        },
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sandbox payment</title></head>
<body style="font-family: sans-serif; max-width: 28em; margin: 3em auto">
<h1>Pay {amount} {currency}</h1>
<p>Booking {booking}</p>
<form method="post">
<input type="hidden" name="amount" value="{amount}">
<input type="hidden" name="currency" value="{currency}">
<input type="hidden" name="booking" value="{booking}">
<input type="hidden" name="tenant" value="{tenant}">
<button type="submit">Pay</button>
</form>
<p><small>waops sandbox: no money moves.</small></p>
</body></html>
"""


async def payment_page(request: web.Request) -> web.Response:
    q = request.query
    fields = {k: html.escape(q.get(k, "")) for k in ("amount", "currency", "booking", "tenant")}
    return web.Response(text=_PAGE.format(**fields), content_type="text/html")


async def _form(request: web.Request) -> tuple[dict[str, Any], bool]:
    """The POST's fields (JSON or form), over the link's query; and whether it was a form."""
    fields: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        return {**fields, **await json_object(request)}, False
    form = await request.post()
    return {**fields, **{k: v for k, v in form.items() if isinstance(v, str)}}, True


def _amount(raw: Any) -> str:
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise web.HTTPBadRequest(text='"amount" must be a decimal amount') from None
    if not amount.is_finite() or amount <= 0:
        raise web.HTTPBadRequest(text='"amount" must be positive')
    return str(amount.quantize(Decimal("0.01")))


async def pay(request: web.Request) -> web.StreamResponse:
    config = request.app[PAY_CONFIG]
    fields, from_form = await _form(request)
    currency = fields.get("currency")
    if not isinstance(currency, str) or len(currency) != 3:
        raise web.HTTPBadRequest(text='"currency" (3 letters) is required')
    try:
        repeat = int(fields.get("repeat", 1))
    except (TypeError, ValueError):
        raise web.HTTPBadRequest(text='"repeat" must be a number') from None
    if not 1 <= repeat <= MAX_REPEAT:
        raise web.HTTPBadRequest(text=f'"repeat" is 1 to {MAX_REPEAT}')
    payload = payment_succeeded(
        link_id=request.match_info["link_id"],
        amount=_amount(fields.get("amount")),
        currency=currency.upper(),
        tenant=fields.get("tenant") or None,
        booking=fields.get("booking") or None,
        payment_id=fields.get("payment_id") or None,
    )
    if not config["url"]:
        raise web.HTTPConflict(text="the sandbox has no payment_webhook_url configured")
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_payment(body, config["secret"]),
    }
    deliveries = []
    for _ in range(repeat):
        try:
            async with request.app[PAY_SESSION].post(
                config["url"], data=body, headers=headers
            ) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise web.HTTPBadGateway(text=f"payment webhook unreachable: {exc!r}") from exc
        deliveries.append({"status": status, "body": json_or_text(text)})
    result = {"event": payload, "deliveries": deliveries}
    if from_form:
        ok = all(200 <= d["status"] < 300 for d in deliveries)
        title = "Payment received, thank you" if ok else "The payment could not be recorded"
        return web.Response(
            text=f"<!doctype html><title>{title}</title><h1>{title}</h1>",
            content_type="text/html",
            status=200 if ok else 502,
        )
    return web.json_response(result)


def install(app: web.Application, config: SandboxConfig) -> None:
    app[PAY_CONFIG] = {"url": config.payment_webhook_url, "secret": config.payment_webhook_secret}

    async def session(app: web.Application) -> Any:
        timeout = aiohttp.ClientTimeout(total=config.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            app[PAY_SESSION] = client
            yield

    app.cleanup_ctx.append(session)
    app.router.add_get("/_sandbox/pay/{link_id}", payment_page)
    app.router.add_post("/_sandbox/pay/{link_id}", pay)
