"""The summary (trích yếu): the line(s) under the type title, or the "V/v" / "về việc" line of
a công văn. Where it ends is told by layout (same style, no gap) when the format has it, and
by the conventions in rules/doctypes.toml (separator, "Kính gửi", "Căn cứ", capitals) when not.
"""

from __future__ import annotations

import re

from gateway.pipeline.catalogue import Catalogue
from gateway.pipeline.read.marks import secrecy_of_line, urgency_of_line
from gateway.pipeline.read.naming import fold
from gateway.pipeline.read.reading import Reading, Where
from gateway.pipeline.text.model import RIGHT, Line

MAX_SUMMARY_LINES = 8
_SEPARATOR = re.compile(r"^[\s\-_=*~.·•—–]+$")
_STATE_PREFIX = re.compile(r"^\s*V\s*/\s*v\s*[:.]?\s*", re.IGNORECASE)


def is_separator(text: str) -> bool:
    return bool(_SEPARATOR.match(text))


def _is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters) and " " in text.strip()


def _body_start(text: str, catalogue: Catalogue) -> bool:
    folded = fold(text)
    return any(folded.startswith(fold(p)) for p in catalogue.conventions.body_starts)


def _stops(line: Line, catalogue: Catalogue) -> bool:
    text = line.text.strip()
    return (
        not text
        or is_separator(text)
        or urgency_of_line(text, catalogue) is not None
        or secrecy_of_line(text, catalogue) is not None
        or _body_start(text, catalogue)
        or _is_caps(text)
    )


def _same_style(first: Line, prev: Line, line: Line) -> bool:
    if first.bold is None:  # no layout: a wrapped line goes on in lower case or digits
        return line.text[:1].islower() or line.text[:1].isdigit()
    if line.bold != first.bold or line.italic != first.italic:
        return False
    if first.size and line.size and abs(first.size - line.size) > 0.6:
        return False
    if prev.y is not None and line.y is not None and prev.size:
        return 0 < line.y - prev.y <= 2.0 * prev.size
    return True


def collect_summary(
    lines: list[Line], start: int, reading: Reading, where: Where, catalogue: Catalogue,
    *, letter: bool,
) -> int | None:  # fmt: skip
    """Read the summary starting at ``start``; return the index of its last line."""
    index = start
    while index < len(lines) and not lines[index].text.strip():
        index += 1
    if index >= len(lines):
        return None
    first = lines[index]
    if not letter and _stops(first, catalogue) and not first.text[:1].islower():
        # the summary may open like a body ("Thực hiện ..."): bold print says it is the summary
        hard_stop = is_separator(first.text) or _is_caps(first.text) or first.bold is not True
        if (
            hard_stop
            or urgency_of_line(first.text, catalogue)
            or secrecy_of_line(first.text, catalogue)
        ):
            return None
    taken = [first]
    last = index
    for next_index in range(index + 1, min(len(lines), index + MAX_SUMMARY_LINES)):
        line = lines[next_index]
        if _stops(line, catalogue) or not _same_style(first, lines[last], line):
            break
        if letter and first.column is not None and line.column == RIGHT:
            break
        taken.append(line)
        last = next_index
    text = re.sub(r"\s+", " ", " ".join(line.text.strip() for line in taken)).strip()
    text = _STATE_PREFIX.sub("", text) if letter else text
    if text:
        reading.summary = text
        rule = "công văn summary line" if letter else "lines under the type title"
        reading.evidence["summary"] = f"{where(index)} ({rule}, {len(taken)} line(s))"
    return last
