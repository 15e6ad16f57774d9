"""Set-based matching of one policy over the enterprise library, and the offers it sends.

One query per policy finds the eligible enterprises in business (the rule as a Django `Q`, from
`yimen.proactive.tags.query`); the differences with the stored matches become a bulk insert and a few
bulk updates, each through the transition table (`workflow.sources`). Each kind of change is one ledger
entry per policy and run, whose content lists the enterprises it touched.

Offers go to each newly matched enterprise's legal representative, one `notifications_send_bulk` call
per policy with the dedupe key `policy:<code>` (an enterprise's several eligible enterprises are named
in one message). A representative who already had that offer for another enterprise gets one more,
keyed `policy:<code>:<enterprise id>`. A representative skipped by the frequency cap, or an enterprise
without one, stays un-notified and is tried again by the next run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from psycopg import sql as psycopg_sql

from yimen.common import audit
from yimen.policies import workflow
from yimen.policies.definitions import rule_tree
from yimen.policies.models import MatchState, Policy, PolicyMatch
from yimen.proactive.tags import rules
from yimen.proactive.tags.query import tag_q

CHUNK = 500
COPY_FROM = 100  # new matches from which PostgreSQL takes them with COPY
OFFER_TEMPLATE = "policy_offer"
GRANT_TEMPLATE = "policy_granted"


@dataclass
class Outcome:
    eligible: int = 0  # enterprises eligible today
    created: int = 0
    granted: int = 0
    expired: int = 0
    reinstated: int = 0
    notified: int = 0  # matches whose representative got the message in this run
    unreachable: int = 0  # no legal representative, capped or deceased: tried again next run
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "notes" or v}


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _move(policy: Policy, ids: list[int], verb: str, now: dt.datetime, actor, **extra) -> int:
    """Apply `verb` to the matches of these enterprises that the transition table allows it from; one
    ledger entry for the lot."""
    if not ids:
        return 0
    target = workflow.check_transition(workflow.sources(verb)[0], verb)
    moved = 0
    for chunk in _chunks(sorted(ids)):
        moved += PolicyMatch.objects.filter(
            policy=policy, enterprise_id__in=chunk, state__in=workflow.sources(verb)
        ).update(state=target, state_changed_at=now, **extra)
    audit.record(
        kind=f"policies.match.{verb}",
        subject=policy,
        actor=actor,
        content={"policy": policy.code, "enterprises": sorted(ids), "at": now.isoformat()},
    )
    return moved


def _insert(policy: Policy, enterprise_ids: list[int], state: str, now: dt.datetime) -> None:
    """New matches. The policy row is locked for the run, so no other run inserts these pairs: on
    PostgreSQL they go in with one COPY (tens of thousands of rows on a first run), elsewhere with
    bulk_create (which also skips a pair that exists, should one)."""
    if connection.vendor == "postgresql" and len(enterprise_ids) >= COPY_FROM:
        columns = ("policy_id", "enterprise_id", "state", "matched_at", "state_changed_at", "prefill")
        statement = psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
            psycopg_sql.Identifier(PolicyMatch._meta.db_table),
            psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, columns)),
        )
        with connection.cursor() as cursor, connection.wrap_database_errors, cursor.copy(statement) as copy:
            for eid in enterprise_ids:
                copy.write_row((policy.pk, eid, state, now, now, "{}"))
        return
    PolicyMatch.objects.bulk_create(
        [
            PolicyMatch(policy=policy, enterprise_id=eid, state=state, matched_at=now, state_changed_at=now)
            for eid in enterprise_ids
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def eligible_ids(policy: Policy, *, today: dt.date, tree=None) -> set[int]:
    """The enterprises in business that satisfy the policy's rule today: one query."""
    from yimen.registry.models import Enterprise

    tree = tree if tree is not None else rule_tree(policy)
    q = tag_q(tree, kind=rules.ENTERPRISE, alive_only=True, today=today)
    return set(Enterprise.objects.filter(q).values_list("pk", flat=True))


def match_policy(policy: Policy, *, today: dt.date, now: dt.datetime, actor) -> Outcome:
    out = Outcome()
    eligible = eligible_ids(policy, today=today) if policy.in_effect(today) else set()
    out.eligible = len(eligible)
    existing = dict(PolicyMatch.objects.filter(policy=policy).values_list("enterprise_id", "state"))
    open_states = set(workflow.OPEN)

    new = sorted(eligible - existing.keys())
    if new:
        state = MatchState.GRANTED if policy.auto_grant else MatchState.ELIGIBLE
        _insert(policy, new, state, now)
        out.created = len(new)
        audit.record(
            kind="policies.match.grant" if policy.auto_grant else "policies.match.create",
            subject=policy,
            actor=actor,
            content={"policy": policy.code, "enterprises": new, "at": now.isoformat()},
        )
        if policy.auto_grant:
            out.granted = len(new)

    gone = [eid for eid, state in existing.items() if state in open_states and eid not in eligible]
    out.expired = _move(policy, gone, "expire", now, actor)

    back = [eid for eid, state in existing.items() if state == MatchState.EXPIRED and eid in eligible]
    out.reinstated = _move(policy, back, "reinstate", now, actor)
    if back:
        # Told before: back to "notified", not offered twice.
        for chunk in _chunks(back):
            PolicyMatch.objects.filter(
                policy=policy, enterprise_id__in=chunk, state=MatchState.ELIGIBLE, notified_at__isnull=False
            ).update(state=MatchState.NOTIFIED)

    if policy.auto_grant:
        # A policy switched to 免申即享: open offers become grants (and a reinstated match too).
        still = [eid for eid, state in existing.items() if state in open_states and eid in eligible]
        # notified_at cleared: the offer they had is superseded by the grant notice.
        out.granted += _move(policy, still + back, "grant", now, actor, notified_at=None)

    _notify(policy, now=now, out=out, actor=actor)
    return out


def _notify(policy: Policy, *, now: dt.datetime, out: Outcome, actor) -> None:
    """Send the offer (or the grant notice) for every match not notified yet."""
    from yimen.notify.models import Outcome as SendOutcome
    from yimen.notify.services import notifications_send_bulk

    granted = policy.auto_grant
    pending = list(
        PolicyMatch.objects.filter(
            policy=policy,
            notified_at__isnull=True,
            state=MatchState.GRANTED if granted else MatchState.ELIGIBLE,
        )
        .filter(Q(enterprise__legal_representative__isnull=False))
        .values_list("pk", "enterprise_id", "enterprise__name", "enterprise__legal_representative_id")
    )
    out.unreachable = PolicyMatch.objects.filter(
        policy=policy,
        notified_at__isnull=True,
        enterprise__legal_representative__isnull=True,
        state=MatchState.GRANTED if granted else MatchState.ELIGIBLE,
    ).count()
    if not pending:
        return
    by_person: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for pk, eid, name, pid in pending:
        by_person[pid].append((pk, eid, name))
    template = GRANT_TEMPLATE if granted else OFFER_TEMPLATE
    url = reverse("policies:mine") + f"#policy-{policy.code}"
    label = _("查看详情") if granted else _("查看并申报")
    base = {"policy": policy.name, "benefit": policy.benefit, "department": policy.department.name}

    def send(pids, key, contexts):
        return notifications_send_bulk(
            person_ids=pids,
            template_code=template,
            context=base,
            contexts=contexts,
            dedupe_key=key,
            action_url=url,
            action_label=label,
            now=now,
        )

    done: list[int] = []
    contexts = {pid: {"enterprise": "、".join(n for _, _, n in rows)} for pid, rows in by_person.items()}
    result = send(list(by_person), f"policy:{policy.code}" + (":granted" if granted else ""), contexts)
    for pid in result.notifications:
        done += [pk for pk, _, _ in by_person[pid]]
    # Had this policy's message already, for another enterprise: one more, keyed by the enterprise.
    for pid, reason in result.skipped.items():
        if reason != SendOutcome.DUPLICATE:
            continue
        for pk, eid, name in by_person[pid]:
            key = f"policy:{policy.code}:{eid}" + (":granted" if granted else "")
            again = send([pid], key, {pid: {"enterprise": name}})
            if pid in again.notifications or again.skipped.get(pid) == SendOutcome.DUPLICATE:
                done.append(pk)
    out.unreachable += len(pending) - len(done)
    if not done:
        return
    done_ids = sorted(done)
    for chunk in _chunks(done_ids):
        rows = PolicyMatch.objects.filter(pk__in=chunk)
        if granted:
            rows.update(notified_at=now)
        else:
            rows.filter(state__in=workflow.sources("notify")).update(
                state=workflow.check_transition(MatchState.ELIGIBLE, "notify"),
                notified_at=now,
                state_changed_at=now,
            )
    out.notified = len(done_ids)
    audit.record(
        kind="policies.match.notify",
        subject=policy,
        actor=actor,
        content={"policy": policy.code, "matches": done_ids, "at": now.isoformat()},
    )
