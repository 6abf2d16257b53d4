"""The few headers intake stores with a message (Message-ID, From, Subject, body hash).

They are read from the header block only (cheap on big mail), with the same values as the
``email`` package's compat32 parser gives: the Message-ID and the body hash make the dedupe
key of every stored message, so a faster reader must not change them (tests compare).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from gateway.pipeline.parse import decode_words

HEADER_END = re.compile(rb"\r?\n\r?\n")
MAX_HEADER_SCAN = 256 * 1024


@dataclass(frozen=True)
class HeaderSummary:
    message_id: str | None
    from_addr: str | None
    subject: str | None
    body_sha256: str


def summarise_headers(raw: bytes) -> HeaderSummary:
    """Read the few headers intake needs from the header block only (cheap on big mail)."""
    match = HEADER_END.search(raw, 0, MAX_HEADER_SCAN)
    # A view, not a slice: the body of a 25 MB message is hashed without being copied.
    head, body = (raw[: match.start()], memoryview(raw)[match.end() :]) if match else (raw, b"")
    values: dict[str, str | None] = {"message-id": None, "from": None, "subject": None}
    try:
        simple = simple_headers(head)
        headers = simple or BytesHeaderParser(policy=policy.compat32).parsebytes(head)
        for name in values:
            value = headers.get(name)
            if value is not None:
                # ASCII without encoded-words: decode_words would return it unchanged.
                text = value if simple and "=?" not in value else decode_words(str(value))
                values[name] = text.strip()[:998] or None
    except Exception:  # hostile headers: keep what we have, processing will look again
        pass
    mid = values["message-id"]
    if mid:
        mid = mid.split()[0] if mid.split() else None
    return HeaderSummary(mid, values["from"], values["subject"], hashlib.sha256(body).hexdigest())


# A header line as the email package's feed parser recognises one (name, then a colon).
_NAME = r"[\041-\071\073-\176]+"
# The whole block: a field line, then field lines or continuation lines (one space or tab
# first), nothing else: no empty line, no line the parser would end the headers at.
_SIMPLE_BLOCK = re.compile(rf"{_NAME}:[^\n]*(?:\n(?:{_NAME}:|[ \t])[^\n]*)*")
# One field with its continuation lines: name, value (blanks after the colon dropped).
_FIELD = re.compile(rf"^({_NAME}):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)


def simple_headers(head: bytes) -> dict[str, str] | None:
    """The first value of each header, as ``email``'s compat32 parser gives it, or None.

    The stdlib parser costs about 100 µs per message, most of intake's CPU per message
    after the SQL. This handles the common block (ASCII, CRLF or LF line ends, every line a
    field or a continuation) and returns None for anything else (8-bit bytes, bare CRs, a
    Unix "From " line, a malformed line), which then takes the stdlib parser: the values
    are the same either way (tests compare the two), so dedupe keys do not change. Two
    regular expressions do the work (one checks the block, one finds the fields): a Python
    loop over the lines cost about twice as much.
    """
    if not head or not head.isascii() or head.count(b"\r") != head.count(b"\r\n"):
        return None
    text = head.decode("ascii")
    if not _SIMPLE_BLOCK.fullmatch(text):  # also refuses a Unix "From " line (no colon)
        return None
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(text):
        fields.setdefault(match[1].lower(), match[2].rstrip("\r\n"))
    return fields
