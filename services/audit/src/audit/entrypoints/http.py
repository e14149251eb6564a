"""Audit REST API (tenant in X-Waops-Tenant).

- ``GET /v1/audit?outcome=&object_type=&object_id=&command_id=&after=&limit=``: entries in
  seq order; ``after`` is the ``next`` cursor of the previous page.
- ``GET /v1/audit/verify``: recompute the tenant's hash chain.

Declared with the API kit, which serves the OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from multidict import MultiMapping
from pydantic import BaseModel, ConfigDict, Field
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.api import Routes, mount
from waops_service_kit.http import query_int, tenant_of

from audit.adapters.audit_log import AuditFilter, entries_page, verify_chain
from audit.domain.chain import OUTCOMES, ChainLink, Outcome

API_VERSION = "1.0.0"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
routes = Routes("audit", "the append-only, hash-chained log of every command and its result")


class AuditQuery(BaseModel):
    outcome: Outcome | None = Field(default=None, description="one of the outcomes (any case)")
    object_type: str | None = None
    object_id: str | None = None
    command_id: str | None = None
    after: int = Field(default=0, ge=0, le=2**63 - 1, description="the previous page's next")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class AuditEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    seq: int
    hash: str
    prev_hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next: int | None = Field(description="the cursor of the next page (pass as after)")


class ChainCheck(BaseModel):
    ok: bool
    entries: int | None = None
    head: str | None = None
    broken_at: int | None = None


def _filter(query: MultiMapping[str]) -> AuditFilter:
    def text(name: str) -> str | None:
        value = query.get(name, "").strip()
        return value or None

    outcome = (text("outcome") or "").upper() or None
    if outcome is not None and outcome not in OUTCOMES:
        raise ApiError(400, "BAD_OUTCOME", f"outcome must be one of {', '.join(OUTCOMES)}")
    object_type = text("object_type")
    return AuditFilter(
        outcome=outcome,
        object_type=object_type.upper() if object_type else None,
        object_id=text("object_id"),
        command_id=text("command_id"),
    )


async def list_audit(request: web.Request) -> web.Response:
    """Audit entries in seq order, a page at a time"""
    tenant = tenant_of(request)
    where = _filter(request.query)
    after = query_int(request, "after", default=0, low=0, high=2**63 - 1)
    limit = query_int(request, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    async with request.app[RUNTIME].engine.connect() as conn:
        entries, cursor = await entries_page(conn, tenant, where, after=after, limit=limit)
    return web.json_response({"entries": [_entry_json(e) for e in entries], "next": cursor})


def _entry_json(link: ChainLink) -> dict[str, Any]:
    """An entry as the API shows it: the fact without its tenant, times in ISO 8601."""
    fact = asdict(link.fact)
    del fact["tenant_id"]
    fact["occurred_at"] = link.fact.occurred_at.isoformat()
    return {
        "seq": link.seq,
        **fact,
        "recorded_at": link.recorded_at.isoformat(),
        "prev_hash": link.prev_hash,
        "hash": link.hash,
    }


async def verify_audit(request: web.Request) -> web.Response:
    """Recompute the tenant's hash chain"""
    tenant = tenant_of(request)
    async with request.app[RUNTIME].engine.connect() as conn:
        result = await verify_chain(conn, tenant)
    if result.ok:
        return web.json_response({"ok": True, "entries": result.entries, "head": result.head})
    return web.json_response({"ok": False, "broken_at": result.broken_at})


routes.handle(
    "GET",
    "/v1/audit",
    list_audit,
    query=AuditQuery,
    response=AuditPage,
    errors=((400, "BAD_OUTCOME"), (400, "BAD_AFTER"), (400, "BAD_LIMIT")),
)
routes.handle("GET", "/v1/audit/verify", verify_audit, response=ChainCheck)


def add_routes(app: web.Application) -> None:
    mount(
        app,
        [routes],
        title="waops audit",
        version=API_VERSION,
        description="The audit log: every command and its result, chained by hash per tenant.",
    )
