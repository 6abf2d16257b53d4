"""Durable intake: raw bytes into the blob store, a message row into the database.

Every intake source (SMTP, IMAP, imported files) ends here. ``store_batch`` makes a group of
messages durable together, in one transaction; only when it returns may a source acknowledge
(SMTP 250, IMAP move/flag). A message of at most ``storage.spool_max`` bytes has its raw bytes
committed into the raw spool in that same transaction (one flush for the whole batch; the
spooler, gateway.archive.spool, moves them into the blob store later). A larger one is
written to the blob store first (fsync'd with the rest of the group), then the rows commit.

The same message delivered again is recognised and recorded as another delivery of the one
stored message: by IMAP (account, folder, UIDVALIDITY, UID), else by Message-ID plus the hash
of the body (so a copy that gained Received headers on another path still matches), else by
the hash of the whole raw message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.archive.blobstore import LocalBlobStore
from gateway.config import Settings
from gateway.db.engine import Database
from gateway.db.models import Blob, Delivery, InboundMessage, RawSpool, utcnow
from gateway.errors import StorageError
from gateway.intake.headers import HeaderSummary, summarise_headers
from gateway.intake.rows import Cursor, RowWriter


@dataclass(frozen=True)
class ImapOrigin:
    account: str  # "user@host"
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class IncomingMail:
    """One message as a source received it, before it is stored."""

    raw: bytes
    mailboxes: Sequence[str]  # official mailboxes it was delivered to (already checked)
    source: str  # smtp | imap | file
    envelope_from: str | None = None
    peer: str | None = None
    received_at: dt.datetime | None = None
    imap: ImapOrigin | None = None


@dataclass(frozen=True)
class Stored:
    """What intake did with one IncomingMail: one message id per receiving organisation."""

    message_ids: tuple[int, ...]
    duplicate: bool  # every organisation already had it


def dedupe_key(summary: HeaderSummary, raw_sha256: str) -> str:
    if summary.message_id:
        return f"mid:{summary.message_id[:500]}:{summary.body_sha256}"
    return f"raw:{raw_sha256}"


class Intake:
    """Stores incoming mail durably; thread-safe (each batch uses its own session)."""

    def __init__(self, settings: Settings, db: Database, blobs: LocalBlobStore) -> None:
        self.settings = settings
        self.db = db
        self.blobs = blobs
        self.rows = RowWriter(db.engine.dialect)
        self._org_ids: dict[str, int] = {}

    def organisation_id(self, cursor: Cursor, code: str) -> int:
        if code not in self._org_ids:
            org_id = self.rows.organisation_id(cursor, code)
            if org_id is None:
                raise StorageError(f"organisation {code!r} is not in the database: run init")
            self._org_ids[code] = org_id
        return self._org_ids[code]

    def store(self, mail: IncomingMail) -> Stored:
        return self.store_batch([mail])[0]

    def store_batch(
        self,
        mails: Sequence[IncomingMail],
        also: Callable[[Session], None] | None = None,
    ) -> list[Stored]:
        """Make every mail durable; ``also`` runs in the same transaction (IMAP folder state).

        Raises StorageError when nothing could be committed: the caller must not acknowledge.
        """
        spool_max = self.settings.storage.spool_max
        # Large messages: blob files durable first (they would bloat the database's log).
        large = [mail.raw for mail in mails if len(mail.raw) > spool_max]
        written = iter(self.blobs.put_many(large) if large else [])
        shas: list[str] = []
        spool: dict[str, bytes] = {}  # small messages: bytes committed with the rows
        for mail in mails:
            if len(mail.raw) > spool_max:
                shas.append(next(written).sha256)
            else:
                shas.append(hashlib.sha256(mail.raw).hexdigest())
                spool[shas[-1]] = mail.raw
        summaries = [summarise_headers(mail.raw) for mail in mails]
        # Blob and message inserts skip rows another process stored first (ON CONFLICT); the
        # one-by-one ORM path (IMAP batches mixing folders) and the IMAP delivery constraint
        # can still be refused by a concurrent insert: the second attempt finds the row.
        # Without IMAP origins or extra work (SMTP, imported files) the rows need no Session.
        bare = also is None and all(mail.imap is None for mail in mails)
        for attempt in range(3):
            try:
                if bare:
                    with self.db.dbapi_transaction() as cursor:
                        return self._record_rows(cursor, mails, shas, summaries, spool)
                with self.db.transaction() as session:
                    results = self._record_new_uids(session, mails, shas, summaries, spool)
                    if also is not None:
                        also(session)
                return results
            except StorageError as exc:
                if not isinstance(exc.__cause__, IntegrityError) or attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _record_new_uids(
        self,
        session: Session,
        mails: Sequence[IncomingMail],
        shas: Sequence[str],
        summaries: Sequence[HeaderSummary],
        spool: Mapping[str, bytes] | None,
    ) -> list[Stored]:
        """``_record_batch``, after setting aside IMAP UIDs already stored (one query)."""
        known: dict[int, int] = {}  # index of the mail -> message id of its stored delivery
        origins = {m.imap: i for i, m in enumerate(mails) if m.imap is not None}
        if origins:
            first = next(iter(origins))
            rows = session.execute(
                select(Delivery.imap_uid, Delivery.message_id).where(
                    Delivery.imap_account == first.account,
                    Delivery.imap_folder == first.folder,
                    Delivery.imap_uidvalidity == first.uidvalidity,
                    Delivery.imap_uid.in_([o.uid for o in origins]),
                )
            )
            same = (first.account, first.folder, first.uidvalidity)
            by_uid = {
                o.uid: i for o, i in origins.items() if (o.account, o.folder, o.uidvalidity) == same
            }
            for uid, message_id in rows:
                if uid in by_uid:
                    known[by_uid[uid]] = message_id
            if len(by_uid) < len(origins):  # mixed folders in one batch: ask per message
                rows_by_one = zip(mails, shas, summaries, strict=True)
                return [self._record(session, *row, spool) for row in rows_by_one]
        fresh = [i for i in range(len(mails)) if i not in known]
        recorded = iter(
            self._record_batch(
                session,
                [mails[i] for i in fresh],
                [shas[i] for i in fresh],
                [summaries[i] for i in fresh],
                spool,
            )
        )
        return [
            Stored((known[i],), duplicate=True) if i in known else next(recorded)
            for i in range(len(mails))
        ]

    def _mailbox_per_organisation(self, mail: IncomingMail) -> dict[str, str]:
        by_org: dict[str, str] = {}
        for mailbox in mail.mailboxes:
            org = self.settings.organisation_for(mailbox)
            if org is None:
                raise StorageError(f"{mailbox} is not an official mailbox of any organisation")
            by_org.setdefault(org.code, mailbox.lower())
        return by_org

    def _record_batch(
        self,
        session: Session,
        mails: Sequence[IncomingMail],
        shas: Sequence[str],
        summaries: Sequence[HeaderSummary],
        spool: Mapping[str, bytes] | None = None,
    ) -> list[Stored]:
        """``_record`` for a whole batch in four statements instead of five per message.

        The ORM unit of work cost about a millisecond of CPU per message (a SELECT and an
        INSERT flush each for blob, message and delivery), holding the GIL that the SMTP
        event loop needs: under load that, not the disk, bounded intake. The statements run
        as plain DB-API calls (gateway.intake.rows): a few µs per row; blob and message rows
        are inserted unless already stored, in one statement each that returns what it
        inserted (a fifth looks up the ids of messages stored before). Same rows, same
        results, same order as calling ``_record`` for each mail in turn (a message repeated
        within the batch is created by its first copy; the later ones are duplicates). IMAP
        UIDs already stored are set aside first by ``_record_new_uids``.

        ``spool`` holds the bytes of the blobs that are not in the blob store: each new blob
        among them gets its raw spool row here (a known blob already has its bytes stored).
        """
        with contextlib.closing(self.rows.cursor(session)) as cursor:
            return self._record_rows(cursor, mails, shas, summaries, spool)

    def _record_rows(
        self,
        cursor: Cursor,
        mails: Sequence[IncomingMail],
        shas: Sequence[str],
        summaries: Sequence[HeaderSummary],
        spool: Mapping[str, bytes] | None,
    ) -> list[Stored]:
        """The statements of ``_record_batch`` on a DB-API cursor inside the transaction."""
        now = utcnow()
        rows = self.rows
        sizes = {sha: len(mail.raw) for mail, sha in zip(mails, shas, strict=True)}
        blob_rows = [{"sha256": sha, "size": n, "created_at": now} for sha, n in sizes.items()]
        new_shas = rows.insert_new_blobs(cursor, blob_rows)
        rows.insert_spool(
            cursor,
            [
                {"sha256": sha, "data": spool[sha], "created_at": now}
                for sha in sizes
                if sha in new_shas and spool and sha in spool
            ],
        )

        keys = [dedupe_key(summary, sha) for summary, sha in zip(summaries, shas, strict=True)]
        targets = [
            [(self.organisation_id(cursor, code), mailbox) for code, mailbox in by_org.items()]
            for by_org in map(self._mailbox_per_organisation, mails)
        ]
        first_by: dict[tuple[int, str], int] = {}  # (organisation, key) -> its first mail
        new_rows: list[dict[str, object]] = []
        for index, (mail, key, sha, summary) in enumerate(
            zip(mails, keys, shas, summaries, strict=True)
        ):
            for org_id, mailbox in targets[index]:
                if (org_id, key) in first_by:
                    continue
                first_by[org_id, key] = index
                new_rows.append(
                    {
                        "organisation_id": org_id,
                        "mailbox": mailbox,
                        "source": mail.source,
                        "dedupe_key": key,
                        "message_id": summary.message_id,
                        "raw_sha256": sha,
                        "size": len(mail.raw),
                        "envelope_from": mail.envelope_from,
                        "from_addr": summary.from_addr,
                        "subject": summary.subject,
                        "received_at": mail.received_at or now,
                        "state": "received",
                        "attempts": 0,
                    }
                )
        # A row whose (organisation, key) is already stored is skipped by the insert: its
        # mails are duplicates, and only those ids are looked up.
        message_ids = rows.insert_new_messages(cursor, new_rows)
        created_by = {pair: index for pair, index in first_by.items() if pair in message_ids}
        if stored_before := [pair for pair in first_by if pair not in message_ids]:
            org_ids = sorted({org_id for org_id, _ in stored_before})
            keys_stored = [key for _, key in stored_before]
            message_ids |= rows.message_ids(cursor, org_ids, keys_stored)

        results: list[Stored] = []
        deliveries: list[dict[str, object]] = []
        for index, (mail, key, sha) in enumerate(zip(mails, keys, shas, strict=True)):
            ids = []
            duplicate = True
            for org_id, mailbox in targets[index]:
                ids.append(message_ids[org_id, key])
                if created_by.get((org_id, key)) == index:
                    duplicate = False
                deliveries.append(
                    {
                        "message_id": message_ids[org_id, key],
                        "source": mail.source,
                        "mailbox": mailbox,
                        "received_at": mail.received_at or now,
                        "raw_sha256": sha,
                        "peer": mail.peer,
                        "imap_account": mail.imap.account if mail.imap else None,
                        "imap_folder": mail.imap.folder if mail.imap else None,
                        "imap_uidvalidity": mail.imap.uidvalidity if mail.imap else None,
                        "imap_uid": mail.imap.uid if mail.imap else None,
                    }
                )
            results.append(Stored(tuple(ids), duplicate))
        rows.insert_deliveries(cursor, deliveries)
        return results

    def _organisation_id(self, session: Session, code: str) -> int:
        with contextlib.closing(self.rows.cursor(session)) as cursor:
            return self.organisation_id(cursor, code)

    def _record(
        self,
        session: Session,
        mail: IncomingMail,
        raw_sha256: str,
        summary: HeaderSummary,
        spool: Mapping[str, bytes] | None = None,
    ) -> Stored:
        now = utcnow()
        received_at = mail.received_at or now
        if session.get(Blob, raw_sha256) is None:
            session.add(Blob(sha256=raw_sha256, size=len(mail.raw), created_at=now))
            session.flush()
            if spool and raw_sha256 in spool:
                session.add(RawSpool(sha256=raw_sha256, data=spool[raw_sha256], created_at=now))
                session.flush()
        if mail.imap is not None:
            known = session.scalar(
                select(Delivery.message_id).where(
                    Delivery.imap_account == mail.imap.account,
                    Delivery.imap_folder == mail.imap.folder,
                    Delivery.imap_uidvalidity == mail.imap.uidvalidity,
                    Delivery.imap_uid == mail.imap.uid,
                )
            )
            if known is not None:
                return Stored((known,), duplicate=True)
        key = dedupe_key(summary, raw_sha256)
        by_org: dict[str, str] = {}
        for mailbox in mail.mailboxes:
            org = self.settings.organisation_for(mailbox)
            if org is None:
                raise StorageError(f"{mailbox} is not an official mailbox of any organisation")
            by_org.setdefault(org.code, mailbox.lower())
        ids: list[int] = []
        duplicate = True
        for code, mailbox in by_org.items():
            org_id = self._organisation_id(session, code)
            message = session.scalars(
                select(InboundMessage).where(
                    InboundMessage.organisation_id == org_id, InboundMessage.dedupe_key == key
                )
            ).one_or_none()
            if message is None:
                duplicate = False
                message = InboundMessage(
                    organisation_id=org_id,
                    mailbox=mailbox,
                    source=mail.source,
                    dedupe_key=key,
                    message_id=summary.message_id,
                    raw_sha256=raw_sha256,
                    size=len(mail.raw),
                    envelope_from=mail.envelope_from,
                    from_addr=summary.from_addr,
                    subject=summary.subject,
                    received_at=received_at,
                    state="received",
                    attempts=0,
                )
                session.add(message)
                session.flush()
            session.add(
                Delivery(
                    message_id=message.id,
                    source=mail.source,
                    mailbox=mailbox,
                    received_at=received_at,
                    raw_sha256=raw_sha256,
                    peer=mail.peer,
                    imap_account=mail.imap.account if mail.imap else None,
                    imap_folder=mail.imap.folder if mail.imap else None,
                    imap_uidvalidity=mail.imap.uidvalidity if mail.imap else None,
                    imap_uid=mail.imap.uid if mail.imap else None,
                )
            )
            ids.append(message.id)
        return Stored(tuple(ids), duplicate)
