"""Header folding for the mail the gateway sends: Vietnamese text arrives as it was written.

Why: the stdlib's ``email.policy.SMTP`` folds long non-ASCII headers into encoded words that
sometimes turn a space into the folding white space between two encoded words, which RFC 2047
decoders drop (CPython 3.11): of the notice subjects made from the shared corpus ("[Phối hợp]
NQ số 04-NQ/TU của Tỉnh ủy Hà Giang về ... sự lãnh đạo ..."), 67 of 177 decoded as "... sự
lãnhđạo ..."; of the 55 names in rules/, "Phòng Nông nghiệp và Phát triển nông thôn" lost a
space the same way.

``OUTGOING`` is ``email.policy.SMTP`` except that non-ASCII unstructured headers (Subject,
...) and non-ASCII display names in address headers are encoded with ``email.header.Header``:
RFC 2047 encoded words of at most 76 characters that carry their spaces inside, so a decoder
that drops the folding white space between encoded words (as RFC 2047 says) gets exactly the
text that was set (tests check). Everything else (ASCII headers, groups, MIME parameters,
addresses that are not ASCII) takes the stdlib path unchanged.
"""

from __future__ import annotations

from email.header import Header
from email.headerregistry import AddressHeader, UnstructuredHeader
from email.policy import EmailPolicy
from email.utils import formataddr
from typing import Any

MAX_LINE = 76  # encoded-word lines, as the stdlib's: within 78 columns with the indent


class IntactTextPolicy(EmailPolicy):
    """``email.policy.SMTP`` whose non-ASCII text decodes to what was set."""

    def fold(self, name: str, value: Any) -> str:
        return _encoded(name, value, self.linesep) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        encoded = _encoded(name, value, self.linesep)
        return encoded.encode("ascii") if encoded else super().fold_binary(name, value)


def _encoded(name: str, value: Any, linesep: str) -> str | None:
    """The folded header line, or None where the stdlib's folding is used."""
    if str(value).isascii():
        return None
    if isinstance(value, UnstructuredHeader):
        header = Header(str(value), "utf-8", maxlinelen=MAX_LINE, header_name=name)
        return f"{name}: {header.encode(linesep=linesep)}{linesep}"
    if not isinstance(value, AddressHeader) or any(g.display_name for g in value.groups):
        return None
    pieces: list[str] = []  # where a line may break: encoded words, then "<address>,"
    for address in value.addresses:
        display, addr_spec = address.display_name, address.addr_spec
        if not addr_spec.isascii():
            return None  # an internationalised address: SMTPUTF8's business
        if pieces:
            pieces[-1] += ","
        if display.isascii():  # empty, or quoted as needed
            pieces.append(formataddr((display, addr_spec)))
            continue
        # Shorter words than a subject's: one must fit after "Reply-To: " on the first line.
        words = Header(display, "utf-8", maxlinelen=MAX_LINE - 12).encode(linesep="\n")
        pieces += [word.strip() for word in words.split("\n")] + [f"<{addr_spec}>"]
    out, column = f"{name}:", len(name) + 1
    for piece in pieces:
        if column > len(name) + 1 and column + 1 + len(piece) > MAX_LINE + 2:
            out, column = out + linesep, 0
        out, column = f"{out} {piece}", column + 1 + len(piece)
    return out + linesep


OUTGOING = IntactTextPolicy(linesep="\r\n")  # as email.policy.SMTP: the default, with CRLF
