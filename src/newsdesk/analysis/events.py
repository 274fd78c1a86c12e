"""Events of a story, dated: what happened (a call, a vote, a strike, a statement), when, and who says so.

A timeline of a story is not a list of every date its articles mention. An entry here is an
*event*: a predicate of a sentence (``held … call``, ``voted``, ``said``) that a temporal expression
of that sentence dates, found through the sentence's parse. Each entry carries:

* ``date`` and ``precision``: the calendar date (``2025-03-18``, ``2025-03``, ``2025``) when the text
  and the article's date give it — relative expressions ("Tuesday", "last month") are resolved
  against the article's publication date by :func:`newsdesk.analysis.timex.find_timexes`; ``None`` when they
  cannot be, and then ``relative`` keeps the expression and ``note`` says so ("Tuesday, in an
  undated article"). Nothing is guessed.
* ``kind``: ``event`` (the story's own events), ``background`` (history quoted as context: "since
  1945", the 1939 pact — dated well before the story) or ``planned`` (forecasts, plans and
  schedules: "will speak tomorrow", "in 2026 a new election cycle will begin").
* ``sources``: every article that reports it, with the sentence and the expression each used:
  the same event told by several outlets is one entry (same date or a compatible relative one,
  similar wording).

Entries come sorted: dated events by date (a month before the days inside it), then the undated
ones in the order of their articles. :func:`story_events` is what the timeline stage calls::

    entries = story_events(articles, docs=[docs[a.id] for a in articles])
    story_entries = [e for e in entries if e.kind == "event"]

The same parse-based pieces (:func:`event_probability`, :func:`governing_predicate`,
:func:`tense`) serve the SemEval-2015 TimeLine benchmark (``newsdesk bench timeline``).

Why one module of ~720 lines: finding event words, dating them and merging mentions across
articles into one entry are one algorithm over the same mentions.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .timex import DatedSpan, Timex, TimexOptions, dated_spans, find_timexes, to_date
from .timex import calendar_period as period

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data" / "events"
TRIGGER_MODEL_FILE = "trigger_model.json"
KINDS = ("event", "background", "planned")


@dataclass(frozen=True, kw_only=True)
class EventOptions:
    """How events are found, classed and merged.

    * ``background_days``: an event that ended more than this many days before the story's first
      dated article is background (default 30: last month's meeting is part of the story, the
      1939 pact is not).
    * ``undated_background_years``: in a story with no dated article, an absolute date more than
      this many years before the latest plausible date (crawl or today) is background (default 3).
    * ``merge_similarity``: cosine similarity (MiniLM) of two mentions' clauses above which they
      are one event, given compatible dates (default 0.6); ``merge_overlap``: the same by word
      overlap (Jaccard of content words) without embeddings (default 0.35).
    * ``use_embeddings``: compare mentions with the MiniLM encoder (default True).
    * ``max_text_chars``: longest sentence kept as an entry's text (default 400).
    """

    background_days: int = 30
    undated_background_years: int = 3
    merge_similarity: float = 0.6
    merge_overlap: float = 0.35
    use_embeddings: bool = True
    max_text_chars: int = 400
    timex: TimexOptions = field(default_factory=TimexOptions)

    def __post_init__(self) -> None:
        for name in ("background_days", "undated_background_years"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise OptionsError(
                    f"EventOptions.{name} must be a non-negative integer, got {value!r}", hint="e.g. 30 days / 3 years"
                )
        for name in ("merge_similarity", "merge_overlap"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
                raise OptionsError(
                    f"EventOptions.{name} must be a number in (0, 1], got {value!r}",
                    hint="higher merges fewer mentions",
                )
        if not isinstance(self.max_text_chars, int) or self.max_text_chars < 40:
            raise OptionsError(
                f"EventOptions.max_text_chars must be an integer >= 40, got {self.max_text_chars!r}",
                hint="the default is 400",
            )
        if not isinstance(self.use_embeddings, bool):
            raise OptionsError(
                "EventOptions.use_embeddings must be True or False",
                hint="pass use_embeddings=False to compare words only",
            )


@dataclass(frozen=True, slots=True)
class EventMention:
    """One article's telling of an event: the sentence, the event word and the date expression."""

    article: str
    start: int  # the sentence's character span in the article text
    end: int
    trigger: str  # the event word as written ("held", "call", "said")
    expression: str  # the temporal expression as written ("Tuesday", "March 18")
    value: str  # its TIMEX3 value against the article's date (XXXX-WXX-2 when undated)

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "start": self.start,
            "end": self.end,
            "trigger": self.trigger,
            "expression": self.expression,
            "value": self.value,
        }


@dataclass(slots=True)
class StoryEvent:
    """One event of a story's timeline (see the module doc)."""

    date: str | None
    precision: str | None  # day | week | month | quarter | season | half | year | decade | century
    kind: str  # event | background | planned
    text: str
    trigger: str
    expression: str
    value: str
    relative: str | None = None
    note: str | None = None
    mentions: list[EventMention] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        """Ids of the articles that report the event, first reporter first, no repeats."""
        return list(dict.fromkeys(m.article for m in self.mentions))

    @property
    def undated(self) -> bool:
        return self.date is None

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "precision": self.precision,
            "kind": self.kind,
            "relative": self.relative,
            "note": self.note,
            "text": self.text,
            "trigger": self.trigger,
            "expression": self.expression,
            "value": self.value,
            "sources": self.sources,
            "undated": self.undated,
            "mentions": [m.to_json() for m in self.mentions],
        }


# --- calendar values ------------------------------------------------------------------------------

_PRECISION_RANK = {
    "day": 0,
    "week": 1,
    "month": 2,
    "season": 3,
    "quarter": 3,
    "half": 4,
    "year": 5,
    "decade": 6,
    "century": 7,
}


def calendar_date(value: str) -> str | None:
    """The date an entry shows for a resolved value: the day, or the coarser period as written."""
    found = period(value)
    if found is None:
        return None
    return value[:10] if found[2] == "day" else value


def compatible(value: str, date: str) -> bool:
    """Whether an unresolved value (``XXXX-WXX-2`` "Tuesday", ``XXXX-03-18``) can denote ``date``:
    the weekday or the month and day agree. Used to join an undated article's mention to an
    entry another article dates, never to date it on its own."""
    found = period(date)
    if found is None or found[2] != "day":
        return False
    day = found[0]
    if m := re.match(r"^XXXX-WXX-([1-7])$", value):
        return day.isoweekday() == int(m.group(1))
    if m := re.match(r"^XXXX-(\d{2})-(\d{2})$", value):
        return (day.month, day.day) == (int(m.group(1)), int(m.group(2)))
    return False


# --- the parse: events, their words and tense ---------------------------------------------------------


def _trigger_features(token: Any) -> dict[str, float]:
    """Features of one token for the event-word model (lemma, part of speech, role, shape)."""
    lemma = token.lemma_.lower()
    head = token.head
    features = {
        f"lemma={lemma}": 1.0,
        f"pos={token.pos_}": 1.0,
        f"tag={token.tag_}": 1.0,
        f"dep={token.dep_}": 1.0,
        f"head_pos={head.pos_}": 1.0,
        f"dep_head={token.dep_}_{head.pos_}": 1.0,
        f"suffix={lemma[-3:]}": 1.0,
        f"lemma_pos={lemma}_{token.pos_}": 1.0,
        "bias_root": 1.0 if token.dep_ == "ROOT" else 0.0,
    }
    children = {child.dep_ for child in token.children}
    for dep in ("nsubj", "nsubjpass", "dobj", "aux", "auxpass", "prep", "det", "poss", "compound", "amod", "neg"):
        if dep in children:
            features[f"child={dep}"] = 1.0
    if token.i > 0:
        features[f"prev={token.doc[token.i - 1].lower_}"] = 1.0
    if token.is_title and token.i > 0 and not token.doc[token.i - 1].is_sent_start:
        features["title_case"] = 1.0
    return features


@dataclass(frozen=True)
class TriggerModel:
    """Logistic weights over :func:`_trigger_features`: is this token an event word (TimeML)?"""

    weights: Mapping[str, float]
    bias: float
    threshold: float = 0.5

    def probability(self, token: Any) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in _trigger_features(token).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def trigger_model() -> TriggerModel:
    """The event-word model built by ``newsdesk train events``, loaded through
    :func:`newsdesk.resources.event_trigger_model` (``ModelUnavailableError`` when absent)."""
    from ..resources import event_trigger_model

    data = event_trigger_model()
    return TriggerModel(data["weights"], float(data["bias"]), float(data.get("threshold", 0.5)))


_EVENT_POS = {"VERB", "NOUN", "AUX", "ADJ", "PROPN"}


def event_probability(token: Any, model: TriggerModel | None = None) -> float:
    """How likely ``token`` is an event word (a TimeML event: "met", "call", "vote", "said")."""
    model = model or trigger_model()
    if token.pos_ not in _EVENT_POS or not token.is_alpha:
        return 0.0
    return model.probability(token)


def governing_predicate(span: Any, *, model: TriggerModel | None = None, min_probability: float = 0.3) -> Any | None:
    """The event word a temporal expression dates: walking up from the expression's root, the
    first verb, or an event noun it modifies ("Tuesday's call", "the March 18 vote")."""
    token = span.root
    for _ in range(10):
        head = token.head
        if head is token:
            return token if token.pos_ in ("VERB", "AUX") else None
        if head.pos_ in ("VERB", "AUX"):
            return head
        if (
            head.pos_ == "NOUN"
            and event_probability(head, model) >= min_probability
            and token.dep_ in ("poss", "compound", "nmod", "npadvmod", "pobj", "amod")
        ):
            return head
        token = head
    return None


@dataclass(frozen=True)
class DatedEvent:
    """A date expression of a sentence resolved to calendar days, with the event word it dates
    ("passed Tuesday": pass) and that event's participants (the nouns and names under it)."""

    when: DatedSpan
    predicate: str | None  # lemma of the event word, lower case; None when the parse names none
    predicate_span: tuple[int, int] | None  # its characters in the sentence
    participants: frozenset[str]  # lower-case lemmas of the nouns and names the event word governs
    # who does it: lower-case lemmas of the nouns and names of the event word's own subject (empty
    # when the parse gives it none or only a pronoun), and whether it is told as done or planned
    agents: frozenset[str] = frozenset()
    planned: bool = False


def dated_events(
    texts: Sequence[str], anchors: Sequence[Any], *, parsed: Sequence[tuple[Any, int] | None] | None = None
) -> list[list[DatedEvent] | None]:
    """For each text (one sentence) and its article's publication date (None when unknown): its
    date expressions resolved against that date (:func:`newsdesk.analysis.timex.dated_spans`), each
    with the event word it dates. None for a text whose article date is unknown. Only texts with a
    resolved date are parsed, in one batch, without the entity recogniser (nothing here reads
    entities, and the tagger, parser and lemmatizer do not depend on it); ``parsed`` (optional, one
    per text) gives a text's parse already made — ``(doc, offset)`` with the text at
    ``doc.text[offset:]`` — so it is not parsed again."""
    from ..resources import doc_text, parse

    spans: list[list[DatedSpan] | None] = []
    for text, anchor in zip(texts, anchors):
        try:
            day = to_date(anchor)
        except AnalysisError:  # an unreadable date is an unknown one
            log.debug("unreadable publication date %r; dates compared as written", anchor)
            day = None
        spans.append(dated_spans(text, day) if day is not None else None)
    wanted = [k for k, found in enumerate(spans) if found]
    docs: dict[int, Any] = {}
    base = [0] * len(texts)
    doc_texts: dict[int, str] = {}  # Doc.text joins every token: read once per doc
    for k in wanted:
        given = parsed[k] if parsed is not None and k < len(parsed) else None
        if given is None:
            continue
        if id(given[0]) not in doc_texts:
            doc_texts[id(given[0])] = doc_text(given[0])
        whole = doc_texts[id(given[0])]
        if whole[given[1] : given[1] + len(texts[k])] == texts[k]:
            docs[k], base[k] = given
    missing = [k for k in wanted if k not in docs]
    docs.update(zip(missing, parse([texts[k] for k in missing], disable=("ner",))) if missing else ())
    out: list[list[DatedEvent] | None] = []
    for k, found in enumerate(spans):
        if found is None:
            out.append(None)
            continue
        events = []
        for when in found:
            predicate, participants, agents, planned = None, frozenset[str](), frozenset[str](), False
            span = (
                docs[k].char_span(base[k] + when.start, base[k] + when.end, alignment_mode="expand")
                if k in docs
                else None
            )
            head = governing_predicate(span) if span is not None and len(span) else None
            if head is not None and span is not None:
                predicate = head.lemma_.lower()
                participants = _participants(head, span)
                agents = _agents(head)
                planned = _planned(head)
            events.append(
                DatedEvent(
                    when,
                    predicate,
                    (head.idx - base[k], head.idx - base[k] + len(head.text)) if head is not None else None,
                    participants,
                    agents,
                    planned,
                )
            )
        out.append(events)
    return out


def _participants(head: Any, date: Any) -> frozenset[str]:
    """Lower-case lemmas of the nouns and names an event word governs, a multi-word name counted
    once (by its last word: "Rep. Bob Etheridge", "Angie's List"), the date itself left out."""
    out = set()
    for token in head.subtree:
        if token.i == head.i or date.start <= token.i < date.end or token.pos_ not in ("NOUN", "PROPN"):
            continue
        if token.pos_ == "PROPN" and token.dep_ in ("compound", "poss", "flat") and token.head.pos_ == "PROPN":
            continue
        out.add(token.lemma_.lower())
    return frozenset(out)


def _agents(head: Any) -> frozenset[str]:
    """Lower-case lemmas of the nouns and names of an event word's own active subject ("The Senate
    committee responded": committee, senate); empty (unknown) when it has none, only a pronoun, or
    is passive."""
    out: set[str] = set()
    for child in head.children:
        if child.dep_ == "nsubj":  # a passive's subject is what was done, not who did it
            out.update(t.lemma_.lower() for t in child.subtree if t.pos_ in ("NOUN", "PROPN"))
    return frozenset(out)


# dependencies that open a clause of its own: a verb above one of them does not make it planned
_CLAUSE_EDGES = frozenset({"relcl", "advcl", "acl", "ccomp", "parataxis"})


def _planned(head: Any) -> bool:
    """Whether an event word is told as planned: it, or a verb above it within its own clause, is
    future ("is expected to plead guilty to filing …"); a verb beyond a relative, adverbial or
    complement clause ("The House, which passed the bill on Tuesday, will now …") does not count."""
    token = head
    while True:
        if token.pos_ in ("VERB", "AUX") and tense(token) == "future":
            return True
        if token.dep_ in _CLAUSE_EDGES or token.head.i == token.i:
            return False
        token = token.head


_FUTURE_AUX = {"will", "'ll", "shall", "wo", "ll"}
_PLAN_HEADS = {
    "plan",
    "expect",
    "schedule",
    "set",
    "due",
    "intend",
    "aim",
    "hope",
    "prepare",
    "slate",
    "propose",
    "going",
    "vow",
    "promise",
    "threaten",
    "likely",
    "poised",
    "about",
}


def _advice(predicate: Any) -> bool:
    """ "should guide", "must stop": advice or obligation, not an event that happened or is planned."""
    return any(child.dep_ == "aux" and child.lower_ in ("should", "must", "ought") for child in predicate.children)


def tense(predicate: Any) -> str | None:
    """'future' (will, going to, expected/scheduled/planned to…), 'past' (past tense, perfect),
    'present' or None, from the predicate and its auxiliaries in the parse."""
    auxiliaries = {child.lower_ for child in predicate.children if child.dep_ in ("aux", "auxpass")}
    if auxiliaries & (_FUTURE_AUX | {"would", "could", "might", "may"}):
        return "future"  # will meet; would meet (a plan as reported), could/might/may (a possibility)
    head = predicate.head
    if predicate.dep_ in ("xcomp", "ccomp", "acomp") and head.lemma_.lower() in _PLAN_HEADS:
        return "future"
    if predicate.dep_ == "xcomp" and head.dep_ == "acomp" and head.lemma_.lower() in _PLAN_HEADS:
        return "future"  # "appeared likely to leave Friday"
    if predicate.dep_ == "xcomp" and head.lemma_.lower() == "be" and any(c.lower_ == "to" for c in predicate.children):
        return "future"  # "is to meet"
    if predicate.dep_ in ("conj", "xcomp") and head is not predicate and head.pos_ in ("VERB", "AUX"):
        inherited = tense(head)  # "will continue to steer", "was fired … and founded"
        if inherited is not None or predicate.dep_ == "conj":
            return inherited
    if predicate.tag_ == "VBD" or auxiliaries & {"did", "had", "was", "were", "has", "have"}:
        return "past"
    if predicate.tag_ in ("VBZ", "VBP") or auxiliaries & {"is", "are", "am", "does", "do"}:
        return "present"
    if predicate.tag_ == "VBN":
        return "past"
    return None


# --- building a story's events ----------------------------------------------------------------------

_QUOTE = re.compile(r"“[^”]{2,}”|\"[^\"\n]{2,}\"")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d+")
_STOP = set(
    "the a an and or but of to in on at for with by from as is are was were be been has have had it its this that these those "
    "he she they we you i his her their our your not no will would said says say also after before over about than then "
    "there here which who whom what when where while into out up down more most some any all can could may might".split()
)


def _content_words(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text):
        w = re.sub(r"['’]s?$", "", word.lower())
        if w in _STOP or len(w) < 3:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _usable_anchor(article: Article) -> str | None:
    value = article.published
    if value and re.match(r"^\d{4}-\d{2}-\d{2}$", str(value)):
        return str(value)
    if value:
        log.warning(
            "article %s has an unreadable publication date %r; its relative dates stay relative", article.id, value
        )
    return None


@dataclass
class _Candidate:
    mention: EventMention
    rank: tuple[int, int]  # (article rank, position in the article)
    date: str | None
    precision: str | None
    kind: str
    text: str
    clause: str  # the words around the event, for comparing mentions
    relative: str | None
    note: str | None
    start: dt.date | None
    end: dt.date | None


_CALENDAR_NAME = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)", re.I)


def _title_not_time(text: str, timex: Timex, sentence_start: int) -> bool:
    """A name that looks like a time: ABC's "This Week", "Good Morning America"-style titles
    (every word capitalised, not at the start of the sentence, or the whole of a quotation)."""
    words = timex.text.split()
    alpha = [w for w in words if w.isalpha()]
    if len(alpha) < 2 or len(alpha) != len(words) or not all(w[:1].isupper() for w in alpha):
        return False
    if _CALENDAR_NAME.match(alpha[0]):
        return False  # "Tuesday Night", "March Madness" aside, a month or weekday is a date
    return timex.start != sentence_start


#: "today" in an undated article is the PRESENT_REF of TimeML, but it names a day all the same.
_DAY_WORD = re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.I)


def _since(span: Any) -> bool:
    """The expression is the start of a span of time ("since 1945", "ever since March")."""
    for token in span:
        head = token.head
        if head.lower_ == "since" or (
            token.i > 0 and token.doc[token.i - 1].lower_ == "since" and token.i == span.start
        ):
            return True
    return bool(span.start > 0 and span.doc[span.start - 1].lower_ == "since")


def _clause_text(predicate: Any | None, sentence: Any) -> str:
    if predicate is None:
        return str(sentence.text)
    subtree = list(predicate.subtree)
    return " ".join(t.text for t in subtree[:60]) if subtree else sentence.text


def _article_candidates(
    article: Article, rank: int, doc: Any, options: EventOptions, model: TriggerModel | None
) -> list[_Candidate]:
    text = article.text or ""
    anchor = _usable_anchor(article)
    timexes = find_timexes(text, anchor=anchor, doc=doc, options=options.timex)
    quotes = [q.span() for q in _QUOTE.finditer(text)]

    def quoted(t: Timex) -> bool:
        return any(a <= t.start and t.end <= b for a, b in quotes)

    out: list[_Candidate] = []
    for index, sentence in enumerate(doc.sents):
        inside = [
            t for t in timexes
            if sentence.start_char <= t.start < sentence.end_char and t.type in ("DATE", "TIME")
            and (not t.value.endswith("_REF") or _DAY_WORD.search(t.text))
        ]  # fmt: skip
        if not inside:
            continue
        # an expression inside a quotation dates what the speaker talks about; the sentence's own
        # event is dated by an expression outside it ("'Tomorrow I will…,' Trump said on Monday")
        inside = [t for t in inside if not _title_not_time(text, t, sentence.start_char)]
        outside = [t for t in inside if not quoted(t)]
        chosen = outside or inside
        used: set[int] = set()
        for timex in chosen:
            span = doc.char_span(timex.start, timex.end, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            predicate = governing_predicate(span, model=model)
            if predicate is None or predicate.i in used or _advice(predicate):
                continue
            used.add(predicate.i)
            out.append(_candidate(article, rank, index, sentence, span, timex, predicate, anchor, options))
    return out


_WEEKDAY_ONLY = re.compile(
    r"^(?:(?:this|next|coming)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:\s+(?:morning|afternoon|evening|night))?$",
    re.I,
)


def _forward(timex: Timex, anchor: str | None) -> Timex:
    """A bare weekday the grammar read as past ("leave Friday") moved to its next occurrence,
    for a predicate the parse puts in the future."""
    if anchor is None or not _WEEKDAY_ONLY.match(timex.text.strip()):
        return timex
    found = period(timex.value)
    today = dt.date.fromisoformat(anchor)
    if found is None or found[2] != "day" or found[0] >= today:
        return timex
    day = found[0] + dt.timedelta(days=7 * ((today - found[0]).days // 7 + 1))
    return Timex(
        start=timex.start,
        end=timex.end,
        text=timex.text,
        type=timex.type,
        value=day.isoformat() + timex.value[10:],
        mod=timex.mod,
    )


def _candidate(
    article: Article,
    rank: int,
    index: int,
    sentence: Any,
    span: Any,
    timex: Timex,
    predicate: Any,
    anchor: str | None,
    options: EventOptions,
) -> _Candidate:
    when = tense(predicate)
    if when == "future":
        timex = _forward(timex, anchor)
    found = period(timex.value) if re.match(r"^\d", timex.value) and "X" not in timex.value else None
    date = calendar_date(timex.value) if found else None
    kind = "event"
    if when == "future":
        kind = "planned"
    elif found and anchor and found[0] > dt.date.fromisoformat(anchor):
        kind = "planned"  # dated after the article: a schedule, not a report
    elif _since(span):
        kind = "background"
    relative = note = None
    if date is None:
        relative = timex.text
        note = (
            f"{timex.text}, in an undated article" if anchor is None else f"{timex.text} (the date cannot be resolved)"
        )
    mention = EventMention(
        article=article.id,
        start=sentence.start_char,
        end=sentence.end_char,
        trigger=predicate.text,
        expression=timex.text,
        value=timex.value,
    )
    return _Candidate(
        mention=mention,
        rank=(rank, index),
        date=date,
        precision=found[2] if found else None,
        kind=kind,
        text=_clip(sentence.text, options.max_text_chars),
        clause=_clause_text(predicate, sentence),
        relative=relative,
        note=note,
        start=found[0] if found else None,
        end=found[1] if found else None,
    )


def _mark_background(
    candidates: list[_Candidate], articles: Sequence[Article], options: EventOptions, latest: dt.date
) -> None:
    """History quoted as context: an event that ended well before the story began."""
    dated = sorted(a for a in (_usable_anchor(x) for x in articles) if a)
    if dated:
        limit = dt.date.fromisoformat(dated[0]) - dt.timedelta(days=options.background_days)
    else:
        limit = dt.date(latest.year - options.undated_background_years, latest.month, min(latest.day, 28))
    for candidate in candidates:
        if candidate.kind == "event" and candidate.end is not None and candidate.end < limit:
            candidate.kind = "background"


def story_events(
    articles: Sequence[Article],
    docs: Sequence[Any] | None = None,
    options: EventOptions | None = None,
    *,
    latest: dt.date | None = None,
) -> list[StoryEvent]:
    """The events of one story, merged across its articles and sorted (see the module doc).

    ``articles`` are the story's canonical articles; ``docs`` a spaCy Doc of each article's text
    (same order; parsed here when None). ``latest`` is the latest plausible date (default today),
    used only to tell history from the story when no article of the story is dated.
    """
    options = options or EventOptions()
    return merge_events(event_candidates(articles, docs, options, latest=latest), options)


def event_candidates(
    articles: Sequence[Article],
    docs: Sequence[Any] | None = None,
    options: EventOptions | None = None,
    *,
    latest: dt.date | None = None,
) -> list["_Candidate"]:
    """The event mentions of one story's articles, before they are merged (see :func:`story_events`,
    which takes the same arguments): :func:`clauses_to_embed` names the texts their merge encodes,
    :func:`merge_events` merges them."""
    options = options or EventOptions()
    if docs is not None and len(docs) != len(articles):
        raise AnalysisError(
            f"story_events got {len(articles)} articles but {len(docs)} docs",
            hint="pass one spaCy Doc per article, in the same order, or docs=None",
        )
    for article in articles:
        if not isinstance(article, Article):
            raise AnalysisError(
                f"story_events needs Article objects, got {type(article).__name__}", hint="pass the story's articles"
            )
    if docs is None:
        from ..resources import nlp

        docs = list(nlp().pipe([a.text or "" for a in articles], batch_size=16))
    ranked = sorted(
        range(len(articles)), key=lambda i: (_usable_anchor(articles[i]) is None, _usable_anchor(articles[i]) or "", i)
    )
    model = trigger_model()
    candidates: list[_Candidate] = []
    for rank, i in enumerate(ranked):
        doc = docs[i]
        if getattr(doc, "text", None) != (articles[i].text or ""):
            raise AnalysisError(
                f"the doc given for article {articles[i].id} is not of its text",
                hint="parse each article's text, in order",
            )
        candidates += _article_candidates(articles[i], rank, doc, options, model)
    _mark_background(candidates, articles, options, latest or dt.date.today())
    return candidates


def clauses_to_embed(candidates: Sequence["_Candidate"], options: EventOptions) -> list[str]:
    """The texts :func:`merge_events` encodes for ``candidates`` (none when it compares words only):
    known before the merge, so that the runner can encode them with the rest of the story's texts."""
    if options.use_embeddings and len({c.mention.article for c in candidates}) > 1:
        return [c.clause for c in candidates]
    return []


def merge_events(candidates: list["_Candidate"], options: EventOptions) -> list[StoryEvent]:
    """The story's events: ``candidates`` (:func:`event_candidates`) merged across articles and sorted."""
    return _merge(candidates, options)


def _merge(candidates: list[_Candidate], options: EventOptions) -> list[StoryEvent]:
    if not candidates:
        return []
    vectors = None
    clauses = clauses_to_embed(candidates, options)
    if clauses:
        from ..resources import embed

        vectors = embed(clauses)
    words = [_content_words(c.clause) for c in candidates]

    def similar(i: int, j: int) -> bool:
        a, b = words[i], words[j]
        if a and b and len(a & b) / len(a | b) >= options.merge_overlap:
            return True
        return vectors is not None and float(vectors[i] @ vectors[j]) >= options.merge_similarity

    def same_time(a: _Candidate, b: _Candidate) -> bool:
        if a.date is not None and b.date is not None:
            return a.date == b.date
        if a.date is None and b.date is None:
            return (
                a.mention.value == b.mention.value
                and a.relative is not None
                and (a.relative or "").lower() == (b.relative or "").lower()
            )
        dated, undated = (a, b) if a.date is not None else (b, a)
        return compatible(undated.mention.value, dated.date or "")

    groups: list[list[int]] = []
    for index, candidate in enumerate(candidates):
        target = None
        for g, members in enumerate(groups):
            first = candidates[members[0]]
            if first.kind != candidate.kind or not same_time(first, candidate):
                continue
            if any(similar(index, other) for other in members):
                target = g
                break
        if target is None:
            groups.append([index])
        else:
            groups[target].append(index)

    entries: list[tuple[tuple[Any, ...], StoryEvent]] = []
    for members in groups:
        group = [candidates[i] for i in members]
        # the entry shows the surest telling: a dated one before an undated one, then the first
        lead = next((c for c in group if c.date is not None), group[0])
        entry = StoryEvent(
            date=lead.date,
            precision=lead.precision,
            kind=lead.kind,
            text=lead.text,
            trigger=lead.mention.trigger,
            expression=lead.mention.expression,
            value=lead.mention.value,
            relative=lead.relative,
            note=lead.note,
            mentions=[c.mention for c in group],
        )
        first_rank = min(c.rank for c in group)
        if lead.start is None:
            key: tuple[Any, ...] = (1, dt.date.max, 0, first_rank)
        else:
            key = (0, lead.start, -_PRECISION_RANK.get(lead.precision or "day", 0), first_rank)
        entries.append((key, entry))
    entries.sort(key=lambda pair: pair[0])
    return [entry for _, entry in entries]


def by_kind(entries: Iterable[StoryEvent], kind: str = "event") -> list[StoryEvent]:
    """The entries of one kind (``event`` by default: the story's own events)."""
    if kind not in KINDS:
        raise OptionsError(f"unknown event kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    return [e for e in entries if e.kind == kind]
