import datetime as dt

import pytest

from yimen.common import services, workdays
from yimen.common.models import CalendarDay

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_calendar_is_seeded_after_migrate():
    assert CalendarDay.objects.filter(date=D(2026, 10, 1), kind="holiday").exists()
    assert CalendarDay.objects.filter(date=D(2026, 10, 10), kind="workday").exists()  # make-up Saturday


def test_national_day_2026_is_skipped():
    # 30 Sep 2026 (Wednesday) + 1 working day: 1-7 Oct are holidays, so 8 Oct.
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_make_up_saturday_counts_as_a_working_day():
    assert workdays.is_working_day(D(2026, 10, 10))
    assert workdays.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert not workdays.is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_make_up_sunday_before_national_day():
    assert workdays.is_working_day(D(2026, 9, 20))


def test_counting_across_the_holiday():
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10 (Sat), 12 Oct
    assert workdays.working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == -4


def test_a_twenty_day_limit_from_late_september():
    start = D(2026, 9, 28)
    due = workdays.add_working_days(start, 20)
    assert workdays.working_days_between(start, due) == 20
    assert due == D(2026, 10, 30)


def test_into_2027_falls_back_to_weekends_and_warns(caplog):
    assert workdays.uncovered_years(D(2026, 12, 1), D(2027, 2, 1)) == [2027]
    # Thu 31 Dec 2026 + 2 working days: 1 Jan 2026-table has no 2027 entries, so Fri 1 Jan counts.
    workdays._warned.discard(2027)
    with caplog.at_level("WARNING"):
        assert workdays.add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)
    assert "2027" in caplog.text


def test_an_administrator_enters_2027_and_it_takes_effect():
    services.calendar_day_set(day=D(2027, 1, 1), kind="holiday", name="元旦")
    services.calendar_year_mark_complete(year=2027)
    assert workdays.uncovered_years(D(2027, 1, 1), D(2027, 1, 31)) == []
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_negative_days_count_backwards():
    assert workdays.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)


def test_seeding_twice_adds_nothing():
    assert services.calendar_seed_from_package()["days"] == 0
