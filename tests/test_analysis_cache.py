"""Findings kept per story: keys that change with the content, options and code; incremental
analysis that re-analyses only the stories a change touched and gives the same analysis.json as
a full rebuild; timings of every stage in ``run.analysis``."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from newsdesk import pipeline
from newsdesk.analysis import AnalysisOptions, StoryAnalysis
from newsdesk.analysis.cache import SPACE, StoryCache, story_key
from newsdesk.indexing import MemoryIndexState
from newsdesk.models import Article, Provenance, Story
from newsdesk.options import PipelineOptions
from newsdesk.report import validate
from newsdesk.store import open_store


def _article(text: str, **fields) -> Article:
    return Article(id=fields.pop("id", "a1"), provenance=Provenance("p.txt"), text=text, **fields)


def test_story_key_changes_with_any_member_field_and_the_story_id():
    story = Story("story-1", "Title", ("a1",))
    base = story_key(story, [_article("Some text.")])
    assert base == story_key(story, [_article("Some text.")])
    assert base != story_key(story, [_article("Some text!")])
    assert base != story_key(story, [_article("Some text.", outlet="Reuters")])
    assert base != story_key(story, [_article("Some text.", article_type="opinion")])
    assert base != story_key(Story("story-2", "Title", ("a1",)), [_article("Some text.")])


def test_cache_rows_are_per_options_and_pruned_when_unused():
    state = MemoryIndexState()
    story = Story("story-1", "Title", ("a1",))
    members = [_article("Some text.")]
    default = StoryCache(state, AnalysisOptions())
    quotes_only = StoryCache(state, AnalysisOptions(stages=frozenset({"quotes"})))
    key = default.key(story, members)
    assert key != quotes_only.key(story, members)
    default.put({key: StoryAnalysis("story-1", {}, (), {"parse": 0.5})})
    assert default.get([key]) == {key: StoryAnalysis("story-1", {})}
    assert quotes_only.get([quotes_only.key(story, members)]) == {}
    state.put({default.prefix + "broken": b"not a pickle"})
    assert default.get([default.prefix + "broken"]) == {}  # unreadable rows are analysed again
    assert default.prune([]) == 1 and default.get([key]) == {}


@pytest.fixture()
def seeds_store(seed_analysis, tmp_path):
    """A copy of the session's seeds store, fully analysed (findings cached)."""
    _, db, _ = seed_analysis
    for path in db.parent.glob(db.name + "*"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / db.name


def _without_run(document):
    return {key: value for key, value in document.items() if key != "run"}


@pytest.mark.slow
def test_incremental_analysis_reanalyses_only_the_new_story_and_equals_a_full_rebuild(seeds_store, fixtures_dir):
    with open_store(seeds_store) as store:
        stories_before = len(store.stories())
        analyzed = pipeline.analyze([fixtures_dir / "pages" / "harbour.html"], store=store)
        profile = analyzed.document["run"]["analysis"]
        assert analyzed.run.new_articles == 1
        assert profile["stories"] == stories_before + 1
        assert (profile["stories_analysed"], profile["stories_reused"]) == (1, stories_before)
        validate(analyzed.document)

        store.index_state(SPACE).clear()  # forget every story's findings: analyse it all again
        full = pipeline.AnalysisProfile()
        rebuilt = pipeline.build_analysis(store, save=False, profile=full).to_json()
        assert (full.analysed, full.reused) == (stories_before + 1, 0)
    assert _without_run(rebuilt) == _without_run(analyzed.document)


def test_profile_times_every_stage_that_ran(seed_analysis):
    document, _, _ = seed_analysis
    profile = document["run"]["analysis"]
    assert profile["stories_analysed"] == len(document["stories"]) and profile["stories_reused"] == 0
    stages = profile["stage_seconds"]
    for name in (
        "parse",
        "sentences",
        "entities",
        "quotes",
        "positions",
        "claims",
        "timeline",
        "summary",
        "embeddings",
    ):
        assert stages[name] >= 0.0, name
    assert profile["seconds"] >= sum(seconds for name, seconds in stages.items() if name != "embeddings") * 0.99


def test_timings_do_not_make_two_analyses_differ():
    assert StoryAnalysis("s", {}, (), {"parse": 1.0}) == StoryAnalysis("s", {}, (), {"parse": 2.0})
    assert dataclasses.replace(StoryAnalysis("s", {}), seconds={"x": 1.0}).seconds == {"x": 1.0}


def test_a_new_option_set_reuses_nothing_and_the_old_rows_are_pruned(seeds_store):
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"quotes"})))
    with open_store(seeds_store) as store:
        profile = pipeline.AnalysisProfile()
        document = pipeline.analysis_document(store, options=options, profile=profile)
        assert profile.reused == 0 and profile.analysed == len(document["stories"])
        assert not document["claims"] and document["quotes"]
        cached = store.index_state(SPACE).lookup(["rows"])["rows"]
        assert len(cached) == len(document["stories"])  # the default run's rows are gone


def test_cached_rows_hold_no_timings_so_a_rerun_writes_the_same_bytes():
    state = MemoryIndexState()
    cache = StoryCache(state, AnalysisOptions())
    cache.put({"k": StoryAnalysis("story-1", {}, (), {"parse": 0.25})})
    first = state.get(["k"])["k"]
    cache.put({"k": StoryAnalysis("story-1", {}, (), {"parse": 0.75})})
    assert state.get(["k"])["k"] == first
    assert cache.get(["k"])["k"].seconds == {}


@pytest.mark.slow
def test_stories_analysed_in_chunks_have_the_findings_of_each_story_alone(seed_analysis):
    from newsdesk.analysis import analyse_stories, analyse_story

    _, db, _ = seed_analysis
    with open_store(db, read_only=True) as store:
        articles = {a.id: a for a in store.articles()}
        items = [(s, [articles[i] for i in s.article_ids if i in articles]) for s in store.stories()]
    options = AnalysisOptions()
    chunked = list(analyse_stories(items, options, chunk_sentences=10_000))  # every sentence in one pass
    alone = [analyse_story(story, members, options) for story, members in items]
    assert len(chunked) == len(items) >= 2
    assert chunked == alone  # findings and errors; timings do not compare
    assert all(result.seconds["encode"] >= 0 for result in chunked)


# --- sentence vectors kept in the store -------------------------------------------------------------


def test_sentence_vectors_round_trip_through_the_store_bit_for_bit(tmp_path):
    import numpy as np

    from newsdesk.analysis.cache import SentenceVectors, sentence_space

    vector = np.random.default_rng(0).standard_normal(384).astype(np.float32)
    with open_store(tmp_path / "s.db") as store:
        kept = SentenceVectors(store)
        kept.keep({"The talks resumed.": vector})
        assert kept.get(["The talks resumed."])["The talks resumed."].tobytes() == vector.tobytes()  # pending
        with store.transaction():
            assert kept.flush() == 1
        again = SentenceVectors(store)
        found = again.get(["The talks resumed.", "Never encoded."])
        assert list(found) == ["The talks resumed."] and found["The talks resumed."].tobytes() == vector.tobytes()
        assert (again.reused, kept.encoded) == (1, 1)
        assert store.embedding_counts() == {sentence_space(): 1}
        reader = SentenceVectors(store, write=False)  # serve's read-only path keeps nothing
        reader.keep({"Another text.": vector})
        assert reader.pending == {}


def test_the_sentence_space_names_the_encoder_and_its_precision(monkeypatch):
    from newsdesk.analysis.cache import sentence_space

    default = sentence_space()
    assert default.startswith("sentence:minilm:float32:")
    monkeypatch.setenv("NEWSDESK_ENCODER_PRECISION", "bfloat16")
    assert sentence_space().startswith("sentence:minilm:bfloat16:") and sentence_space() != default


@pytest.mark.slow
def test_a_rerun_looks_sentence_vectors_up_instead_of_encoding_them_and_finds_the_same(seeds_store, seed_analysis):
    first = seed_analysis[0]["run"]["analysis"]["sentence_vectors"]
    assert first["encoded"] > 100 and first["reused"] == 0
    with open_store(seeds_store) as store:
        store.index_state(SPACE).clear()  # forget the findings, keep the vectors (as after a code change)
        profile = pipeline.AnalysisProfile()
        rebuilt = pipeline.build_analysis(store, save=False, profile=profile).to_json()
    counts = profile.to_json()["sentence_vectors"]
    assert counts["reused"] >= first["encoded"] * 0.9
    assert counts["encoded"] <= first["encoded"] * 0.1  # only texts whose word pieces a stage needs
    assert _without_run(rebuilt) == _without_run(seed_analysis[0])
