"""`case_answer` is `CaseOut` built by hand for the submission hot path: the two must give the same
bytes for every case, and a case just filed must be answered without reading anything again."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from yimen.cases import selectors, services
from yimen.cases.models import Status
from yimen.cases.serializers import CaseOut, case_answer
from yimen.cases.services import intake
from yimen.cases.tests.factories import case_in, submit_elder
from yimen.common.testing import client_for
from yimen.ledger import selectors as ledger

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _same(case, request) -> None:
    render = JSONRenderer().render
    assert render(case_answer(case, request)) == render(CaseOut(case, context={"request": request}).data)


@pytest.mark.parametrize("status", list(Status))
def test_answer_equals_the_serializer_in_every_status(world, status):
    case = case_in(world, status)
    _same(selectors.case_get(user=world.users["auditor"], pk=case.pk), RequestFactory().get("/"))


def test_answer_equals_the_serializer_for_an_enterprise_with_an_upload(world):
    agent = world.users["agent"]
    upload = services.upload_store(actor=agent, file=_file("plan.png"))
    case = services.case_submit(
        actor=agent,
        item=world.licence_item.item.implementation_code,
        channel="online",
        materials={"layout": {"upload": upload.pk}},
    )
    again = selectors.case_get(user=world.users["auditor"], pk=case.pk)
    assert case_answer(again)["materials"][1]["upload_sha256"] == upload.sha256
    _same(again, None)


def test_a_case_just_filed_is_answered_without_a_query(world):
    request = RequestFactory().get("/")
    case = submit_elder(world)
    with CaptureQueriesContext(connection) as ctx:
        fresh = case_answer(case, request)
    assert ctx.captured_queries == []
    assert fresh == case_answer(selectors.case_get(user=world.users["clerk"], pk=case.pk), request)
    assert [h["to_status"] for h in fresh["history"]] == ["submitted"] and fresh["steps"] == []


def test_the_submission_answer_is_what_reading_the_case_gives(world):
    clerk = client_for(world.users["clerk"])
    body = {
        "item": world.elder_item.item.implementation_code,
        "channel": "window",
        "id_number": world.elder.id_number,
        "form_data": {"card_form": "实体卡"},
    }
    r = clerk.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="answer-1")
    assert r.status_code == 201
    assert r.json() == clerk.get(f"/api/cases/{r.json()['id']}/").json()
    replay = clerk.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="answer-1")
    assert replay.status_code == 200 and replay.json() == r.json()


def test_a_racing_duplicate_key_returns_the_first_case(world, monkeypatch):
    """The other request committed the key after our look-up: our insert fails on the constraint, our
    writes are undone and its case is the answer."""
    first = submit_elder(world, idempotency_key="race-1")
    looked = []
    real = intake._replay

    def miss_first_look(actor, key):
        looked.append(key)
        return None if len(looked) == 1 else real(actor, key)

    monkeypatch.setattr(intake, "_replay", miss_first_look)
    size = ledger.log_size()
    again = submit_elder(world, idempotency_key="race-1")
    assert again.pk == first.pk and again.replayed and len(looked) == 2
    assert ledger.log_size() == size and first.submitted_by.cases_submitted.count() == 1


def _file(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG)
