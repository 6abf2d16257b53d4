"""A search request, parsed once: words, "quoted phrases", a number-symbol, filters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from gateway.archive.search.fold import key, nfc, number_key, number_symbol_in, words

PHRASE = re.compile(r'["“”„]([^"“”„]*)["“”„]?')
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Filters:
    """Restrictions every result must meet (all optional; text ones diacritic-insensitive)."""

    doc_type: str | None = None
    issuer: str | None = None
    since: dt.date | None = None  # document date (ngày văn bản), else the date received
    until: dt.date | None = None
    direction: str | None = None
    org: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Query:
    text: str
    # Every term must match; a term is one word or a quoted phrase (a run of words).
    terms: tuple[tuple[str, ...], ...]
    number_key: str | None = None  # set when the whole query reads as a number-symbol
    filters: Filters = field(default_factory=Filters)
    limit: int = DEFAULT_LIMIT

    @property
    def folded_terms(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(key(w) for w in term) for term in self.terms)

    @property
    def exact_terms(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(w.casefold() for w in term) for term in self.terms)

    @property
    def accented(self) -> bool:
        """True when the user typed diacritics: exact matches then rank first."""
        return self.folded_terms != self.exact_terms

    @property
    def empty(self) -> bool:
        return not self.terms and self.number_key is None


def parse(text: str, filters: Filters | None = None, limit: int = DEFAULT_LIMIT) -> Query:
    """Read what the user typed; NFD and NFC input give the same query."""
    text = nfc(text).strip()
    filters = filters or Filters()
    symbol = number_symbol_in(text)
    if symbol is not None:
        # The key finds the document by its own number-symbol; the phrase finds others
        # that cite it in their text.
        return Query(text, (tuple(words(symbol)),), number_key(symbol), filters, limit)
    terms: list[tuple[str, ...]] = []
    for match in PHRASE.finditer(text):
        phrase = tuple(words(match.group(1)))
        if phrase:
            terms.append(phrase)
    terms += [(w,) for w in words(PHRASE.sub(" ", text))]
    unique = tuple(dict.fromkeys(terms))  # a word typed twice is one condition
    return Query(text, unique, None, filters, limit)
