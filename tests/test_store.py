"""Store: versioned schema, idempotent writes, transactions that roll back whole."""

from __future__ import annotations

import sqlite3

import pytest

from newsdesk.errors import SchemaVersionError, StoreError
from newsdesk.models import Article, CopyLink, Provenance, RawDocument, Rejection, Story
from newsdesk.store import SCHEMA_VERSION, open_store


def _doc(text: str, path: str = "a.txt", record=None, url=None) -> RawDocument:
    return RawDocument(Provenance(path, record, url), "text", text, "utf-8", {})


def _article(doc: RawDocument, text: str = "Body.") -> Article:
    return Article(
        id=doc.digest, provenance=doc.provenance, text=text, title="T", authors=("A",), published="2024-01-02"
    )


def test_new_store_records_its_schema_version(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        assert store.schema_version == SCHEMA_VERSION


def test_store_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "n.db"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    with pytest.raises(SchemaVersionError, match="newer"):
        open_store(path)


def test_store_refuses_a_foreign_sqlite_file(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE x (y)")
    with pytest.raises(StoreError, match="not a newsdesk store"):
        open_store(path)


def test_a_store_whose_creation_fails_midway_is_left_without_a_half_made_schema(tmp_path, monkeypatch):
    from newsdesk.store import SQLiteStore

    path = tmp_path / "new.db"

    def interrupted(self):
        raise KeyboardInterrupt  # as a kill would, after the tables were created in the transaction

    monkeypatch.setattr(SQLiteStore, "_add_origin_columns", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_store(path)
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == []
    monkeypatch.undo()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_a_file_a_killed_run_created_but_never_wrote_is_empty_not_damaged(tmp_path):
    from newsdesk.doctor import check
    from newsdesk.errors import StoreUnwrittenError

    path = tmp_path / "killed.db"
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").fetchall()  # what a run does before its first write
    checkup = check(path)
    assert checkup.healthy and "empty" in checkup.notes[0]
    with pytest.raises(StoreUnwrittenError, match="holds no newsdesk data yet"):
        open_store(path, read_only=True)
    with open_store(path) as store:
        assert store.articles() == []


def test_same_document_twice_is_stored_once_with_each_place_kept(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        first, again, elsewhere = _doc("same"), _doc("same"), _doc("same", "b.txt")
        assert store.add_document(first) is True
        assert store.add_document(again) is False
        assert store.add_document(elsewhere) is False
        assert store.counts()["documents"] == 1
        assert [p.path for p in store.sources(first.digest)] == ["a.txt", "b.txt"]


def test_articles_round_trip_in_insertion_order(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        docs = [_doc(f"text {i}", f"{i}.txt") for i in range(3)]
        for doc in reversed(docs):
            store.add_document(doc)
            store.add_article(_article(doc))
        got = store.articles()
        assert [a.id for a in got] == [d.digest for d in reversed(docs)]
        assert got[0].authors == ("A",) and got[0].published == "2024-01-02"
        assert store.article(docs[0].digest).provenance.path == "0.txt"


def test_articles_after_n_skip_the_first_n_even_when_one_is_stored_again(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        docs = [_doc(f"text {i}", f"{i}.txt") for i in range(4)]
        for doc in docs:
            store.add_document(doc)
            store.add_article(_article(doc))
        store.add_article(_article(docs[1], text="Re-extracted body."))  # keeps its place
        assert [a.id for a in store.articles(after=2)] == [d.digest for d in docs[2:]]
        assert [a.id for a in store.articles(after=1)][0] == docs[1].digest
        assert store.articles(after=4) == []


def test_arrival_order_lookups_use_an_index_not_a_table_scan(tmp_path):
    # MAX(seq) runs on every stored document and article: a scan of the documents table (raw
    # pages) made ingest super-linear
    path = tmp_path / "n.db"
    open_store(path).close()
    db = sqlite3.connect(path)
    for table in ("documents", "articles", "stories"):
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN SELECT MAX(seq) FROM {table}"))
        assert f"{table}_seq" in plan, plan
    plan = " ".join(
        row[-1] for row in db.execute("EXPLAIN QUERY PLAN SELECT id FROM articles WHERE seq > 5 ORDER BY seq")
    )
    assert "articles_seq" in plan, plan
    db.close()


def test_failed_transaction_leaves_nothing_behind(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        doc = _doc("x")
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_document(doc)
                store.add_article(_article(doc))
                raise RuntimeError("killed")
        assert store.counts()["documents"] == 0 and store.counts()["articles"] == 0


def test_copies_stories_rejections_and_state_round_trip(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        a, b = _doc("one", "1.txt"), _doc("two", "2.txt")
        for doc in (a, b):
            store.add_document(doc)
            store.add_article(_article(doc))
        store.replace_copies([CopyLink(a.digest, b.digest, 0.91)])
        store.replace_stories([Story("s1", "Title", (a.digest,), "2024-01-02", "2024-01-02")])
        store.add_rejection(Rejection("bad.txt", "the file is empty", "E102"))
        store.save_state("k", b"\x00\x01")
        assert store.copies() == [CopyLink(a.digest, b.digest, 0.91)]
        assert store.stories()[0].article_ids == (a.digest,)
        assert store.rejections()[0].reason == "the file is empty"
        assert store.load_state("k") == b"\x00\x01"
        store.clear_rejection("bad.txt", None)
        assert store.rejections() == []


def test_unknown_store_scheme_is_explained(tmp_path):
    with pytest.raises(StoreError, match="unknown store scheme"):
        open_store("postgres://localhost/x")


def test_documents_for_sites_can_keep_the_oldest_pages_per_named_site(tmp_path):
    with open_store(tmp_path / "n.db") as store:
        for i, host in enumerate(["a.org", "b.org", "a.org", "a.org", "b.org"]):
            store.add_document(_doc(f"page {i}", f"{i}.html", url=f"https://{host}/{i}"))
        store.add_document(_doc("no site", "local.txt"))
        got = [d.provenance.path for d in store.documents_for_sites({"a.org", "b.org", None}, limit_per_site=2)]
        assert got == ["0.html", "1.html", "2.html", "4.html", "local.txt"]
        assert len(list(store.documents_for_sites({"a.org"}))) == 3


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_index_state_keeps_rows_and_postings_by_namespace(tmp_path, kind):
    from newsdesk.indexing import MemoryIndexState

    store = open_store(tmp_path / "s.db")
    state = store.index_state("copies") if kind == "sqlite" else MemoryIndexState()
    with store.transaction():
        state.put({"sig:a": b"\x00\x01", "sig:b": b"\x02", "link:b": b"a"})
        state.post([("band0:17", "a"), ("band0:17", "b"), ("band1:5", "b")])
    assert state.get(["sig:a", "sig:zz"]) == {"sig:a": b"\x00\x01"}
    assert list(state.items("sig:")) == [("sig:a", b"\x00\x01"), ("sig:b", b"\x02")]
    assert state.lookup(["band0:17", "band9:0"]) == {"band0:17": ["a", "b"]}
    state.unpost([("band0:17", "a")])
    state.delete(["sig:b"])
    assert state.lookup(["band0:17", "band1:5"]) == {"band0:17": ["b"], "band1:5": ["b"]}
    assert [key for key, _ in state.items()] == ["link:b", "sig:a"]
    if kind == "sqlite":
        other = store.index_state("stories")
        assert other.get(["sig:a"]) == {} and other.lookup(["band0:17"]) == {}
    state.clear()
    assert list(state.items()) == [] and state.lookup(["band1:5"]) == {}


def test_index_sizes_count_what_the_indexes_hold(tmp_path):
    store = open_store(tmp_path / "s.db")
    assert store.index_sizes() == {"rows_bytes": 0, "postings": 0}
    with store.transaction():
        store.index_state("copies").put({"sig:a": b"\x00\x01"})
        store.index_state("stories").post([("band0:1", "a"), ("band0:1", "b")])
    assert store.index_sizes() == {"rows_bytes": len("sig:a") + 2, "postings": 2}


def test_index_state_lookup_handles_more_terms_than_sqlite_binds_at_once(tmp_path):
    store = open_store(tmp_path / "s.db")
    state = store.index_state("copies")
    with store.transaction():
        state.post([(f"t{i}", f"m{i % 7}") for i in range(5000)])
    found = state.lookup([f"t{i}" for i in range(5000)])
    assert len(found) == 5000 and found["t4999"] == ["m1"]


def test_stories_and_copies_are_updated_one_at_a_time(tmp_path):
    store = open_store(tmp_path / "s.db")
    for name in "abcd":
        doc = RawDocument(Provenance(f"{name}.txt"), "text", f"text {name}", "utf-8", {})
        store.add_document(doc)
        store.add_article(Article(id=doc.digest, provenance=doc.provenance, text=f"text {name}"))
    ids = [a.id for a in store.articles()]
    store.upsert_stories([Story("s1", "One", (ids[0], ids[1]), None, None), Story("s2", "Two", (ids[2],), None, None)])
    store.upsert_stories([Story("s1", "One, grown", (ids[0], ids[1], ids[3]), None, None)])
    assert [(s.id, s.title, s.article_ids) for s in store.stories()] == [
        ("s1", "One, grown", (ids[0], ids[1], ids[3])),
        ("s2", "Two", (ids[2],)),
    ]
    store.delete_stories(["s2"])
    assert [s.id for s in store.stories()] == ["s1"]
    store.add_copies([CopyLink(ids[0], ids[1], 0.97)])
    store.add_copies([CopyLink(ids[0], ids[3], 0.91)])
    assert [(c.duplicate, c.similarity) for c in store.copies()] == sorted([(ids[1], 0.97), (ids[3], 0.91)])


def test_generation_changes_with_content_and_invalidates_a_saved_analysis(tmp_path):
    store = open_store(tmp_path / "s.db")
    doc = RawDocument(Provenance("a.txt"), "text", "some text", "utf-8", {})
    store.add_document(doc)
    first = store.generation()
    store.save_analysis("k", first, b"{}")
    assert store.load_analysis("k") == b"{}"
    store.add_document(doc)  # the same content from the same place changes nothing
    assert store.generation() == first and store.load_analysis("k") == b"{}"
    store.add_document(RawDocument(Provenance("b.txt"), "text", "some text", "utf-8", {}))  # a new place does
    assert store.generation() > first
    assert store.load_analysis("k") is None


def test_raw_document_returns_the_content_as_ingested(tmp_path):
    store = open_store(tmp_path / "s.db")
    doc = RawDocument(
        Provenance("page.html", None, "https://x.example/a"), "html", "<p>Hi</p>", "cp1252", {"title": "Hi"}
    )
    store.add_document(doc)
    raw = store.raw_document(doc.digest)
    assert (raw.content, raw.kind, raw.encoding, raw.provenance.url) == (
        "<p>Hi</p>",
        "html",
        "cp1252",
        "https://x.example/a",
    )
    assert store.raw_document("missing") is None


def test_version_1_store_is_upgraded_and_its_pickled_indexes_dropped(tmp_path):
    path = tmp_path / "old.db"
    store = open_store(path)
    doc = _doc("old text")
    store.add_document(doc)
    store.add_article(_article(doc))
    store.replace_stories([Story("s1", "Old", (doc.digest,), None, None)])
    store.save_state("indexes", b"pickled v1 state")
    store._db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    store.close()

    upgraded = open_store(path)
    assert upgraded.schema_version == SCHEMA_VERSION == 3
    assert upgraded.load_state("indexes") is None
    assert upgraded.stories() == [] and upgraded.copies() == []
    assert [a.id for a in upgraded.articles()] == [doc.digest]  # content is kept; indexes are rebuilt on ingest
