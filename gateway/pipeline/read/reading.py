"""The result of reading one file: fields with the evidence for each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.pipeline.catalogue import DocType
from gateway.pipeline.read.numbers import NumberSymbol

Where = Callable[[int], str]  # line index -> "pdf text line 3: '...'"


@dataclass
class Reading:
    """What one file says about itself; ``evidence`` says where each field came from."""

    official: bool = False  # it carries an official header
    appendix: bool = False
    references: list[NumberSymbol] = field(default_factory=list)  # appendix of ...
    number: NumberSymbol | None = None
    issued_date: dt.date | None = None
    issuer: str | None = None
    system: str | None = None
    doc_type: DocType | None = None
    summary: str | None = None
    urgency: str | None = None
    secrecy: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)


def quote(text: str, limit: int = 90) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "'" + text.replace("'", "’") + "'"
