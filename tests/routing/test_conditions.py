"""Each rule condition and action, on the shipped rules and on small rule sets."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.routing.conditions import CONDITIONS
from gateway.routing.engine import deadline_in_text, decide
from gateway.routing.rules import Assign, Rule, Then, When
from tests.routing.helpers import facts, shipped

DAY = dt.date(2026, 3, 5)


def _with(rule: Rule):
    rules = shipped()
    rules.rules = [rule]
    return rules


def _lead(rule: Rule, **changes: object) -> str | None:
    decision = decide(_with(rule), facts(**changes), DAY)
    return decision.lead.assignee if decision.lead and decision.lead.rule == rule.id else None


CASES = [
    ("sender", ["*@tinhuy.hagiang.dcs.vn"], {"sender": "vanthu@tinhuy.hagiang.dcs.vn"},
     {"sender": "vanthu@gmail.com"}),
    ("mailbox", ["vanthu@huyenuy.*"], {}, {"mailbox": "khac@huyenuy.vn.com"}),
    ("issuer", ["ban to chuc tinh uy*"], {"issuer": "Ban Tổ chức Tỉnh ủy Hà Giang"},
     {"issuer": "Tỉnh ủy Hà Giang"}),
    ("doc_type", ["NQ", "CT"], {"doc_type": "CT"}, {"doc_type": "KH"}),
    ("system", ["state"], {"system": "state"}, {"system": "party"}),
    ("urgency", ["urgent"], {"urgency": "urgent"}, {"urgency": "normal"}),
    ("secrecy", ["none"], {}, {"secrecy": "confidential"}),
    ("trust", ["verified"], {"trust": "verified"}, {"trust": "failed"}),
    ("summary_contains", ["CAN BO"], {"summary": "về công tác cán bộ"},
     {"summary": "về toàn bộ công tác"}),
    ("text_contains", ["đường biên giới"], {"text": "bảo vệ ĐƯỜNG BIÊN GIỚI"},
     {"text": "đường giao thông"}),
    ("subject_matches", [r"^TL:"], {"subject": "TL: V/v báo cáo"}, {"subject": "V/v báo cáo"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "values", "hit", "miss"), CASES, ids=[c[0] for c in CASES])
def test_condition(name, values, hit, miss):
    """The condition holds for a matching document and fails for another."""
    rule = Rule(id="r", when=When(**{name: values}), assign=Assign(lead="ban-to-chuc-hu"))
    assert _lead(rule, **hit) == "ban-to-chuc-hu"
    assert _lead(rule, **miss) is None


def test_secrecy_condition_on_its_own():
    """The secrecy condition reads the mark (routing holds secret documents before rules)."""
    assert CONDITIONS["secrecy"](["secret", "top_secret"], facts(secrecy="secret"))
    assert CONDITIONS["secrecy"](["secret"], facts(secrecy="confidential")) is None


def test_every_condition_is_tested_and_in_the_schema():
    """The table lists exactly the [rule.when] keys, and each has a test case."""
    assert set(CONDITIONS) == set(When.model_fields)
    assert {c[0] for c in CASES} == set(CONDITIONS)


def test_all_conditions_must_hold_and_lists_are_any_of():
    """Two keys: both must hold; a list: one value is enough."""
    rule = Rule(id="r", when=When(doc_type=["NQ", "KH"], urgency=["urgent"]),
                assign=Assign(lead="ban-to-chuc-hu"))  # fmt: skip
    assert _lead(rule, doc_type="KH", urgency="urgent") == "ban-to-chuc-hu"
    assert _lead(rule, doc_type="KH", urgency="normal") is None


def test_assign_roles_and_why():
    """Lead, co-operating and informed units, each with the rule and the reason."""
    rule = Rule(id="r", when=When(doc_type=["KH"]),
                assign=Assign(lead="ban-to-chuc-hu", cooperate=["van-phong-hu"],
                              inform=["thuong-truc-hu"]), then=Then(deadline_days=5))  # fmt: skip
    decision = decide(_with(rule), facts(), DAY)
    assert [(a.assignee, a.role) for a in decision.assignments] == [
        ("ban-to-chuc-hu", "lead"), ("van-phong-hu", "cooperate"), ("thuong-truc-hu", "inform")]
    lead, cooperate = decision.assignments[:2]
    assert cooperate.deadline == lead.deadline == dt.date(2026, 3, 12)
    assert decision.assignments[2].deadline is None
    assert "loại văn bản là KH" in decision.assignments[0].why


def test_stop_ends_evaluation_and_order_decides_the_lead():
    """The first rule's lead wins; after stop no later rule adds anything."""
    rules = shipped()
    rules.rules = [
        Rule(id="a", assign=Assign(lead="ban-to-chuc-hu")),
        Rule(id="b", assign=Assign(lead="ubkt-hu", inform=["thuong-truc-hu"]),
             then=Then(stop=True)),
        Rule(id="c", assign=Assign(inform=["ban-dan-van-hu"])),
    ]  # fmt: skip
    decision = decide(rules, facts(), DAY)
    assert decision.lead and decision.lead.assignee == "ban-to-chuc-hu"
    assert [a.assignee for a in decision.assignments] == ["ban-to-chuc-hu", "thuong-truc-hu"]


def test_default_rule_when_no_lead():
    """No rule names a lead: the organisation's default lead with its default deadline."""
    rules = shipped()
    rules.rules = []
    decision = decide(rules, facts(), DAY)
    assert decision.lead is not None
    assert (decision.lead.assignee, decision.lead.rule) == ("van-phong-hu", "mac-dinh")
    assert decision.lead.deadline == dt.date(2026, 3, 19)


def test_hold_for_the_clerk_assigns_nobody():
    """A hold action leaves the document to the clerk, with the reason."""
    rule = Rule(id="h", then=Then(hold="cần lãnh đạo cho ý kiến"))
    decision = decide(_with(rule), facts(), DAY)
    assert decision.assignments == [] and decision.hold == "cần lãnh đạo cho ý kiến"


def test_secret_documents_are_held():
    """MẬT and above are held whatever the rules say."""
    decision = decide(shipped(), facts(secrecy="confidential", doc_type="GM"), DAY)
    assert decision.assignments == [] and decision.hold and "mật" in decision.hold


def test_return_to_sender_when_authenticity_fails():
    """The shipped rules return a document whose trust check failed."""
    decision = decide(shipped(), facts(trust="failed"), DAY)
    assert decision.assignments == [] and decision.returned


def test_book_priority_tags_actions():
    """book, priority and tags are carried in the decision."""
    rule = Rule(id="t", then=Then(book="VBD-MAT", priority="high", tags=["a", "b"]))
    decision = decide(_with(rule), facts(), DAY)
    assert (decision.book, decision.priority, decision.tags) == ("VBD-MAT", "high", ["a", "b"])


def test_deadline_taken_from_the_document():
    """"báo cáo trước ngày 12/3/2026" sets the deadline when earlier than the rule's."""
    rule = Rule(id="d", assign=Assign(lead="ban-to-chuc-hu"),
                then=Then(deadline_days=10, deadline_from_text=True))  # fmt: skip
    decision = decide(_with(rule), facts(text="Đề nghị báo cáo trước ngày 12/3/2026."), DAY)
    assert decision.lead and decision.lead.deadline == dt.date(2026, 3, 12)
    assert "ghi trong văn bản" in decision.lead.why
    phrases = ["trước ngày", "chậm nhất ngày"]
    written = deadline_in_text("gửi chậm nhất ngày 20 tháng 4 năm 2026", phrases, DAY)
    assert written == dt.date(2026, 4, 20)
    assert deadline_in_text("trước ngày 02/01", phrases, DAY) == dt.date(2027, 1, 2)
    assert deadline_in_text("không có hạn", phrases, DAY) is None
