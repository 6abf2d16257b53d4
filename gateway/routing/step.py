"""The routing step: right after registration, in the message's one transaction.

Each newly registered document (not a duplicate, not routed before) is routed by the rules;
then the sender gets one acknowledgement for the message. ``reroute`` does the same for a
stored document on demand (`gateway reprocess --route`): numbers are never touched.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive import events
from gateway.archive.blobstore import BlobStore
from gateway.config import OrganisationConfig, Settings
from gateway.db.models import Assignment, Document, InboundMessage, Organisation
from gateway.outgoing.outbox import enqueue
from gateway.pipeline.message import Findings, FoundDocument, ParsedMessage
from gateway.routing import notices
from gateway.routing.ack import acknowledge, return_to_sender
from gateway.routing.assignments import assign, local_date
from gateway.routing.conditions import Facts
from gateway.routing.engine import BookChoice, Decision, choose_book, decide
from gateway.routing.rules import RoutingRules, current_rules

log = logging.getLogger(__name__)


def facts_from_found(
    found: FoundDocument, parsed: ParsedMessage, mailbox: str | None, org: str,
    trust: str | None = None,
) -> Facts:  # fmt: skip
    return Facts(
        org=org, sender=parsed.from_addr, mailbox=mailbox, subject=parsed.subject,
        issuer=found.issuer, doc_type=found.doc_type, system=found.system,
        urgency=found.urgency, secrecy=found.secrecy, trust=trust,
        summary=found.summary or "", text=found.text,
    )  # fmt: skip


def facts_from_document(
    document: Document, message: InboundMessage | None, org: str, text: str = ""
) -> Facts:
    return Facts(
        org=org,
        sender=message.from_addr if message else None,
        mailbox=message.mailbox if message else None,
        subject=(message.subject or "") if message else "",
        issuer=document.issuer, doc_type=document.doc_type, system=document.system,
        urgency=document.urgency, secrecy=document.secrecy,
        trust=(document.trust or {}).get("level"),
        summary=document.summary or "", text=text,
    )  # fmt: skip


def choose_books(
    settings: Settings, org: OrganisationConfig, message: InboundMessage,
    findings: Findings, parsed: ParsedMessage, trust: str | None,
) -> list[BookChoice | None]:  # fmt: skip
    """For each document found, the register book its rules choose (None: the default book)."""
    rules = current_rules(settings.path(settings.rules.dir))
    return [
        choose_book(rules, facts_from_found(found, parsed, message.mailbox, org.code, trust))
        for found in findings.documents
    ]


def route_message(
    session: Session, blobs: BlobStore, settings: Settings, org: OrganisationConfig,
    message: InboundMessage, parsed: ParsedMessage, findings: Findings,
    documents: list[Document],
) -> None:  # fmt: skip
    """Route the message's new registrations, then acknowledge them to the sender."""
    rules = current_rules(settings.path(settings.rules.dir))
    routed = []
    for document in documents:
        if document.duplicate_of is not None or _already_routed(session, document):
            continue
        position = document.message_position
        text = findings.documents[position].text if position < len(findings.documents) else ""
        facts = facts_from_document(document, message, org.code, text)
        route_document(session, blobs, settings, rules, org, document, facts)
        routed.append(document)
    acknowledge(session, blobs, settings, rules, org, message, parsed,
                [d for d in routed if d.status != "returned"])  # fmt: skip


def _already_routed(session: Session, document: Document) -> bool:
    if document.status != "registered":
        return True
    found = session.scalar(select(Assignment.id).where(Assignment.document_id == document.id))
    return found is not None


def route_document(
    session: Session, blobs: BlobStore, settings: Settings, rules: RoutingRules,
    org: OrganisationConfig, document: Document, facts: Facts, *, actor: str = "gateway",
    reason: str | None = None,
) -> Decision:  # fmt: skip
    """Decide and apply: assignments and notices, or held for the clerk, or returned."""
    decision = decide(rules, facts, local_date(document.registered_at, org))
    events.record(
        session, "routing.decided", "document", document.id,
        organisation_id=document.organisation_id, actor=actor,
        data={"matched": [{"rule": r, "why": w} for r, w in decision.matched],
              "hold": decision.hold, "returned": decision.returned, "book": decision.book,
              "priority": decision.priority, "tags": decision.tags, "reason": reason},
    )  # fmt: skip
    if decision.returned:
        assign(session, blobs, rules, org, document, [], actor=actor, reason=decision.returned)
        return_to_sender(session, blobs, settings, org, document, decision.returned, actor=actor)
    elif decision.hold:
        assign(session, blobs, rules, org, document, [], actor=actor, reason=decision.hold)
        _tell_clerk(session, blobs, rules, org, document, decision.hold)
    else:
        assign(session, blobs, rules, org, document, decision.assignments, actor=actor,
               reason=reason)  # fmt: skip
    log.info("document %s routed: %s", document.id,
             ", ".join(f"{a.assignee}/{a.role}" for a in decision.assignments)
             or ("returned" if decision.returned else "held for the clerk"))  # fmt: skip
    return decision


def _tell_clerk(
    session: Session, blobs: BlobStore, rules: RoutingRules, org: OrganisationConfig,
    document: Document, reason: str,
) -> None:  # fmt: skip
    org_rules = rules.settings(org.code)
    clerk = rules.directory.contact(org_rules.clerk) if org_rules else None
    if clerk is None:
        return
    mail = notices.hold_notice(org.mailboxes[0], org.name, clerk, document, reason)
    enqueue(session, blobs, organisation_id=document.organisation_id, kind="notice", mail=mail,
            mail_from=org.mailboxes[0], document_id=document.id,
            dedupe_key=f"hold:{document.id}")  # fmt: skip


def reroute(
    session: Session, blobs: BlobStore, settings: Settings, document: Document, *,
    actor: str, text: str = "",
) -> Decision | None:  # fmt: skip
    """Route a stored document again with the current rules (duplicates are skipped)."""
    if document.duplicate_of is not None or document.direction != "in":
        return None
    code = session.get_one(Organisation, document.organisation_id).code
    org = settings.organisation(code)
    message = session.get(InboundMessage, document.message_id) if document.message_id else None
    rules = current_rules(settings.path(settings.rules.dir))
    if document.status == "returned":
        document.status = "registered"  # the new decision may keep or undo the return
    facts = facts_from_document(document, message, code, text)
    return route_document(session, blobs, settings, rules, org, document, facts, actor=actor,
                          reason="định tuyến lại theo luật hiện hành")  # fmt: skip
