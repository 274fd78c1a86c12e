"""STORIES stage: online, incremental, order-independent event clustering (newsdesk.stories)."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import numpy as np
import pytest

from newsdesk.errors import ModelUnavailableError, OptionsError, StoriesError
from newsdesk.models import Article, Provenance
from newsdesk.store import MemoryIndexState, SQLiteStore
from newsdesk.stories import (
    ArticleFeatures,
    StoryIndex,
    StoryOptions,
    anchor_terms,
    article_features,
    cluster_stories,
    content_phrases,
    first_sentence,
    is_preview,
    key_phrases,
    term_weight,
)


def article(article_id: str, text: str, *, title: str | None = None, published: str | None = None) -> Article:
    return Article(
        id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, title=title, published=published
    )


def partition(stories) -> set[frozenset[str]]:
    return {frozenset(story.article_ids) for story in stories}


def bcubed_f1(a: dict[str, str], b: dict[str, str]) -> float:
    groups_a, groups_b = defaultdict(set), defaultdict(set)
    for item in a:
        groups_a[a[item]].add(item)
        groups_b[b[item]].add(item)
    p = sum(len(groups_a[a[i]] & groups_b[b[i]]) / len(groups_a[a[i]]) for i in a) / len(a)
    r = sum(len(groups_a[a[i]] & groups_b[b[i]]) / len(groups_b[b[i]]) for i in a) / len(a)
    return 2 * p * r / (p + r)


def _basil_articles(shared_bench, limit=None) -> tuple[list[Article], dict[str, str]]:
    articles, gold = [], {}
    with open(shared_bench / "clustering_basil" / "dev.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record["text"]
            if text.startswith(record["title"]):
                text = text[len(record["title"]) :].lstrip("\n")
            articles.append(article(record["id"], text, title=record["title"], published=record["date"]))
            gold[record["id"]] = record["triplet_uuid"]
            if limit and len(articles) >= limit:
                break
    return articles, gold


@pytest.fixture(scope="module")
def basil(shared_bench) -> tuple[list[Article], dict[str, str]]:
    """The first 36 BASIL dev articles (12 events, 3 outlets each): a small real pile."""
    return _basil_articles(shared_bench, 36)


@pytest.fixture(scope="module")
def basil_all_features(shared_bench) -> list[ArticleFeatures]:
    """Features of all 180 BASIL dev articles (60 events) in date order."""
    articles, _ = _basil_articles(shared_bench)
    ordered = sorted(articles, key=lambda a: (a.published or "", a.id))
    return article_features(ordered, StoryOptions())


@pytest.fixture(scope="module")
def basil_features(basil) -> list[ArticleFeatures]:
    articles, _ = basil
    return article_features(sorted(articles, key=lambda a: (a.published or "", a.id)), StoryOptions())


@pytest.fixture(scope="module")
def ecb_topics(shared_bench) -> list[ArticleFeatures]:
    """Three ECB+ dev topics (two events each, undated): the hard "same topic, other event" case."""
    articles = []
    with open(shared_bench / "clustering_ecbplus" / "dev.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["topic"] in (5, 27, 28):
                articles.append(article(record["id"], record["text"]))
    return article_features(articles, StoryOptions())


def clusters_of(features_in_order, options=None) -> dict[str, str]:
    index = StoryIndex(options)
    index.add_features(features_in_order)
    return {aid: story.id for story in index.stories() for aid in story.article_ids}


def in_batches(features, sizes, options=None) -> list:
    """Stories after adding ``features`` in batches of ``sizes``, the index reopened on its state
    between batches (as the pipeline does on every commit)."""
    state = MemoryIndexState()
    start = 0
    for size in sizes:
        index = StoryIndex(options, state)
        index.add_features(features[start : start + size])
        index.drain_changes()
        start += size
    return StoryIndex(options, state).stories()


def random_sizes(rng: random.Random, total: int) -> list[int]:
    sizes = []
    while sum(sizes) < total:
        sizes.append(rng.randint(1, max(1, total // 3)))
    return sizes


@pytest.fixture(scope="module")
def seeds(examples_dir) -> dict[str, Article]:
    return {p.name[:3]: article(p.name[:3], p.read_text(encoding="utf-8")) for p in sorted(examples_dir.glob("*.txt"))}


@pytest.fixture(scope="module")
def extracted_examples(examples_dir, tmp_path_factory) -> dict[str, Article]:
    """The five examples as the pipeline extracts them (chrome removed, titles found), by file prefix."""
    from newsdesk.extract import extract
    from newsdesk.ingest import read_paths

    articles = {}
    for doc in read_paths([examples_dir]):
        articles[doc.provenance.path.rsplit("/", 1)[-1][:3]] = extract(doc)
    return articles


# -- order independence ------------------------------------------------------------------------


def _examples_stories(order: list[Article], batch_sizes: list[int] | None = None):
    """What the pipeline's indexes make of the examples arriving in ``order``: copies merged by
    the copy index, canonical articles fed to the story index (reopened between batches)."""
    from newsdesk.dedup import CopyIndex

    copies, stories_state = CopyIndex(), MemoryIndexState()
    sizes = batch_sizes or [len(order)]
    start = 0
    duplicate_of = {}
    for size in sizes:
        index = StoryIndex(state=stories_state)
        for item in order[start : start + size]:
            link = copies.add(item)
            if link is None:
                index.add([item])
            else:
                duplicate_of[item.id] = link.canonical
        index.drain_changes()
        start += size
    stories = StoryIndex(state=stories_state).stories()
    story_of = {aid: s.id for s in stories for aid in s.article_ids}
    story_of.update({dup: story_of[canonical] for dup, canonical in duplicate_of.items()})
    return {(s.id, s.title) for s in stories}, story_of


def test_the_examples_give_the_same_stories_in_all_120_orders(extracted_examples):
    from itertools import permutations

    names = sorted(extracted_examples)
    results = set()
    for order in permutations(names):
        stories, story_of = _examples_stories([extracted_examples[n] for n in order])
        results.add((frozenset(stories), frozenset(story_of.items())))
    assert len(results) == 1
    ((stories, story_of),) = results
    story_of = dict(story_of)
    march = {story_of[extracted_examples[n].id] for n in ("000", "001", "002", "003")}
    assert len(march) == 1 and story_of[extracted_examples["004"].id] not in march
    # the March story is titled by a news report's headline, not by the op-ed 000
    titles = dict(stories)
    assert titles[march.pop()] == extracted_examples["002"].title


def test_the_examples_give_the_same_stories_in_random_batch_splits(extracted_examples):
    names = sorted(extracted_examples)
    reference = _examples_stories([extracted_examples[n] for n in names])
    rng = random.Random(14)
    for _ in range(12):
        order = names[:]
        rng.shuffle(order)
        assert _examples_stories([extracted_examples[n] for n in order], random_sizes(rng, len(order))) == reference


@pytest.mark.bench
def test_basil_and_ecb_topics_give_the_same_stories_in_any_order_and_batches(basil_features, ecb_topics):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    piles = {"basil": basil_features, "ecb": ecb_topics}
    reference = {name: StoryIndex() for name in piles}
    for name, index in reference.items():
        index.add_features(piles[name])
    expected = {name: index.stories() for name, index in reference.items()}

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(name=st.sampled_from(sorted(piles)), seed=st.integers(0, 10**6))
    def same_stories(name, seed):
        rng = random.Random(seed)
        order = list(piles[name])
        rng.shuffle(order)
        assert in_batches(order, random_sizes(rng, len(order))) == expected[name]

    same_stories()


def test_a_large_component_is_re_clustered_around_each_article_and_resumes_to_the_same_rows(basil_all_features):
    # a small max_component puts BASIL's linked articles past it: the bounded, sequential regime
    options = StoryOptions(max_component=3)
    whole = MemoryIndexState()
    index = StoryIndex(options, whole)
    index.add_features(basil_all_features[:90])
    index.drain_changes()
    resumed = MemoryIndexState()
    for start, stop in ((0, 7), (7, 40), (40, 41), (41, 90)):
        index = StoryIndex(options, resumed)
        index.add_features(basil_all_features[start:stop])
        index.drain_changes()
    assert resumed._rows == whole._rows and resumed._postings == whole._postings
    stories = StoryIndex(options, whole).stories()
    assert sum(len(s.article_ids) for s in stories) == 90


# -- quality -------------------------------------------------------------------------------------


def test_articles_about_one_event_from_three_outlets_form_one_story(basil, basil_features):
    assert bcubed_f1(clusters_of(basil_features), basil[1]) >= 0.95


def test_seed_reports_of_the_march_call_form_one_story_apart_from_the_may_call_when_dated(seeds):
    dated = {"000": "2025-03-18", "002": "2025-03-19", "003": "2025-03-18", "004": "2025-05-19"}
    pile = [article(key, seeds[key].text, published=day) for key, day in dated.items()]
    assert partition(cluster_stories(pile)) == {frozenset({"000", "002", "003"}), frozenset({"004"})}


def test_seed_may_call_preview_is_its_own_story_without_dates(extracted_examples):
    # 004 shares every name and the framing with the March reports, but it announces a call to
    # come ("will speak over the phone later today"): without dates it cannot be tied to one
    pile = [extracted_examples[key] for key in ("000", "002", "003", "004")]
    assert is_preview(pile[3].title, pile[3].text) and not any(is_preview(a.title, a.text) for a in pile[:3])
    ids = {key: extracted_examples[key].id for key in ("000", "002", "003", "004")}
    assert partition(cluster_stories(pile)) == {
        frozenset({ids["000"], ids["002"], ids["003"]}),
        frozenset({ids["004"]}),
    }


def features(
    article_id: str, vector, names=("alpha",), day=None, *, preview=False, title=None, headline=True, opinion=False
) -> ArticleFeatures:
    vec = np.asarray(vector, dtype=np.float32)
    return ArticleFeatures(
        id=article_id,
        vector=vec / np.linalg.norm(vec),
        names=frozenset(names),
        phrases=frozenset(),
        day=day,
        title=title or article_id,
        published=None if day is None else __import__("datetime").date.fromordinal(day).isoformat(),
        headline=headline,
        preview=preview,
        opinion=opinion,
    )


#: Score = 0.5 · embedding cosine + 0.5 · names cosine; articles sharing the one name link at
#: embedding cosine >= 0.6.
EMBEDDING = StoryOptions(embedding_weight=0.5, names_weight=0.5, phrases_weight=0.0, join_threshold=0.8)


def test_a_preview_joins_the_event_it_anticipates_only_when_the_dates_say_so():
    day = 740_000
    reports = [features("r1", [1.0, 0.0], day=day), features("r2", [1.0, 0.1], day=day + 1)]
    same_day = features("p", [1.0, 0.05], day=day, preview=True)
    assert partition(cluster_of(reports + [same_day])) == {frozenset({"r1", "r2", "p"})}
    two_days_after = features("p", [1.0, 0.05], day=day + 2, preview=True)  # after the event: another one
    assert partition(cluster_of(reports + [two_days_after])) == {frozenset({"r1", "r2"}), frozenset({"p"})}
    undated = [features("r1", [1.0, 0.0]), features("r2", [1.0, 0.1]), features("p", [1.0, 0.05], preview=True)]
    assert partition(cluster_of(undated)) == {frozenset({"r1", "r2"}), frozenset({"p"})}


def cluster_of(pile, options=EMBEDDING):
    index = StoryIndex(options)
    index.add_features(pile)
    return index.stories()


def test_an_early_join_that_the_later_articles_disown_is_undone():
    # x links with a (cosine 0.62: score 0.81); b links with a (0.9) but not with x (0.75): average link keeps {a, b}
    # and leaves x alone, whichever arrives first
    a, x, b = features("a", [1.0, 0.0, 0.0]), features("x", [0.62, 0.7846, 0.0]), features("b", [0.8, 0.0, 0.6])
    options = StoryOptions(embedding_weight=0.5, names_weight=0.5, phrases_weight=0.0, join_threshold=0.8)
    for order in ([a, x, b], [x, b, a], [b, a, x]):
        assert partition(cluster_of(order, options)) == {frozenset("ab"), frozenset("x")}


def test_article_days_apart_cost_score():
    day = 730_000
    pile = [
        features("mon", [1.0, 0.0], day=day),
        features("same-day", [1.0, 0.1], day=day),
        features("week-later", [1.0, 0.1], day=day + 7),
    ]
    assert partition(cluster_of(pile)) == {frozenset({"mon", "same-day"}), frozenset({"week-later"})}


# -- ids and titles ------------------------------------------------------------------------------


def test_a_story_keeps_its_id_when_it_grows():
    day = 739_000
    index = StoryIndex(EMBEDDING)
    index.add_features([features("first", [1.0, 0.0], day=day), features("second", [1.0, 0.1], day=day)])
    (before,) = index.stories()
    index.add_features([features("third", [1.0, 0.05], day=day + 1), features("fourth", [1.0, 0.02], day=day + 2)])
    (after,) = index.stories()
    assert after.id == before.id == "story-first" and len(after.article_ids) == 4


def test_a_story_id_that_is_gone_redirects_to_the_story_holding_its_anchor():
    day = 739_000
    state = MemoryIndexState()
    index = StoryIndex(EMBEDDING, state)
    index.add_features([features("a", [1.0, 0.0], day=day + 1), features("b", [0.5, 0.866], day=day + 1)])
    changed, _ = index.drain_changes()
    old = {s.id for s in changed}
    assert old == {"story-a", "story-b"}
    # an older report close to both arrives: the three are one story, anchored on it
    index = StoryIndex(EMBEDDING, state)
    index.add_features([features("c", [1.5, 0.866], day=day), features("d", [1.5, 0.866], day=day + 2)])
    changed, removed = index.drain_changes()
    (merged,) = StoryIndex(EMBEDDING, state).stories()
    assert merged.id == "story-c" and set(removed) == old and [s.id for s in changed] == ["story-c"]
    assert index.resolve("story-a") == index.resolve("story-b") == "story-c"
    assert index.resolve("story-nothing") is None and index.resolve("other") is None


def test_a_story_is_titled_by_its_most_central_news_headline():
    pile = [
        features("op-ed", [1.0, 0.0], title="Why the call matters", opinion=True),
        features("news", [1.0, 0.3], title="Leaders agree on a ceasefire"),
        features("untitled", [1.0, 0.1], title="Leaders spoke on Tuesday.", headline=False),
    ]
    (story,) = cluster_of(pile)
    assert story.title == "Leaders agree on a ceasefire"
    (alone,) = cluster_of(pile[2:])
    assert alone.title == "Leaders spoke on Tuesday."


def test_an_untitled_articles_title_is_its_whole_first_sentence():
    text = (
        "Trump and Putin held a call to discuss the war, which the U.S. president touted as a step. "
        "Then the Kremlin spoke."
    )
    assert (
        first_sentence(text)
        == "Trump and Putin held a call to discuss the war, which the U.S. president touted as a step."
    )
    assert first_sentence("He said “no.” Then he left.") == "He said “no.”"
    long = "word " * 60
    assert first_sentence(long).endswith(" …") and len(first_sentence(long)) <= 162


# -- persistence ---------------------------------------------------------------------------------


def test_incremental_adds_with_state_reopened_from_the_store_equal_the_batch_result(basil, tmp_path):
    articles, _ = basil
    ordered = sorted(articles, key=lambda a: (a.published or "", a.id))[:18]
    for start in range(0, len(ordered), 4):  # the pipeline reopens the index on each ingest call
        with SQLiteStore(tmp_path / "stories.db") as store, store.transaction():
            index = StoryIndex(state=store.index_state("stories"))
            index.add(ordered[start : start + 4])
            index.save()
    with SQLiteStore(tmp_path / "stories.db") as store:
        reopened = StoryIndex(state=store.index_state("stories")).stories()
    assert reopened == cluster_stories(list(reversed(ordered)))


def test_drained_changes_keep_a_copy_of_the_stories_equal_to_the_index(basil_all_features, tmp_path):
    copy: dict[str, object] = {}  # what the store's stories table holds, kept by upserts and deletes only
    with SQLiteStore(tmp_path / "drain.db") as store:
        for start in range(0, 60, 7):
            with store.transaction():
                index = StoryIndex(state=store.index_state("stories"))
                index.add_features(basil_all_features[start : min(start + 7, 60)])
                changed, removed = index.drain_changes()
            assert changed and not set(removed) & {s.id for s in changed}
            assert set(removed) <= set(copy)
            for story_id in removed:
                del copy[story_id]
            copy.update((story.id, story) for story in changed)
        with store.transaction():
            assert StoryIndex(state=store.index_state("stories")).drain_changes() == ([], [])
        final = StoryIndex(state=store.index_state("stories")).stories()
    assert sorted(copy.values(), key=lambda s: s.id) == sorted(final, key=lambda s: s.id)


def test_adding_one_article_writes_only_the_rows_it_changed(basil_all_features):
    class CountingState(MemoryIndexState):
        def put(self, rows):
            self.written = sorted(rows)
            super().put(rows)

    state = CountingState()
    index = StoryIndex(state=state)
    index.add_features(basil_all_features[:-1])
    index.save()
    last = basil_all_features[-1]
    index = StoryIndex(state=state)
    index.add_features([last])
    index.save()
    kinds = Counter(key.split(":")[0] for key in state.written if ":" in key)
    # its own row and those of the story it joined; the story and component rows; its key terms
    assert 1 <= kinds["a"] <= 4 and kinds["s"] <= 2 and kinds["k"] <= 2, state.written
    assert kinds["d"] <= 2 * StoryOptions().key_terms
    assert set(state.written) - {key for key in state.written if ":" in key} <= {"meta", "changes"}


def test_a_damaged_story_row_is_an_error_naming_it():
    state = MemoryIndexState()
    index = StoryIndex(state=state)
    index.add_features([features("a", [1.0, 0.0]), features("b", [0.0, 1.0])])
    index.save()
    state.put({"s:a": b"{oops"})
    with pytest.raises(StoriesError, match="s:a"):
        StoryIndex(state=state).stories()


def test_a_state_built_with_another_encoder_is_refused():
    state = MemoryIndexState()
    index = StoryIndex(state=state)
    index.add_features([features("a", [1.0, 0.0])])
    index.save()
    with pytest.raises(ModelUnavailableError):
        StoryIndex(StoryOptions(encoder="minilm" if index._encoder != "minilm" else "auto"), state)


# -- features ------------------------------------------------------------------------------------


def test_term_weights_are_fixed_rare_words_weigh_more():
    assert term_weight("ketsoyan") > term_weight("putin") > term_weight("house")
    assert term_weight("energy infrastructure") == pytest.approx(
        (term_weight("energy") + term_weight("infrastructure")) / 2
    )


def test_content_phrases_drop_phrases_made_of_names_only():
    text = "On Monday Donald Trump spoke to Vladimir Putin about an energy and infrastructure ceasefire."
    phrases, names = key_phrases(text), anchor_terms(text)
    content = content_phrases(phrases, names)
    assert {"donald trump", "vladimir putin", "energy infrastructure"} <= phrases
    assert "energy infrastructure" in content and not {"donald trump", "vladimir putin"} & content


def test_anchor_terms_are_names_and_figures_not_sentence_openers():
    terms = anchor_terms(
        "Officials said Tara Reid checked into Promises in Malibu on Tuesday. The actress, 33, was fine."
    )
    assert {"tara", "reid", "promises", "malibu", "#33"} <= terms
    assert not {"officials", "the", "tuesday"} & terms


def test_a_lead_announcing_an_event_to_come_is_a_preview():
    assert is_preview(None, "Trump and Putin will speak over the phone later today, the White House said.")
    assert not is_preview(None, "Trump and Putin spoke over the phone on Tuesday.")
    assert not is_preview("Russia will halt strikes on energy sites", "The Kremlin said so after the call.")


def test_adding_something_else_than_articles_is_refused():
    with pytest.raises(StoriesError):
        StoryIndex().add(["not an article"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"join_threshold": 1.5},
        {"embedding_weight": -1},
        {"max_terms": 0},
        {"max_component": 1},
        {"preview_days": -1},
        {"embedding_weight": 1.0, "names_weight": 0.0, "phrases_weight": 0.0},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(OptionsError):
        StoryOptions(**kwargs)


# -- the date of the lead's event ----------------------------------------------------------------

CALL = (
    "{when}, President Donald Trump and Russian President Vladimir Putin held a long phone call on a "
    "ceasefire in Ukraine. The White House said the leaders discussed energy infrastructure and the Black Sea, "
    "and the Kremlin said Putin raised military aid to Kyiv."
)


def test_two_calls_of_one_kind_two_months_apart_are_two_stories():
    # undated pages whose leads date their calls: the same words, the same leaders, two events
    pile = [
        article("feb-a", CALL.format(when="On February 12, 2025")),
        article("feb-b", CALL.format(when="On Feb. 12, 2025").replace("long", "lengthy")),
        article("mar-a", CALL.format(when="On March 18, 2025")),
        article("mar-b", CALL.format(when="On March 18, 2025").replace("long", "lengthy")),
    ]
    apart = cluster_stories(pile, options=StoryOptions(max_event_gap_days=30))
    assert partition(apart) == {frozenset({"feb-a", "feb-b"}), frozenset({"mar-a", "mar-b"})}
    # without the event date (the default: no gap helped out of sample) they read as one story
    assert partition(cluster_stories(pile)) == {frozenset({"feb-a", "feb-b", "mar-a", "mar-b"})}


def test_reports_of_two_calls_dated_two_months_apart_are_two_stories():
    pile = [
        article("feb-a", CALL.format(when="On Wednesday"), published="2025-02-13"),
        article("feb-b", CALL.format(when="On Wednesday").replace("long", "lengthy"), published="2025-02-13"),
        article("mar-a", CALL.format(when="On Tuesday"), published="2025-03-19"),
        article("mar-b", CALL.format(when="On Tuesday").replace("long", "lengthy"), published="2025-03-19"),
    ]
    assert partition(cluster_stories(pile)) == {frozenset({"feb-a", "feb-b"}), frozenset({"mar-a", "mar-b"})}


def test_the_same_call_dated_by_weekday_and_by_date_stays_one_story():
    pile = [
        article("tue", CALL.format(when="On Tuesday"), published="2025-03-19"),
        article("date", CALL.format(when="On March 18").replace("long", "lengthy"), published="2025-03-20"),
    ]
    assert partition(cluster_stories(pile, options=StoryOptions(max_event_gap_days=30))) == {frozenset({"tue", "date"})}


def test_the_event_date_is_the_first_day_week_or_month_of_the_first_sentence():
    from datetime import date

    from newsdesk.stories.features import event_period

    day = date(2025, 3, 18).toordinal()
    assert event_period("Putin spoke with Trump on Tuesday, since 1945 a first. Later, more.", "2025-03-19") == (
        day,
        day,
    )
    assert event_period("The worst war since December 2008 went on on Tuesday.", "2025-03-19") == (day, day)
    assert event_period("Putin spoke on Tuesday.", None) is None  # an undated article keeps it relative
    assert event_period("In 2008, the quake struck.", None) is None  # a bare year is history more often than not
    assert event_period("On December 9, 2008, the quake struck.", None) == (date(2008, 12, 9).toordinal(),) * 2
