"""Routing and search see the whole document, not only the pages classification reads."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import delete

from gateway.app import App
from gateway.archive import search
from gateway.archive.search import rebuild
from gateway.archive.search.entry import search_entries
from gateway.archive.search.service import backend_for
from gateway.config import Settings
from gateway.pipeline.steps import read_eml
from gateway.pipeline.stored_text import main_file_texts
from tests.pipeline.docgen import email_with
from tests.routing.helpers import receive

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGES = [
    "TỈNH ỦY HÀ GIANG\nSố 12-KH/TU\nKẾ HOẠCH\nvề công tác phòng chống thiên tai năm 2026\n"
    + "Nội dung kế hoạch gồm các phần sau đây. " * 10,
    "Phần hai: nhiệm vụ của các cơ quan, đơn vị. " * 10,
    "Phần ba: tuần tra bảo vệ cột mốc biên giới Lũng Cú, báo cáo trước ngày 15/12/2026.",
]


def _three_page_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for text in PAGES:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def _mail() -> bytes:
    return email_with("Kế hoạch số 12-KH/TU", [("12-KH-TU.pdf", _three_page_pdf(),
                                                  "application/pdf")])  # fmt: skip


def test_text_of_later_pages_is_read(settings: Settings, tmp_path: Path):
    """A three-page plan: the last page's words are in the document's text."""
    eml = tmp_path / "ke-hoach.eml"
    eml.write_bytes(_mail())
    _, findings = read_eml(settings, eml)
    (document,) = findings.documents
    assert "cột mốc biên giới Lũng Cú" in document.text
    assert "Nội dung kế hoạch" in document.text and document.text_from_page is None


def test_search_finds_words_on_the_last_page(app: App):
    """Searching for a phrase printed only on page 3 finds the registered document."""
    receive(app, _mail())
    with app.db.transaction() as session:
        hits = search.search(session, search.parse('"cot moc bien gioi lung cu"'))
    assert [hit["number_symbol"] for hit in hits] == ["12-KH/TU"]


def test_reindex_reread_restores_the_text_from_the_stored_file(app: App):
    """The index lost: `reindex --reread` reads the stored PDF again, every page of it."""
    receive(app, _mail())
    with app.db.transaction() as session:
        session.execute(delete(search_entries))
        backend_for(session).reset(session)
    with app.db.transaction() as session:
        assert search.search(session, search.parse('"bien gioi lung cu"')) == []
        done = rebuild.reindex(session, read_texts=main_file_texts(app.blobs))
    assert (done.documents, done.with_text) == (1, 1)
    with app.db.transaction() as session:
        hits = search.search(session, search.parse('"bien gioi lung cu"'))
    assert [hit["number_symbol"] for hit in hits] == ["12-KH/TU"]
