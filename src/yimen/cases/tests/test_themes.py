"""Themes (主题办): one application, merged materials, sub-cases approved in parallel by their own
departments; the application is done when every sub-case is."""

import pytest

from yimen.cases import services
from yimen.cases.models import Case, Status, ThemeApplication
from yimen.cases.selectors import theme_application_get
from yimen.catalog.tests.factories import ItemVersionFactory, MaterialFactory, ThemeFactory
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.registry.tests.factories import UserFactory


@pytest.fixture
def theme(world):
    """养老一件事: 老年人优待证 (民政局) + 一项人社局事项, both asking for the ID card and a photo."""
    from yimen.registry.tests.factories import department

    rsj = department("RSJ", "禅城区人力资源和社会保障局")
    pension = ItemVersionFactory(
        published=True, name="城乡居民养老保险待遇申领", kind="benefit", department=rsj, promised_limit_days=5
    )
    MaterialFactory(
        version=pension, key="id_card", name="居民身份证", source="e_certificate", source_ref="居民身份证"
    )
    MaterialFactory(version=pension, key="photo", name="近期免冠照片")
    MaterialFactory(version=pension, key="bank_card", name="银行卡复印件")
    world.users["approver_rs"] = UserFactory(role="approver", department=rsj)
    return ThemeFactory(
        code="elderly", name="养老一件事", promised_days=7, items=[world.elder_item.item, pension.item]
    )


def _submit(world, **kw):
    args = {
        "actor": world.users["clerk"],
        "theme": "elderly",
        "channel": "window",
        "id_number": world.elder.id_number,
        "forms": {world.elder_item.item.implementation_code: {"card_form": "电子证"}},
    }
    return services.theme_submit(**{**args, **kw})


def test_theme_approved_in_parallel(world, theme):
    app = _submit(world)
    progress = theme_application_get(user=world.users["clerk"], pk=app.pk)
    assert len(progress.cases) == 2 and (progress.materials_before, progress.materials_after) == (5, 3)
    services.theme_accept(application=app, actor=world.users["clerk"], paper=["photo", "bank_card"])
    app.refresh_from_db()
    assert app.due_date is not None and app.number.startswith("440604T")
    mz_case, rs_case = progress.cases
    assert {c.department.code for c in progress.cases} == {"MZJ", "RSJ"}
    # Each department decides its own sub-case, in either order, without waiting for the other.
    rs = world.users["approver_rs"]
    services.case_step_complete(case=rs_case, actor=rs, opinion="缴费记录齐全")
    services.case_approve(case=rs_case, actor=rs, opinion="同意")
    assert not theme_application_get(user=rs, pk=app.pk).done
    with pytest.raises(PermissionDenied):  # 人社局 cannot act on 民政局's sub-case
        services.case_step_complete(case=mz_case, actor=rs)
    mz = world.users["approver_mz"]
    services.case_step_complete(case=mz_case, actor=mz)
    services.case_approve(case=mz_case, actor=mz)
    done = theme_application_get(user=world.users["citizen"], pk=app.pk)
    assert done.done and done.finished
    assert {c.status for c in done.cases} == {Status.APPROVED}


def test_theme_accepts_once_and_needs_every_required_material(world, theme):
    app = _submit(world)
    with pytest.raises(ValidationFailed) as exc:
        services.theme_accept(application=app, actor=world.users["clerk"], paper=["photo"])  # no bank card
    assert "materials.bank_card" in exc.value.errors
    assert not Case.objects.filter(theme_application=app, status=Status.ACCEPTED).exists()  # all or none
    services.theme_accept(application=app, actor=world.users["clerk"], paper=["photo", "bank_card"])
    with pytest.raises(Conflict):
        services.theme_accept(application=app, actor=world.users["clerk"], paper=["photo", "bank_card"])


def test_bad_theme_input_writes_nothing(world, theme):
    with pytest.raises(ValidationFailed) as exc:
        _submit(world, theme="no-such-theme")
    assert "theme" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        _submit(world, forms={world.elder_item.item.implementation_code: {"card_form": "金卡"}})
    assert f"{world.elder_item.item.implementation_code}.form.card_form" in exc.value.errors
    assert not ThemeApplication.objects.exists() and not Case.objects.exists()


def test_theme_submission_is_idempotent(world, theme):
    first = _submit(world, idempotency_key="t-1")
    assert _submit(world, idempotency_key="t-1").pk == first.pk
    assert Case.objects.count() == 2


def test_theme_over_http_and_its_page(world, theme):
    from django.test import Client

    from yimen.common.testing import client_for

    clerk = client_for(world.users["clerk"])
    body = {
        "theme": "elderly",
        "channel": "window",
        "id_number": world.elder.id_number,
        "forms": {world.elder_item.item.implementation_code: {"card_form": "电子证"}},
    }
    r = clerk.post("/api/cases/themes/", body, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert len(r.json()["cases"]) == 2 and r.json()["materials_after"] == 3
    r = clerk.post(f"/api/cases/themes/{pk}/accept/", {"paper": ["photo", "bank_card"]}, format="json")
    assert r.status_code == 200 and r.json()["due_date"] and not r.json()["done"]
    assert client_for(world.users["stranger"]).get(f"/api/cases/themes/{pk}/").status_code == 404
    page = Client()
    page.force_login(world.users["citizen"])
    text = page.get(f"/cases/themes/{pk}/").content.decode()
    assert "养老一件事" in text and "并联审批中" in text and "合并前 5 项，合并后 3 项" in text


def test_theme_window_page_files_and_accepts_in_one_step(world, theme):
    from django.test import Client

    clerk = Client()
    clerk.force_login(world.users["clerk"])
    url = "/cases/themes/intake/elderly/"
    page = clerk.get(url).content.decode()
    assert "养老一件事" in page and "银行卡复印件" in page
    base = {"id_number": world.elder.id_number, "paper": ["photo", "bank_card"], "idempotency_key": "t-1"}
    code = world.elder_item.item.implementation_code
    assert "申请表：老年人优待证办理" in page and f'name="form.{code}.card_form"' in page
    # the sub-case of 老年人优待证 needs its form: a field-level error, nothing written, the rest kept
    r = clerk.post(url, base)
    body = r.content.decode()
    assert r.status_code == 200 and "优待证形式 必填" in body
    assert 'value="photo" checked' in body  # what the clerk checked is kept
    assert not ThemeApplication.objects.exists() and not Case.objects.exists()
    # with the item's form filled in on the same page, the theme is filed and accepted
    r = clerk.post(url, {**base, f"form.{code}.card_form": "电子证"})
    app = ThemeApplication.objects.get()
    assert (
        Case.objects.get(theme_application=app, item=world.elder_item.item).form_data["card_form"] == "电子证"
    )
    assert r.status_code == 302 and r["Location"] == f"/cases/themes/{app.pk}/"
    assert app.accepted_at is not None
    assert set(Case.objects.filter(theme_application=app).values_list("status", flat=True)) == {
        Status.ACCEPTED
    }
    # a retried form shows the same application
    assert clerk.post(url, {**base, f"form.{code}.card_form": "电子证"}).status_code == 302
    assert ThemeApplication.objects.count() == 1
    assert Client().get(url).status_code == 302  # login first
    citizen = Client()
    citizen.force_login(world.users["citizen"])
    assert citizen.get(url).status_code == 403
