"""The pipeline worker: claim a received message, run the steps, record the outcome.

The steps and their order are in gateway.pipeline.steps (PREPARE, then RECORD).

Everything after intake is a re-runnable function of the raw bytes: the outcome is written in
one transaction together with the message's new state, so a crash anywhere leaves the message
to be claimed again (its claim expires) and nothing happens twice. Our own failures are
retried with exponential backoff; input we cannot handle is quarantined with the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, or_

from gateway.archive import events
from gateway.archive.blobstore import LocalBlobStore
from gateway.archive.spool import read_raw
from gateway.config import Settings
from gateway.db.claims import claim_next, claimant_name, release_dead_claims
from gateway.db.engine import Database
from gateway.db.models import (
    FAILED,
    PROCESSED,
    PROCESSING,
    QUARANTINED,
    RECEIVED,
    InboundMessage,
    Organisation,
    utcnow,
)
from gateway.errors import GatewayError
from gateway.pipeline import steps
from gateway.pipeline.message import Findings
from gateway.pipeline.steps import Work

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass(frozen=True)
class Outcome:
    message_id: int
    state: str
    documents: int
    reason: str | None = None


class Worker:
    def __init__(self, settings: Settings, db: Database, blobs: LocalBlobStore) -> None:
        self.settings = settings
        self.db = db
        self.blobs = blobs
        self.name = claimant_name()
        self._unrecorded_failures: dict[int, str] = {}

    # -- claiming ---------------------------------------------------------------------

    def claim(self) -> int | None:
        """Take the oldest message that is due; None when there is nothing to do."""
        for failed_id, error in list(self._unrecorded_failures.items()):
            self._fail(failed_id, error)
        now = utcnow()
        due = or_(
            InboundMessage.state == RECEIVED,
            and_(InboundMessage.state == FAILED, InboundMessage.retry_at <= now),
            and_(InboundMessage.state == PROCESSING, InboundMessage.claimed_until < now),
        )
        return claim_next(self.db, InboundMessage, due, [InboundMessage.id], {
            "state": PROCESSING,
            "claimed_by": self.name,
            "claimed_until": now + dt.timedelta(seconds=self.settings.storage.claim_timeout),
            "attempts": InboundMessage.attempts + 1,
        })  # fmt: skip

    def release_orphaned_claims(self) -> int:
        """Give back messages claimed by dead processes of this host (after kill -9)."""
        return release_dead_claims(
            self.db, InboundMessage, InboundMessage.state == PROCESSING, {"state": RECEIVED}
        )

    def run_until_idle(self) -> list[Outcome]:
        outcomes = []
        while (message_id := self.claim()) is not None:
            outcomes.append(self.process(message_id))
        return outcomes

    # -- processing -------------------------------------------------------------------

    def process(self, message_id: int) -> Outcome:
        """Run the pipeline on one claimed message; never raises for a message's fault."""
        try:
            return self._process(message_id)
        except Exception as exc:  # our failure (storage, bug): retry later, keep the reason
            log.exception("processing message %s failed", message_id)
            return self._fail(message_id, f"{type(exc).__name__}: {exc}")

    def _process(self, message_id: int) -> Outcome:
        with self.db.transaction() as session:
            message = session.get_one(InboundMessage, message_id)
            raw_sha256 = message.raw_sha256
            org_code = session.get_one(Organisation, message.organisation_id).code
        work = Work(
            self.settings, self.blobs, self.settings.organisation(org_code),
            read_raw(self.db, self.blobs, raw_sha256),
        )  # fmt: skip
        for prepare in steps.PREPARE:
            prepare(work)
        parsed, findings = work.parsed, work.findings
        with self.db.transaction() as session:
            message = session.get_one(InboundMessage, message_id, with_for_update=True)
            if message.state != PROCESSING or message.claimed_by != self.name:
                # Our claim expired and another worker took the message over.
                return Outcome(message_id, message.state, 0, "claimed by another worker")
            message.from_addr = parsed.from_addr or message.from_addr
            message.subject = parsed.subject or message.subject
            message.message_id = parsed.message_id or message.message_id
            for record in steps.RECORD:
                record(work, session, message)
            documents = work.documents
            state, reason = _final_state(findings, len(documents))
            message.state = state
            message.error = reason
            message.retry_at = None
            message.claimed_by = None
            message.claimed_until = None
            message.processed_at = utcnow()
            events.record(
                session,
                f"message.{state}",
                "message",
                message_id,
                organisation_id=message.organisation_id,
                data={
                    "documents": [d.id for d in documents],
                    "reason": reason,
                    "defects": parsed.defects[:20],
                },
            )
        log.info(
            "message %s %s (%d documents)%s",
            message_id,
            state,
            len(documents),
            f": {reason}" if reason else "",
        )
        return Outcome(message_id, state, len(documents), reason)

    def _fail(self, message_id: int, error: str) -> Outcome:
        try:
            with self.db.transaction() as session:
                message = session.get_one(InboundMessage, message_id)
                attempts = message.attempts
                message.state = FAILED
                message.error = error[:2000]
                message.claimed_by = None
                message.claimed_until = None
                if attempts < self.settings.pipeline.max_attempts:
                    delay = dt.timedelta(
                        seconds=self.settings.pipeline.retry_base_seconds * 2 ** (attempts - 1)
                    )
                    message.retry_at = utcnow() + min(delay, MAX_BACKOFF)
                else:
                    message.retry_at = None  # needs a person: `gateway reprocess`
        except GatewayError as exc:
            # The database itself is down: keep the failure and record it before the next
            # claim, so the message does not sit claimed until the claim expires.
            log.error("cannot record failure of message %s: %s", message_id, exc)
            self._unrecorded_failures[message_id] = error
        else:
            self._unrecorded_failures.pop(message_id, None)
        return Outcome(message_id, FAILED, 0, error)


def _final_state(findings: Findings, documents: int) -> tuple[str, str | None]:
    if findings.quarantine:
        return QUARANTINED, findings.quarantine
    if documents:
        return PROCESSED, None
    return PROCESSED, findings.note or "no official document found"
