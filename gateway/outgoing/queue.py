"""Read the outbox for people: what is queued, sent or failed, with the last SMTP answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Organisation, OutboundMail


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def list_outbox(
    session: Session, state: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Outbound mail, newest first: ``[{"id", "org", "kind", "state", "attempts", ...}]``."""
    query = (
        select(OutboundMail, Organisation.code)
        .join(Organisation, Organisation.id == OutboundMail.organisation_id)
        .order_by(OutboundMail.id.desc())
    )
    if state is not None:
        query = query.where(OutboundMail.state == state)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "id": mail.id,
            "org": org,
            "kind": mail.kind,
            "state": mail.state,
            "attempts": mail.attempts,
            "last_answer": mail.last_answer,
            "message_id": mail.message_id,
            "from": mail.mail_from,
            "to": list(mail.rcpt_to),
            "subject": mail.subject,
            "document": mail.document_id,
            "raw_sha256": mail.raw_sha256,
            "created_at": _iso(mail.created_at),
            "next_attempt_at": _iso(mail.next_attempt_at),
            "sent_at": _iso(mail.sent_at),
        }
        for mail, org in session.execute(query)
    ]
