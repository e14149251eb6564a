"""Helpers of the whole-system workflow tests: the parties' phones, the back office."""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Any

from waops_testing.poll import eventually
from waops_testing.system import TENANT, System, reply_text


def a_customer_phone() -> str:
    return "+97798" + str(uuid.uuid4().int)[:8]


class Parties:
    """What each phone has received so far, read from the sandbox's record of provider calls."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.seen: dict[str, int] = {}

    async def receives(self, phone: str, *fragments: str, what: str = "") -> str:
        """The first message to ``phone`` not seen before that contains every fragment
        (case-insensitive); messages before it are skipped, and it is marked seen."""

        async def found() -> tuple[int, str] | None:
            sent = await self.system.sent_to(phone)
            for index in range(self.seen.get(phone, 0), len(sent)):
                text = reply_text(sent[index])
                if all(f.lower() in text.lower() for f in fragments):
                    return index, text
            return None

        index, text = await eventually(
            found, timeout=45, what=what or f"a message to {phone} with {fragments}"
        )
        self.seen[phone] = index + 1
        return text

    async def receives_each(
        self, phone: str, *wanted: tuple[str, ...], what: str = ""
    ) -> list[str]:
        """One message per fragment set in ``wanted``, in whatever order they arrive (two
        notifications of independent events are not ordered), all after those seen before."""

        async def found() -> list[tuple[int, str]] | None:
            sent = await self.system.sent_to(phone)
            taken: list[tuple[int, str]] = []
            for fragments in wanted:
                match = next(
                    (
                        (i, reply_text(sent[i]))
                        for i in range(self.seen.get(phone, 0), len(sent))
                        if i not in {t[0] for t in taken}
                        and all(f.lower() in reply_text(sent[i]).lower() for f in fragments)
                    ),
                    None,
                )
                if match is None:
                    return None
                taken.append(match)
            return taken

        taken = await eventually(
            found, timeout=45, what=what or f"messages to {phone} with {wanted}"
        )
        self.seen[phone] = max(i for i, _ in taken) + 1
        return [text for _, text in taken]

    async def all_text(self, phone: str) -> list[str]:
        return [reply_text(m) for m in await self.system.sent_to(phone)]


async def back_office(
    system: System, staff_id: str, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """A sales or operations action through the orchestrator's back-office API."""
    headers = {
        **TENANT,
        "Authorization": f"Bearer {system.stack.config.orchestrator_api_token}",
        "X-Waops-Actor-Id": staff_id,
        "Idempotency-Key": str(uuid.uuid4()),
    }
    async with system.http.post(system.url("orchestrator") + path, json=body, headers=headers) as r:
        return r.status, await r.json(content_type=None)


async def staff_member(system: System, phone: str) -> dict[str, Any]:
    q = urllib.parse.urlencode({"phone": phone})
    status, body = await system.get_json("core", f"/v1/staff?{q}")
    assert status == 200 and body["staff"], body
    return dict(body["staff"][0])
