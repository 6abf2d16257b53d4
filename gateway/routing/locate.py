"""Find the line of a key in a TOML text, so that errors name file, line and key.

tomllib keeps no positions; this walks the text once, tracking table headers and array-of-table
indices, and maps each key line to its full path ("rule", 2, "when", "urgency"). Good enough for
the hand-written files in rules/ (no multi-line strings spanning key-like lines).
"""

from __future__ import annotations

import re

HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"))*)\s*=""")

Path = tuple[str | int, ...]


def _split(dotted: str) -> list[str]:
    return [part.strip().strip('"') for part in re.findall(r'"[^"]*"|[^.]+', dotted)]


def key_lines(text: str) -> dict[Path, int]:
    """Every table header and key of ``text`` with its 1-based line number."""
    lines: dict[Path, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current: Path = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if (header := HEADER.match(line)) is not None:
            names = _split(header.group(2))
            path: list[str | int] = []
            for depth, name in enumerate(names):
                path.append(name)
                plain = tuple(str(p) for p in names[: depth + 1])
                is_last = depth == len(names) - 1
                if is_last and header.group(1) == "[[":
                    counts[plain] = counts.get(plain, -1) + 1
                    path.append(counts[plain])
                elif plain in counts:  # [rule.when] inside the latest [[rule]]
                    path.append(counts[plain])
            current = tuple(path)
            lines.setdefault(current, number)
        elif (key := KEY.match(line)) is not None:
            lines.setdefault((*current, *_split(key.group(1))), number)
    return lines


def locate(text: str, loc: Path) -> int | None:
    """The line of the longest known prefix of ``loc`` (a pydantic error location)."""
    lines = key_lines(text)
    for end in range(len(loc), 0, -1):
        found = lines.get(tuple(loc[:end]))
        if found is not None:
            return found
    return None
