"""IMAP intake: pull the new messages of one watched folder into the archive, losslessly.

One ``FolderSync`` works on one logged-in connection. Each round it selects the folder, finds
the UIDs above the stored high-water mark (explicit UID ranges, never "N:*", which imapclient 4
mishandles), fetches them in batches bounded by count and bytes with BODY.PEEK[] (nothing is
marked read), stores each batch through the same Intake as SMTP while the folder state
(UIDVALIDITY, highest UID) is committed in the same transaction, and only then moves or flags
the stored UIDs. A crash anywhere leaves every message either on the server untouched, or
stored and waiting for its action, which the next connection finishes.

When UIDVALIDITY changes (folder recreated, server migrated) the folder is read again from the
start; Intake recognises each message already stored by Message-ID and body hash.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gateway.config import ImapConfig, Settings
from gateway.errors import ImapError
from gateway.intake import imap_actions as actions
from gateway.intake import imap_state
from gateway.intake.imap_client import imap_errors
from gateway.intake.store import ImapOrigin, IncomingMail, Intake

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 32 * 1024 * 1024  # bounds memory however large the mailbox is
SIZE_CHUNK = 1000  # UIDs whose sizes are asked in one round trip


@dataclass
class FetchReport:
    """What one account's fetch did (the CLI prints it, tests read it)."""

    account: str
    mailbox: str
    folder: str
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    acted: int = 0
    uidvalidity_changed: bool = False
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_batches(
    sizes: Mapping[int, int], max_count: int, max_bytes: int = MAX_BATCH_BYTES
) -> list[list[int]]:
    """Group UIDs in ascending order into batches of at most max_count messages / max_bytes.

    A message larger than max_bytes travels alone.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in sorted(sizes):
        size = sizes[uid]
        if current and (len(current) >= max_count or total + size > max_bytes):
            batches.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        batches.append(current)
    return batches


def _received_at(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return None  # no usable INTERNALDATE: Intake uses the time of storing


class FolderSync:
    """The watched folder of one account, on one logged-in connection."""

    def __init__(self, settings: Settings, account: ImapConfig, intake: Intake, client: Any):
        self.settings = settings
        self.account = account
        self.intake = intake
        self.client = client
        self.name = account.account
        self.where = f"{account.account} folder {account.folder!r}"
        self.after = actions.After.parse(account.after)
        with imap_errors(self.where, "reading capabilities"):
            self.capabilities = frozenset(client.capabilities())
        self._first_round = True

    @property
    def can_idle(self) -> bool:
        return self.account.idle and b"IDLE" in self.capabilities

    def sync(
        self,
        report: FetchReport,
        stop: threading.Event | None = None,
        on_store: Callable[[], None] | None = None,
    ) -> None:
        """Store every message above the high-water mark, then move/flag it. One round."""
        with imap_errors(self.where, "selecting the folder"):
            info = self.client.select_folder(self.account.folder)
            uidvalidity = int(info[b"UIDVALIDITY"])
            uidnext = info.get(b"UIDNEXT")
            if self._first_round:
                actions.prepare(self.client, self.after, self.capabilities)
        state = imap_state.load(self.intake.db, self.name, self.account.folder)
        highest = 0
        changed = state is not None and state.uidvalidity != uidvalidity
        if state is not None and not changed:
            highest = state.highest_uid
        if changed:
            assert state is not None
            report.uidvalidity_changed = True
            log.warning(
                "%s: UIDVALIDITY changed from %d to %d (folder recreated or server migrated): "
                "reading the folder again; messages already stored are recognised",
                self.where,
                state.uidvalidity,
                uidvalidity,
            )
        if self._first_round:
            self._finish_pending(uidvalidity, highest, report)
            self._first_round = False
        uids = self._new_uids(highest, uidnext)
        if not uids and changed:
            # An empty recreated folder: remember the new UIDVALIDITY so we stop warning.
            self.intake.store_batch([], also=self._advance(uidvalidity, 0))
        for start in range(0, len(uids), SIZE_CHUNK):
            chunk = uids[start : start + SIZE_CHUNK]
            with imap_errors(self.where, "reading message sizes"):
                fetched = self.client.fetch(chunk, ["RFC822.SIZE"])
            sizes = {uid: int(fetched.get(uid, {}).get(b"RFC822.SIZE", 0)) for uid in chunk}
            for batch in plan_batches(sizes, self.account.batch_size):
                if stop is not None and stop.is_set():
                    return
                self._pull(batch, uidvalidity, report)
                if on_store is not None:
                    on_store()

    def _new_uids(self, highest: int, uidnext: object) -> list[int]:
        with imap_errors(self.where, "searching for new messages"):
            if isinstance(uidnext, int):
                if uidnext <= highest + 1:
                    return []
                found = self.client.search(["UID", f"{highest + 1}:{uidnext - 1}"])
            else:  # a server that does not announce UIDNEXT: list all and filter here
                found = self.client.search(["ALL"])
        return sorted(int(uid) for uid in found if int(uid) > highest)

    def _advance(self, uidvalidity: int, highest: int) -> Callable[[Any], None]:
        def advance(session: Any) -> None:
            imap_state.advance(session, self.name, self.account.folder, uidvalidity, highest)

        return advance

    def _pull(self, batch: Sequence[int], uidvalidity: int, report: FetchReport) -> None:
        with imap_errors(self.where, "fetching messages"):
            data = self.client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        mails: list[IncomingMail] = []
        missing: list[int] = []
        for uid in batch:
            item = data.get(uid) or {}
            raw = item.get(b"BODY[]")
            if raw is None:
                missing.append(uid)
                continue
            mails.append(
                IncomingMail(
                    raw=bytes(raw),
                    mailboxes=[self.account.mailbox],
                    source="imap",
                    peer=f"{self.account.host}:{self.account.port}",
                    received_at=_received_at(item.get(b"INTERNALDATE")),
                    imap=ImapOrigin(self.name, self.account.folder, uidvalidity, uid),
                )
            )
        still_there = self._still_there(missing)
        # Never move the high-water mark past a message the server has but did not give us.
        highest = min(still_there) - 1 if still_there else max(batch)
        results = self.intake.store_batch(mails, also=self._advance(uidvalidity, highest))
        report.fetched += len(mails)
        report.new += sum(1 for r in results if not r.duplicate)
        report.duplicates += sum(1 for r in results if r.duplicate)
        # Committed: from here on the messages are safe and may leave the folder.
        with imap_errors(self.where, f"{self.after.method(self.capabilities)} after storing"):
            actions.apply(
                self.client,
                self.after,
                self.capabilities,
                [m.imap.uid for m in mails if m.imap is not None],
            )
        report.acted += len(mails) if self.after.kind != "keep" else 0
        if still_there:
            raise ImapError(
                f"{self.where}: the server did not return UIDs {still_there[:10]}; "
                "they stay on the server and will be fetched again"
            )

    def _still_there(self, missing: list[int]) -> list[int]:
        """Of the UIDs FETCH did not return, those that still exist (not expunged meanwhile)."""
        if not missing:
            return []
        with imap_errors(self.where, "checking for expunged messages"):
            found = self.client.search(["UID", ",".join(str(uid) for uid in missing)])
        return sorted(int(uid) for uid in found if int(uid) in set(missing))

    def _finish_pending(self, uidvalidity: int, highest: int, report: FetchReport) -> None:
        """Move/flag messages stored before an interruption that had no action yet."""
        with imap_errors(self.where, "looking for stored messages still waiting"):
            waiting = actions.pending(self.client, self.after, self.capabilities, highest)
        if not waiting:
            return
        stored = sorted(
            imap_state.stored_uids(
                self.intake.db, self.name, self.account.folder, uidvalidity, waiting
            )
        )
        with imap_errors(self.where, "finishing interrupted moves"):
            actions.apply(self.client, self.after, self.capabilities, stored)
        report.acted += len(stored)
        if stored:
            log.info(
                "%s: finished the %s of %d messages stored before an interruption",
                self.where,
                self.after.kind,
                len(stored),
            )
