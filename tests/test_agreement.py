"""The learned same-fact decision of the claims stage (newsdesk.analysis.agreement)."""

from __future__ import annotations

from newsdesk.analysis.agreement import FEATURES, AgreementModel, StatementWords, statement_words, values_differ
from newsdesk.resources import pair_model


def _words(weekdays: set[str] = frozenset()) -> StatementWords:
    empty: frozenset[str] = frozenset()
    return StatementWords(empty, empty, empty, empty, empty, frozenset(weekdays))


def test_the_shipped_pair_model_carries_the_decision_with_a_threshold_chosen_out_of_sample():
    model = AgreementModel.from_json(pair_model().meta.get("agreement"))
    assert model is not None
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert model.meta["nested_thresholds"]  # the leave-one-event-out range it was chosen from


def test_a_decision_fitted_on_other_features_is_not_used():
    data = AgreementModel.from_json(pair_model().meta.get("agreement")).to_json()
    assert AgreementModel.from_json({**data, "features": data["features"][:-1]}) is None
    assert AgreementModel.from_json(None) is None


def test_scores_are_probabilities_that_grow_with_a_positive_weight():
    model = AgreementModel(
        mean=(0.0,) * len(FEATURES),
        scale=(1.0,) * len(FEATURES),
        coef=(1.0,) + (0.0,) * (len(FEATURES) - 1),
        intercept=0.0,
        threshold=0.5,
        meta={},
    )
    low, high = model.scores([[-2.0] + [0.0] * 23, [2.0] + [0.0] * 23])
    assert 0.0 < low < 0.5 < high < 1.0


def test_figures_or_weekdays_with_none_in_common_are_two_measurements():
    assert values_differ(({"1,204"}, {"1,351"}), (_words(), _words()))
    assert values_differ((set(), set()), (_words({"monday"}), _words({"tuesday"})))
    assert not values_differ(({"1,204"}, {"1,204", "12"}), (_words({"monday"}), _words({"monday"})))
    assert not values_differ(({"1,204"}, set()), (_words(), _words()))


def test_the_predicate_of_a_reported_statement_is_what_is_reported():
    from newsdesk.resources import parse

    text = "Holder said that he understands the mistrust on Wednesday."
    (doc,) = parse([text])
    words = statement_words(doc, 0, len(text), text)
    assert "understand" in words.predicates and "say" not in words.predicates
    assert "say" not in words.verbs
    assert words.weekdays == {"wednesday"}
