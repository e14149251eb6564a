"""Tenants and the staff directory: creating and changing staff, announced as StaffUpserted
(the conversation engine resolves who is staff from it; a deactivation is ``active: false``)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from waops_contracts.events import StaffUpserted, TenantCreated

from core.adapters import directory
from core.adapters.directory import StaffMember
from core.domain.directory import StaffProfile, check_profile, check_tenant_id, merge_profile
from core.domain.errors import Invalid, NotFound, RuleViolation
from core.domain.phones import InvalidPhone, normalize_phone
from core.handlers.context import UseCase


def e164(raw: str, field: str = "phone") -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise Invalid("INVALID_PHONE", str(exc), field=field) from None


async def create_tenant(call: UseCase, tenant_id: str, name: str) -> dict[str, Any]:
    tenant = await directory.insert_tenant(call.conn, check_tenant_id(tenant_id), name)
    if tenant is None:
        raise RuleViolation("TENANT_EXISTS", f"tenant {tenant_id} already exists", id=tenant_id)
    await call.writer.write(
        call.conn,
        TenantCreated(tenant_id=tenant.id, name=tenant.name),
        tenant_id=tenant.id,
        subject=f"TENANT/{tenant.id}",
        correlation_id=call.correlation_id,
        causation_id=call.causation_id,
        partition_key=f"TENANT/{tenant.id}",
    )
    return tenant.as_json()


async def _announce(call: UseCase, member: StaffMember) -> None:
    await call.emit(
        StaffUpserted(
            user_id=member.id,
            name=member.name,
            phone=member.phone,
            role=member.role,
            kind=member.kind,
            active=member.active,
        ),
        subject=f"STAFF/{member.id}",
    )


async def _tenant_must_exist(call: UseCase) -> None:
    if await directory.tenant_by_id(call.conn, call.tenant_id) is None:
        raise Invalid(
            "UNKNOWN_TENANT", f"no tenant {call.tenant_id}: create it first", id=call.tenant_id
        )


def _phone_taken(phone: str) -> RuleViolation:
    return RuleViolation("PHONE_TAKEN", f"{phone} already belongs to a staff member", phone=phone)


async def create_staff(
    call: UseCase, *, name: str, phone: str, role: str, kind: str | None, active: bool
) -> StaffMember:
    await _tenant_must_exist(call)
    profile = check_profile(role, kind)
    member = StaffMember(str(uuid.uuid4()), name, e164(phone), profile.role, profile.kind, active)
    if not await directory.insert_staff(call.conn, call.tenant_id, member):
        raise _phone_taken(member.phone)
    await _announce(call, member)
    return member


async def find_member(call: UseCase, staff_id: str, *, lock: bool = False) -> StaffMember:
    member = await directory.staff_by_id(call.conn, call.tenant_id, staff_id, lock=lock)
    if member is None:
        raise NotFound("STAFF_NOT_FOUND", "no such staff member", id=staff_id)
    return member


async def change_staff(call: UseCase, staff_id: str, changes: dict[str, Any]) -> StaffMember:
    """A partial update (only the fields given); announced only when something changed."""
    current = await find_member(call, staff_id, lock=True)
    profile = merge_profile(
        StaffProfile(current.role, current.kind),
        changes.get("role"),
        changes.get("kind"),
        kind_given="kind" in changes,
    )
    updated = replace(
        current,
        name=changes.get("name") or current.name,
        phone=e164(changes["phone"]) if changes.get("phone") else current.phone,
        role=profile.role,
        kind=profile.kind,
        active=current.active if changes.get("active") is None else changes["active"],
    )
    if updated == current:
        return current
    if not await directory.update_staff(call.conn, call.tenant_id, updated):
        raise _phone_taken(updated.phone)
    await _announce(call, updated)
    return updated
