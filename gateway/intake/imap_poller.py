"""Pollers: keep each [[imap]] account's folder drained, with IDLE or at an interval.

A poller connects, stores what is waiting, then waits for news: IDLE when the server offers it
(re-issued every ``idle_renew`` seconds, before servers or firewalls drop a quiet
connection), else a sleep of ``poll_interval``. Any failure (connection drop, server restart,
timeout, refused login, database trouble) is logged and retried with exponential backoff;
nothing is acknowledged to the server before it is committed, so nothing is lost meanwhile.
Each account has its own thread: one broken mailbox never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from gateway.config import ImapConfig, Settings
from gateway.errors import GatewayError, ImapAuthError
from gateway.intake.imap import FetchReport, FolderSync
from gateway.intake.imap_client import close, connect
from gateway.intake.imap_idle import wait_idle, wait_poll
from gateway.intake.store import Intake

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 300.0
AUTH_BACKOFF_MIN = 60.0  # a refused login will not fix itself in a second: do not hammer


class Backoff:
    """Exponential delays between reconnection attempts: 1, 2, 4 ... 300 seconds."""

    def __init__(self, first: float = BACKOFF_FIRST, cap: float = BACKOFF_MAX) -> None:
        self.first, self.cap = first, cap
        self.current = first

    def next(self, at_least: float = 0.0) -> float:
        delay = max(self.current, at_least)
        self.current = min(self.cap, delay * 2)
        return delay

    def reset(self) -> None:
        self.current = self.first


class Poller:
    """One [[imap]] account: fetch once, or keep fetching until stopped."""

    def __init__(
        self,
        settings: Settings,
        account: ImapConfig,
        intake: Intake,
        *,
        on_store: Callable[[], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.account = account
        self.intake = intake
        self.on_store = on_store
        self.stop = stop or threading.Event()
        self.where = f"{account.account} folder {account.folder!r}"

    def _report(self) -> FetchReport:
        return FetchReport(self.account.account, self.account.mailbox, self.account.folder)

    def fetch_once(self) -> FetchReport:
        """Connect, store everything waiting, log out. Errors end up in ``report.error``."""
        report = self._report()
        try:
            client = connect(self.settings, self.account)
            try:
                FolderSync(self.settings, self.account, self.intake, client).sync(
                    report, self.stop, self.on_store
                )
            finally:
                close(client)
        except GatewayError as exc:
            report.error = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # a bug with one account must not stop the others
            report.error = f"{self.where}: unexpected error: {type(exc).__name__}: {exc}"
            log.exception("%s: unexpected error", self.where)
        return report

    def run(self) -> None:
        """Fetch, wait for news, fetch again... until ``stop`` is set; never raises."""
        backoff = Backoff()
        while not self.stop.is_set():
            try:
                self._session(backoff)
                continue
            except ImapAuthError as exc:
                delay = backoff.next(AUTH_BACKOFF_MIN)
                log.error("%s; retrying in %.0f s", exc, delay)
            except GatewayError as exc:  # ImapError, StorageError, ConfigError (secret file)
                delay = backoff.next()
                log.warning("%s; retrying in %.0f s", exc, delay)
            except Exception:  # a bug must not end intake for this mailbox
                delay = backoff.next()
                log.exception("%s: unexpected error; retrying in %.0f s", self.where, delay)
            self.stop.wait(delay)

    def _session(self, backoff: Backoff) -> None:
        client = connect(self.settings, self.account)
        try:
            sync = FolderSync(self.settings, self.account, self.intake, client)
            log.info(
                "%s: connected (%s)",
                self.where,
                "IDLE" if sync.can_idle else f"polling every {self.account.poll_interval} s",
            )
            while not self.stop.is_set():
                report = self._report()
                sync.sync(report, self.stop, self.on_store)
                backoff.reset()  # a whole round worked: the next failure starts small again
                if report.fetched or report.acted:
                    log.info(
                        "%s: stored %d messages (%d new), %d moved/flagged",
                        self.where,
                        report.fetched,
                        report.new,
                        report.acted,
                    )
                if sync.can_idle:
                    wait_idle(client, self.stop, self.account.idle_renew, self.where)
                else:
                    wait_poll(client, self.stop, self.account.poll_interval, self.where)
        finally:
            close(client)


class ImapPollers:
    """One poller thread per account, started and stopped together (used by serve/fetch)."""

    def __init__(
        self,
        settings: Settings,
        accounts: Sequence[ImapConfig],
        intake: Intake,
        on_store: Callable[[], None] | None = None,
    ) -> None:
        self.stop_event = threading.Event()
        self.pollers = [
            Poller(settings, account, intake, on_store=on_store, stop=self.stop_event)
            for account in accounts
        ]
        self.threads = [
            threading.Thread(target=p.run, name=f"imap-{p.account.account}", daemon=True)
            for p in self.pollers
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let each poller finish the batch in hand, then log out."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
