"""SMTP intake (aiosmtpd): accept mail for the official mailboxes, durably, or say 4xx.

- RCPT for anything but a configured official mailbox: 550 (never an open relay).
- More than ``smtp.max_message_size`` bytes: 552 (aiosmtpd's data_size_limit).
- 250 only once the raw bytes and the message row are committed (group commit).
- Any trouble of ours (database, disk, bug): 451, so the sending server retries.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from gateway.config import Settings
from gateway.errors import StorageError
from gateway.intake.batching import GroupCommitter
from gateway.intake.store import IncomingMail

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary local problem, please try again later"


class IntakeHandler:
    """aiosmtpd handler hooks; each returns the SMTP reply line."""

    def __init__(self, settings: Settings, committer: GroupCommitter) -> None:
        self.settings = settings
        self.committer = committer

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.settings.organisation_for(address) is None:
            return f"550 5.7.1 <{address}>: recipient not accepted here (relaying denied)"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if raw is None:  # pragma: no cover - aiosmtpd always sets it before this hook
            return TEMPORARY_FAILURE
        peer = session.peer
        mail = IncomingMail(
            raw=bytes(raw),
            mailboxes=list(envelope.rcpt_tos),
            source="smtp",
            envelope_from=envelope.mail_from,
            peer=peer[0] if isinstance(peer, tuple) else str(peer),
        )
        try:
            stored = await asyncio.wrap_future(self.committer.submit(mail))
        except StorageError as exc:
            log.error("message from %s not stored, answered 451: %s", mail.peer, exc)
            return TEMPORARY_FAILURE
        ids = ",".join(str(i) for i in stored.message_ids)
        if stored.duplicate:
            return f"250 2.0.0 OK: already stored as message {ids}"
        return f"250 2.0.0 OK: stored as message {ids}"

    async def handle_exception(self, error: Exception) -> str:
        log.exception("unexpected error in SMTP session", exc_info=error)
        return TEMPORARY_FAILURE


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP, accepting lines longer than RFC 5321's 1,000 octets.

    Real mail servers pass over-long lines (Postfix folds them); refusing them with a 5xx
    would make the sender bounce an official document, so intake keeps them as they are.
    """

    line_length_limit = 1 << 20


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.smtp.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(
        settings.path(settings.smtp.tls_cert), settings.path(settings.smtp.tls_key)
    )
    return context


async def start_smtp_server(
    settings: Settings, committer: GroupCommitter
) -> asyncio.base_events.Server:
    """Listen on ``smtp.listen``; returns the asyncio server (close it to stop accepting)."""
    handler = IntakeHandler(settings, committer)
    host, _, port = settings.smtp.listen.rpartition(":")
    context = tls_context(settings)
    options: dict[str, Any] = {
        "data_size_limit": settings.smtp.max_message_size,
        "enable_SMTPUTF8": True,
        "decode_data": False,
        "hostname": settings.smtp.hostname or None,
        "ident": "congvan-gateway",
        "tls_context": context,
        "require_starttls": settings.smtp.require_tls and context is not None,
    }
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: IntakeSMTP(handler, loop=loop, **options), host=host.strip("[]"), port=int(port)
    )
    log.info("SMTP intake listening on %s", settings.smtp.listen)
    return server
