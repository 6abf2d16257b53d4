"""Delivery through a real local SMTP relay: retries, permanent failures, exactly the bytes."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from sqlalchemy import select

from gateway.app import App
from gateway.db.models import FAILED, QUEUED, SENT, Organisation, OutboundMail, utcnow
from gateway.outgoing.delivery import Sender
from gateway.outgoing.outbox import enqueue
from tests.support.gateway_process import free_port
from tests.support.relay import Relay
from tests.support.settings import PARTY_MAILBOX


def queue_mails(app: App, count: int, to: str = "vanthu@tinhuy.hagiang.dcs.vn") -> list[str]:
    """Queue ``count`` notices from the Party committee; returns their Message-IDs."""
    ids = []
    with app.db.transaction() as session:
        org = session.scalars(
            select(Organisation).where(Organisation.code == "huyenuy-meovac")
        ).one()
        for i in range(count):
            mail = EmailMessage()
            mail["From"] = PARTY_MAILBOX
            mail["To"] = to
            mail["Subject"] = f"Thông báo số {i + 1}: đã nhận văn bản"
            mail.set_content(f"Văn thư Huyện ủy Mèo Vạc đã nhận văn bản thứ {i + 1}.\n")
            row = enqueue(session, app.blobs, organisation_id=org.id, kind="notice", mail=mail,
                          mail_from=PARTY_MAILBOX)  # fmt: skip
            ids.append(row.message_id)
    return ids


class Clock:
    """A clock the test moves forward, so retries are due without waiting for them."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now


def rows(app: App) -> list[OutboundMail]:
    with app.db.transaction() as session:
        return list(session.scalars(select(OutboundMail).order_by(OutboundMail.id)))


def test_mail_is_delivered_once_with_its_exact_bytes(app: App, relay: Relay):
    """A queued mail reaches the relay once, byte for byte as queued, and is marked sent."""
    ids = queue_mails(app, 3)
    outcomes = Sender(app.settings, app.db, app.blobs).run_until_idle()
    assert [o.state for o in outcomes] == [SENT] * 3
    assert sorted(relay.handler.message_ids()) == sorted(ids)
    for row, received in zip(rows(app), relay.handler.received, strict=True):
        assert received.data.replace(b"\r\n", b"\n") == app.blobs.read(row.raw_sha256).replace(
            b"\r\n", b"\n"
        )
        assert row.state == SENT and row.attempts == 1 and row.last_answer.startswith("250")
    assert Sender(app.settings, app.db, app.blobs).run_until_idle() == []


def test_451_is_retried_with_backoff_until_accepted(app: App, relay: Relay):
    """A relay that answers 451 for a while gets each mail once it accepts, and only once."""
    relay.handler.temporary_failures = 7
    ids = queue_mails(app, 3)
    clock = Clock()
    sender = Sender(app.settings, app.db, app.blobs, clock=clock)
    first = sender.run_until_idle()
    assert {o.state for o in first} == {QUEUED}  # all three answered 451, waiting
    delays = [r.next_attempt_at - clock.now for r in rows(app)]  # type: ignore[operator]
    assert all(d == dt.timedelta(seconds=1) for d in delays)
    assert sender.run_until_idle() == []  # not due yet: nothing is attempted
    for _ in range(10):
        clock.now += dt.timedelta(hours=7)
        sender.run_until_idle()
    assert sorted(relay.handler.message_ids()) == sorted(ids)  # each exactly once
    assert all(r.state == SENT for r in rows(app))
    assert sum(r.attempts for r in rows(app)) == 3 + 7
    assert relay.handler.answers.count("451 4.3.0 Hệ thống bận, thử lại sau") == 7


def test_backoff_doubles(app: App, relay: Relay):
    """Each temporary failure doubles the wait before the next attempt."""
    relay.handler.temporary_failures = 3
    queue_mails(app, 1)
    clock = Clock()
    sender = Sender(app.settings, app.db, app.blobs, clock=clock)
    waits = []
    for _ in range(3):
        sender.run_until_idle()
        (row,) = rows(app)
        assert row.next_attempt_at is not None
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        clock.now = row.next_attempt_at
    assert waits == [1, 2, 4]
    sender.run_until_idle()
    assert rows(app)[0].state == SENT


def test_550_is_permanent_and_the_answer_is_kept(app: App, relay: Relay):
    """A 5xx answer fails the mail at once, with the server's answer recorded."""
    relay.handler.permanent = "550 5.7.1 Thư bị từ chối theo chính sách"
    queue_mails(app, 1)
    (outcome,) = Sender(app.settings, app.db, app.blobs).run_until_idle()
    (row,) = rows(app)
    assert outcome.state == FAILED == row.state
    assert row.attempts == 1 and row.next_attempt_at is None
    assert row.last_answer == "550 5.7.1 Thư bị từ chối theo chính sách"


def test_rejected_recipient_is_permanent(app: App, relay: Relay):
    """A recipient the relay refuses with 550 fails the mail, naming the recipient."""
    relay.handler.reject_rcpt = {"khongco@tinhuy.hagiang.dcs.vn"}
    queue_mails(app, 1, to="khongco@tinhuy.hagiang.dcs.vn")
    Sender(app.settings, app.db, app.blobs).run_until_idle()
    (row,) = rows(app)
    assert row.state == FAILED and "khongco@tinhuy.hagiang.dcs.vn: 550" in (row.last_answer or "")


def test_unreachable_relay_is_retried_then_failed(app: App, relay: Relay):
    """Connection errors are retried; after max_attempts the mail fails with the error kept."""
    closed = app.settings.outgoing.model_copy(update={"relay": f"127.0.0.1:{free_port()}"})
    queue_mails(app, 1)
    clock = Clock()
    settings = app.settings.model_copy(update={"outgoing": closed})
    sender = Sender(settings, app.db, app.blobs, clock=clock)
    for _ in range(app.settings.outgoing.max_attempts):
        sender.run_until_idle()
        clock.now += dt.timedelta(hours=7)
    (row,) = rows(app)
    assert row.state == FAILED and row.attempts == app.settings.outgoing.max_attempts
    assert "ConnectionRefusedError" in (row.last_answer or "")
