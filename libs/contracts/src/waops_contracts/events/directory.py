"""Staff directory events published by the core; phones not in the directory are customers."""

from __future__ import annotations

from waops_contracts.events.commands import Role
from waops_contracts.registry import Event, event


@event(
    "waops.directory.staff_upserted.v1",
    example={
        "user_id": "u-1",
        "name": "Sita Sharma",
        "phone": "+9779800000001",
        "role": "SALES",
        "kind": None,
        "active": True,
    },
)
class StaffUpserted(Event):
    user_id: str
    name: str
    phone: str
    role: Role
    kind: str | None = None
    active: bool = True
