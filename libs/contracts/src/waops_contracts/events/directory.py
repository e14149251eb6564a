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


# A staff member leaving is StaffUpserted with ``active: false`` (never a delete): readers
# keep the row so past leads, trips and payroll still name them, but stop treating the phone
# as staff. Reactivation is the same event with ``active: true``.


@event(
    "waops.directory.tenant_created.v1",
    example={"tenant_id": "everest-adventures", "name": "Everest Adventures Pvt. Ltd."},
)
class TenantCreated(Event):
    tenant_id: str
    name: str
