"""DOCX (python-docx) and ODT text, keeping the two-column header apart.

Headers are laid out either with a table (left cell: issuing body and number; right cell:
motto and date) or with tab stops; both become lines tagged LEFT/RIGHT.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

from gateway.pipeline.text.model import LEFT, RIGHT, DocText, Line

MAX_XML_BYTES = 20 * 1024 * 1024
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def extract_docx(data: bytes) -> DocText:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        return DocText("docx", error=f"unreadable DOCX: {type(exc).__name__}: {exc}")
    lines: list[Line] = []
    for block in document.element.body.iterchildren():
        if block.tag == W_NS + "p":
            lines.extend(_docx_paragraph(Paragraph(block, document)))
        elif block.tag == W_NS + "tbl":
            lines.extend(_docx_table(Table(block, document)))
    text = "\n".join(line.text for line in lines)
    return DocText("docx", lines=lines, text=text, pages=1)


def _docx_paragraph(paragraph: Any, column: int | None = None) -> list[Line]:
    """Split a paragraph at tabs into column segments, with bold/italic from its runs."""
    segments: list[list[tuple[str, bool, bool, float | None]]] = [[]]
    style_flags: dict[str, bool] = {}  # the paragraph style's, looked up once per paragraph
    for run in paragraph.runs:
        pieces = run.text.split("\t")
        if not any(pieces):
            segments.extend([] for _ in pieces[1:])
            continue
        bold = _run_flag(run.bold, paragraph, "bold", style_flags)
        italic = _run_flag(run.italic, paragraph, "italic", style_flags)
        size = run.font.size.pt if run.font.size is not None else None
        for index, piece in enumerate(pieces):
            if index:
                segments.append([])
            if piece:
                segments[-1].append((piece, bold, italic, size))
    filled = [(i, seg) for i, seg in enumerate(segments) if "".join(p[0] for p in seg).strip()]
    if not filled:
        return []
    lines = []
    leading_blank = not "".join(p[0] for p in segments[0]).strip()
    for order, (index, seg) in enumerate(filled):
        text = "".join(p[0] for p in seg).strip()
        styled = [p for p in seg if p[0].strip()]
        col = column
        if len(segments) > 1 and column is None:
            first = order == 0 and (index == 0 or (index == 1 and leading_blank))
            col = LEFT if first else RIGHT
        sizes = [p[3] for p in styled if p[3]]
        lines.append(
            Line(text, col, all(p[1] for p in styled), all(p[2] for p in styled),
                 max(sizes) if sizes else None)
        )  # fmt: skip
    return lines


def _run_flag(value: bool | None, paragraph: Any, name: str, known: dict[str, bool]) -> bool:
    """The run's own flag, else its paragraph style's (inherited through base styles)."""
    if value is not None:
        return bool(value)
    if name not in known:
        known[name] = _style_flag(paragraph, name)
    return known[name]


def _style_flag(paragraph: Any, name: str) -> bool:
    style = paragraph.style
    while style is not None:
        value = getattr(style.font, name, None)
        if value is not None:
            return bool(value)
        style = style.base_style
    return False


def _docx_table(table: Any) -> list[Line]:
    lines: list[Line] = []
    for row in table.rows:
        cells: list[Any] = []
        for cell in row.cells:
            if not cells or cell._tc is not cells[-1]._tc:  # merged cells repeat
                cells.append(cell)
        two_columns = len(cells) == 2
        for index, cell in enumerate(cells):
            column = (LEFT if index == 0 else RIGHT) if two_columns else None
            for paragraph in cell.paragraphs:
                lines.extend(_docx_paragraph(paragraph, column))
    return lines


# ---- ODT --------------------------------------------------------------------------------
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def extract_odt(data: bytes) -> DocText:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > MAX_XML_BYTES:
                return DocText("odt", error="ODT content too large")
            root = ElementTree.fromstring(archive.read(info))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError) as exc:
        return DocText("odt", error=f"unreadable ODT: {type(exc).__name__}: {exc}")
    lines: list[Line] = []
    _odt_walk(root, lines, None)
    return DocText("odt", lines=lines, text="\n".join(line.text for line in lines), pages=1)


def _odt_walk(node: ElementTree.Element, lines: list[Line], column: int | None) -> None:
    for child in node:
        if child.tag in (TEXT_NS + "p", TEXT_NS + "h"):
            parts = _odt_text(child).split("\t")
            filled = [(i, p.strip()) for i, p in enumerate(parts) if p.strip()]
            for order, (_index, text) in enumerate(filled):
                col = column if len(parts) == 1 else (LEFT if order == 0 else RIGHT)
                lines.append(Line(text, col))
        elif child.tag == TABLE_NS + "table-row":
            cells = [c for c in child if c.tag == TABLE_NS + "table-cell"]
            for index, cell in enumerate(cells):
                col = (LEFT if index == 0 else RIGHT) if len(cells) == 2 else None
                _odt_walk(cell, lines, col)
        else:
            _odt_walk(child, lines, column)


def _odt_text(node: ElementTree.Element) -> str:
    out = [node.text or ""]
    for child in node:
        if child.tag == TEXT_NS + "tab":
            out.append("\t")
        elif child.tag == TEXT_NS + "s":
            out.append(" " * int(child.get(TEXT_NS + "c", "1")))
        elif child.tag == TEXT_NS + "line-break":
            out.append(" ")
        else:
            out.append(_odt_text(child))
        out.append(child.tail or "")
    return "".join(out)
