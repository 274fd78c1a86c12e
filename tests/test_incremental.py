"""The per-story update of the saved analysis document (newsdesk.update, pipeline.analysis_delta):
after any change, the patched document is the one a full rebuild writes."""

from __future__ import annotations

import shutil

import pytest

from newsdesk import pipeline
from newsdesk.analysis import AnalysisOptions
from newsdesk.models import Story
from newsdesk.options import PipelineOptions
from newsdesk.store import open_store
from newsdesk.update import SPACE, DocumentHead, Pieces, merge_entities

SEEDS = {
    "a": "000_4ec7b5f75422ebf1.txt",
    "b": "001_9e074f779e16ba68.txt",
    "copy1": "002_948ce0a83575118d.txt",
    "copy2": "003_f475c32dab00f800.txt",
    "other": "004_f127fff658ca5af4.txt",
}


def full_rebuild(store, options):
    """What a rebuild from scratch writes (no saved piece or finding is read)."""
    return {**pipeline.build_analysis(store, options=options, save=False).to_json(), "run": None}


def updated(store, options):
    profile = pipeline.AnalysisProfile()
    document = pipeline.analysis_document(store, options=options, profile=profile)
    return document, profile


def test_incremental_and_full_analysis_give_the_same_document_through_adds_copies_merges_and_splits(
    tmp_path, examples_dir
):
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"entities"})))
    with open_store(tmp_path / "s.db") as store:
        pipeline.ingest([examples_dir / SEEDS["a"], examples_dir / SEEDS["other"]], store=store, options=options)
        document, profile = updated(store, options)
        assert document == full_rebuild(store, options) and profile.analysed == 2

        # one new article: only its story is analysed again
        pipeline.ingest([examples_dir / SEEDS["b"]], store=store, options=options)
        document, profile = updated(store, options)
        assert document == full_rebuild(store, options)
        assert profile.analysed == 1 and profile.stories == len(document["stories"])

        # an article, then its copy (merged, and the group may change its leader)
        for name in ("copy1", "copy2"):
            pipeline.ingest([examples_dir / SEEDS[name]], store=store, options=options)
            document, _ = updated(store, options)
            assert document == full_rebuild(store, options)
        assert any(article["duplicate_of"] for article in document["articles"])

        # the same content from a new place: one more source on one article
        moved = tmp_path / "elsewhere.txt"
        shutil.copy(examples_dir / SEEDS["other"], moved)
        pipeline.ingest([moved], store=store, options=options)
        document, profile = updated(store, options)
        assert document == full_rebuild(store, options) and profile.analysed == 0
        assert any(len(article["sources"]) == 2 for article in document["articles"])

        # two stories merged into one, as the story index writes a merge
        first, second = store.stories()[:2]
        merged = Story(first.id, first.title, first.article_ids + second.article_ids, None, None)
        with store.transaction():
            store.delete_stories([second.id])
            store.upsert_stories([merged])
        document, profile = updated(store, options)
        assert document == full_rebuild(store, options) and profile.analysed == 1
        assert second.id not in {story["id"] for story in document["stories"]}

        # and split again
        with store.transaction():
            store.upsert_stories([first, second])
        document, profile = updated(store, options)
        assert document == full_rebuild(store, options) and profile.analysed == 2

        # nothing changed: the saved pieces are laid out again, nothing is rebuilt
        before = store.index_state(SPACE).get(["head"])
        assert updated(store, options)[0] == document
        assert store.index_state(SPACE).get(["head"]) == before


def test_every_stage_section_is_patched_like_a_full_rebuild(seed_analysis, tmp_path, examples_dir):
    document, db, _ = seed_analysis
    shutil.copy(db, tmp_path / "seeds.db")
    options = PipelineOptions()
    with open_store(tmp_path / "seeds.db") as store:
        assert pipeline.analysis_document(store, options=options) == {**document, "run": None}
        # one more place for an article: its story's entry is rebuilt from its cached findings
        moved = tmp_path / "elsewhere.txt"
        shutil.copy(examples_dir / SEEDS["a"], moved)
        pipeline.ingest([moved], store=store, options=options)
        placed, profile = updated(store, options)
        assert placed == full_rebuild(store, options) and profile.analysed == 0
        # the smallest story leaves the store (its findings are dropped), then comes back
        story = min(store.stories(), key=lambda s: len(s.article_ids))
        store.delete_stories([story.id])
        without, profile = updated(store, options)
        assert without == full_rebuild(store, options) and profile.analysed == 0
        assert len(without["stories"]) == len(document["stories"]) - 1
        store.upsert_stories([story])
        again, profile = updated(store, options)
        assert again == full_rebuild(store, options) == placed and profile.analysed == 1
        assert again["quotes"] and again["entities"] and again["summary"]


def test_pieces_made_with_other_options_or_unreadable_are_rebuilt_whole(tmp_path, examples_dir):
    bare = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
    with open_store(tmp_path / "s.db") as store:
        pipeline.ingest([examples_dir / SEEDS["a"], examples_dir / SEEDS["copy1"]], store=store, options=bare)
        document = pipeline.analysis_document(store, options=bare)
        state = store.index_state(SPACE)
        head = Pieces.saved_head(state)
        assert head is not None and set(head.members) == {story["id"] for story in document["stories"]}
        with store.transaction():
            state.put({"head": b"not json"})
        assert Pieces.saved_head(state) is None
        pipeline.ingest([examples_dir / SEEDS["other"]], store=store, options=bare)
        document, _ = updated(store, bare)
        assert document == full_rebuild(store, bare)
        head = Pieces.saved_head(state)
        assert head is not None and set(head.members) == {story["id"] for story in document["stories"]}
        # pieces of another analysis (other options) are not patched but replaced
        other = PipelineOptions(analysis=AnalysisOptions(stages=frozenset(), max_article_chars=50_000))
        delta = pipeline.analysis_delta(store, options=other, base=head, save=False)
        assert delta.full and set(delta.stories) == set(head.members)


def test_a_head_compares_members_copies_and_sources():
    from newsdesk.update import changed_since

    old = DocumentHead("k", 1, {"s1": ["a"], "s2": ["b"]}, [["a", "a2"]], {"a": 1, "a2": 1, "b": 1})
    new = DocumentHead("k", 2, {"s1": ["a", "c"], "s3": ["b"]}, [["a", "a2"]], {"a": 1, "a2": 1, "b": 2, "c": 1})
    changes = changed_since(old, new)
    assert changes.stories == {"s1", "s3"} and changes.removed == {"s2"}
    assert changes.articles == {"a", "a2", "b", "c"}  # a's copy group comes along with its story


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_entities_merged_from_json_as_the_analysis_merges_them(order):
    from newsdesk.analysis.entities import Entity, Mention, merge_tables

    def entity(aliases, roles, mentions, affiliation):
        return Entity(
            id="person:x",
            name="X",
            type="PERSON",
            aliases=aliases,
            roles=roles,
            mentions=[Mention(article=a, start=s, end=s + 1, text="X", entity="person:x") for a, s in mentions],
            affiliation=affiliation,
        )

    tables = [
        [entity(["X", "Mr X"], ["minister"], [("b", 5), ("a", 9)], None)],
        [entity(["Xavier"], ["envoy", "minister"], [("a", 1)], "Y")],
    ]
    tables = [tables[i] for i in order]
    expected = [e.to_json() for e in merge_tables(tables)]
    assert merge_entities([[e.to_json() for e in table] for table in tables]) == expected
