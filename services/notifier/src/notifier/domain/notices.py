"""A notice: whom to tell, with which template and variables, about which business object.

Notification functions (``notifier.domain.notifications``) turn an event into notices and
stay pure: a recipient they cannot name from the event alone (every operations person of
the tenant, a staff member by directory id, an incident's reporter) is described, and the
handler resolves it against the notifier's read models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from waops_contracts.events import ObjectRef
from waops_contracts.events.commands import Role

from notifier.domain.formatting import Style

# Every template name the code can produce; checked against the template files at start.
USED: set[str] = set()


def uses(name: str) -> str:
    """Declare a template the code sends (``ACK = uses("lead.acknowledged")``)."""
    USED.add(name)
    return name


@dataclass(frozen=True)
class Person:
    """Someone the event names, by phone."""

    phone: str
    name: str | None = None


@dataclass(frozen=True)
class Office:
    """Every active staff member of these roles in the tenant (from the directory), except
    the one who caused the event: they already know."""

    roles: tuple[Role, ...] = ("OPERATIONS",)
    except_phone: str | None = None


OPERATIONS: tuple[Role, ...] = ("OPERATIONS",)
SALES: tuple[Role, ...] = ("SALES",)
OPERATIONS_AND_MANAGERS: tuple[Role, ...] = ("OPERATIONS", "MANAGER")


@dataclass(frozen=True)
class StaffMember:
    """A staff member known by directory id only (their phone is in the directory)."""

    user_id: str


@dataclass(frozen=True)
class IncidentReporter:
    """Whoever reported the incident (remembered from ``incident.reported``: the later
    incident events name only the author of the update)."""

    incident_id: str
    except_phone: str | None = None


Recipient = Person | Office | StaffMember | IncidentReporter


@dataclass(frozen=True)
class Notice:
    to: Recipient
    template: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    about: ObjectRef | None = None
    language: str | None = None  # None: the default language


Notify = Callable[[Any, Style], Sequence[Notice]]
"""A notification function: an event (of the type it is registered for) -> its notices."""


def ref(kind: str, object_id: str | None, reference: str | None = None) -> ObjectRef | None:
    """The business object a message is about, so ``message.sent`` lands on its timeline."""
    if not object_id:
        return None
    return ObjectRef.model_validate({"type": kind, "id": object_id, "reference": reference})
