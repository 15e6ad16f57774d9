"""Demo cases: a few hundred applications in every state, made through the cases services themselves
(so each has its history and ledger entries), deterministic for a seed.

Items are those of the departments with demo approvers (民政局, 市场监管局, 人社局) that the district
centre's window may accept. Each case is filed on a simulated day in the four weeks before the load (the
services run on a simulated clock), so the approvers' queues hold cases on time, due soon and overdue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import random

from django.db import transaction
from django.utils import timezone

from yimen.accounts.models import User
from yimen.cases import deadlines, services
from yimen.cases.models import Case, MaterialState, Status
from yimen.catalog.models import ItemVersion
from yimen.common.dates import years_before
from yimen.common.errors import DomainError
from yimen.registry.models import Enterprise, Person

CASES = {"small": 300, "full": 3_000}
# Food business licences granted five years ago, so some fall due for renewal in the coming weeks (the
# 证照到期 tag and the renewal offers of 推送办 have members in the demo).
RENEWALS = {"small": 12, "full": 120}
FOOD_LICENCE = "11440604007523509M4000127002000"
DEPARTMENTS = {"MZJ": "approver_mz", "SCJ": "approver_sc", "RSJ": "approver_rs"}
# Final states and how often they occur (weights out of 100).
STATES = [
    (Status.SUBMITTED, 8),
    (Status.CORRECTION, 5),
    (Status.REFUSED, 4),
    (Status.ACCEPTED, 30),
    (Status.SUSPENDED, 5),
    (Status.APPROVED, 12),
    (Status.REJECTED, 4),
    (Status.DELIVERED, 27),
    (Status.WITHDRAWN, 5),
]
COMMENTS = ["办理很快", "窗口人员很耐心", "材料免提交，很方便", "", "", "等待时间有点长"]


@contextlib.contextmanager
def _on(start: dt.datetime):
    """Run the services on a simulated clock from `start`, a few minutes per step, so timestamps,
    history and due dates all agree (the ledger keeps its own, real, time of writing)."""
    ticks = itertools.count()
    real_now, real_today = deadlines.now, deadlines.today
    deadlines.now = lambda: start + dt.timedelta(minutes=7 * next(ticks))
    deadlines.today = lambda: timezone.localdate(start)
    try:
        yield
    finally:
        deadlines.now, deadlines.today = real_now, real_today


def _form(schema: dict | None, rng: random.Random, day: dt.date) -> dict:
    out: dict = {}
    for name, spec in ((schema or {}).get("properties") or {}).items():
        kind = spec.get("type")
        if "enum" in spec:
            out[name] = rng.choice(spec["enum"])
        elif spec.get("pattern") or name in ("id_number", "name", "uscc", "phone", "address"):
            continue  # filled from the registry, or left out
        elif kind == "integer":
            out[name] = max(int(spec.get("minimum", 1)), 1)
        elif kind == "number":
            out[name] = float(max(spec.get("minimum", 1), 1))
        elif kind == "boolean":
            out[name] = True
        elif kind == "string" and spec.get("format") == "date":
            out[name] = day.isoformat()
        elif kind == "string":
            out[name] = "演示申请"
    return out


def _walk(case: Case, target: str, *, clerk, approver, citizen, rng: random.Random) -> Case:
    if target == Status.SUBMITTED:
        return case
    if target == Status.CORRECTION:
        keys = [m.key for m in case.materials.all() if m.state != MaterialState.REUSED] or [
            case.materials.first().key
        ]
        return services.case_request_correction(case=case, actor=clerk, missing=keys[:1], note="请补充材料")
    if target == Status.REFUSED:
        return services.case_refuse(case=case, actor=clerk, reason="不符合受理条件")
    if target == Status.WITHDRAWN:
        return services.case_withdraw(case=case, actor=clerk, reason="申请人撤回")
    paper = [m.key for m in case.materials.all() if m.state == MaterialState.MISSING]
    case = services.case_accept(case=case, actor=clerk, paper=paper)
    if target == Status.ACCEPTED:
        if rng.random() < 0.3 and case.steps.count() > 1:
            case = services.case_step_complete(case=case, actor=approver, opinion="材料齐全，符合条件")
        return case
    if target == Status.SUSPENDED:
        key = case.materials.first().key
        return services.case_request_correction(case=case, actor=approver, missing=[key], note="材料不清晰")
    while case.current_step < case.steps.count() - 1:
        case = services.case_step_complete(case=case, actor=approver, opinion="材料齐全，符合条件")
    if target == Status.REJECTED:
        return services.case_reject(case=case, actor=approver, reason="不符合办理条件")
    case = services.case_approve(case=case, actor=approver, opinion="同意")
    if target == Status.APPROVED:
        return case
    method = rng.choice(["pickup", "ems", "electronic"])
    tracking = f"EA{rng.randrange(10**8, 10**9)}CN" if method == "ems" else ""
    case = services.case_deliver(case=case, actor=clerk, method=method, tracking_number=tracking)
    if citizen is not None and rng.random() < 0.8:
        services.case_rate(
            case=case, actor=citizen, score=rng.choice([5, 5, 5, 4, 4, 3, 2]), comment=rng.choice(COMMENTS)
        )
    return case


def demo_cases_load(*, scale: str = "small", seed: int = 4406, progress=None) -> dict:
    """Load the demo cases once (nothing happens when cases exist); returns counts per status."""
    if Case.objects.exists():
        return {"already": True, "cases": Case.objects.count()}
    users = {u.username: u for u in User.objects.filter(username__in=["clerk", *DEPARTMENTS.values()])}
    clerk = users.get("clerk")
    if clerk is None:
        return {"already": False, "cases": 0, "skipped": "no demo accounts"}
    versions = [
        v
        for v in ItemVersion.objects.published()
        .filter(department__code__in=[c for c, u in DEPARTMENTS.items() if u in users])
        .select_related("item", "department")
        .order_by("item__implementation_code")
        if "district" in (v.accept_levels or ["district"])
    ]
    rng = random.Random(seed)
    persons = list(Person.objects.filter(status="alive").order_by("id").values_list("pk", flat=True)[:5000])
    firms = list(
        Enterprise.objects.filter(status="active").order_by("id").values_list("pk", flat=True)[:2000]
    )
    if not versions or not persons:
        return {"already": False, "cases": 0, "skipped": "no catalog or registry"}
    citizen_user = {u.person_id: u for u in User.objects.filter(person__isnull=False)}
    agent_user = {u.enterprise_id: u for u in User.objects.filter(enterprise__isnull=False)}
    states, weights = zip(*STATES, strict=True)
    today = timezone.localdate()
    counts: dict[str, int] = {}
    total = CASES[scale]
    for n in range(total):
        version = versions[n % len(versions)]
        target = rng.choices(states, weights)[0]
        day = today - dt.timedelta(days=rng.randrange(0, 28))
        firm = version.service_object == "legal_person" or (
            version.service_object == "both" and rng.random() < 0.3
        )
        applicant = rng.choice(firms) if firm and firms else rng.choice(persons)
        if rng.random() < 0.2:  # the demo accounts' own cases, so "my cases" and ratings have content
            own = sorted(agent_user if firm else citizen_user)
            applicant = own[n % len(own)] if own else applicant
        try:
            start = timezone.make_aware(
                dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=n % 420)
            )
            with transaction.atomic(), _on(start):
                if firm and firms:
                    enterprise = Enterprise.objects.get(pk=applicant)
                    who, ident = {"uscc": enterprise.uscc}, agent_user.get(applicant)
                else:
                    person = Person.objects.get(pk=applicant)
                    who, ident = {"id_number": person.id_number}, citizen_user.get(applicant)
                case = services.case_submit(
                    actor=clerk,
                    item=version.item.implementation_code,
                    channel="window",
                    form_data=_form(version.form_schema, rng, day),
                    **who,
                )
                case = _walk(
                    case,
                    target,
                    clerk=clerk,
                    approver=users.get(DEPARTMENTS[version.department.code]),
                    citizen=ident,
                    rng=rng,
                )
        except DomainError:
            continue  # an item whose form or rules the generator cannot satisfy: skip it
        counts[str(case.status)] = counts.get(str(case.status), 0) + 1
        if progress:
            progress("cases", n + 1, total)
    renewed = _licences_due(
        scale, clerk=clerk, approver=users.get(DEPARTMENTS["SCJ"]), firms=firms, today=today
    )
    if renewed:
        counts[str(Status.DELIVERED)] = counts.get(str(Status.DELIVERED), 0) + renewed
    return {"already": False, "cases": sum(counts.values()), **counts}


def _licences_due(scale: str, *, clerk, approver, firms: list[int], today: dt.date) -> int:
    """Food business licences granted about five years ago to the first demo enterprises, walked through
    the services on the clock of that day; each expires 3 to ~50 days from today. Returns how many."""
    version = ItemVersion.objects.published().filter(item__implementation_code=FOOD_LICENCE).first()
    if version is None or approver is None or not firms:
        return 0
    count = min(RENEWALS[scale], len(firms))
    done = 0
    for k in range(count):
        due = today + dt.timedelta(days=3 + (k * 48) // max(count, 1))
        granted = years_before(due, 5)
        start = timezone.make_aware(dt.datetime.combine(granted, dt.time(9, 30)))
        try:
            with transaction.atomic(), _on(start):
                enterprise = Enterprise.objects.get(pk=firms[k])
                case = services.case_submit(
                    actor=clerk,
                    item=FOOD_LICENCE,
                    channel="window",
                    uscc=enterprise.uscc,
                    form_data=_form(version.form_schema, random.Random(k), granted),
                )
                _walk(
                    case, Status.DELIVERED, clerk=clerk, approver=approver, citizen=None, rng=random.Random(k)
                )
        except DomainError:
            continue
        done += 1
    return done
