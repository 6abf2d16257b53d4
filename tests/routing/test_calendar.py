"""Working days: weekends, Tết, make-up days; deadlines per urgency."""

from __future__ import annotations

import datetime as dt

from gateway.routing.engine import decide
from tests.routing.helpers import facts, shipped

D = dt.date


def test_weekend_is_skipped():
    """Five working days from a Thursday end on the next Thursday."""
    cal = shipped().calendar
    assert cal.add_working_days(D(2026, 3, 5), 5) == D(2026, 3, 12)
    assert not cal.is_working_day(D(2026, 3, 7)) and not cal.is_working_day(D(2026, 3, 8))


def test_tet_holidays_are_not_working_days():
    """Tết Nguyên đán 2026 (16–20/02) does not count; a deadline jumps over it."""
    cal = shipped().calendar
    assert all(not cal.is_working_day(D(2026, 2, d)) for d in range(16, 21))
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)


def test_make_up_saturday_is_a_working_day():
    """Monday 31/08/2026 is off for Quốc khánh, made up on Saturday 22/08/2026."""
    cal = shipped().calendar
    assert cal.is_working_day(D(2026, 8, 22)) and not cal.is_working_day(D(2026, 8, 31))
    assert cal.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)
    assert cal.add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)  # 29/8 to 2/9 off


def test_new_year_bridge_day_2026():
    """Friday 02/01/2026 is off (swapped with Saturday 10/01/2026)."""
    cal = shipped().calendar
    assert cal.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 5)
    assert cal.is_working_day(D(2026, 1, 10))


def test_registration_on_a_holiday_counts_from_the_next_working_day():
    """A document registered on 30/04/2026 with 0 days is due on 04/05 (1/5 and weekend off)."""
    cal = shipped().calendar
    assert cal.add_working_days(D(2026, 4, 30), 0) == D(2026, 5, 4)
    assert cal.working_days_between(D(2026, 4, 29), D(2026, 5, 4)) == 1


def test_holidays_2025_to_2027_are_listed():
    """Each year has Tết Dương lịch, Giỗ Tổ, 30/4, 1/5 (or its day in lieu) and Quốc khánh."""
    names = shipped().calendar.holidays
    for year in (2025, 2026, 2027):
        year_names = " ".join(n for d, n in names.items() if d.year == year)
        for needle in ("Tết Dương lịch", "Tết Nguyên đán", "Giỗ Tổ", "Chiến thắng", "Lao động",
                       "Quốc khánh"):  # fmt: skip
            assert needle in year_names, (year, needle)


def _lead_deadline(urgency: str) -> dt.date | None:
    decision = decide(shipped(), facts(urgency=urgency, summary="về công tác văn thư"),
                      D(2026, 3, 5))  # fmt: skip
    assert decision.lead is not None
    return decision.lead.deadline


def test_deadline_per_urgency():
    """Normal: the rule's 10 days; Khẩn 3, Thượng khẩn 1 working day; Hỏa tốc the same day."""
    assert _lead_deadline("normal") == D(2026, 3, 19)
    assert _lead_deadline("urgent") == D(2026, 3, 10)
    assert _lead_deadline("very_urgent") == D(2026, 3, 6)
    assert _lead_deadline("flash") == D(2026, 3, 5)
