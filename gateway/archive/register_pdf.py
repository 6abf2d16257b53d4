"""The register book as a PDF: A4 landscape, Vietnamese, the official columns, signed by hand.

Text is drawn with an embedded Unicode TrueType font (DejaVu Serif, Debian's
fonts-dejavu-core), so every Vietnamese letter prints and can be copied out again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableCellFillMode

from gateway.archive.register_book import Book
from gateway.errors import StorageError

# fontTools logs every glyph subset at INFO: noise on the operator's terminal.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT = "DejaVuSerif"


def _font_files() -> tuple[Path, Path]:
    for folder in FONT_DIRS:
        regular, bold = folder / f"{FONT}.ttf", folder / f"{FONT}-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise StorageError(
        f"font {FONT}.ttf not found in {', '.join(map(str, FONT_DIRS))}: "
        "install the Debian package fonts-dejavu-core"
    )


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


def register_pdf(book: Book) -> bytes:
    regular, bold = _font_files()
    pdf = _Pdf(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{book.title} năm {book.year}")
    pdf.set_author(book.organisation)
    pdf.set_creator("Công văn gateway")
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, book.organisation.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 8, book.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    numbers = [e.document.number for e in book.entries if e.document.number]
    span = f"Từ số {min(numbers)} đến số {max(numbers)}" if numbers else "Chưa có văn bản"
    pdf.cell(0, 6, f"Năm {book.year} — {book.name} ({book.code}) — {span}", align="C",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=tuple(c.width for c in book.columns),
        text_align="LEFT",
        line_height=4,
        padding=1,
        repeat_headings=1,
        cell_fill_color=(238, 238, 238),
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        heading = table.row()
        for column in book.columns:
            heading.cell(column.header)
        for values in book.rows():
            row = table.row()
            for value in values:
                row.cell(value)
    return bytes(pdf.output())


def write_pdf(book: Book, path: Path) -> None:
    try:
        path.write_bytes(register_pdf(book))
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from exc
