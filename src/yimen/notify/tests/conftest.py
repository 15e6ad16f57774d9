import json

import pytest

from yimen.accounts.models import Role
from yimen.notify import providers
from yimen.registry.tests.factories import PersonFactory, UserFactory, chancheng


@pytest.fixture(autouse=True)
def notify_settings(settings, tmp_path):
    """Fresh ledger keys; text messages into a file of this test; no quiet hours unless a test sets them
    (sends must not depend on the time of day the suite runs at)."""
    settings.YIMEN_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.YIMEN_LEDGER_WITNESS_DIR = tmp_path / "witness"
    settings.YIMEN_LEDGER_WITNESS = False
    settings.YIMEN_LEDGER_CHECKPOINT_INTERVAL = 0
    settings.YIMEN_SMS_PROVIDER = "file"
    settings.YIMEN_SMS_OUTBOX = tmp_path / "sms-outbox.jsonl"
    settings.YIMEN_NOTIFY_QUIET_HOURS = ""
    settings.YIMEN_NOTIFY_FREQUENCY_CAP = 3
    settings.YIMEN_NOTIFY_FREQUENCY_DAYS = 7
    settings.YIMEN_NOTIFY_MAX_ATTEMPTS = 5
    settings.YIMEN_NOTIFY_RETRY_BASE_SECONDS = 60
    settings.YIMEN_NOTIFY_RETRY_MAX_SECONDS = 3600
    settings.YIMEN_NOTIFY_CAMPAIGN_LIMIT = 10_000
    settings.YIMEN_NOTIFY_CHUNK_SIZE = 2000
    settings.YIMEN_PUBLIC_URL = "https://yimen.example.cn"
    providers.providers_reset()
    yield tmp_path
    providers.providers_reset()


@pytest.fixture
def outbox(notify_settings):
    """The text messages the file provider wrote, as dicts."""
    path = notify_settings / "sms-outbox.jsonl"

    def read() -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    return read


@pytest.fixture
def places(db):
    return chancheng()


@pytest.fixture
def elder(places):
    """A resident of 培德社区 with a phone number and a verified account with an email address."""
    person = PersonFactory(
        name="陈志明", phone="13800000001", residence_division=places["peide"], hukou_division=places["peide"]
    )
    UserFactory(role=Role.CITIZEN, person=person, email="chen.zhiming@example.com", full_name="陈志明")
    return person


@pytest.fixture
def citizen(elder):
    return elder.account


@pytest.fixture
def neighbours(places):
    """Five more residents of 培德社区 (phones, no accounts)."""
    return [
        PersonFactory(
            phone=f"1390000{i:04d}", residence_division=places["peide"], hukou_division=places["peide"]
        )
        for i in range(5)
    ]


@pytest.fixture
def data_admin(places):
    return UserFactory(role=Role.DATA_ADMIN, full_name="谭婉琳")


@pytest.fixture
def clerk(places):
    return UserFactory(role=Role.WINDOW_CLERK, full_name="陈晓雯")
