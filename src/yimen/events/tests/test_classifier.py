"""The event text classifier: held-out accuracy, the classify() contract, the command line."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from yimen.events import classifier
from yimen.events.classifier.model import TRIAGE_THRESHOLD, heldout_fit

# Measured on the stratified 80/20 split with seed 4406 (docs/classifier.md): accuracy 0.895, top-3 0.986,
# macro-F1 0.896. The floors keep a margin of about 3 points (1 point is ~7 of the 732 held-out texts), so
# corpus edits do not make the suite flaky while a real regression still fails.
ACCURACY_FLOOR = 0.86
TOP3_FLOOR = 0.95
MACRO_F1_FLOOR = 0.86


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """One fit for the session: the held-out split's model, measured and installed into a temporary
    VAR_DIR (`yimen events train` refits on the whole corpus; that costs a second fit the tests skip)."""
    var_dir = tmp_path_factory.mktemp("var")
    with override_settings(VAR_DIR=var_dir):
        metrics, model = heldout_fit()
        model.meta.update(heldout=metrics, accuracy=metrics["accuracy"])
        classifier.model_save(model)
        yield model


def test_training_on_the_corpus_reaches_the_measured_held_out_accuracy(installed):
    heldout = installed.meta["heldout"]
    assert heldout["test"] >= 0.2 * 58 * 61 * 0.95
    assert heldout["accuracy"] >= ACCURACY_FLOOR, heldout
    assert heldout["top3_accuracy"] >= TOP3_FLOOR, heldout
    assert heldout["macro_f1"] >= MACRO_F1_FLOOR, heldout


def test_the_model_and_its_metadata_are_saved_under_var_dir(installed, settings):
    path = classifier.model_path()
    assert path == Path(settings.VAR_DIR) / "models" / "events-classifier.joblib"
    assert path.exists()
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["taxonomy_version"] == installed.meta["taxonomy_version"]
    assert meta["samples"] >= 0.8 * 40 * 61
    assert meta["classes"] == 61
    assert {"accuracy", "trained_at", "variant"} <= set(meta)
    assert classifier.model_is_current()


def test_classify_returns_k_sorted_probabilities_summing_to_at_most_one(installed):
    top = classifier.classify("祖庙路首层某汤粉店,后门窗口油烟直排扰民")
    assert len(top) == 3
    probabilities = [p for _, p in top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1 + 1e-9
    assert all(len(code) == 4 for code, _ in top)
    assert len(classifier.classify("季华路井盖不见了", k=5)) == 5
    assert classifier.classify("   ") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("祖庙路首层某汤粉店,后门窗口油烟直排扰民", "0301"),
        ("季华五路人行道上的井盖不见了，晚上很危险", "0502"),
        ("市民来电反映公司拖欠三个月工资不发，老板电话不接", "1201"),
        ("楼道里好多电动车在充电，电线拉得乱七八糟，怕起火", "0902"),
        ("小区电梯又坏了，困了人在里面", "1104"),
        ("工地晚上十二点还在打桩，吵得睡不着", "0401"),
        ("十字路口的红绿灯不亮了，车都乱开", "0701"),
    ],
)
def test_clearly_worded_reports_get_the_right_subcategory(installed, text, code):
    assert classifier.classify(text)[0][0] == code


def test_fast_probabilities_equal_scikit_learns(installed):
    import numpy as np

    texts = [text for text, _ in classifier.corpus_samples()[::50]] + ["x", "😀", "？"]
    assert installed.meta["variant"] == classifier.DEFAULT_VARIANT
    assert np.allclose(installed.predict_proba(texts), installed.pipeline.predict_proba(texts), atol=1e-12)


def test_needs_triage_below_the_threshold():
    assert TRIAGE_THRESHOLD == 0.4
    assert classifier.needs_triage([])
    assert classifier.needs_triage([("0101", 0.39)])
    assert not classifier.needs_triage([("0101", 0.4)])


def test_classify_trains_from_the_corpus_when_no_model_is_installed(installed, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        classifier.store,
        "train_from_corpus",
        lambda save, measure: calls.append((save, measure)) or _saved(installed),
    )
    with override_settings(VAR_DIR=tmp_path):
        assert not classifier.model_path().exists()
        assert classifier.classify("路灯不亮")[0][0] == "0503"
        assert classifier.model_path().exists()
    assert calls == [(True, False)]


def _saved(model):
    classifier.model_save(model)
    return model


def test_command_classify_reads_stdin_and_prints_code_tab_probability(installed):
    out = StringIO()
    lines = "季华路井盖被偷了\n\n路灯坏了一排，晚上黑漆漆的\n"
    call_command("events", "classify", stdin=StringIO(lines), stdout=out)
    printed = out.getvalue().split("\n")
    assert printed[1] == ""  # a blank line in gives a blank line out
    for row, code in ((printed[0], "0502"), (printed[2], "0503")):
        got, probability = row.split("\t")
        assert got == code
        assert 0 < float(probability) <= 1


def test_command_classify_top_3(installed):
    out = StringIO()
    call_command("events", "classify", "--top", "3", stdin=StringIO("楼下烧烤店油烟好大\n"), stdout=out)
    fields = out.getvalue().strip().split("\t")
    assert len(fields) == 6 and fields[0] == "0301"


def test_command_train_if_missing_keeps_the_installed_model(installed):
    before = classifier.model_path().stat().st_mtime_ns
    out = StringIO()
    call_command("events", "train", "--if-missing", stdout=out)
    assert "already installed" in out.getvalue()
    assert classifier.model_path().stat().st_mtime_ns == before


def test_train_drops_blank_texts_and_unknown_codes():
    model = classifier.train(
        [("路灯不亮了", "0503"), ("井盖没了", "0502"), ("垃圾没人收", "0101"), ("未知", "9999"), ("", "0101")]
    )
    assert model.meta["samples"] == 3
    assert set(model.classes) == {"0101", "0502", "0503"}
    # Too few texts per subcategory for cross-validated calibration: the logistic variant is used.
    assert model.meta["variant"] == "char_wb12_logreg"
    assert model.predict_top(["井盖没了"], k=1)[0][0][0] == "0502"


def test_command_train_from_closed_events_works_before_the_events_selector_exists(installed, monkeypatch):
    seen = []

    def fake_train(rows, save=True):
        seen.append(list(rows))
        return _saved(installed)

    monkeypatch.setattr(classifier, "train_from_closed_events", fake_train)
    monkeypatch.setattr(classifier, "closed_event_samples", lambda: [("后巷垃圾三天没收", "0101")])
    out = StringIO()
    call_command("events", "train", "--from-closed-events", stdout=out)
    assert seen == [[("后巷垃圾三天没收", "0101")]]
    assert "trained classifier" in out.getvalue()


@pytest.mark.django_db
def test_closed_event_samples_is_empty_without_closed_events():
    from yimen.events.classifier.hooks import closed_event_samples

    assert closed_event_samples() == []


def test_closed_event_samples_is_empty_when_the_events_selector_is_missing(monkeypatch):
    import types

    from yimen.events.classifier import hooks

    monkeypatch.setattr(hooks.importlib, "import_module", lambda name: types.SimpleNamespace())
    assert hooks.closed_event_samples() == []


def test_command_evaluate_prints_json(installed, monkeypatch):
    monkeypatch.setattr(
        "yimen.events.classifier.evaluate", lambda variant: {"variant": variant, "accuracy": 0.9}
    )
    out = StringIO()
    call_command("events", "evaluate", stdout=out)
    assert json.loads(out.getvalue()) == {"variant": classifier.DEFAULT_VARIANT, "accuracy": 0.9}


@pytest.mark.slow
def test_the_yimen_command_line_classifies_stdin(installed, settings):
    yimen = Path(sys.executable).with_name("yimen")
    result = subprocess.run(
        [str(yimen), "events", "classify"],
        input="石湾公园旁边的公厕没有水冲，臭得要命\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={"YIMEN_VAR_DIR": str(settings.VAR_DIR), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        check=True,
    )
    code, probability = result.stdout.strip().split("\t")
    assert code == "0104" and float(probability) > TRIAGE_THRESHOLD
