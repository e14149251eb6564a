"""Incidents on a trip: operations is alerted; the guide who reported it and the affected
travellers hear of its updates and its resolution.

Whoever wrote the report or the update is left out (they asked from WhatsApp and got the
``done.*`` reply, or wrote it at the office). An update or resolution written by field
staff also reaches operations and managers, who did not write it; one written at the office
does not go back to the office.
"""

from __future__ import annotations

from typing import Any

from waops_contracts.events import IncidentReported, IncidentResolved, IncidentUpdated
from waops_contracts.events.incidents import IncidentEvent

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import (
    OPERATIONS_AND_MANAGERS,
    IncidentReporter,
    Notice,
    Office,
    Person,
    ref,
    uses,
)

REPORTED = uses("incident.reported")
UPDATED_CREW = uses("incident.updated_crew")
UPDATED = uses("incident.updated")
RESOLVED_CREW = uses("incident.resolved_crew")
RESOLVED = uses("incident.resolved")
FIELD_STAFF = "FIELD_STAFF"


def incident_variables(incident: IncidentEvent, style: Style) -> dict[str, Any]:
    author = incident.author
    return {
        "incident_id": incident.incident_id,
        "trip_reference": incident.trip_reference,
        "tour_name": incident.tour_name,
        "severity": incident.severity.upper(),
        "state": fmt.label(incident.state),
        "text": incident.text.strip(),
        "author": fmt.contact(author.name, author.phone),
        "author_name": author.name,
        "author_role": fmt.label(author.role),
        "reported_at": fmt.moment(incident.reported_at, style.timezone),
        "bookings": len(incident.travellers),
        "travellers": sum(t.pax for t in incident.travellers),
        "support_line": style.support_line,
    }


def _about(incident: IncidentEvent) -> Any:
    return ref("INCIDENT", incident.incident_id, incident.trip_reference)


def incident_reported(incident: IncidentReported, style: Style) -> list[Notice]:
    """Operations and managers are alerted (the reporter got their reply)."""
    office = Office(OPERATIONS_AND_MANAGERS, except_phone=incident.author.phone)
    return [Notice(office, REPORTED, incident_variables(incident, style), _about(incident))]


def _follow_up(incident: IncidentEvent, style: Style, crew: str, travellers: str) -> list[Notice]:
    variables = incident_variables(incident, style)
    about = _about(incident)
    author_phone = incident.author.phone
    notices = [Notice(IncidentReporter(incident.incident_id, author_phone), crew, variables, about)]
    if incident.author.role == FIELD_STAFF:
        office = Office(OPERATIONS_AND_MANAGERS, except_phone=author_phone)
        notices.append(Notice(office, crew, variables, about))
    notices += [
        Notice(
            Person(t.customer_phone, t.customer_name),
            travellers,
            {**variables, "customer_name": t.customer_name or "", "booking_reference": t.reference},
            about,
        )
        for t in incident.travellers
    ]
    return notices


def incident_updated(incident: IncidentUpdated, style: Style) -> list[Notice]:
    return _follow_up(incident, style, UPDATED_CREW, UPDATED)


def incident_resolved(incident: IncidentResolved, style: Style) -> list[Notice]:
    return _follow_up(incident, style, RESOLVED_CREW, RESOLVED)
