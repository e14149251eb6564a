"""Audit REST API (tenant in X-Waops-Tenant).

- ``GET /v1/audit?outcome=&object_type=&object_id=&command_id=&after=&limit=``: entries in
  seq order; ``after`` is the ``next`` cursor of the previous page.
- ``GET /v1/audit/verify``: recompute the tenant's hash chain.
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiMapping
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import query_int, tenant_of

from audit.adapters.audit_log import AuditFilter, entries_page, verify_chain
from audit.domain import OUTCOMES

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


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
    tenant = tenant_of(request)
    where = _filter(request.query)
    after = query_int(request, "after", default=0, low=0, high=2**63 - 1)
    limit = query_int(request, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    async with request.app[RUNTIME].engine.connect() as conn:
        entries, cursor = await entries_page(conn, tenant, where, after=after, limit=limit)
    return web.json_response({"entries": entries, "next": cursor})


async def verify_audit(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    async with request.app[RUNTIME].engine.connect() as conn:
        result = await verify_chain(conn, tenant)
    if result.ok:
        return web.json_response({"ok": True, "entries": result.entries, "head": result.head})
    return web.json_response({"ok": False, "broken_at": result.broken_at})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/audit", list_audit)
    app.router.add_get("/v1/audit/verify", verify_audit)
