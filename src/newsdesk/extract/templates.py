"""What repeats across the pages of one site: the site's template (menus, footers, widgets).

A line printed on several *different* pages of a site is strong evidence of chrome. Pages that
are near-identical (the same article scraped twice, an updated copy) are grouped first and count
once, so the article's own paragraphs, shared by its copies, are not mistaken for template.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Iterable

from ..models import RawDocument
from .lines import normalise_line, split_lines

log = logging.getLogger(__name__)

#: A line of at least this many words is "long": it counts as template only when printed on at
#: least ``LONG_LINE_MIN_PAGES`` different pages (two articles may quote the same statement).
LONG_LINE_WORDS = 25
LONG_LINE_MIN_PAGES = 3
#: Share of the smaller page's long lines that two pages must share to be copies of one article.
NEAR_DUPLICATE_CONTAINMENT = 0.5


def site_key(doc: RawDocument) -> str:
    """The site a document is grouped under: URL host or sitename, else the file's folder."""
    site = doc.site
    if site:
        return site.lower()
    return "dir:" + str(PurePath(doc.provenance.path).parent)


@dataclass(frozen=True)
class SiteTemplates:
    """Lines that repeat across distinct pages of each site (normalised keys, by site key)."""

    lines: dict[str, frozenset[str]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)  # distinct page groups seen per site

    def for_document(self, doc: RawDocument) -> frozenset[str]:
        """Template line keys of the document's site (empty when the site was not learned)."""
        return self.lines.get(site_key(doc), frozenset())

    def to_json(self) -> dict:
        return {
            "sites": {
                site: {"page_groups": self.pages.get(site, 0), "template_lines": len(keys)}
                for site, keys in sorted(self.lines.items())
            }
        }


def _page_lines(doc: RawDocument) -> list[str]:
    if doc.kind == "html":
        from .html import flatten_html

        text = flatten_html(doc.content)
    else:
        text = doc.content
    return [normalise_line(line.text) for line in split_lines(text)]


def _group_near_duplicates(long_lines: list[set[str]]) -> list[int]:
    """Union-find over pages sharing most of their long lines; returns a group id per page."""
    parent = list(range(len(long_lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owners: dict[str, list[int]] = defaultdict(list)
    for i, keys in enumerate(long_lines):
        for key in keys:
            owners[key].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for pages in owners.values():
        if len(pages) > 50:  # a footer paragraph on every page says nothing about copies
            continue
        for a in range(len(pages)):
            for b in range(a + 1, len(pages)):
                shared[(pages[a], pages[b])] += 1
    for (a, b), count in shared.items():
        smaller = min(len(long_lines[a]), len(long_lines[b]))
        if smaller and count / smaller >= NEAR_DUPLICATE_CONTAINMENT:
            parent[find(a)] = find(b)
    return [find(i) for i in range(len(long_lines))]


def learn_templates(docs: Iterable[RawDocument]) -> SiteTemplates:
    """Learn, per site, the lines printed on at least two distinct pages of that site.

    ``docs`` may mix sites and kinds; documents that cannot be read are skipped (logged).
    """
    grouped: dict[str, list[RawDocument]] = defaultdict(list)
    for doc in docs:
        grouped[site_key(doc)].append(doc)
    by_site: dict[str, list[list[str]]] = defaultdict(list)
    # a site seen once has no template to learn: skip flattening its page
    for doc in (d for site_docs in grouped.values() if len(site_docs) > 1 for d in site_docs):
        try:
            keys = [k for k in _page_lines(doc) if k]
        except Exception as exc:  # one unreadable page must not stop learning the others
            log.warning("template learning skipped %s: %s", doc.provenance.label(), exc)
            continue
        by_site[site_key(doc)].append(keys)

    lines: dict[str, frozenset[str]] = {}
    pages: dict[str, int] = {}
    for site, page_keys in by_site.items():
        long_lines = [{k for k in keys if k.count(" ") + 1 >= 12} for keys in page_keys]
        groups = _group_near_duplicates(long_lines)
        pages[site] = len(set(groups))
        if pages[site] < 2:
            continue
        seen_in: dict[str, set[int]] = defaultdict(set)
        for keys, group in zip(page_keys, groups):
            for key in set(keys):
                seen_in[key].add(group)
        template = frozenset(
            key
            for key, owners in seen_in.items()
            if len(owners) >= (LONG_LINE_MIN_PAGES if key.count(" ") + 1 >= LONG_LINE_WORDS else 2)
        )
        if template:
            lines[site] = template
            log.debug("site %s: %d template lines over %d page groups", site, len(template), pages[site])
    return SiteTemplates(lines=lines, pages=pages)
