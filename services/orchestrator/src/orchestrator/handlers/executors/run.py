"""One command being carried out: its arguments, its calls to the core in the actor's name,
its object checks, and its outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from waops_contracts.events import Actor, CommandRequested, ObjectRef
from waops_messaging import HandlerContext
from waops_observability import current_traceparent

from orchestrator.adapters import commands as store
from orchestrator.adapters.core_client import CoreCall, CoreContractError
from orchestrator.domain.commands import Args, parse_args
from orchestrator.domain.permissions import CUSTOMER, ObjectFacts, Refused, check_object
from orchestrator.handlers.deps import OrchestratorDeps

A = TypeVar("A", bound=Args)

PAGE = 200  # the core's largest page
MAX_PAGES = 50  # a list longer than 10 000 items is not read to its end


@dataclass(frozen=True)
class Outcome:
    object: ObjectRef | None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    command: CommandRequested
    ctx: HandlerContext[OrchestratorDeps]

    @property
    def actor(self) -> Actor:
        return self.command.actor

    @property
    def command_id(self) -> str:
        return self.command.command_id

    def args(self, model: type[A]) -> A:
        return parse_args(model, self.command.args)

    def guard(self, facts: ObjectFacts) -> None:
        """Refuse unless the actor may act on the object (their lead, their trip...)."""
        refusal = check_object(self.command.name, self.actor, facts)
        if refusal is not None:
            raise Refused(refusal)

    def _call(self) -> CoreCall:
        actor = self.actor
        # Staff act by their directory id, customers by their phone.
        actor_id = actor.phone if actor.role == CUSTOMER else (actor.user_id or actor.phone)
        env = self.ctx.envelope
        return CoreCall(
            tenant=self.ctx.tenant_id,
            correlation_id=env.correlationid,
            causation_id=env.id,
            traceparent=current_traceparent(),
            actor_id=actor_id,
            actor_role=actor.role,
        )

    async def get(
        self, template: str, query: Mapping[str, str | int] | None = None, **params: str
    ) -> dict[str, Any]:
        return await self.ctx.deps.core.get(template, call=self._call(), params=params, query=query)

    async def post(
        self, template: str, body: dict[str, Any], *, step: str | None = None, **params: str
    ) -> dict[str, Any]:
        """A change in the core, keyed by the command (``<command id>:<step>`` for one of
        several changes a command makes)."""
        key = self.command_id if step is None else f"{self.command_id}:{step}"
        return await self.ctx.deps.core.post(
            template,
            {k: v for k, v in body.items() if v is not None},
            call=self._call(),
            idempotency_key=key,
            params=params,
        )

    async def items(
        self, template: str, query: Mapping[str, str | int], **params: str
    ) -> list[dict[str, Any]]:
        """Every item of a paged list (``{"items": [...], "next_cursor": ...}``)."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page_query: dict[str, str | int] = {**query, "limit": PAGE}
            if cursor:
                page_query["cursor"] = cursor
            page = await self.get(template, page_query, **params)
            found.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return found

    async def pinned(self, step: str, choose: Callable[[], Awaitable[str]]) -> str:
        """``choose()`` once per command: a redelivered command gets the first choice back.

        Committed on its own connection, outside the command's transaction, so the choice
        outlives a rollback of the command after the core has already acted on it.
        """
        engine = self.ctx.conn.engine
        async with engine.connect() as conn:
            earlier = await store.pinned_choice(conn, self.command_id, step)
        if earlier is not None:
            return earlier
        value = await choose()
        async with engine.begin() as conn:
            return await store.pin_choice(conn, self.command_id, step, value)


def lead_facts(lead: dict[str, Any]) -> ObjectFacts:
    return ObjectFacts(lead["reference"], lead["customer_phone"], kind="LEAD")


def booking_facts(booking: dict[str, Any]) -> ObjectFacts:
    return ObjectFacts(booking["reference"], booking["customer_phone"], kind="BOOKING")


_LIVE_FIRST = {"ACCEPTED": 0, "OFFERED": 1}


def trip_facts(trip: dict[str, Any]) -> ObjectFacts:
    """The trip's crew: each staff member's liveliest assignment (accepted, then offered)."""
    crew: dict[str, str] = {}
    for a in sorted(trip["assignments"], key=lambda a: _LIVE_FIRST.get(a["state"], 9)):
        crew.setdefault(a["staff_id"], a["state"])
    return ObjectFacts(reference=trip["reference"], crew=crew)


def ref(type_: str, obj: dict[str, Any]) -> ObjectRef:
    """An object the core answered, as the outcome names it."""
    return ObjectRef(type=type_, id=str(obj["id"]), reference=obj.get("reference"))


def field_of(answer: dict[str, Any], key: str) -> dict[str, Any]:
    """The object wrapped in a core answer (``{"trip": {...}}``)."""
    found = answer.get(key)
    if not isinstance(found, dict):
        raise CoreContractError(f"the core's answer has no {key!r} object")
    return found


def incident_outcome(incident: dict[str, Any]) -> Outcome:
    """What every incident command answers: the incident, its trip, severity and state."""
    return Outcome(
        ref("INCIDENT", incident),
        {
            "incident_id": incident["id"],
            "trip_reference": incident["trip_reference"],
            "severity": incident["severity"],
            "state": incident["state"],
        },
    )
