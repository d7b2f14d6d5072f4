"""Due dates 15 working days out on the State Council's calendar (policy 5.7), provisional for
a year the installed calendar does not cover yet."""

from __future__ import annotations

from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from portal.rights import calendar
from portal.rights.calendar import add_working_days, china_date, due_date, working_days_between


def test_a_month_without_holidays_counts_three_weeks():
    # Filed Monday 2 March 2026: the 3rd is the first day counted; the 15th working day is the
    # Monday three weeks on.
    assert due_date(date(2026, 3, 2)) == calendar.DueDate(date(2026, 3, 23), provisional=False)


def test_national_day_is_skipped_and_its_working_saturday_counts():
    # 2026: 1 to 7 October off, Saturday 10 October a working day. Filed Monday 28 September:
    # 29, 30 Sep; 8, 9, 10 Oct; 12-16; 19-23: due Friday 23 October, not Monday 19 (weekdays).
    due = due_date(date(2026, 9, 28))
    assert due == calendar.DueDate(date(2026, 10, 23), provisional=False)


def test_a_request_filed_on_22_december_2026_is_due_provisionally_in_january_2027():
    # chinesecalendar 1.11 covers 2004-2026. 23-25, 28-31 Dec are 7 working days; 2027 is
    # counted by weekdays (1 January included, though it will surely be a holiday): 1, 4-8,
    # 11, 12 January.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert due_date(date(2026, 12, 22)) == calendar.DueDate(date(2027, 1, 12), provisional=True)


def test_a_due_date_within_a_covered_year_is_not_provisional():
    assert not due_date(date(2026, 11, 2)).provisional


def test_a_newer_calendar_settles_the_date(monkeypatch):
    # As a release covering 2027 would: New Year's Day off.
    real = chinese_calendar.is_workday

    def covering_2027(day: date) -> bool:
        if day.year == 2027:
            return day.weekday() < 5 and day != date(2027, 1, 1)
        return bool(real(day))

    monkeypatch.setattr(chinese_calendar, "is_workday", covering_2027)
    assert due_date(date(2026, 12, 22)) == calendar.DueDate(date(2027, 1, 13), provisional=False)


def test_the_date_is_chinas():
    # 16:30 UTC on 22 December is half past midnight on the 23rd in Beijing.
    assert china_date(datetime(2026, 12, 22, 16, 30, tzinfo=UTC)) == date(2026, 12, 23)


def test_working_days_waited():
    assert working_days_between(date(2026, 9, 28), date(2026, 9, 28)) == 0
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 8)) == 3
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 23)) == 15


def test_at_least_one_day():
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2026, 3, 2), 0)
