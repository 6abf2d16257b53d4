"""Urgency (độ khẩn) and secrecy (độ mật) marks, printed on the document or typed in a subject."""

from __future__ import annotations

import re

from gateway.pipeline.catalogue import Catalogue, Mark
from gateway.pipeline.read.naming import fold, strip_marks

_FRAME = re.compile(r"^[\s\[\](){}*:.\-–!]+|[\s\[\](){}*:.\-–!]+$")
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|tl|tr|trả lời|chuyển tiếp)\s*:\s*)+", re.IGNORECASE)


def mark_of_line(text: str, marks: list[Mark]) -> Mark | None:
    """The mark a line consists of ("KHẨN", "[HỎA TỐC]", "Độ mật: MẬT"), if it is one."""
    core = fold(_FRAME.sub("", text))
    core = re.sub(r"^ĐỘ (KHẨN|MẬT)\s*:?\s*", "", core)
    for mark in marks:  # most specific first, as in rules/doctypes.toml
        if core == fold(mark.mark):
            return mark
    return None


def urgency_of_line(text: str, catalogue: Catalogue) -> Mark | None:
    return mark_of_line(text, catalogue.conventions.urgency)


def secrecy_of_line(text: str, catalogue: Catalogue) -> Mark | None:
    return mark_of_line(text, catalogue.conventions.secrecy)


def subject_mark(subject: str, marks: list[Mark]) -> Mark | None:
    """A mark typed at the start of a subject or in brackets: "[HỎA TỐC] ...", "Khẩn: ..."."""
    subject = _SUBJECT_PREFIX.sub("", subject)
    plain = strip_marks(subject)
    for mark in marks:
        word = re.escape(strip_marks(mark.mark))
        if re.match(rf"^\s*[\[(]?\s*{word}\s*[\])]?\s*[:\-–!]", plain) or re.search(
            rf"[\[(]\s*{word}\s*[\])]", plain
        ):
            return mark
    return None
