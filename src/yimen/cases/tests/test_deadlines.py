"""Time limits across the National Day holiday, with a correction pause and an extension."""

import datetime as dt

import pytest

from yimen.cases import deadlines, services
from yimen.cases.models import Status
from yimen.cases.tests.factories import submit_elder
from yimen.common.models import CalendarDay, CalendarYear

D = dt.date


@pytest.fixture
def national_day(db):
    """2026: 1-7 October off, Saturday 10 October worked (调休)."""
    CalendarYear.objects.update_or_create(year=2026, defaults={"source": "admin"})
    CalendarDay.objects.filter(date__range=(D(2026, 9, 1), D(2026, 10, 31))).delete()
    for day in range(1, 8):
        CalendarDay.objects.create(date=D(2026, 10, day), kind="holiday", name="国庆节")
    CalendarDay.objects.create(date=D(2026, 10, 10), kind="workday", name="国庆节调休")


@pytest.fixture
def on(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(deadlines, "today", lambda: day)

    return set_day


def test_due_date_across_holiday_pause_and_extension(world, national_day, on):
    clerk, approver = world.users["clerk"], world.users["approver_mz"]
    on(D(2026, 9, 29))
    case = services.case_accept(case=submit_elder(world), actor=clerk, paper=["photo"])
    # 5 working days after Tue 29 Sep: 30 Sep, 8, 9, 10 (Saturday worked), 12 Oct.
    assert case.due_date == D(2026, 10, 12)
    assert case.statutory_due_date == deadlines.add_days(D(2026, 9, 29), 20, "working")

    on(D(2026, 10, 9))
    case = services.case_request_correction(case=case, actor=approver, missing=["photo"], note="照片模糊")
    assert case.status == Status.SUSPENDED and case.paused_since == D(2026, 10, 9)
    assert deadlines.flags(case, D(2026, 10, 13)).overdue is False  # held: the clock is stopped

    on(D(2026, 10, 14))
    case = services.case_resubmit(case=case, actor=clerk, materials={"photo": {"paper": True}})
    # Held 10, 12, 13, 14 October = 4 working days; due moves from 12 to 16 October.
    assert case.status == Status.ACCEPTED
    assert (case.paused_days, case.paused_since, case.due_date) == (4, None, D(2026, 10, 16))

    case = services.case_extend(case=case, actor=approver, days=3, reason="需要现场核查")
    assert case.due_date == D(2026, 10, 21) and case.extended_days == 3

    assert deadlines.flags(case, D(2026, 10, 16)).due_soon is False
    soon = deadlines.flags(case, D(2026, 10, 19))
    assert soon.due_soon and not soon.overdue and soon.days_left == 2
    late = deadlines.flags(case, D(2026, 10, 22))
    assert late.overdue and late.days_left == -1


def test_natural_day_limit_counts_holidays(world, national_day, on):
    world.elder_item.__class__.objects.filter(pk=world.elder_item.pk).update(limit_day_type="natural")
    on(D(2026, 9, 29))
    case = services.case_accept(case=submit_elder(world), actor=world.users["clerk"], paper=["photo"])
    assert case.limit_day_type == "natural" and case.due_date == D(2026, 10, 4)


def test_extension_needs_reason_bounds_and_only_once(world, national_day, on):
    on(D(2026, 9, 29))
    approver = world.users["approver_mz"]
    case = services.case_accept(case=submit_elder(world), actor=world.users["clerk"], paper=["photo"])
    from yimen.common.errors import Conflict, ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        services.case_extend(case=case, actor=approver, days=3, reason="")
    assert "reason" in e.value.errors
    with pytest.raises(ValidationFailed) as e:
        services.case_extend(case=case, actor=approver, days=31, reason="需要核查")
    assert "days" in e.value.errors
    services.case_extend(case=case, actor=approver, days=2, reason="需要核查")
    with pytest.raises(Conflict):
        services.case_extend(case=case, actor=approver, days=2, reason="再延期")
    case.refresh_from_db()
    assert case.extended_days == 2


def test_daily_task_reminds_the_departments_approvers_once(world, national_day, on):
    from yimen.cases.models import Reminder
    from yimen.cases.tasks import deadline_reminders

    on(D(2026, 9, 29))
    due_soon = services.case_accept(case=submit_elder(world), actor=world.users["clerk"], paper=["photo"])
    result = deadline_reminders.enqueue("2026-10-12")  # ImmediateBackend in tests: runs now
    assert result.return_value == {"due_soon": 1, "overdue": 0, "reminders": 2}
    mz = {world.users["approver_mz"].pk, world.users["approver_mz2"].pk}
    assert set(Reminder.objects.filter(case=due_soon).values_list("user_id", flat=True)) == mz
    assert deadline_reminders.enqueue("2026-10-12").return_value["reminders"] == 0  # re-run: no duplicates
    late = deadline_reminders.enqueue("2026-10-13").return_value
    assert late["overdue"] == 1 and Reminder.objects.filter(kind="overdue").count() == 2
    assert not Reminder.objects.filter(user=world.users["approver_sc"]).exists()


def test_remind_command_enqueues_the_daily_task(world, national_day, on):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from yimen.cases.models import Reminder

    on(D(2026, 9, 29))
    services.case_accept(case=submit_elder(world), actor=world.users["clerk"], paper=["photo"])
    out = StringIO()
    call_command("cases", "remind", "--day", "2026-10-13", stdout=out)
    assert "enqueued" in out.getvalue() and Reminder.objects.filter(kind="overdue").count() == 2
    with pytest.raises(CommandError):
        call_command("cases", "remind", "--day", "13/10/2026")
