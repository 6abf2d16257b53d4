"""Assignments: create, replace (reassign) and move through open -> in_progress -> done.

Every change is an audit event (who, why); the document's status follows its lead assignment
(assigned / in_progress / done). Notices to the assignees go through the outbox in the same
transaction, so they are sent if and only if the assignment commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.archive import events
from gateway.archive.blobstore import BlobStore
from gateway.config import OrganisationConfig
from gateway.db.models import ASSIGNMENT_STATES, Assignment, Document, utcnow
from gateway.errors import GatewayError
from gateway.outgoing.outbox import enqueue
from gateway.routing import notices
from gateway.routing.engine import Planned
from gateway.routing.rules import RoutingRules

DOCUMENT_STATUS = {"open": "assigned", "in_progress": "in_progress", "done": "done"}


def assignments_of(session: Session, document_id: int) -> list[Assignment]:
    order = {"lead": 0, "cooperate": 1, "inform": 2}
    rows = session.scalars(select(Assignment).where(Assignment.document_id == document_id))
    return sorted(rows, key=lambda a: (order.get(a.role, 9), a.id))


def follow_lead(session: Session, document: Document) -> None:
    """The document's status is its lead assignment's (a returned document stays returned)."""
    if document.status == "returned":
        return
    lead = next((a for a in assignments_of(session, document.id) if a.role == "lead"), None)
    document.status = DOCUMENT_STATUS[lead.status] if lead else "registered"


def assign(
    session: Session,
    blobs: BlobStore,
    rules: RoutingRules,
    org: OrganisationConfig,
    document: Document,
    planned: list[Planned],
    *,
    actor: str = "gateway",
    reason: str | None = None,
) -> list[Assignment]:
    """Replace the document's assignments with ``planned``; notify the new assignees."""
    old = assignments_of(session, document.id)
    for row in old:
        events.record(
            session, "assignment.removed", "document", document.id,
            organisation_id=document.organisation_id, actor=actor,
            data={"assignee": row.assignee, "role": row.role, "status": row.status,
                  "reason": reason},
        )  # fmt: skip
    session.execute(delete(Assignment).where(Assignment.document_id == document.id))
    now = utcnow()
    rows = []
    for plan in planned:
        row = Assignment(
            organisation_id=document.organisation_id, document_id=document.id,
            assignee=plan.assignee, role=plan.role, deadline=plan.deadline, status="open",
            rule=plan.rule, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(row)
        session.flush()
        rows.append(row)
        events.record(
            session, "assignment.created", "document", document.id,
            organisation_id=document.organisation_id, actor=actor,
            data={"assignment": row.id, "assignee": row.assignee, "role": row.role,
                  "deadline": row.deadline.isoformat() if row.deadline else None,
                  "rule": row.rule, "why": plan.why, "reason": reason},
        )  # fmt: skip
        _notify(session, blobs, rules, org, document, row, plan.why)
    follow_lead(session, document)
    return rows


def _notify(
    session: Session, blobs: BlobStore, rules: RoutingRules, org: OrganisationConfig,
    document: Document, row: Assignment, why: str,
) -> None:  # fmt: skip
    settings = rules.settings(org.code)
    contact = rules.directory.contact(row.assignee)
    if contact is None or (settings is not None and not settings.notify_assignees):
        return
    mail = notices.assignment_notice(org.mailboxes[0], org.name, contact, document, row.role,
                                     row.deadline, why)  # fmt: skip
    enqueue(session, blobs, organisation_id=document.organisation_id, kind="notice", mail=mail,
            mail_from=org.mailboxes[0], document_id=document.id,
            dedupe_key=f"assigned:{row.id}")  # fmt: skip


def set_status(
    session: Session, row: Assignment, status: str, *, actor: str, note: str | None = None
) -> None:
    """Move an assignment to ``status``; the document follows its lead."""
    if status not in ASSIGNMENT_STATES:
        raise GatewayError(f"unknown assignment status {status!r}: use one of "
                           f"{', '.join(ASSIGNMENT_STATES)}")  # fmt: skip
    if row.status == status:
        return
    events.record(
        session, "assignment.status", "document", row.document_id,
        organisation_id=row.organisation_id, actor=actor,
        data={"assignment": row.id, "assignee": row.assignee, "from": row.status,
              "to": status, "note": note},
    )  # fmt: skip
    row.status = status
    row.updated_at = utcnow()
    follow_lead(session, session.get_one(Document, row.document_id))


def assignment_json(row: Assignment) -> dict[str, str | None]:
    """CONTRACT's shape: {"assignee", "role", "deadline", "status", "rule"}."""
    return {
        "assignee": row.assignee,
        "role": row.role,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "status": row.status,
        "rule": row.rule,
    }


def local_date(moment: dt.datetime, org: OrganisationConfig) -> dt.date:
    return moment.astimezone(org.zone).date()
