"""HTML paragraph filter (newsdesk.extract.paragraphs): features, bundled model, filtering, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.errors import OptionsError
from newsdesk.extract import ExtractOptions
from newsdesk.extract.blocks import page_blocks
from newsdesk.extract.html import parse_html, shrink_html
from newsdesk.extract.lines import FEATURE_NAMES
from newsdesk.extract.paragraphs import (
    DOM_FEATURES,
    EXTRA_FEATURES,
    align_blocks,
    bundled_paragraph_model,
    dom_features,
    filter_paragraphs,
    paragraph_features,
    uses_dom,
)

FIXTURE = Path(__file__).parent / "fixtures" / "extract" / "article_page.html"


def _blocks(html: str):
    return page_blocks(parse_html(shrink_html(html, 3_000_000)))


ARTICLE = [
    "The council voted on Tuesday to extend the coastal barrier by two kilometres, after a winter in which "
    "storm surges flooded the harbour district three times.",
    "Engineers said the extension would take eighteen months and cost about 40 million euros, most of it "
    "paid by the regional government.",
    "What the plan changes",
    "Residents of the harbour district, who had campaigned for the extension since 2019, welcomed the "
    "decision but asked for a timetable of the works.",
]


def test_features_cover_the_model_and_describe_position_and_lists():
    paras = ["Share this article", *ARTICLE, "- a list item of the article", "Related stories"]
    feats = paragraph_features(paras)
    assert set(feats[0]) == set(FEATURE_NAMES) | set(EXTRA_FEATURES)
    model = bundled_paragraph_model()
    assert model is not None
    with_page = paragraph_features(paras, blocks=_blocks(_page_of(paras)))
    assert set(model.names) <= set(with_page[0]) == set(FEATURE_NAMES) | set(EXTRA_FEATURES) | set(DOM_FEATURES)
    assert feats[0]["first"] == 1.0 and feats[-1]["last"] == 1.0
    assert feats[-2]["list_item"] == 1.0 and feats[1]["list_item"] == 0.0
    for f in feats:
        assert f["before_share"] + f["after_share"] <= 1.0
    assert feats[0]["before_share"] == 0.0 and feats[-1]["after_share"] == 0.0


def _page_of(paras: list[str]) -> str:
    """A page laid out as news sites do: share links, an ad slot, the article, a related list."""
    article = "".join(f"<h2>{p}</h2>" if len(p.split()) < 5 else f"<p>{p}</p>" for p in ARTICLE)
    return (
        '<html><body><div class="share-bar"><a href="/share">Share this article</a></div>'
        '<div class="ad-slot">Advertisement</div>'
        f'<article class="story-body">{article}</article>'
        '<aside class="related-links"><a href="/r">Related stories</a></aside></body></html>'
    )


def test_bundled_model_drops_chrome_paragraphs_and_keeps_the_article_with_its_subheading():
    model = bundled_paragraph_model()
    assert model is not None
    paras = ["Share this article", "Advertisement", *ARTICLE, "Related stories"]
    kept = filter_paragraphs(paras, model, min_words=25, blocks=_blocks(_page_of(paras)))
    assert kept == ARTICLE


def test_filter_keeps_every_paragraph_when_too_little_would_remain():
    model = bundled_paragraph_model()
    assert model is not None
    paras = ["Share this article", "Advertisement", "Related stories"]
    assert filter_paragraphs(paras, model, min_words=25) == paras
    assert filter_paragraphs([], model, min_words=25) == []


def test_defaults_read_recall_first_and_the_filter_is_opt_in():
    options = ExtractOptions()
    assert options.html_modes[0] == "recall"
    assert options.paragraph_filter is False
    assert ExtractOptions(paragraph_filter=True).paragraph_filter is True
    with pytest.raises(OptionsError):
        ExtractOptions(html_modes=())


PAGE = """<html><body>
<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav>
<div class="article-body">
<p>The council voted on <b>Tuesday</b> to extend the coastal barrier.</p>
<table><tr><td>Cost</td><td>40 million euros</td></tr></table>
<p>Engineers said the extension would take eighteen months.</p>
</div>
<div class="share-tools"><a href="/s">Share this article</a></div>
</body></html>"""


def test_paragraphs_are_found_among_the_page_blocks_they_came_from():
    blocks = _blocks(PAGE)
    texts = [b.text for b in blocks]
    paras = [
        "The council voted on Tuesday to extend the coastal barrier.",
        "| Cost | 40 million euros |",  # trafilatura's table row: two cells, two blocks
        "Engineers said the extension would take eighteen months.",
        "Share this article",
        "A paragraph that is nowhere on the page",
    ]
    spans = align_blocks(paras, blocks)
    assert [texts[i] for i in spans[0]] == ["The council voted on Tuesday to extend the coastal barrier."]
    assert [texts[i] for i in spans[1]] == ["Cost", "40 million euros"]
    assert [texts[i] for i in spans[2]] == ["Engineers said the extension would take eighteen months."]
    assert [texts[i] for i in spans[3]] == ["Share this article"]
    assert spans[4] == []


def test_dom_features_read_links_class_keywords_and_the_article_container():
    paras = [
        "Home",
        "The council voted on Tuesday to extend the coastal barrier.",
        "Engineers said the extension would take eighteen months.",
        "Share this article",
        "Not on the page at all",
    ]
    feats = dom_features(paras, _blocks(PAGE))
    assert all(set(f) == set(DOM_FEATURES) for f in feats)
    home, first, second, share, missing = feats
    assert home["link_density"] == 1.0 and home["near_nav"] == 1.0 and home["kind_li"] == 1.0
    assert first["link_density"] == 0.0 and first["kind_p"] == 1.0 and first["near_content"] == 1.0
    assert first["container_share"] == second["container_share"] > share["container_share"]
    assert share["near_social"] == 1.0 and share["link_density"] == 1.0
    assert missing["dom_found"] == 0.0 and sum(missing.values()) == 0.0
    assert first["block_position"] < second["block_position"] < share["block_position"]


def test_bundled_model_reads_the_page_and_keeps_the_article_of_a_real_layout():
    model = bundled_paragraph_model()
    assert model is not None and uses_dom(model)
    html = FIXTURE.read_text("utf-8")
    paras = [
        "Home",
        "The harbour council voted on Tuesday to build a movable flood barrier across the mouth of the old port, "
        "ending a debate that has divided the town for almost a decade.",
        "The barrier, which will cost an estimated 48 million euros, is designed to close during storm surges and "
        "stay open the rest of the year so that fishing boats and ferries can pass freely.",
        "Years of debate",
        "Supporters said the decision was overdue after three winters in which the lower town flooded, forcing "
        "shops along the quay to close for weeks while the water was pumped out.",
        "Related stories",
        "- Storm season ends early",
        "- Ferry timetable changes from May",
        "Sign up for our newsletter",
    ]
    kept = filter_paragraphs(paras, model, min_words=25, blocks=_blocks(html))
    # the article with its sub-heading; the menu, the related links and the newsletter prompt dropped
    assert kept == paras[1:5]
