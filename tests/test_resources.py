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


def test_a_texts_vectors_do_not_depend_on_the_batch_it_is_encoded_in():
    texts = [
        "Talks resumed on Monday.",
        "The ceasefire, agreed after weeks of shelling along the front, held through the night.",
        "Officials in Kyiv and Moscow said prisoners would be exchanged on Friday under the deal.",
        "No.",
    ]
    together = resources.embed(texts)
    alone = np.stack([resources.embed([text])[0] for text in texts])
    assert np.array_equal(together, alone)  # bit for bit: padding never reaches another text
    assert np.array_equal(resources.embed(texts[::-1])[::-1], together)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_sentence_and_word_piece_vectors_come_from_one_encoding_inside_a_memo():
    texts = ["Talks resumed on Monday.", "The truce held."]
    with resources.embedding_memo() as memo:
        pieces = resources.encode_tokens(texts)
        vectors = resources.embed(texts + texts)
        assert memo.encoded == 2  # embed reused what encode_tokens computed
    for (pooled, hidden, offsets), vector, text in zip(pieces, vectors, texts):
        assert np.array_equal(pooled, vector)
        assert hidden.shape == (len(offsets), 384)
        assert text[offsets[1][0] : offsets[1][1]].lower() == text.split()[0].lower()[: offsets[1][1] - offsets[1][0]]
    assert np.array_equal(vectors[:2], resources.embed(texts))  # outside the memo: the same vectors


def test_doc_text_is_built_once_and_never_taken_from_another_doc_that_copied_it():
    (doc,) = resources.parse(["Putin said the talks went well. Trump called it a good start."])
    assert resources.doc_text(doc) == doc.text
    assert resources.doc_text(doc) is resources.doc_text(doc)  # read once, then kept
    # a span made into a Doc copies the whole doc's user data, kept text included
    part = doc[:7].as_doc(copy_user_data=True)
    assert resources.doc_text(part) == part.text != doc.text


def test_noun_chunks_are_found_once_per_parse_and_equal_spacys():
    (doc,) = resources.parse(["The two leaders spoke by phone. Their aides said the call was long and friendly."])
    expected = [(c.start, c.end) for c in doc.noun_chunks]
    assert expected and list(resources.noun_chunk_bounds(doc)) == expected
    assert resources.noun_chunk_bounds(doc) is resources.noun_chunk_bounds(doc)  # found once, then kept
    assert [(c.start, c.end, c.label_, c.text) for c in resources.noun_chunks(doc)] == [
        (c.start, c.end, c.label_, c.text) for c in doc.noun_chunks
    ]
    # a Doc made from part of it copies the kept bounds: they are found again for its own tokens
    part = doc[:7].as_doc(copy_user_data=True)
    assert list(resources.noun_chunk_bounds(part)) == [(c.start, c.end) for c in part.noun_chunks]


def test_word_positions_list_every_token_of_each_lowercased_word_in_text_order():
    (doc,) = resources.parse(["Trump spoke. Then TRUMP and Putin spoke again; trump laughed."])
    positions = resources.word_positions(doc)
    assert positions["trump"] == tuple(t.i for t in doc if t.lower_ == "trump") and len(positions["trump"]) == 3
    assert positions["spoke"] == tuple(t.i for t in doc if t.lower_ == "spoke")
    assert sum(len(found) for found in positions.values()) == len(doc)
    part = doc[:3].as_doc(copy_user_data=True)
    assert resources.word_positions(part) == {t.lower_: (t.i,) for t in part}
