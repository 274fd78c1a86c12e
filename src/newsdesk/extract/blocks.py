"""An HTML page as a sequence of text blocks, each with the structure around it.

A block is the text between two block-level boundaries (``<p>``, ``<div>``, ``<li>``, ``<br>``,
headings, table cells…), as a browser would lay it out: inline markup joins its text without
spaces of its own. Each block carries what the markup says about it, which the block
classifier (:mod:`.classifier`) reads next to the words themselves:

* the tag of the block element, heading level, whether it sits in a list, table, quote, figure,
  form, ``<header>``/``<footer>``/``<nav>``/``<aside>``/``<article>``/``<main>``;
* keyword groups found in the ``class``/``id``/``role``/``itemprop`` attributes of the block and
  its ancestors (content, comments, related links, navigation, sharing, ads, captions, bylines,
  subscription prompts, hidden text);
* how much of its text is link text, and the size of the container it shares with its siblings.

The same blocks flattened to lines make a page dump like the ones crawlers save
(:func:`blocks_to_text`), so dumps can be made from any HTML page for training the dump model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

#: Elements whose start and end break the text into blocks.
BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre
    section summary table tbody td tfoot th thead title tr ul br legend""".split()
)
#: Elements whose content is never text of the page.
SKIP_TAGS = frozenset(
    """script style noscript template svg iframe object embed canvas video audio map math
    textarea input picture source track meta link""".split()
)

# Keyword groups of class/id/role/itemprop values, as bit flags. A group matches a token that
# contains one of its stems (long stems) or equals one of its words (short ones).
_GROUPS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "content",
        (
            "article",
            "content",
            "entry",
            "story",
            "post-body",
            "postbody",
            "articlebody",
            "prose",
            "main",
            "text",
            "body",
            "blog",
            "richtext",
        ),
        ("post",),
    ),
    ("comment", ("comment", "repl", "discuss", "disqus", "respond", "response", "forum"), ()),
    (
        "related",
        (
            "related",
            "recommend",
            "popular",
            "trending",
            "teaser",
            "promo",
            "also",
            "readnext",
            "read-next",
            "outbrain",
            "taboola",
            "suggest",
            "more-",
            "morenews",
            "headlines",
            "latest",
            "carousel",
            "slider",
            "list",
        ),
        ("more", "feed"),
    ),
    (
        "nav",
        (
            "nav",
            "menu",
            "breadcrumb",
            "masthead",
            "topbar",
            "toolbar",
            "skip",
            "pagination",
            "pager",
            "header",
            "dropdown",
        ),
        (),
    ),
    ("footer", ("footer", "copyright", "legal", "colophon", "bottom"), ("foot",)),
    (
        "social",
        (
            "share",
            "social",
            "follow",
            "facebook",
            "twitter",
            "whatsapp",
            "linkedin",
            "pinterest",
            "print",
            "email",
            "mail",
        ),
        (),
    ),
    (
        "ad",
        (
            "advert",
            "sponsor",
            "banner",
            "dfp",
            "adslot",
            "ad-slot",
            "adunit",
            "ad-unit",
            "ad-container",
            "commercial",
            "affiliate",
            "partner",
        ),
        ("ad", "ads", "gpt"),
    ),
    ("sidebar", ("sidebar", "widget", "rail", "aside", "secondary", "column"), ("side",)),
    (
        "caption",
        ("caption", "credit", "figure", "photo", "image", "gallery", "media", "video", "img", "thumb", "picture"),
        (),
    ),
    (
        "meta",
        (
            "author",
            "byline",
            "date",
            "time",
            "meta",
            "dateline",
            "timestamp",
            "tag",
            "categor",
            "info",
            "publish",
            "updated",
            "contributor",
        ),
        ("by",),
    ),
    (
        "prompt",
        (
            "subscri",
            "newsletter",
            "signup",
            "sign-up",
            "paywall",
            "register",
            "login",
            "cta",
            "modal",
            "popup",
            "cookie",
            "consent",
            "gdpr",
            "donat",
            "membership",
            "alert",
            "notice",
        ),
        (),
    ),
    (
        "hidden",
        (
            "hidden",
            "hide",
            "sr-only",
            "visually-hidden",
            "screen-reader",
            "screenreader",
            "offscreen",
            "invisible",
            "collapse",
        ),
        (),
    ),
    ("title", ("headline", "title", "heading"), ()),
    (
        "summary",
        (
            "summary",
            "standfirst",
            "dek",
            "lede",
            "intro",
            "description",
            "subtitle",
            "subhead",
            "excerpt",
            "teaser-text",
        ),
        (),
    ),
)
GROUP_NAMES = tuple(name for name, _, _ in _GROUPS)
_GROUP_BIT = {name: 1 << i for i, name in enumerate(GROUP_NAMES)}
_TOKEN_SPLIT = re.compile(r"[\s]+")

# Structural flags (bits after the keyword groups).
_STRUCT_TAGS = {
    "article": "in_article",
    "main": "in_main",
    "nav": "in_nav",
    "header": "in_header",
    "footer": "in_footer",
    "aside": "in_aside",
    "form": "in_form",
    "li": "in_list",
    "ul": "in_list",
    "ol": "in_list",
    "dl": "in_list",
    "table": "in_table",
    "blockquote": "in_quote",
    "figure": "in_figure",
    "figcaption": "in_figure",
    "a": "in_link",
    "h1": "in_heading",
    "h2": "in_heading",
    "h3": "in_heading",
    "h4": "in_heading",
    "h5": "in_heading",
    "h6": "in_heading",
    "pre": "in_pre",
    "time": "in_time",
    "address": "in_address",
    # controls: skipping them would be wrong when a browser-tolerated unclosed <div> inside a
    # <button> makes the parser nest the rest of the page in it
    "button": "in_control",
    "select": "in_control",
    "option": "in_control",
    "label": "in_control",
}
STRUCT_NAMES = tuple(dict.fromkeys(_STRUCT_TAGS.values()))
_STRUCT_BIT = {name: 1 << (len(GROUP_NAMES) + i) for i, name in enumerate(STRUCT_NAMES)}
_TAG_BITS = {tag: _STRUCT_BIT[name] for tag, name in _STRUCT_TAGS.items()}
_ROLE_BITS = {
    "navigation": _STRUCT_BIT["in_nav"],
    "banner": _STRUCT_BIT["in_header"],
    "contentinfo": _STRUCT_BIT["in_footer"],
    "complementary": _STRUCT_BIT["in_aside"],
    "main": _STRUCT_BIT["in_main"],
    "article": _STRUCT_BIT["in_article"],
    "menu": _STRUCT_BIT["in_nav"],
    "menubar": _STRUCT_BIT["in_nav"],
    "dialog": _GROUP_BIT["prompt"],
}
FLAG_NAMES = GROUP_NAMES + STRUCT_NAMES

#: Block element kinds reported per block (the innermost block element holding the text).
BLOCK_KINDS = ("p", "li", "h", "td", "div", "dd", "quote", "caption", "title", "other")
_KIND_OF = {
    "p": "p",
    "li": "li",
    "dt": "dd",
    "dd": "dd",
    "td": "td",
    "th": "td",
    "div": "div",
    "section": "div",
    "article": "div",
    "main": "div",
    "body": "div",
    "blockquote": "quote",
    "pre": "p",
    "figcaption": "caption",
    "caption": "caption",
    "title": "title",
    "h1": "h",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
}


@dataclass(frozen=True, slots=True)
class Block:
    """One block of page text and the markup around it."""

    text: str
    kind: str  # one of BLOCK_KINDS
    heading: int  # 1-6 for <h1>-<h6>, else 0
    flags: int  # bit set over FLAG_NAMES: the block's element and all its ancestors
    own_flags: int  # bit set over GROUP_NAMES found on the block's own element and inline parents
    near_flags: int  # bit set over GROUP_NAMES found on the four innermost open elements
    link_chars: int  # characters of the text that sit inside <a>
    depth: int  # element depth of the block element
    container: int  # index of the block's container (its block-level parent), shared by siblings

    def has(self, name: str) -> bool:
        """Whether the flag ``name`` (of :data:`FLAG_NAMES`) is set on the block or an ancestor."""
        bit = _GROUP_BIT.get(name) or _STRUCT_BIT[name]
        return bool(self.flags & bit)


_TOKENS = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_token_bits: dict[str, int] = {}
_value_bits: dict[str, int] = {}


def _token_flags(token: str) -> int:
    """Keyword-group bits of one class/id token ("entry-content", "sidebar_widget")."""
    bits = _token_bits.get(token)
    if bits is None:
        bits = 0
        parts = set(re.split(r"[-_]", token))
        for name, stems, words in _GROUPS:
            if any(stem in token for stem in stems) or not parts.isdisjoint(words):
                bits |= _GROUP_BIT[name]
        if len(_token_bits) < 100_000:
            _token_bits[token] = bits
    return bits


def _attribute_flags(value: str) -> int:
    """Keyword-group bits of one class/id/itemprop value (cached: pages and sites repeat them)."""
    bits = _value_bits.get(value)
    if bits is None:
        bits = 0
        for token in _TOKENS.findall(value.lower()):
            bits |= _token_flags(token)
        if len(_value_bits) < 100_000:
            _value_bits[value] = bits
    return bits


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_GROUP_MASK = (1 << len(GROUP_NAMES)) - 1
_LINK_BIT = _STRUCT_BIT["in_link"]
_HIDDEN_BIT = _GROUP_BIT["hidden"]
_ARTICLE_BIT = _STRUCT_BIT["in_article"]
_WS = re.compile(r"\s+")


def _element_flags(items: list[tuple[str, str]]) -> int:
    """Keyword-group and role bits of one element's attributes."""
    bits = 0
    for key, value in items:
        if key == "class" or key == "id":
            if value:
                bits |= _attribute_flags(value)
        elif key == "itemprop":
            bits |= _attribute_flags(value)
            if "articlebody" in value.lower():
                bits |= _ARTICLE_BIT
        elif key == "role":
            bits |= _ROLE_BITS.get(value.strip().lower(), 0)
        elif key == "hidden" or (key == "aria-hidden" and value == "true"):
            bits |= _HIDDEN_BIT
        elif key == "style" and "none" in value or "hidden" in value and key == "style":
            if _HIDDEN_STYLE.search(value):
                bits |= _HIDDEN_BIT
    return bits


def page_blocks(tree: Any, max_blocks: int = 20_000) -> list[Block]:
    """The text blocks of a parsed page (an lxml tree, e.g. from :func:`.html.parse_html`).

    One pass over the elements; this runs on every page, so the loop is written flat.
    """
    if tree is None:
        return []
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    blocks: list[Block] = []
    # open elements, innermost last: tag, cumulative flags, own flags, block-level?, element id
    tags: list[str] = []
    flags: list[int] = []
    owns: list[int] = []
    is_block: list[bool] = []
    ids: list[int] = []
    next_id = 0
    parts: list[str] = []
    has_text = False
    link_chars = 0
    start_flags = start_own = start_near = 0
    block_tags, skip_tags, tag_bits = BLOCK_TAGS, SKIP_TAGS, _TAG_BITS

    def flush() -> None:
        text = _WS.sub(" ", "".join(parts)).strip()
        if not text or len(blocks) >= max_blocks:
            return
        tag, depth, container = "div", 0, 0
        for i in range(len(tags) - 1, -1, -1):
            if is_block[i]:
                tag, depth = tags[i], i
                for j in range(i - 1, -1, -1):
                    if is_block[j]:
                        container = ids[j]
                        break
                break
        heading = int(tag[1]) if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit() else 0
        blocks.append(
            Block(
                text,
                _KIND_OF.get(tag, "other"),
                heading,
                start_flags,
                start_own,
                start_near,
                min(link_chars, len(text)),
                depth,
                container,
            )
        )

    def first_text() -> None:
        nonlocal has_text, start_flags, start_own, start_near
        has_text = True
        start_flags = flags[-1] if flags else 0
        own = near = 0
        n = len(tags)
        for i in range(n - 1, -1, -1):
            own |= owns[i]
            if is_block[i]:
                break
        for i in range(n - 1, max(n - 5, -1), -1):
            near |= owns[i]
        start_own = own & _GROUP_MASK
        start_near = near & _GROUP_MASK

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str):  # comments, processing instructions
                continue
            tag = tag.lower()
            if tag in skip_tags:
                walker.skip_subtree()
                continue
            block = tag in block_tags
            if block and has_text:
                flush()
                parts, has_text, link_chars = [], False, 0
            elif block:
                parts = []
            items = el.items()
            own = tag_bits.get(tag, 0) | (_element_flags(items) if items else 0)
            flags.append((flags[-1] if flags else 0) | own)
            tags.append(tag)
            owns.append(own)
            is_block.append(block)
            next_id += 1
            ids.append(next_id)
            text = el.text
            if text and tag != "br":
                if not has_text and not text.isspace():
                    first_text()
                parts.append(text)
                if has_text and flags[-1] & _LINK_BIT:
                    link_chars += len(text.strip())
        else:
            if isinstance(tag, str) and tag.lower() not in skip_tags and tags:
                if is_block[-1]:
                    if has_text:
                        flush()
                    parts, has_text, link_chars = [], False, 0
                tags.pop()
                flags.pop()
                owns.pop()
                is_block.pop()
                ids.pop()
            text = el.tail
            if text:
                if not has_text and not text.isspace():
                    first_text()
                parts.append(text)
                if has_text and flags and flags[-1] & _LINK_BIT:
                    link_chars += len(text.strip())
    if has_text:
        flush()
    return blocks


def blocks_to_text(blocks: list[Block]) -> str:
    """The page as a dump: one block per line."""
    return "\n".join(b.text for b in blocks)
