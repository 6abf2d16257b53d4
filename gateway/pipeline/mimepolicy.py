"""The stdlib MIME parser under ``email.policy.default``, without its two avoidable costs.

1. Under ``policy.default`` every header access (``msg.get``, ``get_content_type``,
   ``get_filename``, ...) runs the full RFC 5322 header parser again, and the parser itself asks
   for the Content-Type of each part several times while it splits the MIME tree; the registry
   even builds a new header class per access. Header objects are immutable values, so the same
   (name, raw value) can safely give the same object: ``OnceHeaderRegistry`` remembers them for
   one message.
2. After each MIME part the stdlib parser strips the newline that belongs to the next boundary
   with ``re.search(r"(\\r\\n|\\r|\\n)\\Z", payload)``, which scans the whole payload (a
   megabyte of base64 for a scanned PDF) to find two characters at its end. ``_TailEol`` looks
   only where a match can be; the match is the same.

The parsing rules, the header classes and every value returned are exactly those of
``policy.default`` and ``email.feedparser``: only the repeated work is gone.
"""

from __future__ import annotations

import re
import types
from email import feedparser, policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import EmailPolicy

# A hostile message may carry very many distinct headers: remember only this many.
MAX_REMEMBERED = 4096


# The header class of each name, built once per process: the default map never changes, and a
# class carries no state (HeaderRegistry builds a new one per access, at ~50 µs each).
_CLASSES: dict[str, type[BaseHeader]] = {}


class OnceHeaderRegistry(HeaderRegistry):
    """A ``HeaderRegistry`` (the default map) that parses each distinct (name, value) once."""

    def __init__(self) -> None:
        super().__init__()
        self._headers: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = _CLASSES.get(key)
        if cls is None:
            if len(_CLASSES) >= MAX_REMEMBERED:  # hostile mail with endless header names
                return super().__getitem__(name)
            cls = _CLASSES[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        header = self._headers.get(key)
        if header is None:
            header = self[name](name, value)
            if len(self._headers) < MAX_REMEMBERED:
                self._headers[key] = header
        return header


def message_policy() -> EmailPolicy[EmailMessage]:
    """A fresh ``policy.default`` whose header cache lives as long as one parsed message."""
    return policy.default.clone(header_factory=OnceHeaderRegistry())


class _TailEol:
    """``feedparser.NLCRE_eol`` searched from the last two characters (a match is at most two
    characters long and must end the string, so the leftmost match starts there or later)."""

    _pattern = re.compile(r"(\r\n|\r|\n)\Z")

    def search(self, string: str) -> re.Match[str] | None:
        return self._pattern.search(string, max(0, len(string) - 2))


def _tail_eol_parser() -> type[feedparser.FeedParser]:
    """``FeedParser`` whose ``_parsegen`` sees ``_TailEol`` as ``NLCRE_eol`` (the stdlib module
    itself is left untouched: the same code runs with its own globals)."""
    original = getattr(feedparser.FeedParser, "_parsegen", None)
    if not isinstance(original, types.FunctionType) or not hasattr(feedparser, "NLCRE_eol"):
        return feedparser.FeedParser  # another Python's parser: use it as it is
    scope = dict(vars(feedparser), NLCRE_eol=_TailEol())
    parsegen = types.FunctionType(
        original.__code__, scope, original.__name__, original.__defaults__, original.__closure__
    )
    return type("TailEolFeedParser", (feedparser.FeedParser,), {"_parsegen": parsegen})


_FEED_PARSER = _tail_eol_parser()
_CHUNK = 8192  # what email.parser.Parser feeds at a time


def parse_bytes(raw: bytes) -> Message:
    """Parse raw RFC 5322 bytes exactly as ``BytesParser(policy=policy.default)`` would (the same
    steps as ``email.parser.Parser.parse``, with the parser class above)."""
    parser = _FEED_PARSER(policy=message_policy())
    text = raw.decode("ascii", errors="surrogateescape")
    for start in range(0, len(text), _CHUNK):
        parser.feed(text[start : start + _CHUNK])
    return parser.close()
