"""Search at corpus scale: article vectors kept in the store at ingest, BM25 and nearest
neighbours fused, the approximate index agreeing with the exact scan."""

from __future__ import annotations

import numpy as np
import pytest

from newsdesk.models import Article, Provenance
from newsdesk.search import SearchIndex, SearchOptions, article_vectors, vector_space
from newsdesk.store import open_store


def _article(article_id: str, text: str, title: str | None = None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, title=title)


ARTICLES = [
    _article("rates", "The central bank raised interest rates to curb inflation, making loans dearer.", "Rates up"),
    _article("harbour", "Ferries returned to the harbour after the storm; the port reopened on Monday.", "Port"),
    _article("match", "The home side won the final two goals to one after extra time.", "Cup final"),
    _article("vote", "Parliament passed the budget by a narrow majority after a long night session.", "Budget"),
]


def test_fusion_finds_an_article_by_meaning_when_no_word_matches():
    index = SearchIndex()
    index.sync(ARTICLES)
    query = "monetary policy tightening"  # none of these words is in any article
    assert index.search(query, SearchOptions(rerank=False)) == []
    hits = index.search(query, SearchOptions(limit=2))
    assert hits[0].article_id == "rates"
    assert hits[0].bm25 == 0.0 and hits[0].cosine is not None
    assert hits[0].snippet_text.startswith("The central bank")  # the opening words stand in for a snippet


def test_a_lexical_match_keeps_its_snippet_and_both_scores():
    index = SearchIndex()
    index.sync(ARTICLES)
    hit = index.search("ferries harbour storm")[0]
    assert hit.article_id == "harbour" and hit.bm25 > 0 and hit.cosine is not None
    assert "\x02" in hit.snippet  # matched words marked


def test_an_article_without_a_vector_is_ranked_by_its_words_not_pushed_below_the_others():
    # only "rates" and "harbour" have a kept vector (as in a store analysed before "vote" arrived)
    vectors = article_vectors(ARTICLES[:2])
    index = SearchIndex()
    index.sync(ARTICLES, lambda ids: {i: vectors[i] for i in ids if i in vectors})
    hits = index.search("parliament budget port")  # "port" also matches "harbour", which has a vector
    assert [h.article_id for h in hits[:2]] == ["vote", "harbour"]
    assert hits[0].cosine is None and hits[0].bm25 > hits[1].bm25 > 0


def test_the_approximate_index_agrees_with_the_exact_scan():
    rng = np.random.default_rng(0)
    words = "bank rates port storm match goal budget vote oil wheat coffee steel ship rail".split()
    articles = [_article(f"a{n}", " ".join(rng.choice(words, size=12)) + f" item {n}.") for n in range(300)]
    index = SearchIndex()
    index.sync(articles)
    options = SearchOptions(candidates=10)
    for query in ("oil and wheat prices", "a storm closed the port", "rail strike"):
        exact = [aid for aid, _ in index.semantic(query, options, exact=True)]
        approximate = [aid for aid, _ in index.semantic(query, options, exact=False)]
        assert len(set(exact) & set(approximate)) >= 9


def test_sync_uses_the_vectors_it_is_given_and_never_parses_the_others():
    given = article_vectors(ARTICLES[:2])
    asked = []

    def kept(ids):
        asked.extend(ids)
        return {i: given[i] for i in ids if i in given}

    index = SearchIndex()
    index.sync(ARTICLES, kept)
    assert sorted(asked) == sorted(a.id for a in ARTICLES)
    ids, matrix = index._vectors()
    assert ids == ["harbour", "rates"]  # the two without a kept vector are found by their words
    assert np.array_equal(matrix[ids.index("rates")], np.frombuffer(given["rates"], dtype=np.float32))
    assert [h.article_id for h in index.search("cup final goals")][:1] == ["match"]


@pytest.mark.slow
def test_the_analysis_keeps_each_articles_search_vector_as_search_makes_it(seed_analysis):
    _, db, _ = seed_analysis
    with open_store(db, read_only=True) as store:
        duplicates = {link.duplicate for link in store.copies()}
        articles = [a for a in store.articles() if a.id not in duplicates]
        kept = store.embeddings(vector_space())
    assert set(kept) == {a.id for a in articles}
    assert kept == article_vectors(articles)  # a by-product of the analysis, bit for bit


def test_the_embeddings_table_keeps_replaces_and_forgets_vectors(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        store.put_embeddings("space", {"a": b"\x00" * 8, "b": b"\x01" * 8})
        store.put_embeddings("space", {"a": b"\x02" * 8})
        assert store.embeddings("space") == {"a": b"\x02" * 8, "b": b"\x01" * 8}
        assert store.embeddings("space", ["b", "zz"]) == {"b": b"\x01" * 8}
        assert store.embeddings("other") == {}
        store.delete_embeddings("space", ["a"])
        assert store.embedding_counts() == {"space": 1}
        store.delete_embeddings("space")
        assert store.embedding_counts() == {}


def test_a_store_without_the_embeddings_table_is_upgraded_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with open_store(path) as store:
        store.put_embeddings("space", {"a": b"\x00" * 4})
    with sqlite3.connect(path) as db:  # a store written before the table existed
        db.execute("DROP TABLE embeddings")
    with open_store(path, read_only=True) as store:
        assert store.embeddings("space") == {} and store.embedding_counts() == {}
    with open_store(path) as store:
        store.put_embeddings("space", {"a": b"\x00" * 4})
        assert store.embedding_counts() == {"space": 1}


@pytest.mark.parametrize("field,value", [("rrf_k", 0), ("ann_from", 0), ("candidates", 0)])
def test_search_options_are_validated(field, value):
    from newsdesk.errors import OptionsError

    with pytest.raises(OptionsError):
        SearchOptions(**{field: value})


def test_words_in_half_the_documents_or_more_are_left_out_without_changing_the_bm25_ranking():
    # "the" and "said" are in every text: FTS5's BM25 gives them an IDF of 1e-6, so leaving them
    # out of the query changes no score that matters, only the postings read
    texts = [
        "the wheat harvest said the ministry was late",
        "the coffee exports rose said the board",
        "the wheat and coffee prices fell said traders",
        "the steel output said the company was flat",
        "the oil price said analysts climbed",
        "the rail strike said the union ended",
    ]
    articles = [_article(f"a{n}", text) for n, text in enumerate(texts)]
    index = SearchIndex()
    index.sync(articles, lambda ids: {})
    query = "the wheat said coffee"
    raw = index._db.execute(  # every word OR-ed, as the index asked before
        "SELECT d.id, -bm25(fts, 2.0, 1.0) FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? "
        "ORDER BY bm25(fts, 2.0, 1.0) LIMIT 100",
        ('"the" OR "wheat" OR "said" OR "coffee"',),
    ).fetchall()
    assert index._informative(["the", "wheat", "said", "coffee"]) == ["wheat", "coffee"]
    ranked = index.lexical(query)
    assert [aid for aid, _ in index.lexical(query, every_word=True)] == [aid for aid, _ in raw]
    assert [aid for aid, _ in ranked] == [aid for aid, _ in raw]  # those with only "the"/"said" still come last
    assert [s for _, s in ranked] == pytest.approx([s for _, s in raw], abs=1e-4)
    top = index.lexical(query, SearchOptions(candidates=3))  # enough answers with the informative words
    assert [aid for aid, _ in top] == [aid for aid, _ in raw[:3]] and {aid for aid, _ in top} == {"a0", "a1", "a2"}
    assert [aid for aid, _ in index.lexical("the said")] == [
        aid for aid, _ in index.lexical("said the")
    ]  # all common: kept
    assert len(index.lexical("the said")) == len(texts)
    index.sync(articles[:1], lambda ids: {})  # the counts are forgotten when the index changes
    assert index._informative(["the", "wheat"]) == ["the", "wheat"]  # one document: no word is in half


def test_search_answers_like_the_two_rankings_fused():
    index = SearchIndex()
    index.sync(ARTICLES)
    options = SearchOptions(limit=4)
    hits = index.search("interest rates inflation", options)
    lexical = [aid for aid, _ in index.lexical("interest rates inflation", options)]
    semantic = [aid for aid, _ in index.semantic("interest rates inflation", options)]
    fused: dict[str, float] = {}
    for ranking in (lexical, semantic):
        for rank, aid in enumerate(ranking, 1):
            fused[aid] = fused.get(aid, 0.0) + 1 / (60 + rank)
    assert hits[0].article_id == "rates" == max(fused, key=fused.__getitem__)
    assert {h.article_id for h in hits} == set(sorted(fused, key=lambda a: -fused[a])[:4])
    index.close()
