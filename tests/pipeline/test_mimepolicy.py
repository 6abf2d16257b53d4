"""The faster MIME parsing gives exactly what BytesParser(policy=policy.default) gives."""

from __future__ import annotations

import re
from email import feedparser, policy
from email.message import Message
from email.parser import BytesParser

import pytest

from gateway.pipeline.mimepolicy import _TailEol, message_policy, parse_bytes
from tests.pipeline import docgen
from tests.pipeline.test_header import PARTY_KH
from tests.support.paths import VN, need_corpus, thirdparty_messages

GENERATED = {
    "mail with logo": docgen.email_with(
        "Kế hoạch số 57-KH/BTCTU",
        [("57.pdf", docgen.official_pdf(PARTY_KH), "application/pdf")],
        html_logo=True,
    ),
    "forwarded": docgen.forwarded(
        docgen.email_with("x", [("a.pdf", docgen.official_pdf(PARTY_KH), "application/pdf")]),
        "Fwd: x",
    ),
    "no boundary": b"Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\njunk\r\n",
    "no separator": b"Subject: x\r\nnot a header line\r\n\r\nbody",
    "bare CR": b"Subject: a\rFrom: b\r\rbody\r",
    "empty": b"",
}


def _shape(message: Message) -> list[tuple[object, ...]]:
    """Everything parsing decides, part by part: headers, payload bytes, defects, epilogue."""
    out = []
    for part in message.walk():
        payload = part.get_payload(decode=True) if not part.is_multipart() else None
        out.append((
            [(name, str(value)) for name, value in part.items()],
            part.get_content_type(), part.get_filename(), payload,
            part.preamble, part.epilogue, [type(d).__name__ for d in part.defects],
        ))  # fmt: skip
    return out


def _same(raw: bytes) -> None:
    expected = BytesParser(policy=policy.default).parsebytes(raw)
    got = parse_bytes(raw)
    assert _shape(got) == _shape(expected)
    assert got.as_bytes() == expected.as_bytes()


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_messages_parse_identically(name: str) -> None:
    """Generated and malformed messages: the same tree, headers, payloads and defects."""
    _same(GENERATED[name])


def test_corpus_messages_parse_identically() -> None:
    """Every message of the shared corpora parses to the same tree as the stdlib's."""
    need_corpus(VN)
    for path in [*sorted(VN.glob("*.eml")), *thirdparty_messages()]:
        _same(path.read_bytes())


def test_each_header_is_parsed_once_per_message() -> None:
    """Reading a header again returns the same parsed object (and the default policy's value)."""
    raw = GENERATED["mail with logo"]
    message = parse_bytes(raw)
    assert message["Subject"] is message["Subject"]
    assert str(message["Subject"]) == str(
        BytesParser(policy=policy.default).parsebytes(raw)["Subject"]
    )
    assert message_policy().header_factory is not message_policy().header_factory


@pytest.mark.parametrize("text", ["", "\n", "\r", "\r\n", "a\r\n", "\r\r", "\n\n", "a\n\r", "ab"])
def test_tail_search_matches_the_stdlib_pattern(text: str) -> None:
    """The end-of-line search from the tail finds what the full search finds."""
    want = feedparser.NLCRE_eol.search(text)
    got = _TailEol().search(text)
    assert (got and (got.start(), got.group(0))) == (want and (want.start(), want.group(0)))
    assert isinstance(feedparser.NLCRE_eol, re.Pattern)  # the stdlib module is left untouched
