"""Metadata an HTML page declares about itself: headline, site name, authors, publication date.

Sources, most explicit first: JSON-LD (``NewsArticle``/``Article``/``BlogPosting``…), OpenGraph and
article meta tags, common publisher tags (parsely, sailthru, Dublin Core), ``itemprop``
microdata, ``<time datetime>``, ``rel=author`` links and byline elements, then ``<h1>`` and
``<title>``. Reading the page's declarations is cheaper and, on news pages, more reliable than
guessing from layout; htmldate is the fallback for dates.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterator

from .metadata import byline_authors, clean_authors, normalise_date

log = logging.getLogger(__name__)

_ARTICLE_TYPES = re.compile(r"(article|posting|report|blog|story|webpage|creativework)", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|–—:·•»]|-{1,2}|::)\s+")


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What a page declares about itself. ``kinds`` are its JSON-LD ``@type`` values
    (``OpinionNewsArticle``, ``LiveBlogPosting``…) and ``og:type``; ``section`` is the declared
    section (``article:section``, parsely/sailthru section, JSON-LD ``articleSection``)."""

    title: str | None = None
    sitename: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None
    section: str | None = None
    kinds: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "sitename": self.sitename,
            "authors": list(self.authors),
            "date": self.date,
            "section": self.section,
            "kinds": list(self.kinds),
        }


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return None


def _json_ld_objects(tree: Any) -> Iterator[dict]:
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])
                if isinstance(item.get("mainEntity"), (dict, list)):
                    stack.append(item["mainEntity"])


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v)]
    return []


def _meta(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = _text(node.get("content"))
        if key and content and key not in found:
            found[key] = content
    return found


def _first(meta: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key]
    return None


def _clean_title(title: str | None, sitename: str | None) -> str | None:
    """A ``<title>`` without the site's name appended ("Headline | Site")."""
    if not title:
        return None
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        if sitename:
            site = sitename.lower()
            parts = [p for p in parts if p.lower() != site and site not in p.lower()] or parts
        parts = sorted(parts, key=len, reverse=True)
        return parts[0]
    return title


def page_metadata(tree: Any, *, latest: str) -> PageMetadata:
    """Headline, site name, authors and publication date declared by the page ``tree``."""
    if tree is None:
        return PageMetadata()
    meta = _meta(tree)
    ld_title = ld_site = ld_date = ld_section = None
    ld_authors: list[str] = []
    declared_kinds: list[str] = []
    for item in _json_ld_objects(tree):
        kind = item.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds):
            continue
        declared_kinds += [k for k in kinds if isinstance(k, str) and k not in declared_kinds]
        section = item.get("articleSection")
        ld_section = ld_section or _text(section[0] if isinstance(section, list) and section else section)
        ld_title = ld_title or _text(item.get("headline")) or _text(item.get("name"))
        ld_date = ld_date or _text(item.get("datePublished")) or _text(item.get("dateCreated"))
        if not ld_authors:
            ld_authors = _ld_names(item.get("author")) or _ld_names(item.get("creator"))
        if not ld_site:
            names = _ld_names(item.get("publisher"))
            ld_site = names[0] if names else None

    sitename = _first(meta, "og:site_name", "application-name", "twitter:site") or ld_site
    if sitename and sitename.startswith("@"):
        sitename = ld_site or None

    title = _first(meta, "og:title", "twitter:title", "parsely-title", "sailthru.title", "headline") or ld_title
    if not title:
        h1s = [" ".join("".join(h.itertext()).split()) for h in tree.iter("h1")]
        h1s = [h for h in h1s if h]
        if len(h1s) == 1:
            title = h1s[0]
    if not title:
        node = tree.find(".//title")
        title = _text("".join(node.itertext())) if node is not None else None
    title = _clean_title(title, sitename)

    authors = clean_authors(ld_authors)
    if not authors:
        raw = _first(
            meta,
            "author",
            "article:author",
            "parsely-author",
            "sailthru.author",
            "dc.creator",
            "byl",
            "cxenseparse:author",
        )
        if raw and not raw.lower().startswith("http"):
            authors = clean_authors(raw)
    # (trafilatura's own author search finds a few more on WCXB but costs ~70 ms on a large
    # page, more than the whole extraction: it is left out to keep pages/s above trafilatura's)
    if not authors:
        authors = _byline_elements(tree)

    date = None
    for raw in (
        ld_date,
        _first(
            meta,
            "article:published_time",
            "og:published_time",
            "article.published",
            "datepublished",
            "parsely-pub-date",
            "sailthru.date",
            "pubdate",
            "publishdate",
            "publish-date",
            "dc.date",
            "dc.date.issued",
            "dcterms.created",
            "date",
        ),
    ):
        date = normalise_date(raw, latest=_as_date(latest))
        if date:
            break
    if not date:
        for node in tree.iter("time"):
            if node.get("itemprop", "").lower() in ("datepublished", "") or node.get("pubdate") is not None:
                date = normalise_date(node.get("datetime"), latest=_as_date(latest))
                if date:
                    break
    section = (
        _first(meta, "article:section", "parsely-section", "sailthru.section", "section", "category") or ld_section
    )
    og_type = meta.get("og:type")
    if og_type and og_type not in declared_kinds:
        declared_kinds.append(og_type)
    return PageMetadata(
        title=title, sitename=sitename, authors=authors, date=date, section=section, kinds=tuple(declared_kinds)
    )


def _byline_elements(tree: Any) -> tuple[str, ...]:
    """Authors from ``rel=author`` links, ``itemprop=author`` or byline/author-classed elements."""
    candidates: list[str] = []
    nodes = tree.xpath(
        "//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or contains(@class,'author')"
        " or contains(@class,'Byline') or contains(@class,'Author')]"
    )
    for node in nodes[:12]:
        text = " ".join("".join(node.itertext()).split())
        if 2 < len(text) < 80:
            candidates.append(text)
        if len(candidates) >= 6:
            break
    for text in candidates:
        names = byline_authors(text) or clean_authors(text, allow_single_word=False)
        if names:
            return names
    return ()


def _as_date(iso: str):
    import datetime as dt

    return dt.date.fromisoformat(iso)


def htmldate_fallback(tree: Any, url: str | None, latest: str) -> str | None:
    """Original publication date by htmldate (quick search), never after ``latest``."""
    try:
        from htmldate import find_date

        return find_date(tree, url=url, original_date=True, extensive_search=False, max_date=latest)
    except Exception as exc:
        log.debug("htmldate failed: %s", exc)
        return None
