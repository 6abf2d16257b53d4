"""Place-and-date lines and the loose dates of subjects."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.pipeline.read import dates


@pytest.mark.parametrize(
    ("line", "place", "day"),
    [
        ("Hà Giang, ngày 05 tháng 01 năm 2020", "Hà Giang", dt.date(2020, 1, 5)),
        ("Hà Nội, ngày 8 tháng 6 năm 2022", "Hà Nội", dt.date(2022, 6, 8)),
        ("Số: 553-CV/HU Đồng Văn, ngày 07 tháng 02 năm 2019", "Đồng Văn", dt.date(2019, 2, 7)),
        ("Mèo Vạc,ngày 22  tháng 3 năm 2018", "Mèo Vạc", dt.date(2018, 3, 22)),
        ("Ha Giang, ngay 05 thang 01 nam 2020", "Ha Giang", dt.date(2020, 1, 5)),
    ],
)
def test_date_line(line: str, place: str, day: dt.date) -> None:
    """The place-and-date line gives the place and the issue date."""
    assert dates.date_line(line) == (place, day)


@pytest.mark.parametrize(
    "line",
    [
        "ngày 19 tháng 6 năm 2015",
        "Hà Giang, ngày 31 tháng 02 năm 2020",
        "Hà Giang, ngày .. tháng .. năm 2020",
        "",
    ],
)
def test_date_line_rejects(line: str) -> None:
    """No place, impossible dates and blank forms are not a date line."""
    assert dates.date_line(line) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Nghị quyết số 04-NQ/TU ngày 12/4/2016 của Tỉnh ủy", dt.date(2016, 4, 12)),
        ("ngày 12.4.2016", dt.date(2016, 4, 12)),
        ("ngày 18-04-2017 của UBND", dt.date(2017, 4, 18)),
        ("ngày 08/06/2022", dt.date(2022, 6, 8)),
        ("ngày 05 tháng 3 năm 2020", dt.date(2020, 3, 5)),
        ("số 2/2016", None),
        ("32/13/2020", None),
    ],
)
def test_loose_date(text: str, day: dt.date | None) -> None:
    """Subjects write dates with slashes, dots, dashes or words."""
    assert dates.loose_date(text) == day
