"""The two kinds of entity the fusion loader writes: persons (keyed by ID number) and enterprises (keyed
by USCC). Each knows how to read its current registry values in natural form (a division by its code, a
legal representative by ID number), what a new row holds, and how to write rows in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from yimen.common.errors import ValidationFailed
from yimen.common.identity import validate_uscc
from yimen.places.models import Division
from yimen.registry import fused_input
from yimen.registry.lineage import lineage_digest
from yimen.registry.models import Enterprise, FieldLineage, Person
from yimen.registry.table_writer import TableWriter

LOCAL_CITY = "4406"  # 佛山市: an ID number issued outside the city marks a migrant (流动人口)
IN_CHUNK = 2_000  # keys per `IN (...)`: well under SQLite's variable limit


def chunks(values: list, size: int = IN_CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


class PersonKind:
    name = "person"
    model = Person
    key = "id_number"
    specs = fused_input.PERSON_SPECS
    # what the loader may change, as stored (attnames); a change rewrites these of the changed rows only
    columns = ("name", "gender", "birth_date", "phone", "residence_address", "residence_division_id")
    refs = {"residence_division": "residence_division_id"}  # natural attr -> stored column

    def __init__(self, ctx):
        self.ctx = ctx
        self._insert = TableWriter(self.model, list(TableWriter.defaults(self.model, None)))
        self._update = TableWriter(self.model, [*self.columns, "updated_at"])

    # reading

    def parse_key(self, value):
        rid = fused_input.resident_id(value)
        return (rid.number, rid) if rid else (None, None)

    def prepare(self, rows: list[dict]) -> None:
        """Before a batch: a new row's defaults, and what the batch refers to (enterprises: legal reps)."""
        self.defaults = TableWriter.defaults(self.model, self.ctx.now)

    def _rows(self, keys: list[str], *, lock: bool, extra: tuple[str, ...] = ()):
        qs = self.model.objects.all()
        if lock:  # `of`: never the nullable side of the outer join to a legal representative
            qs = self.model.objects.select_for_update(of=("self",))
        fields = ("pk", self.key, *self.columns, *extra)
        for chunk in chunks(keys):
            for values in qs.filter(**{f"{self.key}__in": chunk}).values_list(*fields):
                yield dict(zip(fields, values, strict=True))

    def current(self, keys: list[str], *, lock: bool = False) -> dict[str, dict]:
        """Key -> the registry's values in natural form, with the stored ones under "stored"."""
        out = {}
        for row in self._rows(keys, lock=lock):
            row["stored"] = {c: row[c] for c in self.columns}
            row["residence_division"] = self.ctx.division_codes.get(row["residence_division_id"])
            out[row[self.key]] = row
        return out

    def known(self, attr: str, value) -> str:
        if attr == "residence_division" and value not in self.ctx.divisions:
            return "division_unmatched"
        return ""

    def stored(self, changes: dict) -> dict:
        """Natural values as stored (a division code as its primary key)."""
        out = dict(changes)
        if "residence_division" in out:
            out["residence_division_id"] = self.ctx.divisions[out.pop("residence_division")]
        return out

    # writing

    def new(self, key: str, rid, changes: dict, writes: dict) -> tuple | None:
        """The row of a new person, or None when the golden record lacks a name. Gender and birth date
        come from the ID number when the golden record lacks them (lineage: `derived:id_number`)."""
        if not changes.get("name"):
            return None
        id_lineage = writes.get("id_number")
        for attr, derived in (("gender", rid.gender), ("birth_date", rid.birth_date)):
            if attr not in changes:
                changes[attr] = derived
                if id_lineage:
                    source = FieldLineage.DERIVED_PREFIX + "id_number"
                    writes[attr] = (lineage_digest(derived), source, *id_lineage[2:5], 0)
        values = {**self.defaults, **self.stored(changes)}
        values.update(
            hukou_region=rid.address_code,
            is_migrant=not rid.address_code.startswith(LOCAL_CITY),
        )
        return tuple(values.values())

    def update_row(self, current: dict, changes: dict) -> tuple:
        values = {**current["stored"], **self.stored(changes)}
        return (current["pk"], *(values[c] for c in self.columns), self.ctx.now)

    def insert(self, rows: list[tuple]) -> None:
        self._insert.insert(rows)

    def update(self, rows: list[tuple]) -> None:
        self._update.update(rows)

    def pks(self, keys: list[str]) -> dict[str, int]:
        out = {}
        for chunk in chunks(keys):
            out.update(self.model.objects.filter(**{f"{self.key}__in": chunk}).values_list(self.key, "pk"))
        return out


def enterprise_kind_of(uscc: str, name: str) -> str:
    """The registration type, from the USCC's first two characters (GB 32100: 9 = market regulation;
    then 1 enterprise, 2 individual business, 3 farmers' cooperative) and the legal form in the name."""
    kind = Enterprise.Kind
    if uscc[:2] == "92":
        return kind.INDIVIDUAL
    if uscc[:2] == "93":
        return kind.COOPERATIVE
    for word, value in (
        ("分公司", kind.BRANCH),
        ("股份有限公司", kind.JOINT_STOCK),
        ("合伙", kind.PARTNERSHIP),
        ("个人独资", kind.SOLE),
    ):
        if word in name:
            return value
    return kind.LIMITED


class VillageMatcher:
    """The village (村居) an address names: the canonical enterprise fields carry no division code, but a
    registered address usually names its community (`...石湾镇街道季华社区佛山大道中304号`). A village
    matches when its short name (`季华社区`) appears in the address; with several, the one whose street is
    named too, then the longest name; a tie is no match."""

    def __init__(self):
        villages = Division.objects.filter(level=Division.Level.VILLAGE).defer("geometry")
        streets = dict(Division.objects.filter(level=Division.Level.STREET).values_list("code", "name"))
        self.villages = [(v.short_name, streets.get(v.code[:9], ""), v.pk) for v in villages]

    def match(self, address: str | None) -> int | None:
        if not address:
            return None
        found = [
            (street in address if street else False, len(name), pk)
            for name, street, pk in self.villages
            if name in address
        ]
        if not found:
            return None
        found.sort(reverse=True)
        if len(found) > 1 and found[0][:2] == found[1][:2]:
            return None
        return found[0][2]


class EnterpriseKind(PersonKind):
    name = "enterprise"
    model = Enterprise
    key = "uscc"
    specs = fused_input.ENTERPRISE_SPECS
    columns = (
        "name",
        "registered_address",
        "established_date",
        "status",
        "legal_representative_id",
        "division_id",
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        self.reps: dict[str, int] = {}
        district = Division.objects.filter(level=Division.Level.DISTRICT).order_by("code").first()
        self.district = district.pk if district else None
        self.villages = VillageMatcher()

    def parse_key(self, value):
        try:
            return validate_uscc(str(value or "")), None
        except ValidationFailed:
            return None, None

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        numbers = set()
        for row in rows:
            try:
                number = fused_input.id_number(row.get("legal_rep_id_number"))
            except fused_input.Rejected:
                continue
            if number:
                numbers.add(number)
        self.reps = {}
        for chunk in chunks(sorted(numbers)):
            self.reps.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", "pk"))

    def current(self, keys: list[str], *, lock: bool = False) -> dict[str, dict]:
        out = {}
        for row in self._rows(keys, lock=lock, extra=("legal_representative__id_number",)):
            row["stored"] = {c: row[c] for c in self.columns}
            row["legal_representative"] = row["legal_representative__id_number"]
            row["division"] = self.ctx.division_codes.get(row["division_id"])
            out[row[self.key]] = row
        return out

    def known(self, attr: str, value) -> str:
        if attr == "legal_representative" and value not in self.reps:
            return "legal_rep_unmatched"
        if attr == "division" and value not in self.ctx.divisions:
            return "division_unmatched"
        return ""

    def stored(self, changes: dict) -> dict:
        out = dict(changes)
        if "division" in out:
            out["division_id"] = self.ctx.divisions[out.pop("division")]
        if "legal_representative" in out:
            out["legal_representative_id"] = self.reps[out.pop("legal_representative")]
        return out

    def new(self, key: str, _extra, changes: dict, writes: dict) -> tuple | None:
        """The row of a new enterprise, or None without a name, an establishment date or any division."""
        if not changes.get("name") or not changes.get("established_date"):
            return None
        values = {**self.defaults, **self.stored(changes), "kind": enterprise_kind_of(key, changes["name"])}
        if "division" not in changes:
            # The canonical fields name no village: read it from the address, else place the enterprise
            # by its USCC's registration area (3rd-8th characters) or in the district, counted as unmatched.
            derived_from = "registered_address"
            values["division_id"] = self.villages.match(changes.get("registered_address"))
            if values["division_id"] is None:
                self.ctx.stats.division_unmatched += 1
                derived_from = "uscc"
                values["division_id"] = self.ctx.divisions.get(key[2:8], self.district)
                if values["division_id"] is None:
                    return None
            origin = writes.get(derived_from)
            if origin:  # lineage: derived from that field, with its provenance
                code = self.ctx.division_codes[values["division_id"]]
                source = FieldLineage.DERIVED_PREFIX + derived_from
                writes["division"] = (lineage_digest(code), source, *origin[2:5], 0)
        return tuple(values.values())
