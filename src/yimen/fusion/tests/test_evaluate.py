"""Pairwise precision / recall / F1 against a truth file."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yimen.fusion.config import FusionError
from yimen.fusion.evaluate import evaluate


def setup(tmp_path, links, truth):
    (tmp_path / "fused").mkdir()
    pq.write_table(
        pa.table(
            {
                "source": [r[0] for r in links],
                "record_id": [r[1] for r in links],
                "entity_key": [r[2] for r in links],
                "match_kind": ["deterministic"] * len(links),
                "match_probability": [1.0] * len(links),
            }
        ),
        tmp_path / "fused" / "links.parquet",
    )
    (tmp_path / "truth.csv").write_text(
        "source,record_id,true_entity\n" + "".join(f"{s},{r},{t}\n" for s, r, t in truth), encoding="utf-8"
    )


def test_perfect_links_score_one(tmp_path):
    truth = [("a", "1", "X"), ("b", "1", "X"), ("c", "1", "X"), ("a", "2", "Y")]
    setup(tmp_path, [("a", "1", "k1"), ("b", "1", "k1"), ("c", "1", "k1"), ("a", "2", "k2")], truth)
    r = evaluate(tmp_path, tmp_path / "truth.csv")
    assert (r["precision"], r["recall"], r["f1"]) == (1.0, 1.0, 1.0)
    assert r["true_pairs"] == 3


def test_a_missed_record_and_a_false_merge_count_as_pairs(tmp_path):
    # truth: X = {a1, b1, c1} (3 pairs), Y = {a2, b2} (1 pair) -> 4 true pairs
    truth = [("a", "1", "X"), ("b", "1", "X"), ("c", "1", "X"), ("a", "2", "Y"), ("b", "2", "Y")]
    # predicted: c1 left out of X; Y merged into X's remainder -> {a1, b1, a2}, {b2}, c1 missing from links
    setup(tmp_path, [("a", "1", "k1"), ("b", "1", "k1"), ("a", "2", "k1"), ("b", "2", "k2")], truth)
    r = evaluate(tmp_path, tmp_path / "truth.csv")
    # predicted pairs: C(3,2) = 3; correct: (a1,b1) only
    assert r["predicted_pairs"] == 3 and r["true_positive_pairs"] == 1
    assert r["precision"] == pytest.approx(1 / 3)
    assert r["recall"] == pytest.approx(1 / 4)
    assert r["f1"] == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))


def test_a_truth_file_without_the_columns_is_refused(tmp_path):
    setup(tmp_path, [("a", "1", "k")], [("a", "1", "X")])
    (tmp_path / "truth.csv").write_text("src,id,entity\na,1,X\n", encoding="utf-8")
    with pytest.raises(FusionError, match="needs columns"):
        evaluate(tmp_path, tmp_path / "truth.csv")
    with pytest.raises(FusionError, match="run `yimen fuse run` first"):
        evaluate(tmp_path / "elsewhere", tmp_path / "truth.csv")
