"""Back office: steps in order by the right department, decisions, certificate, delivery, rating."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections

from yimen.cases import services
from yimen.cases.models import Case, Certificate, Delivery, Status
from yimen.cases.selectors import case_statistics, satisfaction
from yimen.cases.tests.factories import case_in, world_build
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.ledger import selectors as ledger


def test_steps_in_order_then_decision_issues_a_certificate(world):
    approver = world.users["approver_mz"]
    case = case_in(world, Status.ACCEPTED)
    with pytest.raises(Conflict):  # 审查 not done yet
        services.case_approve(case=case, actor=approver)
    case = services.case_step_complete(case=case, actor=approver, opinion="材料齐全", step=0)
    with pytest.raises(Conflict):  # someone else's stale view of step 0
        services.case_step_complete(case=case, actor=world.users["approver_mz2"], step=0)
    with pytest.raises(Conflict):  # the last step decides
        services.case_step_complete(case=case, actor=approver, step=1)
    case = services.case_approve(case=case, actor=approver, opinion="同意", step=1)
    assert case.status == Status.APPROVED
    steps = list(case.steps.all())
    assert [(s.code, s.outcome, s.done_by) for s in steps] == [
        ("review", "pass", approver),
        ("decide", "approve", approver),
    ]
    cert = Certificate.objects.get(case=case)
    assert (
        cert.name == "老年人优待证"
        and cert.holder_person == world.elder
        and cert.issuer == world.depts["MZJ"]
    )
    assert cert.valid_until.year == cert.issued_on.year + 5
    assert ledger.entry_get(index=cert.ledger_index).kind == "cases.certificate.issue"


def test_licence_has_three_steps(world):
    case = services.case_submit(
        actor=world.users["clerk"],
        item=world.licence_item.item.implementation_code,
        channel="window",
        uscc=world.enterprise.uscc,
    )
    case = services.case_accept(case=case, actor=world.users["clerk"], paper=["layout"])
    assert [s.name for s in case.steps.all()] == ["审查", "审核", "决定"]


def test_only_the_departments_approvers_decide(world):
    case = case_in(world, Status.ACCEPTED)
    for actor in (world.users["approver_sc"], world.users["clerk"], world.users["citizen"]):
        with pytest.raises(PermissionDenied):
            services.case_step_complete(case=case, actor=actor)
    case.refresh_from_db()
    assert case.current_step == 0


def test_reject_needs_a_reason(world):
    case = services.case_step_complete(case=case_in(world, Status.ACCEPTED), actor=world.users["approver_mz"])
    with pytest.raises(ValidationFailed):
        services.case_reject(case=case, actor=world.users["approver_mz"], reason="")
    case = services.case_reject(case=case, actor=world.users["approver_mz"], reason="年龄未满60周岁")
    assert case.status == Status.REJECTED and not Certificate.objects.filter(case=case).exists()


def test_delivery_by_ems_records_the_tracking_number(world):
    case = case_in(world, Status.APPROVED)
    with pytest.raises(ValidationFailed) as exc:
        services.case_deliver(case=case, actor=world.users["clerk"], method="ems", tracking_number="123")
    assert "tracking_number" in exc.value.errors
    with pytest.raises(PermissionDenied):
        services.case_deliver(case=case, actor=world.users["approver_mz"], method="pickup")
    case = services.case_deliver(
        case=case, actor=world.users["approver_mz"], method="ems", tracking_number="ea123456789cn"
    )
    assert case.status == Status.DELIVERED
    assert Delivery.objects.get(case=case).tracking_number == "EA123456789CN"


def test_rating_by_the_applicant_once_and_satisfaction(world):
    case = case_in(world, Status.DELIVERED)
    with pytest.raises(PermissionDenied):
        services.case_rate(case=case, actor=world.users["stranger"], score=5)
    with pytest.raises(ValidationFailed):
        services.case_rate(case=case, actor=world.users["citizen"], score=6)
    services.case_rate(case=case, actor=world.users["citizen"], score=5, comment="很方便")
    with pytest.raises(Conflict):
        services.case_rate(case=case, actor=world.users["citizen"], score=1)
    other = case_in(world, Status.REFUSED)
    services.case_rate(case=other, actor=world.users["citizen"], score=2)
    with pytest.raises(Conflict):  # still open
        services.case_rate(case=case_in(world, Status.ACCEPTED), actor=world.users["citizen"], score=3)
    [mz] = satisfaction(by="department")
    assert (mz.key, mz.ratings, mz.average, mz.satisfied_rate) == ("MZJ", 2, 3.5, 0.5)
    assert satisfaction(by="item")[0].label == "老年人优待证办理"


@pytest.mark.django_db(transaction=True)
def test_two_approvers_decide_at_once_exactly_one_wins(ledger_keys):
    world = world_build()
    case = services.case_step_complete(case=case_in(world, Status.ACCEPTED), actor=world.users["approver_mz"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor, approve: bool):
        try:
            barrier.wait(timeout=10)
            if approve:
                services.case_approve(case=Case.objects.get(pk=case.pk), actor=actor, opinion="同意")
            else:
                services.case_reject(case=Case.objects.get(pk=case.pk), actor=actor, reason="不同意")
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=decide, args=(world.users["approver_mz"], True)),
        threading.Thread(target=decide, args=(world.users["approver_mz2"], False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "won"]
    case.refresh_from_db()
    decisions = case.history.filter(to_status__in=["approved", "rejected"])
    assert decisions.count() == 1 and case.status == decisions.get().to_status
    assert Certificate.objects.filter(case=case).count() == (1 if case.status == "approved" else 0)


def test_statistics_by_department_channel_and_item(world):
    on_time = case_in(world, Status.DELIVERED)
    case_in(world, Status.CORRECTION)
    late = case_in(world, Status.APPROVED)
    Case.objects.filter(pk=late.pk).update(due_date=late.accepted_at.date() - dt.timedelta(days=1))
    [mz] = case_statistics(by="department")
    assert (mz.key, mz.cases, mz.decided, mz.on_time_rate) == ("MZJ", 3, 2, 0.5)
    assert mz.correction_rate == round(1 / 3, 4) and mz.average_days is not None and mz.average_days < 1
    [window] = case_statistics(by="channel")
    assert window.key == "window" and window.label == "综合窗口"
    assert case_statistics(by="item")[0].label == "老年人优待证办理"
    assert on_time.status == Status.DELIVERED


def test_revoked_certificate_shows_as_no_longer_valid(world):
    from django.test import Client

    cert = Certificate.objects.get(case=case_in(world, Status.APPROVED))
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=cert, actor=world.users["approver_sc"], reason="错误发证")
    services.certificate_revoke(certificate=cert, actor=world.users["approver_mz"], reason="持证人申请注销")
    with pytest.raises(Conflict):
        services.certificate_revoke(certificate=cert, actor=world.users["approver_mz"], reason="再次注销")
    text = Client().get(f"/cases/verify/{cert.verify_token}/").content.decode()
    assert "证照已失效" in text and "证照真实有效" not in text
    assert {e.kind for e in ledger.entries_for_subject(subject=f"cases.certificate:{cert.pk}")} == {
        "cases.certificate.issue",
        "cases.certificate.revoke",
    }
