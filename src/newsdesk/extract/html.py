"""Main text and metadata of an HTML page.

The page is stripped of scripts and styles (JSON-LD kept) and parsed once. The body comes from
trafilatura in a configurable order of modes; in ``precision`` mode trafilatura first runs
without its readability/jusText comparison (fast), and only a short result (fewer than
``escalate_below_words``) is redone with the full comparison, which recovers the pages where the
fast pass misses the article at half the cost. Its output is then cleaned with what trafilatura
does not know: paragraphs repeated on other pages of the same site (learned templates), captions,
appeals and teaser lines that survived, and the headline repeated as first paragraph.

Metadata are read from the page's own declarations (JSON-LD, OpenGraph and article meta tags,
``<time>``, bylines) by :mod:`.html_meta`, with htmldate as the date fallback.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from .patterns import CHROME_PHRASES, WORD, is_appeal, is_caption

log = logging.getLogger(__name__)

#: Modes understood in ``ExtractOptions.html_modes``, tried in order.
HTML_MODES = ("precision", "balanced", "recall", "baseline")

_SCRIPTS = re.compile(
    r"<(script|style|noscript|template|svg|iframe)\b(?![^>]*application/ld\+json)[^>]*>.*?</\1\s*>", re.I | re.S
)
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)


@dataclass(frozen=True, slots=True)
class HtmlResult:
    """Raw outcome of one HTML extraction before cleaning."""

    text: str
    mode: str


def shrink_html(html: str, max_chars: int) -> str:
    """Drop scripts (but JSON-LD), styles and comments; truncate what is still too long.

    Most of a modern page's bytes are scripts: removing them first makes parsing several
    times cheaper and keeps 10 MB pages fast, without changing the text trafilatura sees.
    """
    html = _unclosed_title(html)
    html = _drop_comments(_drop_scripts(html))
    if len(html) > max_chars:
        log.info("page of %d characters truncated to %d after removing scripts", len(html), max_chars)
        html = html[:max_chars]
    return html


_SCRIPT_OPEN = re.compile(r"<(script|style|noscript|template|svg|iframe)\b(?![^>]*application/ld\+json)[^>]*>", re.I)
_SCRIPT_CLOSE = {
    tag: re.compile(rf"</{tag}\s*>", re.I) for tag in ("script", "style", "noscript", "template", "svg", "iframe")
}


def _drop_scripts(html: str) -> str:
    """``_SCRIPTS.sub(" ", html)``, found element by element: the opening tag by regex, its end
    by a search for the closing tag (a lazy ``.*?`` with a back-reference costs a match attempt
    per character of every script, and scripts are most of a modern page's bytes)."""
    parts: list[str] = []
    kept = pos = 0
    while True:
        opening = _SCRIPT_OPEN.search(html, pos)
        if opening is None:
            break
        closing = _SCRIPT_CLOSE[opening.group(1).lower()].search(html, opening.end())
        if closing is None:  # never closed: the regex would not match here; try the next "<"
            pos = opening.start() + 1
            continue
        parts.append(html[kept : opening.start()])
        parts.append(" ")
        kept = pos = closing.end()
    if not parts:
        return html
    parts.append(html[kept:])
    return "".join(parts)


def _drop_comments(html: str) -> str:
    """``_COMMENTS.sub(" ", html)`` by string search."""
    parts: list[str] = []
    kept = 0
    while True:
        start = html.find("<!--", kept)
        if start < 0:
            break
        end = html.find("-->", start + 4)
        if end < 0:
            break
        parts.append(html[kept:start])
        parts.append(" ")
        kept = end + 3
    if not parts:
        return html
    parts.append(html[kept:])
    return "".join(parts)


def _unclosed_title(html: str) -> str:
    """Drop a ``<title>`` tag that is never closed: its raw-text content would swallow the page."""
    opening = _TITLE_OPEN.search(html, 0, 20_000)
    if opening and not _TITLE_CLOSE.search(html, opening.end()):
        return html[: opening.start()] + html[opening.end() :]
    return html


def parse_html(html: str) -> Any:
    """lxml tree of a page, or None when nothing can be parsed.

    trafilatura's loader rejects a page that does not start like HTML and parses to fewer than
    two top-level elements (CleanEval's pages are wrapped in a ``<text>`` element, some crawlers
    save bare fragments); such a page is parsed again as a plain HTML document.
    """
    from trafilatura import load_html

    try:
        tree = load_html(html)
    except Exception as exc:  # lxml raises many types on broken input
        log.debug("could not parse page: %s", exc)
        tree = None
    if tree is None and html.strip():
        import lxml.html

        try:
            tree = lxml.html.document_fromstring(html)
        except Exception as exc:  # lxml raises many types on broken input
            log.debug("could not parse page as a plain HTML document either: %s", exc)
            return None
    return tree


_BLOCK_TAGS = re.compile(
    r"<\s*/?\s*(p|div|li|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer|nav|aside|"
    r"blockquote|pre|br|hr|figure|figcaption|form|main|dd|dt|dl|option|title|button)\b[^>]*>",
    re.I,
)
_TAGS = re.compile(r"<[^>]*>")


def flatten_html(html: str, *, stripped: str | None = None) -> str:
    """Whole-page text of an HTML document, one block per line (for template learning).

    A regex pass, not a parse: template learning only needs each block's words, and this costs
    a few milliseconds on pages where a parse costs tens. ``stripped``: ``html`` already passed
    through :func:`shrink_html` (skips that pass).
    """
    import html as html_lib

    text = _BLOCK_TAGS.sub("\n", stripped if stripped is not None else shrink_html(html, 3_000_000))
    return html_lib.unescape(_TAGS.sub(" ", text))


def _trafilatura_text(tree: Any, url: str | None, mode: str, *, fast: bool) -> str:
    import trafilatura

    if mode == "baseline":
        from trafilatura import baseline

        _, text, _ = baseline(tree)
        return text or ""
    kwargs: dict[str, Any] = dict(
        # the URL only serves trafilatura's metadata and blacklists, which are not used here
        url=None,
        include_comments=False,
        include_tables=True,
        include_images=False,
        with_metadata=False,
        deduplicate=False,
        fast=fast,
    )
    if mode == "precision":
        kwargs["favor_precision"] = True
    elif mode == "recall":
        kwargs["favor_recall"] = True
    document = trafilatura.bare_extraction(tree, **kwargs)
    return (document.text if document is not None else "") or ""


def run_html(
    tree: Any, url: str | None, modes: tuple[str, ...], min_words: int, escalate_below_words: int
) -> HtmlResult | None:
    """Body text from the first mode that yields at least ``min_words`` words."""
    best: HtmlResult | None = None
    for mode in modes:
        try:
            text = _trafilatura_text(tree, url, mode, fast=True)
            words = len(WORD.findall(text))
            if mode != "baseline" and words < escalate_below_words:
                slow = _trafilatura_text(tree, url, mode, fast=False)
                if len(WORD.findall(slow)) > words:
                    text, words = slow, len(WORD.findall(slow))
        except Exception as exc:  # broken markup: try the next mode
            log.debug("trafilatura %s mode failed: %s", mode, exc)
            continue
        candidate = HtmlResult(text, mode)
        if words >= min_words:
            return candidate
        if best is None or len(text) > len(best.text):
            best = candidate
    return best


def clean_paragraphs(paragraphs: list[str], *, title: str | None, template_lines: frozenset[str]) -> list[str]:
    """Drop site-template lines, captions, appeals and the headline repeated as first paragraph."""
    from .lines import normalise_line

    title_key = normalise_line(title) if title else None
    kept = []
    for i, para in enumerate(paragraphs):
        key = normalise_line(para)
        if not key:
            continue
        n = key.count(" ") + 1
        if key in template_lines:
            continue
        if title_key and key == title_key and not kept:
            continue
        # appeals and captions are short: the long paragraphs of the article skip the regexes
        if n < 150 and is_appeal(para):
            continue
        if n < 40 and is_caption(para):
            continue
        if n < 8 and CHROME_PHRASES.search(para) and i in (0, len(paragraphs) - 1):
            continue
        kept.append(para)
    return kept
