"""File intake (`gateway import`): .eml files, folders of them, mbox files and Maildirs.

Each message goes through the same durable store as SMTP intake. The receiving mailbox is
read from the message (Delivered-To, X-Original-To, To, Cc: the first official mailbox
found), else taken from ``--mailbox``, else the only configured mailbox if there is just one.
"""

from __future__ import annotations

import email.utils
import mailbox
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from gateway.config import Settings
from gateway.intake.headers import HEADER_END
from gateway.intake.store import IncomingMail

ADDRESS_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "to", "cc")


@dataclass(frozen=True)
class Source:
    """One message found on disk: where it came from and its bytes (or why not)."""

    label: str  # path, or "mbox-path#3", for the summary
    raw: bytes | None
    error: str | None = None


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


MBOX_SEPARATOR = re.compile(rb"\r?\n\r?\nFrom ")


def is_mbox(path: Path) -> bool:
    """An mbox starts with a "From " line and is named so, or holds more than one message.

    A single .eml saved with its envelope "From " line is kept byte for byte instead.
    """
    try:
        with path.open("rb") as f:
            if f.read(5) != b"From ":
                return False
            if path.suffix.lower() in (".mbox", ".mbx") or path.name.lower() == "mbox":
                return True
            return MBOX_SEPARATOR.search(f.read()) is not None
    except OSError:
        return False


def iter_sources(paths: list[Path]) -> Iterator[Source]:
    """Every message under the given paths, in a stable order."""
    for path in paths:
        if path.is_dir():
            if is_maildir(path):
                yield from _maildir(path)
                continue
            for root, dirs, files in os.walk(path):
                dirs.sort()
                here = Path(root)
                if is_maildir(here):
                    dirs.clear()
                    yield from _maildir(here)
                    continue
                for name in sorted(files):
                    yield from iter_sources([here / name])
        elif path.is_file():
            yield from (_mbox(path) if is_mbox(path) else _eml(path))
        else:
            yield Source(str(path), None, "no such file or folder")


def _eml(path: Path) -> Iterator[Source]:
    try:
        yield Source(str(path), path.read_bytes())
    except OSError as exc:
        yield Source(str(path), None, f"cannot read: {exc.strerror}")


def _mbox(path: Path) -> Iterator[Source]:
    box = mailbox.mbox(path, create=False)
    try:
        for i, key in enumerate(box.iterkeys(), start=1):
            yield Source(f"{path}#{i}", box.get_bytes(key))
    finally:
        box.close()


def _maildir(path: Path) -> Iterator[Source]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        yield Source(f"{path}/{key}", box.get_bytes(key))


def receiving_mailboxes(raw: bytes, settings: Settings, default: str | None) -> list[str]:
    """The official mailboxes this message was delivered to."""
    match = HEADER_END.search(raw)
    head = raw[: match.start()] if match else raw
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
        for name in ADDRESS_HEADERS:
            values = [str(v) for v in headers.get_all(name, [])]
            for _, address in email.utils.getaddresses(values):
                if settings.organisation_for(address):
                    return [address.lower()]
    except Exception:  # hostile headers: fall back to the default mailbox
        pass
    if default:
        return [default.lower()]
    mailboxes = [m for org in settings.organisations for m in org.mailboxes]
    return mailboxes[:1] if len(mailboxes) == 1 else []


def to_incoming(source: Source, settings: Settings, default_mailbox: str | None) -> IncomingMail:
    assert source.raw is not None
    return IncomingMail(
        raw=source.raw,
        mailboxes=receiving_mailboxes(source.raw, settings, default_mailbox),
        source="file",
        peer=source.label[:255],
    )
