"""Working days: weekends, public holidays and make-up working days from rules/calendar.toml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holiday(_Model):
    date: dt.date
    name: str = Field(min_length=1)


class Workday(_Model):
    date: dt.date
    name: str = ""


class CalendarFile(_Model):
    weekend: list[Weekday] = ["sat", "sun"]
    holiday: list[Holiday] = []
    workday: list[Workday] = []


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days; deadlines count only those."""

    weekend: frozenset[int] = frozenset({5, 6})
    holidays: dict[dt.date, str] = field(default_factory=dict)
    workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_file(cls, data: CalendarFile) -> WorkCalendar:
        return cls(
            weekend=frozenset(WEEKDAYS.index(d) for d in data.weekend),
            holidays={h.date: h.name for h in data.holiday},
            workdays=frozenset(w.date for w in data.workday),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() not in self.weekend

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``start`` (0: start, or the next one).

        A document registered on a holiday counts from the next working day, as a clerk would.
        """
        day = self.next_working_day(start)
        for _ in range(days):
            day = self.next_working_day(day + dt.timedelta(days=1))
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count
