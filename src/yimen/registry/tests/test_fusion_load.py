"""Loading the fused store into the registry: created once, matched by ID number / USCC, re-loads change
nothing, newer outputs change only what changed, each field's lineage kept, one ledger entry per load."""

import datetime as dt
import hashlib

import pytest

from yimen.common.errors import ValidationFailed
from yimen.common.identity import make_id_number, make_uscc
from yimen.common.testing import assert_masked, client_for
from yimen.ledger import selectors as ledger
from yimen.registry import services
from yimen.registry.fusion_load import fused_load
from yimen.registry.models import Enterprise, FieldLineage, FusionRun, Person
from yimen.registry.tests.factories import PersonFactory
from yimen.registry.tests.fused import enterprise, person, write_output

pytestmark = pytest.mark.django_db

CHEN = make_id_number("440604", dt.date(1985, 3, 4), 121)  # local, male
LI = make_id_number("450881", dt.date(1999, 12, 1), 46)  # Guangxi: a migrant, female
NANHAI = make_id_number("440605", dt.date(1970, 1, 2), 13)  # Foshan, outside the district: not a migrant
BAD_CHECKSUM = CHEN[:17] + ("0" if CHEN[17] != "0" else "1")
JUNE, SEPT = dt.date(2026, 6, 30), dt.date(2026, 9, 30)


def chen(**changes) -> dict:
    values = {
        "id_number": CHEN,
        "name": "陈大文",
        "gender": "M",
        "birth_date": dt.date(1985, 3, 4),
        "phone": "13800138000",
        "address": "佛山市禅城区祖庙街道培德社区福宁路12号",
        "division_code": "440604012013",
    }
    return {**values, **changes}


def first_output(tmp_path, name="out1"):
    return write_output(
        tmp_path / name,
        [
            person(
                chen(),
                record_id="GA-0001",
                provenance={"phone": ("hrss_insured", "SB-77", dt.date(2026, 5, 31))},
                conflicts=[
                    {
                        "field": "phone",
                        "value": "13900000000",
                        "source": "police_hukou",
                        "record_id": "GA-0001",
                    }
                ],
            ),
            # only ID and name: gender and birth date come from the ID number; an unknown village code
            person({"id_number": LI, "name": "李丽", "division_code": "440604999999"}, record_id="GA-0002"),
            person({"id_number": NANHAI, "name": "黄伟"}, record_id="GA-0003"),
            person({"id_number": None, "name": "无证人"}, record_id="GA-0004"),  # stays in the fused store
            person({"id_number": BAD_CHECKSUM, "name": "错号人"}, record_id="GA-0005"),
        ],
    )


def snapshot() -> tuple:
    return (
        sorted(
            Person.objects.values_list("id", "id_number", "name", "phone", "residence_address", "updated_at")
        ),
        sorted(
            FieldLineage.objects.values_list(
                "id",
                "person_id",
                "field",
                "value_digest",
                "source",
                "record_id",
                "as_of",
                "run_id",
                "loaded_at",
            )
        ),
    )


def test_first_load_creates_persons_with_lineage(places, tmp_path):
    result = fused_load(out_dir=first_output(tmp_path))
    counts = result["persons"]
    assert (counts["rows"], counts["created"], counts["updated"], counts["unchanged"]) == (5, 3, 0, 0)
    assert counts["skipped_no_id"] == 2 and result["skipped_no_id"] == 2 and result["created"] == 3
    assert counts["division_unmatched"] == 1
    assert Person.objects.count() == 3
    assert not Person.objects.filter(name__in=["无证人", "错号人"]).exists()

    chen_row = Person.objects.get(id_number=CHEN)
    assert (chen_row.name, chen_row.gender, chen_row.birth_date, chen_row.phone) == (
        "陈大文",
        "M",
        dt.date(1985, 3, 4),
        "13800138000",
    )
    assert chen_row.residence_division == places["peide"] and chen_row.residence_address.endswith(
        "福宁路12号"
    )
    assert (chen_row.hukou_region, chen_row.is_migrant) == ("440604", False)
    li = Person.objects.get(id_number=LI)
    assert (li.gender, li.birth_date, li.residence_division, li.is_migrant, li.hukou_region) == (
        "F",
        dt.date(1999, 12, 1),
        None,
        True,
        "450881",
    )
    assert Person.objects.get(id_number=NANHAI).is_migrant is False  # 4406: Foshan

    lineage = {row.field: row for row in FieldLineage.objects.filter(person=chen_row)}
    assert set(lineage) == {
        "id_number",
        "name",
        "gender",
        "birth_date",
        "phone",
        "residence_address",
        "residence_division",
    }
    phone = lineage["phone"]
    assert (phone.source, phone.department, phone.record_id, phone.as_of) == (
        "hrss_insured",
        "人力资源和社会保障局",
        "SB-77",
        dt.date(2026, 5, 31),
    )
    assert phone.conflicts == 1 and lineage["name"].conflicts == 0
    assert (lineage["name"].source, lineage["name"].department, lineage["name"].record_id) == (
        "police_hukou",
        "公安局",
        "GA-0001",
    )
    assert phone.value_digest == services.value_digest("13800138000")
    assert lineage["residence_division"].value_digest == services.value_digest("440604012013")
    # no personal value is stored in lineage, only digests
    for row in FieldLineage.objects.all():
        assert "13800138000" not in str(row.__dict__) and CHEN not in str(row.__dict__)
    derived = {row.field: row for row in FieldLineage.objects.filter(person=li)}
    assert derived["gender"].source == "derived:id_number" and derived["gender"].derived_from == "id_number"
    assert (derived["birth_date"].department, derived["birth_date"].record_id) == ("公安局", "GA-0002")
    assert "residence_division" not in derived and "phone" not in derived


def test_reloading_the_same_output_changes_nothing(places, tmp_path):
    out = first_output(tmp_path)
    fused_load(out_dir=out)
    before = snapshot()
    again = fused_load(out_dir=out)
    counts = again["persons"]
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 3)
    assert counts["fields_changed"] == {} and counts["lineage_created"] == counts["lineage_updated"] == 0
    assert snapshot() == before
    assert FusionRun.objects.filter(status="finished").count() == 2


def test_a_newer_output_updates_only_the_changed_field_and_its_lineage(places, tmp_path):
    fused_load(out_dir=first_output(tmp_path))
    chen_row = Person.objects.get(id_number=CHEN)
    lineage_before = {row.field: row for row in FieldLineage.objects.filter(person=chen_row)}
    newer = write_output(
        tmp_path / "out2",
        [
            person(
                chen(phone="13712345678"),
                record_id="GA-0001",
                provenance={"phone": ("hrss_insured", "SB-91", SEPT)},
            ),
            person({"id_number": LI, "name": "李丽", "division_code": "440604999999"}, record_id="GA-0002"),
            person({"id_number": NANHAI, "name": "黄伟"}, record_id="GA-0003"),
        ],
    )
    result = fused_load(out_dir=newer, batch_size=2)
    counts = result["persons"]
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 1, 2)
    assert counts["fields_changed"] == {"phone": 1}
    assert counts["lineage_updated"] == 1 and counts["lineage_created"] == 0
    assert Person.objects.count() == 3 and Person.objects.filter(id_number=CHEN).count() == 1
    chen_row.refresh_from_db()
    assert chen_row.phone == "13712345678" and chen_row.name == "陈大文"
    lineage_after = {row.field: row for row in FieldLineage.objects.filter(person=chen_row)}
    phone = lineage_after["phone"]
    assert phone.pk == lineage_before["phone"].pk  # updated in place: one current row per field
    assert (phone.record_id, phone.as_of, phone.run_id, phone.conflicts) == ("SB-91", SEPT, result["run"], 0)
    assert phone.value_digest == services.value_digest("13712345678")
    assert lineage_after["name"].run_id == lineage_before["name"].run_id != result["run"]
    assert FieldLineage.objects.filter(person=chen_row).count() == 7


def test_a_source_change_with_the_same_value_updates_lineage_only(places, tmp_path):
    fused_load(out_dir=first_output(tmp_path))
    newer = write_output(
        tmp_path / "out2", [person(chen(), record_id="GA-0001", as_of=SEPT, source="hrss_insured")]
    )
    counts = fused_load(out_dir=newer)["persons"]
    assert (counts["updated"], counts["unchanged"], counts["lineage_updated"]) == (0, 1, 7)
    row = FieldLineage.objects.get(person__id_number=CHEN, field="name")
    assert (row.source, row.department, row.as_of) == ("hrss_insured", "人力资源和社会保障局", SEPT)


def test_a_missing_value_in_the_fused_store_never_clears_the_registry(places, tmp_path):
    fused_load(out_dir=first_output(tmp_path))
    newer = write_output(tmp_path / "out2", [person(chen(phone=None, address=None), record_id="GA-0001")])
    counts = fused_load(out_dir=newer)["persons"]
    assert counts["unchanged"] == 1 and counts["fields_changed"] == {}
    chen_row = Person.objects.get(id_number=CHEN)
    assert chen_row.phone == "13800138000" and chen_row.residence_address
    assert FieldLineage.objects.get(person=chen_row, field="phone").source == "hrss_insured"


def test_a_value_settled_by_a_case_stays_until_a_source_brings_a_newer_one(places, staff, tmp_path):
    out = first_output(tmp_path)
    fused_load(out_dir=out)
    chen_row = Person.objects.get(id_number=CHEN)
    services.person_settle(
        person=chen_row, fields={"phone": "13611112222"}, source="cases.case:9", actor=staff["clerk"]
    )
    counts = fused_load(out_dir=out)["persons"]
    assert counts["kept_local"] == {"phone": 1} and counts["updated"] == 0
    chen_row.refresh_from_db()
    assert chen_row.phone == "13611112222"
    newer = write_output(
        tmp_path / "out2",
        [
            person(
                chen(phone="13712345678"),
                record_id="GA-0001",
                provenance={"phone": ("hrss_insured", "SB-91", SEPT)},
            )
        ],
    )
    assert fused_load(out_dir=newer)["persons"]["fields_changed"] == {"phone": 1}
    chen_row.refresh_from_db()
    assert chen_row.phone == "13712345678"


def test_an_existing_person_is_matched_by_id_number_not_duplicated(places, tmp_path):
    existing = PersonFactory(
        id_number=CHEN,
        name="陈大文",
        gender="M",
        birth_date=dt.date(1985, 3, 4),
        phone="13500000000",
        residence_division=places["lanshi"],
    )
    counts = fused_load(out_dir=first_output(tmp_path))["persons"]
    assert (counts["created"], counts["updated"]) == (2, 1)
    assert counts["fields_changed"] == {"phone": 1, "residence_address": 1, "residence_division": 1}
    existing.refresh_from_db()
    assert existing.phone == "13800138000" and existing.residence_division == places["peide"]
    assert Person.objects.filter(id_number=CHEN).count() == 1


def test_duplicates_in_a_batch_and_batches_of_any_size(places, tmp_path):
    rows = [person(chen(), record_id="GA-0001"), person(chen(name="陈大文二"), record_id="GA-0009")]
    rows += [
        person(
            {
                "id_number": make_id_number("440604", dt.date(1990, 1, 1) + dt.timedelta(days=i), 10),
                "name": f"人{i}",
            }
        )
        for i in range(7)
    ]
    result = fused_load(out_dir=write_output(tmp_path / "o", rows), batch_size=3)
    counts = result["persons"]
    assert counts["rows"] == 9 and counts["created"] == 8 and counts["duplicates"] == 1
    assert Person.objects.get(id_number=CHEN).name == "陈大文"  # the first row of the batch wins
    assert Person.objects.count() == 8


def test_values_that_do_not_fit_are_counted_not_loaded(places, tmp_path):
    rows = [person(chen(phone="1" * 30, gender="X", division_code=None), record_id="GA-0001")]
    counts = fused_load(out_dir=write_output(tmp_path / "o", rows))["persons"]
    assert counts["rejected_values"] == {"gender": 1, "phone": 1}
    created = Person.objects.get(id_number=CHEN)
    assert created.phone == "" and created.gender == "M"  # from the ID number


def test_enterprises_link_their_legal_representative(places, tmp_path):
    ours = make_uscc("9", "1", "440604", "MA5ABC12")
    shop = make_uscc("9", "2", "440604", "MA5ABC34")
    elsewhere = make_uscc("9", "1", "440100", "MA5ABC56")
    nobody = make_id_number("440604", dt.date(1960, 5, 5), 11)
    out = write_output(
        tmp_path / "o",
        [person(chen(), record_id="GA-0001")],
        [
            enterprise(
                {
                    "uscc": ours,
                    "name": "佛山市禅城区鸿运餐饮管理股份有限公司",
                    "legal_rep_id_number": CHEN,
                    "legal_rep_name": "陈大文",
                    "address": "佛山市禅城区祖庙路1号",
                    "established_date": dt.date(2019, 4, 1),
                    "status": "存续（在营、开业、在册）",
                }
            ),
            enterprise(
                {
                    "uscc": shop,
                    "name": "禅城区鸿运面馆",
                    "legal_rep_id_number": nobody,
                    "address": "佛山市禅城区祖庙街道培德社区福宁路3号首层",
                    "established_date": dt.date(2021, 1, 1),
                    "status": "吊销，未注销",
                },
                record_id="SJ-2",
            ),
            enterprise(
                {"uscc": elsewhere, "name": "广州某公司", "established_date": dt.date(2020, 1, 1)},
                record_id="SJ-3",
            ),
            enterprise({"uscc": "91440604MA5XXXXX00", "name": "错码公司"}, record_id="SJ-4"),
            enterprise({"uscc": None, "name": "无码公司"}, record_id="SJ-5"),
        ],
    )
    result = fused_load(out_dir=out)
    counts = result["enterprises"]
    assert (counts["created"], counts["skipped_no_id"], counts["legal_rep_unmatched"]) == (3, 2, 1)
    assert counts["division_unmatched"] == 2  # no village named in the address
    assert result["created"] == 4  # 1 person + 3 enterprises
    company = Enterprise.objects.get(uscc=ours)
    assert company.legal_representative.id_number == CHEN
    assert (company.kind, company.status, company.established_date) == (
        "joint_stock",
        "active",
        dt.date(2019, 4, 1),
    )
    assert company.division == places["district"] and company.registered_address == "佛山市禅城区祖庙路1号"
    noodle = Enterprise.objects.get(uscc=shop)
    assert (noodle.kind, noodle.status, noodle.legal_representative) == ("individual", "revoked", None)
    assert noodle.division == places["peide"]  # the address names 培德社区
    assert Enterprise.objects.get(uscc=elsewhere).division == places["district"]
    rep = FieldLineage.objects.get(enterprise=company, field="legal_representative")
    assert (rep.source, rep.department, rep.record_id) == ("amr_registry", "市场监督管理局", "SJ-1")
    assert rep.value_digest == services.value_digest(CHEN)
    # again: nothing changes
    again = fused_load(out_dir=out)["enterprises"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    # a newer output: the company is cancelled and its representative's record now names no one known
    cancelled = {
        "uscc": ours,
        "name": "佛山市禅城区鸿运餐饮管理股份有限公司",
        "legal_rep_id_number": nobody,
        "established_date": dt.date(2019, 4, 1),
        "status": "注销",
    }
    newer = write_output(tmp_path / "o2", [], [enterprise(cancelled, record_id="SJ-9", as_of=SEPT)])
    counts = fused_load(out_dir=newer)["enterprises"]
    assert (counts["updated"], counts["fields_changed"], counts["legal_rep_unmatched"]) == (
        1,
        {"status": 1},
        1,
    )
    company.refresh_from_db()
    assert company.status == "cancelled" and company.legal_representative.id_number == CHEN  # kept
    assert company.registered_address == "佛山市禅城区祖庙路1号"  # absent in the newer output: kept
    status = FieldLineage.objects.get(enterprise=company, field="status")
    assert (status.record_id, status.as_of) == ("SJ-9", SEPT)


def test_one_ledger_entry_per_load_with_the_counts_and_file_digest(places, staff, tmp_path):
    out = first_output(tmp_path)
    size = ledger.log_size()
    result = fused_load(out_dir=out, actor=staff["clerk"], batch_size=1)  # five batches, one entry
    assert ledger.log_size() == size + 1
    entry = ledger.entry_get(index=result["ledger_index"])
    run = FusionRun.objects.get(pk=result["run"])
    assert entry.kind == "registry.fusion.loaded" and entry.subject == f"registry.fusionrun:{run.pk}"
    assert entry.actor == f"user:{staff['clerk'].pk}" and run.actor == staff["clerk"]
    digest = hashlib.sha256((out / "fused" / "persons.parquet").read_bytes()).hexdigest()
    assert run.persons_digest == digest == result["persons_sha256"]
    assert (
        run.status == "finished" and run.ledger_index == entry.index and run.counts["persons"]["created"] == 3
    )
    assert run.summary["engine"] == "duckdb"
    assert CHEN not in entry.subject + entry.digest


@pytest.mark.parametrize("breakage", ["no_persons", "no_id_column", "bad_run_json", "not_parquet"])
def test_bad_input_is_refused_and_changes_nothing(places, tmp_path, breakage):
    import pyarrow.parquet as pq

    out = first_output(tmp_path)
    persons = out / "fused" / "persons.parquet"
    if breakage == "no_persons":
        persons.unlink()
    elif breakage == "no_id_column":
        pq.write_table(pq.read_table(persons).drop_columns(["id_number"]), persons)
    elif breakage == "bad_run_json":
        (out / "run.json").write_text("{not json")
    else:
        persons.write_bytes(b"PAR1 this is not parquet")
    size = ledger.log_size()
    with pytest.raises(ValidationFailed) as caught:
        fused_load(out_dir=out)
    assert caught.value.field == "out_dir"
    assert not Person.objects.exists() and not FusionRun.objects.exists() and ledger.log_size() == size


def test_departments_come_from_sources_yaml_when_run_json_has_none(places, tmp_path):
    out = write_output(tmp_path / "o", [person(chen(), record_id="GA-0001")], run={"engine": "duckdb"})
    (out / "sources.yaml").write_text(
        "sources:\n  - name: police_hukou\n    department: 区公安分局\n    kind: person\n", encoding="utf-8"
    )
    fused_load(out_dir=out)
    assert FieldLineage.objects.get(person__id_number=CHEN, field="name").department == "区公安分局"


def test_progress_is_reported_per_batch(places, tmp_path):
    seen = []
    fused_load(out_dir=first_output(tmp_path), batch_size=2, progress=lambda *a: seen.append(a))
    assert ("persons", 5, 5) in seen and ("persons", 2, 5) in seen and seen[-1][0] == "enterprises"


def test_lineage_api_is_masked_and_scoped(places, staff, tmp_path):
    fused_load(out_dir=first_output(tmp_path))
    chen_row = Person.objects.get(id_number=CHEN)
    response = client_for(staff["grid_zumiao"]).get(f"/api/registry/persons/{chen_row.pk}/lineage/")
    assert response.status_code == 200
    rows = {row["field"]: row for row in response.json()}
    assert rows["phone"]["current"] == "138****8000" and rows["phone"]["department"] == "人力资源和社会保障局"
    assert rows["phone"]["record_id"] == "SB-77" and rows["phone"]["as_of"] == "2026-05-31"
    assert rows["birth_date"]["current"] == "1985-**-**" and rows["phone"]["replaced"] is False
    assert_masked(response.json(), ["13800138000", "陈大文", CHEN, "福宁路12号"])
    assert list(rows)[0] == "id_number"
    li = Person.objects.get(id_number=LI)  # lives nowhere the grid worker's scope reaches
    assert client_for(staff["grid_zumiao"]).get(f"/api/registry/persons/{li.pk}/lineage/").status_code == 404
    assert (
        client_for(staff["citizen"]).get(f"/api/registry/persons/{chen_row.pk}/lineage/").status_code == 403
    )


def test_other_apps_hear_which_persons_changed_once_a_batch_commits(
    places, tmp_path, django_capture_on_commit_callbacks
):
    from yimen.common.signals import subjects_changed

    heard = []

    def receiver(sender, *, person_ids=(), enterprise_ids=(), **kwargs):
        heard.append((kwargs.get("reason"), list(person_ids), list(enterprise_ids)))

    subjects_changed.connect(receiver, dispatch_uid="test-fusion-load")
    try:
        out = first_output(tmp_path)
        with django_capture_on_commit_callbacks(execute=True):
            fused_load(out_dir=out)
        created = sorted(Person.objects.values_list("pk", flat=True))
        assert heard == [("registry.fusion.loaded", created, [])]
        heard.clear()
        with django_capture_on_commit_callbacks(execute=True):
            fused_load(out_dir=out)  # nothing changed: nobody is told
        assert heard == []
    finally:
        subjects_changed.disconnect(dispatch_uid="test-fusion-load")


def test_the_lineage_digest_is_the_registry_value_digest():
    from django.test import override_settings

    from yimen.registry.lineage import lineage_digest

    for value in ("13800138000", "陈大文", ""):
        assert lineage_digest(value) == services.value_digest(value)
    assert lineage_digest(dt.date(2020, 1, 2)) == services.value_digest("2020-01-02")
    assert lineage_digest(None) == services.value_digest("")
    with override_settings(SECRET_KEY="k" * 100):  # longer than a SHA-256 block: hashed first
        assert lineage_digest("x") == services.value_digest("x")


def test_an_interrupted_load_keeps_whole_batches_and_a_rerun_finishes_it(places, tmp_path, monkeypatch):
    from yimen.registry import fusion_load

    out = first_output(tmp_path)
    real, calls = fusion_load._load_batch, []

    def failing(rows, kind):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(rows, kind)

    monkeypatch.setattr(fusion_load, "_load_batch", failing)
    with pytest.raises(RuntimeError):
        fused_load(out_dir=out, batch_size=2)
    run = FusionRun.objects.get()
    assert run.status == "failed" and run.ledger_index is None
    assert Person.objects.count() == 2  # the first batch: CHEN and LI
    monkeypatch.setattr(fusion_load, "_load_batch", real)
    counts = fused_load(out_dir=out, batch_size=2)["persons"]
    assert (counts["created"], counts["unchanged"]) == (1, 2)
    assert Person.objects.count() == 3 and FieldLineage.objects.filter(person__id_number=CHEN).count() == 7


def test_enterprise_lineage_api_masks_the_legal_representative(places, staff, tmp_path):
    uscc = make_uscc("9", "1", "440604", "MA5ABC12")
    values = {
        "uscc": uscc,
        "name": "佛山市禅城区鸿运餐饮管理有限公司",
        "legal_rep_id_number": CHEN,
        "address": "佛山市禅城区祖庙街道培德社区福宁路3号",
        "established_date": dt.date(2019, 4, 1),
        "status": "存续",
    }
    fused_load(out_dir=write_output(tmp_path / "o", [person(chen())], [enterprise(values)]))
    company = Enterprise.objects.get(uscc=uscc)
    response = client_for(staff["clerk"]).get(f"/api/registry/enterprises/{company.pk}/lineage/")
    assert response.status_code == 200
    rows = {row["field"]: row for row in response.json()}
    assert rows["legal_representative"]["current"] == "陈*文"
    assert rows["division"]["current"] == "培德社区居委会"
    assert rows["division"]["derived_from"] == "registered_address" and rows["division"]["replaced"] is False
    assert rows["registered_address"]["current"] == values["address"]  # registration data is public
    assert (
        rows["status"]["department"] == "市场监督管理局"
        and rows["status"]["current"] == "存续(在营、开业、在册)"
    )
    assert_masked(response.json(), [CHEN, "陈大文"])
