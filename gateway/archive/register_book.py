"""The register book (sổ đăng ký văn bản), as Nghị định 30/2020/NĐ-CP, Phụ lục IV, prints it.

``book_rows`` reads the numbered entries of one book and year; ``write_csv`` and
``register_pdf`` (in ``register_pdf.py``) print them. Columns nobody fills in yet (who the
document went to, when, the signature of receipt) stay empty for the clerk's pen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Document, InboundMessage, Organisation, RegisterBook
from gateway.errors import NotFound

URGENCY = {"urgent": "Khẩn", "very_urgent": "Thượng khẩn", "flash": "Hỏa tốc"}
SECRECY = {"confidential": "Mật", "secret": "Tối mật", "top_secret": "Tuyệt mật"}
TITLES = {"in": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "out": "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}


@dataclass(frozen=True)
class Entry:
    document: Document
    received_at: dt.datetime | None
    zone: ZoneInfo


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _received(e: Entry) -> str:
    at = e.received_at or e.document.registered_at
    return _date(at.astimezone(e.zone).date())


def _title(e: Entry) -> str:
    return " ".join(v for v in (e.document.doc_type_name, e.document.summary) if v)


def _notes(e: Entry) -> str:
    d = e.document
    marks = [URGENCY.get(d.urgency or ""), SECRECY.get(d.secrecy or "")]
    return ", ".join(m for m in marks if m)


def _blank(_: Entry) -> str:
    return ""


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # share of the page width, for the PDF
    value: Callable[[Entry], str]


# Phụ lục IV, mẫu sổ đăng ký văn bản đến: the ten columns, in order.
INCOMING: tuple[Column, ...] = (
    Column("Ngày đến", 7, _received),
    Column("Số đến", 5, lambda e: str(e.document.number or "")),
    Column("Tác giả", 12, lambda e: e.document.issuer or ""),
    Column("Số, ký hiệu", 10, lambda e: e.document.number_symbol or ""),
    Column("Ngày tháng văn bản", 8, lambda e: _date(e.document.issued_date)),
    Column("Tên loại và trích yếu nội dung", 24, _title),
    Column("Đơn vị hoặc người nhận", 10, _blank),
    Column("Ngày chuyển", 7, _blank),
    Column("Ký nhận", 8, _blank),
    Column("Ghi chú", 9, _notes),
)
# Phụ lục IV, mẫu sổ đăng ký văn bản đi.
OUTGOING: tuple[Column, ...] = (
    Column("Số, ký hiệu văn bản", 11, lambda e: e.document.number_symbol or ""),
    Column("Ngày tháng văn bản", 8, lambda e: _date(e.document.issued_date)),
    Column("Tên loại và trích yếu nội dung văn bản", 26, _title),
    Column("Người ký", 10, _blank),
    Column("Nơi nhận văn bản", 12, _blank),
    Column("Đơn vị, người nhận bản lưu", 10, _blank),
    Column("Số lượng bản", 5, _blank),
    Column("Ngày chuyển", 7, _blank),
    Column("Ký nhận", 7, _blank),
    Column("Ghi chú", 8, _notes),
)


@dataclass(frozen=True)
class Book:
    org_code: str
    organisation: str
    code: str
    name: str
    direction: str
    year: int
    entries: list[Entry]

    @property
    def title(self) -> str:
        # Incoming books may be several (a rule's book action: văn bản mật, đơn thư...), each
        # titled by its own name; the outgoing books of one organisation share the title.
        if self.direction == "in":
            return self.name.upper()
        return TITLES.get(self.direction, self.name.upper())

    @property
    def columns(self) -> tuple[Column, ...]:
        return OUTGOING if self.direction == "out" else INCOMING

    def rows(self) -> list[list[str]]:
        return [[c.value(e) for c in self.columns] for e in self.entries]


def load_book(session: Session, year: int, org: str | None, book: str | None) -> Book:
    """The numbered entries of one book and year (duplicates have no number: not listed)."""
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.code)))
    if org is None and len(orgs) != 1:
        codes = ", ".join(o.code for o in orgs) or "none"
        raise NotFound(f"several organisations: give --org CODE (one of: {codes})")
    organisation = next((o for o in orgs if org in (None, o.code)), None)
    if organisation is None:
        raise NotFound(f"no organisation {org!r}")
    books = list(session.scalars(
        select(RegisterBook).where(RegisterBook.organisation_id == organisation.id)
        .order_by(RegisterBook.direction, RegisterBook.code)
    ))  # fmt: skip
    register = next((b for b in books if book in (None, b.code)), None)
    if register is None:
        have = ", ".join(b.code for b in books) or "none yet"
        raise NotFound(f"{organisation.code} has no register book {book or ''} (books: {have})")
    found = session.execute(
        select(Document, InboundMessage.received_at)
        .outerjoin(InboundMessage, InboundMessage.id == Document.message_id)
        .where(Document.book_id == register.id, Document.year == year,
               Document.number.is_not(None))
        .order_by(Document.number)
    ).all()  # fmt: skip
    zone = ZoneInfo(organisation.timezone)
    entries = [Entry(d, at, zone) for d, at in found]
    return Book(organisation.code, organisation.name, register.code, register.name,
                register.direction, year, entries)  # fmt: skip


def write_csv(book: Book) -> str:
    """The book as CSV (UTF-8, header row = the official column names)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in book.columns])
    writer.writerows(book.rows())
    return out.getvalue()


def as_json(book: Book) -> dict[str, object]:
    headers: Sequence[str] = [c.header for c in book.columns]
    return {
        "organisation": book.organisation, "book": book.code, "direction": book.direction,
        "year": book.year, "title": book.title,
        "entries": [dict(zip(headers, row, strict=True)) for row in book.rows()],
    }  # fmt: skip
