"""Working days on the Chinese statutory calendar: when a privacy request falls due.

Policy 5.7 promises an answer "within 15 working days". A working day is one of the State
Council's calendar: not a weekend or a public holiday, and the weekends it turns into working
days (调休) count. ``chinesecalendar`` carries that calendar, a year at a time, as the State
Council publishes it each November or December; for a year it does not cover yet it raises
``NotImplementedError``. Such a day is counted as a working day when it is a weekday, and the
due date that depends on it is *provisional*: shown as such to the customer and to staff, and
computed again by the worker once an installed release covers the year
(:func:`portal.rights.services.settle_provisional_due_dates`).

The day a request arrives is not counted (the period starts the next day, as periods do in
PRC law), so a request filed on a Monday with no holidays about is due on the Monday three
weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

from portal.policy import library as policy_library

#: Policy 5.7: every request is answered within this many working days.
ANSWER_WORKING_DAYS = 15


@dataclass(frozen=True)
class DueDate:
    day: date
    #: True when a day counted lies in a year the installed calendar does not cover: weekdays
    #: were counted as working days, and a public holiday may move the date later.
    provisional: bool


def is_working_day(day: date) -> tuple[bool, bool]:
    """(whether ``day`` is a working day, whether that is known rather than assumed)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: date, days: int) -> DueDate:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    counted = 0
    provisional = False
    while counted < days:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        provisional = provisional or not known
        if working:
            counted += 1
    return DueDate(day=day, provisional=provisional)


def due_date(filed_on: date) -> DueDate:
    """When a request filed on ``filed_on`` (China's date) must be answered."""
    return add_working_days(filed_on, ANSWER_WORKING_DAYS)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``): how
    long a request filed on ``start`` has been waiting on ``end``."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day)[0]:
            count += 1
    return count


#: The dates of the calendar are China's: a request sent at 23:30 UTC arrived the next day.
CHINA = policy_library.CHINA


def china_date(moment: datetime) -> date:
    """The date in China at ``moment`` (an aware datetime)."""
    return moment.astimezone(CHINA).date()


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for a 29 February in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
