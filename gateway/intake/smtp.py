"""SMTP intake (aiosmtpd): accept mail for the official mailboxes, durably, or say 4xx.

- RCPT for anything but a configured official mailbox: 550 (never an open relay).
- More than ``smtp.max_message_size`` bytes: 552 (aiosmtpd's data_size_limit).
- 250 only once the raw bytes and the message row are committed (group commit).
- Any trouble of ours (database, disk, bug): 451, so the sending server retries.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session

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

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """Advertise PIPELINING (RFC 2920): a sending MTA then puts MAIL, RCPT and DATA in
        one packet, two round trips per message instead of four, which counts on a provincial
        WAN link. The server side needs nothing more: commands are read from one buffered
        stream and answered in order, and nothing after the end of data is dropped
        (tests/intake/test_smtp_data.py)."""
        session.host_name = hostname  # the hook's duty once it is defined (aiosmtpd)
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

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
            stored = await self.committer.store(mail)
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
    """aiosmtpd's SMTP with a fast DATA reader, accepting lines of any length.

    Real mail servers pass over-long lines (Postfix folds them); refusing them with a 5xx
    would make the sender bounce an official document, so intake keeps them as they are.

    Stock ``smtp_DATA`` awaits ``readuntil(CRLF)`` once per line and does its size
    accounting and dot-unstuffing line by line: about 6,500 coroutine round trips for a 500 KB
    message, which made intake CPU-bound on large mail. ``read_data`` reads big chunks instead
    and unstuffs the whole message at once; the result is byte-identical (tests compare it with
    the stock reader over random inputs and chunkings).
    """

    line_length_limit = 1 << 20  # StreamReader limit: command lines, and the DATA chunk size

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's MAIL/RCPT address parsing, with the parse of the argument memoised.

        The stock method defines a typing.Protocol class on every call and runs the email
        header parser: about 80 µs per MAIL and per RCPT, 40% of the event loop's CPU under
        load, for arguments that repeat (the same few senders and official mailboxes).
        """
        address, rest = parse_address(arg) if len(arg) <= MEMO_MAX else _parse_address(arg)
        limit = self.local_part_limit
        if address and limit and len(address.rpartition("@")[0]) > limit:
            return None, None
        return address, rest

    async def smtp_DATA(self, arg: str) -> None:
        if not _fast_data_supported(self):
            await super().smtp_DATA(arg)
            return
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            content = await read_data(self._reader, self.data_size_limit)
        except asyncio.CancelledError:
            # The connection was closed or reset during DATA (aiosmtpd cancels us on EOF).
            log.info("connection lost during DATA")
            self._writer.close()
            raise
        except asyncio.IncompleteReadError:
            log.info("connection closed during DATA")
            self._writer.close()
            return
        if content is None:
            # Everything up to the terminator was read (and dropped): the session goes on.
            await self.push("552 Error: Too much mail data")
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            return
        self.envelope.content = content
        self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push("250 OK" if status is MISSING else status)


MEMO_MAX = 512  # longer MAIL/RCPT arguments are parsed each time (bounded memo memory)


def _parse_address(arg: str) -> tuple[str | None, str | None]:
    """(address, rest of the line) as aiosmtpd 1.4 parses it; (None, None) when invalid."""
    if not arg:
        return "", ""
    try:
        if arg.lstrip().startswith("<"):
            angle, rest = get_angle_addr(arg)
            return angle.addr_spec, rest
        spec, rest = get_addr_spec(arg)
        return spec.addr_spec, rest
    except HeaderParseError:
        return None, None


parse_address = functools.lru_cache(maxsize=4096)(_parse_address)


# What the fast path relies on in aiosmtpd (1.4.x) besides the public StreamReader API.
_AIOSMTPD_NEEDS = ("_call_handler_hook", "_set_post_data_state", "check_helo_needed",
                   "check_auth_needed", "push")


def _fast_data_supported(server: SMTP) -> bool:
    """True when this aiosmtpd looks like the one read_data was written against.

    Anything else (another aiosmtpd version, decode_data=True, the old process_message API)
    takes the stock implementation: slower, never wrong.
    """
    return (
        all(hasattr(server, name) for name in _AIOSMTPD_NEEDS)
        and isinstance(getattr(server, "_reader", None), asyncio.StreamReader)
        and getattr(server, "_decode_data", True) is False
        and "DATA" in getattr(server, "_handle_hooks", {})
    )


TERMINATOR_LINE = b".\r\n"


async def read_data(reader: asyncio.StreamReader, limit: int | None) -> bytes | None:
    """Read SMTP DATA up to the line ".", returning the content with dots unstuffed.

    Returns None when the content (as sent, before unstuffing, line ends included: the same
    count as aiosmtpd's) exceeds ``limit``; the data is then still read to its end, but not
    kept, so that the session can answer 552 and carry on. Bytes after the terminating line
    (pipelined commands) stay in ``reader``. A false ``limit`` (0, None) means no limit.

    The reader is asked for everything up to the next ".\r\n"; that is the end of the data
    only when it starts a line (it follows CRLF, or DATA's own CRLF at the very start). Text
    lines ending in "." make a few more calls; base64 never does. Without any ".\r\n" within
    the reader's limit, ``LimitOverrunError`` says how much can be taken safely (a separator
    straddling the cut is never split), so memory stays bounded by the reader's limit.
    """
    pieces: list[bytes] = []
    size = 0
    too_big = False
    last2 = b"\r\n"  # the last two bytes taken: DATA's command line ended with CRLF
    while True:
        ended = False
        try:
            chunk = await reader.readuntil(TERMINATOR_LINE)
            before_dot = chunk[-5:-3] if len(chunk) >= 5 else (last2 + chunk[:-3])[-2:]
            if before_dot == b"\r\n":
                chunk = chunk[:-3]
                ended = True
        except asyncio.LimitOverrunError as exc:
            chunk = await reader.readexactly(exc.consumed)
        size += len(chunk)
        if limit and size > limit:
            too_big = True
            pieces.clear()  # drop what we have at once: a huge message must not sit in memory
        if not too_big:
            pieces.append(chunk)
        if len(chunk) >= 2:
            last2 = chunk[-2:]
        elif chunk:
            last2 = last2[-1:] + chunk
        if ended:
            break
    if too_big:
        return None
    content = b"".join(pieces)
    del pieces
    # RFC 5321 4.5.2: a line starting with "." lost that dot (and only that one).
    if content.startswith(b"."):
        content = content[1:]
    return content.replace(b"\r\n.", b"\r\n")  # the same object when there is none


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
