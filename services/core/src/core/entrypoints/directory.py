"""Tenants and the staff directory over HTTP."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from waops_service_kit.api import Call, ListQuery, Reply, Routes, decode_cursor, page
from waops_service_kit.api.pagination import MAX_LIMIT

from core.adapters.directory import list_staff, list_tenants, tenant_by_id
from core.domain.errors import NotFound
from core.entrypoints.context import use_case
from core.entrypoints.fields import PhoneFilter
from core.entrypoints.trips import as_text, as_uuid, keyset
from core.handlers.directory import change_staff, create_staff, create_tenant, find_member

routes = Routes(tag="directory", description="Tenants and the staff directory")

StaffRole = Literal["SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER"]
FieldKind = Literal["guide", "driver", "porter"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _upper(value: Any) -> Any:
    return value.strip().upper() or None if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() or None if isinstance(value, str) else value


class StaffQuery(ListQuery):
    phone: PhoneFilter = None
    role: StaffRole | None = None
    kind: FieldKind | None = None
    active: bool | None = None
    # Larger than other lists' default: readers that predate paging expect the whole directory.
    limit: int = Field(default=MAX_LIMIT, ge=1, le=MAX_LIMIT)

    _role = field_validator("role", mode="before")(_upper)
    _kind = field_validator("kind", mode="before")(_lower)


class StaffView(BaseModel):
    id: str
    name: str
    phone: str
    role: StaffRole
    kind: str | None
    active: bool


class StaffList(BaseModel):
    staff: list[StaffView]
    next_cursor: str | None = None


class StaffEnvelope(BaseModel):
    staff_member: StaffView


class StaffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    phone: PhoneText = Field(description="any format; stored in E.164")
    role: StaffRole
    kind: FieldKind | None = Field(default=None, description="required for FIELD_STAFF only")
    active: bool = True

    _role = field_validator("role", mode="before")(_upper)
    _kind = field_validator("kind", mode="before")(_lower)


class StaffChange(BaseModel):
    """Only the fields given change; ``active: false`` deactivates (staff are never deleted)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    phone: PhoneText | None = None
    role: StaffRole | None = None
    kind: FieldKind | None = None
    active: bool | None = None

    _role = field_validator("role", mode="before")(_upper)
    _kind = field_validator("kind", mode="before")(_lower)


class TenantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=63)]
    name: Name


class TenantView(BaseModel):
    id: str
    name: str
    created_at: str


class TenantEnvelope(BaseModel):
    tenant: TenantView


class TenantList(BaseModel):
    items: list[TenantView]
    next_cursor: str | None


_STAFF_REFUSALS = (
    (409, "PHONE_TAKEN"),
    (409, "IDEMPOTENCY_KEY_REUSED"),
    (422, "INVALID_PHONE"),
    (422, "STAFF_KIND_REQUIRED"),
    (422, "STAFF_KIND_NOT_ALLOWED"),
)


@routes.post(
    "/v1/tenants",
    body=TenantRequest,
    response=TenantEnvelope,
    status=201,
    tenant=False,
    errors=((409, "TENANT_EXISTS"), (409, "IDEMPOTENCY_KEY_REUSED"), (422, "INVALID_TENANT_ID")),
)
async def post_tenant(call: Call) -> Reply:
    """Create a tenant: an operator using waops (publishes directory.tenant_created)."""
    tenant = await create_tenant(use_case(call), call.body.id, call.body.name)
    return Reply({"tenant": tenant}, headers={"Location": f"/v1/tenants/{tenant['id']}"})


@routes.get("/v1/tenants", query=ListQuery, response=TenantList, tenant=False)
async def get_tenants(call: Call) -> dict[str, Any]:
    """Every tenant, by id."""
    q: ListQuery = call.query
    after = decode_cursor(q.cursor, 1)
    rows = await list_tenants(call.conn, after=after[0] if after else None, limit=q.limit + 1)
    items, cursor = page(rows, q.limit, lambda t: [t.id])
    return {"items": [t.as_json() for t in items], "next_cursor": cursor}


@routes.get(
    "/v1/tenants/{tenant_id}",
    response=TenantEnvelope,
    tenant=False,
    errors=((404, "TENANT_NOT_FOUND"),),
)
async def get_tenant(call: Call) -> dict[str, Any]:
    """One tenant."""
    tenant = await tenant_by_id(call.conn, call.path["tenant_id"])
    if tenant is None:
        raise NotFound("TENANT_NOT_FOUND", "no such tenant", id=call.path["tenant_id"])
    return {"tenant": tenant.as_json()}


@routes.get("/v1/staff", query=StaffQuery, response=StaffList)
async def get_staff(call: Call) -> dict[str, Any]:
    """The staff directory by role and name, filtered by phone (any format), role, kind and
    active; paged with ``next_cursor`` (the first page holds up to 200 members)."""
    q: StaffQuery = call.query
    rows = await list_staff(
        call.conn,
        call.tenant_id,
        phone=q.phone,
        role=q.role,
        kind=q.kind,
        active=q.active,
        after=keyset(q.cursor, as_text, as_text, as_uuid),
        limit=q.limit + 1,
    )
    staff, cursor = page(rows, q.limit, lambda m: [m.role, m.name, m.id])
    return {"staff": [m.as_json() for m in staff], "next_cursor": cursor}


@routes.post(
    "/v1/staff",
    body=StaffRequest,
    response=StaffEnvelope,
    status=201,
    errors=(*_STAFF_REFUSALS, (422, "UNKNOWN_TENANT")),
)
async def post_staff(call: Call) -> Reply:
    """Add a staff member (publishes directory.staff_upserted)."""
    b: StaffRequest = call.body
    member = await create_staff(
        use_case(call), name=b.name, phone=b.phone, role=b.role, kind=b.kind, active=b.active
    )
    return Reply({"staff_member": member.as_json()}, headers={"Location": f"/v1/staff/{member.id}"})


@routes.get("/v1/staff/{staff_id}", response=StaffEnvelope, errors=((404, "STAFF_NOT_FOUND"),))
async def get_staff_member(call: Call) -> dict[str, Any]:
    """One staff member."""
    return {"staff_member": (await find_member(use_case(call), call.path["staff_id"])).as_json()}


@routes.patch(
    "/v1/staff/{staff_id}",
    body=StaffChange,
    response=StaffEnvelope,
    errors=(*_STAFF_REFUSALS, (404, "STAFF_NOT_FOUND")),
)
async def patch_staff(call: Call) -> dict[str, Any]:
    """Change a staff member's name, phone, role, kind or active flag (``active: false``
    deactivates; publishes directory.staff_upserted when anything changed)."""
    changes = call.body.model_dump(exclude_unset=True)
    member = await change_staff(use_case(call), call.path["staff_id"], changes)
    return {"staff_member": member.as_json()}
