"""How the sandbox misbehaves on purpose, the way real providers do.

- Faults (``POST /_sandbox/faults``): the next ``times`` sends to a provider's send API (or to
  any of them, without ``provider``) answer an HTTP status and/or a provider error code, after
  an optional delay; a delay alone makes a send slow but successful (to test timeouts). Each
  send API renders the fault in its own error format (Graph error body for Meta and
  360dialog, Twilio's ``{code, message, more_info, status}``).
- Status callbacks (``POST /_sandbox/statuses``): after each accepted send, the sandbox can
  play the recipient's phone and report ``sent``, ``delivered`` and ``read`` to the adapter in
  the provider's webhook format: ``in_order``, ``shuffled`` (out of order), or ``duplicated``
  (every webhook twice), each ``delay`` seconds apart. ``off`` (the default) sends nothing, so
  tests that drive statuses by hand see only their own.
Every accepted send is recorded (``/_sandbox/sent``) through ``Misbehaviour.record`` so the
status callbacks follow any provider's sends alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from waops_sandbox import graph
from waops_sandbox.http_input import json_object

Provider = Literal["meta", "360dialog", "twilio"]
PROVIDERS: tuple[Provider, ...] = ("meta", "360dialog", "twilio")
StatusMode = Literal["off", "in_order", "shuffled", "duplicated"]
STATUS_MODES: tuple[StatusMode, ...] = ("off", "in_order", "shuffled", "duplicated")
LIFECYCLE = ("sent", "delivered", "read")


@dataclass
class Fault:
    """The next ``times`` sends answer ``status``/``error_code`` after ``delay`` seconds.

    With neither status nor error_code the send succeeds, only late (to test timeouts).
    ``provider`` limits the fault to one provider's send API; ``None`` hits whichever is next.
    """

    status: int | None = None
    error_code: int | None = None
    times: int = 1
    delay: float = 0.0
    provider: Provider | None = None

    @property
    def fails(self) -> bool:
        return self.status is not None or self.error_code is not None

    def error(self) -> graph.GraphError | None:
        """The fault as the Graph API (Meta, 360dialog) would answer it."""
        if self.error_code is not None:
            return graph.error_for_code(self.error_code, self.status)
        if self.status is not None:
            code = 4 if self.status == 429 else 2 if self.status >= 500 else 100
            return graph.error_for_code(code, self.status)
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error_code": self.error_code,
            "times": self.times,
            "delay": self.delay,
            "provider": self.provider,
        }


@dataclass
class StatusPlan:
    mode: StatusMode = "off"
    delay: float = 0.0

    def sequence(self, rng: random.Random) -> list[tuple[str, int]]:
        """Which statuses to report, in which order, each how many times (same bytes)."""
        if self.mode == "off":
            return []
        statuses = list(LIFECYCLE)
        if self.mode == "shuffled":
            while statuses == list(LIFECYCLE):  # out of order for sure
                rng.shuffle(statuses)
        copies = 2 if self.mode == "duplicated" else 1
        return [(status, copies) for status in statuses]


# Delivers one status webhook for a recorded send, ``copies`` times the same bytes:
# (app, record, status, copies) -> one result per copy.
StatusDeliverer = Callable[[web.Application, dict[str, Any], str, int], Awaitable[list[Any]]]


@dataclass
class Misbehaviour:
    sent: list[dict[str, Any]]
    faults: deque[Fault] = field(default_factory=deque)
    statuses: StatusPlan = field(default_factory=StatusPlan)
    deliverer: StatusDeliverer | None = None
    delivered: list[dict[str, Any]] = field(default_factory=list)  # what the callbacks did
    rng: random.Random = field(default_factory=random.Random)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def next_fault(self, provider: Provider) -> Fault | None:
        fault = next((f for f in self.faults if f.provider in (None, provider)), None)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            self.faults.remove(fault)
        return fault

    async def fault_for(self, provider: Provider) -> Fault | None:
        """The fault this send must answer with (after its delay), or None to go on."""
        fault = self.next_fault(provider)
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return fault if fault.fails else None

    def record(self, app: web.Application, record: dict[str, Any]) -> None:
        """Remember an accepted send and, if asked to, report its statuses later."""
        self.sent.append(record)
        sequence = self.statuses.sequence(self.rng)
        if sequence and record.get("to"):
            task = asyncio.get_running_loop().create_task(
                self._play(app, record, sequence, self.statuses.delay)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _play(
        self,
        app: web.Application,
        record: dict[str, Any],
        sequence: list[tuple[str, int]],
        delay: float,
    ) -> None:
        deliver = self.deliverer or default_deliverer
        for status, copies in sequence:
            if delay:
                await asyncio.sleep(delay)
            try:
                results = await deliver(app, record, status, copies)
            except Exception as exc:  # the adapter may be down: report, do not crash
                results = [{"error": repr(exc)}]
            for result in results:
                self.delivered.append(
                    {
                        "id": record["id"],
                        "provider": record["provider"],
                        "status": status,
                        **_dict(result),
                    }
                )

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task


def _dict(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else {"result": result}


async def default_deliverer(
    app: web.Application, record: dict[str, Any], status: str, copies: int
) -> list[Any]:
    """A status webhook in the send's provider format, posted by the phone's deliverers:
    Meta's and 360dialog's ``statuses`` webhook, Twilio's status callback (to the send's
    ``StatusCallback`` when it gave one, as Twilio does). Imported late: the phone side
    owns building, signing and posting webhooks."""
    from waops_sandbox import meta_payloads, phone, twilio_payloads

    config = app[phone.PHONE].config
    results: list[Any] = []
    if record["provider"] == "twilio":
        params = twilio_payloads.status_params(
            account_sid=config.twilio_account_sid,
            from_=config.twilio_whatsapp_number,
            to=record["to"],
            message_sid=record["id"],
            status=status,
        )
        for _ in range(copies):
            results.append(
                await phone.deliver_twilio(app, params, url=record.get("status_callback"))
            )
        return results
    payload = meta_payloads.status_webhook(
        config.phone_number_id,
        config.display_phone_number,
        message_id=record["id"],
        recipient_id=record["to"],
        status=status,
        biz_opaque_callback_data=(record.get("request") or {}).get("biz_opaque_callback_data"),
    )
    deliver = phone.deliver_d360 if record["provider"] == "360dialog" else phone.deliver_meta
    for _ in range(copies):
        results.append(await deliver(app, payload))
    return results


MISBEHAVIOUR = web.AppKey("sandbox_misbehaviour", Misbehaviour)


def _optional_int(data: dict[str, Any], name: str) -> int | None:
    return int(data[name]) if data.get(name) is not None else None


async def add_fault(request: web.Request) -> web.Response:
    data = await json_object(request)
    provider = data.get("provider")
    if provider is not None and provider not in PROVIDERS:
        raise web.HTTPBadRequest(text=f"provider must be one of {', '.join(PROVIDERS)}")
    try:
        fault = Fault(
            status=_optional_int(data, "status"),
            error_code=_optional_int(data, "error_code"),
            times=int(data.get("times", 1)),
            delay=float(data.get("delay", 0.0)),
            provider=provider,
        )
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"bad fault: {exc}") from exc
    if fault.times < 1 or fault.delay < 0:
        raise web.HTTPBadRequest(text="bad fault: times must be >= 1 and delay >= 0")
    request.app[MISBEHAVIOUR].faults.append(fault)
    return web.json_response({"queued": fault.as_json()})


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response([f.as_json() for f in request.app[MISBEHAVIOUR].faults])


async def clear_faults(request: web.Request) -> web.Response:
    request.app[MISBEHAVIOUR].faults.clear()
    return web.json_response({"cleared": True})


async def set_statuses(request: web.Request) -> web.Response:
    data = await json_object(request)
    mode = data.get("mode", "off")
    if mode not in STATUS_MODES:
        raise web.HTTPBadRequest(text=f"mode must be one of {', '.join(STATUS_MODES)}")
    try:
        delay = float(data.get("delay", 0.0))
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"bad delay: {exc}") from exc
    if delay < 0:
        raise web.HTTPBadRequest(text="delay must be >= 0")
    misbehaviour = request.app[MISBEHAVIOUR]
    misbehaviour.statuses = StatusPlan(mode=mode, delay=delay)
    return web.json_response({"mode": mode, "delay": delay})


async def get_statuses(request: web.Request) -> web.Response:
    misbehaviour = request.app[MISBEHAVIOUR]
    return web.json_response(
        {
            "mode": misbehaviour.statuses.mode,
            "delay": misbehaviour.statuses.delay,
            "delivered": misbehaviour.delivered,
        }
    )


def install(app: web.Application, sent: list[dict[str, Any]]) -> Misbehaviour:
    """Put the faults and status callbacks on ``app``, recording sends into ``sent``."""
    misbehaviour = Misbehaviour(sent=sent)
    app[MISBEHAVIOUR] = misbehaviour

    async def close(_: web.Application) -> None:
        await misbehaviour.close()

    app.on_shutdown.append(close)  # before the client session closes (cleanup)
    app.router.add_post("/_sandbox/faults", add_fault)
    app.router.add_get("/_sandbox/faults", list_faults)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_post("/_sandbox/statuses", set_statuses)
    app.router.add_get("/_sandbox/statuses", get_statuses)
    return misbehaviour
