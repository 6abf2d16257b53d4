"""Filter words: the document type and month, indexed beside the text as extra words.

A filtered query ("công" + type NQ + six months) would otherwise walk every document holding
the word, newest first, and drop the ~99% that fail the filter. With the type and the month
in the full-text index, each backend intersects the word's list with the filter's lists
inside the index (FTS5's AND, GIN's bitmap) and meets only documents that nearly pass. The
filters themselves are still checked exactly on ``search_entries``: tags only narrow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.archive.search.fold import key, words
from gateway.archive.search.query import Filters

TYPE = "type"
MONTH = "month"
# Beyond this many months the date range filters little and the OR of months costs more
# than it saves; the date is then only checked on ``search_entries``.
MAX_MONTHS = 24

Tag = tuple[str, str]  # (kind, value): a backend renders it as one indexed word


@dataclass(frozen=True)
class TagQuery:
    """Every tag group must match; within a group, any one tag."""

    groups: tuple[tuple[Tag, ...], ...]


def _type_value(type_key: str) -> str:
    return "".join(words(type_key))


def _month(day: dt.date) -> Tag:
    return (MONTH, f"{day.year:04d}{day.month:02d}")


def entry_tags(type_key: str | None, doc_date: dt.date | None) -> list[Tag]:
    """The tags indexed for a document."""
    tags: list[Tag] = []
    if type_key and _type_value(type_key):
        tags.append((TYPE, _type_value(type_key)))
    if doc_date is not None:
        tags.append(_month(doc_date))
    return tags


def _months(since: dt.date, until: dt.date) -> tuple[Tag, ...]:
    months, year, month = [], since.year, since.month
    while (year, month) <= (until.year, until.month):
        months.append((MONTH, f"{year:04d}{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def query_tags(filters: Filters) -> TagQuery:
    """The tag groups that every document passing ``filters`` carries (maybe none)."""
    groups: list[tuple[Tag, ...]] = []
    if filters.doc_type:
        value = _type_value(key(filters.doc_type)[:32])
        if value:
            groups.append(((TYPE, value),))
    if filters.since and filters.until and filters.since <= filters.until:
        months = _months(filters.since, filters.until)
        if len(months) <= MAX_MONTHS:
            groups.append(months)
    return TagQuery(tuple(groups))
