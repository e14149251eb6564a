"""Payments on real PostgreSQL and RabbitMQ: links, the signed gateway webhook (delivered
twice: one payment), deposit → CONFIRMED, balance → FULL_PAID, reminders exactly once."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from core.handlers.payments import balance_reminders
from waops_sandbox import SandboxConfig, create_sandbox_app

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import booked, new_departure
from sales_support import (
    account,
    converted,
    deliver,
    gateway_event,
    link,
    signature,
)

pytestmark = pytest.mark.integration

RECEIVED = "waops.payment.received.v1"
FULLY_PAID = "waops.payment.fully_paid.v1"
BALANCE_DUE = "waops.payment.balance_due.v1"


async def outbox(core: Any, event_type: str) -> int:
    return int(
        await core.scalar("SELECT count(*) FROM outbox WHERE routing_key = :t", t=event_type)
    )


async def test_a_deposit_link_asks_for_30_percent_and_makes_the_booking_payment_pending(
    core: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    async with core.capture("waops.payment.link_created.v1") as captured:
        status, made = await link(core, booking["id"])
        assert status == 201, made
        assert (made["kind"], made["amount"], made["currency"]) == ("DEPOSIT", "1305.00", "USD")
        url = urlsplit(made["url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == (
            f"http://127.0.0.1:8090/_sandbox/pay/{made['id']}"
        )
        assert parse_qs(url.query) == {
            "amount": ["1305.00"],
            "currency": ["USD"],
            "booking": [booking["reference"]],
            "tenant": ["demo"],
        }
        # Never beyond the hold: paying later would pay for seats no longer held.
        hold_expiry = datetime.fromisoformat(booking["hold"]["expires_at"])
        assert datetime.fromisoformat(made["expires_at"]) <= hold_expiry
        [event] = await captured.wait_for("waops.payment.link_created.v1")
        assert event.subject == f"BOOKING/{booking['id']}"
        assert (event.data["link_id"], event.data["url"]) == (made["id"], made["url"])
        assert event.data["booking_reference"] == booking["reference"]
        assert event.data["customer_phone"] == booking["customer_phone"]
    after = (await core.get(f"/v1/bookings/{booking['id']}"))[1]["booking"]
    assert after["state"] == "PAYMENT_PENDING"
    status, full = await link(core, booking["reference"], "FULL")  # by reference too
    assert (status, full["amount"]) == (201, "4350.00")
    acct = await account(core, booking["id"])
    assert [x["id"] for x in acct["links"]] == [made["id"], full["id"]]
    assert (acct["status"], acct["paid"], acct["balance"]) == ("UNPAID", "0.00", "4350.00")


async def test_links_are_refused_for_unknown_unpayable_or_settled_bookings(
    core: Any, enquiry: dict[str, Any]
) -> None:
    status, err = await link(core, str(uuid.uuid4()))
    assert (status, err["error"]["code"]) == (404, "BOOKING_NOT_FOUND")
    booking = (await converted(core, enquiry))["booking"]
    status, err = await core.send(
        "POST", f"/v1/bookings/{booking['id']}/payment-links", {"kind": "HALF"}
    )
    assert (status, err["error"]["code"]) == (400, "INVALID_REQUEST")
    assert (await core.send("POST", f"/v1/bookings/{booking['id']}/cancel", {}))[0] == 200
    status, err = await link(core, booking["id"])
    assert (status, err["error"]["code"]) == (409, "BOOKING_NOT_PAYABLE")
    status, err = await core.get(f"/v1/bookings/{booking['id']}/payments", tenant="other")
    assert (status, err["error"]["code"]) == (404, "BOOKING_NOT_FOUND")


async def test_an_account_not_opened_yet_shows_the_booking_unpaid(core: Any) -> None:
    departure = await new_departure(core, 10)
    booking = await booked(core, departure["id"], 2)
    acct = await account(core, booking["id"])
    assert (acct["total"], acct["deposit"], acct["paid"]) == ("2900.00", "870.00", "0.00")
    start = date.fromisoformat(departure["start_date"])
    assert acct["due_date"] == (start - timedelta(days=30)).isoformat()
    assert (acct["status"], acct["payments"], acct["links"]) == ("UNPAID", [], [])


async def test_the_deposit_confirms_the_booking_and_the_balance_settles_it(
    core: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, deposit = await link(core, booking["id"])
    kinds = (RECEIVED, FULLY_PAID, "waops.booking.confirmed.v1")
    async with core.capture(*kinds) as captured:
        status, answer = await deliver(core, gateway_event(deposit["id"], "1305.00"))
        assert (status, answer["outcome"]) == (200, "recorded"), answer
        assert answer["payment"]["amount"] == "1305.00"
        after = (await core.get(f"/v1/bookings/{booking['id']}"))[1]["booking"]
        assert after["state"] == "CONFIRMED"
        acct = await account(core, booking["id"])
        assert (acct["status"], acct["paid"], acct["balance"]) == (
            "DEPOSIT_PAID",
            "1305.00",
            "3045.00",
        )
        [received] = await captured.wait_for(RECEIVED)
        assert received.tenantid == "demo"
        assert received.data["booking_reference"] == booking["reference"]
        assert received.data["customer_phone"] == booking["customer_phone"]
        assert (received.data["amount"], received.data["paid_total"]) == ("1305.00", "1305.00")
        assert (received.data["balance"], received.data["status"]) == ("3045.00", "DEPOSIT_PAID")
        assert received.data["due_date"] == acct["due_date"]
        assert received.data["booking_state"] == "CONFIRMED"
        [confirmed] = await captured.wait_for("waops.booking.confirmed.v1")
        assert confirmed.data["booking_id"] == booking["id"]

        status, balance = await link(core, booking["id"], "BALANCE")
        assert (status, balance["amount"]) == (201, "3045.00")
        status, err = await link(core, booking["id"], "DEPOSIT")
        assert (status, err["error"]["code"]) == (409, "PAYMENT_NOT_DUE")
        # The customer pays a little more than asked: recorded as overpaid.
        status, answer = await deliver(core, gateway_event(balance["id"], "3100.00"))
        assert status == 200, answer
        acct = await account(core, booking["id"])
        assert (acct["status"], acct["paid"], acct["balance"], acct["overpaid"]) == (
            "FULL_PAID",
            "4405.00",
            "0.00",
            "55.00",
        )
        assert len(acct["payments"]) == 2
        [fully] = await captured.wait_for(FULLY_PAID)
        assert (fully.data["paid_total"], fully.data["overpaid"]) == ("4405.00", "55.00")
        status, err = await link(core, booking["id"], "BALANCE")
        assert (status, err["error"]["code"]) == (409, "PAYMENT_NOT_DUE")
    assert await outbox(core, FULLY_PAID) == 1


async def test_the_webhook_delivered_twice_records_one_payment(
    core: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, made = await link(core, booking["id"])
    event = gateway_event(made["id"], "1305.00")
    first = await deliver(core, event)
    again = await deliver(core, {**event, "id": "evt_redelivered"})
    assert first[0] == again[0] == 200
    assert (first[1]["outcome"], again[1]["outcome"]) == ("recorded", "duplicate")
    assert again[1]["payment"] == first[1]["payment"]
    # And many at once (a gateway retrying while the first is in flight).
    second = gateway_event(made["id"], "10.00")
    answers = await asyncio.gather(*(deliver(core, second) for _ in range(6)))
    assert [status for status, _ in answers] == [200] * 6
    assert sorted(a["outcome"] for _, a in answers) == ["duplicate"] * 5 + ["recorded"]
    assert len({a["payment"]["id"] for _, a in answers}) == 1
    assert await core.scalar("SELECT count(*) FROM payments") == 2
    assert (await account(core, booking["id"]))["paid"] == "1315.00"
    assert await outbox(core, RECEIVED) == 2


@pytest.mark.parametrize(
    "tamper",
    ["missing", "wrong-secret", "altered-body", "not-sha256", "garbage"],
)
async def test_an_unsigned_or_altered_webhook_is_401_and_records_nothing(
    core: Any, enquiry: dict[str, Any], tamper: str
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, made = await link(core, booking["id"])
    event = gateway_event(made["id"], "1305.00")
    body = json.dumps(event).encode()
    header: str | None = {
        "missing": None,
        "wrong-secret": signature(body, "another-secret"),
        "altered-body": signature(body),
        "not-sha256": signature(body).replace("sha256=", "sha1="),
        "garbage": "sha256=zz",
    }[tamper]
    if tamper == "altered-body":
        body = body.replace(b'"1305.00"', b'"9999.00"')
    status, err = await deliver(core, event, header=header, raw=body)
    assert (status, err["error"]["code"]) == (401, "INVALID_SIGNATURE")
    assert await core.scalar("SELECT count(*) FROM payments") == 0
    assert (await account(core, booking["id"]))["paid"] == "0.00"
    status, ok = await deliver(core, event)  # the genuine one still goes through
    assert (status, ok["outcome"]) == (200, "recorded")


async def test_the_signature_is_checked_before_the_body_is_read(core: Any) -> None:
    """An unsigned body is refused as unsigned whatever it holds: nothing in it is parsed,
    so a prober learns nothing about the webhook's schema."""
    for raw in (b"{not json", b'{"id": 1}', b""):
        status, err = await deliver(core, {}, header=None, raw=raw)
        assert (status, err["error"]["code"]) == (401, "INVALID_SIGNATURE"), raw
    status, err = await deliver(core, {}, raw=b"{not json")  # signed, but malformed
    assert (status, err["error"]["code"]) == (400, "INVALID_JSON")


async def test_webhooks_for_unknown_links_or_currencies_are_refused(
    core: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, made = await link(core, booking["id"])
    for event, code in (
        (gateway_event(str(uuid.uuid4()), "10.00"), "UNKNOWN_PAYMENT_LINK"),
        (gateway_event("not-a-link", "10.00"), "UNKNOWN_PAYMENT_LINK"),
        (gateway_event(made["id"], "10.00", tenant="another-operator"), "UNKNOWN_PAYMENT_LINK"),
        (gateway_event(made["id"], "10.00", currency="EUR"), "CURRENCY_MISMATCH"),
    ):
        status, err = await deliver(core, event)
        assert (status, err["error"]["code"]) == (422, code)
    other = {**gateway_event(made["id"], "10.00"), "type": "payment.failed"}
    status, answer = await deliver(core, other)
    assert (status, answer) == (200, {"outcome": "ignored", "payment": None})
    assert await core.scalar("SELECT count(*) FROM payments") == 0


async def test_money_for_a_booking_cancelled_meanwhile_is_still_recorded(
    core: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, made = await link(core, booking["id"])
    assert (await core.send("POST", f"/v1/bookings/{booking['id']}/cancel", {}))[0] == 200
    async with core.capture(RECEIVED) as captured:
        status, answer = await deliver(core, gateway_event(made["id"], "1305.00"))
        assert (status, answer["outcome"]) == (200, "recorded")
        [event] = await captured.wait_for(RECEIVED)
        assert event.data["booking_state"] == "CANCELLED"  # operations refunds or rebooks
    after = (await core.get(f"/v1/bookings/{booking['id']}"))[1]["booking"]
    assert after["state"] == "CANCELLED"


async def test_balance_reminders_go_out_once_per_due_date(
    core: Any, enquiry: dict[str, Any]
) -> None:
    paid_up = (await converted(core, enquiry))["booking"]
    owing = (await converted(core, enquiry))["booking"]
    for booking, amount in ((paid_up, "4350.00"), (owing, "1305.00")):
        _, made = await link(core, booking["id"], "FULL" if amount == "4350.00" else "DEPOSIT")
        assert (await deliver(core, gateway_event(made["id"], amount)))[0] == 200
    acct = await account(core, owing["id"])
    due = date.fromisoformat(acct["due_date"])
    sweep = balance_reminders(core.settings)
    engine, writer = core.runtime.engine, core.runtime.writer
    now = core.deps.clock.now()
    assert (due - now.date()).days > 7
    assert await sweep(engine, writer, now) == 0  # not within the reminder window yet

    later = now + timedelta(days=(due - now.date()).days - 6)  # 6 days before it is due
    async with core.capture(BALANCE_DUE) as captured:
        handled = await asyncio.gather(*(sweep(engine, writer, later) for _ in range(3)))
        assert sum(handled) == 1  # replicas side by side: one reminder
        assert await sweep(engine, writer, later + timedelta(days=1)) == 0  # once per due date
        [event] = await captured.wait_for(BALANCE_DUE)
        assert event.subject == f"BOOKING/{owing['id']}"
        assert (event.data["booking_reference"], event.data["due_date"]) == (
            owing["reference"],
            acct["due_date"],
        )
        assert (event.data["balance"], event.data["status"]) == ("3045.00", "DEPOSIT_PAID")
        assert event.data["customer_phone"] == owing["customer_phone"]
    assert await outbox(core, BALANCE_DUE) == 1
    # Through the core's own sweeper, with its clock moved on: still nothing new.
    core.deps.clock.advance(later - now + timedelta(days=2))
    assert (await core.deps.sweeper.run_once())["payments.balance_reminders"] == 0


@pytest_asyncio.fixture
async def gateway(core: Any) -> AsyncIterator[TestClient[Any, Any]]:
    """The sandbox's payment page, sending its webhooks to the core under test."""
    config = SandboxConfig(
        access_token="t",
        app_secret="s",
        phone_number_id="1",
        display_phone_number="+977 1 5550100",
        payment_webhook_url=str(core.client.make_url("/v1/payments/webhook")),
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_sandbox_app(config)))
    await client.start_server()
    yield client
    await client.close()


async def test_paying_on_the_sandbox_page_twice_delivered_makes_one_payment(
    core: Any, gateway: Any, enquiry: dict[str, Any]
) -> None:
    booking = (await converted(core, enquiry))["booking"]
    _, made = await link(core, booking["id"])
    url = urlsplit(made["url"])
    page = await gateway.get(f"{url.path}?{url.query}")
    assert page.status == 200 and "Pay" in await page.text()
    resp = await gateway.post(f"{url.path}?{url.query}", json={"repeat": 2})
    assert resp.status == 200
    result = await resp.json()
    assert [d["status"] for d in result["deliveries"]] == [200, 200]
    assert [d["body"]["outcome"] for d in result["deliveries"]] == ["recorded", "duplicate"]
    assert result["event"]["data"]["metadata"] == {
        "tenant": "demo",
        "booking": booking["reference"],
    }
    assert await core.scalar("SELECT count(*) FROM payments") == 1
    acct = await account(core, booking["id"])
    assert (acct["paid"], acct["status"], acct["booking_state"]) == (
        "1305.00",
        "DEPOSIT_PAID",
        "CONFIRMED",
    )


async def test_no_link_for_a_hold_that_lapsed_before_the_sweep_ran(
    core: Any, enquiry: dict[str, Any]
) -> None:
    await core.deps.sweeper.stop()  # the hold lapses, its expiry is not swept yet
    booking = (await converted(core, enquiry))["booking"]
    core.deps.clock.advance(timedelta(hours=25))  # WAOPS_CORE_HOLD_HOURS: 24
    status, err = await link(core, booking["id"])
    assert (status, err["error"]["code"]) == (409, "HOLD_EXPIRED")
    after = (await core.get(f"/v1/bookings/{booking['id']}"))[1]["booking"]
    assert after["state"] == "HELD"  # refused as a whole: not even PAYMENT_PENDING
