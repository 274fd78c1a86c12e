"""Plain typed data passed between stages.

Stages take and return these dataclasses and nothing else: no stage reaches into another's
internals. Stage-specific outputs that only one later stage needs live in that stage's module;
what crosses more than one boundary lives here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

ContentKind = Literal["html", "text"]


def content_digest(text: str) -> str:
    """Stable short digest of a text, used as identity for documents and articles."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a document came from: a file, a line or record in it, and its URL when known."""

    path: str
    record: int | None = None  # 1-based line number of a JSONL record; None for whole files
    url: str | None = None

    def label(self) -> str:
        """Human-readable location, e.g. ``crawl.jsonl:12``."""
        return self.path if self.record is None else f"{self.path}:{self.record}"


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One document as ingested: decoded content plus whatever metadata the container gave.

    ``hints`` holds metadata supplied by the input itself (a JSONL record's ``title``, ``date``,
    ``source``…); extraction prefers what it finds in the content and falls back to these.
    """

    provenance: Provenance
    kind: ContentKind
    content: str
    encoding: str
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Identity of the content: the same bytes ingested twice are one document."""
        return content_digest(self.kind + "\x00" + self.content)

    @property
    def site(self) -> str | None:
        """The site a document belongs to, when the input says (URL host or source name)."""
        from urllib.parse import urlparse

        if self.provenance.url:
            host = urlparse(self.provenance.url).hostname
            if host:
                return host.removeprefix("www.")
        return self.hints.get("sitename") or None


@dataclass(frozen=True, slots=True)
class Article:
    """Clean article text with its metadata and provenance.

    ``text`` holds paragraphs separated by blank lines; the title is kept separately and is
    not repeated as the first paragraph.
    """

    id: str
    provenance: Provenance
    text: str
    title: str | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO date (YYYY-MM-DD) or None when unknown
    language: str | None = None
    extractor: str = ""  # which method produced the text, e.g. "trafilatura" or "lines"
    # where the date, the outlet and the type were read from (user, sidecar, record, metadata, url,
    # dateline, text, copy: see newsdesk.extract.origin) and how sure that source is (0–1)
    published_source: str | None = None
    published_confidence: float | None = None
    outlet_source: str | None = None
    outlet_confidence: float | None = None
    article_type: str | None = None  # report | opinion | analysis | interview | live_blog
    article_type_source: str | None = None
    article_type_confidence: float | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]

    def origin_json(self) -> dict[str, object]:
        """The fields that say where the date, outlet and type came from (for ``analysis.json``)."""
        return {
            "published_source": self.published_source,
            "published_confidence": self.published_confidence,
            "outlet_source": self.outlet_source,
            "outlet_confidence": self.outlet_confidence,
            "article_type": self.article_type,
            "article_type_source": self.article_type_source,
            "article_type_confidence": self.article_type_confidence,
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """A file or record that could not be processed, and why."""

    path: str
    reason: str
    code: str
    record: int | None = None

    def label(self) -> str:
        return self.path if self.record is None else f"{self.path}:{self.record}"


@dataclass(frozen=True, slots=True)
class CopyLink:
    """``duplicate`` is a copy of the canonical article ``canonical`` (nothing is thrown away)."""

    canonical: str
    duplicate: str
    similarity: float  # estimated Jaccard similarity of the two texts' shingles


@dataclass(frozen=True, slots=True)
class Story:
    """A group of (canonical) articles about one event."""

    id: str
    title: str
    article_ids: tuple[str, ...]
    first_published: str | None = None
    last_published: str | None = None
