from django.db import transaction
from django.db.models import Max

from yimen.ledger.models import Entry


@transaction.atomic
def entry_append(*, kind: str, subject: str, actor: str, digest: str) -> Entry:
    last = Entry.objects.select_for_update().aggregate(m=Max("index"))["m"]
    return Entry.objects.create(index=(last + 1) if last is not None else 0, kind=kind, subject=subject, actor=actor, digest=digest)
