"""IMAP connections: TLS, STARTTLS, XOAUTH2, refused logins, IDLE edge cases, `gateway fetch`."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.errors import ImapAuthError, ImapError
from gateway.intake import imap_actions as actions
from gateway.intake import imap_idle
from gateway.intake.imap_client import connect
from gateway.intake.imap_idle import wait_idle, wait_poll
from gateway.intake.imap_poller import Backoff
from tests.support.dovecot import PARTY_MAILBOX_2, PASSWORD, Dovecot, dovecot_server
from tests.support.imap_setup import ImapSetup
from tests.support.mailgen import official_email


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


def _account(tmp_path: Path, dovecot: Dovecot, **options: object):  # type: ignore[no-untyped-def]
    setup = ImapSetup(tmp_path, "", dovecot, **options)
    return setup, setup.settings.imap[0]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_encrypted_connection_with_a_private_ca(tmp_path: Path, dovecot: Dovecot, security: str):
    """security = tls / starttls with tls_ca: the server's certificate is verified and used."""
    port = dovecot.tls_port if security == "tls" else dovecot.port
    setup, _ = _account(
        tmp_path, dovecot, security=security, port=port, tls_ca=str(dovecot.cert_file)
    )
    dovecot.append(setup.user, [official_email(1)])
    report = setup.fetch_once()
    assert (report.error, report.new) == (None, 1)
    setup.close()


def test_untrusted_certificate_is_refused_clearly(tmp_path: Path, dovecot: Dovecot):
    """Without tls_ca a self-signed certificate is not trusted, and the error says so."""
    setup, account = _account(tmp_path, dovecot, security="tls", port=dovecot.tls_port)
    with pytest.raises(ImapError, match=r"certificate is not trusted.*set tls_ca"):
        connect(setup.settings, account)
    setup.close()


def test_xoauth2_token_from_a_file(tmp_path: Path, dovecot: Dovecot):
    """oauth2_token_file: the login uses XOAUTH2 with the token read from the file."""
    (tmp_path / "token").write_text(PASSWORD + "\n")
    setup, account = _account(tmp_path, dovecot, oauth2_token_file="token")
    client = connect(setup.settings, account)
    client.logout()
    setup.close()


def test_refused_login_never_shows_the_password(tmp_path: Path, dovecot: Dovecot, caplog):
    """A wrong password is an ImapAuthError naming the account, not the password."""
    setup, account = _account(tmp_path, dovecot, password="sai-mat-khau-42")
    with caplog.at_level(logging.DEBUG), pytest.raises(ImapAuthError, match="refused the login"):
        connect(setup.settings, account)
    assert "sai-mat-khau-42" not in caplog.text
    setup.close()


def test_unreachable_server_is_an_imap_error(tmp_path: Path, dovecot: Dovecot):
    """Nothing listening on the port: a clear, retryable ImapError."""
    from tests.support.dovecot import free_port

    setup, account = _account(tmp_path, dovecot, port=free_port())
    with pytest.raises(ImapError, match="connection refused"):
        connect(setup.settings, account)
    setup.close()


def test_fetch_once_reports_each_account_and_continues_past_a_broken_one(
    tmp_path: Path, dovecot: Dovecot
):
    """`gateway fetch --once --json`: a refused login fails its account only (exit 1)."""
    good, bad = dovecot.new_user(), dovecot.new_user()
    setup = ImapSetup(
        tmp_path,
        "",
        dovecot,
        accounts=[
            {"username": bad, "password": "sai-mat-khau-42"},
            {"username": good, "mailbox": PARTY_MAILBOX_2},
        ],
    )
    dovecot.append(good, [official_email(n) for n in range(3)])
    result = CliRunner().invoke(main, ["fetch", "--once", "--json", "--config", str(setup.config)])
    assert result.exit_code == 1
    accounts = json.loads(result.stdout)["accounts"]
    assert "refused the login" in accounts[0]["error"]
    assert (accounts[1]["error"], accounts[1]["new"], accounts[1]["acted"]) == (None, 3, 3)
    assert "sai-mat-khau-42" not in result.output
    setup.close()


def test_fetch_mailbox_option_selects_accounts(tmp_path: Path, dovecot: Dovecot):
    """`gateway fetch --once --mailbox ADDR` polls only that mailbox; an unknown one is usage."""
    setup = ImapSetup(tmp_path, "", dovecot)
    dovecot.append(setup.user, [official_email(1)])
    runner = CliRunner()
    config = ["--config", str(setup.config)]
    ok = runner.invoke(
        main, ["fetch", "--once", "--mailbox", setup.settings.imap[0].mailbox, *config]
    )
    assert ok.exit_code == 0, ok.output
    assert "1 fetched (1 new" in ok.stdout
    unknown = runner.invoke(main, ["fetch", "--once", "--mailbox", "x@y.vn", *config])
    assert unknown.exit_code == 2
    setup.close()


def test_idle_sees_mail_that_arrived_just_before_it(tmp_path: Path, dovecot: Dovecot):
    """Mail arriving between SELECT and IDLE wakes the poller at once (buffered EXISTS)."""
    user = dovecot.new_user()
    dovecot.append(user, [official_email(1)])
    client = dovecot.client(user)
    client.select_folder("INBOX")
    dovecot.append(user, [official_email(2)])
    assert wait_idle(client, threading.Event(), 5, "test") is True
    client.logout()


def test_idle_ends_when_asked_to_stop(dovecot: Dovecot):
    """A stop request ends IDLE cleanly within about a second, without a change."""
    client = dovecot.client(dovecot.new_user())
    client.select_folder("INBOX")
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    assert wait_idle(client, stop, 30, "test") is False
    client.logout()


def test_idle_notices_a_server_that_goes_away(tmp_path: Path):
    """The server dying during IDLE is an ImapError, not a silent hang."""
    server = Dovecot()
    server.start()
    try:
        client = server.client(server.new_user())
        client.select_folder("INBOX")
        threading.Timer(0.3, server.crash).start()
        with pytest.raises(ImapError):
            wait_idle(client, threading.Event(), 20, "test")
    finally:
        server.close()


def test_polling_wait_keeps_the_connection_alive(dovecot: Dovecot, monkeypatch):
    """Between polls a long wait sends NOOPs, so the server does not log us out."""
    monkeypatch.setattr(imap_idle, "NOOP_EVERY_SECONDS", 0.1)
    client = dovecot.client(dovecot.new_user())
    client.select_folder("INBOX")
    sent = []
    real_noop = client.noop
    monkeypatch.setattr(client, "noop", lambda: sent.append(real_noop()))
    wait_poll(client, threading.Event(), 0.35, "test")
    assert len(sent) >= 2
    client.logout()


def test_move_falls_back_to_copy_and_uid_expunge(dovecot: Dovecot):
    """Without MOVE but with UIDPLUS: COPY, \\Deleted and UID EXPUNGE of our UIDs only."""
    user = dovecot.new_user()
    dovecot.append(user, [official_email(n) for n in range(3)])
    after = actions.After.parse("move:Processed")
    with dovecot.client(user) as client:
        client.select_folder("INBOX")
        actions.prepare(client, after, {b"UIDPLUS"})
        actions.apply(client, after, {b"UIDPLUS"}, [1, 2])
    assert dovecot.uids(user) == [3]
    assert len(dovecot.uids(user, "Processed")) == 2


def test_move_without_move_or_uidplus_only_flags(dovecot: Dovecot):
    """Neither MOVE nor UIDPLUS: nothing is expunged, stored messages get a keyword."""
    user = dovecot.new_user()
    dovecot.append(user, [official_email(n) for n in range(2)])
    after = actions.After.parse("move:Processed")
    with dovecot.client(user) as client:
        client.select_folder("INBOX")
        actions.apply(client, after, set(), [1])
        assert actions.pending(client, after, set(), 2) == [2]
    assert dovecot.flags(user) == {1: (actions.FALLBACK_KEYWORD.encode(),), 2: ()}


def test_backoff_doubles_up_to_its_cap():
    """Reconnection delays grow 1, 2, 4... up to 300 s; a refused login waits at least 60 s."""
    backoff = Backoff()
    assert [backoff.next() for _ in range(4)] == [1, 2, 4, 8]
    assert backoff.next(60) == 60
    for _ in range(10):
        backoff.next()
    assert backoff.next() == 300
    backoff.reset()
    assert backoff.next() == 1
