"""The ledger API at /ledger/ and the staff page: what a verifier outside the district can fetch."""

import base64

import pytest

from yimen.accounts.models import Role, User
from yimen.common.testing import client_for
from yimen.ledger import keys, merkle, note, selectors, services
from yimen.ledger.tests.conftest import append, leaves_from_entries

pytestmark = pytest.mark.django_db


def _b(values):
    return [base64.b64decode(v) for v in values]


def _user(role: str) -> User:
    return User.objects.create_user(username=f"u-{role}", password="pw", role=role)


def _checkpoint(client) -> note.Checkpoint:
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    vkey = client.get("/ledger/public-key").content.decode().splitlines()[0]
    cp, _ = note.checkpoint_open(response.content.decode(), note.Verifier.from_vkey(vkey))
    return cp


def test_anyone_can_fetch_a_signed_checkpoint_and_the_public_key(log):
    client = client_for(None)
    cp = _checkpoint(client)
    assert cp.size == log and cp.root == merkle.root_from_leaves(leaves_from_entries())
    assert client.get("/ledger/public-key").content.decode() == keys.log_signer().vkey() + "\n"


def test_an_inclusion_proof_verifies_against_the_checkpoint(log):
    client = client_for(None)
    cp = _checkpoint(client)
    response = client.get("/ledger/proofs/inclusion", {"index": 13, "tree_size": cp.size})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["leaf_hash"] == selectors.b64(leaves_from_entries()[13])
    merkle.verify_inclusion(
        index=13,
        tree_size=cp.size,
        leaf=base64.b64decode(body["leaf_hash"]),
        proof=_b(body["proof"]),
        root=cp.root,
    )


def test_tree_size_defaults_to_a_signed_checkpoint_that_covers_the_entry(log):
    client = client_for(None)
    services.checkpoint_sign()
    append(3)
    body = client.get("/ledger/proofs/inclusion", {"index": log + 1}).json()
    assert body["tree_size"] == log + 3
    assert selectors.checkpoint_latest().size == log + 3


def test_a_consistency_proof_links_two_checkpoints(log):
    client = client_for(None)
    old = _checkpoint(client)
    append(9)
    new = _checkpoint(client)
    response = client.get("/ledger/proofs/consistency", {"from": old.size, "to": new.size})
    assert response.status_code == 200, response.content
    assert response.json()["from"] == old.size
    merkle.verify_consistency(
        size1=old.size, size2=new.size, root1=old.root, root2=new.root, proof=_b(response.json()["proof"])
    )


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("/ledger/proofs/inclusion", {"index": -1, "tree_size": 3}, "index"),
        ("/ledger/proofs/inclusion", {"index": "abc", "tree_size": 3}, "index"),
        ("/ledger/proofs/inclusion", {"tree_size": 3}, "index"),
        ("/ledger/proofs/inclusion", {"index": 5, "tree_size": 3}, "index"),
        ("/ledger/proofs/inclusion", {"index": 0, "tree_size": 10**6}, "tree_size"),
        ("/ledger/proofs/inclusion", {"index": 0, "tree_size": 0}, "tree_size"),
        ("/ledger/proofs/consistency", {"from": 5, "to": 3}, "from"),
        ("/ledger/proofs/consistency", {"from": 0, "to": 3}, "from"),
        ("/ledger/proofs/consistency", {"from": 1}, "to"),
        ("/ledger/proofs/consistency", {"from": 1, "to": 10**6}, "to"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(log, path, params, field):
    response = client_for(None).get(path, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body.get("errors", body), body


def test_entries_are_for_staff_who_may_read_the_ledger(log):
    path = "/ledger/entries/4"
    assert client_for(None).get(path).status_code in (401, 403)
    assert client_for(_user(Role.CITIZEN)).get(path).status_code == 403
    response = client_for(_user(Role.AUDITOR)).get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["index"] == 4
    assert base64.b64decode(body["leaf_hash"]) == merkle.leaf_hash(body["entry"].encode())
    assert body["fields"]["subject"] in body["entry"]
    missing = client_for(_user(Role.DATA_ADMIN)).get("/ledger/entries/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_openapi_schema_documents_the_ledger(log):
    schema = client_for(None).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/ledger/checkpoint",
        "/ledger/entries/{index}",
        "/ledger/proofs/inclusion",
        "/ledger/proofs/consistency",
        "/ledger/public-key",
    ):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/ledger/proofs/consistency"]["get"]["parameters"]}
    assert params == {"from", "to"}
    assert "text/plain" in schema["paths"]["/ledger/checkpoint"]["get"]["responses"]["200"]["content"]


# --- the staff page ------------------------------------------------------------------------------------


def test_the_staff_page_needs_the_ledger_capability(log, client):
    response = client.get("/ledger/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(_user(Role.WINDOW_CLERK))
    assert client.get("/ledger/").status_code == 403


def test_the_staff_page_shows_the_checkpoint_and_a_subjects_entries(log, client):
    append(2, subject="cases.case:77")
    client.force_login(_user(Role.AUDITOR))
    page = client.get("/ledger/", {"subject": "cases.case:77"}).content.decode()
    assert "最新签名检查点" in page
    assert f"\n{log + 2}\n" in page  # the checkpoint body's size line
    assert page.count("cases.case:77") >= 3  # search box value and two rows
    assert "test.thing:1<" not in page


def test_verify_this_record_checks_the_proof_on_the_server(log, client):
    client.force_login(_user(Role.DATA_ADMIN))
    page = client.get("/ledger/", {"verify": "6"}).content.decode()
    assert "✓" in page and "第 6 条记录已包含" in page
    assert "yimen-ledger-bundle/v1" in page
    page = client.get("/ledger/", {"verify": "x"}).content.decode()
    assert "✗" in page
