"""Routing in the pipeline: assignments, notices, acknowledgement and loop protection."""

from __future__ import annotations

from sqlalchemy import select

from gateway.app import App
from gateway.archive.lookup import document_json
from gateway.db.models import Assignment, Document, Event, OutboundMail
from gateway.routing.step import reroute
from tests.routing.helpers import receive
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX


def _outbox(app: App, kind: str) -> list[OutboundMail]:
    with app.db.transaction() as session:
        return list(session.scalars(select(OutboundMail).where(OutboundMail.kind == kind)))


def _with_header(raw: bytes, header: str) -> bytes:
    return header.encode() + b"\r\n" + raw


def test_registered_document_is_assigned_notified_and_acknowledged(app: App):
    """A new document gets its assignments, the assignees a notice, the sender one ack."""
    receive(app, official_email(1))
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        data = document_json(session, document)
    assert data["status"] == "assigned"
    assert data["assignments"] and data["assignments"][0]["role"] == "lead"
    assert set(data["assignments"][0]) == {"assignee", "role", "deadline", "status", "rule"}
    assert _outbox(app, "notice")
    (ack,) = _outbox(app, "ack")
    assert ack.rcpt_to == ["vanthu@tinhuy.hagiang.dcs.vn"]
    raw = app.blobs.read(ack.raw_sha256).decode()
    assert "Auto-Submitted: auto-replied" in raw
    assert "In-Reply-To: <gen-1-0@tinhuy.hagiang.dcs.vn>" in raw
    assert "References: <gen-1-0@tinhuy.hagiang.dcs.vn>" in raw


def test_duplicate_is_not_routed_again(app: App):
    """The same document sent twice: one set of assignments, one acknowledgement."""
    receive(app, official_email(2))
    receive(app, official_email(2).replace(b"<gen-2-0@", b"<resent-2@"))  # same PDF again
    with app.db.transaction() as session:
        docs = list(session.scalars(select(Document).order_by(Document.id)))
        owners = set(session.scalars(select(Assignment.document_id)))
    assert len(docs) == 2 and docs[1].duplicate_of == docs[0].id
    assert owners == {docs[0].id}


def test_no_ack_to_auto_submitted_bulk_list_daemon_or_own_mail(app: App):
    """Loop protection: none of these messages is acknowledged."""
    cases = [
        ("Auto-Submitted: auto-replied", "vanthu@tinhuy.hagiang.dcs.vn"),
        ("Precedence: bulk", "vanthu@tinhuy.hagiang.dcs.vn"),
        ("List-Id: <tin.hagiang.dcs.vn>", "vanthu@tinhuy.hagiang.dcs.vn"),
        ("X-Loop-Test: 1", "MAILER-DAEMON@tinhuy.hagiang.dcs.vn"),
        ("X-Loop-Test: 2", PARTY_MAILBOX),
    ]
    for n, (header, sender) in enumerate(cases, start=10):
        receive(app, _with_header(official_email(n, sender=sender), header))
    assert _outbox(app, "ack") == []
    with app.db.transaction() as session:
        skipped = list(session.scalars(select(Event).where(Event.kind == "ack.skipped")))
    reasons = " | ".join(e.data["reason"] for e in skipped)
    for needle in ("auto-submitted", "bulk", "mailing-list", "system sender", "our own mail"):
        assert needle in reasons


def test_ack_rate_limit_per_sender(app: App):
    """No more than ack_max_per_hour (20) acknowledgements an hour to one sender."""
    for n in range(100, 123):
        receive(app, official_email(n, sender="vanthu@btctu.hagiang.dcs.vn"))
    acks = _outbox(app, "ack")
    assert len(acks) == 20
    with app.db.transaction() as session:
        kinds = [e.data["reason"] for e in session.scalars(
            select(Event).where(Event.kind == "ack.skipped"))]  # fmt: skip
    assert kinds and all("rate limit" in k for k in kinds)


def test_secret_document_is_held_and_clerk_told(app: App):
    """A MẬT document gets no assignment (re-routing too); the clerk gets a notice."""
    receive(app, official_email(3))
    with app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        document.secrecy = "confidential"
        decision = reroute(session, app.blobs, app.settings, document, actor="test")
        assert decision is not None and decision.hold
        assert session.scalars(select(Assignment)).all() == []
        assert document.status == "registered"
    clerk = ["thu.tt@huyenuy.meovac.hagiang.dcs.vn"]
    assert any(m.rcpt_to == clerk for m in _outbox(app, "notice"))
