"""The same-fact cross-encoder (an experiment, not in the pipeline): its hand-written layers match the
library, an untrained adapter reads like the base model, its file round-trips, its score is
symmetric, the lower-layers-only pass equals the full one, and the trainer's ranking figures."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import torch

from newsdesk.entail import Adapter, EntailModel, base_model, sentence_states
from newsdesk.training.entail import FitOptions, recall_at_precision


@lru_cache(maxsize=1)
def _base():
    return base_model()


def _model(seed: int = 13, *, trained: bool = False) -> EntailModel:
    tokenizer, bert = _base()
    adapter = Adapter.fresh(bert, trained_layers=1, rank=4, alpha=8.0, seed=seed)
    if trained:  # what a fit changes: up-projections, segment vector and head leave zero
        generator = np.random.default_rng(seed)
        for name, tensor in adapter.tensors.items():
            if name.endswith(".up") or name.startswith(("head", "segment")):
                noise = generator.standard_normal(tuple(tensor.shape)).astype(np.float32)
                tensor.data = tensor.data + 0.05 * torch.from_numpy(noise)
    model = EntailModel(adapter, threshold=0.5)
    model.use_base(tokenizer, bert)
    return model


def test_hand_written_layers_match_the_library() -> None:
    assert _model().check() < 1e-4


def test_an_untrained_adapter_reads_like_the_base_model() -> None:
    """Adapters start at zero and so does the head: P(same) is 0.5 for any pair."""
    assert np.allclose(_model().proba([("A dog barked at night.", "The cat slept.")]), 0.5)


def test_the_adapter_file_round_trips(tmp_path) -> None:
    model = _model(trained=True)
    again = EntailModel.load(model.save(tmp_path / "entail.npz"))
    again.use_base(*_base())
    assert again.threshold == model.threshold
    assert set(again.adapter.tensors) == set(model.adapter.tensors)
    pairs = [("The senator resigned on Friday.", "On Friday the senator stepped down.")]
    assert float(again.proba(pairs)[0]) == pytest.approx(float(model.proba(pairs)[0]), abs=1e-2)  # float16 file


def test_the_score_is_symmetric_and_a_probability() -> None:
    a = "The company said it would cut 2,000 jobs by the end of the year."
    b = "By year's end, 2,000 jobs will go, the firm announced."
    forward, backward = _model(trained=True).proba([(a, b), (b, a)])
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(backward, abs=1e-6)


def test_the_lower_layers_alone_give_the_same_states_as_the_full_pass() -> None:
    tokenizer, bert = _base()
    texts = ["The talks ended on Friday in Geneva without a deal.", "Short one here, truly."]
    full = sentence_states(tokenizer, bert, texts, 5)
    lower = sentence_states(tokenizer, bert, texts, 5, embeddings=False)
    for (a, vector), (b, empty) in zip(full, lower):
        assert a.shape == b.shape and np.abs(a.astype(np.float32) - b.astype(np.float32)).max() < 1e-2
        assert vector.shape == (384,) and empty.shape == (0,)


def test_recall_at_precision_takes_the_deepest_cut_that_keeps_precision() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    gold = [True, True, False, True, False, True]
    recall, threshold = recall_at_precision(scores, gold, target=0.75)
    assert (recall, threshold) == (0.75, 0.6)
    assert recall_at_precision([0.9, 0.1], [False, True], target=0.9)[0] == 0.0


def test_fit_options_are_validated() -> None:
    with pytest.raises(ValueError):
        FitOptions(trained_layers=0)
    with pytest.raises(ValueError):
        FitOptions(epochs=0)
