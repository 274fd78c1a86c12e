"""A reader in headless Chromium: story list → story → article, search, a screenshot, hostile text."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from newsdesk.models import Article, Provenance, RawDocument, Story
from newsdesk.store import open_store


@pytest.fixture(scope="module")
def seeds_site(seed_analysis, serve):
    """The seeds store served for a reader who navigates, searches and looks.

    The server skips the later analysis stages (quotes, claims…): re-running them costs tens of
    seconds here and these tests are about navigation; tests/test_serve.py checks that story
    pages carry the report's full story section.
    """
    from newsdesk.analysis import AnalysisOptions
    from newsdesk.options import PipelineOptions
    from newsdesk.serve import ServeOptions

    document, db_path, _out = seed_analysis
    options = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
    return serve(db_path, ServeOptions(pipeline=options)), document


def _only_local(requests: list[str], base: str) -> None:
    outside = [url for url in requests if not url.startswith(base + "/")]
    assert outside == [], f"pages fetched from elsewhere: {outside}"


def test_reader_goes_from_story_list_to_story_to_article(seeds_site, browsing):
    base, document = seeds_site
    page = browsing.page
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Stories"
    assert page.locator("ol.stories > li").count() == len(document["stories"])

    story = document["stories"][0]
    page.locator("ol.stories a", has_text=story["title"][:40]).first.click()
    page.wait_for_url(re.compile(r"/stories/"))
    assert story["title"][:40] in page.locator("section h2").inner_text()
    assert page.locator('section .card[id^="article-"]').count() == len(story["articles"])

    article = next(a for a in document["articles"] if a["id"] == story["articles"][0])
    page.locator("ul.links a").first.click()
    page.wait_for_url(re.compile(r"/articles/" + article["id"]))
    first_paragraph = article["text"].split("\n\n")[0]
    assert page.locator("section.extracted .text p").first.inner_text() == first_paragraph.strip()
    raw = page.locator("pre.source").inner_text()
    assert first_paragraph[:60] in raw  # the extracted text comes from the source shown beside it
    assert page.locator("section.extracted").bounding_box()["x"] < page.locator("section.raw").bounding_box()["x"]
    _only_local(browsing.requests, base)
    assert browsing.dialogs == []


def test_reader_searches_from_the_header(seeds_site, browsing):
    base, document = seeds_site
    page = browsing.page
    page.goto(base + "/")
    page.fill("input[name=q]", "Gordian knot")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=Gordian"))
    hits = page.locator("ol.hits > li")
    assert hits.count() >= 1
    assert page.locator("ol.hits mark").count() >= 1
    hits.first.locator("a").click()
    page.wait_for_url(re.compile(r"/articles/"))
    assert "Gordian" in page.locator("section.extracted").inner_text()
    _only_local(browsing.requests, base)


def _png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the image data) of a PNG, read with the stdlib."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels))


def test_story_page_screenshot_is_a_real_picture(seeds_site, browsing, tmp_path):
    base, document = seeds_site
    page = browsing.page
    page.goto(f"{base}/stories/{document['stories'][0]['id']}")
    shot = tmp_path / "story.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    width, height, distinct = _png_size_and_colours(data)
    assert width == 1280 and height >= 600
    assert len(data) > 20_000 and distinct > 50  # text and layout, not a blank or single-colour page


def test_hostile_article_runs_no_script_in_the_browser(tmp_path, serve, browsing):
    payload = '<script>alert("xss")</script><img src="https://evil.example/x.png" onerror="alert(1)">'
    raw = RawDocument(
        Provenance("evil.html", None, "https://evil.example/a"),
        "html",
        f"<html><body><h1>{payload}</h1></body></html>",
        "utf-8",
    )
    article = Article(
        id=raw.digest, provenance=raw.provenance, text=f"Dockers strike. {payload}", title=f"Strike {payload}"
    )
    with open_store(tmp_path / "hostile.db") as store:
        store.add_document(raw)
        store.add_article(article)
        store.replace_stories([Story("story-evil", f"Strike {payload}", (raw.digest,))])
    from newsdesk.search import SearchOptions
    from newsdesk.serve import ServeOptions

    base = serve(tmp_path / "hostile.db", ServeOptions(search=SearchOptions(rerank=False)))
    page = browsing.page
    for url in ["/", "/stories/story-evil", f"/articles/{raw.digest}", "/search?q=dockers+strike"]:
        page.goto(base + url)
        assert page.locator("script").count() == 0, url
        assert page.locator("img").count() == 0, url
    assert payload in page.locator("ol.hits").inner_text()  # shown as text, literally
    page.goto(f"{base}/articles/{raw.digest}")
    assert payload in page.locator("pre.source").inner_text()
    assert browsing.dialogs == []
    _only_local(browsing.requests, base)


def test_story_timeline_shows_events_dates_unknown_and_folds_background(seed_analysis, serve, browsing, tmp_path):
    """The seeds with the timeline stage only: the reader sees the story's events with an honest
    "date unknown" and the expression as written, background and plans folded, opinion marked."""
    from newsdesk.analysis import AnalysisOptions
    from newsdesk.analysis.timeline import TimelineOptions
    from newsdesk.options import PipelineOptions
    from newsdesk.serve import ServeOptions

    document, db_path, _out = seed_analysis
    options = PipelineOptions(
        analysis=AnalysisOptions(stages=frozenset({"timeline"}), timeline=TimelineOptions(use_embeddings=False))
    )
    base = serve(db_path, ServeOptions(pipeline=options))
    story = next(s for s in document["stories"] if len(s["articles"]) > 1)
    page = browsing.page
    page.goto(f"{base}/stories/{story['id']}")
    events = page.locator("table.timeline").first
    assert events.is_visible()
    assert "date unknown" in events.locator("td.when").first.inner_text()
    assert "in an undated article" in events.inner_text()
    apart = page.locator("details.timeline-apart")
    assert not apart.locator("table").is_visible()  # folded until the reader opens it
    apart.locator("summary").click()
    assert "1939" in apart.inner_text() and "background" in apart.inner_text()
    assert page.locator(".card .type-opinion").count() >= 1  # the Responsible Statecraft op-ed
    shot = tmp_path / "timeline.png"
    events.screenshot(path=str(shot))
    width, height, distinct = _png_size_and_colours(shot.read_bytes())
    assert width > 600 and height > 100 and distinct > 20
    _only_local(browsing.requests, base)
