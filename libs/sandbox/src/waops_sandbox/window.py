"""WhatsApp's customer-service window, as the sandbox can enforce it (off by default).

A business may send a free-form message to a person only within 24 hours of that person's
last message; outside it only a template goes through. The sandbox knows when each person
last wrote because its phone sends those messages (``/_sandbox/phone/send``, at the message's
``timestamp`` when one is given). ``POST /_sandbox/window {"enforce": true}`` turns the rule
on: the send APIs then refuse a non-template message to a phone outside its window with the
provider's own error (Meta and 360dialog: Graph error 131047 "Re-engagement message";
Twilio: 63016). Off, nothing is refused, so tests that never wrote from the phone are
unaffected. ``GET /_sandbox/window`` shows the setting, the last inbound times and what was
refused.

The real providers usually accept such a request and report the failure afterwards in a
status webhook; the sandbox refuses at once, the stricter reading a client must handle too.
Phones are keyed by their digits alone: the sandbox plays one business, whichever provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from waops_sandbox.meta_payloads import digits

DEFAULT_HOURS = 24.0


@dataclass
class ServiceWindow:
    enforce: bool = False
    hours: float = DEFAULT_HOURS
    last_inbound: dict[str, datetime] = field(default_factory=dict)  # phone digits -> time
    refused: list[dict[str, Any]] = field(default_factory=list)

    def inbound(self, phone: str, at: datetime | None = None) -> None:
        """The phone wrote (at ``at``, else now): its window opens or stays open."""
        key, when = digits(phone), at or datetime.now(UTC)
        if key not in self.last_inbound or self.last_inbound[key] < when:
            self.last_inbound[key] = when

    def refuses(self, provider: str, to: str, message_type: str) -> bool:
        """Whether this send must be refused (and the refusal is remembered)."""
        if not self.enforce or message_type in ("template", "read"):
            return False
        now = datetime.now(UTC)
        last = self.last_inbound.get(digits(to))
        if last is not None and now < last + timedelta(hours=self.hours):
            return False
        self.refused.append(
            {"provider": provider, "to": digits(to), "type": message_type, "at": now.isoformat()}
        )
        return True

    def as_json(self) -> dict[str, Any]:
        return {
            "enforce": self.enforce,
            "hours": self.hours,
            "last_inbound": {k: v.isoformat() for k, v in self.last_inbound.items()},
            "refused": self.refused,
        }


WINDOW = web.AppKey("sandbox_window", ServiceWindow)


def inbound_time(timestamp: Any) -> datetime | None:
    """A phone message's ``timestamp`` (Unix seconds, as in Meta's webhooks) as a time."""
    if timestamp is None:
        return None
    try:
        return datetime.fromtimestamp(int(timestamp), UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise web.HTTPBadRequest(text='"timestamp" must be Unix seconds') from exc


async def set_window(request: web.Request) -> web.Response:
    try:
        data = await request.json() if request.can_read_body else {}
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("enforce"), bool):
        raise web.HTTPBadRequest(text='give {"enforce": true|false} (and optionally "hours")')
    hours = data.get("hours", DEFAULT_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
        raise web.HTTPBadRequest(text='"hours" must be a number above 0')
    window = request.app[WINDOW]
    window.enforce, window.hours = data["enforce"], float(hours)
    return web.json_response(window.as_json())


async def get_window(request: web.Request) -> web.Response:
    return web.json_response(request.app[WINDOW].as_json())


def install(app: web.Application) -> ServiceWindow:
    window = ServiceWindow()
    app[WINDOW] = window
    app.router.add_post("/_sandbox/window", set_window)
    app.router.add_get("/_sandbox/window", get_window)
    return window
