"""Rule grammar for temporal expressions, normalised to TIMEX3 values.

Finds expressions such as "today", "Monday night", "last month", "three years ago", "the third
quarter", "March 18", "every week" and gives each a TimeML TIMEX3 ``type`` (DATE, TIME, DURATION,
SET) and ``value`` (``2025-03-18``, ``2025-W12``, ``2025-Q1``, ``P3Y``, ``PRESENT_REF``…) resolved
against an anchor date (the article's publication date, TempEval's document creation time).

The grammar is a set of regular expressions over the text with word boundaries, in the manner of
HeidelTime: each pattern has a resolver that computes the value; overlapping candidates are
settled longest-first. Without an anchor, relative expressions keep their unknown parts as ``X``
(``XXXX-WXX-1`` for "Monday") and are never given a made-up date.

Ambiguous directions ("Monday", "April", "March 3") are settled by the tense around the
expression: a future cue (will, expected, next…) nearer than a past cue picks the next
occurrence, otherwise news reports the past. Expressions that shift a previously mentioned time
("a year earlier", "the year-ago period") use the last resolved date of the document, as
HeidelTime's reference-time rules do, because in business news they mean "the same quarter a year
before", not "the year before the dateline".

Why one module of ~1,300 lines: it is one grammar. Each rule is a pattern in ``_PATTERNS`` next to
the resolver that computes its value, and the normaliser settles overlapping matches across all
of them; putting patterns and resolvers in separate files would split every rule in two.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from ..errors import AnalysisError, OptionsError

log = logging.getLogger(__name__)

TIMEX_TYPES = ("DATE", "TIME", "DURATION", "SET")


@dataclass(frozen=True, kw_only=True)
class TimexOptions:
    """What the temporal grammar reports.

    * ``durations``: report DURATION expressions ("three years", "the past two months"); default on.
    * ``sets``: report SET expressions ("every week", "daily"); default on.
    * ``vague_refs``: report PRESENT_REF / PAST_REF / FUTURE_REF words ("now", "recently",
      "soon"); default on (TimeML annotates them; a timeline ignores them).
    * ``times``: report clock times ("3 p.m.", "noon"); default on.
    """

    durations: bool = True
    sets: bool = True
    vague_refs: bool = True
    times: bool = True

    def __post_init__(self) -> None:
        for name in ("durations", "sets", "vague_refs", "times"):
            if not isinstance(getattr(self, name), bool):
                raise OptionsError(
                    f"TimexOptions.{name} must be True or False, got {getattr(self, name)!r}",
                    hint=f"pass {name}=True or {name}=False",
                )


@dataclass(frozen=True, slots=True)
class Timex:
    """One temporal expression: character span in the text, TIMEX3 type, value and modifier."""

    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str  # TIMEX3 value, e.g. 2025-03-18, 2025-W12, P3Y, PRESENT_REF, XXXX-WXX-1
    mod: str | None = None  # START | END | MID | APPROX | LESS_THAN | MORE_THAN …

    @property
    def day(self) -> str | None:
        """The calendar day (YYYY-MM-DD) the expression points to, when it points to one."""
        match = re.match(r"(\d{4}-\d{2}-\d{2})", self.value)
        return match.group(1) if match and self.type in ("DATE", "TIME") else None

    @property
    def anchored(self) -> bool:
        """True when the value is a concrete calendar point (digits first, no unknown ``X``)."""
        return self.type in ("DATE", "TIME") and bool(re.match(r"\d", self.value)) and "X" not in self.value

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "type": self.type,
            "value": self.value,
        }
        if self.mod:
            out["mod"] = self.mod
        return out


# --- lexicon ----------------------------------------------------------------------------------

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "a single": 1,
    "a couple of": 2, "couple of": 2, "a couple": 2, "a dozen": 12, "dozen": 12, "a hundred": 100,
    "one hundred": 100, "a thousand": 1000,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
VAGUE_NUMBERS = ("a few", "few", "several", "many", "some", "a number of", "dozens of", "hundreds of", "a couple more")
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "last": 4,
    "final": 4,
}
UNITS = {
    "second": "S", "minute": "MIN", "hour": "H", "day": "D", "night": "D", "week": "W", "fortnight": "FN",
    "month": "M", "year": "Y", "decade": "DE", "century": "CE", "centurie": "CE", "quarter": "Q",
}  # fmt: skip
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "midday": "MI", "noon": "MI"}
HOLIDAYS = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "new year's eve": (12, 31),
    "new year's day": (1, 1), "valentine's day": (2, 14), "halloween": (10, 31), "independence day": (7, 4),
    "boxing day": (12, 26), "st. patrick's day": (3, 17),
}  # fmt: skip

_MONTH_RE = (
    r"(?-i:(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)"
)
_WEEKDAY_RE = r"(?:(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))"
_SMALL_RE = "|".join(sorted((re.escape(k) for k in SMALL_NUMBERS), key=len, reverse=True))
_TENS_RE = "|".join(TENS)
_UNIT_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_NUMBER_RE = (
    rf"(?:\d+(?:\.\d+)?|(?:{_TENS_RE})(?:[-\s]{_UNIT_WORDS})?|{_SMALL_RE}"
    rf"|{'|'.join(re.escape(v) for v in VAGUE_NUMBERS)})"
)
_UNIT_RE = (
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|century|centuries|quarters?)"
)
_UNIT_SG_RE = r"(?:second|minute|hour|day|night|week|fortnight|month|year|decade|century|quarter)"
_APPROX_RE = (
    r"(?:about|around|approximately|roughly|nearly|almost|some|just|only|at least|at most|more than|less than"
    r"|fewer than|over|under|up to|as many as|as long as|as much as|barely|close to|well over|just over|just under)"
)
_DAYNUM_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RE = r"(?:1[6-9]\d\d|20\d\d)"
_SPOKEN_YEAR_RE = (
    rf"(?:nineteen|eighteen|twenty)[\s-](?:(?:{_TENS_RE})(?:[-\s]{_UNIT_WORDS})?|ten|eleven|twelve|thirteen|fourteen"
    rf"|fifteen|sixteen|seventeen|eighteen|nineteen|oh[\s-]{_UNIT_WORDS})|two thousand(?:\s+and)?(?:\s+(?:{_UNIT_WORDS}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|(?:{_TENS_RE})(?:[-\s]{_UNIT_WORDS})?))?"
)


def parse_number(text: str) -> int | None:
    """Integer value of a number written in digits or words; None for vague ones ("several")."""
    t = " ".join(text.lower().replace("-", " ").split())
    if re.fullmatch(r"\d+", t):
        return int(t)
    if re.fullmatch(r"\d+\.\d+", t):
        return None
    if t in SMALL_NUMBERS:
        return SMALL_NUMBERS[t]
    parts = t.split()
    if parts and parts[0] in TENS:
        extra = SMALL_NUMBERS.get(parts[1], 0) if len(parts) > 1 else 0
        return TENS[parts[0]] + extra
    return None


def parse_spoken_year(text: str) -> int | None:
    t = " ".join(text.lower().replace("-", " ").split())
    if t.startswith("two thousand"):
        rest = t[len("two thousand") :].replace("and", "").strip()
        return 2000 + (parse_number(rest) or 0 if rest else 0)
    head, _, rest = t.partition(" ")
    century = {"eighteen": 18, "nineteen": 19, "twenty": 20}.get(head)
    if century is None:
        return None
    rest = rest.replace("oh ", "")
    tail = parse_number(rest)
    return None if tail is None else century * 100 + tail


# --- calendar arithmetic ------------------------------------------------------------------------


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _iso(d: date) -> str:
    return d.isoformat()


def _week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def shift_value(value: str, years: int) -> str | None:
    """The same TIMEX3 calendar value ``years`` years earlier/later (2025-Q3 → 2024-Q3)."""
    match = re.match(r"(\d{4})(.*)", value)
    if not match:
        return None
    rest = match.group(2)
    if rest == "-02-29":
        rest = "-02-28"
    return f"{int(match.group(1)) + years:04d}{rest}"


# --- tense around an expression ---------------------------------------------------------------

_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|won't|wo|'ll|going to|gonna|scheduled|expected|expects|expect|plans?|planned|planning|"
    r"set to|due to|due|upcoming|next (?:week|month|year|day|quarter|season|time)|as soon as|coming|tomorrow|would|to be held|intends?|hopes? to|aims? to|is to|are to)\b",
    re.IGNORECASE,
)
_PAST_CUE = re.compile(
    r"\b(?:was|were|had|did|said|says|told|ago|last|yesterday|earlier|\w{3,}ed)\b",
    re.IGNORECASE,
)
_NOT_PAST = {"scheduled", "expected", "planned", "need", "feed", "speed", "seed", "indeed", "red", "bed", "shed", "united", "based", "limited", "related", "proposed"}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<![A-Z])[.!?][\"'”’]?\s+(?=[A-Z“\"])|\n")


def _tense(text: str, start: int, end: int) -> str | None:
    """'future', 'past' or None from the nearest tense cue in the sentence around a span."""
    left = max(0, start - 160)
    for m in _SENTENCE_END.finditer(text, left, start):
        left = m.end()
    right = min(len(text), end + 100)
    after = _SENTENCE_END.search(text, end, right)
    if after:
        right = after.start()
    best: tuple[float, str] | None = None
    for pattern, label in ((_FUTURE_CUE, "future"), (_PAST_CUE, "past")):
        for cue in pattern.finditer(text, left, right):
            if start <= cue.start() < end:
                continue
            word = cue.group(0).lower()
            if label == "past" and word in _NOT_PAST:
                continue
            distance = start - cue.end() if cue.end() <= start else (cue.start() - end) * 1.5
            if best is None or distance < best[0]:
                best = (distance, label)
    return best[1] if best else None


# --- resolution helpers ---------------------------------------------------------------------------


def _doc_tense(doc: Any, start: int, end: int) -> str | None:
    """'future' / 'past' from the verb that governs a span in a spaCy parse, None when unclear."""
    try:
        span = doc.char_span(start, end, alignment_mode="expand")
    except (AttributeError, ValueError, IndexError):
        return None
    if span is None or len(span) == 0:
        return None
    token = span.root
    for _ in range(8):
        if token.pos_ in ("VERB", "AUX") or token.head is token:
            break
        token = token.head
    if token.pos_ not in ("VERB", "AUX"):
        return None
    auxiliaries = {child.lower_ for child in token.children if child.dep_ in ("aux", "auxpass")}
    if auxiliaries & {"will", "'ll", "shall", "wo", "ll"}:
        return "future"
    if token.tag_ in ("VBD",) or auxiliaries & {"did", "had", "was", "were"}:
        return "past"
    if token.tag_ == "VBN" and auxiliaries & {"has", "have"}:
        return "past"
    return None


@dataclass
class _Context:
    text: str
    anchor: date | None
    doc: Any = None
    last_date: str | None = None  # value of the last resolved calendar expression (reference time)
    last_quarter: str | None = None  # the last quarter or half-year named (business reports)
    last_end: int = -1  # where the previous expression ended, and its value
    last_value: str = ""

    def tense(self, m: re.Match[str]) -> str | None:
        if self.doc is not None and USE_DOC_TENSE:
            parsed = _doc_tense(self.doc, m.start(), m.end())
            if parsed is not None:
                return parsed
        return _tense(self.text, m.start(), m.end())


# How far the nearest reading of a year-less date may lie against the tense before the other
# year is taken ("Aug. 6" in a February story told in the past tense is last August).
USE_DOC_TENSE = True
MONTH_SWITCH_MONTHS = 3
DAY_SWITCH_DAYS = 120


def _pick_year_for_month(ctx: _Context, m: re.Match[str], month: int, day: int | None = None) -> int:
    """Year of a month (or month and day) named without one: the nearest such date to the anchor,
    unless the tense around says the other direction and the nearest is more than ~2 months off."""
    anchor = ctx.anchor
    assert anchor is not None
    if day is None:
        now = anchor.year * 12 + anchor.month - 1
        distance = {year: year * 12 + month - 1 - now for year in (anchor.year - 1, anchor.year, anchor.year + 1)}
        threshold = MONTH_SWITCH_MONTHS
    else:
        distance = {}
        for year in (anchor.year - 1, anchor.year, anchor.year + 1):
            try:
                distance[year] = (date(year, month, day) - anchor).days
            except ValueError:
                continue
        if not distance:
            return anchor.year
        threshold = DAY_SWITCH_DAYS
    nearest = min(distance, key=lambda y: (abs(distance[y]), -y if day is None else y))
    if distance[nearest] == 0:
        return nearest
    tense = ctx.tense(m)
    if tense == "past" and distance[nearest] > threshold and nearest - 1 in distance:
        return nearest - 1
    if tense == "future" and distance[nearest] < -threshold and nearest + 1 in distance:
        return nearest + 1
    return nearest


def _weekday_date(anchor: date, weekday: int, direction: str | None) -> date:
    delta = weekday - anchor.isoweekday()
    if direction == "future":
        return anchor + timedelta(days=delta % 7)
    return anchor - timedelta(days=(-delta) % 7)


def _unit_code(word: str) -> str:
    w = word.lower().rstrip("s") if word.lower() not in ("centuries",) else "century"
    if w == "centurie":
        w = "century"
    return UNITS.get(w, "X")


def _duration_value(n: int | None, unit: str) -> str:
    count = "X" if n is None else str(n)
    if unit == "S":
        return f"PT{count}S"
    if unit == "MIN":
        return f"PT{count}M"
    if unit == "H":
        return f"PT{count}H"
    if unit == "Q":
        return "PXM" if n is None else f"P{3 * n}M"
    if unit == "FN":
        return "PXW" if n is None else f"P{2 * n}W"
    if unit == "DE":  # TempEval annotators write decades in years
        return "PXY" if n is None else f"P{10 * n}Y"
    if unit == "CE":
        return f"P{count}C" if n is None else f"P{100 * n}Y"
    return f"P{count}{unit}"


def _shift_date(anchor: date, n: int, unit: str, sign: int) -> str | None:
    """The calendar value ``n`` units before (sign -1) or after (+1) the anchor, at the unit's granularity."""
    if unit in ("D",):
        return _iso(anchor + timedelta(days=sign * n))
    if unit in ("W", "FN"):
        days = 7 * n * (2 if unit == "FN" else 1)
        return _iso(anchor + timedelta(days=sign * days))
    if unit == "M":
        y, mo = _add_months(anchor.year, anchor.month, sign * n)
        return f"{y:04d}-{mo:02d}"
    if unit == "Q":
        y, mo = _add_months(anchor.year, anchor.month, sign * 3 * n)
        return f"{y:04d}-Q{(mo - 1) // 3 + 1}"
    if unit == "Y":
        return f"{anchor.year + sign * n:04d}"
    if unit == "DE":
        return f"{anchor.year + sign * 10 * n:04d}"
    if unit == "CE":
        return f"{(anchor.year + sign * 100 * n) // 100:02d}"
    if unit == "H":
        moment = datetime(anchor.year, anchor.month, anchor.day) + timedelta(hours=sign * n)
        return _iso(moment.date())
    return None


def _mod_of(word: str | None) -> str | None:
    if not word:
        return None
    w = word.lower().strip()
    if w in ("early", "earlier", "the beginning of", "the start of", "beginning of", "start of"):
        return "START"
    if w in ("late", "later", "the end of", "end of"):
        return "END"
    if w in ("mid", "the middle of", "middle of"):
        return "MID"
    if w in ("about", "around", "approximately", "roughly", "some", "close to"):
        return "APPROX"
    if w in ("nearly", "almost", "less than", "fewer than", "under", "just under", "barely"):
        return "LESS_THAN"
    if w in ("more than", "over", "well over", "just over"):
        return "MORE_THAN"
    if w in ("at least",):
        return "EQUAL_OR_MORE"
    if w in ("at most", "up to", "as many as", "as long as", "as much as"):
        return "EQUAL_OR_LESS"
    return None


Resolved = tuple[str, str, str | None]  # (type, value, mod)
Resolver = Callable[[re.Match[str], _Context], Resolved | None]


def _g(m: re.Match[str], name: str) -> str | None:
    try:
        found: str | None = m.group(name)
        return found
    except IndexError:
        return None


# --- resolvers ------------------------------------------------------------------------------------


def _leading_int(text: str) -> int:
    """The number a day token starts with ("18th" -> 18; the grammar only matches such tokens)."""
    digits = re.match(r"\d+", text)
    if digits is None:
        raise ValueError(f"no number in {text!r}")
    return int(digits.group(0))


def _r_full_date(m: re.Match[str], ctx: _Context) -> Resolved | None:
    month = MONTHS[m.group("mon").rstrip(".").lower()]
    day = _leading_int(m.group("d"))
    year = int(m.group("y")) if _g(m, "y") else None
    if year is None and _g(m, "sy"):
        year = parse_spoken_year(m.group("sy"))
    if year is None:
        if ctx.anchor is None:
            return "DATE", f"XXXX-{month:02d}-{day:02d}", None
        year = _pick_year_for_month(ctx, m, month, day)
    try:
        date(year, month, day)
    except ValueError:
        return None
    value = f"{year:04d}-{month:02d}-{day:02d}"
    if _g(m, "h"):
        return _clock(m, value)
    return "DATE", value, None


def _r_iso(m: re.Match[str], ctx: _Context) -> Resolved | None:
    try:
        d = date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    except ValueError:
        return None
    if _g(m, "h"):
        return "TIME", f"{_iso(d)}T{m.group('h')}:{m.group('min')}" + ("Z" if _g(m, "z") == "Z" else ""), None
    return "DATE", _iso(d), None


def _r_numeric_date(m: re.Match[str], ctx: _Context) -> Resolved | None:
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if y < 100:
        y += 2000 if y < 50 else 1900
    month, day = (a, b) if a <= 12 else (b, a)
    try:
        return "DATE", _iso(date(y, month, day)), None
    except ValueError:
        return None


def _r_month_year(m: re.Match[str], ctx: _Context) -> Resolved | None:
    month = MONTHS[m.group("mon").rstrip(".").lower()]
    year = int(m.group("y")) if _g(m, "y") else parse_spoken_year(m.group("sy"))
    if year is None:
        return None
    return "DATE", f"{year:04d}-{month:02d}", _mod_of(_g(m, "mod"))


def _r_month(m: re.Match[str], ctx: _Context) -> Resolved | None:
    word = m.group("mon").rstrip(".").lower()
    pre = (_g(m, "pre") or "").lower()
    if word == "may" and not pre and not _g(m, "mod"):
        before = ctx.text[max(0, m.start() - 12) : m.start()].lower()
        if not re.search(
            r"\b(?:in|since|until|till|by|of|from|through|during|to|and|or|before|after|early|late|mid)\s+$", before
        ):
            return None
    if word in ("mar", "jun", "jul", "sep", "dec", "jan") and not m.group("mon").endswith(".") and not pre:
        return None
    month = MONTHS[word]
    mod = _mod_of(_g(m, "mod"))
    if ctx.anchor is None:
        return "DATE", f"XXXX-{month:02d}", mod
    a = ctx.anchor
    if "last" in pre or "past" in pre:
        year = a.year if month < a.month else a.year - 1
    elif "next" in pre or "coming" in pre:
        year = a.year if month > a.month else a.year + 1
    elif "this" in pre:
        year = a.year
    else:
        year = _pick_year_for_month(ctx, m, month)
    return "DATE", f"{year:04d}-{month:02d}", mod


def _r_year(m: re.Match[str], ctx: _Context) -> Resolved | None:
    text = ctx.text
    after = text[m.end() : m.end() + 12]
    before = text[max(0, m.start() - 3) : m.start()]
    if re.match(
        r"\s*(?:%|percent|-\d|:\d|,\d{3}|\.\d|\s*(?:people|persons|troops|soldiers|workers|jobs|cars|units|shares|tons|feet|miles|meters|metres|barrels))",
        after,
        re.I,
    ):
        return None
    if re.search(r"[$#£€]\s*$|\d[,.]$|No\.\s*$", before):
        return None
    if before.endswith("-") and not _g(m, "mod"):
        return None  # "post-1959", "Boeing-1990": part of a compound
    year = int(m.group("y")) if _g(m, "y") else parse_spoken_year(m.group("sy"))
    if year is None:
        return None
    return "DATE", f"{year:04d}", _mod_of(_g(m, "mod"))


def _r_decade(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if _g(m, "dc"):
        value = m.group("dc")[:3]
    elif _g(m, "short"):
        digit = m.group("short")
        value = ("19" if int(digit) >= 3 or ctx.anchor is None or ctx.anchor.year < 2000 else "20") + digit
    else:
        word = m.group("word").lower()
        tens = {
            "twenties": 2,
            "thirties": 3,
            "forties": 4,
            "fifties": 5,
            "sixties": 6,
            "seventies": 7,
            "eighties": 8,
            "nineties": 9,
        }[word]
        value = f"19{tens}"
    return "DATE", value, _mod_of(_g(m, "mod"))


def _r_century(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if _g(m, "n"):
        n = int(m.group("n"))
    else:
        if ctx.anchor is None:
            return "DATE", "XX", None
        n = ctx.anchor.year // 100 + 1
    return "DATE", f"{n - 1:02d}", _mod_of(_g(m, "mod"))


def _r_quarter(m: re.Match[str], ctx: _Context) -> Resolved | None:
    ordinal = ORDINALS[m.group("ord").lower()]
    if _g(m, "half"):
        part = f"H{min(ordinal, 2)}"
    else:
        part = f"Q{ordinal}"
    year: int | None = None
    if _g(m, "y") or _g(m, "y0"):
        year = int(_g(m, "y") or m.group("y0"))
    rel = ((_g(m, "rel") or "") + " " + (_g(m, "rel2") or "")).lower()
    if year is None:
        if ctx.anchor is None:
            return "DATE", f"XXXX-{part}", None
        year = ctx.anchor.year
        if "last" in rel or "previous" in rel or "year-earlier" in rel or "year-ago" in rel:
            year -= 1
        elif "next" in rel:
            year += 1
    if m.group(0).lower().endswith("quarters") and not _g(m, "y"):
        return "SET", f"XXXX-{part}", None
    return "DATE", f"{year:04d}-{part}", None


def _r_season(m: re.Match[str], ctx: _Context) -> Resolved | None:
    season = SEASONS[m.group("season").lower()]
    pre = (_g(m, "pre") or "").lower()
    year = m.group("y") if _g(m, "y") else None
    if year is None and _g(m, "sy"):
        year = str(parse_spoken_year(m.group("sy")))
    if season in ("FA", "SP") and not pre and not year:
        return None
    if pre.startswith("the") and not year and season in ("FA", "SP"):
        after = ctx.text[m.end() : m.end() + 4]
        if after.startswith(" of"):
            return None
    if year is not None:
        return "DATE", f"{int(year):04d}-{season}", _mod_of(_g(m, "mod"))
    if ctx.anchor is None:
        return "DATE", f"XXXX-{season}", None
    a = ctx.anchor
    order = {"WI": 0, "SP": 1, "SU": 2, "FA": 3}
    now = {12: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3}[a.month]
    if pre.startswith("this") and "past" not in pre and "coming" not in pre:
        y = a.year
    elif "last" in pre or "past" in pre:
        y = a.year if order[season] < now else a.year - 1
    elif "next" in pre or "coming" in pre:
        y = a.year if order[season] > now else a.year + 1
    else:
        y = a.year
        tense = ctx.tense(m)
        if tense == "past" and order[season] > now:
            y -= 1
        elif tense == "future" and order[season] < now:
            y += 1
    return "DATE", f"{y:04d}-{season}", _mod_of(_g(m, "mod"))


def _r_relative_day(m: re.Match[str], ctx: _Context) -> Resolved | None:
    word = m.group("rd").lower()
    offsets = {
        "today": 0,
        "tonight": 0,
        "yesterday": -1,
        "tomorrow": 1,
        "the day before yesterday": -2,
        "the day after tomorrow": 2,
    }
    offset = offsets[word]
    part = PARTS_OF_DAY.get((_g(m, "part") or "").lower())
    if word == "tonight":
        part = "NI"
    mod = _mod_of(_g(m, "mod"))
    if ctx.anchor is None:
        value = "PRESENT_REF" if offset == 0 and not part else "XXXX-XX-XX"
    else:
        value = _iso(ctx.anchor + timedelta(days=offset))
    if part:
        return "TIME", value + "T" + part, mod
    return "DATE", value, mod


def _r_part_of_day(m: re.Match[str], ctx: _Context) -> Resolved | None:
    pre = m.group("pre").lower()
    part = PARTS_OF_DAY[m.group("part").lower()]
    if ctx.anchor is None:
        return "TIME", f"XXXX-XX-XXT{part}", None
    d = ctx.anchor - timedelta(days=1) if pre == "last" else ctx.anchor
    if pre == "last" and part != "NI":
        d = ctx.anchor - timedelta(days=1)
    return "TIME", f"{_iso(d)}T{part}", None


def _r_weekday(m: re.Match[str], ctx: _Context) -> Resolved | None:
    weekday = WEEKDAYS[m.group("wd").lower()]
    pre = " ".join((_g(m, "pre") or "").lower().split())
    part = PARTS_OF_DAY.get((_g(m, "part") or "").lower())
    mod = _mod_of(pre) if pre in ("early", "late", "earlier", "later") else None
    if ctx.anchor is None:
        value = f"XXXX-WXX-{weekday}"
    else:
        a = ctx.anchor
        if pre in ("last", "this past", "past"):
            d = _weekday_date(a - timedelta(days=1), weekday, "past")
        elif pre in ("next", "this coming", "coming"):
            d = _weekday_date(a + timedelta(days=1), weekday, "future")
        elif pre in ("earlier", "later", "early", "late"):
            d = _weekday_date(a, weekday, "future" if pre == "later" and ctx.tense(m) == "future" else "past")
        else:
            d = _weekday_date(a, weekday, ctx.tense(m))
        value = _iso(d)
    if part:
        return ("TIME", value + "T" + part, mod)
    return "DATE", value, mod


def _r_relative_unit(m: re.Match[str], ctx: _Context) -> Resolved | None:
    pre = " ".join(m.group("pre").lower().split())
    unit_word = m.group("unit").lower()
    mod = _mod_of(_g(m, "mod"))
    if "early" in pre or "earlier" in pre or "beginning" in pre or "start" in pre:
        mod = "START"
    elif "late" in pre or "end" in pre:
        mod = "END"
    elif "middle" in pre or "mid" in pre:
        mod = "MID"
    if re.search(r"\blast\b|\bprevious\b|\bpast\b", pre):
        sign = -1
    elif re.search(r"\bnext\b|\bcoming\b|\bfollowing\b", pre):
        sign = 1
    else:
        sign = 0
    a = ctx.anchor
    if unit_word == "weekend":
        if a is None:
            return "DATE", "XXXX-WXX-WE", mod
        # "the weekend" on a weekday, unless the future is meant, and "this weekend" told in the past
        # tense ("appeared this weekend, when he grabbed" in a Monday article) are the one just gone
        if sign == 0 and a.isoweekday() < 6 and pre in ("the", "this"):
            tense = ctx.tense(m)
            if (pre == "the" and tense != "future") or (pre == "this" and tense == "past"):
                sign = -1
        base = a + timedelta(days=7 * sign) if sign else a
        if sign == -1 and a.isoweekday() >= 6:
            base = a
        return "DATE", _week(base) + "-WE", mod
    code = {"day": "D", "week": "W", "month": "M", "year": "Y", "quarter": "Q", "decade": "DE", "century": "CE"}[
        unit_word
    ]
    if a is None:
        blank = {
            "D": "XXXX-XX-XX",
            "W": "XXXX-WXX",
            "M": "XXXX-XX",
            "Y": "XXXX",
            "Q": "XXXX-QX",
            "DE": "XXX",
            "CE": "XX",
        }
        return "DATE", blank[code], mod
    if code == "D":
        return "DATE", _iso(a + timedelta(days=sign)), mod
    if code == "W":
        return "DATE", _week(a + timedelta(days=7 * sign)), mod
    if code == "M":
        y, mo = _add_months(a.year, a.month, sign)
        return "DATE", f"{y:04d}-{mo:02d}", mod
    if code == "Q":
        y, q = _quarter(a)
        index = y * 4 + (q - 1) + sign
        return "DATE", f"{index // 4:04d}-Q{index % 4 + 1}", mod
    if code == "Y":
        return "DATE", f"{a.year + sign:04d}", mod
    if code == "DE":
        return "DATE", f"{(a.year // 10 + sign):03d}", mod
    return "DATE", f"{(a.year // 100 + sign):02d}", mod


def _r_ago(m: re.Match[str], ctx: _Context) -> Resolved | None:
    n = parse_number(m.group("n"))
    unit = _unit_code(m.group("unit"))
    direction = m.group("dir").lower()
    sign = -1 if direction in ("ago", "earlier", "before", "back", "previously") else 1
    mod = _mod_of(_g(m, "mod"))
    if direction in ("earlier", "later") and unit in ("S", "MIN", "H", "D", "W"):
        # "three days later" measures from another event, not from the dateline
        return "DURATION", _duration_value(n, unit), mod
    if direction == "later" and n is not None and unit in ("M", "Y", "DE"):
        # "ten years later": after the time under discussion, never after the dateline
        base = re.match(r"(\d{4})(?:-(\d{2}))?", ctx.last_date or "")
        if not base:
            return "DURATION", _duration_value(n, unit), mod
        if unit == "M" and base.group(2):
            y, mo = _add_months(int(base.group(1)), int(base.group(2)), n)
            return "DATE", f"{y:04d}-{mo:02d}", mod
        return "DATE", f"{int(base.group(1)) + n * (10 if unit == 'DE' else 1):04d}", mod
    if n is None:
        if direction == "ago" or direction == "earlier":
            return "DATE", "PAST_REF", mod
        return "DATE", "FUTURE_REF", mod
    # "a year earlier" / "a year ago" in a report about a quarter: that quarter one year before
    if unit == "Y" and n == 1 and ctx.last_quarter:
        shifted = shift_value(ctx.last_quarter, -n if sign < 0 else n)
        if shifted:
            return "DATE", shifted, mod
    if ctx.anchor is None:
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF", mod
    value = _shift_date(ctx.anchor, n, unit, sign)
    if value is None:
        return None
    return "DATE", value, mod


def _r_year_ago_period(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if ctx.last_quarter:
        return "DATE", shift_value(ctx.last_quarter, -1) or "", None
    if ctx.last_date and re.match(r"\d{4}", ctx.last_date):
        return "DATE", shift_value(ctx.last_date, -1) or "", None
    if ctx.anchor is None:
        return "DATE", "XXXX", None
    return "DATE", f"{ctx.anchor.year - 1:04d}", None


def _r_period_ref(m: re.Match[str], ctx: _Context) -> Resolved | None:
    """ "the quarter", "the latest period": the last mentioned quarter, else the one before the anchor."""
    if ctx.last_quarter:
        return "DATE", ctx.last_quarter, None
    if ctx.anchor is None:
        return None
    y, q = _quarter(ctx.anchor)
    index = y * 4 + (q - 1) - (0 if "current" in m.group(0).lower() or "this" in m.group(0).lower() else 1)
    return "DATE", f"{index // 4:04d}-Q{index % 4 + 1}", None


def _r_year_period(m: re.Match[str], ctx: _Context) -> Resolved | None:
    """ "the 1988 period": the quarter under discussion, in that year."""
    year = int(m.group("y"))
    if ctx.last_quarter:
        q = re.match(r"\d{4}-(Q\d|H\d)$", ctx.last_quarter)
        if q:
            return "DATE", f"{year:04d}-{q.group(1)}", None
    return "DATE", f"{year:04d}", None


def _r_that_unit(m: re.Match[str], ctx: _Context) -> Resolved | None:
    """ "that year", "later that month", "the same day": the time under discussion, cut to the unit."""
    base = ctx.last_date or ""
    cut = {"year": 4, "month": 7, "day": 10}.get(m.group("unit").lower())
    if m.group("unit").lower() == "week":
        start = period_start_value(base)
        return ("DATE", _week(start), _mod_of(_g(m, "mod"))) if start else None
    if cut is None or not re.match(r"\d{4}", base) or len(base) < cut or (cut > 4 and "-" not in base[4:cut]):
        return None
    value = base[:cut]
    if not re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", value):
        return None
    return "DATE", value, _mod_of(_g(m, "mod"))


def period_start_value(value: str) -> date | None:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _r_fiscal(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if _g(m, "y"):
        y = m.group("y")
        year = int(y) if len(y) == 4 else (1900 + int(y) if int(y) > 50 else 2000 + int(y))
        return "DATE", f"{year:04d}", None
    if ctx.anchor is None:
        return "DATE", "XXXX", None
    pre = (_g(m, "pre") or "").lower()
    year = ctx.anchor.year + (-1 if "last" in pre or "previous" in pre else 1 if "next" in pre else 0)
    return "DATE", f"{year:04d}", None


def _r_duration(m: re.Match[str], ctx: _Context) -> Resolved | None:
    number = m.group("n")
    unit = _unit_code(m.group("unit"))
    n = parse_number(number) if number else None
    amount: float | None = None
    if number and n is None and re.fullmatch(r"\d+\.\d+", number.strip()):
        amount = float(number)
    elif n is not None and re.search(r"and\s+a\s+half", m.group(0), re.IGNORECASE):
        amount = n + 0.5
    if amount is not None:
        return "DURATION", _fractional_duration(amount, unit), _mod_of(_g(m, "mod"))
    if n is not None and n >= 1000:
        return None
    if re.search(r"old$", m.group(0), re.IGNORECASE):  # ages ("a 6-year-old") are not times
        return None
    if unit == "Q" and (ctx.text[m.end() : m.end() + 3] == " of" or "-" in m.group(0)):
        return None  # "a quarter of the shares", "three-quarters": fractions
    if number and number.lower() in ("a", "the", "an") and m.group("unit").lower() == "second":
        return None  # "a second term", "a second day": the ordinal, not a duration
    return "DURATION", _duration_value(n, unit), _mod_of(_g(m, "mod"))


def _fractional_duration(amount: float, unit: str) -> str:
    """1.5 years → P18M, 2.5 hours → PT150M: a fraction in the next smaller unit when it is whole."""
    smaller = {"Y": (12, "M"), "H": (60, "MIN"), "D": (24, "H"), "W": (7, "D"), "DE": (10, "Y"), "CE": (100, "Y")}
    if unit in smaller:
        factor, small = smaller[unit]
        if float(amount * factor).is_integer():
            return _duration_value(int(amount * factor), small)
    text = f"{amount:g}"
    return _duration_value(None, unit).replace("X", text)


def _r_half_unit(m: re.Match[str], ctx: _Context) -> Resolved | None:
    return "DURATION", _fractional_duration(0.5, _unit_code(m.group("unit"))), _mod_of(_g(m, "mod"))


def _r_bare_units(m: re.Match[str], ctx: _Context) -> Resolved | None:
    unit = _unit_code(m.group("unit"))
    return "DURATION", _duration_value(None, unit), None


def _r_the_past_unit(m: re.Match[str], ctx: _Context) -> Resolved | None:
    unit = _unit_code(m.group("unit"))
    return "DURATION", _duration_value(1, unit), None


def _r_set(m: re.Match[str], ctx: _Context) -> Resolved | None:
    word = m.group(0).lower()
    adverbs = {"daily": "P1D", "nightly": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y", "annually": "P1Y",
               "hourly": "PT1H", "quarterly": "P3M", "biweekly": "P2W", "biannually": "P6M", "semiannually": "P6M"}  # fmt: skip
    if word in adverbs:
        return "SET", adverbs[word], None
    if _g(m, "wd"):
        weekday = WEEKDAYS[m.group("wd").lower()]
        part = PARTS_OF_DAY.get((_g(m, "part") or "").lower())
        return "SET", f"XXXX-WXX-{weekday}" + (f"T{part}" if part else ""), None
    if _g(m, "mon"):
        return "SET", f"XXXX-{MONTHS[m.group('mon').rstrip('.').lower()]:02d}", None
    if _g(m, "part"):
        return "SET", f"XXXX-XX-XXT{PARTS_OF_DAY[m.group('part').lower()]}", None
    unit = _unit_code(m.group("unit"))
    n = parse_number(m.group("n")) if _g(m, "n") else 1
    return "SET", _duration_value(n or 1, unit), None


def _r_ref(m: re.Match[str], ctx: _Context) -> Resolved | None:
    word = " ".join(m.group(0).lower().split())
    if word in (
        "now",
        "currently",
        "current",
        "at present",
        "presently",
        "the present",
        "nowadays",
        "these days",
        "today's",
        "right now",
        "at the moment",
        "for now",
        "so far",
        "to date",
        "the moment",
        "this time",
    ):
        return "DATE", "PRESENT_REF", None
    if word in (
        "recently",
        "recent",
        "lately",
        "the past",
        "previously",
        "formerly",
        "once",
        "more recently",
        "in recent years",
        "in the past",
    ):
        return "DATE", "PAST_REF", None
    return "DATE", "FUTURE_REF", None


def _clock(m: re.Match[str], day_value: str) -> Resolved:
    hour = int(m.group("h"))
    minute = int(m.group("min") or 0)
    ampm = (_g(m, "ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return "TIME", f"{day_value}T{hour:02d}:{minute:02d}", None


def _r_clock(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if _g(m, "h") is None:
        word = m.group("named").lower()
        hour, minute = (12, 0) if word == "noon" else (0, 0) if word == "midnight" else (12, 0)
    else:
        hour = int(m.group("h"))
        minute = int(m.group("min") or 0)
        if hour > 23 or minute > 59:
            return None
    day_value = "XXXX-XX-XX"
    if _g(m, "wd"):
        weekday = WEEKDAYS[m.group("wd").lower()]
        if ctx.anchor is not None:
            day_value = _iso(_weekday_date(ctx.anchor, weekday, ctx.tense(m)))
        else:
            day_value = f"XXXX-WXX-{weekday}"
    elif _g(m, "rd"):
        offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[m.group("rd").lower()]
        if ctx.anchor is not None:
            day_value = _iso(ctx.anchor + timedelta(days=offset))
    elif _g(m, "mon"):
        month = MONTHS[m.group("mon").rstrip(".").lower()]
        day = _leading_int(m.group("d"))
        if ctx.anchor is not None:
            day_value = f"{_pick_year_for_month(ctx, m, month, day):04d}-{month:02d}-{day:02d}"
        else:
            day_value = f"XXXX-{month:02d}-{day:02d}"
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", ctx.last_value[:10]) and re.fullmatch(
        r"\s*,?\s*(?:at|@|around|about)?\s*", ctx.text[max(ctx.last_end, 0) : m.start()]
    ):
        day_value = ctx.last_value[:10]  # "Dec. 31, 2024, at 11:59 p.m."
    elif ctx.anchor is not None:
        day_value = _iso(ctx.anchor)
    zone = "Z" if re.search(r"\b(?:UTC|GMT)\b", m.group(0)) else ""
    if _g(m, "h") is None:
        return "TIME", f"{day_value}T{hour:02d}:{minute:02d}", None
    ampm = (_g(m, "ampm") or "").lower().replace(".", "").replace(" ", "")
    if ampm.startswith("p") and hour < 12:
        hour += 12
    if ampm.startswith("a") and hour == 12:
        hour = 0
    return "TIME", f"{day_value}T{hour:02d}:{minute:02d}{zone}", _mod_of(_g(m, "mod"))


def _r_holiday(m: re.Match[str], ctx: _Context) -> Resolved | None:
    name = " ".join(m.group("hol").lower().replace("’", "'").split())
    pre = (_g(m, "pre") or "").lower()
    if ctx.anchor is None:
        return (
            "DATE",
            "XXXX-11-XX" if name.startswith("thanksgiving") else "XXXX-{:02d}-{:02d}".format(*HOLIDAYS[name]),
            None,
        )

    def on(year: int) -> date:
        if name.startswith("thanksgiving"):  # fourth Thursday of November (US)
            first = date(year, 11, 1)
            return first + timedelta(days=(4 - first.isoweekday()) % 7 + 21)
        month, day = HOLIDAYS[name]
        return date(year, month, day)

    a = ctx.anchor
    if pre == "last":
        day_ = on(a.year) if on(a.year) < a else on(a.year - 1)
    elif pre == "next":
        day_ = on(a.year) if on(a.year) > a else on(a.year + 1)
    elif pre == "this":
        day_ = on(a.year)
    else:
        candidate = on(a.year)
        year = _pick_year_for_month(ctx, m, candidate.month, candidate.day)
        day_ = on(year)
    return "DATE", _iso(day_), None


def _r_week_of(m: re.Match[str], ctx: _Context) -> Resolved | None:
    month = MONTHS[m.group("mon").rstrip(".").lower()]
    day = _leading_int(m.group("d"))
    if ctx.anchor is None:
        return None
    year = _pick_year_for_month(ctx, m, month, day)
    try:
        return "DATE", _week(date(year, month, day)), None
    except ValueError:
        return None


# --- the grammar --------------------------------------------------------------------------------

_PART_RE = r"(?:morning|afternoon|evening|night)"
_EDGE_RE = (
    r"(?:early|late|mid|the end of|the beginning of|the start of|the middle of|end of|beginning of|start of|middle of)"
)
_AMPM_RE = r"(?:a\.\s?m\.?|p\.\s?m\.?|am\b|pm\b)"
_RELWORD_RE = (
    r"(?:this past|this coming|the coming|the previous|the following|the current|the same|earlier this|later this|"
    r"early this|late this|early next|late next|early last|late last|the end of this|the end of last|the end of next|"
    r"the beginning of this|the beginning of next|the start of this|the middle of this|the middle of next|"
    r"the end of the|by the end of this|last|next|this|coming|previous|following|current)"
)

_PATTERNS: list[tuple[str, str, Resolver | None, str]] = [
    # name, regex, resolver, kind (used by options: date | time | duration | set | ref)
    ("full_date",
     rf"(?:(?P<wdx>{_WEEKDAY_RE}),?\s+)?(?P<mon>{_MONTH_RE})\s+(?P<d>{_DAYNUM_RE})(?:\s?,?\s+(?:(?P<y>{_YEAR_RE})|(?P<sy>{_SPOKEN_YEAR_RE})))?\b",
     _r_full_date, "date"),
    ("day_month_date",
     rf"(?:{_WEEKDAY_RE},?\s+)?(?:the\s+)?(?P<d>{_DAYNUM_RE})\s+(?:of\s+)?(?P<mon>{_MONTH_RE})(?:\s?,?\s+(?P<y>{_YEAR_RE}))?\b",
     _r_full_date, "date"),
    ("iso_date", r"\b(?P<y>(?:19|20)\d\d)-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?:T(?P<h>[01]\d|2[0-3]):(?P<min>[0-5]\d)(?::\d\d(?:\.\d+)?)?(?P<z>Z|[+-]\d\d:?\d\d)?)?\b", _r_iso, "date"),
    ("numeric_date", r"\b(?P<a>[01]?\d|[23]\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)?\d\d)\b", _r_numeric_date, "date"),
    ("month_year",
     rf"(?:(?P<mod>{_EDGE_RE})[\s-]+)?(?P<mon>{_MONTH_RE}),?\s+(?:of\s+)?(?:(?P<y>{_YEAR_RE})\b|(?P<sy>{_SPOKEN_YEAR_RE}))",
     _r_month_year, "date"),
    ("month",
     rf"(?:(?P<mod>{_EDGE_RE})[\s-]+)?(?:(?P<pre>last|next|this|this past|this coming|past)\s+)?(?P<mon>{_MONTH_RE})(?:\s+(?:of\s+)?(?:this|last|next)\s+year)?",
     _r_month, "date"),
    ("week_of", rf"\bthe\s+week\s+of\s+(?P<mon>{_MONTH_RE})\s+(?P<d>{_DAYNUM_RE})\b", _r_week_of, "date"),
    ("year",
     rf"(?:(?P<mod>{_EDGE_RE})[\s-]+)?(?:\b(?:the\s+)?year\s+)?(?<![\d$£€#.,/])(?<!\d-)\b(?:(?P<y>{_YEAR_RE})\b(?![-/]\d|\.\d|,\d{{3}})|(?P<sy>{_SPOKEN_YEAR_RE})\b(?!\s+years))",
     _r_year, "date"),
    ("decade",
     r"(?:\bthe\s+)?(?:(?P<mod>early|late|mid)[\s-]+)?(?:\b(?P<dc>(?:1[6-9]|20)\d0)'?s\b|'(?P<short>\d)0s\b|\b(?P<word>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b)",
     _r_decade, "date"),
    ("century",
     r"(?:\bthe\s+)?(?:(?P<mod>early|late|mid)[\s-]+)?(?:\b(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-]+|\bthis\s+)century\b",
     _r_century, "date"),
    ("quarter",
     rf"(?:\b(?P<rel>the|its|this year's|last year's|next year's|the year-earlier|the year-ago|a flat|the latest|the fiscal|the|last|next)\s+)?"
     rf"(?:(?P<y0>{_YEAR_RE})\s+)?(?:(?:fiscal|calendar)\s+)?\b(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:(?P<half>half)|quarters?)\b"
     rf"(?:\s+of\s+(?:(?:the\s+)?(?:fiscal|calendar)\s+(?:year\s+)?)?(?P<y>{_YEAR_RE})|\s+of\s+(?P<rel2>this|last|next|the previous|the next)\s+(?:fiscal\s+)?year)?",
     _r_quarter, "date"),
    ("quarter_q", rf"\b(?P<ord>)Q(?P<q>[1-4])(?:\s+(?P<y>{_YEAR_RE}))?\b", None, "date"),
    ("season",
     rf"(?:(?P<mod>{_EDGE_RE})[\s-]+)?(?:(?P<pre>this|last|next|the|this past|this coming|past|coming)\s+)?\b(?P<season>spring|summer|fall|autumn|winter)\b(?:\s+(?:of\s+)?(?:(?P<y>{_YEAR_RE})\b|(?P<sy>{_SPOKEN_YEAR_RE})))?",
     _r_season, "date"),
    ("relative_day",
     rf"(?:\b(?P<mod>early|late|earlier|later)\s+)?\b(?P<rd>the day before yesterday|the day after tomorrow|today|tonight|yesterday|tomorrow)\b(?:\s+(?P<part>{_PART_RE})\b)?",
     _r_relative_day, "date"),
    ("part_of_day", r"\b(?P<pre>this|last|tomorrow|yesterday)\s+(?P<part>morning|afternoon|evening|night)\b", _r_part_of_day, "time"),
    ("weekday",
     rf"(?:\b(?P<pre>last|next|this|this past|this coming|coming|past|earlier|later|early|late)\s+(?:on\s+)?)?\b(?P<wd>{_WEEKDAY_RE})\b(?:\s+(?P<part>{_PART_RE})\b)?",
     _r_weekday, "date"),
    ("relative_unit",
     rf"(?:\b(?P<mod>{_APPROX_RE})\s+)?\b(?P<pre>{_RELWORD_RE}|earlier|later|early|late)\s+(?P<unit>week|weekend|month|year|quarter|decade|century)\b(?!-|\s+(?:of|ago|earlier|later))",
     _r_relative_unit, "date"),
    ("the_weekend", r"\b(?P<pre>the)\s+(?P<unit>weekend)\b", _r_relative_unit, "date"),
    ("earlier_in_year", r"\b(?P<pre>earlier|later)\s+in\s+the\s+(?P<unit>year|month|week)\b", _r_relative_unit, "date"),
    ("ago",
     rf"(?:\b(?P<mod>{_APPROX_RE})\s+)?\b(?P<n>{_NUMBER_RE})\s+(?:more\s+)?(?P<unit>{_UNIT_RE})\s+(?:or so\s+)?(?P<dir>ago|earlier|later|from now|hence)\b(?!\s+than\b)",
     _r_ago, "date"),
    ("year_ago_period",
     r"\b(?:the\s+)?(?:year-earlier|year-ago|year earlier|prior-year|year-before)(?:\s+(?:period|quarter))?\b|\b(?:the\s+)?(?:same|corresponding|comparable|like)\s+(?:period|quarter)\s+(?:a\s+year\s+(?:ago|earlier)|last\s+year|of\s+(?:last|the\s+previous)\s+year)\b|\blast year's (?:quarter|period)\b",
     _r_year_ago_period, "date"),
    ("that_unit", r"(?:\b(?P<mod>earlier|later|early|late)\s+(?:in\s+)?)?\b(?:that|the same)\s+(?P<unit>day|week|month|year)\b(?!-)", _r_that_unit, "date"),
    ("period_ref", r"\bthe\s+(?:latest|current|most recent|recent|same)\s+(?:quarter|period)\b|\bthe\s+quarter\b|\bthis\s+quarter\b", _r_period_ref, "date"),
    ("fiscal",
     rf"\b(?:(?P<pre>the|this|last|next|the current|the previous|the next|its)\s+)?(?:fiscal(?:\s+year)?|FY)\s*(?:(?P<y>{_YEAR_RE}|'?\d\d)\b)?",
     _r_fiscal, "date"),
    ("clock",
     rf"(?:\b(?P<mod>about|around|approximately|roughly|shortly after|shortly before|just after|just before)\s+)?"
     rf"(?:\b(?P<h>[01]?\d|2[0-3])(?::(?P<min>[0-5]\d))?\s*(?P<ampm>{_AMPM_RE})|\b(?P<named>noon|midnight|midday))"
     rf"(?:\s+(?:[A-Z]{{2,4}}T|GMT|UTC)\b)?(?:,?\s+(?:on\s+)?(?:(?P<wd>{_WEEKDAY_RE})|(?P<rd>today|tonight|yesterday|tomorrow)|(?P<mon>{_MONTH_RE})\s+(?P<d>{_DAYNUM_RE}))\b)?",
     _r_clock, "time"),
    ("clock_24",
     rf"\b(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)\b(?!:\d|\.\d)(?:\s+(?:[A-Z]{{2,4}}T|GMT|UTC)\b)?(?:,?\s+(?:on\s+)?(?:(?P<wd>{_WEEKDAY_RE})|(?P<rd>today|tonight|yesterday|tomorrow))\b)?",
     _r_clock, "time"),
    ("year_period", rf"\bthe\s+(?P<y>{_YEAR_RE})\s+(?:period|quarter)\b", _r_year_period, "date"),
    ("holiday",
     r"(?:\b(?P<pre>last|next|this)\s+)?\b(?P<hol>(?-i:Christmas Eve|Christmas Day|Christmas|New Year['’]s Eve|New Year['’]s Day|Valentine['’]s Day|Halloween|Independence Day|Boxing Day|St\. Patrick['’]s Day|Thanksgiving(?: Day)?))\b",
     _r_holiday, "date"),
    ("duration",
     rf"(?:\b(?P<det>the|a|an|another)\s+)?(?:\b(?P<rel>past|last|next|first|previous|coming|following|final|recent|latest|initial|remaining|same|additional|subsequent|preceding|ensuing|better part of the|entire|whole|full)\s+)?"
     rf"(?:\b(?P<mod>{_APPROX_RE})\s+)?\b(?P<n>{_NUMBER_RE})(?:\s+(?:and\s+a\s+half|more|full|straight|consecutive|long|additional|extra))?(?:\s+(?:trading|business|working|calendar|school))?[\s-]+(?P<unit>{_UNIT_RE})\b(?:[\s-](?:long|old))?(?!-(?!long|old))",
     _r_duration, "duration"),
    ("half_unit",
     rf"(?:\b(?P<mod>{_APPROX_RE})\s+)?\b(?:half\s+(?:an?|the)\s+|a\s+half[\s-]|half-)(?P<unit>hour|day|year|century|decade|minute|week)\b(?!-)(?:\s+(?:later|earlier))?",
     _r_half_unit, "duration"),
    ("bare_units",
     r"(?:\b(?:recent|coming|the coming|in coming|the past|past|the last|the next|next|the first|the ensuing|the following|the)\s+)?\b(?P<unit>seconds|minutes|hours|days|weeks|months|quarters|years|decades|centuries)\b(?:\s+ahead)?(?!\s+(?:ago|of|earlier|later|before|after|when|that|in which))(?:-long)?",
     _r_bare_units, "duration"),
    ("the_past_unit",
     r"\b(?:the\s+)?(?:past|last|next|coming|previous|following|better part of a|entire|whole|full)\s+(?P<unit>year|month|week|decade|century|day|quarter)\b(?!-|\s+(?:ago|of|earlier|later))(?:\s+or\s+so\b)?",
     _r_the_past_unit, "duration"),
    ("unit_long", r"\b(?P<unit>decade|year|month|week|day|hour|century)s?-long\b", _r_bare_units, "duration"),
    ("set",
     rf"\b(?:daily|nightly|weekly|monthly|yearly|annually|hourly|biweekly|biannually|semiannually)\b"
     rf"|\b(?:every|each)\s+(?:other\s+)?(?:(?P<n>{_NUMBER_RE})\s+)?(?:(?P<unit>{_UNIT_SG_RE}s?)|(?P<wd>{_WEEKDAY_RE})(?:\s+(?P<part>{_PART_RE}))?|(?P<mon>{_MONTH_RE})|(?P<part2>morning|afternoon|evening|night))\b"
     rf"|\b(?P<wdp>(?-i:Mondays|Tuesdays|Wednesdays|Thursdays|Fridays|Saturdays|Sundays))\b"
     rf"|\b(?:once|twice|times)\s+(?P<x>(?:a|an|per|each)\s+(?P<unit2>{_UNIT_SG_RE}))\b"
     rf"|\bper\s+(?P<unit3>{_UNIT_SG_RE})\b",
     None, "set"),
    ("ref",
     r"\b(?:now|currently|current|at present|presently|the present|nowadays|these days|recently|more recently|recent|lately|the past|the near future|the future|the foreseeable future)\b(?!-)",
     _r_ref, "ref"),
]  # fmt: skip


def _r_quarter_q(m: re.Match[str], ctx: _Context) -> Resolved | None:
    q = int(m.group("q"))
    year = int(m.group("y")) if _g(m, "y") else (ctx.anchor.year if ctx.anchor else None)
    return "DATE", (f"{year:04d}" if year else "XXXX") + f"-Q{q}", None


def _r_set_all(m: re.Match[str], ctx: _Context) -> Resolved | None:
    if _g(m, "wdp"):
        return "SET", f"XXXX-WXX-{WEEKDAYS[m.group('wdp').lower().rstrip('s')]}", None
    if _g(m, "part2"):
        return "SET", f"XXXX-XX-XXT{PARTS_OF_DAY[m.group('part2').lower()]}", None
    for name in ("unit2", "unit3"):
        if _g(m, name):
            return "SET", _duration_value(1, _unit_code(m.group(name))), None
    return _r_set(m, ctx)


_RESOLVERS_OVERRIDE = {"quarter_q": _r_quarter_q, "set": _r_set_all}
_COMPILED = [
    (name, re.compile(pattern, re.IGNORECASE), _RESOLVERS_OVERRIDE.get(name, resolver), kind, priority)
    for priority, (name, pattern, resolver, kind) in enumerate(_PATTERNS)
]

# words that only count as a duration when something else makes them temporal
_LONE_ARTICLE_UNITS = re.compile(r"^(?:a|an|the|one)\s+(?:day|night)$", re.IGNORECASE)
_LEADING_PREP = re.compile(
    r"^(?:on|in|at(?!\s+(?:least|most)\b)|by|since|until|till|during|from|for|of|to)\s+", re.IGNORECASE
)
# TempEval extents: hedges and determiners of adjectival durations stay outside the expression
_HEDGE = re.compile(
    r"^(?:just|only|barely|over|some|about|around|approximately|roughly|as long as|as many as|as much as|well over|"
    r"just over|just under|up to|close to|right)\s+",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:the|a|an|its|their|his|her|another)\s+", re.IGNORECASE)
_RELATIVE_EDGE = re.compile(r"^(?:earlier|later|early|late)\s+(?:on\s+)?", re.IGNORECASE)


def _trim_extent(name: str, kind: str, text: str, start: int, end: int) -> tuple[int, int]:
    """Move a span's edges to TimeML's conventions (hedges out, adjectival determiners out…)."""
    span = text[start:end]
    if kind in ("DURATION",) or name in ("ago",):
        hedge = _HEDGE.match(span)
        if hedge:
            start += hedge.end()
            span = text[start:end]
    if kind == "DURATION":
        # "a 16-hour flight", "a five year plan": the determiner belongs to the noun that follows
        det = _DETERMINER.match(span)
        if det and re.match(
            rf"(?:\d+|{_TENS_RE}|(?!a\b|an\b)(?:{_SMALL_RE}))[\s-]+(?:second|minute|hour|day|week|month|year|decade|century)\b(?!s)",
            span[det.end() :],
            re.IGNORECASE,
        ):
            start += det.end()
            span = text[start:end]
    if kind == "DURATION":
        tail = re.search(r"\s+(?:later|earlier)$", span, re.IGNORECASE)
        if tail:
            end -= len(tail.group(0))
            span = text[start:end]
    if name in ("weekday",):
        edge = _RELATIVE_EDGE.match(span)
        if edge:
            start += edge.end()
    if name in ("quarter", "decade", "century"):
        det = re.match(r"^(?:its|their|the)\s+", span, re.IGNORECASE)
        if det and (
            (name == "quarter" and ("-" in span or det.group(0).lower().startswith(("its", "their"))))
            or (name != "quarter" and re.match(r"\d", span[det.end() :]))
        ):
            start += det.end()
    return start, end


# expressions that name a time outright and so become the reference for "a year earlier" etc.
_REFERENCE_SETTERS = {
    "full_date",
    "day_month_date",
    "iso_date",
    "numeric_date",
    "month_year",
    "month",
    "year",
    "quarter",
    "quarter_q",
    "year_period",
    "relative_unit",
}


def to_date(anchor: date | datetime | str | None) -> date | None:
    """The calendar day of an anchor given as a date, a datetime or an ISO string; None if unreadable."""
    if anchor is None or anchor == "":
        return None
    if isinstance(anchor, datetime):
        return anchor.date()
    if isinstance(anchor, date):
        return anchor
    if isinstance(anchor, str):
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", anchor.strip())
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
    raise AnalysisError(
        f"the anchor date {anchor!r} is not an ISO date",
        hint="pass a datetime.date or a 'YYYY-MM-DD' string (or None when the publication date is unknown)",
    )


def _text_of(doc: Any) -> str | None:
    """The text of a parse (read once per spaCy Doc: ``Doc.text`` joins every token), or None."""
    from spacy.tokens import Doc

    from ..resources import doc_text

    return doc_text(doc) if isinstance(doc, Doc) else getattr(doc, "text", None)


def find_timexes(
    text: str,
    anchor: date | datetime | str | None = None,
    doc: Any = None,
    options: TimexOptions | None = None,
) -> list[Timex]:
    """Temporal expressions in ``text``, normalised against ``anchor`` (publication date).

    ``anchor`` is a date, an ISO ``YYYY-MM-DD…`` string or None (then relative expressions keep
    unknown parts as ``X``). ``doc`` (optional spaCy Doc of exactly ``text``) lets the tense of the
    governing verb settle "Monday"/"April" (future or past); without it, or when the parse says
    nothing, the nearest tense cue word decides. A doc of another text is ignored.
    Returns non-overlapping expressions in text order.
    """
    options = options or TimexOptions()
    if not isinstance(text, str):
        raise AnalysisError(f"find_timexes needs a str, got {type(text).__name__}", hint="pass the article text")
    anchor_date = to_date(anchor)
    allowed = {"date", "time", "duration", "set", "ref"}
    if not options.durations:
        allowed.discard("duration")
    if not options.sets:
        allowed.discard("set")
    if not options.vague_refs:
        allowed.discard("ref")
    if not options.times:
        allowed.discard("time")

    candidates: list[tuple[int, int, int, str, re.Match[str]]] = []
    for name, pattern, _, kind, priority in _COMPILED:
        if kind not in allowed:
            continue
        for m in pattern.finditer(text):
            if m.end() > m.start():
                candidates.append((m.start(), m.end(), priority, name, m))
    # longest first; on equal length the earlier pattern (more specific) wins
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, int, str, re.Match[str]]] = []
    for cand in candidates:
        start, end = cand[0], cand[1]
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        chosen.append(cand)
        taken.append((start, end))
    chosen.sort(key=lambda c: c[0])

    if doc is not None and _text_of(doc) != text:
        log.debug("find_timexes: the doc is not of this text; ignoring it")
        doc = None
    ctx = _Context(text=text, anchor=anchor_date, doc=doc)
    resolvers = {name: resolver for name, _, resolver, _, _ in _COMPILED}
    out: list[Timex] = []
    for start, end, _, name, m in chosen:
        if m.groupdict().get("x"):
            start, end = m.span("x")
        span_text = text[start:end]
        if name == "duration" and _LONE_ARTICLE_UNITS.match(span_text.strip()):
            continue
        resolver = resolvers[name]
        if resolver is None:  # every pattern has one (_RESOLVERS_OVERRIDE fills the rest)
            continue
        try:
            resolved = resolver(m, ctx)
        except (ValueError, KeyError, OverflowError) as exc:  # an impossible date in the text
            log.debug("could not resolve %r (%s): %s", span_text, name, exc)
            resolved = None
        if resolved is None:
            continue
        kind, value, mod = resolved
        # extents exclude a leading preposition ("on Monday" → "Monday")
        lead = _LEADING_PREP.match(span_text)
        if lead:
            start += lead.end()
        start, end = _trim_extent(name, kind, text, start, end)
        # and trailing spaces/punctuation that the patterns may swallow
        span_text = text[start:end]
        stripped = span_text.rstrip(" ,")
        end = start + len(stripped)
        weekday_prefix = m.groupdict().get("wdx")
        if weekday_prefix and kind == "DATE" and m.start("wdx") >= start:
            # "Thursday, Jan. 6" is two expressions with one value
            out.append(
                Timex(start=m.start("wdx"), end=m.end("wdx"), text=weekday_prefix, type=kind, value=value, mod=mod)
            )
            start = m.start("mon")
        out.append(Timex(start=start, end=end, text=text[start:end], type=kind, value=value, mod=mod))
        ctx.last_end, ctx.last_value = end, value
        if kind in ("DATE", "TIME") and re.match(r"\d{4}", value) and name in _REFERENCE_SETTERS:
            ctx.last_date = value
        if (
            kind == "DATE"
            and re.fullmatch(r"\d{4}-[QH]\d", value)
            and name in ("quarter", "quarter_q", "relative_unit")
        ):
            ctx.last_quarter = value
    return out


# --- calendar periods: what a resolved value covers ---------------------------------------------

_SEASON_START = {"WI": 1, "SP": 3, "SU": 6, "FA": 9}


def calendar_period(value: str) -> tuple[date, date, str] | None:
    """First day, last day and precision of a TIMEX3 calendar value; None for anything else
    (``2025-W12`` → 2025-03-17 … 2025-03-23, week; ``2025`` → the year; ``2025-03-18TEV`` → the day)."""
    try:
        if m := re.match(r"^(\d{4})-(\d{2})-(\d{2})", value):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return day, day, "day"
        if m := re.match(r"^(\d{4})-W(\d{1,2})(?:-WE)?$", value):
            first = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            return first, first + timedelta(days=6), "week"
        if m := re.match(r"^(\d{4})-(\d{2})$", value):
            year, month = int(m.group(1)), int(m.group(2))
            last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return date(year, month, 1), last, "month"
        if m := re.match(r"^(\d{4})-Q([1-4])$", value):
            year, quarter = int(m.group(1)), int(m.group(2))
            first = date(year, 3 * quarter - 2, 1)
            last = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
            return first, last, "quarter"
        if m := re.match(r"^(\d{4})-H([12])$", value):
            year, half = int(m.group(1)), int(m.group(2))
            return date(year, 6 * half - 5, 1), date(year, 6 * half, 30 if half == 1 else 31), "half"
        if m := re.match(r"^(\d{4})-(WI|SP|SU|FA)$", value):
            year, month = int(m.group(1)), _SEASON_START[m.group(2)]
            return date(year, month, 1), date(year, month, 28) + timedelta(days=62), "season"
        if m := re.match(r"^(\d{4})$", value):
            return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31), "year"
        if m := re.match(r"^(\d{3})$", value):
            return date(int(m.group(1)) * 10 or 1, 1, 1), date(int(m.group(1)) * 10 + 9, 12, 31), "decade"
    except ValueError:
        return None
    return None


@dataclass(frozen=True, slots=True)
class DatedSpan:
    """A date expression of a text resolved to the calendar days it can denote (``first`` … ``last``,
    at its ``precision``: day, week, weekend, month, …)."""

    start: int
    end: int
    text: str
    value: str
    first: date
    last: date
    precision: str

    def compatible(self, other: DatedSpan) -> bool:
        """Whether the two can denote the same time: their periods overlap."""
        return self.first <= other.last and other.first <= self.last


def dated_spans(text: str, anchor: date | datetime | str | None, doc: Any = None) -> list[DatedSpan]:
    """The date and time expressions of ``text`` that resolve to calendar days against ``anchor``
    (the article's publication date): "Tuesday" in an article of Wednesday 2 November 2011 is
    2011-11-01; "this weekend" is its Saturday and Sunday; "earlier this month" is the month.
    Expressions that stay relative (no anchor), durations, sets and vague references ("recently")
    are left out, so an undated text gives only its absolute dates."""
    out = []
    anchor_day = to_date(anchor)
    for timex in find_timexes(text, anchor_day, doc, TimexOptions(durations=False, sets=False, vague_refs=False)):
        if timex.type not in ("DATE", "TIME") or "X" in timex.value:
            continue
        found = calendar_period(timex.value)
        if found is None:
            continue
        first, last, precision = found
        if timex.value.endswith("-WE"):
            first, last, precision = first + timedelta(days=5), last, "weekend"
        elif precision == "week":
            # a week may run Sunday to Saturday (US usage) as well as Monday to Sunday (ISO): on a
            # Sunday, "last week" is the week just ending for many writers
            first -= timedelta(days=1)
            if anchor_day is not None and anchor_day.isoweekday() == 7:
                last += timedelta(days=6)
        out.append(DatedSpan(timex.start, timex.end, timex.text, timex.value, first, last, precision))
    return out
