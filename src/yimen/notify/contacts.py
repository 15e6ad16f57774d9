"""Where a message reaches a person: the phone number in the person library (自然人库) and, as the
library holds no email address, the email of the person's own verified account, if any.

These are set-based reads for batches of thousands; the registry has no bulk contact selector, so this
module is the one place notify reads registry rows, and it reads only what sending needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from yimen.notify.models import Channel
from yimen.notify.sets import id_batches, ids_in
from yimen.registry.models import Person


@dataclass(frozen=True)
class Contact:
    person_id: int
    name: str
    phone: str
    email: str
    alive: bool

    def address(self, channel: str) -> str:
        if channel == Channel.SMS:
            return self.phone
        if channel == Channel.EMAIL:
            return self.email
        return str(self.person_id)


def contacts(person_ids: Iterable[int]) -> dict[int, Contact]:
    """Contact details of the persons that exist, by id."""
    ids = sorted({int(i) for i in person_ids})
    out: dict[int, Contact] = {}
    for chunk in id_batches(ids):
        rows = Person.objects.filter(ids_in("pk", chunk)).values_list(
            "pk", "name", "phone", "status", "account__email"
        )
        for pk, name, phone, status, email in rows:
            out[pk] = Contact(
                person_id=pk,
                name=name,
                phone=(phone or "").strip(),
                email=(email or "").strip(),
                alive=status == Person.Status.ALIVE,
            )
    return out


def living(person_ids: Iterable[int]) -> tuple[list[int], int]:
    """(ids of living persons that exist, sorted; how many of the given ids were left out)."""
    ids = sorted({int(i) for i in person_ids})
    found: list[int] = []
    for chunk in id_batches(ids):
        found.extend(
            Person.objects.filter(ids_in("pk", chunk), status=Person.Status.ALIVE).values_list(
                "pk", flat=True
            )
        )
    found.sort()
    return found, len(ids) - len(found)
