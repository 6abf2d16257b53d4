"""Acknowledgement to the sender (NĐ 30/2020, Điều 21) and "return to sender", loop-safe.

Never answered: auto-submitted mail (RFC 3834), bulk and list mail, bounces and other
mailer-daemon mail, and our own mail (any organisation's official mailbox); and no more than
``ack_max_per_hour`` acknowledgements per sender address, so two auto-responders cannot keep
each other busy. One acknowledgement per message, whatever the number of documents.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.archive import events
from gateway.archive.blobstore import BlobStore
from gateway.config import OrganisationConfig, Settings
from gateway.db.models import Document, InboundMessage, OutboundMail, utcnow
from gateway.outgoing.outbox import enqueue
from gateway.pipeline.message import ParsedMessage
from gateway.routing import notices
from gateway.routing.rules import RoutingRules

SYSTEM_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "bounce")
BULK_PRECEDENCE = ("bulk", "list", "junk")


def no_reply_reason(
    parsed: ParsedMessage, envelope_from: str | None, own_mailboxes: set[str]
) -> str | None:
    """Why this message must get no automatic answer (None: answering is safe)."""
    headers = parsed.headers
    auto = (parsed.auto_submitted or headers.get("auto-submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted mail ({auto})"
    if headers.get("precedence", "").strip().lower() in BULK_PRECEDENCE:
        return f"bulk or list mail (Precedence: {headers['precedence'].strip()})"
    if headers.get("list-id") or headers.get("list-unsubscribe"):
        return "mailing-list mail"
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(word in suppress for word in ("all", "autoreply", "oof")):
        return f"sender asks for no auto-reply ({suppress})"
    sender = (parsed.from_addr or "").strip().lower()
    if not sender:
        return "no sender address"
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "null envelope sender (a bounce)"
    if sender.partition("@")[0] in SYSTEM_SENDERS:
        return f"system sender {sender}"
    if sender in own_mailboxes:
        return "our own mail"
    return None


def _rate_limited(session: Session, organisation_id: int, sender: str, limit: int) -> bool:
    prefix = _key_prefix(organisation_id, sender)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sent = session.scalar(
        select(func.count())
        .select_from(OutboundMail)
        .where(
            OutboundMail.kind == "ack",
            OutboundMail.dedupe_key.like(escaped + "%", escape="\\"),
            OutboundMail.created_at >= utcnow() - dt.timedelta(hours=1),
        )
    )
    return (sent or 0) >= limit


def _key_prefix(organisation_id: int, sender: str) -> str:
    return f"ack:{organisation_id}:{sender[:200]}:"


def own_mailboxes(settings: Settings) -> set[str]:
    return {address for org in settings.organisations for address in org.mailboxes}


def acknowledge(
    session: Session, blobs: BlobStore, settings: Settings, rules: RoutingRules,
    org: OrganisationConfig, message: InboundMessage, parsed: ParsedMessage,
    documents: list[Document],
) -> str | None:  # fmt: skip
    """Queue the acknowledgement of ``documents``; the reason when none is sent."""
    org_rules = rules.settings(org.code)
    if org_rules is None or not org_rules.acknowledge:
        return "acknowledgements are off for this organisation"
    if not documents:
        return "no newly registered document"
    reason = no_reply_reason(parsed, message.envelope_from, own_mailboxes(settings))
    sender = (parsed.from_addr or "").strip().lower()
    if reason is None and _rate_limited(session, message.organisation_id, sender,
                                        org_rules.ack_max_per_hour):  # fmt: skip
        reason = f"rate limit: {org_rules.ack_max_per_hour} acknowledgements an hour to {sender}"
    if reason is not None:
        events.record(session, "ack.skipped", "message", message.id,
                      organisation_id=message.organisation_id, data={"reason": reason})  # fmt: skip
        return reason
    received = message.received_at.astimezone(org.zone).date()
    mail = notices.acknowledgement(
        org.mailboxes[0], org.name, sender, parsed.message_id, parsed.headers.get("references"),
        parsed.subject, documents, received,
    )  # fmt: skip
    key = _key_prefix(message.organisation_id, sender) + str(message.id)
    row = enqueue(session, blobs, organisation_id=message.organisation_id, kind="ack",
                  mail=mail, mail_from=org.mailboxes[0], document_id=documents[0].id,
                  dedupe_key=key)  # fmt: skip
    events.record(session, "ack.queued", "message", message.id,
                  organisation_id=message.organisation_id,
                  data={"to": sender, "outbound": row.id,
                        "documents": [d.id for d in documents]})  # fmt: skip
    return None


def return_to_sender(
    session: Session, blobs: BlobStore, settings: Settings, org: OrganisationConfig,
    document: Document, reason: str, *, actor: str = "gateway",
) -> str | None:  # fmt: skip
    """Mark the document returned (with the reason) and queue the return mail, loop-safe."""
    document.status = "returned"
    events.record(session, "document.returned", "document", document.id,
                  organisation_id=document.organisation_id, actor=actor,
                  data={"reason": reason})  # fmt: skip
    message = session.get(InboundMessage, document.message_id) if document.message_id else None
    if message is None or not message.from_addr:
        return "no sender to return to"
    sender = message.from_addr.strip().lower()
    if sender.partition("@")[0] in SYSTEM_SENDERS or sender in own_mailboxes(settings):
        return f"not returned by mail to {sender}"
    mail = notices.return_notice(org.mailboxes[0], org.name, sender, message.message_id,
                                 document, reason)  # fmt: skip
    enqueue(session, blobs, organisation_id=document.organisation_id, kind="return", mail=mail,
            mail_from=org.mailboxes[0], document_id=document.id,
            dedupe_key=f"return:{document.id}")  # fmt: skip
    return None
