"""IMAP intake against a real Dovecot: stored once, acted on only after storing, idempotent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.db.models import Delivery, Document
from gateway.errors import ImapError, StorageError
from gateway.intake import imap as imap_module
from gateway.intake.imap_poller import ImapPollers
from gateway.intake.store import IncomingMail, Intake
from gateway.pipeline.worker import Worker
from tests.support.dovecot import PARTY_MAILBOX_2, Dovecot, dovecot_server
from tests.support.imap_setup import ImapSetup
from tests.support.mailgen import official_email
from tests.support.settings import PARTY_MAILBOX


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


@pytest.fixture
def imap(tmp_path: Path, database_url: str, dovecot: Dovecot) -> Iterator[ImapSetup]:
    setup = ImapSetup(tmp_path, database_url, dovecot)
    yield setup
    setup.close()


def _process(setup: ImapSetup) -> None:
    app = setup.app
    Worker(app.settings, app.db, app.blobs).run_until_idle()


@pytest.mark.slow
def test_500_messages_are_stored_and_registered_exactly_once(imap: ImapSetup, dovecot: Dovecot):
    """500 APPENDed messages: each stored, moved and registered once; a second fetch is a no-op."""
    raws = [official_email(n) for n in range(500)]
    dovecot.append(imap.user, raws)
    report = imap.fetch_once()
    assert report.error is None
    assert (report.fetched, report.new, report.acted) == (500, 500, 500)
    assert dovecot.uids(imap.user) == []
    moved = dovecot.message_ids(imap.user, "Processed")
    assert len(moved) == 500 and len(set(moved)) == 500
    assert sorted(imap.stored_message_ids()) == sorted(moved)
    assert imap.deliveries() == 500
    _process(imap)
    with imap.app.db.transaction() as session:
        numbers = list(session.scalars(select(Document.number)))
    assert sorted(numbers) == list(range(1, 501))

    again = imap.fetch_once()
    assert (again.fetched, again.acted, again.error) == (0, 0, None)
    _process(imap)
    assert (imap.messages(), imap.deliveries(), imap.documents()) == (500, 500, 500)


def test_fetched_messages_stay_unread_and_keep_leaves_them(tmp_path, database_url, dovecot):
    """after = "keep": messages are fetched with BODY.PEEK[] and left exactly as they were."""
    setup = ImapSetup(tmp_path, database_url, dovecot, after="keep")
    dovecot.append(setup.user, [official_email(n) for n in range(3)])
    assert setup.fetch_once().new == 3
    assert set(dovecot.flags(setup.user).values()) == {()}
    assert setup.fetch_once().fetched == 0
    setup.close()


def test_flag_marks_stored_messages_in_place(tmp_path, database_url, dovecot):
    """after = "flag:$Registered": stored messages stay in the folder with the keyword."""
    setup = ImapSetup(tmp_path, database_url, dovecot, after="flag:$Registered")
    dovecot.append(setup.user, [official_email(n) for n in range(4)])
    assert setup.fetch_once().acted == 4
    assert set(dovecot.flags(setup.user).values()) == {(b"$Registered",)}
    assert setup.fetch_once().fetched == 0
    setup.close()


def test_uidvalidity_change_rescans_without_duplicates(tmp_path, database_url, dovecot):
    """A recreated folder (new UIDVALIDITY) is read again; every message is recognised."""
    folder = "Công văn đến"  # Vietnamese names travel as modified UTF-7
    setup = ImapSetup(tmp_path, database_url, dovecot, folder=folder, after="move:Đã vào sổ")
    raws = [official_email(n) for n in range(30)]
    dovecot.append(setup.user, raws, folder=folder)
    assert setup.fetch_once().new == 30
    old_state = setup.folder_state()
    with dovecot.client(setup.user) as client:
        client.delete_folder(folder)
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock (seconds)
    dovecot.append(setup.user, raws, folder=folder)

    report = setup.fetch_once()
    assert report.uidvalidity_changed
    assert (report.fetched, report.new, report.duplicates) == (30, 0, 30)
    new_state = setup.folder_state()
    assert old_state and new_state and new_state[0] != old_state[0] and new_state[1] == 30
    assert setup.messages() == 30
    assert setup.deliveries() == 60  # both lives of the folder are on record
    assert setup.fetch_once().fetched == 0
    assert dovecot.uids(setup.user, folder) == []
    assert len(dovecot.uids(setup.user, "Đã vào sổ")) == 60  # each life of the folder moved
    _process(setup)
    assert setup.documents() == 30
    setup.close()


def test_same_message_by_smtp_and_two_mailboxes_is_stored_and_registered_once(
    tmp_path, database_url, dovecot
):
    """SMTP plus two IMAP mailboxes of one organisation: one message, one registration."""
    first, second = dovecot.new_user(), dovecot.new_user()
    setup = ImapSetup(
        tmp_path,
        database_url,
        dovecot,
        accounts=[
            {"username": first, "mailbox": PARTY_MAILBOX},
            {"username": second, "mailbox": PARTY_MAILBOX_2},
        ],
    )
    raw = official_email(7)
    setup.intake.store(IncomingMail(raw=raw, mailboxes=[PARTY_MAILBOX], source="smtp"))
    # The IMAP copies gained a Received header on the way: still the same message.
    relayed = b"Received: from mx.hagiang.dcs.vn; Mon, 2 Nov 2026 08:00:02 +0700\r\n" + raw
    dovecot.append(first, [relayed])
    dovecot.append(second, [raw])
    assert setup.fetch_once(0).duplicates == 1
    assert setup.fetch_once(1).duplicates == 1
    _process(setup)
    assert (setup.messages(), setup.deliveries(), setup.documents()) == (1, 3, 1)
    setup.close()


class _FailingIntake(Intake):
    """Refuses to store the n-th batch (database or disk trouble)."""

    def __init__(self, setup: ImapSetup, fail_at: int) -> None:
        super().__init__(setup.settings, setup.app.db, setup.app.blobs)
        self.calls, self.fail_at = 0, fail_at

    def store_batch(self, mails, also=None):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == self.fail_at:
            raise StorageError("database error: disk I/O error")
        return super().store_batch(mails, also)


def test_nothing_is_moved_before_it_is_stored(tmp_path, database_url, dovecot):
    """When storing fails, that batch and the rest stay in the folder, untouched."""
    setup = ImapSetup(tmp_path, database_url, dovecot, batch_size=10)
    dovecot.append(setup.user, [official_email(n) for n in range(30)])
    report = setup.fetch_once(intake=_FailingIntake(setup, fail_at=2))
    assert report.error and "disk I/O error" in report.error
    assert report.acted == 10
    assert len(dovecot.uids(setup.user)) == 20
    assert set(dovecot.flags(setup.user).values()) == {()}  # not even \Seen
    assert len(dovecot.uids(setup.user, "Processed")) == 10
    assert setup.messages() == 10 and setup.folder_state() is not None
    assert setup.folder_state()[1] == 10  # type: ignore[index]

    assert setup.fetch_once().fetched == 20
    moved = dovecot.message_ids(setup.user, "Processed")
    assert len(moved) == 30 and len(set(moved)) == 30
    assert setup.messages() == 30
    setup.close()


def test_move_interrupted_after_commit_is_finished_next_time(
    tmp_path, database_url, dovecot, monkeypatch
):
    """A connection lost between commit and MOVE: the next connection moves, stores nothing."""
    setup = ImapSetup(tmp_path, database_url, dovecot, batch_size=10)
    dovecot.append(setup.user, [official_email(n) for n in range(25)])
    real_apply = imap_module.actions.apply

    def broken_apply(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ImapError("connection reset by peer")

    monkeypatch.setattr(imap_module.actions, "apply", broken_apply)
    assert setup.fetch_once().error == "connection reset by peer"
    assert setup.messages() == 10 and len(dovecot.uids(setup.user)) == 25

    monkeypatch.setattr(imap_module.actions, "apply", real_apply)
    report = setup.fetch_once()
    assert (report.fetched, report.new, report.acted) == (15, 15, 25)
    assert dovecot.uids(setup.user) == []
    moved = dovecot.message_ids(setup.user, "Processed")
    assert len(moved) == 25 and len(set(moved)) == 25
    assert (setup.messages(), setup.deliveries()) == (25, 25)
    setup.close()


def test_idle_registers_new_mail_within_seconds(imap: ImapSetup, dovecot: Dovecot):
    """A message APPENDed while the poller IDLEs is stored and registered within 10 s."""
    wake = threading.Event()
    pollers = ImapPollers(imap.settings, imap.settings.imap, imap.intake, on_store=wake.set)
    pollers.start()
    try:
        dovecot.append(imap.user, [official_email(1)])
        assert wake.wait(10), "the first message was not stored"
        wake.clear()
        time.sleep(0.5)  # the poller is back in IDLE
        started = time.monotonic()
        dovecot.append(imap.user, [official_email(2)])
        assert wake.wait(10), "the message APPENDed during IDLE was not stored"
        _process(imap)
        elapsed = time.monotonic() - started
    finally:
        pollers.stop()
    assert imap.documents() == 2
    assert elapsed < 10
    assert len(dovecot.uids(imap.user, "Processed")) == 2


def test_polling_without_idle_picks_up_new_mail(tmp_path, database_url, dovecot):
    """idle = false: the folder is polled every poll_interval seconds."""
    setup = ImapSetup(tmp_path, database_url, dovecot, idle=False, poll_interval=1)
    wake = threading.Event()
    pollers = ImapPollers(setup.settings, setup.settings.imap, setup.intake, on_store=wake.set)
    pollers.start()
    try:
        time.sleep(0.3)
        dovecot.append(setup.user, [official_email(3)])
        assert wake.wait(5)
    finally:
        pollers.stop()
    assert setup.messages() == 1
    setup.close()


def test_stored_delivery_records_its_imap_origin(imap: ImapSetup, dovecot: Dovecot):
    """Each delivery keeps account, folder, UIDVALIDITY and UID (the idempotency key)."""
    dovecot.append(imap.user, [official_email(4)])
    imap.fetch_once()
    state = imap.folder_state()
    with imap.app.db.transaction() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.source == "imap"
        assert delivery.imap_account == f"{imap.user}@127.0.0.1"
        assert (delivery.imap_folder, delivery.imap_uid) == ("INBOX", 1)
        assert state is not None and delivery.imap_uidvalidity == state[0]
        assert delivery.mailbox == PARTY_MAILBOX
