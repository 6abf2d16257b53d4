"""Highlighted snippets: the passage where the query's words are, marked, as written.

Matching is word by word on folded words, so "duong" marks "đường" in the original text
(the same words the index matched, whatever the backend).
"""

from __future__ import annotations

from functools import lru_cache

from gateway.archive.search.fold import WORD, key

WINDOW = 24  # words shown
BEFORE = 6  # words of context before the first match
MARK = ("**", "**")


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    # A page of 20 snippets folds thousands of words drawn from a small vocabulary.
    return key(word)


def _spans(text: str, terms: tuple[tuple[str, ...], ...]) -> list[tuple[int, int, int]]:
    """(first word, last word + 1, term index) for every occurrence of a term."""
    tokens = [_word_key(w) for w in WORD.findall(text)]
    found = []
    for t, term in enumerate(terms):
        n = len(term)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == term:
                found.append((i, i + n, t))
    return sorted(found)


def snippet(
    texts: list[str], terms: tuple[tuple[str, ...], ...], mark: tuple[str, str] = MARK
) -> str:
    """The best passage of the first text with the most distinct terms; ``terms`` folded."""
    best: tuple[int, str, list[tuple[int, int, int]]] | None = None
    for text in texts:
        if not text:
            continue
        spans = _spans(text, terms)
        distinct = len({s[2] for s in spans})
        if best is None or distinct > best[0]:
            best = (distinct, text, spans)
    if best is None:
        return ""
    _, text, spans = best
    matches = list(WORD.finditer(text))
    if not matches:
        return text[:200]
    # The window starting at the match that covers the most distinct terms.
    start_word = 0
    if spans:
        scored = [
            (len({s[2] for s in spans if first[0] <= s[0] < first[0] + WINDOW}), -first[0])
            for first in spans
        ]
        start_word = -max(scored)[1]
    lo = max(0, start_word - BEFORE)
    hi = min(len(matches), lo + WINDOW)
    marked = {w for s in spans if lo <= s[0] < hi for w in range(s[0], min(s[1], hi))}
    out = ["…" if lo > 0 else ""]
    position = matches[lo].start()
    for w in range(lo, hi):
        m = matches[w]
        out.append(text[position : m.start()])
        # A run of marked words gets one pair of marks: **đường biên giới**.
        opening = mark[0] if w in marked and w - 1 not in marked else ""
        closing = mark[1] if w in marked and w + 1 not in marked else ""
        out.append(f"{opening}{m.group()}{closing}")
        position = m.end()
    out.append("…" if hi < len(matches) else text[position:])
    return " ".join("".join(out).split())
