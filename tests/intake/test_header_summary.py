"""Intake's quick header reader gives exactly what the stdlib parser gives (dedupe keys stay)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gateway.intake import headers
from gateway.intake.headers import HeaderSummary, simple_headers, summarise_headers
from tests.support.mailgen import official_email

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

LINES = [
    b"Message-ID: <abc.123@tinhuy.hagiang.dcs.vn>",
    b"Message-Id:<x@y>",
    b"MESSAGE-ID:   <spaced@y>   trailing",
    b"Message-ID:",
    b"Message-ID: <first@x>",
    b"From: =?utf-8?b?VsSDbiB0aMawIFThu4luaCDhu6d5?= <vanthu@tinhuy.hagiang.dcs.vn>",
    b"From: plain@example.vn",
    b"from: lower@example.vn",
    b"Subject: =?utf-8?q?Ngh=E1=BB=8B_quy=E1=BA=BFt?= =?utf-8?q?_s=E1=BB=91_04?=",
    b"Subject: ASCII subject",
    b"Subject: Ngh\xe1\xbb\x8b quy\xe1\xba\xbft (raw UTF-8)",
    b"Subject: =?broken?x?abc?=",
    b"Subject:",
    b" folded continuation",
    b"\tfolded with a tab =?utf-8?b?xJBp?=",
    b"   ",
    b"X-Other: value",
    b"Received: from a by b; Mon, 2 Nov 2026 08:00:01 +0700",
    b"From mbox-style 2026",
    b"no colon here",
    b": empty name",
    b"Bad Name: space in the name",
    b"X-\x7fcontrol: odd",
]
ENDINGS = [b"\r\n", b"\n", b"\r"]


def _reference(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> HeaderSummary:
    """summarise_headers with the stdlib parser only (as before the quick reader)."""
    with monkeypatch.context() as patch:
        patch.setattr(headers, "simple_headers", lambda head: None)
        return summarise_headers(raw)


def _random_message(rng: random.Random) -> bytes:
    ending = rng.choice(ENDINGS) if rng.random() < 0.2 else rng.choice(ENDINGS[:2])
    lines = [rng.choice(LINES) for _ in range(rng.randint(0, 8))]
    return ending.join(lines) + ending + ending + b"body " * rng.randint(0, 3)


def test_random_header_blocks_same_as_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folding, encoded words, 8-bit, odd line ends, malformed lines: the same summary."""
    rng = random.Random(11)
    handled = 0
    for _ in range(3000):
        raw = _random_message(rng)
        assert summarise_headers(raw) == _reference(raw, monkeypatch), raw
        match = headers.HEADER_END.search(raw)
        handled += simple_headers(raw[: match.start()] if match else raw) is not None
    assert handled > 300  # the quick path was really exercised


def test_generated_official_mail_same_as_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test corpus generator's messages: the same summary, and the quick path is taken."""
    for n in range(1, 40):
        raw = official_email(n)
        assert summarise_headers(raw) == _reference(raw, monkeypatch)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_shared_corpus_same_as_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message of the shared corpus (real-world shapes) gives the same summary."""
    files = sorted(CORPUS.rglob("*.eml"))
    assert files
    for path in files:
        raw = path.read_bytes()
        assert summarise_headers(raw) == _reference(raw, monkeypatch), path.name


@pytest.mark.parametrize(
    "head",
    [b"From sender Mon Nov 2 2026\r\nSubject: x", b" leading fold\r\nSubject: x",
     b"Subject: x\rMessage-ID: <y>", b"Subject: 8-bit \xff", b"Subject x"],
)  # fmt: skip
def test_unusual_blocks_take_the_stdlib_parser(head: bytes) -> None:
    """What the quick reader does not handle exactly is left to the stdlib parser."""
    assert simple_headers(head) is None
