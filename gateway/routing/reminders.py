"""The reminder pass (`gateway remind`): before the deadline, on the day, overdue + escalation.

Each reminder is one outbound mail whose dedupe key names the assignment, the stage and the
deadline ("reminder:{assignment}:{stage}:{deadline}"): the unique constraint makes each
reminder event happen once, however often and from however many processes the pass runs. Each
reminder is queued in its own transaction; losing the race to another process is not an error.
Only the current stage is sent: a pass that did not run during the "before" window does not
send a stale "before" reminder once the document is overdue.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.archive import events
from gateway.archive.blobstore import BlobStore
from gateway.config import OrganisationConfig, Settings
from gateway.db.engine import Database
from gateway.db.models import Assignment, Document, Organisation, OutboundMail
from gateway.errors import StorageError
from gateway.outgoing.outbox import enqueue
from gateway.routing import notices
from gateway.routing.rules import RoutingRules, current_rules

log = logging.getLogger(__name__)


@dataclass
class RemindReport:
    sent: list[str] = field(default_factory=list)  # dedupe keys queued by this pass
    already: int = 0  # reminders another pass had already queued


def stage_for(
    rules: RoutingRules, org: OrganisationConfig, deadline: dt.date, today: dt.date
) -> tuple[str, int] | None:
    """("before" | "due" | "overdue", working days late) for ``today``, or None."""
    settings = rules.settings(org.code)
    before = settings.remind_days_before if settings else 2
    if today == deadline:
        return "due", 0
    if today > deadline:
        return "overdue", rules.calendar.working_days_between(deadline, today)
    left = rules.calendar.working_days_between(today, deadline)
    if 0 < left <= before and rules.calendar.is_working_day(today):
        return "before", 0
    return None


def remind(settings: Settings, db: Database, blobs: BlobStore, now: dt.datetime) -> RemindReport:
    """One pass over the open assignments with a deadline (lead and co-operating units)."""
    rules = current_rules(settings.path(settings.rules.dir))
    report = RemindReport()
    with db.transaction() as session:
        rows = session.execute(
            select(Assignment.id, Organisation.code)
            .join(Organisation, Organisation.id == Assignment.organisation_id)
            .where(
                Assignment.status != "done",
                Assignment.deadline.is_not(None),
                Assignment.role.in_(("lead", "cooperate")),
            )
            .order_by(Assignment.id)
        ).all()
    for assignment_id, org_code in rows:
        org = settings.organisation(org_code)
        _remind_one(settings, db, blobs, rules, org, assignment_id, now, report)
    _digests(settings, db, blobs, rules, now, report)
    return report


def _remind_one(
    settings: Settings, db: Database, blobs: BlobStore, rules: RoutingRules,
    org: OrganisationConfig, assignment_id: int, now: dt.datetime, report: RemindReport,
) -> None:  # fmt: skip
    today = now.astimezone(org.zone).date()
    try:
        with db.transaction() as session:
            row = session.get(Assignment, assignment_id)
            if row is None or row.deadline is None or row.status == "done":
                return
            found = stage_for(rules, org, row.deadline, today)
            contact = rules.directory.contact(row.assignee)
            if found is None or contact is None:
                return
            stage, late = found
            key = f"reminder:{row.id}:{stage}:{row.deadline.isoformat()}"
            if session.scalar(select(OutboundMail.id).where(OutboundMail.dedupe_key == key)):
                report.already += 1
                return
            org_rules = rules.settings(org.code)
            escalate = stage == "overdue" and (org_rules is None or org_rules.escalate_overdue)
            head = rules.directory.head_of(row.assignee) if escalate else None
            document = session.get_one(Document, row.document_id)
            mail = notices.reminder(org.mailboxes[0], org.name, stage, contact, head, document,
                                    row.role, row.deadline, today, late)  # fmt: skip
            enqueue(session, blobs, organisation_id=row.organisation_id, kind="reminder",
                    mail=mail, mail_from=org.mailboxes[0], document_id=row.document_id,
                    dedupe_key=key)  # fmt: skip
            events.record(session, f"assignment.{stage}", "document", row.document_id,
                          organisation_id=row.organisation_id,
                          data={"assignment": row.id, "assignee": row.assignee,
                                "deadline": row.deadline.isoformat(), "late_days": late,
                                "escalated_to": head.code if head else None})  # fmt: skip
        report.sent.append(key)
    except StorageError as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        report.already += 1  # another pass queued the same reminder first: once is enough



def _digests(
    settings: Settings, db: Database, blobs: BlobStore, rules: RoutingRules, now: dt.datetime,
    report: RemindReport,
) -> None:  # fmt: skip
    """A daily list of open assignments to each person with ``digest = true`` (their unit's)."""
    for person in rules.directory.people.values():
        if not person.digest:
            continue
        unit = rules.directory.units.get(person.unit)
        if unit is None:
            continue
        org = settings.organisation(unit.org) if any(
            o.code == unit.org for o in settings.organisations) else None
        if org is None:
            continue
        today = now.astimezone(org.zone).date()
        if not rules.calendar.is_working_day(today):
            continue
        key = f"digest:{person.code}:{today.isoformat()}"
        try:
            with db.transaction() as session:
                if session.scalar(select(OutboundMail.id).where(OutboundMail.dedupe_key == key)):
                    continue
                rows = session.execute(
                    select(Assignment, Document)
                    .join(Document, Document.id == Assignment.document_id)
                    .join(Organisation, Organisation.id == Assignment.organisation_id)
                    .where(Organisation.code == org.code, Assignment.status != "done",
                           Assignment.role != "inform")
                    .order_by(Assignment.deadline, Assignment.id)
                ).all()  # fmt: skip
                items = [(d, rules.directory.name(a.assignee), a.role, a.deadline)
                         for a, d in rows if a.assignee in (unit.code, person.code)
                         or unit.code == _unit_of(rules, a.assignee)]  # fmt: skip
                if not items:
                    continue
                contact = rules.directory.contact(person.code)
                assert contact is not None
                mail = notices.digest(org.mailboxes[0], org.name, contact, today, items)
                org_id = session.scalar(
                    select(Organisation.id).where(Organisation.code == org.code)
                )
                assert org_id is not None
                enqueue(session, blobs, organisation_id=org_id, kind="notice", mail=mail,
                        mail_from=org.mailboxes[0], dedupe_key=key)  # fmt: skip
            report.sent.append(key)
        except StorageError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            report.already += 1


def _unit_of(rules: RoutingRules, code: str) -> str | None:
    person = rules.directory.people.get(code)
    return person.unit if person else code if code in rules.directory.units else None
