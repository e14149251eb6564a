"""The staff directory over HTTP."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.adapters.directory import list_staff
from core.api import Call, Routes
from core.domain.phones import InvalidPhone, normalize_phone

routes = Routes(tag="directory", description="Tenants and the staff directory")

StaffRole = Literal["SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER"]


class StaffQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=40, description="any format; E.164 match")
    role: StaffRole | None = None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalize_phone(value)
        except InvalidPhone as exc:
            raise ValueError(str(exc)) from None

    @field_validator("role", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() or None if isinstance(value, str) else value


class StaffView(BaseModel):
    id: str
    name: str
    phone: str
    role: StaffRole
    kind: str | None
    active: bool


class StaffList(BaseModel):
    staff: list[StaffView]


@routes.get("/v1/staff", query=StaffQuery, response=StaffList)
async def get_staff(call: Call) -> dict[str, Any]:
    """The staff directory, optionally filtered by phone (any format) and role."""
    q: StaffQuery = call.query
    staff = await list_staff(call.conn, call.tenant_id, phone=q.phone, role=q.role)
    return {"staff": [m.as_json() for m in staff]}
