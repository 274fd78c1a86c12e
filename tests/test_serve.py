"""The web UI and JSON API of `newsdesk serve`, through FastAPI's TestClient.

The seeds store is built by the real pipeline (conftest's ``seed_analysis``); the hostile store
is built by hand so that every article-derived field carries script payloads.
"""

from __future__ import annotations

import inspect
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.analysis import AnalysisOptions
from newsdesk.errors import OptionsError, StoreError
from newsdesk.models import Article, CopyLink, Provenance, RawDocument, Story
from newsdesk.options import PipelineOptions
from newsdesk.report import ReportView, esc, story_section_html
from newsdesk.search import SearchIndex, SearchOptions, fts_query
from newsdesk.serve import CONTENT_SECURITY_POLICY, ServeOptions, create_app, run
from newsdesk.store import open_store


@pytest.fixture(scope="module")
def seeds(seed_analysis):
    document, db_path, _out = seed_analysis
    app = create_app(db_path)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client, document, db_path


# --------------------------------------------------------------------------------------------
# Pages on the seeds
# --------------------------------------------------------------------------------------------


def test_story_list_links_every_story_in_report_order(seeds):
    client, document, _ = seeds
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    positions = [page.index(f'href="/stories/{story["id"]}"') for story in document["stories"]]
    assert positions == sorted(positions) and positions
    for story in document["stories"]:
        assert esc(story["title"]) in page


def test_story_page_shows_the_reports_story_section(seeds):
    client, document, _ = seeds
    view = ReportView(document)
    for number, story in enumerate(document["stories"], 1):
        page = client.get(f"/stories/{story['id']}").text
        assert story_section_html(view, story, number) in page
        for article_id in story["articles"]:
            assert f'href="/articles/{article_id}"' in page


def test_article_page_puts_extracted_text_beside_the_escaped_source(seeds, examples_dir):
    client, document, _ = seeds
    article = next(a for a in document["articles"] if a.get("title") and not a.get("duplicate_of"))
    page = client.get(f"/articles/{article['id']}").text
    seed_file = Path(article["source"]["path"])
    raw = (
        seed_file.read_text(encoding="utf-8")
        if seed_file.is_absolute()
        else (examples_dir / seed_file.name).read_text(encoding="utf-8")
    )
    extracted = page.index('class="extracted"')
    source = page.index('class="raw"')
    assert extracted < source
    first_paragraph = article["text"].split("\n\n")[0]
    assert esc(first_paragraph) in page[extracted:source]
    assert f'<pre class="source">{esc(raw)}</pre>' in page


def test_merged_copy_page_links_its_canonical_article(seeds):
    client, document, _ = seeds
    copies = [a for a in document["articles"] if a.get("duplicate_of")]
    assert copies, "the seeds hold one exact copy"
    page = client.get(f"/articles/{copies[0]['id']}").text
    assert "merged copy of" in page
    assert f'href="/articles/{copies[0]["duplicate_of"]}"' in page


def test_unknown_story_or_article_is_a_404_page(seeds):
    client, _, _ = seeds
    for url in ["/stories/nope", "/articles/nope", "/api/stories/nope", "/api/articles/nope"]:
        assert client.get(url).status_code == 404, url
    assert "Not found" in client.get("/stories/nope").text


def test_pages_send_a_policy_that_forbids_scripts_and_network(seeds):
    client, _, _ = seeds
    response = client.get("/")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    for url in ["/", "/search?q=ceasefire"]:
        parser = _Tags()
        parser.feed(client.get(url).text)
        assert not parser.scripts and not parser.external, url


# --------------------------------------------------------------------------------------------
# JSON API on the seeds
# --------------------------------------------------------------------------------------------


def test_api_stories_lists_the_analysis_stories(seeds):
    client, document, _ = seeds
    stories = client.get("/api/stories").json()
    assert [(s["id"], s["title"], s["articles"]) for s in stories] == [
        (s["id"], s["title"], s["articles"]) for s in document["stories"]
    ]
    assert all(s["outlets"] for s in stories)


def test_api_story_holds_its_articles_and_their_copies(seeds):
    client, document, _ = seeds
    story = next(s for s in document["stories"] if s["copies"])
    detail = client.get(f"/api/stories/{story['id']}").json()
    assert [m["id"] for m in detail["members"]] == story["articles"] + story["copies"]
    assert detail["members"][0]["text"] == next(
        a["text"] for a in document["articles"] if a["id"] == story["articles"][0]
    )


def test_api_article_returns_the_raw_document_it_came_from(seeds, examples_dir):
    client, document, db_path = seeds
    article = document["articles"][0]
    body = client.get(f"/api/articles/{article['id']}").json()
    assert body["text"] == article["text"]
    raw = (examples_dir / Path(article["source"]["path"]).name).read_text(encoding="utf-8")
    assert body["raw"]["content"] == raw
    assert body["raw"]["kind"] == "text"
    with open_store(db_path) as store:
        assert store.raw_document(article["id"]).content == raw


def test_openapi_document_describes_the_api_and_no_cdn_docs_page(seeds):
    client, _, _ = seeds
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}", "/api/search"} <= set(
        spec["paths"]
    )
    assert "/" not in spec["paths"]  # pages are not part of the API
    assert "SearchResults" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 404  # Swagger UI would load scripts from a CDN


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def test_search_finds_the_article_by_its_words_and_skips_merged_copies(seeds):
    client, document, _ = seeds
    body = client.get("/api/search", params={"q": "Gordian knot"}).json()
    by_id = {a["id"]: a for a in document["articles"]}
    assert body["hits"], body
    top = body["hits"][0]
    assert "Gordian" in by_id[top["id"]]["text"]
    assert all(not by_id[h["id"]]["duplicate_of"] for h in body["hits"])
    assert [h["rank"] for h in body["hits"]] == list(range(1, len(body["hits"]) + 1))
    cosines = [h["cosine"] for h in body["hits"]]
    assert cosines == sorted(cosines, reverse=True)


def test_search_page_marks_matched_words(seeds):
    client, _, _ = seeds
    page = client.get("/search", params={"q": "ceasefire"}).text
    assert "<mark>ceasefire</mark>" in page.lower()
    assert 'value="ceasefire"' in page


def test_search_survives_fts_syntax_and_empty_queries(seeds):
    client, _, _ = seeds
    for query in ['"unbalanced', "NEAR(a b", "title:x OR", "*", "-"]:
        response = client.get("/api/search", params={"q": query})
        assert response.status_code == 200, query
    assert client.get("/api/search", params={"q": "!!!"}).json()["hits"] == []
    assert client.get("/api/search").status_code == 422  # q is required
    assert client.get("/search").status_code == 200
    assert client.get("/search", params={"q": "ceasefire " * 1000}).status_code == 200  # cut, not refused


def test_fts_query_quotes_every_word():
    assert fts_query('he said "stop" NEAR(x') == '"he" OR "said" OR "stop" OR "NEAR" OR "x"'
    assert fts_query("  ...  ") is None


def _article(article_id: str, title: str, text: str) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, title=title)


def test_semantic_reranking_reorders_lexical_hits_by_meaning():
    river = _article(
        "river", "The bank", "The bank of the river. The bank eroded; the bank is muddy and the bank floods."
    )
    finance = _article(
        "finance",
        "Rates decision",
        "The Federal Reserve raised interest rates again. Credit to companies will get dearer, the bank said.",
    )
    index = SearchIndex()
    index.sync([river, finance])
    lexical = index.search("central bank lending", SearchOptions(rerank=False))
    semantic = index.search("central bank lending", SearchOptions())
    assert [h.article_id for h in lexical] == ["river", "finance"]  # "bank" four times beats once
    assert [h.article_id for h in semantic] == ["finance", "river"]  # but the query is about money
    assert semantic[0].cosine > semantic[1].cosine


def test_index_sync_adds_changes_and_removes_articles():
    index = SearchIndex()
    assert index.sync([_article("a", "Alpha", "first words"), _article("b", "Beta", "second words")]) == 2
    assert index.sync([_article("a", "Alpha", "first words"), _article("b", "Beta", "second words")]) == 0
    assert index.sync([_article("a", "Alpha", "replaced text")]) == 2  # a changed, b removed
    assert len(index) == 1
    assert [h.article_id for h in index.search("replaced", SearchOptions(rerank=False))] == ["a"]
    assert index.search("second", SearchOptions(rerank=False)) == []


def test_index_sync_of_some_ids_leaves_the_other_articles_alone():
    index = SearchIndex()
    index.sync([_article("a", "Alpha", "first words"), _article("b", "Beta", "second words")])
    # an update names the articles it touched: c is new, b became a copy (no longer searched)
    assert index.sync([_article("c", "Gamma", "third words")], only={"b", "c"}) == 2
    assert len(index) == 2
    assert [h.article_id for h in index.search("first", SearchOptions(rerank=False))] == ["a"]
    assert [h.article_id for h in index.search("third", SearchOptions(rerank=False))] == ["c"]
    assert index.search("second", SearchOptions(rerank=False)) == []


def test_index_file_keeps_articles_between_runs(tmp_path):
    articles = [_article("a", "Alpha", "first words"), _article("b", "Beta", "second words")]
    first = SearchIndex(tmp_path / "index.sqlite")
    first.sync(articles)
    first.close()
    again = SearchIndex(tmp_path / "index.sqlite")
    assert again.sync(articles) == 0
    assert [h.article_id for h in again.search("second", SearchOptions(rerank=False))] == ["b"]


def test_server_follows_the_store_while_it_runs(tmp_path):
    db = tmp_path / "live.db"
    with open_store(db) as store:
        one = _add(store, "one", "Harbour reopens", "The harbour reopened to ferries on Monday.")
        store.replace_stories([Story("s-one", "Harbour reopens", (one,))])
    with TestClient(
        create_app(db, ServeOptions(search=SearchOptions(rerank=False))), base_url="http://127.0.0.1:8765"
    ) as client:
        assert client.get("/api/search", params={"q": "glacier"}).json()["hits"] == []
        with open_store(db) as store:  # an ingest beside the running server
            two = _add(store, "two", "Glacier retreats", "The glacier retreated by forty metres this summer.")
            store.replace_stories(
                [Story("s-one", "Harbour reopens", (one,)), Story("s-two", "Glacier retreats", (two,))]
            )
        # the update runs in the background; the requests that follow see it once it is complete
        _eventually(
            lambda: [h["id"] for h in client.get("/api/search", params={"q": "glacier"}).json()["hits"]] == [two]
        )
        assert [s["id"] for s in client.get("/api/stories").json()] == ["s-one", "s-two"]


def _eventually(condition, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server never caught up with the store"
        time.sleep(0.05)


def test_server_answers_from_the_last_analysis_while_an_update_runs(tmp_path, monkeypatch):
    from newsdesk import pipeline
    from newsdesk.analysis import AnalysisOptions
    from newsdesk.options import PipelineOptions

    db = tmp_path / "live.db"
    with open_store(db) as store:
        one = _add(store, "one", "Harbour reopens", "The harbour reopened to ferries on Monday.")
        store.replace_stories([Story("s-one", "Harbour reopens", (one,))])
    real, started, release = pipeline.analysis_delta, threading.Event(), threading.Event()

    def slow_update(store, **kwargs):  # the first analysis is quick; the update takes until released
        delta = real(store, **kwargs)
        if len(delta.head.members) > 1:
            started.set()
            release.wait(60)
        return delta

    monkeypatch.setattr(pipeline, "analysis_delta", slow_update)
    options = ServeOptions(
        search=SearchOptions(rerank=False),
        pipeline=PipelineOptions(analysis=AnalysisOptions(stages=frozenset())),
        update_process=False,  # on a thread, so that the slowed update above is the one that runs
    )
    with TestClient(create_app(db, options), base_url="http://127.0.0.1:8765") as client:
        assert [s["id"] for s in client.get("/api/stories").json()] == ["s-one"]
        with open_store(db) as store:
            two = _add(store, "two", "Glacier retreats", "The glacier retreated by forty metres this summer.")
            store.replace_stories(
                [Story("s-one", "Harbour reopens", (one,)), Story("s-two", "Glacier retreats", (two,))]
            )
        try:
            assert [s["id"] for s in client.get("/api/stories").json()] == ["s-one"]  # starts the update
            assert started.wait(30)
            for path in ("/", "/api/stories", "/stories/s-one", f"/articles/{one}"):
                begun = time.perf_counter()
                response = client.get(path)
                assert response.status_code == 200 and time.perf_counter() - begun < 5, path
            assert "the analysis is being updated" in client.get("/").text
        finally:
            release.set()
        _eventually(lambda: [s["id"] for s in client.get("/api/stories").json()] == ["s-one", "s-two"])
        assert "being updated" not in client.get("/").text


def test_server_answers_while_a_child_process_analyses_the_changed_story(tmp_path, examples_dir):
    """The default update: the changed story is analysed (a spaCy parse here) in a process of its
    own while every request is answered from the last complete analysis, which says so."""
    from newsdesk import pipeline
    from newsdesk.analysis import AnalysisOptions
    from newsdesk.options import PipelineOptions

    analysis = PipelineOptions(analysis=AnalysisOptions(stages=frozenset({"entities"})))
    db = tmp_path / "live.db"
    with open_store(db) as store:
        pipeline.analyze([examples_dir / "004_f127fff658ca5af4.txt"], store=store, options=analysis)
    options = ServeOptions(search=SearchOptions(rerank=False), pipeline=analysis)
    with TestClient(create_app(db, options), base_url="http://127.0.0.1:8765") as client:
        (before,) = client.get("/api/stories").json()
        with open_store(db) as store:  # an ingest beside the running server
            pipeline.ingest([examples_dir / "000_4ec7b5f75422ebf1.txt"], store=store, options=analysis)
        client.get("/")  # starts the update
        answered = 0
        while "being updated" in (page := client.get("/").text):
            for path in ("/api/stories", f"/stories/{before['id']}", f"/articles/{before['articles'][0]}"):
                assert client.get(path).status_code == 200, path
            answered += 1
            time.sleep(0.05)
        assert answered, "the update ended before a request could see it running"
        assert "being updated" not in page
        with open_store(db) as store:
            expected = pipeline.build_analysis(store, options=analysis, save=False).to_json()
        stories = client.get("/api/stories").json()
        assert [s["id"] for s in stories] == [s["id"] for s in expected["stories"]] and len(stories) == 2
        new = next(s for s in expected["stories"] if s["id"] != before["id"])
        detail = client.get(f"/api/stories/{new['id']}").json()
        assert [m["id"] for m in detail["members"]] == new["articles"]


def test_story_list_is_paginated(tmp_path):
    db = tmp_path / "many.db"
    with open_store(db) as store:
        ids = [_add(store, f"n{i}", f"Story number {i}", f"Text number {i} about item {i}.") for i in range(5)]
        store.replace_stories([Story(f"s-{i}", f"Story number {i}", (aid,)) for i, aid in enumerate(ids)])
    options = ServeOptions(
        search=SearchOptions(rerank=False),
        pipeline=PipelineOptions(analysis=AnalysisOptions(stages=frozenset())),
        stories_per_page=2,
    )
    with TestClient(create_app(db, options), base_url="http://127.0.0.1:8765") as client:
        every = [s["id"] for s in client.get("/api/stories", params={"limit": 1000}).json()]
        assert len(every) == 5
        response = client.get("/api/stories", params={"offset": 2, "limit": 2})
        assert [s["id"] for s in response.json()] == every[2:4]
        pages = [client.get("/", params={"page": n}).text for n in (1, 2, 3)]
        for n, page in enumerate(pages):
            assert [sid for sid in every if f'href="/stories/{sid}"' in page] == every[2 * n : 2 * n + 2]
        assert "page 1 of 3" in pages[0] and 'href="/?page=2"' in pages[0] and 'href="/?page=2"' in pages[2]
        assert client.get("/", params={"page": 99}).status_code == 200


# --------------------------------------------------------------------------------------------
# Hostile input: every article-derived string carries script payloads
# --------------------------------------------------------------------------------------------

SCRIPT = '<script>alert("xss")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
ATTRIBUTE = '"><svg onload=alert(2)>'


def _add(store, name: str, title: str, text: str) -> str:
    """Store a plain-text document and its article; returns the article id (the document digest)."""
    doc = RawDocument(Provenance(f"{name}.txt"), "text", f"{title}\n\n{text}", "utf-8")
    store.add_document(doc)
    store.add_article(Article(id=doc.digest, provenance=doc.provenance, text=text, title=title))
    return doc.digest


def _hostile_store(db: Path) -> tuple[str, str, str]:
    """A store whose titles, texts, outlets, authors, URLs, story title and raw HTML carry payloads."""
    raw_html = (
        f"<html><head><title>{SCRIPT}</title></head><body><h1>{IMAGE}</h1><p>Ferry strike {SCRIPT}</p></body></html>"
    )
    doc = RawDocument(Provenance("evil.html", None, f"https://evil.example/{ATTRIBUTE}"), "html", raw_html, "utf-8")
    copy = RawDocument(Provenance("evil-copy.html", None, None), "html", raw_html + "<!-- copy -->", "utf-8")
    text = f"Ferry strike {SCRIPT} continues.\n\nWorkers {IMAGE} walked out {ATTRIBUTE} at dawn."
    with open_store(db) as store:
        for raw, title in [(doc, f"Ferry strike {SCRIPT}{IMAGE}"), (copy, f"Copy {ATTRIBUTE}")]:
            store.add_document(raw)
            store.add_article(
                Article(
                    id=raw.digest,
                    provenance=raw.provenance,
                    text=text,
                    title=title,
                    outlet=f"Outlet {IMAGE}",
                    authors=(f"Reporter {ATTRIBUTE}",),
                    published="2025-03-18",
                )
            )
        store.replace_copies([CopyLink(doc.digest, copy.digest, 0.95)])
        story_id = f"story-{ATTRIBUTE}"
        store.replace_stories([Story(story_id, f"Strike {SCRIPT}", (doc.digest,), "2025-03-18", "2025-03-18")])
    return story_id, doc.digest, copy.digest


class _Tags(HTMLParser):
    """Collects what a browser would run or fetch from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.unexpected: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(tag)
        if tag in {"img", "iframe", "object", "embed"} or (tag == "svg" and any(k.startswith("on") for k, _ in attrs)):
            self.unexpected.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in {"src", "href", "action"} and value and "://" in value:
                self.external.append(value)


def test_hostile_article_text_comes_out_escaped_on_every_page(tmp_path):
    from urllib.parse import quote

    story_id, article_id, copy_id = _hostile_store(tmp_path / "hostile.db")
    with TestClient(
        create_app(tmp_path / "hostile.db", ServeOptions(search=SearchOptions(rerank=False))),
        base_url="http://127.0.0.1:8765",
    ) as client:
        pages = {
            "list": client.get("/"),
            "story": client.get(f"/stories/{quote(story_id, safe='')}"),
            "article": client.get(f"/articles/{article_id}"),
            "copy": client.get(f"/articles/{copy_id}"),
            "search": client.get("/search", params={"q": "ferry strike alert script"}),
            "search for payload": client.get("/search", params={"q": SCRIPT + IMAGE}),
            "missing": client.get(f"/articles/{quote(SCRIPT, safe='')}"),
        }
        for name, response in pages.items():
            assert response.status_code in (200, 404), name
            parser = _Tags()
            parser.feed(response.text)
            assert parser.scripts == [] and parser.handlers == [] and parser.unexpected == [], (name, parser.__dict__)
            assert "<script" not in response.text.lower() and "onerror=alert(1)>" not in response.text, name
        for name in ["list", "story", "article", "search"]:
            assert esc(SCRIPT) in pages[name].text or esc("Strike " + SCRIPT) in pages[name].text, name
        assert "&lt;img src=x onerror=alert(1)&gt;" in pages["article"].text
        assert "<mark>" in pages["search"].text  # highlighting is ours, the payload is not
        assert esc(SCRIPT) in pages["search"].text

        hits = client.get("/api/search", params={"q": "ferry strike"}).json()["hits"]
        assert [h["id"] for h in hits] == [article_id]
        assert hits[0]["title"] == f"Ferry strike {SCRIPT}{IMAGE}"  # JSON carries the text as it is
        assert client.get(f"/api/articles/{article_id}").json()["raw"]["kind"] == "html"


# --------------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------------


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="newsdesk analyze"):
        create_app(tmp_path / "absent.db")


def test_options_reject_impossible_values():
    with pytest.raises(OptionsError, match="port"):
        run("never-opened.db", port=70000)
    with pytest.raises(OptionsError):
        ServeOptions(max_query_chars=0)
    with pytest.raises(OptionsError):
        SearchOptions(limit=0)
    with pytest.raises(OptionsError):
        SearchOptions(candidates=0)


def test_server_binds_loopback_by_default():
    assert inspect.signature(run).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(run).parameters["port"].default == 8765
