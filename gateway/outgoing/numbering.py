"""Outgoing numbers (số văn bản đi) and number-symbols (số, ký hiệu), per organisation.

Policies (``numbering`` in the organisation's configuration):
  calendar_year  State practice (NĐ 30/2020): one series per issuer, 1..N each calendar year,
                 in the outgoing book (``outgoing_book``).
  type_per_term  Party practice: one series per document type within the committee term
                 (``term_start``); each type has its own book "VBDI-CV-2025", numbered from 1
                 for the whole term.
  auto           calendar_year for State organisations, type_per_term for Party ones.
The number is taken with the same counter row as incoming registration
(``gateway.pipeline.register.next_number``), in the registering transaction: no gap, no
duplicate, a rolled-back reply gives its number back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import OrganisationConfig
from gateway.db.models import RegisterBook
from gateway.errors import ConfigError
from gateway.pipeline.register import next_number

OUTGOING_BOOK_NAME = "Sổ đăng ký văn bản đi"


@dataclass(frozen=True)
class OutgoingNumber:
    book: RegisterBook
    year: int  # the register year (calendar year of issue, organisation's zone)
    number: int
    number_symbol: str


def policy(org: OrganisationConfig) -> str:
    if org.numbering != "auto":
        return org.numbering
    return "type_per_term" if org.system == "party" else "calendar_year"


def format_symbol(org: OrganisationConfig, number: int, doc_type: str, year: int) -> str:
    """The number-symbol from the organisation's template for this type."""
    template = org.symbol_templates.get(doc_type, org.symbol_template)
    try:
        return template.format(number=number, type=doc_type, year=year)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"organisations[{org.code}]: symbol template {template!r} is invalid ({exc}); "
            "use the fields {number}, {type} and {year}, e.g. \"{number:02d}-{type}/HU\""
        ) from None


def outgoing_book(session: Session, organisation_id: int, code: str, name: str) -> RegisterBook:
    book = session.scalars(
        select(RegisterBook).where(
            RegisterBook.organisation_id == organisation_id, RegisterBook.code == code
        )
    ).one_or_none()
    if book is None:
        book = RegisterBook(organisation_id=organisation_id, code=code, direction="out",
                            name=name)  # fmt: skip
        session.add(book)
        session.flush()
    elif book.direction != "out":
        raise ConfigError(f"register book {code!r} is an incoming book: set a different "
                          "outgoing_book for the organisation")  # fmt: skip
    return book


def take_number(
    session: Session,
    organisation_id: int,
    org: OrganisationConfig,
    doc_type: str,
    issued_at: dt.datetime,
) -> OutgoingNumber:
    """Take the next outgoing number (call inside the registering transaction)."""
    year = issued_at.astimezone(org.zone).year
    if policy(org) == "calendar_year":
        book = outgoing_book(session, organisation_id, org.outgoing_book, OUTGOING_BOOK_NAME)
        series = year
    else:
        term = int(org.term_start[:4])
        book = outgoing_book(
            session, organisation_id, f"{org.outgoing_book}-{doc_type}-{term}"[:32],
            f"{OUTGOING_BOOK_NAME} ({doc_type}, nhiệm kỳ từ {org.term_start})",
        )  # fmt: skip
        series = term  # the counter row of the whole term
    number = next_number(session, book.id, series)
    return OutgoingNumber(book, year, number, format_symbol(org, number, doc_type, year))
