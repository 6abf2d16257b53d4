"""Evaluate the rules for one document: a Decision with the reasons (which rule, and why).

Rules are tried in order; each matching rule adds to the decision (the first lead wins,
co-operating and informed units accumulate) and a matching rule with ``stop`` ends the
evaluation. With no lead named, the organisation's default rule applies. Secret documents are
held for the clerk before any rule is looked at: they must not be handled from an e-mail.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.routing.conditions import CONDITIONS, Facts, folded
from gateway.routing.rules import RoutingRules, Rule

DEFAULT_RULE = "mac-dinh"
URGENCY_NAMES = {"urgent": "Khẩn", "very_urgent": "Thượng khẩn", "flash": "Hỏa tốc"}
# A date after a phrase such as "trước ngày": 15/12/2026, 15-12-2026, 15 tháng 12 năm 2026.
DATE_AFTER = (
    r"\s*(?:ngay\s+)?(\d{1,2})\s*(?:/|-|\.|\s+thang\s+)\s*(\d{1,2})"
    r"(?:\s*(?:/|-|\.|\s+nam\s+)\s*(\d{4}))?"
)


@dataclass(frozen=True)
class Planned:
    assignee: str
    role: str  # lead | cooperate | inform
    deadline: dt.date | None
    rule: str | None  # None: assigned by hand
    why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "assignee": self.assignee,
            "role": self.role,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "rule": self.rule,
            "why": self.why,
        }


@dataclass
class Decision:
    assignments: list[Planned] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (rule id, why)
    hold: str | None = None  # reason the clerk must decide
    returned: str | None = None  # reason the document goes back to its sender
    book: str | None = None
    priority: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def lead(self) -> Planned | None:
        return next((a for a in self.assignments if a.role == "lead"), None)


def explain(rule: Rule, facts: Facts) -> str | None:
    """Why ``rule`` matches (its conditions' reasons joined), or None when one fails."""
    reasons = []
    for name, check in CONDITIONS.items():
        wanted = getattr(rule.when, name)
        if not wanted:
            continue
        reason = check(wanted, facts)
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(reasons) or "áp dụng cho mọi văn bản"


def deadline_in_text(text: str, phrases: list[str], after: dt.date) -> dt.date | None:
    """The earliest date written after a deadline phrase ("báo cáo trước ngày 15/12/2026")."""
    found = []
    haystack = folded(text)
    for phrase in phrases:
        for match in re.finditer(re.escape(folded(phrase)) + DATE_AFTER, haystack):
            day, month, year = match.groups()
            try:
                date = dt.date(int(year) if year else after.year, int(month), int(day))
            except ValueError:
                continue
            if year is None and date < after:
                date = date.replace(year=after.year + 1)
            found.append(date)
    return min(found) if found else None


@dataclass
class _Deadline:
    date: dt.date | None
    why: str


def _deadline(
    rules: RoutingRules, rule_days: int | None, from_text: bool, facts: Facts, day: dt.date
) -> _Deadline:
    calendar = rules.calendar
    date, why = None, ""
    if rule_days is not None:
        date = calendar.add_working_days(day, rule_days)
        why = f"hạn {rule_days} ngày làm việc"
    if from_text:
        written = deadline_in_text(f"{facts.summary}\n{facts.text}", rules.deadline_phrases, day)
        if written is not None and (date is None or written < date):
            date, why = written, f"hạn ghi trong văn bản: {written:%d/%m/%Y}"
    cap_days = rules.urgency_max_days.get(facts.urgency or "normal")
    if cap_days is not None:
        cap = day if cap_days == 0 else calendar.add_working_days(day, cap_days)
        if date is None or cap < date:
            label = URGENCY_NAMES.get(facts.urgency or "", facts.urgency or "")
            date = cap
            why = f"{label}: " + ("trong ngày" if cap_days == 0 else f"{cap_days} ngày làm việc")
    return _Deadline(date, why)


@dataclass(frozen=True)
class BookChoice:
    """The register book a rule chose for a document, and why."""

    code: str
    name: str
    rule: str
    why: str


def choose_book(rules: RoutingRules, facts: Facts) -> BookChoice | None:
    """The book of the first matching rule that names one (None: the organisation's default).

    Called before numbering, so it looks at what classification found, never at routing's
    outcome; it applies to secret documents too (they are registered, then held).
    """
    for rule in rules.for_org(facts.org):
        why = explain(rule, facts)
        if why is None:
            continue
        if rule.then.book:
            book = rules.book(facts.org, rule.then.book)
            if book is not None:  # rules check refuses a rule naming an undeclared book
                return BookChoice(book.code, book.name, rule.id, f"luật {rule.id}: {why}")
        if rule.then.stop:
            break
    return None


def decide(rules: RoutingRules, facts: Facts, registered_on: dt.date) -> Decision:
    """Route one document registered on ``registered_on`` (the organisation's local date)."""
    decision = Decision()
    settings = rules.settings(facts.org)
    book = choose_book(rules, facts)
    decision.book = book.code if book else None
    if (facts.secrecy or "none") != "none" and (settings is None or settings.hold_secret):
        decision.hold = "văn bản mật không được xử lý qua thư điện tử: chờ văn thư quyết định"
        return decision
    lead_rule: tuple[str, _Deadline, str] | None = None
    seen: set[str] = set()
    for rule in rules.for_org(facts.org):
        why = explain(rule, facts)
        if why is None:
            continue
        decision.matched.append((rule.id, why))
        then = rule.then
        decision.hold = decision.hold or then.hold
        decision.returned = decision.returned or then.return_to_sender
        decision.priority = decision.priority or then.priority
        decision.tags += [t for t in then.tags if t not in decision.tags]
        deadline = _deadline(rules, then.deadline_days, then.deadline_from_text, facts,
                             registered_on)  # fmt: skip
        if rule.assign.lead and lead_rule is None:
            lead_rule = (rule.id, deadline, why)
            decision.assignments.append(
                Planned(rule.assign.lead, "lead", deadline.date, rule.id,
                        _join(f"luật {rule.id}: {why}", deadline.why))
            )
            seen.add(rule.assign.lead)
        for role in ("cooperate", "inform"):
            for code in getattr(rule.assign, role):
                if code in seen:
                    continue
                seen.add(code)
                date = deadline.date if role == "cooperate" else None
                decision.assignments.append(Planned(code, role, date, rule.id,
                                                    f"luật {rule.id}: {why}"))  # fmt: skip
        if then.stop:
            break
    if decision.lead is None and settings is not None and settings.default_lead:
        deadline = _deadline(rules, settings.default_deadline_days, False, facts, registered_on)
        why = "không luật nào chỉ định đơn vị chủ trì: áp dụng luật mặc định của đơn vị"
        decision.matched.append((DEFAULT_RULE, why))
        decision.assignments.insert(
            0, Planned(settings.default_lead, "lead", deadline.date, DEFAULT_RULE,
                       _join(why, deadline.why))
        )
        default_lead = settings.default_lead
        decision.assignments = [
            a for a in decision.assignments if a.role == "lead" or a.assignee != default_lead
        ]
        for code in settings.default_inform:
            if all(a.assignee != code for a in decision.assignments):
                decision.assignments.append(Planned(code, "inform", None, DEFAULT_RULE, why))
    if decision.hold or decision.returned:
        decision.assignments = []  # the clerk decides; nothing is assigned automatically
    return decision


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
