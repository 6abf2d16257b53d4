"""Waiting for news of the watched folder: IDLE (RFC 2177), or a polling sleep.

imapclient's ``idle_check`` polls the socket only, but the line reader is buffered: a server
that sends ``* 2 EXISTS`` right behind the ``+ idling`` continuation (Dovecot does, when mail
arrived between our SELECT and IDLE) leaves that line in the buffer, invisible to the socket,
and the news would wait until the next renewal. So this module looks at the buffer too and
reads the lines itself, which is the only place the gateway touches imaplib internals.
"""

from __future__ import annotations

import selectors
import ssl
import threading
import time
from typing import Any

from gateway.errors import ImapError
from gateway.intake.imap_client import imap_errors

STOP_CHECK_SECONDS = 1.0  # how quickly a waiting poller notices it must stop
CHANGES = (b"EXISTS", b"RECENT")
NOOP_EVERY_SECONDS = 240.0  # well inside servers' 30-minute autologout and NAT idle timers


def _buffered(client: Any) -> bool:
    """Whether the connection already holds unread bytes (in the TLS layer or the reader)."""
    sock = client.socket()
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    sock.setblocking(False)
    try:
        return bool(client._imap.file.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
        return False
    finally:
        sock.setblocking(True)
        client._set_read_timeout()


def wait_idle(client: Any, stop: threading.Event, seconds: float, where: str) -> bool:
    """IDLE until the folder changes (True), ``seconds`` pass or ``stop`` is set (False)."""
    with imap_errors(where, "starting IDLE"):
        client.idle()
    deadline = time.monotonic() + seconds
    changed = False
    with selectors.DefaultSelector() as selector, imap_errors(where, "waiting in IDLE"):
        selector.register(client.socket(), selectors.EVENT_READ)
        while not stop.is_set() and not changed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not _buffered(client) and not selector.select(min(STOP_CHECK_SECONDS, left)):
                continue
            line = client._imap._get_line()  # raises imaplib's abort on EOF
            words = line.split()
            if len(words) > 1 and words[1].upper() == b"BYE":
                said = line.decode("ascii", errors="replace")
                raise ImapError(f"{where}: the server ended the session: {said}")
            changed = len(words) > 2 and words[2].upper() in CHANGES
    with imap_errors(where, "ending IDLE"):
        client.idle_done()
    return changed


def wait_poll(client: Any, stop: threading.Event, seconds: float, where: str) -> None:
    """Sleep ``seconds`` (or until ``stop``) on a server without IDLE, keeping it awake."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if stop.wait(min(left, NOOP_EVERY_SECONDS)):
            return
        if deadline - time.monotonic() > 0:
            with imap_errors(where, "keeping the connection alive (NOOP)"):
                client.noop()
