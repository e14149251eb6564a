"""The one path from an event to queued messages: the event's notices (pure functions,
``notifier.domain.notifications``), each recipient resolved, the text rendered in the
recipient's language, one outbound row per (event, template, recipient).

The row's dedupe key is that triple, so a redelivered event queues nothing twice; the
channel is the event's when it names one (the conversation's number), else the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from waops_contracts import Event
from waops_contracts.events import IncidentReported
from waops_contracts.limits import MAX_MESSAGE_CHARS
from waops_messaging import HandlerContext
from waops_observability import current_traceparent, get_logger

from notifier import metrics
from notifier.adapters import directory
from notifier.adapters.directory import Contact
from notifier.adapters.outbound import queue_message
from notifier.domain.formatting import Style
from notifier.domain.notices import (
    IncidentReporter,
    Notice,
    Office,
    Person,
    Recipient,
    StaffMember,
)
from notifier.domain.notifications import notices
from notifier.domain.templates import CATALOGUE, DEFAULT_LANGUAGE, Catalogue, UnknownTemplate

log = get_logger(__name__)
MAX_BODY = MAX_MESSAGE_CHARS  # the providers' limit for a text message


@dataclass(frozen=True)
class NotifierDeps:
    default_channel_id: str
    style: Style = field(default_factory=Style)
    default_language: str = DEFAULT_LANGUAGE
    catalogue: Catalogue = CATALOGUE


async def notify(event: Event, ctx: HandlerContext[NotifierDeps]) -> None:
    for notice in notices(event, ctx.deps.style):
        await _queue(notice, getattr(event, "channel_id", None), ctx)


async def remember_reporter_and_notify(
    incident: IncidentReported, ctx: HandlerContext[NotifierDeps]
) -> None:
    """The reporter is kept: the incident's updates and resolution are for them too."""
    author = incident.author
    await directory.remember_reporter(
        ctx.conn,
        tenant_id=ctx.tenant_id,
        incident_id=incident.incident_id,
        trip_id=incident.trip_id,
        user_id=author.user_id,
        name=author.name,
        phone=author.phone,
    )
    await notify(incident, ctx)


async def _queue(notice: Notice, channel_id: str | None, ctx: HandlerContext[NotifierDeps]) -> None:
    deps, env = ctx.deps, ctx.envelope
    if not deps.catalogue.has(notice.template):  # only a name an event chose can be unknown
        raise UnknownTemplate(f"no template {notice.template!r} (asked by {env.type})")
    language = notice.language or deps.default_language
    body = deps.catalogue.render(notice.template, notice.variables, language)
    if not body:
        log.warning("notice.empty", template=notice.template)
        metrics.NOTICES.labels(notice.template, "empty").inc()
        return
    if len(body) > MAX_BODY:
        body = body[: MAX_BODY - 1] + "…"
    people = await _resolve(notice.to, ctx)
    if not people:
        # No operations staff (or a rep unknown) in the directory is worth a look; a
        # reporter who wrote the update themselves is not.
        level = log.warning if isinstance(notice.to, Office | StaffMember) else log.info
        level("notice.nobody", template=notice.template, to=type(notice.to).__name__)
        metrics.NOTICES.labels(notice.template, "nobody").inc()
    about = notice.about
    for person in people:
        queued = await queue_message(
            ctx.conn,
            tenant_id=env.tenantid,
            dedupe_key=f"{env.id}:{notice.template}:{person.phone}",
            channel_id=channel_id or deps.default_channel_id,
            to_phone=person.phone,
            template=notice.template,
            language=language,
            body=body,
            about_type=about.type if about else None,
            about_id=about.id if about else None,
            about_reference=about.reference if about else None,
            correlation_id=env.correlationid,
            causation_id=env.id,
            traceparent=current_traceparent(),
        )
        metrics.NOTICES.labels(notice.template, "queued" if queued else "duplicate").inc()


async def _resolve(to: Recipient, ctx: HandlerContext[NotifierDeps]) -> list[Contact]:
    """The phones a recipient stands for, from the read models when the event did not name
    them; whoever the recipient excludes (the event's author) is left out."""
    tenant = ctx.tenant_id
    match to:
        case Person(phone=phone, name=name):
            return [Contact(phone, name)]
        case Office(roles=roles, except_phone=excluded):
            staff = await directory.active_staff(ctx.conn, tenant, roles)
            return [c for c in staff if c.phone != excluded]
        case StaffMember(user_id=user_id):
            member = await directory.staff_member(ctx.conn, tenant, user_id)
            return [member] if member else []
        case IncidentReporter(incident_id=incident_id, except_phone=excluded):
            reporter = await directory.incident_reporter(ctx.conn, tenant, incident_id)
            return [reporter] if reporter and reporter.phone != excluded else []
    raise AssertionError(to)  # pragma: no cover - the union is exhaustive
