"""The rule action "book": a document is registered in the book its rules choose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.archive.lookup import document_json
from gateway.archive.register_book import load_book
from gateway.db.models import Document, Event
from gateway.routing.engine import choose_book, decide
from gateway.routing.rules import Rule, Then, When, check_rules
from tests.routing.helpers import copy_rules, facts, receive, shipped
from tests.support.mailgen import official_email

CITIZEN = "congdan@dan.vn"
BOOK_RULE = """
[[rule]]
id = "don-thu"
description = "Đơn thư của công dân: sổ đăng ký đơn thư"
[rule.when]
sender = ["*@dan.vn"]
[rule.then]
book = "VBD-DON"
"""


def _prepend_rule(folder: Path, rule: str) -> None:
    path = folder / "routing.toml"
    text = path.read_text("utf-8")
    first = text.index("\n[[rule]]\n")
    path.write_text(text[:first] + "\n" + rule + text[first:], "utf-8")


@pytest.fixture
def books_app(app: App) -> App:
    _prepend_rule(copy_rules(app.settings.path(app.settings.rules.dir)), BOOK_RULE)
    return app


def test_each_book_numbers_its_own_entries(books_app: App):
    """Citizens' letters go to the đơn thư book, numbered 1, 2 there; the others stay in VBD."""
    for n, sender in enumerate(["vanthu@tinhuy.hagiang.dcs.vn", CITIZEN, CITIZEN,
                                "vanthu@tinhuy.hagiang.dcs.vn"], start=1):  # fmt: skip
        receive(books_app, official_email(n, sender=sender))
    with books_app.db.transaction() as session:
        docs = [document_json(session, d)
                for d in session.scalars(select(Document).order_by(Document.id))]  # fmt: skip
        letters = load_book(session, docs[0]["year"], "huyenuy-meovac", "VBD-DON")
    assert [(d["book"], d["number"]) for d in docs] == [
        ("VBD", 1), ("VBD-DON", 1), ("VBD-DON", 2), ("VBD", 2)]
    assert letters.title == "SỔ ĐĂNG KÝ ĐƠN THƯ"
    assert [e.document.number for e in letters.entries] == [1, 2]


def test_the_choice_is_explained_and_recorded(books_app: App):
    """docs show's evidence and the registration event name the rule that chose the book."""
    receive(books_app, official_email(7, sender=CITIZEN))
    with books_app.db.transaction() as session:
        document = session.scalars(select(Document)).one()
        event = session.scalars(select(Event).where(Event.kind == "document.registered")).one()
    assert "luật don-thu" in document.evidence["book"]
    assert (event.data["book"], event.data["book_rule"]) == ("VBD-DON", "don-thu")


def test_secret_documents_get_their_book_although_held():
    """A rule on secrecy picks the secret book; routing still holds the document."""
    rules = shipped()
    rules.rules = [Rule(id="mat", when=When(secrecy=["confidential", "secret"]),
                        then=Then(book="VBD-MAT"))]  # fmt: skip
    choice = choose_book(rules, facts(secrecy="confidential"))
    assert choice is not None and (choice.code, choice.name) == (
        "VBD-MAT", "Sổ đăng ký văn bản đến mật")
    decision = decide(rules, facts(secrecy="confidential"), dt.date(2026, 3, 5))
    assert decision.hold and decision.book == "VBD-MAT"
    assert choose_book(rules, facts()) is None


def test_a_stop_rule_before_ends_the_choice():
    """A matching rule with stop and no book leaves the default book."""
    rules = shipped()
    rules.rules = [Rule(id="dung", then=Then(stop=True)), Rule(id="mat", then=Then(book="VBD-MAT"))]
    assert choose_book(rules, facts()) is None


def test_undeclared_book_is_named_by_rules_check(tmp_path: Path):
    """A rule naming a book no [[book]] declares is an error at its line."""
    folder = copy_rules(tmp_path / "rules")
    _prepend_rule(folder, BOOK_RULE.replace("VBD-DON", "SO-LA"))
    _, issues = check_rules(folder)
    (issue,) = issues
    assert issue.key == "rule.0.then.book" and "SO-LA" in issue.message
    lines = (folder / "routing.toml").read_text("utf-8").splitlines()
    assert lines[issue.line - 1] == 'book = "SO-LA"'  # type: ignore[operator]
