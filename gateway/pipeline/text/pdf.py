"""PDF text with pypdf: the first page's lines with position and style.

Registration data is printed on the first page, so that is the page read (the next one too
when the first has almost no text, e.g. a cover sheet). It is read once, with a visitor that
records where each piece of text sits and in which font, so the two-column header (issuing
body | national motto) and the bold summary can be told apart. Nothing is rendered. The full
text of later pages is the archive's business (search indexing), not classification's.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from gateway.pipeline.text.model import LEFT, RIGHT, DocText, Line

log = logging.getLogger(__name__)
MIN_FIRST_PAGE_CHARS = 80  # less than this on page 1: read page 2 as well


@dataclass
class _Piece:
    text: str
    x: float
    y: float
    size: float
    bold: bool
    italic: bool

    @property
    def end(self) -> float:  # estimated: pypdf does not report widths to the visitor
        return self.x + 0.5 * self.size * len(self.text)


def _pages(data: bytes) -> tuple[Any, int] | str:
    """The PDF's pages and their count, or why it cannot be opened."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        pages = reader.pages
        return pages, len(pages)
    except Exception as exc:  # pypdf raises many kinds on hostile files
        return f"unreadable PDF: {type(exc).__name__}: {exc}"


def extract_pdf(data: bytes) -> DocText:
    opened = _pages(data)
    if isinstance(opened, str):
        return DocText("pdf", error=opened)
    pages, count = opened
    texts: list[str] = []
    lines: list[Line] = []
    for number in range(min(count, 2)):
        if number == 1 and sum(len(t.strip()) for t in texts) >= MIN_FIRST_PAGE_CHARS:
            break
        try:
            page = pages[number]
            pieces: list[_Piece] = []
            texts.append(page.extract_text(visitor_text=_collector(pieces)))
            lines += _lines(pieces, float(page.mediabox.width or 595))
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            log.info("PDF page %d unreadable: %s", number + 1, exc)
    return DocText("pdf", lines=lines, text="\n".join(texts), pages=count, pages_read=len(texts))


def later_pages_text(data: bytes, first: int, max_chars: int) -> str:
    """Plain text of the pages from ``first`` (0-based) on, for the search index.

    Classification reads only the first page or two; the archive must find words anywhere in
    the document, so the rest is read here, up to ``max_chars`` (a 500-page annex would only
    bloat the index). Unreadable pages are skipped.
    """
    opened = _pages(data)
    if isinstance(opened, str):
        log.info("PDF not indexed: %s", opened)
        return ""
    pages, count = opened
    texts: list[str] = []
    size = 0
    for number in range(first, count):
        if size >= max_chars:
            break
        try:
            text = pages[number].extract_text()
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            log.info("PDF page %d unreadable: %s", number + 1, exc)
            continue
        texts.append(text)
        size += len(text)
    return "\n".join(texts)[:max_chars]


def _collector(pieces: list[_Piece]) -> Any:
    # (bold, italic) per font object: pypdf keeps the page's fonts alive while it extracts the
    # page, so their ids are stable and distinct for as long as this visitor is used.
    styles: dict[int, tuple[bool, bool]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        style = styles.get(id(font))
        if style is None:
            style = styles[id(font)] = _font_style(font)
        real = float(size) * scale if size else 12.0
        for offset, part in enumerate(text.split("\n")):
            if part.strip():
                pieces.append(
                    _Piece(part.strip(), x, y - offset * real * 1.2, real, style[0], style[1])
                )

    return visit


def _font_style(font: Any) -> tuple[bool, bool]:
    """(bold, italic) as the font's name says ("TimesNewRoman-BoldItalic")."""
    name = ""
    if font is not None and hasattr(font, "get"):
        name = str(font.get("/BaseFont", "")).lower()
    return ("bold" in name or "black" in name or "heavy" in name,
            "italic" in name or "oblique" in name)  # fmt: skip


def _lines(pieces: list[_Piece], width: float) -> list[Line]:
    """Group pieces into rows by baseline, split rows at wide gaps, and tag columns."""
    ordered = sorted(pieces, key=lambda p: (-p.y, p.x))
    rows: list[list[_Piece]] = []
    for piece in ordered:
        if rows and abs(rows[-1][0].y - piece.y) <= 0.4 * max(piece.size, rows[-1][0].size):
            rows[-1].append(piece)
        else:
            rows.append([piece])
    top = max((p.y for p in pieces), default=0.0)
    out: list[Line] = []
    for row in rows:
        row.sort(key=lambda p: p.x)
        segments: list[list[_Piece]] = [[row[0]]]
        for piece in row[1:]:
            last = segments[-1][-1]
            if piece.x - last.end > 2.0 * piece.size:
                segments.append([piece])
            else:
                segments[-1].append(piece)
        for index, segment in enumerate(segments):
            first = segment[0]
            text = " ".join(p.text for p in segment)
            end = max(p.end for p in segment)
            if len(segments) > 1:
                column: int | None = LEFT if index == 0 else RIGHT
            elif first.x >= 0.45 * width:
                column = RIGHT
            elif end <= 0.55 * width and first.x < 0.40 * width:
                column = LEFT
            else:
                column = None
            out.append(
                Line(text, column, all(p.bold for p in segment), all(p.italic for p in segment),
                     round(max(p.size for p in segment), 1), round(top - first.y, 1))
            )  # fmt: skip
    return out
