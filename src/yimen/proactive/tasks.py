"""Background work (django-tasks): the nightly full tag recompute, a tag recomputed after its rule
changed, and the incremental refresh that registry and case changes enqueue (receivers.py).

`yimen proactive tags --all --enqueue` enqueues the nightly run (from cron or a systemd timer);
`yimen db_worker` executes the queue.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def tags_recompute_all_task(day: str | None = None) -> dict:
    from yimen.proactive.tags.refresh import tags_recompute_all

    result = tags_recompute_all(today=dt.date.fromisoformat(day) if day else None)
    return {"total_s": result["total_s"], "tags": len(result["tags"]), "universe": result["universe"]}


@task()
def tags_recompute(codes: list[str]) -> list[dict]:
    from yimen.proactive.services import tag_recompute_codes

    return tag_recompute_codes(codes)


@task()
def tags_refresh(
    person_ids: list[int] | None = None,
    household_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
) -> dict:
    from yimen.proactive.tags.refresh import tags_refresh_for

    return tags_refresh_for(
        person_ids or [], household_ids=household_ids or [], enterprise_ids=enterprise_ids or []
    )


@task()
def triggers_fire(
    kind: str, person_id: int | None = None, enterprise_id: int | None = None, case_id: int | None = None
) -> dict:
    from yimen.proactive.services import triggers_fire_event

    return triggers_fire_event(kind=kind, person_id=person_id, enterprise_id=enterprise_id, case_id=case_id)


@task()
def triggers_scan_task(day: str | None = None) -> dict:
    from yimen.proactive.services import triggers_scan

    result = triggers_scan(today=dt.date.fromisoformat(day) if day else None)
    return {d: {code: c["new"] for code, c in rules.items()} for d, rules in result.items()}
