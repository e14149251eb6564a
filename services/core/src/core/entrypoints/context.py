"""The one place a route turns the kit's ``Call`` (which carries the aiohttp request) into the
plain ``UseCase`` the core's application services take."""

from __future__ import annotations

from waops_service_kit.api import Call

from core.entrypoints.deps import DEPS
from core.handlers.context import UseCase


def use_case(call: Call) -> UseCase:
    return UseCase(
        conn=call.conn,
        tenant_id=call.tenant_id,
        now=call.now,
        actor=call.actor,
        settings=call.request.app[DEPS].settings,
        writer=call.writer,
        correlation_id=call.correlation_id,
        causation_id=call.causation_id,
    )
