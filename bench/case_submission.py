"""Case submission latency at a window, with and without the ledger append, on the demo world.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/case_submission.py --scale small

Each sample is one `case_submit` (identify the applicant, check the item, reuse materials, validate the
form, write the case, its materials, its history row and - unless disabled - the ledger entry), and one
`case_take_in` (submit + accept: steps laid out, clock started, two ledger entries), each in its own
transaction, sequentially in this process. "without ledger" swaps `yimen.common.audit.record` for a no-op
to show what the tamper-evident log costs; the two modes alternate sample by sample so both see the
same machine load. Prints JSON lines (ms; rate = 1 / mean latency, one client).
"""

import argparse
import random
import time
from types import SimpleNamespace

from _setup import django_ready, emit, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--cases", type=int, default=1_000)
    args = parser.parse_args()
    django_ready(scale=args.scale)

    from yimen.accounts.models import User
    from yimen.cases import services
    from yimen.catalog.models import ItemVersion
    from yimen.common import audit
    from yimen.registry.models import Person

    clerk = User.objects.select_related("department", "division").get(username="clerk")
    version = ItemVersion.objects.published().select_related("item").get(name="老年人优待证办理")
    schema_props = (version.form_schema or {}).get("properties", {})
    form = {
        k: (v["enum"][0] if "enum" in v else "演示")
        for k, v in schema_props.items()
        if k not in ("id_number",)
    }
    rng = random.Random(7)
    ids = list(Person.objects.filter(status="alive").values_list("id_number", flat=True)[:20_000])
    paper = [m.key for m in version.materials.all() if m.source == "applicant"]

    def submit(id_number: str) -> None:
        services.case_submit(
            actor=clerk,
            item=version.item.implementation_code,
            channel="window",
            id_number=id_number,
            form_data=form,
        )

    def take_in(id_number: str) -> None:
        services.case_take_in(
            actor=clerk,
            decision="accept",
            item=version.item.implementation_code,
            id_number=id_number,
            form_data=form,
            paper=paper,
        )

    real_record = audit.record

    def no_ledger(**kwargs):
        return SimpleNamespace(index=None)

    def interleaved(fn, n: int) -> dict[bool, tuple[list[int], float]]:
        """Alternate with/without the ledger sample by sample (order flipped each round), so both modes
        see the same machine load; returns samples and total seconds per mode."""
        out: dict[bool, tuple[list[int], float]] = {True: ([], 0.0), False: ([], 0.0)}
        for i in range(n):
            for ledger in (True, False) if i % 2 else (False, True):
                audit.record = real_record if ledger else no_ledger
                id_number = rng.choice(ids)
                t0 = time.perf_counter_ns()
                try:
                    fn(id_number)
                finally:
                    audit.record = real_record
                elapsed = time.perf_counter_ns() - t0
                samples, seconds = out[ledger]
                samples.append(elapsed)
                out[ledger] = (samples, seconds + elapsed / 1e9)
        return out

    for _ in range(50):  # warm caches and the connection
        submit(rng.choice(ids))

    for name, fn in (("submit", submit), ("submit_accept", take_in)):
        results = interleaved(fn, args.cases)
        for ledger, (samples, seconds) in results.items():
            label = "with_ledger" if ledger else "without_ledger"
            for k, v in percentiles(samples).items():
                emit("case_submission", f"{name}_{label}_{k}", v, "ms", cases=len(samples))
            emit(
                "case_submission",
                f"{name}_{label}_rate",
                len(samples) / seconds,
                "cases/s",
                cases=len(samples),
            )
        with_p50 = percentiles(results[True][0])["p50"]
        without_p50 = percentiles(results[False][0])["p50"]
        emit("case_submission", f"{name}_ledger_cost_p50", with_p50 - without_p50, "ms", cases=args.cases)


if __name__ == "__main__":
    main()
