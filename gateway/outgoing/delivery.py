"""The sender: deliver queued mail through ``outgoing.relay``, exactly as it was queued.

States: queued -> sending -> sent, or failed (permanent, the server's answer kept).
A connection error, a timeout or a 4xx answer is retried with exponential backoff
(``outgoing.retry_base_seconds`` doubling, at most 6 hours) until ``outgoing.max_attempts``;
a 5xx answer fails the mail at once.

Guarantee: every queued mail is delivered at least once, and any repeat is the same bytes
with the same Message-ID. A mail is claimed (state ``sending``) in its own committed
transaction before the SMTP conversation and marked ``sent`` after the relay's 250. If the
process dies in between, nobody knows whether the relay kept the mail, so it is sent again:
at once by the next sender started on the same host (the dead claim is released), or by any
sender once ``outgoing.claim_timeout`` has passed. Because the Message-ID and bytes were fixed
when the mail was queued, the receiver recognises the repeat (our own intake merges it by
Message-ID + content hash). A mail is never lost and never changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, or_

from gateway.archive import events
from gateway.archive.blobstore import LocalBlobStore
from gateway.config import Settings, read_secret
from gateway.db.claims import claim_next, claimant_name, release_dead_claims
from gateway.db.engine import Database
from gateway.db.models import FAILED, QUEUED, SENDING, SENT, OutboundMail, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=6)
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Attempt:
    """What one SMTP attempt gave: ``ok``, else retryable (4xx, no connection) or not (5xx)."""

    ok: bool
    permanent: bool
    answer: str


@dataclass(frozen=True)
class Outcome:
    outbound_id: int
    message_id: str
    state: str
    answer: str


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {text}".strip()[:2000]


class Relay:
    """One SMTP conversation per mail with ``outgoing.relay`` (STARTTLS and AUTH as set)."""

    def __init__(self, settings: Settings) -> None:
        self.config = settings.outgoing
        host, _, port = self.config.relay.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.password = read_secret(
            settings,
            literal=self.config.password,
            file=self.config.password_file,
            env=self.config.password_env,
            what="outgoing.password",
        )
        self.tls_ca = str(settings.path(self.config.tls_ca)) if self.config.tls_ca else None

    def send(self, mail_from: str, rcpt_to: list[str], raw: bytes) -> Attempt:
        try:
            return self._send(mail_from, rcpt_to, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            answers = [f"{rcpt}: {_answer(c, m)}" for rcpt, (c, m) in exc.recipients.items()]
            permanent = all(c >= 500 for c, _ in exc.recipients.values())
            return Attempt(False, permanent, "; ".join(answers)[:2000])
        except smtplib.SMTPResponseException as exc:
            return Attempt(False, exc.smtp_code >= 500, _answer(exc.smtp_code, exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:  # no connection, reset, timeout, TLS
            return Attempt(False, False, f"{type(exc).__name__}: {exc}"[:2000])

    def _send(self, mail_from: str, rcpt_to: list[str], raw: bytes) -> Attempt:
        local_hostname = self.config.helo or None
        with smtplib.SMTP(
            self.host, self.port, local_hostname=local_hostname, timeout=self.config.timeout
        ) as smtp:
            smtp.ehlo()
            if self.config.starttls:
                # Required when configured: no silent fallback to a plain connection.
                context = ssl.create_default_context(cafile=self.tls_ca)
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.config.username:
                smtp.login(self.config.username, self.password)
            refused = smtp.sendmail(mail_from, rcpt_to, raw)
        # Some recipients refused while others took the mail: it is delivered and cannot be
        # sent again without repeating it to those who have it, so the refusals are recorded.
        answer = "250 accepted"
        if refused:
            answer += "; refused: " + "; ".join(
                f"{rcpt}: {_answer(c, m)}" for rcpt, (c, m) in refused.items()
            )
        return Attempt(True, False, answer[:2000])


class Sender:
    """Claims due mail and delivers it; many senders may run against one database."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        blobs: LocalBlobStore,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.config = settings.outgoing
        self.db = db
        self.blobs = blobs
        self.clock = clock
        self.name = claimant_name()
        self.relay = Relay(settings)

    def claim(self) -> int | None:
        """Take the mail that is due first (committed before any SMTP), or None."""
        now = self.clock()
        due = or_(
            and_(OutboundMail.state == QUEUED, OutboundMail.next_attempt_at <= now),
            and_(OutboundMail.state == SENDING, OutboundMail.claimed_until < now),
        )
        return claim_next(
            self.db, OutboundMail, due, [OutboundMail.next_attempt_at, OutboundMail.id], {
                "state": SENDING,
                "claimed_by": self.name,
                "claimed_until": now + dt.timedelta(seconds=self.config.claim_timeout),
                "attempts": OutboundMail.attempts + 1,
            },
        )  # fmt: skip

    def deliver(self, outbound_id: int) -> Outcome:
        """One attempt for a claimed mail; the outcome is committed with the new state."""
        with self.db.transaction() as session:
            row = session.get_one(OutboundMail, outbound_id)
            mail_from, rcpt_to, sha256 = row.mail_from, list(row.rcpt_to), row.raw_sha256
        raw = self.blobs.read(sha256)  # the exact bytes queued: never re-rendered
        attempt = self.relay.send(mail_from, rcpt_to, raw)
        return self._record(outbound_id, attempt)

    def _record(self, outbound_id: int, attempt: Attempt) -> Outcome:
        now = self.clock()
        with self.db.transaction() as session:
            row = session.get_one(OutboundMail, outbound_id, with_for_update=True)
            row.last_answer = attempt.answer
            row.claimed_by = None
            row.claimed_until = None
            if attempt.ok:
                row.state, row.sent_at, row.next_attempt_at = SENT, now, None
            elif attempt.permanent or row.attempts >= self.config.max_attempts:
                row.state, row.next_attempt_at = FAILED, None
            else:
                base = self.config.retry_base_seconds
                delay = dt.timedelta(seconds=base * 2 ** (row.attempts - 1))
                row.state, row.next_attempt_at = QUEUED, now + min(delay, MAX_BACKOFF)
            if row.state in (SENT, FAILED):
                events.record(
                    session,
                    f"outbound.{row.state}",
                    "outbound_mail",
                    row.id,
                    organisation_id=row.organisation_id,
                    data={
                        "message_id": row.message_id,
                        "raw_sha256": row.raw_sha256,
                        "rcpt_to": row.rcpt_to,
                        "document": row.document_id,
                        "attempts": row.attempts,
                        "answer": attempt.answer,
                    },
                )
            outcome = Outcome(row.id, row.message_id, row.state, attempt.answer)
        level = logging.INFO if attempt.ok else logging.WARNING
        log.log(level, "outbound %s %s %s: %s", outcome.outbound_id, outcome.message_id,
                outcome.state, outcome.answer)  # fmt: skip
        return outcome

    def release_orphaned_claims(self) -> int:
        """Give back mail claimed by dead senders of this host (resent: same Message-ID)."""
        return release_dead_claims(
            self.db, OutboundMail, OutboundMail.state == SENDING,
            {"state": QUEUED, "next_attempt_at": self.clock()},
        )  # fmt: skip

    def run_until_idle(self) -> list[Outcome]:
        """Deliver everything due now; mail waiting for a retry time stays queued."""
        outcomes = []
        while (outbound_id := self.claim()) is not None:
            outcomes.append(self.deliver(outbound_id))
        return outcomes

    def run(self, stop: threading.Event, poll_seconds: float = 2.0) -> None:
        """Deliver until ``stop`` is set (the sender inside `gateway serve` and `gateway send`)."""
        self.release_orphaned_claims()
        while not stop.is_set():
            try:
                outbound_id = self.claim()
            except Exception as exc:  # database down: keep trying, never die
                log.error("cannot claim outbound mail: %s", exc)
                outbound_id = None
            if outbound_id is None:
                stop.wait(poll_seconds)
                continue
            try:
                self.deliver(outbound_id)
            except Exception:  # the claim expires and the mail is tried again
                log.exception("delivering outbound mail %s failed", outbound_id)
                stop.wait(poll_seconds)
