"""Where an article comes from and what kind it is: publication date, outlet and article type,
each with the source it was read from and a confidence.

A date or an outlet is taken from the first source, in this order of precedence, that gives one:

=========  ==========================================================  ==========================
source     what                                                        confidence
=========  ==========================================================  ==========================
user       ``newsdesk ingest/analyze --date … --outlet …``             1.0
sidecar    ``page.html.json`` / ``page.meta.json`` beside the file     0.98
record     the JSONL record's or feed item's own field                 0.9
metadata   the page's declarations (JSON-LD, OpenGraph, meta tags)     0.9 (site name 0.85)
url        the URL: ``/2025/03/18/``; the host → the outlet's name      0.85 (outlet 0.85 / 0.7 / 0.5)
dateline   a "Published …" line above the article, or a dateline       0.75 (an "Updated" line 0.6)
           ("WASHINGTON, March 18, 2025 (Reuters) —")
text       cues in the page ("Dear RS readers … contribution to        0.6
           Responsible Statecraft", "in conversation with Caliber.Az")
copy       another copy of the same article that states it             the copy's × 0.9
=========  ==========================================================  ==========================

The copy source is applied after de-duplication (:func:`fill_from_copies`) and only fills gaps.
A date is never later than the crawl (or today) and never guessed: page chrome carries the dates
of *other* articles (teasers, photo credits), so a date written somewhere on the page is not the
article's date unless it stands where a publication date stands. A wrong date is worse than none.

Outlets are names, never file names: a host is named by the outlet list
(``data/extract/outlets.json``), else by the name the page itself spells for it
("responsiblestatecraft.org" → "Responsible Statecraft" when the page says so), else by the host.
A lower-case code from a record ("fox", "nyt") is not a name and yields to the URL's outlet.

The article type (report, opinion, analysis, interview, live_blog) comes from the page's
declarations (JSON-LD ``OpinionNewsArticle``/``LiveBlogPosting``…, ``article:section``), the URL
path (``/opinion/``, ``/live/``), the headline ("Opinion:", "Analysis |", "Q&A") and, failing those,
from the text (:func:`text_type`): a logistic model over transparent cues (advice modals, first
person outside quotes, reporting verbs, author bio…) trained by ``newsdesk train article_type``.

Why one module of ~870 lines: date, outlet and type are read from the same page signals in
one order of precedence (the table above); keeping them together keeps that order in one place.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import deque
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import urlparse

from ..models import Article, CopyLink, RawDocument
from ..sidecar import ARTICLE_TYPES, SIDECAR_PREFIX, USER_HINTS
from .html_meta import PageMetadata, htmldate_fallback
from .metadata import clean_authors, find_dates, normalise_date
from .patterns import WORD, is_caption

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data" / "extract"

#: Where a value can come from, in order of precedence.
SOURCES = ("user", "sidecar", "record", "metadata", "url", "dateline", "text", "copy")

CONFIDENCE = {
    "user": 1.0,
    "sidecar": 0.98,
    "record": 0.9,
    "metadata": 0.9,
    "metadata_sitename": 0.85,
    "htmldate": 0.6,
    "url_date": 0.85,
    "url_known_outlet": 0.85,
    "url_spelled_outlet": 0.7,
    "url_host": 0.5,
    "dateline": 0.75,
    "dateline_updated": 0.6,
    "dateline_agency": 0.6,
    "text": 0.6,
    "copy_factor": 0.9,
    "type_metadata": 0.9,
    "type_url": 0.85,
    "type_title": 0.85,
    "type_structure": 0.8,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One value with where it came from and how sure that source is."""

    value: str
    source: str
    confidence: float
    detail: str = ""  # e.g. the cue or meta tag that gave it


@dataclass(frozen=True, slots=True)
class Origin:
    """What :func:`resolve_origin` found; ``title``/``authors`` only when a sidecar states them."""

    published: Evidence | None = None
    outlet: Evidence | None = None
    article_type: Evidence | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()

    def apply(self, article: Article) -> Article:
        """``article`` with these values (and their sources) filled in."""
        changes: dict[str, Any] = {
            "published": self.published.value if self.published else None,
            "published_source": self.published.source if self.published else None,
            "published_confidence": round(self.published.confidence, 3) if self.published else None,
            "outlet": self.outlet.value if self.outlet else None,
            "outlet_source": self.outlet.source if self.outlet else None,
            "outlet_confidence": round(self.outlet.confidence, 3) if self.outlet else None,
            "article_type": self.article_type.value if self.article_type else None,
            "article_type_source": self.article_type.source if self.article_type else None,
            "article_type_confidence": round(self.article_type.confidence, 3) if self.article_type else None,
        }
        if self.title:
            changes["title"] = self.title
        if self.authors:
            changes["authors"] = self.authors
        return replace(article, **changes)


def _first(*candidates: Evidence | None) -> Evidence | None:
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return None


def _first_of(*sources: Callable[[], Evidence | None]) -> Evidence | None:
    """The first value a source gives, asking each source only when those before it gave none."""
    for source in sources:
        found = source()
        if found is not None:
            return found
    return None


# --- the outlet list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletList:
    by_host: Mapping[str, str]
    by_alias: Mapping[str, str]  # lower-cased name or alias → name
    agencies: frozenset[str]
    host_prefixes: tuple[str, ...]

    def name_for_host(self, host: str) -> str | None:
        host = host.lower().rstrip(".")
        labels = host.split(".")
        for start in range(len(labels) - 1):  # news.sky.com, then sky.com
            candidate = ".".join(labels[start:])
            if candidate in self.by_host:
                return self.by_host[candidate]
        return None

    def snap(self, name: str) -> str | None:
        """The listed outlet a name refers to: exact (case-insensitive) alias, or a listed name
        the string starts with ("Responsible Statecraftso", a glued word, → Responsible Statecraft)."""
        key = " ".join(name.split()).lower()
        if key in self.by_alias:
            return self.by_alias[key]
        for alias, canonical in self.by_alias.items():
            if len(alias) >= 8 and " " in alias and key.startswith(alias) and len(key) - len(alias) <= 3:
                return canonical
        return None


@lru_cache(maxsize=1)
def outlet_list() -> OutletList:
    """The bundled outlet list (``data/extract/outlets.json``)."""
    data = json.loads((DATA / "outlets.json").read_text(encoding="utf-8"))
    by_host: dict[str, str] = {}
    by_alias: dict[str, str] = {}
    for entry in data["outlets"]:
        name = entry["name"]
        for host in entry.get("hosts", []):
            by_host[host.lower()] = name
        for alias in [name, *entry.get("aliases", [])]:
            by_alias.setdefault(alias.lower(), name)
    return OutletList(
        by_host, by_alias, frozenset(a.lower() for a in data.get("agencies", [])), tuple(data.get("host_prefixes", []))
    )


def host_of(url: str | None) -> str | None:
    """The host of a URL without ``www.``; None for no URL or a URL without host."""
    if not url:
        return None
    try:
        host = urlparse(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _registrable(host: str) -> str:
    try:
        from tld import get_fld

        return get_fld(host, fix_protocol=True, fail_silently=True) or host
    except Exception:  # tld raises on odd hosts (IP addresses, bare names)
        return host


def outlet_from_host(host: str, *, page_text: str | Callable[[], str] | None = None) -> Evidence:
    """The outlet a host belongs to: the outlet list's name; else the name the page spells for the
    host (letters equal to the host's main label, e.g. "Responsible Statecraft" for
    responsiblestatecraft.org); else a hyphenated label in title case; else the host itself.
    ``page_text`` may be a function giving it (read only when the host is not listed)."""
    outlets = outlet_list()
    known = outlets.name_for_host(host)
    if known:
        return Evidence(known, "url", CONFIDENCE["url_known_outlet"], host)
    domain = _registrable(host)
    label = domain.split(".")[0]
    if callable(page_text) and len(label) >= 4:
        page_text = page_text()
    if isinstance(page_text, str) and page_text and len(label) >= 4:
        spelled = _spelled_in_page(label, domain, page_text)
        if spelled:
            return Evidence(spelled, "url", CONFIDENCE["url_spelled_outlet"], host)
    if "-" in label and len(label) > 4:
        return Evidence(
            " ".join(part.capitalize() for part in label.split("-") if part), "url", CONFIDENCE["url_host"], host
        )
    return Evidence(domain, "url", CONFIDENCE["url_host"], host)


_NON_ALNUM = re.compile(r"[^a-z0-9]")
_CAPITALISED_RUN = re.compile(r"\b(?:The\s+)?[A-Z][\w&'’]*(?:[ .][A-Z][\w&'’]*){0,4}")


def _spelled_in_page(label: str, domain: str, page_text: str) -> str | None:
    """A capitalised name in the page whose letters are the host's label ("Caliber.Az" for
    caliber.az, "The Kyiv Independent" for kyivindependent.com)."""
    target = re.sub(r"[^a-z0-9]", "", label.lower())
    whole = re.sub(r"[^a-z0-9]", "", domain.lower())
    page_text = page_text[:200_000]
    # a candidate's letters are a contiguous stretch of the page's letters: when the label's
    # letters are nowhere in the page, no capitalised run can spell it (most pages: one pass)
    if not target or target not in _NON_ALNUM.sub("", page_text.lower()):
        return None
    counts: dict[str, int] = {}
    for match in _CAPITALISED_RUN.finditer(page_text):
        if target not in _NON_ALNUM.sub("", match.group(0).lower()):
            continue  # every candidate below spells a stretch of this run's letters
        words = match.group(0).split()
        # every contiguous sub-run, so that "Donate To Responsible Statecraft Today" still finds it
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                candidate = " ".join(words[i:j])
                letters = re.sub(r"[^a-z0-9]", "", candidate.lower())
                bare = letters[3:] if candidate.lower().startswith("the ") else letters
                if (letters in (target, whole) or bare in (target, whole)) and (j - i > 1 or "." in candidate):
                    counts[candidate] = counts.get(candidate, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], len(c)))


_QUALIFIER = re.compile(r"\s*\((?:online(?: news)?|news|opinion|online news|print|blog|oan|tv|radio)\)\s*$", re.I)
_TAGLINE = re.compile(r"\s+(?:[|–—:·•»]|-{1,2})\s+")


def clean_outlet_name(raw: str | None) -> str | None:
    """An outlet name as a reader knows it: "CNN (Online News)" → "CNN", "The New York Times -
    Breaking News, US News…" → "The New York Times", a host → its outlet; None for no name."""
    if not raw or not isinstance(raw, str):
        return None
    name = " ".join(raw.split()).strip(" -|:")
    if not name or len(name) > 200:
        return None
    name = _QUALIFIER.sub("", name)
    parts = _TAGLINE.split(name)
    if len(parts) > 1 and 1 < len(parts[0]) <= 60:
        name = parts[0]
    if re.fullmatch(r"[\w-]+(\.[\w-]+)+", name) and "." in name:  # a host, not a name
        known = outlet_list().name_for_host(name.lower().removeprefix("www."))
        if known:
            return known
    snapped = outlet_list().snap(name)
    return snapped or (name if len(name) <= 80 else None)


def _looks_like_code(name: str) -> bool:
    """A lower-case token such as "fox" or "nyt": a record's code for an outlet, not its name."""
    return bool(re.fullmatch(r"[a-z0-9_]{2,12}", name))


# --- outlet cues in the text ------------------------------------------------------------------

_NAME = r"(?P<name>(?:The\s+)?[A-Z][\w&'’-]*(?:\.[A-Z][\w-]*)?(?:\s+[A-Z][\w&'’-]*){0,4})"
#: Phrases in which a page names its own outlet. "X told CNN" is not among them: outlets quote
#: each other's interviews that way (validated in docs/benchmarks/timeline.md).
_OUTLET_CUES = (
    ("appeal", re.compile(r"\b(?:contribution|donation|gift)s?\s+to\s+" + _NAME)),
    (
        "appeal",
        re.compile(
            r"\b(?:support|donate\s+to|subscribe\s+to|become\s+a\s+member\s+of)\s+"
            + _NAME
            + r"(?=\s*(?:so\b|to\b|and\b|today\b|now\b|[.,;!]))"
        ),
    ),
    (
        "conversation",
        re.compile(r"\bin\s+(?:an?\s+)?(?:exclusive\s+)?(?:conversation|comments?|remarks)\s+(?:with|to)\s+" + _NAME),
    ),
    (
        "conversation",
        re.compile(r"\b(?:speaking|talking)\s+(?:exclusively\s+)?(?:to|with)\s+" + _NAME + r"(?=\s*[,.;])"),
    ),
    ("exclusive", re.compile(r"\b(?:told|said\s+to)\s+" + _NAME + r"\s+exclusively\b")),
    ("exclusive", re.compile(r"\bexclusively\s+told\s+" + _NAME)),
    ("copyright", re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*[-–]?\s*)?(?:\d{4}\s+)?" + _NAME, re.I)),
)
#: Words one of which each cue above needs (lower-cased), so that a page without them skips its regex.
_OUTLET_CUE_WORDS = (
    ("contribution", "donation", "gift"),
    ("support", "donate", "subscribe", "become"),
    ("conversation", "comment", "remark"),
    ("speaking", "talking"),
    ("exclusively",),  # "told X exclusively"
    ("exclusively",),
    ("©", "(c)", "copyright"),
)
_NOT_A_NAME = re.compile(
    r"^(?:The\s+)?(?:Our|Us|Me|This|These|Those|All|Rights|Reserved|Newsletter|Journalism|Inc|Ltd|News|Media|Press|Today|Now|It|Them|Him|Her|Dear|Independent Journalism)$",
    re.I,
)
_DEAR_ABBR = re.compile(r"\bDear\s+(?P<abbr>[A-Z]{2,6})\s+(?:readers|subscribers|members|friends)\b")


def _domainish(name: str) -> bool:
    return bool(re.search(r"\.[A-Za-z]{2,4}$", name))


def outlet_from_text(text: str) -> Evidence | None:
    """The outlet a page names as its own, from cues that only the outlet itself writes.

    A name counts when it is a listed outlet, looks like a web outlet ("Caliber.Az"), or is
    backed by a second cue (an appeal whose initials match "Dear RS readers"). "X told CNN" or
    "in an interview with CNN" name the outlet that got the interview, which is often not this one.
    """
    outlets = outlet_list()
    abbreviations = {m.group("abbr") for m in _DEAR_ABBR.finditer(text)}
    found: list[tuple[float, str, str]] = []
    folded = text.lower()
    for (kind, pattern), keywords in zip(_OUTLET_CUES, _OUTLET_CUE_WORDS):
        if not any(word in folded for word in keywords):
            continue  # the cue's own words are not in the page: its regex cannot match
        for match in pattern.finditer(text):
            raw = next((g for g in match.groups() if g), None)
            if not raw:
                continue
            raw = raw.strip(" .,'’")
            if _NOT_A_NAME.match(raw):
                continue
            if kind == "copyright" and re.match(
                r"^(?:The\s+)?(?:Associated Press|AP|Reuters|AFP|Getty|Shutterstock|EPA)\b", raw, re.I
            ):
                continue  # the wire's copyright on a syndicated story or photo, not the page's own
            known = outlets.snap(raw)
            initials = "".join(w[0] for w in re.split(r"[\s.]+", re.sub(r"^The\s+", "", known or raw)) if w)
            backed = initials.upper() in abbreviations
            if known or backed or (_domainish(raw) and kind in ("conversation", "exclusive", "appeal")):
                score = 0.6 + (0.1 if backed else 0.0) + (0.05 if known else 0.0)
                found.append((score, known or raw, f"{kind}: {match.group(0)[:80]}"))
    if not found:
        return None
    score, name, detail = max(found, key=lambda f: f[0])
    return Evidence(name, "text", min(score, 0.75), detail)


# --- dates from the URL, datelines and text --------------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?=/|$|[-_.])"),
    re.compile(r"[/_-](?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?=/|$|[-_.])"),
    re.compile(
        r"/(?P<y>(?:19|20)\d\d)/(?P<mon>" + "|".join(_MONTH_NAMES) + r")[a-z]*/(?P<d>0?[1-9]|[12]\d|3[01])(?=/|$)", re.I
    ),
    re.compile(r"/(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?=/)"),
)


def date_from_url(url: str | None, *, latest: dt.date) -> Evidence | None:
    """A publication day written in the URL's path (``/2025/03/18/``, ``/2025-03-18-slug``,
    ``/2025/mar/18/``, ``/20250318/``); month-only paths (``/2025/03/``) are not a day."""
    if not url:
        return None
    try:
        path = urlparse(url.strip()).path
    except ValueError:
        return None
    for pattern in _URL_DATES:
        match = pattern.search(path)
        if not match:
            continue
        parts = match.groupdict()
        month = _MONTH_NAMES.index(parts["mon"][:3].lower()) + 1 if parts.get("mon") else int(parts["m"])
        try:
            day = dt.date(int(parts["y"]), month, int(parts["d"]))
        except ValueError:
            continue
        if dt.date(1990, 1, 1) <= day <= latest:
            return Evidence(day.isoformat(), "url", CONFIDENCE["url_date"], match.group(0))
    return None


_LINE_LABEL = re.compile(
    r"(?:^|[|•·,–—-]\s*)\W*(?P<label>first\s+published|published|posted|last\s+updated|updated|last\s+modified|modified|date|dated|released)\b\s*(?:on|at)?\s*:?\s*",
    re.I,
)
_DATE_RESIDUE = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?|\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)?|"
    r"\b(?:a\.m\.|p\.m\.|am|pm)\b|\b(?:[A-Z]{1,2}[SDE]T|GMT|UTC|BST|CET|CEST|MSK|IST)\b|\bat\b|\bon\b|\bat\b|[|•·,–—:/()\-]",
    re.I,
)
_DATELINE_START = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][\w. ]{1,20})?)?\s*,?\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4})"
    r"\s*(?:\((?P<agency>[A-Za-z .&-]{2,30})\))?\s*[-–—:]"
)
_AGENCY_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][\w. ]{1,20})?\s*(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?\((?P<agency>[A-Za-z .&-]{2,30})\)\s*[-–—]"
)


def dateline_date(lines: Sequence[str], *, latest: dt.date, first_paragraph: str | None = None) -> Evidence | None:
    """The date of a "Published …" line or a bare date line above the article (lines of the page
    between its headline and its first paragraph), or of a dateline opening the first paragraph.

    A line counts only when the date is nearly all of it (a label, weekday, time, time zone, a
    byline or separators may surround it): a teaser, caption or sentence that mentions a date is
    not a publication date. "Published" lines win over "Updated" ones.
    """
    published: Evidence | None = None
    updated: Evidence | None = None
    for line in lines:
        text = " ".join(line.split())
        if not text or len(text) > 160 or is_caption(text):
            continue
        found = find_dates(text, latest=latest)
        if not found:
            continue
        start, end, iso = found[0]
        label_match = _LINE_LABEL.search(text[:start])
        label = label_match.group("label").lower() if label_match else ""
        residue = text[:start] + " " + text[end:]
        if label_match:
            residue = residue.replace(label_match.group(0), " ", 1)
        residue = re.sub(r"\b[Bb][Yy]\s+([A-Z][\w.'’-]*\s*){1,4}", " ", residue)  # "By Jane Doe | March 18, 2025"
        residue = _DATE_RESIDUE.sub(" ", residue)
        extra_words = len(WORD.findall(residue))
        if extra_words > (4 if label else 2):
            continue
        if "updat" in label or "modif" in label:
            updated = updated or Evidence(iso, "dateline", CONFIDENCE["dateline_updated"], text[:80])
        else:
            published = published or Evidence(iso, "dateline", CONFIDENCE["dateline"], text[:80])
    if published is None and first_paragraph:
        match = _DATELINE_START.match(first_paragraph.strip())
        if match:
            found = find_dates(match.group("date"), latest=latest)
            if found:
                published = Evidence(found[0][2], "dateline", CONFIDENCE["dateline"], match.group(0)[:80])
    return published or updated


_TODAY_DATE = re.compile(
    r"\btoday\s*(?:\(\s*)?,?\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4})",
    re.I,
)


def date_from_text(text: str, *, latest: dt.date) -> Evidence | None:
    """A publication day the text itself states: "today, March 18, 2025" outside quotations."""
    for match in _TODAY_DATE.finditer(text[:5000]):
        if _inside_quote(text, match.start()):
            continue
        found = find_dates(match.group("date"), latest=latest)
        if found:
            return Evidence(found[0][2], "text", CONFIDENCE["text"], match.group(0)[:80])
    return None


def agency_from_dateline(first_paragraph: str | None) -> Evidence | None:
    """The agency of a wire dateline ("WASHINGTON (Reuters) —"): the story's source outlet."""
    if not first_paragraph:
        return None
    match = _AGENCY_DATELINE.match(first_paragraph.strip()) or _DATELINE_START.match(first_paragraph.strip())
    if not match or not match.groupdict().get("agency"):
        return None
    agency = match.group("agency").strip()
    if agency.lower() not in outlet_list().agencies:
        return None
    return Evidence(
        outlet_list().snap(agency) or agency, "dateline", CONFIDENCE["dateline_agency"], match.group(0)[:80]
    )


_QUOTE_SPANS = re.compile(r"“[^”]{0,2000}”|\"[^\"\n]{0,2000}\"")


def _inside_quote(text: str, position: int) -> bool:
    for match in _QUOTE_SPANS.finditer(text, max(0, position - 2000), min(len(text), position + 2000)):
        if match.start() < position < match.end():
            return True
    return False


# --- article type ------------------------------------------------------------------------------------

_KIND_TYPES = (
    (re.compile(r"opinion|editorial|reviewnewsarticle", re.I), "opinion"),
    (re.compile(r"liveblog", re.I), "live_blog"),
    (re.compile(r"analysis|background", re.I), "analysis"),
)
_SECTION_TYPES = (
    (
        re.compile(
            r"^(?:opinions?|op-?eds?|commentary|comment|editorials?|columns?|columnists?|letters?|views|perspectives?|voices|ideas)\b",
            re.I,
        ),
        "opinion",
    ),
    (re.compile(r"\blive\b", re.I), "live_blog"),
    (re.compile(r"^(?:analysis|news analysis|explainers?|in depth|insight)\b", re.I), "analysis"),
    (re.compile(r"^(?:interviews?|q\s*&\s*a)\b", re.I), "interview"),
)
_URL_TYPES = (
    (
        re.compile(
            r"/(?:opinions?|op-?eds?|commentary|editorials?|columns?|columnists?|letters|blogs?/opinion|perspectives?|voices)(?:/|-|$)",
            re.I,
        ),
        "opinion",
    ),
    (
        re.compile(
            r"/(?:live-news|liveblog|live-blog|live-updates?)(?:/|-|$)|[/-]live-(?:updates?|blog|coverage)\b|/live/\d{4}/",
            re.I,
        ),
        "live_blog",
    ),
    (re.compile(r"/(?:analysis|news-analysis|explainers?)(?:/|$)", re.I), "analysis"),
    (re.compile(r"/(?:interviews?|q-and-a|qa)(?:/|$)", re.I), "interview"),
)
_TITLE_TYPES = (
    (
        re.compile(
            r"^\s*(?:opinion|op-?ed|commentary|editorial|column|view(?:point)?|perspective)\s*[:|–—-]|[|–—-]\s*(?:opinion|op-?ed|commentary)\s*$",
            re.I,
        ),
        "opinion",
    ),
    (
        re.compile(
            r"^\s*(?:live|live updates|live blog)\s*[:|–—-]|\blive(?:\s+updates|\s+blog)?\s*:|\bas it happened\b|^\s*live\b",
            re.I,
        ),
        "live_blog",
    ),
    (re.compile(r"^\s*(?:analysis|news analysis|explainer)\s*[:|–—-]", re.I), "analysis"),
    (
        re.compile(r"^\s*(?:interview|q\s*&\s*a)\s*[:|–—-]|\bq\s*&\s*a\b|\b(?:an\s+)?interview\s+with\b", re.I),
        "interview",
    ),
)
_QA_LINE = re.compile(r"^\s*(?:Q|Question|A|Answer)\s*[:.\-–—]\s+\S|^\s*\*\*?Q\b", re.I)
_TIMESTAMP_LINE = re.compile(
    r"^\s*(?:\d{1,2}[:.]\d{2}\s*(?:a\.?m\.?|p\.?m\.?)?\s*(?:[A-Z]{2,4}T|GMT|UTC|BST|CET|ET|PT)?|\d{1,2}\s*(?:min|mins|minutes|h|hr|hours?)\s+ago)\s*(?:$|[-–—:|])",
    re.I,
)


def type_from_declarations(page: PageMetadata | None) -> Evidence | None:
    """A type the page declares: JSON-LD ``@type``, ``og:type`` or ``article:section``."""
    if page is None:
        return None
    for kind in page.kinds:
        for pattern, label in _KIND_TYPES:
            if pattern.search(kind):
                return Evidence(label, "metadata", CONFIDENCE["type_metadata"], f"@type {kind}")
    if page.section:
        for pattern, label in _SECTION_TYPES:
            if pattern.search(page.section.strip()):
                return Evidence(label, "metadata", CONFIDENCE["type_metadata"], f"section {page.section}")
    return None


def type_from_url(url: str | None) -> Evidence | None:
    """A type the URL's path states (``/opinion/``, ``/live/``, ``/analysis/``, ``/interview/``)."""
    if not url:
        return None
    try:
        path = urlparse(url.strip()).path
    except ValueError:
        return None
    for pattern, label in _URL_TYPES:
        match = pattern.search(path)
        if match:
            return Evidence(label, "url", CONFIDENCE["type_url"], match.group(0))
    return None


def type_from_title(title: str | None) -> Evidence | None:
    """A type the headline states ("Opinion: …", "Analysis | …", "LIVE: …", "Q&A: …")."""
    if not title:
        return None
    for pattern, label in _TITLE_TYPES:
        match = pattern.search(title)
        if match:
            return Evidence(label, "text", CONFIDENCE["type_title"], f"headline {match.group(0).strip()}")
    return None


def type_from_structure(text: str) -> Evidence | None:
    """A live blog (paragraphs opening with timestamps) or an interview (Q/A paragraphs)."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) < 4:
        return None
    stamps = sum(1 for p in paragraphs if _TIMESTAMP_LINE.match(p))
    if stamps >= 3 and stamps / len(paragraphs) >= 0.08:
        return Evidence("live_blog", "text", CONFIDENCE["type_structure"], f"{stamps} timestamped entries")
    qa = sum(1 for p in paragraphs if _QA_LINE.match(p))
    if qa >= 4 and qa / len(paragraphs) >= 0.2:
        return Evidence("interview", "text", CONFIDENCE["type_structure"], f"{qa} Q/A paragraphs")
    return None


# the text model: transparent cue rates, weighed by a logistic model trained on labelled coverage
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_ADVICE = re.compile(
    r"\b(?:should|shouldn['’]t|must|mustn['’]t|ought\s+to|needs?\s+to|has\s+to|have\s+to|had\s+better)\b", re.I
)
_FIRST_SINGULAR = re.compile(r"\b(?:I|me|my|mine|myself|I['’]m|I['’]ve|I['’]d|I['’]ll)\b")
_FIRST_PLURAL = re.compile(r"\b(?:we|us|our|ours|ourselves|we['’]re|we['’]ve|let['’]s)\b", re.I)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself)\b", re.I)
_REPORTING = re.compile(
    r"\b(?:said|says|told|according\s+to|announced|stated|reported|confirmed|added|spokes(?:man|woman|person))\b", re.I
)
_EVALUATIVE = re.compile(
    r"\b(?:mistake|wrong|absurd|foolish|disgrace(?:ful)?|shameful|ridiculous|outrageous|clearly|obviously|of\s+course|"
    r"surely|indeed|frankly|in\s+fact|the\s+truth\s+is|nonsense|hypocri\w+|reckless|naive|dangerous|worthy|wise|unwise|"
    r"ought|deserves?|fail(?:s|ed)?\s+to|betray\w*)\b",
    re.I,
)
_BIO = re.compile(
    r"(?:^|\n)\s*(?:[A-Z][\w.'’-]+\s+){1,4}(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}"
    r"(?:professor|fellow|director|columnist|contributor|contributing|author|writer|editor|president|chair|founder|analyst|"
    r"lecturer|researcher|scholar|former|co-?founder|ceo|partner|member)\b|\bthe\s+views\s+expressed\b|\bopinions?\s+expressed\b",
    re.I,
)
#: Advice the author gives someone named ("Trump should focus…", "Washington must…", "He needs to…").
_DIRECTED_ADVICE = re.compile(
    r"(?:^\s*|[,;:]\s+|[.!?]\s+)(?:[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,3}|[Hh]e|[Ss]he|[Tt]hey|[Ww]e|[Ii]t|[Tt]he\s+[\w-]+(?:\s+[\w-]+)?|(?:[Tt]his|[Tt]hat)(?:\s+[a-z]+)?)"
    r"\s+(?:should|must|ought\s+to|needs?\s+to)\s+(?!have\s+been|be\s+(?:allowed|given|able))",
    re.M,
)
_ADVICE_FOLDED, _FIRST_PLURAL_FOLDED, _SECOND_PERSON_FOLDED, _REPORTING_FOLDED, _EVALUATIVE_FOLDED = (
    re.compile(pattern.pattern) for pattern in (_ADVICE, _FIRST_PLURAL, _SECOND_PERSON, _REPORTING, _EVALUATIVE)
)
_DIRECTED_MODAL = re.compile(r"\b(?:should|must|ought|needs?)\s")
_REPORTED_ADVICE = re.compile(
    r"\b(?:asked|asks|urged|urges|argued|argues|insisted|insists|stressed|warned|warns|believes?|believed|wrote|writes|"
    r"called\s+for|whether|if|demanded|demands|suggested|suggests|noted|added|contends?|maintains?)\b",
    re.I,
)
_DATE_WORDS = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|last\s+week)\b"
)

TYPE_FEATURES = (
    "advice", "directed_advice", "directed_advice_count", "first_singular", "first_plural", "second_person",
    "reporting", "quote_share", "questions", "evaluative", "bio", "date_words", "title_question", "title_how_why",
)  # fmt: skip


def _outside_quotes(text: str) -> tuple[str, float]:
    """The text with quotations blanked out, and the share of characters they held."""
    inside = 0

    def blank(match: re.Match) -> str:
        nonlocal inside
        inside += len(match.group(0))
        return " " * len(match.group(0))

    stripped = _QUOTE_SPANS.sub(blank, text)
    return stripped, inside / max(1, len(text))


def type_features(text: str, title: str | None = None) -> dict[str, float]:
    """The cue rates the text model weighs (per sentence or per 100 words, outside quotations)."""
    own, quote_share = _outside_quotes(text)
    # the case-insensitive cue lists are all lower-case words: counted on the lower-cased text
    # without re.I, which Python's regex engine scans about three times faster
    folded = own.lower()
    all_sentences = _SENTENCE.findall(own)
    sentences = max(1, len([s for s in all_sentences if len(s.split()) >= 3]))
    words = max(1, len(WORD.findall(own)))
    questions = sum(1 for s in all_sentences if s.strip().endswith("?"))
    heading = title or ""
    # advice the author gives in their own voice: not in a sentence that reports someone's words
    # ("Schumer said Mr. Trump should cancel…", "asked whether he should…"); every directed
    # advice holds an advice modal, so only the few sentences with one are searched
    directed = sum(
        len(_DIRECTED_ADVICE.findall(sentence))
        for sentence in all_sentences
        if _DIRECTED_MODAL.search(sentence)
        and not _REPORTING.search(sentence)
        and not _REPORTED_ADVICE.search(sentence)
    )
    return {
        "advice": len(_ADVICE_FOLDED.findall(folded)) / sentences,
        "directed_advice": directed / sentences,
        "directed_advice_count": float(min(5, directed)),
        "first_singular": 100 * len(_FIRST_SINGULAR.findall(own)) / words,
        "first_plural": 100 * len(_FIRST_PLURAL_FOLDED.findall(folded)) / words,
        "second_person": 100 * len(_SECOND_PERSON_FOLDED.findall(folded)) / words,
        "reporting": len(_REPORTING_FOLDED.findall(folded)) / sentences,
        "quote_share": quote_share,
        "questions": questions / sentences,
        "evaluative": len(_EVALUATIVE_FOLDED.findall(folded)) / sentences,
        "bio": 1.0 if _BIO.search(text[-1500:]) else 0.0,
        "date_words": len(_DATE_WORDS.findall(own)) / sentences,
        "title_question": 1.0 if heading.strip().endswith("?") else 0.0,
        "title_how_why": 1.0
        if re.match(r"^\s*(?:why|how|what|the\s+case\s+(?:for|against)|in\s+defen[cs]e\s+of)\b", heading, re.I)
        or re.search(r"\bshould\b|\bmust\b", heading, re.I)
        else 0.0,
    }


#: The text rule: advice the author gives in their own voice, several times, in a text that reports
#: little; or an author's bio line with advice. Chosen for precision on known reports (Reuters-21578,
#: BASIL, AllSides news): see ``newsdesk bench article_type`` and docs/benchmarks/timeline.md.
OPINION_MIN_DIRECTED_ADVICE = 2
OPINION_MAX_REPORTING = 0.15


def text_type(text: str, title: str | None = None) -> Evidence:
    """Opinion when the text gives advice in its own voice (:func:`type_features`), else report.

    A report is the default, with a modest confidence: most news is reporting, and an op-ed that
    gives no explicit advice is not told apart from the text alone.
    """
    # the same cue rates as type_features, computed only as far as the rule needs them (this
    # runs on every article; the other rates serve the benchmark's model)
    own, _ = _outside_quotes(text)
    all_sentences = _SENTENCE.findall(own)
    directed = min(
        5,
        sum(
            len(_DIRECTED_ADVICE.findall(sentence))
            for sentence in all_sentences
            if _DIRECTED_MODAL.search(sentence)
            and not _REPORTING.search(sentence)
            and not _REPORTED_ADVICE.search(sentence)
        ),
    )
    bio = _BIO.search(text[-1500:]) is not None
    if directed < OPINION_MIN_DIRECTED_ADVICE and not bio:
        return Evidence("report", "text", 0.5, "no opinion cue")
    folded = own.lower()
    sentences = max(1, len([s for s in all_sentences if len(s.split()) >= 3]))
    if (
        directed >= OPINION_MIN_DIRECTED_ADVICE
        and len(_REPORTING_FOLDED.findall(folded)) / sentences < OPINION_MAX_REPORTING
    ):
        return Evidence("opinion", "text", 0.7, f"{directed} pieces of advice in the author's voice")
    if bio and len(_ADVICE_FOLDED.findall(folded)) / sentences >= 0.1:
        return Evidence("opinion", "text", 0.7, "author's bio line and advice")
    return Evidence("report", "text", 0.5, "no opinion cue")


def article_type(
    *, page: PageMetadata | None, url: str | None, title: str | None, text: str, hints: Mapping[str, str]
) -> Evidence:
    """The article's type, from the most explicit source that states one (see module doc)."""
    sidecar = hints.get(SIDECAR_PREFIX + "type")
    if sidecar and sidecar in ARTICLE_TYPES:
        return Evidence(sidecar, "sidecar", CONFIDENCE["sidecar"], "sidecar type")
    record = hints.get("section")
    if record:
        for pattern, label in _SECTION_TYPES:
            if pattern.search(record.strip()):
                return Evidence(label, "record", CONFIDENCE["record"], f"section {record}")
    site = hints.get("sitename") or ""
    if re.search(r"\(opinion\)\s*$", site, re.I):
        return Evidence("opinion", "record", CONFIDENCE["record"], f"source {site}")
    return _first(
        type_from_declarations(page),
        type_from_url(url),
        type_from_title(title),
        type_from_structure(text),
    ) or text_type(text, title)


# --- putting it together ---------------------------------------------------------------------------


def _hint_date(hints: Mapping[str, str], key: str, source: str, latest: dt.date | None) -> Evidence | None:
    value = hints.get(key)
    if not value:
        return None
    iso = normalise_date(value, latest=latest or dt.date(9999, 12, 31))
    if iso is None:
        log.debug("ignoring the %s date %r: not a plausible ISO date", source, value)
        return None
    return Evidence(iso, source, CONFIDENCE[source], key)


def _hint_outlet(hints: Mapping[str, str], key: str, source: str) -> Evidence | None:
    name = clean_outlet_name(hints.get(key))
    if not name or (source == "record" and _looks_like_code(name)):
        return None
    return Evidence(name, source, CONFIDENCE[source], key)


def resolve_origin(
    doc: RawDocument,
    *,
    text: str,
    title: str | None,
    latest: dt.date,
    page: PageMetadata | None = None,
    tree: Any = None,
    header: Sequence[str] = (),
    stripped_html: str | None = None,
) -> Origin:
    """Publication date, outlet and type of the article ``text`` extracted from ``doc``.

    ``page``/``tree``: the HTML page's declarations and parse (HTML path); ``header``: the lines of
    a text dump between its headline and its first paragraph (text path); ``stripped_html``: the
    page already stripped of scripts by :func:`.html.shrink_html` (saves a second pass over a
    large page; ``doc.content`` is stripped here otherwise). The page's whole text
    (for outlet cues) is ``doc.content`` for a dump, the tree's text for a page.
    """
    hints = doc.hints
    url = doc.provenance.url or hints.get(SIDECAR_PREFIX + "url")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    first_paragraph = paragraphs[0] if paragraphs else None

    def header_lines() -> Sequence[str]:
        if doc.kind == "html" and not header:
            return html_header_lines(
                doc.content, title=title, first_paragraph=first_paragraph, stripped_html=stripped_html
            )
        return header

    # each source is read only when every source before it gave nothing (the page-wide ones are
    # the costly ones: a page's header lines, its whole text)
    published = _first_of(
        lambda: _hint_date(hints, USER_HINTS["date"], "user", None),
        lambda: _hint_date(hints, SIDECAR_PREFIX + "date", "sidecar", None),
        lambda: _hint_date(hints, "date", "record", latest),
        lambda: (
            Evidence(page.date, "metadata", CONFIDENCE["metadata"], "page metadata")
            if page is not None and page.date
            else None
        ),
        lambda: date_from_url(url, latest=latest),
        lambda: dateline_date(header_lines(), latest=latest, first_paragraph=first_paragraph),
        lambda: date_from_text(text, latest=latest),
    )
    if published is None and tree is not None and USE_HTMLDATE:
        found = normalise_date(htmldate_fallback(tree, url, latest.isoformat()), latest=latest)
        if found:
            published = Evidence(found, "metadata", CONFIDENCE["htmldate"], "htmldate")

    outlet = _first(
        _hint_outlet(hints, USER_HINTS["outlet"], "user"),
        _hint_outlet(hints, SIDECAR_PREFIX + "outlet", "sidecar"),
        _hint_outlet(hints, "sitename", "record"),
        Evidence(name, "metadata", CONFIDENCE["metadata_sitename"], "site name")
        if page is not None and (name := clean_outlet_name(page.sitename))
        else None,
    )
    if outlet is None:
        whole: list[str] = []

        def page_text() -> str:
            if not whole:
                whole.append(_page_text(doc, tree))
            return whole[0]

        host = host_of(url)
        outlet = _first_of(
            lambda: outlet_from_host(host, page_text=page_text) if host else None,
            lambda: agency_from_dateline(first_paragraph),
            lambda: outlet_from_text(page_text()),
        )
    if outlet is None:  # a record's code ("fox") is better than nothing, and honest about what it is
        code = clean_outlet_name(hints.get("sitename"))
        if code:
            outlet = Evidence(code, "record", 0.5, "sitename code")

    kind = article_type(page=page, url=url, title=title, text=text, hints=hints)
    authors = clean_authors(hints.get(SIDECAR_PREFIX + "authors")) if hints.get(SIDECAR_PREFIX + "authors") else ()
    return Origin(
        published=published,
        outlet=outlet,
        article_type=kind,
        title=hints.get(SIDECAR_PREFIX + "title") or None,
        authors=authors,
    )


#: htmldate reads the page's declarations plus date-like markup anywhere on the page. Where our
#: own reading (declarations, URL, dateline) finds nothing, its dates were right only 37 times in 57
#: on WCXB dev (docs/benchmarks/timeline.md): below the bar for a date a reader will trust.
USE_HTMLDATE = False


def html_header_lines(
    html: str,
    *,
    title: str | None,
    first_paragraph: str | None,
    limit: int = 12,
    stripped_html: str | None = None,
) -> list[str]:
    """The lines of a page between its headline and the article's first paragraph (where a
    byline and "Published …" line stand), at most ``limit`` lines; [] when neither is found."""
    from .html import flatten_html

    start_key = (first_paragraph or "")[:40].strip()[:30]
    if not start_key:
        return []
    # only the ``limit`` lines before the first paragraph matter: the rest of the page is not normalised
    recent: deque[str] = deque(maxlen=limit)
    for raw in flatten_html(html, stripped=stripped_html).split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        if line.startswith(start_key):
            break
        recent.append(line)
    else:
        return []
    lines = list(recent)
    begin, end = 0, len(lines)
    if title:
        heads = [i for i in range(begin, end) if line_is_title(lines[i], title)]
        if heads:
            begin = heads[-1] + 1
    return lines[begin:end]


def line_is_title(line: str, title: str) -> bool:
    return line.strip().lower() == title.strip().lower()


def _page_text(doc: RawDocument, tree: Any) -> str:
    if doc.kind == "text" or tree is None:
        return doc.content
    try:
        return " \n".join(stripped for t in tree.itertext() if t and (stripped := t.strip()))
    except (AttributeError, ValueError):
        return doc.content


# --- copies fill gaps ------------------------------------------------------------------------------


def fill_from_copies(articles: Sequence[Article], links: Iterable[CopyLink]) -> list[Article]:
    """``articles`` with a missing date, outlet or type taken from another copy of the same article.

    Copies (canonical + duplicates, as de-duplication linked them) are one article scraped more
    than once: what one copy states (an appeal naming the outlet, a dateline) holds for the others.
    Only gaps are filled, from the copy whose value is surest, with source ``copy`` and that
    confidence × 0.9. Conflicting values are left alone. For the type, a plain report found for
    want of any cue (:func:`text_type`'s default) is a gap: an op-ed scraped once with its page's
    declarations and once as a bare dump is an op-ed in both.
    """
    group_of: dict[str, str] = {}
    for link in links:
        group_of[link.duplicate] = link.canonical
        group_of.setdefault(link.canonical, link.canonical)
    groups: dict[str, list[Article]] = {}
    for article in articles:
        if article.id in group_of:
            groups.setdefault(group_of[article.id], []).append(article)
    factor = CONFIDENCE["copy_factor"]
    filled: dict[str, Article] = {}
    for members in groups.values():
        for field, source_field, confidence_field in (
            ("published", "published_source", "published_confidence"),
            ("outlet", "outlet_source", "outlet_confidence"),
        ):
            stated = [a for a in members if getattr(a, field) and getattr(a, source_field) != "copy"]
            if not stated or len({getattr(a, field) for a in stated}) > 1:
                continue
            best = max(stated, key=lambda a: getattr(a, confidence_field) or 0.0)
            for article in members:
                current = filled.get(article.id, article)
                if getattr(current, field):
                    continue
                filled[article.id] = replace(
                    current,
                    **{
                        field: getattr(best, field),
                        source_field: "copy",
                        confidence_field: round((getattr(best, confidence_field) or 0.5) * factor, 3),
                    },
                )
    for members in groups.values():
        stated = [a for a in members if a.article_type and not _type_gap(a)]
        if not stated or len({a.article_type for a in stated}) > 1:
            continue
        best = max(stated, key=lambda a: a.article_type_confidence or 0.0)
        for article in members:
            current = filled.get(article.id, article)
            if not _type_gap(current):
                continue
            filled[article.id] = replace(
                current,
                article_type=best.article_type,
                article_type_source="copy",
                article_type_confidence=round((best.article_type_confidence or 0.5) * factor, 3),
            )
    return [filled.get(a.id, a) for a in articles]


def _type_gap(article: Article) -> bool:
    """No type, or only the report :func:`text_type` assumes when the text shows no cue."""
    default = text_type("")
    return not article.article_type or (
        article.article_type == default.value
        and article.article_type_source == default.source
        and (article.article_type_confidence or 0.0) <= default.confidence
    )
