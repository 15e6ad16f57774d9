"""The shipped training corpus: every subcategory covered, no two texts alike, real variety."""

from collections import Counter

from yimen.events.classifier.corpus import corpus_files, corpus_read, normalize
from yimen.events.classifier.taxonomy import taxonomy_load

MIN_PER_SUBCATEGORY = 40


def _all_texts() -> list[str]:
    return [text for texts in corpus_read().values() for text in texts]


def test_every_code_exists_in_the_taxonomy():
    unknown = set(corpus_read()) - set(taxonomy_load().subcategories)
    assert not unknown, f"codes not in the taxonomy: {sorted(unknown)}"


def test_every_subcategory_has_at_least_40_texts():
    corpus = corpus_read()
    thin = {code: len(corpus.get(code, [])) for code in taxonomy_load().codes}
    thin = {code: n for code, n in thin.items() if n < MIN_PER_SUBCATEGORY}
    assert not thin, f"subcategories with fewer than {MIN_PER_SUBCATEGORY} texts: {thin}"


def test_no_two_texts_alike_after_normalisation():
    counts = Counter(normalize(text) for text in _all_texts())
    repeated = [text for text, n in counts.items() if n > 1]
    assert not repeated, f"{len(repeated)} repeated texts, e.g. {repeated[:3]}"


def test_one_file_per_category_and_codes_in_their_file():
    taxonomy = taxonomy_load()
    import yaml

    for path in corpus_files():
        codes = {str(c) for c in yaml.safe_load(path.read_text(encoding="utf-8"))}
        categories = {taxonomy.subcategories[c].category_code for c in codes}
        assert len(categories) == 1, f"{path.name} mixes categories {sorted(categories)}"
        assert path.name.startswith(categories.pop())


def _four_grams(text: str) -> list[str]:
    return [text[i : i + 4] for i in range(len(text) - 3)]


def _six_grams(text: str) -> set[str]:
    return {text[i : i + 6] for i in range(len(text) - 5)}


def test_texts_are_varied_not_a_template_over_place_names():
    """Most character 4-grams occur once: a template multiplied by a list of places would repeat its
    frame in every text and drive this ratio down."""
    texts = [normalize(t) for t in _all_texts()]
    grams = Counter(g for text in texts for g in _four_grams(text))
    distinct_ratio = len(grams) / sum(grams.values())
    assert distinct_ratio > 0.6, distinct_ratio
    # No 4-gram appears in more than 12% of all texts (register openings such as 来电反映 come closest);
    # within a subcategory, no 6-character phrase (a template's frame) appears in a third of its texts.
    in_texts = Counter(g for text in texts for g in set(_four_grams(text)))
    gram, n = in_texts.most_common(1)[0]
    assert n / len(texts) < 0.12, (gram, n)
    # Per subcategory, texts differ in length and most texts start differently.
    for code, items in corpus_read().items():
        lengths = [len(t) for t in items]
        assert max(lengths) - min(lengths) >= 25, code
        openings = {normalize(t)[:6] for t in items}
        assert len(openings) >= 0.6 * len(items), code
        in_code = Counter(g for t in items for g in _six_grams(normalize(t)))
        gram, n = in_code.most_common(1)[0]
        assert n < len(items) / 3, (code, gram, n)


def test_registers_are_mixed():
    """Hotline transcriptions, app posts and grid-worker notes all appear in every category file."""
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        assert "来电" in text or "市民" in text, path.name
        assert "随手拍" in text, path.name
        assert "巡查" in text or "网格员" in text, path.name
