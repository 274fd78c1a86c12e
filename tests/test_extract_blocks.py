"""HTML pages as text blocks (the page dumps made from HTML for training the line model), and the
parser fallback for pages trafilatura's loader rejects."""

from __future__ import annotations

from newsdesk.extract import extract
from newsdesk.extract.blocks import blocks_to_text, page_blocks
from newsdesk.extract.html import parse_html, shrink_html
from newsdesk.models import Provenance, RawDocument

PARAGRAPH = (
    "The council voted on Tuesday to rebuild the harbour bridge before the winter storms arrive, officials said."
)

PAGE = f"""<html><head><title>Bridge vote</title><script>var x = "not text";</script></head><body>
<nav class="site-menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article class="entry-content"><h1>Council backs bridge</h1>
<p>{PARAGRAPH}</p><p>Residents <b>welcomed</b> the <a href="/d">decision</a>.</p></article>
<div class="related-posts"><a href="/x">Another story</a></div>
<footer>Copyright 2026</footer><div style="display:none">hidden promo</div></body></html>"""


def test_blocks_follow_block_elements_and_join_inline_markup():
    blocks = page_blocks(parse_html(shrink_html(PAGE, 1_000_000)))
    texts = [b.text for b in blocks]
    assert "Residents welcomed the decision." in texts  # inline <b>/<a> joined without breaks
    assert "not text" not in blocks_to_text(blocks)  # scripts never become text
    assert texts.index("Home") < texts.index("Council backs bridge") < texts.index(PARAGRAPH)


def test_blocks_carry_the_markup_around_them():
    blocks = {b.text: b for b in page_blocks(parse_html(shrink_html(PAGE, 1_000_000)))}
    assert blocks["Home"].has("in_nav") and blocks["Home"].has("in_list")
    assert blocks[PARAGRAPH].has("in_article") and blocks[PARAGRAPH].has("content") and blocks[PARAGRAPH].kind == "p"
    assert blocks["Council backs bridge"].heading == 1
    assert blocks["Another story"].has("related") and blocks["Another story"].link_chars == len("Another story")
    assert blocks["Copyright 2026"].has("in_footer")
    assert blocks["hidden promo"].has("hidden")


def test_page_wrapped_in_a_non_html_element_is_still_extracted():
    # CleanEval stores pages inside <text id=...>; trafilatura's loader alone rejects them
    wrapped = (
        '<text id="http://example.org/a" title="x">\n<html><body>'
        + "".join(f"<p>{PARAGRAPH} Paragraph {i}.</p>" for i in range(6))
        + "</body></html></text>"
    )
    assert parse_html(wrapped) is not None
    article = extract(RawDocument(Provenance("wrapped.html"), "html", wrapped, "utf-8"))
    assert PARAGRAPH in article.text


def test_unclosed_title_does_not_swallow_the_page():
    page = (
        "<html><head><title>Bridge vote</head><body>"
        + "".join(f"<p>{PARAGRAPH} Paragraph {i}.</p>" for i in range(6))
        + "</body></html>"
    )
    article = extract(RawDocument(Provenance("untitled.html"), "html", page, "utf-8"))
    assert article.text.count("harbour bridge") == 6
