"""Speaker resolution (newsdesk.coref): agreement, candidates, descriptions, the GAP model and bench."""

from __future__ import annotations

import argparse
import json

import pytest

from newsdesk.coref import (
    GROUP,
    PERSON,
    CorefError,
    CorefOptions,
    Mention,
    candidate_mentions,
    compatible,
    pronoun_class,
    resolve,
)
from newsdesk.errors import OptionsError

FIXTURE = "coref/news_speakers.jsonl"


def parse(text: str):
    from newsdesk.resources import nlp

    return nlp()(text)


def anchor_of(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def load_news(fixtures_dir) -> list[dict]:
    return [json.loads(line) for line in (fixtures_dir / FIXTURE).read_text(encoding="utf-8").splitlines() if line]


def resolve_item(item: dict):
    doc = parse(item["text"])
    return resolve(doc, anchor_of(item["text"], item["anchor"]))


# --- agreement and options (no model) ---------------------------------------------------------


def test_pronouns_are_classed_by_gender_and_number():
    assert pronoun_class("He") == "masculine"
    assert pronoun_class("her") == "feminine"
    assert pronoun_class("their") == "plural"
    assert pronoun_class("its") == "neuter"
    assert pronoun_class("leader") is None


def test_agreement_keeps_persons_for_he_and_groups_for_they():
    person, group, country = (
        Mention(0, 5, "Trump", PERSON),
        Mention(0, 15, "Trump and Vance", GROUP),
        Mention(0, 7, "Ukraine", "GPE"),
    )
    assert compatible("he", person) and not compatible("he", group) and not compatible("she", country)
    assert compatible("they", group) and not compatible("they", person) and not compatible("they", country)
    assert compatible("it", country) and not compatible("it", person)


def test_bad_options_say_what_to_do():
    with pytest.raises(OptionsError, match="threshold"):
        CorefOptions(threshold=1.5)
    with pytest.raises(OptionsError, match="sentences_back"):
        CorefOptions(sentences_back=-1)


# --- candidates and descriptions (spaCy only) -------------------------------------------------


def test_coordinated_names_become_one_joint_candidate():
    text = "Trump and Vance met Zelensky at the White House. They said he was not ready for peace."
    candidates = candidate_mentions(parse(text), text.index("They"))
    joint = [c for c in candidates if c.kind == GROUP]
    assert [c.text for c in joint] == ["Trump and Vance"]
    assert [p.text for p in joint[0].parts] == ["Trump", "Vance"]


def test_named_mentions_from_the_caller_replace_spacy_ner_and_still_form_groups():
    text = "Kaja Kallas and Ursula von der Leyen arrived in Kyiv on Monday. They said Europe stands by Ukraine."
    named = [
        Mention(0, 11, "Kaja Kallas", PERSON),
        Mention(16, 36, "Ursula von der Leyen", PERSON),
        Mention(48, 52, "Kyiv", "GPE"),
    ]
    candidates = candidate_mentions(parse(text), text.index("They"), named=named)
    assert [c.text for c in candidates] == [
        "Kaja Kallas",
        "Kaja Kallas and Ursula von der Leyen",
        "Ursula von der Leyen",
        "Kyiv",
    ]
    group = candidates[1]
    assert group.kind == GROUP and group.parts == (named[0], named[1])


def test_possessive_group_phrase_is_its_own_actor_not_the_possessor():
    text = "Ukraine's European backers met in Paris on Thursday. They said any ceasefire needs guarantees."
    doc = parse(text)
    candidates = candidate_mentions(doc, text.index("They"))
    assert "Ukraine's European backers" in [c.text for c in candidates if c.kind == GROUP]
    # "they" can never be the country alone: agreement rules it out before any model runs
    assert not any(compatible("They", c) for c in candidates if c.text == "Ukraine")


def test_description_resolves_to_the_person_the_text_gives_that_title():
    text = (
        "Ukrainian President Volodymyr Zelensky spoke with Donald Trump on Wednesday. "
        "The Ukrainian leader said the call had been frank."
    )
    result = resolve(parse(text), anchor_of(text, "The Ukrainian leader"))
    assert result.antecedent is not None and result.antecedent.text == "Volodymyr Zelensky"
    assert result.reason == "description"


def test_description_that_fits_two_people_abstains():
    text = (
        "President Donald Trump spoke with President Vladimir Putin on Tuesday. The president said the talks went well."
    )
    result = resolve(parse(text), anchor_of(text, "The president"))
    assert result.antecedent is None and result.reason == "ambiguous"


def test_description_without_evidence_in_the_text_abstains():
    text = "Donald Trump spoke with Vladimir Putin on Tuesday. The Ukrainian leader said he had not been consulted."
    assert resolve(parse(text), anchor_of(text, "The Ukrainian leader")).antecedent is None


def test_apposition_makes_a_mislabelled_name_a_person_for_descriptions():
    text = (
        "Vadim Tryukhan, a Ukrainian diplomat, spoke to our reporter in Vienna. The diplomat said Moscow had not moved."
    )
    result = resolve(parse(text), anchor_of(text, "The diplomat"))
    assert result.antecedent is not None and result.antecedent.text == "Vadim Tryukhan"


def test_anchor_outside_the_text_is_a_clear_error():
    doc = parse("Putin spoke. He said no.")
    with pytest.raises(CorefError, match="not a span"):
        resolve(doc, (100, 102))


# --- the trained model ------------------------------------------------------------------------


@pytest.mark.slow
def test_pronoun_speaker_across_sentences():
    """The subject of the previous sentence speaks; the model may abstain on some phrasings
    (probability below its threshold) but never names the other man."""
    texts = [
        "Russian President Vladimir Putin spoke with Donald Trump by phone on Tuesday. He said Moscow was ready to pause strikes.",
        "Russian President Vladimir Putin spoke with Donald Trump by phone. He said Moscow was ready to pause strikes.",
        "Vladimir Putin spoke with Donald Trump by phone. He said Moscow was ready to pause strikes.",
        "Putin spoke with Trump. He said Moscow was ready to pause strikes.",
        "Vladimir Putin held a long call with Donald Trump. He said Moscow was ready to pause strikes on energy sites.",
    ]
    resolved = []
    for text in texts:
        result = resolve(parse(text), anchor_of(text, "He"))
        assert len(result.scores) == len(candidate_mentions(parse(text), text.index("He")))
        if result.antecedent is not None:
            assert "Putin" in result.antecedent.text and result.reason == "model", text
            resolved.append(text)
    assert len(resolved) >= 4


@pytest.mark.slow
def test_pronoun_with_no_person_before_it_abstains():
    text = "The ministry published the figures on Monday. He said the numbers were provisional."
    assert resolve(parse(text), anchor_of(text, "He")).antecedent is None


@pytest.mark.slow
def test_joint_speakers_are_kept_together():
    text = "Donald Trump and JD Vance spoke to reporters after the meeting. They said a deal was still possible."
    result = resolve(parse(text), anchor_of(text, "They"))
    assert result.antecedent is not None and result.antecedent.text == "Donald Trump and JD Vance"


@pytest.mark.slow
def test_competing_candidates_share_the_probability_and_the_subject_wins():
    """Two men before "He": the one who acts (the subject) is chosen, the other gets the smaller
    share of one softmax, and swapping their roles swaps the answer."""
    for speaker, other in (("Putin", "Trump"), ("Trump", "Putin")):
        text = f"{speaker} spoke with {other} by phone on Tuesday. He said the talks had been useful."
        doc = parse(text)
        result = resolve(doc, anchor_of(text, "He"))
        candidates = candidate_mentions(doc, text.index("He"))
        scores = dict(zip((c.text for c in candidates), result.scores))
        assert sum(result.scores) <= 1.0 + 1e-6
        assert scores[speaker] > scores[other], scores
        assert result.antecedent is None or result.antecedent.text == speaker


@pytest.mark.slow
def test_model_loads_and_predicts_deterministically():
    """Two loads of the shipped model give the same probabilities, and so do two resolutions."""
    from newsdesk.coref import MODEL_DIR, CorefModel, example_rows

    text = "Olaf Scholz met Emmanuel Macron in Berlin. He said Europe must act together."
    doc = parse(text)
    spans = [(0, 11), (16, 31)]
    rows = example_rows(doc, anchor_of(text, "He"), spans)
    first, second = CorefModel.load(MODEL_DIR), CorefModel.load(MODEL_DIR)
    assert first.probabilities(rows).tolist() == second.probabilities(rows).tolist()
    one, two = resolve(doc, anchor_of(text, "He")), resolve(parse(text), anchor_of(text, "He"))
    assert one.scores == two.scores and one.antecedent == two.antecedent


def test_page_title_features_match_the_candidate_name_or_its_words():
    from newsdesk.coref import page_features, page_title_of_url

    title = page_title_of_url("http://en.wikipedia.org/wiki/Warren_MacKenzie_(potter)")
    assert title == "Warren MacKenzie (potter)"
    rows = page_features(title, ["Warren MacKenzie", "MacKenzie", "Bernard Leach"])
    assert rows == [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    assert page_features(None, ["Warren MacKenzie"]) == [[0.0, 0.0, 0.0]]
    assert page_title_of_url("http://en.wikipedia.org/wiki/Caf%C3%A9_Society") == "Café Society"


@pytest.mark.slow
def test_page_title_naming_a_candidate_only_adds_evidence_for_it():
    """Page context (GAP's): a title naming one candidate raises its probability; no title is the
    text alone."""
    text = "Olaf Scholz met Emmanuel Macron in Berlin. He said Europe must act together."
    doc = parse(text)
    anchor = anchor_of(text, "He")
    alone = resolve(doc, anchor)
    macron_page = resolve(doc, anchor, title="Emmanuel Macron")
    names = [c.text for c in candidate_mentions(doc, anchor[0])]
    macron = names.index("Emmanuel Macron")
    assert resolve(doc, anchor, title=None).scores == alone.scores
    assert macron_page.scores[macron] > alone.scores[macron]


# Known misreadings, kept visible (see data/coref/MODEL.md): the GAP-trained model has no notion of
# the gender of a first name it has never seen with a pronoun (n11: "Giorgia Meloni … He" → Meloni;
# n21: "Kaja Kallas and Ursula von der Leyen … He" → Kallas), and spaCy's small model tags "Vance"
# as a common noun, so the only named candidate left is the object (n32).
KNOWN_WRONG = {"n11", "n21", "n32"}


@pytest.mark.slow
def test_news_speakers_fixture(fixtures_dir):
    """The hand-made news sentences: no forbidden speaker, no wrong speaker beyond the known ones,
    and at least 30 of 36 right (the rest abstain)."""
    items = load_news(fixtures_dir)
    right, wrong, abstained = [], [], []
    for item in items:
        result = resolve_item(item)
        got = result.antecedent.text if result.antecedent else None
        for forbidden in item.get("forbid", []):
            assert got != forbidden, item["id"]
        if got == item["gold"]:
            right.append(item["id"])
        elif got is None:
            abstained.append(item["id"])
        else:
            wrong.append(item["id"])
    assert set(wrong) <= KNOWN_WRONG, wrong
    assert len(right) >= 30, (right, wrong, abstained)


@pytest.mark.slow
def test_shipped_model_loads_with_its_cross_validated_threshold():
    from newsdesk.resources import coref_model

    model = coref_model()
    assert 0.2 <= model.threshold <= 0.8
    assert model.meta["cv"]["overall"] > 0.7
    assert len(model.mean) == len(model.meta["features"])


# --- GAP metric and bench ---------------------------------------------------------------------


def test_gap_metric_counts_both_decisions_and_splits_by_gender():
    from newsdesk.bench.coref import decide, gap_scores

    records = [
        {"id": "1", "pronoun": "he", "A_coref": True, "B_coref": False},
        {"id": "2", "pronoun": "she", "A_coref": False, "B_coref": True},
        {"id": "3", "pronoun": "her", "A_coref": False, "B_coref": False},
    ]
    predictions = {"1": (True, False), "2": (True, False), "3": (False, False)}
    scores = gap_scores(records, predictions)
    assert scores["masculine"] == 1.0
    assert scores["feminine"] == 0.0 and scores["bias"] == 0.0
    assert scores["overall"] == pytest.approx(0.5)
    assert decide([0.7, 0.2], 0.5) == (True, False)
    assert decide([0.3, 0.45], 0.5) == (False, False)


@pytest.mark.bench
@pytest.mark.slow
def test_gap_bench_writes_one_prediction_per_example(shared_bench, tmp_path):
    from newsdesk.bench import coref as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    out = tmp_path / "pred.jsonl"
    args = parser.parse_args(
        [str(shared_bench / "coref_gap" / "dev.jsonl"), "--limit", "12", "--predictions", str(out)]
    )
    report = bench.run(args)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 12 and set(lines[0]) == {"id", "A_coref", "B_coref"}
    assert all(not (p["A_coref"] and p["B_coref"]) for p in lines)
    systems = [row["system"] for row in report.tables[0].rows]
    assert any("snippet-context" in s for s in systems) and 0.0 <= report.metrics["scores"]["overall"] <= 1.0


@pytest.mark.bench
@pytest.mark.slow
def test_training_runs_end_to_end_on_a_small_sample_and_is_deterministic(shared_bench, tmp_path):
    """Two trainings with one seed write byte-identical weights (the second reads the cached inputs)."""
    from newsdesk.coref import MODEL_WEIGHTS, CorefModel, input_names
    from newsdesk.training import coref as training

    parser = argparse.ArgumentParser()
    training.add_arguments(parser)
    weights = []
    for run in ("first", "second"):
        args = parser.parse_args(
            [
                "--train",
                str(shared_bench / "coref_gap" / "train.jsonl"),
                "--limit",
                "30",
                "--dev",
                "",
                "--cache",
                str(tmp_path / "cache"),
                "--out",
                str(tmp_path / run),
            ]
        )
        report = training.run(args)
        model = CorefModel.load(tmp_path / run)
        assert model.meta["train_examples"] == 30 and 0.2 <= report.metrics["threshold"] <= 0.8
        assert model.meta["features"] == input_names() and "cv_snippet" in model.meta
        weights.append((tmp_path / run / MODEL_WEIGHTS).read_bytes())
    assert weights[0] == weights[1]


def test_ensemble_members_train_side_by_side_deterministically_and_learn_the_signal():
    """The batched trainer returns separate scorers that differ from one another, are the same
    for one seed, and learn a signal a single input carries (which of A/B has the larger value)."""
    import numpy as np

    from newsdesk.coref import ranking_probabilities
    from newsdesk.training.coref import fit_scorers

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(160, 2, 5)).astype(np.float32)
    labels = np.where(rows[:, 0, 0] > rows[:, 1, 0], 1, 2)
    first = fit_scorers(rows, labels, seed=3, ensemble=4, epochs=25)
    second = fit_scorers(rows, labels, seed=3, ensemble=4, epochs=25)
    assert len(first) == 4
    weights = [s[1].weight.detach().numpy() for s in first]
    assert not np.allclose(weights[0], weights[1])
    assert all(np.array_equal(a, s[1].weight.detach().numpy()) for a, s in zip(weights, second))
    predicted = [1 + int(np.argmax(ranking_probabilities(first, example))) for example in rows]
    assert np.mean(np.asarray(predicted) == labels) > 0.85


# --- loading the bundled model ------------------------------------------------------------------


def _copy_model(tmp_path):
    import shutil

    from newsdesk.coref import MODEL_DIR, MODEL_META, MODEL_WEIGHTS

    for name in (MODEL_META, MODEL_WEIGHTS):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    return tmp_path / MODEL_META, tmp_path / MODEL_WEIGHTS


def test_a_missing_coref_model_names_the_file_and_the_command_that_rebuilds_it(tmp_path):
    from newsdesk.errors import ModelUnavailableError
    from newsdesk.resources import coref_model

    with pytest.raises(ModelUnavailableError) as info:
        coref_model(tmp_path / "none")
    assert str(tmp_path / "none" / "coref_model.json") in info.value.message
    assert "newsdesk train coref" in info.value.hint


def test_a_damaged_coref_weights_file_is_refused_with_its_name(tmp_path):
    from newsdesk.coref import CorefModel
    from newsdesk.errors import ModelUnavailableError

    _, weights = _copy_model(tmp_path)
    weights.write_bytes(weights.read_bytes()[:1000])  # a download or copy cut short
    with pytest.raises(ModelUnavailableError) as info:
        CorefModel.load(tmp_path)
    assert str(weights) in info.value.message
    assert "newsdesk train coref" in info.value.hint


def test_coref_settings_that_do_not_match_the_weights_are_refused(tmp_path):
    from newsdesk.coref import CorefModel
    from newsdesk.errors import ModelUnavailableError

    meta_path, _ = _copy_model(tmp_path)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["ensemble"] += 1  # one member more than the weights hold
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="does not match"):
        CorefModel.load(tmp_path)
    meta_path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="coref_model.json"):
        CorefModel.load(tmp_path)
    meta_path.write_text(json.dumps({**meta, "features": ["something else"]}), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="other features"):
        CorefModel.load(tmp_path)


@pytest.mark.slow
def test_fine_tuning_adapter_starts_as_minilms_last_layer_at_the_wanted_pieces():
    """The hand-rolled LoRA layer of `newsdesk train coref --fine-tune-cv` (plain torch), before any
    training, gives MiniLM's own last-layer states at the pieces it evaluates."""
    import torch

    from newsdesk.resources import token_encoder
    from newsdesk.training.coref import FT_LAYER, _adapted_scorer

    tokenizer, model = token_encoder()
    ids = torch.tensor([tokenizer("Olaf Scholz met Emmanuel Macron in Berlin. He said Europe must act.")["input_ids"]])
    with torch.inference_mode():
        states = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True).hidden_states
        net = _adapted_scorer(model, 4, head="mlp", use_features=True).eval()
        wanted = torch.tensor([[1, 4, 11, 12]])
        adapted = net.adapted(states[FT_LAYER], torch.zeros(1, ids.shape[1]), wanted)
    assert torch.allclose(adapted[0], states[FT_LAYER + 1][0, wanted[0]], atol=1e-4)


@pytest.mark.slow
def test_pronoun_speakers_two_sentences_and_a_paragraph_away():
    """Hand-made news: the speaker named two sentences and a paragraph break before "She"/"He" is
    found, past a sentence that names nobody, and not the other person of the first sentence."""
    cases = [
        (
            "Kaja Kallas met Marco Rubio in Brussels on Monday.\n\n"
            "The meeting lasted two hours. She said Europe would keep supporting Kyiv.",
            "She",
            "Kallas",
        ),
        (
            "Friedrich Merz arrived in Kyiv by train on Tuesday. The visit had not been announced.\n\n"
            "He said Germany would deliver more air defence systems this year.",
            "He",
            "Merz",
        ),
    ]
    for text, word, speaker in cases:
        result = resolve(parse(text), anchor_of(text, word))
        assert result.antecedent is not None and speaker in result.antecedent.text, (text, result)
        assert result.reason == "model"
