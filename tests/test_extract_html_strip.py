"""Stripping scripts and comments by tag search gives exactly what the reference regexes give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.extract.html import _COMMENTS, _SCRIPTS, _drop_comments, _drop_scripts, shrink_html

CASES = [
    "<p>a</p><script>var x = '<p>not text</p>';</script><p>b</p>",
    '<script type="application/ld+json">{"@type": "NewsArticle"}</script><p>kept</p>',
    "<SCRIPT>upper</SCRIPT ><Style>.a{}</style><p>c</p>",
    "<script>never closed <p>text after</p>",
    "<svg><path d='M0'/></svg><iframe src=x></iframe><noscript>n</noscript><template>t</template>",
    "<p>x</p><!-- a comment <script>in</script> --><p>y</p><!-- unclosed",
    "<scripts>not a script tag</scripts><script>s</script>",
    "<!----><!-- -- -->",
]


@pytest.mark.parametrize("html", CASES)
def test_tag_search_equals_the_reference_regexes(html):
    assert _drop_scripts(html) == _SCRIPTS.sub(" ", html)
    assert _drop_comments(html) == _COMMENTS.sub(" ", html)


_PIECES = st.sampled_from(
    ["<script>", "</script>", "</SCRIPT >", "<style a=1>", "</style>", "<!--", "-->", "<p>", "text", " ", "<svg>",
     "</svg>", '<script type="application/ld+json">', "<", ">", "-", "</scrip", "<iframe>", "</iframe>"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=20).map("".join))
def test_tag_search_equals_the_reference_regexes_on_random_markup(html):
    assert _drop_scripts(html) == _SCRIPTS.sub(" ", html)
    assert _drop_comments(html) == _COMMENTS.sub(" ", html)


def test_shrink_keeps_json_ld_and_text():
    html = '<html><script type="application/ld+json">{"a": 1}</script><script>x()</script><p>Body</p></html>'
    shrunk = shrink_html(html, 3_000_000)
    assert "application/ld+json" in shrunk and "x()" not in shrunk and "<p>Body</p>" in shrunk
