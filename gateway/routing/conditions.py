"""Rule conditions: each a small named function, listed in one explicit table.

A condition gets the values a rule lists (any-of) and the document's facts, and returns why it
holds ("urgency is flash") or None. Text comparisons ignore diacritics, đ/Đ and case.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from gateway.archive.search.fold import key as fold_key


@dataclass(frozen=True)
class Facts:
    """What rules can look at: one registered document and the message that brought it."""

    org: str
    sender: str | None
    mailbox: str | None
    subject: str
    issuer: str | None
    doc_type: str | None
    system: str | None
    urgency: str | None
    secrecy: str | None
    trust: str | None
    summary: str
    text: str


def folded(text: str | None) -> str:
    """Diacritic-, đ- and case-insensitive form, whitespace collapsed."""
    return " ".join(fold_key(text or "").split())


Check = Callable[[list[str], Facts], str | None]


def _one_of(name: str, value: str | None, wanted: list[str]) -> str | None:
    return f"{name} là {value}" if value is not None and value in wanted else None


def sender(wanted: list[str], facts: Facts) -> str | None:
    address = (facts.sender or "").lower()
    for pattern in wanted:
        if address and fnmatch.fnmatchcase(address, pattern.lower()):
            return f"người gửi {address} khớp {pattern}"
    return None


def mailbox(wanted: list[str], facts: Facts) -> str | None:
    address = (facts.mailbox or "").lower()
    for pattern in wanted:
        if address and fnmatch.fnmatchcase(address, pattern.lower()):
            return f"hộp thư nhận {address}"
    return None


def issuer(wanted: list[str], facts: Facts) -> str | None:
    name = folded(facts.issuer)
    for pattern in wanted:
        if name and fnmatch.fnmatchcase(name, folded(pattern)):
            return f"cơ quan ban hành là {facts.issuer}"
    return None


def doc_type(wanted: list[str], facts: Facts) -> str | None:
    return _one_of("loại văn bản", facts.doc_type, wanted)


def system(wanted: list[str], facts: Facts) -> str | None:
    return _one_of("hệ thống", facts.system, wanted)


def urgency(wanted: list[str], facts: Facts) -> str | None:
    return _one_of("độ khẩn", facts.urgency or "normal", wanted)


def secrecy(wanted: list[str], facts: Facts) -> str | None:
    return _one_of("độ mật", facts.secrecy or "none", wanted)


def trust(wanted: list[str], facts: Facts) -> str | None:
    return _one_of("mức tin cậy", facts.trust or "unverified", wanted)


def _contains(where: str, text: str, wanted: list[str]) -> str | None:
    haystack = folded(text)
    for phrase in wanted:
        needle = folded(phrase)
        # Whole words: "can bo" must not match inside "toan bo".
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            return f"{where} có \"{phrase}\""
    return None


def summary_contains(wanted: list[str], facts: Facts) -> str | None:
    return _contains("trích yếu", facts.summary, wanted)


def text_contains(wanted: list[str], facts: Facts) -> str | None:
    return _contains("nội dung", facts.text or facts.summary, wanted)


def subject_matches(wanted: list[str], facts: Facts) -> str | None:
    for pattern in wanted:
        if re.search(pattern, facts.subject, re.IGNORECASE):
            return f"tiêu đề thư khớp /{pattern}/"
    return None


# The one table: a rule's [rule.when] keys, in the order reasons are given.
CONDITIONS: dict[str, Check] = {
    "sender": sender,
    "mailbox": mailbox,
    "issuer": issuer,
    "doc_type": doc_type,
    "system": system,
    "urgency": urgency,
    "secrecy": secrecy,
    "trust": trust,
    "summary_contains": summary_contains,
    "text_contains": text_contains,
    "subject_matches": subject_matches,
}
