"""IMAP intake survives crashes: a killed gateway or restarted Dovecot loses and repeats nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.intake.imap_poller import ImapPollers
from gateway.intake.store import Intake
from tests.support.dovecot import Dovecot, dovecot_server
from tests.support.imap_setup import ImapSetup
from tests.support.mailgen import official_email

GATEWAY = str(Path(sys.executable).parent / "gateway")
N = 300

pytestmark = pytest.mark.slow


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A private server: these tests restart it."""
    yield from dovecot_server()


def _wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        if process is not None and process.poll() is not None:
            raise AssertionError(f"gateway exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.05)


def _assert_each_stored_and_moved_once(setup: ImapSetup, dovecot: Dovecot) -> None:
    assert dovecot.uids(setup.user) == []
    moved = dovecot.message_ids(setup.user, "Processed")
    assert len(moved) == N and len(set(moved)) == N
    assert sorted(setup.stored_message_ids()) == sorted(moved)
    assert (setup.messages(), setup.deliveries()) == (N, N)


def test_killed_gateway_loses_and_duplicates_nothing(
    tmp_path: Path, database_url: str, dovecot: Dovecot
):
    """SIGKILL `gateway fetch` mid-fetch three times, then restart: every message once."""
    # One message per commit: the fetch takes long enough for the kills to land inside it.
    setup = ImapSetup(tmp_path, database_url, dovecot, batch_size=1)
    dovecot.append(setup.user, [official_email(n) for n in range(N)])
    log_path = tmp_path / "fetch.log"
    log = open(log_path, "ab")  # noqa: SIM115
    killed_at = [0]
    for _ in range(3):
        process = subprocess.Popen(
            [GATEWAY, "fetch", "--config", str(setup.config)], stdout=log, stderr=log
        )
        try:
            # Kill as soon as this run has stored something.
            _wait_for(
                lambda before=killed_at[-1]: setup.messages() > before,
                90,
                "progress",
                process,
                log_path,
            )
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        killed_at.append(setup.messages())
    assert killed_at[1] < N, "the first kill came after the fetch had finished"

    done = subprocess.run(
        [GATEWAY, "fetch", "--once", "--config", str(setup.config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _assert_each_stored_and_moved_once(setup, dovecot)
    setup.close()


def test_dovecot_restart_mid_fetch_loses_and_duplicates_nothing(
    tmp_path: Path, database_url: str, dovecot: Dovecot
):
    """The server restarting mid-fetch: the poller reconnects and finishes, each message once."""
    setup = ImapSetup(tmp_path, database_url, dovecot, batch_size=2)
    dovecot.append(setup.user, [official_email(n) for n in range(N)])
    restarted_at: list[int] = []

    class RestartingIntake(Intake):
        """Restarts Dovecot right after the 10th batch is committed, before its MOVE."""

        def store_batch(self, mails, also=None):  # type: ignore[no-untyped-def]
            results = super().store_batch(mails, also)
            self.batches = getattr(self, "batches", 0) + 1
            if self.batches == 10:
                dovecot.restart()
                restarted_at.append(setup.messages())
            return results

    intake = RestartingIntake(setup.settings, setup.app.db, setup.app.blobs)
    pollers = ImapPollers(setup.settings, setup.settings.imap, intake)
    pollers.start()
    try:
        _wait_for(lambda: bool(restarted_at), 60, "the restart")
        _wait_for(lambda: setup.messages() >= N, 60, "every message after the restart")
        _wait_for(lambda: not dovecot.uids(setup.user), 30, "the last moves")
    finally:
        pollers.stop()
    assert restarted_at == [20]
    _assert_each_stored_and_moved_once(setup, dovecot)
    setup.close()


def test_poller_keeps_going_while_another_account_is_broken(
    tmp_path: Path, database_url: str, dovecot: Dovecot
):
    """One account refusing logins does not delay the other account's mail."""
    good, bad = dovecot.new_user(), dovecot.new_user()
    setup = ImapSetup(
        tmp_path,
        database_url,
        dovecot,
        accounts=[
            {"username": bad, "password": "sai-mat-khau"},
            {"username": good},
        ],
    )
    wake = threading.Event()
    pollers = ImapPollers(setup.settings, setup.settings.imap, setup.intake, on_store=wake.set)
    pollers.start()
    try:
        time.sleep(0.5)
        dovecot.append(good, [official_email(1)])
        assert wake.wait(10)
        assert all(thread.is_alive() for thread in pollers.threads)
    finally:
        pollers.stop()
    assert setup.messages() == 1
    setup.close()
