"""Bundled models load in one place with one policy: a missing one is a clear error naming the file
and how to rebuild it; only documented fallbacks catch it."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from newsdesk import resources
from newsdesk.analysis.quotes import QuoteOptions, find_quotes
from newsdesk.errors import ModelUnavailableError
from newsdesk.models import Article, Provenance


def test_a_missing_bundled_model_names_the_file_and_the_command_that_rebuilds_it(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "QUOTE_MODEL", tmp_path / "model.json")
    with pytest.raises(ModelUnavailableError) as info:
        resources.quote_model()
    assert str(tmp_path / "model.json") in info.value.message
    assert "newsdesk bench quotes" in info.value.hint
    article = Article(id="a", provenance=Provenance("a.txt"), text="Officials said the talks would resume.")
    with pytest.raises(ModelUnavailableError):  # the stage does not silently drop its classifier
        find_quotes(article, options=QuoteOptions(classifier=True))


def test_an_unreadable_stance_model_is_refused_with_the_training_command(tmp_path):
    broken = tmp_path / "stance_model.pkl"
    broken.write_bytes(b"not a pickle")
    with pytest.raises(ModelUnavailableError) as info:
        resources.stance_model(broken)
    assert "newsdesk train stance" in info.value.hint


def test_the_shipped_models_load_once(monkeypatch):
    first = resources.stance_model()
    assert resources.stance_model() is first
    assert resources.quote_model() is resources.quote_model()
    assert "say" in resources.quote_cues() or resources.quote_cues()


def test_the_summary_scorer_falls_back_to_the_heuristic_with_one_warning(tmp_path, caplog):
    from newsdesk.analysis.summary import load_scorer

    missing = tmp_path / "none.json"
    with caplog.at_level(logging.WARNING, logger="newsdesk.analysis.summary"):
        assert load_scorer(missing) is None
        assert load_scorer(missing) is None
    assert caplog.text.count("heuristic scorer") == 1


def test_the_analysis_data_digest_follows_the_bundled_files(tmp_path, monkeypatch):
    files = [tmp_path / f"{n}.json" for n in range(2)]
    for path in files:
        path.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(resources, "ANALYSIS_DATA", tuple(files))
    before = resources.analysis_data_digest()
    assert resources.analysis_data_digest() == before
    files[1].write_text('{"retrained": true}', encoding="utf-8")
    assert resources.analysis_data_digest() != before


def test_the_embedding_cache_keeps_every_batch_across_runs(tmp_path):
    cache = resources.EmbeddingCache(tmp_path)
    first = cache(["Talks resumed on Monday.", "The truce held."])
    cache(["Shelling resumed overnight.", "Talks resumed on Monday."])  # a second batch of new ones
    again = resources.EmbeddingCache(tmp_path)
    assert len(again.vectors) == 3
    assert np.allclose(again(["Talks resumed on Monday."])[0], first[0])
