"""Directory rules: who may be on the staff, with which role and kind.

Anyone not in the directory is a customer. Field staff say what they do (guide, driver,
porter): assignments match it against their role on a trip; other roles have no kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.domain.errors import DomainError, Invalid, RuleViolation

ROLES = ("SALES", "OPERATIONS", "FIELD_STAFF", "MANAGER")
FIELD_STAFF = "FIELD_STAFF"
FIELD_KINDS = ("guide", "driver", "porter")
OFFICE_ROLES = frozenset({"OPERATIONS", "MANAGER"})  # run trips: offer work, close trips
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class StaffProfile:
    """A staff member's role and kind as they will be stored."""

    role: str
    kind: str | None


def check_profile(role: str, kind: str | None) -> StaffProfile:
    """Field staff need a kind from ``FIELD_KINDS``; everybody else must not have one."""
    if role not in ROLES:
        raise Invalid("UNKNOWN_ROLE", f"no such role: {role}", role=role)
    if role == FIELD_STAFF:
        if kind is None:
            raise Invalid(
                "STAFF_KIND_REQUIRED",
                "field staff need a kind: " + ", ".join(FIELD_KINDS),
                role=role,
            )
        if kind not in FIELD_KINDS:
            raise Invalid("UNKNOWN_STAFF_KIND", f"no such field staff kind: {kind}", kind=kind)
        return StaffProfile(role, kind)
    if kind is not None:
        raise Invalid(
            "STAFF_KIND_NOT_ALLOWED", f"only field staff have a kind, not {role}", role=role
        )
    return StaffProfile(role, None)


def merge_profile(
    current: StaffProfile, role: str | None, kind: str | None, kind_given: bool
) -> StaffProfile:
    """A partial update of role/kind. Leaving field work drops the kind unless one is given
    (then it is refused): a former porter now in sales is not a porter any more."""
    new_role = role or current.role
    if kind_given:
        new_kind = kind
    elif new_role != FIELD_STAFF:
        new_kind = None
    else:
        new_kind = current.kind if current.role == FIELD_STAFF else None
    return check_profile(new_role, new_kind)


def check_tenant_id(tenant_id: str) -> str:
    if not TENANT_ID.fullmatch(tenant_id):
        raise Invalid(
            "INVALID_TENANT_ID",
            "a tenant id is 2-63 lower-case letters, digits or dashes, starting with a letter"
            " or digit",
            id=tenant_id,
        )
    return tenant_id


class NotAllowed(RuleViolation):
    """The rule says who may do this, and the actor is not one of them (403)."""

    status = 403


class ActorRequired(DomainError):
    """The operation acts in someone's name: X-Waops-Actor-Id is needed (400)."""

    status = 400


def require_office(role: str | None, active: bool, action: str) -> None:
    """Offering work and closing trips are for active operations staff and managers."""
    if role not in OFFICE_ROLES or not active:
        raise NotAllowed(
            "OPERATIONS_ONLY", f"only active operations staff or managers may {action}"
        )
