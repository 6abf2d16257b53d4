"""Connecting to an IMAP account, and mapping imapclient/socket/TLS errors at the edge.

Everything that talks to the server runs inside ``imap_errors``, so the rest of the gateway
sees only ImapError (retry soon) and ImapAuthError (the credentials are wrong: retry slowly,
tell the operator). Passwords and tokens are never put in a message.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from gateway.config import ImapConfig, Settings, read_secret
from gateway.errors import ConfigError, ImapAuthError, ImapError


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "no answer from the server (timed out)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted ({exc.verify_message}): set tls_ca"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, are host and port right?)"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, EOFError)):
        return "the server closed the connection"
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text


@contextmanager
def imap_errors(account: str, doing: str) -> Iterator[None]:
    """Turn whatever the IMAP conversation raises into ImapError / ImapAuthError."""
    try:
        yield
    except LoginError as exc:
        raise ImapAuthError(
            f"{account}: the server refused the login ({_describe(exc)}): "
            "check username and password (or the XOAUTH2 token)"
        ) from exc
    except (IMAPClientError, OSError, EOFError, ValueError) as exc:
        # imaplib raises ValueError on some malformed literals; OSError covers socket,
        # TLS (ssl.SSLError) and timeout errors.
        raise ImapError(f"{account}: {doing} failed: {_describe(exc)}") from exc


def _tls_context(settings: Settings, account: ImapConfig) -> ssl.SSLContext:
    cafile = str(settings.path(account.tls_ca)) if account.tls_ca else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"imap {account.account}: cannot load tls_ca {account.tls_ca}: {exc}"
        ) from None


def connect(settings: Settings, account: ImapConfig) -> Any:
    """An IMAPClient logged in to ``account`` (TLS, STARTTLS or plain, password or XOAUTH2)."""
    where = f"{account.account} ({account.host}:{account.port})"
    # Credentials are read at every login: a rotated password file or refreshed token is used
    # without a restart.
    if account.oauth2_token_file:
        token = read_secret(
            settings,
            literal="",
            file=account.oauth2_token_file,
            env="",
            what=f"imap {account.account}",
        )
        password = ""
    else:
        token = ""
        password = read_secret(
            settings,
            literal=account.password,
            file=account.password_file,
            env=account.password_env,
            what=f"imap {account.account}",
        )
    context = _tls_context(settings, account) if account.security != "none" else None
    with imap_errors(where, "connecting"):
        client = IMAPClient(
            account.host,
            account.port,
            ssl=account.security == "tls",
            ssl_context=context,
            timeout=account.timeout,
        )
    try:
        with imap_errors(where, "logging in"):
            if account.security == "starttls":
                client.starttls(context)
            # Server dates come back with their zone: received_at must be an aware instant.
            client.normalise_times = False
            if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
                # imapclient sets imaplib's debug level to 5, which formats a repr of every
                # fetched message (megabytes per batch) before the logger drops it.
                client._imap.debug = 0
            if token:
                client.oauth2_login(account.username, token)
            else:
                client.login(account.username, password)
    except ImapError:
        close(client)
        raise
    return client


def close(client: Any) -> None:
    """Log out politely if the connection still works, else just drop it."""
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):  # already gone: nothing left to release
            client.shutdown()
