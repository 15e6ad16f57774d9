"""Linking (融合): which records are the same person or enterprise.

1. Deterministic: a record with a valid (or repaired) ID number / USCC that agrees with its own birth date
   and gender joins the entity of that number.
2. Probabilistic (Splink): the rest - no ID, a broken ID, or an ID contradicting the record - are scored
   against one profile per deterministic entity (its names, birth date, gender, phones, addresses) and
   against each other. The model is trained on a sample: m from pairs the IDs already prove to be the same
   entity, u from random pairs; the prior is one true match among all entities. A record joins its best
   entity at or above the threshold; records left over are clustered among themselves.

The same SQL runs on DuckDB and on Spark (`engine.dialect`); the model is trained once on a sample in
DuckDB and applied by either engine, so both reach the same clusters.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

THRESHOLD = 0.95  # match probability for a link; chosen on the demo truth (docs/benchmarks.md)
TRAIN_ENTITIES = 8_000  # deterministic entities whose records train the model (all their records)
U_PAIRS = 500_000  # random pairs used to estimate u (the cost of training is mostly these)


@dataclass(frozen=True)
class Spec:
    kind: str
    key_field: str  # id_number | uscc
    status_field: str
    prefix: str  # entity key prefix


SPECS = {
    "person": Spec("person", "id_number", "id_status", "P"),
    "enterprise": Spec("enterprise", "uscc", "uscc_status", "E"),
}
CONFLICT_RULES = ("id_birth_mismatch", "id_gender_mismatch")


def key_sql(spec: Spec, column: str, dialect: str) -> str:
    """'P' + the first 16 hex digits of SHA-256 of the number (docs/fusion.md)."""
    digest = f"sha2({column}, 256)" if dialect == "spark" else f"sha256({column})"
    return f"'{spec.prefix}' || substr({digest}, 1, 16)"


def loose_key(prefix: str, member: str) -> str:
    return f"{prefix}~" + hashlib.sha256(member.encode()).hexdigest()[:16]


def _has_rule(rule: str, dialect: str) -> str:
    if dialect == "spark":
        return f"exists(issues, x -> x.rule = '{rule}')"
    return f"list_contains(list_transform(issues, lambda x: x.rule), '{rule}')"


def records_sql(kind: str, governed: list[str], dialect: str) -> str:
    """All governed records of one kind, only the columns linking and survivorship read, with their
    deterministic key (NULL when they need Splink)."""
    from yimen.fusion.config import FIELDS

    spec = SPECS[kind]
    conflict = " OR ".join(_has_rule(r, dialect) for r in CONFLICT_RULES) if kind == "person" else "false"
    columns = ", ".join(
        ["source", "record_id", "as_of", "row_number", *FIELDS[kind], f"{spec.key_field}_raw"]
    )
    parts = []
    for table in governed:
        parts.append(
            f"SELECT {columns}, CASE WHEN {spec.status_field} IN ('valid', 'repaired_15') AND NOT ({conflict}) "
            f"THEN {key_sql(spec, spec.key_field, dialect)} END AS det_key FROM {table}"
        )
    return " UNION ALL ".join(parts)


# -- features ----------------------------------------------------------------------------------------
def _list_distinct(expr: str, dialect: str) -> str:
    if dialect == "spark":
        return f"array_sort(collect_set({expr}))"
    return f"list_sort(list_distinct(list({expr}) FILTER (WHERE {expr} IS NOT NULL)))"


def _single_list(expr: str, dialect: str) -> str:
    if dialect == "spark":
        return f"CASE WHEN {expr} IS NULL THEN array() ELSE array({expr}) END"
    return f"CASE WHEN {expr} IS NULL THEN []::VARCHAR[] ELSE [{expr}] END"


def _pinyin_sql(column: str, dialect: str) -> str:
    """The name in toneless pinyin, through the one-row `pinyin_map` table (a MAP char -> syllable)."""
    if dialect == "spark":
        return f"array_join(transform(split({column}, ''), c -> coalesce(element_at(pm.m, c), c)), '')"
    return f"array_to_string(list_transform(string_split({column}, ''), lambda c: coalesce(pm.m[c], c)), '')"


def person_profiles_sql(rec: str, dialect: str) -> str:
    """One profile per deterministic person: the commonest name, birth date and gender from the ID number,
    every phone and address seen."""
    birth = "substr(det_id, 7, 4) || '-' || substr(det_id, 11, 2) || '-' || substr(det_id, 13, 2)"
    gender = "CASE WHEN CAST(substr(det_id, 17, 1) AS INT) % 2 = 1 THEN 'M' ELSE 'F' END"
    return f"""
    WITH named AS (
        SELECT det_key, name, count(*) AS n FROM {rec} WHERE det_key IS NOT NULL AND name IS NOT NULL
        GROUP BY det_key, name
    ), top AS (
        SELECT det_key, name FROM (
            SELECT det_key, name, row_number() OVER (PARTITION BY det_key ORDER BY n DESC, name) AS rn FROM named
        ) WHERE rn = 1
    ), agg AS (
        SELECT det_key, min(id_number) AS det_id,
               {_list_distinct("phone", dialect)} AS phones,
               {_list_distinct("address", dialect)} AS addresses
        FROM {rec} WHERE det_key IS NOT NULL GROUP BY det_key
    )
    SELECT agg.det_key AS unique_id, top.name AS name, {_pinyin_sql("top.name", dialect)} AS name_py,
           substr(top.name, 1, 1) AS surname, {birth} AS birth_date, substr(det_id, 7, 4) AS birth_year,
           {gender} AS gender, phones, addresses, det_id AS idn
    FROM agg LEFT JOIN top ON top.det_key = agg.det_key CROSS JOIN pinyin_map pm
    """


def person_unresolved_sql(rec: str, dialect: str, *, labelled: bool = False, sample_mod: int = 0) -> str:
    """Records for Splink: those without a deterministic key, or (labelled=True) a sample of those with one,
    carrying their key as the training label and no ID (the label already decides the ID comparison)."""
    raw_id = _raw_key("id_number_raw", 15, dialect)
    text = "VARCHAR" if dialect == "duckdb" else "STRING"
    birth = f"CAST(birth_date AS {text})"
    if labelled:
        where, idn, extra = (
            f"det_key IS NOT NULL AND {_sampled('det_key', sample_mod)}",
            f"CAST(NULL AS {text})",
            ", det_key AS label",
        )
    else:
        where, idn, extra = "det_key IS NULL", f"coalesce(id_number, {raw_id})", ""
    return f"""
    SELECT source || ':' || record_id AS unique_id, name, {_pinyin_sql("name", dialect)} AS name_py,
           substr(name, 1, 1) AS surname, {birth} AS birth_date, substr({birth}, 1, 4) AS birth_year,
           gender, {_single_list("phone", dialect)} AS phones, {_single_list("address", dialect)} AS addresses,
           {idn} AS idn{extra}
    FROM {rec} CROSS JOIN pinyin_map pm WHERE {where}
    """


def _raw_key(column: str, min_length: int, dialect: str) -> str:
    """A broken ID number or USCC, upper-cased without spaces, as a comparison value (typos stay close)."""
    squeezed = (
        f"upper(regexp_replace(coalesce({column}, ''), '\\s', ''))"
        if dialect == "spark"
        else rf"upper(regexp_replace(coalesce({column}, ''), '\s', '', 'g'))"
    )
    return f"CASE WHEN length({squeezed}) >= {min_length} THEN {squeezed} END"


def _sampled(key: str, mod: int) -> str:
    """About one entity in `mod`, chosen the same way on every engine: by the hex digits of its key."""
    cut = max(1, 65536 // max(1, mod))
    return f"substr({key}, 2, 4) < '{cut:04x}'" if cut < 65536 else "true"


def pinyin_pairs(chars) -> list[tuple[str, str]]:
    """(character, toneless pinyin) for every Chinese character given; others map to themselves."""
    from pypinyin import Style, lazy_pinyin

    out = []
    for ch in sorted(set(chars)):
        if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            out.append((ch, lazy_pinyin(ch, style=Style.NORMAL)[0]))
    return out


# -- the model ---------------------------------------------------------------------------------------
def _id_comparison():
    """The ID number / USCC comparison, with m and u set rather than learnt: the training labels are the
    numbers themselves, so they cannot teach how much a shared number says."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        [
            cll.NullLevel("idn"),
            cll.ExactMatchLevel("idn").configure(m_probability=0.90, u_probability=1e-7),
            cll.LevenshteinLevel("idn", 2).configure(m_probability=0.08, u_probability=1e-5),
            cll.ElseLevel().configure(m_probability=0.02, u_probability=0.99999),
        ],
        output_column_name="idn",
    )


def person_settings(dialect: str, prior: float, link_type: str = "link_and_dedupe"):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        [
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name"),
            cll.ExactMatchLevel("name_py").configure(label_for_charts="pinyin equal"),
            cll.LevenshteinLevel("name", 1),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    birth = cl.CustomComparison(
        [
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.LevenshteinLevel("birth_date", 1),
            cll.LevenshteinLevel("birth_date", 2),
            cll.ElseLevel(),
        ],
        output_column_name="birth_date",
    )
    idn = _id_comparison()
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=[
            name,
            birth,
            cl.ExactMatch("gender"),
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ArrayIntersectAtSizes("addresses", [1]),
            idn,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("birth_date", "surname"),
            block_on("name", "birth_year"),
            block_on("idn"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    return settings


# -- enterprises -------------------------------------------------------------------------------------
def enterprise_profiles_sql(rec: str, dialect: str) -> str:
    return f"""
    WITH named AS (
        SELECT det_key, name, max(as_of) AS latest, count(*) AS n FROM {rec}
        WHERE det_key IS NOT NULL AND name IS NOT NULL GROUP BY det_key, name
    ), top AS (
        SELECT det_key, name FROM (
            SELECT det_key, name,
                   row_number() OVER (PARTITION BY det_key ORDER BY latest DESC, n DESC, name) AS rn
            FROM named
        ) WHERE rn = 1
    ), agg AS (
        SELECT det_key, min(uscc) AS det_id, min(legal_rep_id_number) AS legal_rep,
               min(established_date) AS established,
               {_list_distinct("name", dialect)} AS names,
               {_list_distinct("address", dialect)} AS addresses
        FROM {rec} WHERE det_key IS NOT NULL GROUP BY det_key
    )
    SELECT agg.det_key AS unique_id, top.name AS name, names, legal_rep,
           CAST(established AS {"STRING" if dialect == "spark" else "VARCHAR"}) AS established, addresses,
           det_id AS idn
    FROM agg LEFT JOIN top ON top.det_key = agg.det_key
    """


def enterprise_unresolved_sql(rec: str, dialect: str, *, labelled: bool = False, sample_mod: int = 0) -> str:
    raw_id = _raw_key("uscc_raw", 18, dialect)
    text = "STRING" if dialect == "spark" else "VARCHAR"
    if labelled:
        where, idn, extra = (
            f"det_key IS NOT NULL AND {_sampled('det_key', sample_mod)}",
            f"CAST(NULL AS {text})",
            ", det_key AS label",
        )
    else:
        where, idn, extra = "det_key IS NULL", f"coalesce(uscc, {raw_id})", ""
    return f"""
    SELECT source || ':' || record_id AS unique_id, name, {_single_list("name", dialect)} AS names,
           legal_rep_id_number AS legal_rep, CAST(established_date AS {text}) AS established,
           {_single_list("address", dialect)} AS addresses, {idn} AS idn{extra}
    FROM {rec} WHERE {where}
    """


def enterprise_settings(dialect: str, prior: float, link_type: str = "link_and_dedupe"):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        [
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name"),
            cll.ArrayIntersectLevel("names", 1).configure(label_for_charts="a former name"),
            cll.LevenshteinLevel("name", 2),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    idn = _id_comparison()
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=[
            name,
            cl.ExactMatch("legal_rep"),
            cl.ExactMatch("established"),
            cl.ArrayIntersectAtSizes("addresses", [1]),
            idn,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("legal_rep"),
            block_on("name"),
            block_on("established"),
            block_on("idn"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


KIND_SQL = {
    "person": (person_profiles_sql, person_unresolved_sql, person_settings),
    "enterprise": (enterprise_profiles_sql, enterprise_unresolved_sql, enterprise_settings),
}


def _pinyin_map(eng, rec: str) -> None:
    if eng.dialect == "spark":
        chars = eng.rows(
            f"SELECT DISTINCT c FROM (SELECT explode(split(name, '')) AS c FROM {rec}) WHERE c <> ''"
        )
    else:
        chars = eng.rows(
            f"SELECT DISTINCT unnest(string_split(name, '')) FROM (SELECT DISTINCT name FROM {rec} WHERE name IS NOT NULL)"
        )
    import pyarrow as pa

    pairs = pinyin_pairs(c for (c,) in chars if c)
    eng.register_arrow(
        "pinyin_pairs",
        pa.table(
            {
                "ch": pa.array([p[0] for p in pairs], pa.string()),
                "py": pa.array([p[1] for p in pairs], pa.string()),
            }
        ),
    )
    if eng.dialect == "spark":
        eng.create(
            "pinyin_map",
            "SELECT coalesce(map_from_entries(collect_list(struct(ch, py))), map()) AS m FROM pinyin_pairs",
        )
    else:
        eng.create("pinyin_map", "SELECT coalesce(map(list(ch), list(py)), MAP {}) AS m FROM pinyin_pairs")


def link_kind(eng, kind: str, governed: list[str], *, threshold: float = THRESHOLD, progress=None) -> dict:
    """Create `<kind>_linked`: every governed record with entity_key, match_kind and match_probability."""
    progress = progress or (lambda *a: None)
    spec = SPECS[kind]
    profiles_sql, unresolved_sql, settings_for = KIND_SQL[kind]
    rec = f"{kind}_rec"
    stage = f"link {kind}"
    progress(stage, 0, 5)
    eng.create(rec, records_sql(kind, governed, eng.dialect))
    for table in governed:  # written to governed/*.parquet and reported on already: free the memory
        eng.drop(table)
    n_det = eng.scalar(f"SELECT count(*) FROM {rec} WHERE det_key IS NOT NULL") or 0
    n_un = eng.scalar(f"SELECT count(*) FROM {rec} WHERE det_key IS NULL") or 0
    stats = {"records": n_det + n_un, "deterministic": int(n_det), "unresolved": int(n_un)}
    assigned = None
    if kind == "person":
        _pinyin_map(eng, rec)
    progress(stage, 1, 5)
    if n_un:
        eng.create(f"{kind}_e", profiles_sql(rec, eng.dialect))
        eng.create(f"{kind}_u", unresolved_sql(rec, eng.dialect))
        n_entities = max(eng.count(f"{kind}_e"), 1)
        progress(stage, 2, 5)
        mod = max(1, n_entities // TRAIN_ENTITIES)
        sample = eng.arrow(unresolved_sql(rec, eng.dialect, labelled=True, sample_mod=mod))
        model = (
            _train(sample, settings_for, prior=min(0.5, 1.0 / n_entities)) if sample.num_rows >= 50 else None
        )
        progress(stage, 3, 5)
        if model is not None:
            ue, uu = _candidates(eng, kind, model, floor=min(threshold, 0.5))
            assigned = _assign(eng, kind, spec, threshold=threshold)
            stats["model"] = {
                "prior": model["probability_two_random_records_match"],
                "training_records": sample.num_rows,
            }
            stats["linked_probabilistic"] = int(eng.scalar(f"SELECT count(*) FROM {assigned}") or 0)
    progress(stage, 4, 5)
    loose = key_sql(spec, "source || ':' || record_id", eng.dialect).replace(
        f"'{spec.prefix}'", f"'{spec.prefix}~'"
    )
    columns = ", ".join(c for c in eng.columns(rec) if c != "det_key")
    resolved = (
        f"SELECT {columns}, det_key AS entity_key, 'deterministic' AS match_kind, 1.0 AS match_probability "
        f"FROM {rec} WHERE det_key IS NOT NULL"
    )
    if assigned:
        rest = (
            f"SELECT {', '.join('r.' + c for c in columns.split(', '))}, coalesce(a.entity_key, "
            f"{loose.replace('source', 'r.source').replace('record_id', 'r.record_id')}) AS entity_key, "
            f"'probabilistic' AS match_kind, a.match_probability AS match_probability "
            f"FROM {rec} r LEFT JOIN {assigned} a ON a.unique_id = r.source || ':' || r.record_id WHERE r.det_key IS NULL"
        )
    else:
        rest = (
            f"SELECT {columns}, {loose} AS entity_key, 'probabilistic' AS match_kind, "
            f"CAST(NULL AS DOUBLE) AS match_probability "
            f"FROM {rec} WHERE det_key IS NULL"
        )
    # a view: survivorship and links.parquet each read it once, so copying 10M rows would only cost time
    eng.view(f"{kind}_linked", f"{resolved} UNION ALL {rest}")
    for table in (f"{kind}_u", f"{kind}_e", f"{kind}_pairs_ue", f"{kind}_pairs_uu"):
        eng.drop(table)
    progress(stage, 5, 5)
    return stats


def _train(sample, settings_for, *, prior: float) -> dict:
    import duckdb

    con = duckdb.connect()
    try:
        con.register("train_arrow", sample)
        # sorted, so random sampling with a seed draws the same pairs whichever engine built the sample
        con.execute("CREATE TABLE train AS SELECT * FROM train_arrow ORDER BY unique_id")
        from splink import DuckDBAPI, Linker

        db = DuckDBAPI(connection=con)
        linker = Linker(
            db.register("train"), settings_for("duckdb", prior, "dedupe_only"), log_level=logging.WARNING
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=4406, num_chunks=1)
        linker.training.estimate_m_from_label_column("label")
        model = linker.misc.save_model_to_json()
    finally:
        con.close()
    model["probability_two_random_records_match"] = prior
    model["link_type"] = "link_and_dedupe"
    return model


def _for_dialect(model: dict, settings_for, dialect: str) -> dict:
    """The trained model with its SQL written for the engine's dialect: the same comparisons built for that
    dialect, carrying the m and u probabilities learnt in DuckDB."""
    if dialect == "duckdb":
        return model
    prior = model["probability_two_random_records_match"]
    target = settings_for(dialect, prior).get_settings(dialect).as_dict()
    for tc, mc in zip(target["comparisons"], model["comparisons"], strict=True):
        for tl, ml in zip(tc["comparison_levels"], mc["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if key in ml:
                    tl[key] = ml[key]
    target["probability_two_random_records_match"] = prior
    target["link_type"] = model["link_type"]
    return target


def _candidates(eng, kind: str, model: dict, *, floor: float) -> tuple[str, str]:
    from splink import Linker

    model = _for_dialect(model, KIND_SQL[kind][2], eng.dialect)
    db = eng.splink_api()
    linker = Linker([db.register(f"{kind}_u"), db.register(f"{kind}_e")], model, log_level=logging.WARNING)
    between = linker.inference.predict_between(
        db.register(f"{kind}_u"),
        db.register(f"{kind}_e"),
        threshold_match_probability=floor,
        warning_mode="never",
    )
    dedupe = Linker(
        db.register(f"{kind}_u"), {**model, "link_type": "dedupe_only"}, log_level=logging.WARNING
    )
    within = dedupe.inference.predict_within(
        db.register(f"{kind}_u"), threshold_match_probability=floor, warning_mode="never"
    )
    eng.create(
        f"{kind}_pairs_ue",
        f"SELECT unique_id_l AS u, unique_id_r AS e, match_probability AS p FROM {between.physical_name}",
    )
    eng.create(
        f"{kind}_pairs_uu",
        f"SELECT unique_id_l AS a, unique_id_r AS b, match_probability AS p FROM {within.physical_name}",
    )
    return f"{kind}_pairs_ue", f"{kind}_pairs_uu"


def _assign(eng, kind: str, spec: Spec, *, threshold: float) -> str:
    best = {
        u: (e, p)
        for u, e, p in eng.rows(
            f"""SELECT u, e, p FROM (
                    SELECT u, e, p, row_number() OVER (PARTITION BY u ORDER BY p DESC, e) AS rn
                    FROM {kind}_pairs_ue WHERE p >= {threshold}
                ) WHERE rn = 1"""
        )
    }
    forest = _Forest()
    edge_p: dict[str, float] = {}
    for a, b, p in eng.rows(f"SELECT a, b, p FROM {kind}_pairs_uu WHERE p >= {threshold}"):
        if a in best and b in best:  # unresolved records never merge two profiles
            continue
        forest.union(a, b)
        edge_p[a], edge_p[b] = max(edge_p.get(a, 0.0), p), max(edge_p.get(b, 0.0), p)
    groups: dict[str, list[str]] = {}
    for node in list(forest.parent):
        groups.setdefault(forest.find(node), []).append(node)
    rows = [(u, e, p) for u, (e, p) in best.items()]
    for group in groups.values():
        anchored = sorted((best[m][1], best[m][0]) for m in group if m in best)
        loose = [m for m in group if m not in best]
        entity = anchored[-1][1] if anchored else loose_key(spec.prefix, min(group))
        rows.extend((m, entity, edge_p.get(m, 0.0)) for m in loose)
    import pyarrow as pa

    eng.register_arrow(
        f"{kind}_assigned",
        pa.table(
            {
                "unique_id": pa.array([r[0] for r in rows], pa.string()),
                "entity_key": pa.array([r[1] for r in rows], pa.string()),
                "match_probability": pa.array([float(r[2]) for r in rows], pa.float64()),
            }
        ),
    )
    return f"{kind}_assigned"


class _Forest:
    """Union-find over record ids; the smaller id is the root so results do not depend on edge order."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
