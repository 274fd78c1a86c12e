"""Timeline stage: dated events of one story, with the articles that report them.

Each sentence that carries a temporal expression is an event mention; the expression is
normalised against its article's publication date (see :mod:`newsdesk.analysis.timex`) and the sentence is
placed on the story's timeline. Mentions of the same event from several articles (same date,
similar sentence) become one entry listing every source.

Articles without a publication date never get a made-up date: their relative expressions
("Monday", "last month") stay relative, the entries are marked ``undated`` and follow the dated
entries in the order the articles and sentences came. Absolute expressions ("March 18, 2025",
"in 1939") still date an event whatever the article's date.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .sentences import Sentence, article_sentences
from .timex import Timex, TimexOptions, find_timexes

if TYPE_CHECKING:  # pragma: no cover
    from .context import StoryContext

__all__ = [
    "NAME", "SECTIONS", "Options", "TimexOptions", "Timex", "find_timexes", "TimelineFindings", "TimelineOptions",
    "TimelineEntry", "build_timeline", "run",
]

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "timeline"
SECTIONS: tuple[str, ...] = ("timeline",)


@dataclass(frozen=True, kw_only=True)
class TimelineOptions:
    """How events are placed and merged.

    * ``timex``: the grammar's options (:class:`TimexOptions`).
    * ``use_embeddings``: compare event sentences with the MiniLM encoder when merging mentions
      from different articles (default True); False uses word overlap only (no model).
    * ``merge_similarity``: cosine similarity (MiniLM) above which two sentences with the same
      date describe the same event; default 0.6.
    * ``merge_overlap``: word-overlap (Jaccard of content words) above which two sentences with
      the same date describe the same event without embeddings; default 0.35.
    * ``coarse_dates``: keep events dated only to a month, week, season, year or decade (default
      True); False keeps day-level events only.
    * ``max_text_chars``: longest event text kept; longer sentences are cut at a word (default 400).
    """

    timex: TimexOptions = field(default_factory=TimexOptions)
    use_embeddings: bool = True
    merge_similarity: float = 0.6
    merge_overlap: float = 0.35
    coarse_dates: bool = True
    max_text_chars: int = 400

    def __post_init__(self) -> None:
        if not isinstance(self.timex, TimexOptions):
            raise OptionsError("TimelineOptions.timex must be a TimexOptions", hint="pass timex=TimexOptions(...)")
        for name in ("merge_similarity", "merge_overlap"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
                raise OptionsError(
                    f"TimelineOptions.{name} must be a number in (0, 1], got {value!r}",
                    hint="higher merges fewer mentions; 0.6 (similarity) and 0.35 (overlap) are the defaults",
                )
        if not isinstance(self.max_text_chars, int) or self.max_text_chars < 40:
            raise OptionsError(
                f"TimelineOptions.max_text_chars must be an integer >= 40, got {self.max_text_chars!r}",
                hint="use 400 (the default) or more",
            )
        for name in ("use_embeddings", "coarse_dates"):
            if not isinstance(getattr(self, name), bool):
                raise OptionsError(f"TimelineOptions.{name} must be True or False", hint=f"pass {name}=True or {name}=False")


@dataclass(slots=True)
class TimelineEntry:
    """One event on a story's timeline.

    ``date`` is the ISO date (``2025-03-18``) or a coarser ISO/TIMEX3 period (``2025-03``,
    ``2025-W12``, ``2025-Q1``, ``2022``) when the event is known to that precision; None when it
    cannot be anchored, and then ``relative`` holds the expression as written ("Monday").
    ``sources`` are the ids of the articles that report the event, first reporter first.
    """

    date: str | None
    relative: str | None
    text: str
    sources: list[str]
    undated: bool = False
    value: str = ""  # the TIMEX3 value the entry was placed by
    expression: str = ""  # the temporal expression as written in the first source

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "relative": self.relative,
            "text": self.text,
            "sources": list(self.sources),
            "undated": self.undated,
            "value": self.value,
            "expression": self.expression,
        }


Options = TimelineOptions


@dataclass(frozen=True)
class TimelineFindings:
    """The timeline of one story: dated events in date order, then undated ones."""

    entries: tuple[TimelineEntry, ...]

    def sections(self) -> dict[str, Sequence[TimelineEntry]]:
        return {"timeline": self.entries}


def run(context: "StoryContext", options: TimelineOptions) -> TimelineFindings:
    """When things happened in the story (:func:`build_timeline` over its member articles)."""
    docs = [context.doc(a.id) for a in context.articles]
    sentences = [context.sentences[a.id] for a in context.articles]
    return TimelineFindings(tuple(build_timeline(context.articles, docs, options, sentences=sentences)))


# --- placing events -------------------------------------------------------------------------------

_COARSE_RANK = {"day": 0, "week": 1, "month": 2, "season": 3, "quarter": 3, "half": 4, "year": 5, "decade": 6, "century": 7}
_SEASON_START = {"WI": 1, "SP": 3, "SU": 6, "FA": 9}


def period_start(value: str) -> tuple[date, str] | None:
    """First day and granularity of a TIMEX3 calendar value (2025-W12 → 2025-03-17, 'week')."""
    try:
        if m := re.match(r"^(\d{4})-(\d{2})-(\d{2})", value):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day"
        if m := re.match(r"^(\d{4})-W(\d{1,2})", value):
            return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), "week"
        if m := re.match(r"^(\d{4})-(\d{2})$", value):
            return date(int(m.group(1)), int(m.group(2)), 1), "month"
        if m := re.match(r"^(\d{4})-Q([1-4])$", value):
            return date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1), "quarter"
        if m := re.match(r"^(\d{4})-H([12])$", value):
            return date(int(m.group(1)), 6 * int(m.group(2)) - 5, 1), "half"
        if m := re.match(r"^(\d{4})-(WI|SP|SU|FA)$", value):
            return date(int(m.group(1)), _SEASON_START[m.group(2)], 1), "season"
        if m := re.match(r"^(\d{4})$", value):
            return date(int(m.group(1)), 1, 1), "year"
        if m := re.match(r"^(\d{3})$", value):
            return date(int(m.group(1)) * 10 or 1, 1, 1), "decade"
        if m := re.match(r"^(\d{2})$", value):
            return date(int(m.group(1)) * 100 or 1, 1, 1), "century"
    except ValueError:
        return None
    return None


def _entry_date(timex: Timex) -> str | None:
    """The ISO date or period an expression dates an event to; None when it cannot be anchored."""
    if not timex.anchored:
        return None
    start = period_start(timex.value)
    if start is None:
        return None
    if start[1] == "day":
        return timex.value[:10]
    return timex.value


def _event_timex(timexes: list[Timex]) -> Timex | None:
    """The expression that dates a sentence's event: the first calendar one, finest first on ties."""
    calendar = [t for t in timexes if t.type in ("DATE", "TIME") and not t.value.endswith("_REF")]
    if not calendar:
        return None
    anchored = [t for t in calendar if t.anchored and period_start(t.value)]
    return anchored[0] if anchored else calendar[0]


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d+")
_STOP = set(
    "the a an and or but of to in on at for with by from as is are was were be been has have had it its this that these those "
    "he she they we you i his her their our your not no will would said says say also after before over about than then "
    "there here which who whom what when where while into out up down more most some any all can could may might".split()
)


def _content_words(text: str) -> set[str]:
    """Lower-cased content words with possessive and plural -s removed (crude but model-free)."""
    out = set()
    for word in _WORD.findall(text):
        w = re.sub(r"['’]s?$", "", word.lower())
        if w in _STOP or len(w) < 3:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


_QUOTE = re.compile(r"“[^”]{3,}”|\"[^\"\n]{3,}\"")
_SAID_BEFORE = re.compile(
    r"\b(?:said|says|told|wrote|added|posted|announced|declared|stated|tweeted|warned|insisted)\b[^.!?“”\"]{0,40}$",
    re.IGNORECASE,
)


def reanchor_quotes(text: str, timexes: list[Timex], options: TimexOptions) -> list[Timex]:
    """Relative dates inside a quotation count from the day it was spoken, when the text says.

    In '“Tomorrow, I will speak with Putin,” Trump said on Monday.' the quote's "Tomorrow" is the
    day after Monday, not the day after publication. The day of speaking is a dated expression
    outside quotes, right after a reporting verb, within a few words of the quotation.
    """
    out = list(timexes)
    quotes = [q.span() for q in _QUOTE.finditer(text)]
    if not quotes:
        return out

    def quoted(t: Timex) -> bool:
        return any(q_start <= t.start and t.end <= q_end for q_start, q_end in quotes)

    speech = [t for t in timexes if t.day and not quoted(t) and _SAID_BEFORE.search(text[max(0, t.start - 60) : t.start])]
    for q_start, q_end in quotes:
        inside = [i for i, t in enumerate(out) if q_start <= t.start and t.end <= q_end and t.type in ("DATE", "TIME")]
        if not inside:
            continue
        near = [
            t
            for t in speech
            if (0 <= t.start - q_end <= 80 and "\n" not in text[q_end : t.start])
            or (0 <= q_start - t.end <= 20 and "\n" not in text[t.end : q_start])
        ]
        if not near:
            continue
        day = near[0].day
        again = {(t.start + q_start, t.end + q_start): t for t in find_timexes(text[q_start:q_end], anchor=day, options=options)}
        for index in inside:
            t = out[index]
            fresh = again.get((t.start, t.end))
            if fresh is not None:
                out[index] = Timex(start=t.start, end=t.end, text=t.text, type=fresh.type, value=fresh.value, mod=fresh.mod)
    return out


@dataclass
class _Mention:
    article: str
    order: tuple[int, int]  # (article rank, sentence index)
    date: str | None
    relative: str | None
    value: str
    expression: str
    text: str
    undated: bool


def _article_mentions(
    article: Article, rank: int, doc: Any, sentences: Sequence[Sentence], options: TimelineOptions
) -> list[_Mention]:
    text = article.text or ""
    if getattr(doc, "text", None) != text:
        raise AnalysisError(f"the spaCy Doc given for article {article.id} is not a parse of its text",
                            hint="pass docs=None to parse the articles here")
    anchor = article.published
    if anchor is not None and not re.match(r"^\d{4}-\d{2}-\d{2}", str(anchor)):
        log.warning("article %s has an unreadable publication date %r; its relative dates stay relative", article.id, anchor)
        anchor = None
    timexes = reanchor_quotes(text, find_timexes(text, anchor=anchor, doc=doc, options=options.timex), options.timex)
    mentions: list[_Mention] = []
    pointer = 0
    for index, sentence in enumerate(sentences):
        s_start, s_end = sentence.start, sentence.end
        inside: list[Timex] = []
        while pointer < len(timexes) and timexes[pointer].start < s_end:
            if timexes[pointer].start >= s_start:
                inside.append(timexes[pointer])
            pointer += 1
        timex = _event_timex(inside)
        if timex is None:
            continue
        day = _entry_date(timex)
        if day is not None and not options.coarse_dates and (period_start(timex.value) or (None, ""))[1] != "day":
            continue
        undated = day is None
        mentions.append(
            _Mention(
                article=article.id,
                order=(rank, index),
                date=day,
                relative=None if day else timex.text,
                value=timex.value,
                expression=timex.text,
                text=_clip(text[s_start:s_end], options.max_text_chars),
                undated=undated,
            )
        )
    return mentions


def build_timeline(
    articles: Sequence[Article],
    docs: Sequence[Any] | None = None,
    options: TimelineOptions | None = None,
    *,
    sentences: Sequence[Sequence[Sentence]] | None = None,
) -> list[TimelineEntry]:
    """The timeline of one story: dated events in date order, then undated ones in text order.

    ``articles`` are the (canonical) articles of one story; ``docs`` optionally holds the spaCy
    parse of each article's text (same order; parsed here when None) and ``sentences`` each
    article's sentences (:attr:`StoryContext.sentences`; from the parses when None). Mentions of
    one event in several articles (same date, similar sentence) are merged into one entry with
    all sources.
    """
    options = options or TimelineOptions()
    for given, what in ((docs, "docs"), (sentences, "sentence lists")):
        if given is not None and len(given) != len(articles):
            raise AnalysisError(
                f"build_timeline got {len(articles)} articles but {len(given)} {what}",
                hint="pass one per article, in the same order, or None",
            )
    for article in articles:
        if not isinstance(article, Article):
            raise AnalysisError(f"build_timeline needs Article objects, got {type(article).__name__}", hint="pass the story's articles")
    if docs is None:
        from ..resources import parse

        docs = parse([a.text or "" for a in articles])
    if sentences is None:
        sentences = [article_sentences(a.text or "", doc) for a, doc in zip(articles, docs)]
    # earlier publications first, undated articles after them in the order given
    ranked = sorted(
        range(len(articles)),
        key=lambda i: (articles[i].published is None, articles[i].published or "", i),
    )
    mentions: list[_Mention] = []
    for rank, i in enumerate(ranked):
        article = articles[i]
        try:
            mentions.extend(_article_mentions(article, rank, docs[i], sentences[i], options))
        except AnalysisError as exc:
            log.warning("timeline: skipped article %s: %s", article.id, exc)
    if not mentions:
        return []

    vectors = None
    if options.use_embeddings and len({m.article for m in mentions}) > 1:
        from ..resources import embed

        vectors = embed([m.text for m in mentions])
    words = [_content_words(m.text) for m in mentions]

    entries: list[TimelineEntry] = []
    members: list[list[int]] = []
    for index, mention in enumerate(mentions):
        key = mention.date if mention.date is not None else None
        target = None
        if key is not None:
            for e_index, entry in enumerate(entries):
                if entry.date != key or mention.article in entry.sources:
                    continue
                same = False
                for other in members[e_index]:
                    if _jaccard(words[index], words[other]) >= options.merge_overlap:
                        same = True
                    elif vectors is not None and float(vectors[index] @ vectors[other]) >= options.merge_similarity:
                        same = True
                    if same:
                        break
                if same:
                    target = e_index
                    break
        if target is None:
            entries.append(
                TimelineEntry(
                    date=mention.date,
                    relative=mention.relative,
                    text=mention.text,
                    sources=[mention.article],
                    undated=mention.undated,
                    value=mention.value,
                    expression=mention.expression,
                )
            )
            members.append([index])
        else:
            entries[target].sources.append(mention.article)
            members[target].append(index)

    def sort_key(position: int) -> tuple[int, date, int, tuple[int, int]]:
        entry = entries[position]
        first = mentions[members[position][0]]
        if entry.date is None:
            return (1, date.max, 0, first.order)
        start, granularity = period_start(entry.date) or (date.max, "day")
        # a coarse period sorts before the days inside it ("March" before "March 18")
        return (0, start, -_COARSE_RANK.get(granularity, 0), first.order)

    return [entries[i] for i in sorted(range(len(entries)), key=sort_key)]

