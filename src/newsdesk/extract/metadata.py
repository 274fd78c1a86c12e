"""Article metadata: author names cleaned of page junk, publication dates checked and normalised.

Authors come from HTML metadata (trafilatura), from a byline line of a text dump, or from the
input's hints; whatever the source, a name must look like a name: job titles, "Email the
author", relative times and handles are dropped. Dates are ISO ``YYYY-MM-DD`` and never later
than the crawl (or today): a date in the future is a misparse, not a publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Sequence

#: Words that make an author string a job title, a prompt or a date, not a person's name.
AUTHOR_JUNK = re.compile(
    r"""\b(
        email|e-mail|contact|follow|twitter|facebook|instagram|linkedin|author|authors|
        ago|hours?|minutes?|updated|published|posted|read|min|share|comments?|
        staff\s+(writer|reporter)|writer|reporter|correspondent|editor|columnist|contributor|
        contributing|senior|chief|deputy|managing|producer|analyst|journalist|photographer|
        news\s+desk|newsroom|view\s+all|more\s+from|articles?|stories|profile|bio|
        am|pm|gmt|utc|est|edt|pst|pdt|cet|bst|
        january|february|march|april|june|july|august|september|october|november|december|
        jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|
        monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|
        ph\.?\s?d\.?|m\.?d\.?|mba|esq\.?|
        guest|admin|administrator|unknown|anonymous|written|posted|by
    )(?!\w)""",
    re.I | re.X,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||,|\band\b|&|\bwith\b)\s*", re.I)
_BY_PREFIX = re.compile(r"^\s*(?:(?:written|posted|reported|story|words|text)\s+)?by[:\s]+", re.I)
_NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’.\-]*$|^(?:de|da|van|von|der|den|del|la|le|du|bin|al|el|st\.?)$", re.U)


def clean_author(name: str, *, allow_single_word: bool = True) -> str | None:
    """One author name, or None when the string is not a person's (or agency's) name.

    A single word ("Krystyna") is accepted from structured metadata but not from free text,
    where a lone capitalised word is more often a section name than a byline.
    """
    name = re.sub(r"\s*\([^)]*\)", "", name)  # "Jean-Luc Aufranc (CNXSoft)": affiliation in brackets
    name = _BY_PREFIX.sub("", " ".join(name.split())).strip(" .,:;-–—|")
    if not name or len(name) > 60 or any(c.isdigit() for c in name):
        return None
    if "@" in name or "/" in name or "http" in name.lower() or AUTHOR_JUNK.search(name):
        return None
    words = name.split()
    if not 1 <= len(words) <= 5:
        return None
    if not all(_NAME_WORD.match(w) for w in words):
        return None
    if len(words) == 1 and not allow_single_word:
        return None
    return name


def clean_authors(raw: str | Sequence[str] | None, *, allow_single_word: bool = True) -> tuple[str, ...]:
    """Author names from a metadata string or list, junk dropped, order kept, no repeats."""
    if not raw:
        return ()
    pieces: Iterable[str] = [raw] if isinstance(raw, str) else raw
    names: list[str] = []
    for piece in pieces:
        if not isinstance(piece, str):
            continue
        for part in _AUTHOR_SPLIT.split(piece):
            name = clean_author(part, allow_single_word=allow_single_word)
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
    return tuple(names)


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for m in names
}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{4})/(\d{1,2})/(\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I), ("mon", "d", "y")),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(\d{4})\b", re.I), ("d", "mon", "y")),
)


def find_dates(text: str, *, latest: dt.date | None = None) -> list[tuple[int, int, str]]:
    """Every unambiguous calendar date written out in ``text``: ``(start, end, ISO)`` in pattern
    order (ISO, slashed ISO, "March 18, 2025", "18 March 2025"), plausible ones only (1990 to
    ``latest``); numeric day/month orders ("03/04/2025") are skipped as ambiguous."""
    latest = latest or dt.datetime.now(dt.UTC).date()
    found: list[tuple[int, int, str]] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups()))
            try:
                month = _MONTHS[parts["mon"].lower().rstrip(".")] if "mon" in parts else int(parts["m"])
                date = dt.date(int(parts["y"]), month, int(parts["d"]))
            except (KeyError, ValueError):
                continue
            if dt.date(1990, 1, 1) <= date <= latest:
                found.append((match.start(), match.end(), date.isoformat()))
    return found


def parse_date(text: str, *, latest: dt.date | None = None) -> str | None:
    """First unambiguous calendar date in ``text`` as ISO, or None (numeric d/m orders are skipped)."""
    found = find_dates(text, latest=latest)
    return found[0][2] if found else None


def normalise_date(value: str | None, *, latest: dt.date | None = None) -> str | None:
    """An ISO date from a metadata value (ISO timestamps, '2019-11-18T21:24', 'Nov 18, 2019')."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    latest = latest or dt.datetime.now(dt.UTC).date()
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if match:
        try:
            date = dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
        return date.isoformat() if dt.date(1990, 1, 1) <= date <= latest else None
    return parse_date(value, latest=latest)


def crawl_date(hints: dict[str, str]) -> dt.date:
    """The latest plausible publication date: the crawl date when the input gives it, else today."""
    for key in ("crawled", "crawl_date", "fetched", "retrieved", "date_download", "downloaded"):
        iso = normalise_date(hints.get(key), latest=dt.date(9999, 12, 31))
        if iso:
            return dt.date.fromisoformat(iso)
    return dt.datetime.now(dt.UTC).date()


_BYLINE = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by[:\s]+(.{3,120})$", re.I)


def byline_authors(line: str) -> tuple[str, ...]:
    """Authors named by a byline line ("By Jane Doe and John Roe"), else ()."""
    match = _BYLINE.match(line)
    if not match:
        return ()
    # a byline often trails a date or a role after a separator: keep what precedes it
    names = re.split(r"\s+[|•·–—-]\s+|\s{2,}", match.group(1))[0]
    return clean_authors(names, allow_single_word=False)


_TITLE_WORD = re.compile(r"\S+")
_LOWER_WORD = re.compile(r"^[a-z][a-z'’\-]*$")
_CAPITALISED_WORD = re.compile(r"^[A-Z][a-z][a-z'’\-]*$")
#: Small words a Title Case headline leaves in lower case ("Talks With Russia in Doubt"): a
#: capitalised word after one of them is no sign of a second line run into the first.
_TITLE_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of off on onto or over per so the to up upon via vs with yet".split()
)


def _word_forms(word: str) -> tuple[str, ...]:
    """``word`` in lower case and its singular or plural ("experts" → "expert")."""
    low = word.lower()
    return (low, low[:-1]) if low.endswith("s") and len(low) > 3 else (low, low + "s")


def _common_word(word: str, body: str) -> bool:
    """Whether the article's own text uses ``word`` (or its singular/plural) as a common word: in
    lower case somewhere, and never capitalised inside a sentence (a name stays capitalised)."""
    forms = _word_forms(word)
    pattern = "|".join(re.escape(f) for f in forms)
    lower = re.search(rf"(?<![\w'’\-])(?:{pattern})(?![\w'’\-])", body)
    inside = re.search(rf"[a-z,;]\s+(?:{'|'.join(re.escape(f.capitalize()) for f in forms)})(?![\w'’\-])", body)
    return lower is not None and inside is None


def _sentence_case(words: Sequence[str]) -> bool:
    """Whether headline words (its first word left out) are in sentence case: at least half of
    those that are not small words are in lower case ("The Next Frontier in Climate Tech is" is not)."""
    kept = [w for w in words if w.lower().strip(",;:") not in _TITLE_SMALL_WORDS and w[:1].isalpha()]
    return bool(kept) and sum(1 for w in kept if w[:1].islower()) >= 0.5 * len(kept)


def headline_of(line: str, body: str) -> str:
    """The headline of a text dump's title line, without a subheadline the page dump ran into it
    ("US and Russia discuss peace, while Ukraine and Europe hold pause Experts weigh in on
    Putin-Trump negotiations" → "US and Russia discuss peace, while Ukraine and Europe hold pause").

    A sentence-case headline is cut before a capitalised word that follows a lower-case word (not a
    small word a Title Case headline keeps lower case) when the words before it are in sentence case
    and the article's own text ``body`` uses
    that word as a common word (in lower case, never capitalised inside a sentence): names, which
    stay capitalised ("Trump meets Putin"), and Title Case headlines are left whole. The headline
    keeps at least four words and the part cut off has at least three."""
    words = _TITLE_WORD.findall(line)
    for k in range(4, len(words) - 2):
        before, word = words[k - 1], words[k]
        if not _sentence_case(words[1:k]):
            continue
        if before.lower() in _TITLE_SMALL_WORDS or not _LOWER_WORD.match(before):
            continue
        if not _CAPITALISED_WORD.match(word) or not _common_word(word, body):
            continue
        return " ".join(words[:k])
    return line
