"""SemEval-2015 Task 4 "TimeLine", track A: ``newsdesk bench timeline DATASET``.

From the raw documents of a corpus (30 news articles) and a target entity, the dated and ordered
events the entity takes part in, across documents. Scored with the task's metric (temporal
awareness, ``../shared/tools/score_timeline.py``, imported from beside the dataset).

The system reuses newsdesk's pieces: the spaCy parse (on the dataset's own tokens and sentences),
the TIMEX3 grammar against each document's creation time (:func:`newsdesk.analysis.timex.find_timexes`) and
the event-word model and parse helpers of :mod:`newsdesk.analysis.events`:

1. **Mentions of the target**: its name and its distinctive parts (a person's surname or first
   name, a multi-word name's sub-names and acronym, a first word never written in lower case in
   the corpus), plurals and possessives; then pronouns (he/his, it/its) and definite descriptions
   ("the company", "the store") in a sentence that follows a mention.
2. **Its events**: predicates the mention is an argument of (subject, object, passive subject,
   agent), their coordinated and controlled verbs ("was fired … and founded"), event nouns they
   govern ("filed a lawsuit") and event nouns the mention modifies ("iPhone 4 development"), kept
   when the event-word model gives them at least ``event_threshold``.
3. **Dates**: the temporal expression of the sentence that the parse attaches to the event (or
   to its clause), else any expression of the sentence, at day, month or year precision;
   otherwise, for an event in the past or present, the last day the document has named so far
   (a report written on Saturday of Friday's press conference dates its events Friday), else the
   document's creation time; never for a future event (``XXXX-XX-XX``).
4. **Order**: by date; events on the same date share an order; undated events are left out of the
   order (order 0), as the task allows.

Thresholds and switches (:class:`TimelineParams`) were chosen by leave-one-timeline-out
cross-validation over the dev timelines (``--cv``); the figure to quote is the out-of-fold one.
``--predictions OUT`` writes one JSON line per timeline in the dataset's shape.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

HELP = "SemEval-2015 TimeLine track A: dated, ordered events of a target entity across news articles (temporal awareness F1)"


@dataclass(frozen=True)
class TimelineParams:
    """The system's switches (defaults chosen by leave-one-timeline-out CV on dev)."""

    event_threshold: float = 0.3
    nominal_events: bool = True  # event nouns governed by or modified by the mention
    pronouns: bool = True  # he/his/it/its after a mention
    descriptions: bool = True  # "the company", "the store" after a mention
    default_date: str = "previous_unless_future"  # no attached expression: see event_date
    sentence_timex: bool = True  # an expression of the sentence not attached to the event still dates it
    same_date: str = "together"  # events on one date: "together" (one order) | "sequence" (text order)
    undated: str = "drop"  # undated events: "drop" (order 0) | "keep" (ordered after the dated ones of their document)


GRID: dict[str, tuple[Any, ...]] = {
    "event_threshold": (0.3, 0.4, 0.5, 0.6),
    "default_date": ("dct_unless_future", "previous_unless_future", "lead_unless_future", "none"),
    "sentence_timex": (False, True),
    "same_date": ("together", "sequence"),
    "pronouns": (True, False),
    "descriptions": (True, False),
}


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="timeline_semeval2015 dev.jsonl (or the test file in the same format)")
    parser.add_argument(
        "--predictions", metavar="OUT.jsonl", help="write the system's timelines, one JSON line per timeline"
    )
    parser.add_argument(
        "--scorer",
        metavar="score_timeline.py",
        help="the task scorer (default: ../../tools/score_timeline.py from the dataset)",
    )
    parser.add_argument(
        "--cv",
        action="store_true",
        help="also choose the switches by leave-one-timeline-out CV and report the out-of-fold score",
    )


# --- documents ---------------------------------------------------------------------------------------

_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "'s", "'", "n't", "%", "'re", "'ve", "'ll", "'d", "'m"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "#"}


@dataclass
class ParsedDoc:
    doc_id: str
    dct: str | None
    doc: Any  # spaCy Doc over the dataset's tokens
    sentence_of: list[int]  # the dataset's sentence number of each token
    timexes: list[tuple[int, int, str, str]]  # token start, token end (exclusive), TIMEX3 value, type


def parse_documents(documents: list[dict[str, Any]]) -> dict[str, ParsedDoc]:
    """Each document parsed by spaCy on its own tokens and sentences, with its expressions."""
    from spacy.tokens import Doc

    from ..analysis.timex import find_timexes
    from ..resources import nlp

    model = nlp()
    parsed: dict[str, ParsedDoc] = {}
    for record in documents:
        words: list[str] = []
        sentence_of: list[int] = []
        starts: list[bool | int | None] = []
        for number, line in enumerate(record["text"].split("\n")):
            tokens = line.split(" ") if line.strip() else []
            for position, token in enumerate(t for t in tokens if t):
                words.append(token)
                sentence_of.append(number)
                starts.append(position == 0)
        if not words:
            continue
        spaces = [
            not (i + 1 < len(words) and (words[i + 1] in _NO_SPACE_BEFORE or words[i] in _NO_SPACE_AFTER))
            for i in range(len(words))
        ]
        doc = Doc(model.vocab, words=words, spaces=spaces, sent_starts=starts)
        for _, component in model.pipeline:
            doc = component(doc)
        dct = record.get("dct") or None
        timexes = []
        for timex in find_timexes(doc.text, anchor=dct, doc=doc):
            span = doc.char_span(timex.start, timex.end, alignment_mode="expand")
            if span is not None and timex.type in ("DATE", "TIME"):
                timexes.append((span.start, span.end, timex.value, timex.type))
        parsed[str(record["doc_id"])] = ParsedDoc(str(record["doc_id"]), dct, doc, sentence_of, timexes)
    return parsed


# --- mentions of the target -----------------------------------------------------------------------------

_GENERIC_FIRST = {
    "general",
    "united",
    "new",
    "american",
    "national",
    "first",
    "international",
    "global",
    "world",
    "the",
}
_PERSON_PRONOUNS = {"he", "him", "his", "she", "her"}
_THING_PRONOUNS = {"it", "its"}
#: Definite descriptions that refer back to an entity of a kind (spaCy's label for its name).
_TYPE_NOUNS = {
    "ORG": {
        "company",
        "firm",
        "corporation",
        "carrier",
        "automaker",
        "maker",
        "manufacturer",
        "group",
        "label",
        "airline",
        "bank",
    },
    "PRODUCT": {"device", "phone", "handset", "player", "product", "plane", "aircraft", "jet"},
}


def _norm(word: str) -> str:
    return word.lower().removesuffix("'s").removesuffix("’s")


def _matches(doc_words: list[str], i: int, pattern: list[str]) -> int:
    """How many tokens from ``i`` the name ``pattern`` covers (0: no match). A multi-word name
    may take one extra word inside ("iTunes Music Store" for "iTunes store")."""
    for gap in (0, 1) if len(pattern) >= 2 else (0,):
        words = pattern if not gap else [pattern[0], None, *pattern[1:]]
        if i + len(words) > len(doc_words):
            continue
        ok = True
        for k, wanted in enumerate(words):
            word = doc_words[i + k]
            if wanted is None:
                ok = word.isalpha() and word not in ("and", "or", "of", "the")
            else:
                last = k == len(words) - 1
                ok = word == wanted or (last and word in (wanted + "s", wanted + "es"))
            if not ok:
                break
        if ok:
            return len(words)
    return 0


def name_forms(target: str, docs: Iterable[ParsedDoc]) -> list[list[str]]:
    """The token sequences that name the target: the whole name and its distinctive parts."""
    tokens = [_norm(t) for t in target.replace("_", " ").split() if t]
    forms = [tokens]
    if len(tokens) >= 2:
        person = _is_person(target, docs)
        if person:
            forms += [[tokens[-1]], [tokens[0]]]
        else:
            for size in range(len(tokens) - 1, 1, -1):
                forms += [tokens[i : i + size] for i in range(len(tokens) - size + 1)]
            acronym = "".join(t[0] for t in target.split() if t[:1].isupper())
            if len(acronym) >= 2:
                forms.append([acronym.lower()])
            first = target.split()[0]
            if first[:1].isupper() and tokens[0] not in _GENERIC_FIRST and not _seen_lowercase(tokens[0], docs):
                rest = target.split()[1:]
                if all(w.islower() for w in rest):  # "iTunes store" → "iTunes"; not "iPhone 4" → "iPhone"
                    forms.append([tokens[0]])
    return sorted({tuple(f): f for f in forms}.values(), key=len, reverse=True)


def entity_kind(target: str, docs: Iterable[ParsedDoc]) -> str:
    """spaCy's most frequent label for the target's name in the corpus ("" when never labelled)."""
    votes: dict[str, int] = {}
    for parsed in docs:
        for ent in parsed.doc.ents:
            if ent.text.lower().removeprefix("the ") == target.lower():
                votes[ent.label_] = votes.get(ent.label_, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else ""


def _is_person(target: str, docs: Iterable[ParsedDoc]) -> bool:
    words = target.split()
    if not all(w[:1].isupper() and w.isalpha() for w in words):
        return False
    return entity_kind(target, docs) == "PERSON"


def _seen_lowercase(word: str, docs: Iterable[ParsedDoc]) -> bool:
    return any(token.text == word for parsed in docs for token in parsed.doc)


def sub_names(forms: list[list[str]], docs: Iterable[ParsedDoc]) -> set[str]:
    """Words written capitalised right after the target's name somewhere in the corpus ("Nano",
    "Touch" after "iPod"): the names of other, narrower entities (an "iPod nano" is not the iPod)."""
    names = {w for f in forms for w in f}
    found: set[str] = set()
    for parsed in docs:
        doc = parsed.doc
        for token in doc[:-1]:
            following = doc[token.i + 1]
            if (
                _norm(token.text) in names
                and following.text[:1].isupper()
                and following.is_alpha
                and _norm(following.text) not in names
            ):
                found.add(following.lower_)
    return found


def target_mentions(
    parsed: ParsedDoc,
    forms: list[list[str]],
    *,
    person: bool,
    params: TimelineParams,
    sub_names: frozenset[str] | set[str] = frozenset(),
    kind: str = "",
) -> list[Any]:
    """Token spans that refer to the target: names, then pronouns and descriptions after them."""
    doc = parsed.doc
    words = [_norm(t.text) for t in doc]
    taken: set[int] = set()
    spans = []
    for i in range(len(words)):
        if i in taken:
            continue
        for form in forms:
            size = _matches(words, i, form)
            if not size:
                continue
            # a name inside a longer name is another entity: "Apple Corps" is not "Apple",
            # "iPod nano" (written "iPod Nano" elsewhere) is not the iPod
            after = i + size
            if not person and after < len(doc) and words[after] not in {w for f in forms for w in f}:
                if doc[after].pos_ == "PROPN" or (doc[after].is_alpha and words[after] in sub_names):
                    break
            spans.append(doc[i:after])
            taken.update(range(i, after))
            break
    named_sentences = {parsed.sentence_of[s.start] for s in spans}
    if params.pronouns or params.descriptions:
        head_noun = next((f[-1] for f in forms if len(f) > 1 and f[-1].isalpha() and f[-1].islower()), None)
        for token in doc:
            if token.i in taken:
                continue
            sentence = parsed.sentence_of[token.i]
            if sentence not in named_sentences and sentence - 1 not in named_sentences:
                continue
            lower = token.lower_
            if params.pronouns and (
                (person and lower in _PERSON_PRONOUNS) or (not person and lower in _THING_PRONOUNS)
            ):
                if token.dep_ in ("nsubj", "nsubjpass", "poss", "dobj"):
                    spans.append(doc[token.i : token.i + 1])
            elif (
                params.descriptions
                and not person
                and token.pos_ == "NOUN"
                and (lower == head_noun or lower in _TYPE_NOUNS.get(kind, ()))
            ):
                if (
                    token.i > 0
                    and doc[token.i - 1].lower_ == "the"
                    and token.dep_ in ("nsubj", "nsubjpass", "dobj", "poss")
                ):
                    spans.append(doc[token.i : token.i + 1])
    return sorted(spans, key=lambda s: s.start)


# --- events of a mention -------------------------------------------------------------------------------

_ARGUMENT = {"nsubj", "nsubjpass", "dobj", "iobj", "attr", "csubj"}


def mention_events(span: Any, *, params: TimelineParams, model: Any) -> list[Any]:
    """Event tokens the mention takes part in (see the module doc)."""
    from ..analysis.events import event_probability

    root = span.root
    found: list[Any] = []

    def add(token: Any, nominal: bool = False) -> None:
        if token is None or token in found or token.i in range(span.start, span.end):
            return
        if nominal and not params.nominal_events:
            return
        if event_probability(token, model) >= params.event_threshold:
            found.append(token)

    head = root.head
    if root.dep_ in _ARGUMENT and head is not root:
        predicate = head
    elif root.dep_ == "pobj" and head.dep_ in ("prep", "agent"):
        predicate = head.head
    elif root.dep_ in ("poss", "compound", "nmod") and head.pos_ == "NOUN":
        add(head, nominal=True)
        predicate = head.head if head.dep_ in _ARGUMENT else None
    else:
        predicate = None
    if predicate is None:
        return found
    add(predicate, nominal=predicate.pos_ == "NOUN")
    if predicate.pos_ in ("VERB", "AUX"):
        for child in predicate.children:
            if child.dep_ == "dobj" and child.pos_ == "NOUN" and root.dep_ in ("nsubj", "nsubjpass"):
                add(child, nominal=True)  # "Apple Corps has filed a lawsuit"
            if child.dep_ == "xcomp" and root.dep_ in ("nsubj", "dobj"):
                add(child)  # "prompting Apple Corps to file suit"
                for grand in child.children:
                    if grand.dep_ == "dobj" and grand.pos_ == "NOUN":
                        add(grand, nominal=True)
            if child.dep_ == "conj" and child.pos_ == "VERB" and root.dep_ in ("nsubj", "nsubjpass"):
                if not any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children):
                    add(child)  # "was fired from the company and founded NeXT"
    return found


# --- dates --------------------------------------------------------------------------------------------


def task_date(value: str) -> str | None:
    """A TIMEX3 value at the task's precisions: YYYY-MM-DD, YYYY-MM or YYYY (weeks → month)."""
    from ..analysis.events import period

    if "X" in value or not re.match(r"^\d{4}", value):
        return None
    found = period(value)
    if found is None:
        return None
    start, _, precision = found
    if precision == "day":
        return start.isoformat()
    if precision in ("week", "month"):
        return start.isoformat()[:7]
    if precision in ("quarter", "half", "season", "year"):
        return f"{start.year:04d}"
    return None


def event_date(token: Any, parsed: ParsedDoc, *, params: TimelineParams) -> str | None:
    """The date of one event: the expression its clause carries (else, with ``sentence_timex``,
    the nearest one of its sentence); else for a past or present event ``default_date``:
    ``previous_unless_future`` the last day named so far in the body, ``lead_unless_future`` the
    day named in the lead, ``dct_unless_future`` / ``dct`` the creation time; ``none``: None."""
    from ..analysis.events import tense

    doc = parsed.doc
    sentence = parsed.sentence_of[token.i]
    candidates = [(s, e, v) for s, e, v, _ in parsed.timexes if parsed.sentence_of[s] == sentence]
    clause = token if token.pos_ in ("VERB", "AUX") else _governing_verb(token)
    attached = []
    for start, end, value in candidates:
        span = doc[start:end]
        node = span.root
        for _ in range(6):
            if node is token or node is clause:
                attached.append((abs(start - token.i), value))
                break
            if node.head is node:
                break
            node = node.head
    if attached:
        value = min(attached)[1]
        date = task_date(value)
        if date:
            return date
    if params.sentence_timex and candidates:
        nearest = min(candidates, key=lambda c: abs(c[0] - token.i))
        date = task_date(nearest[2])
        if date:
            return date
    when = tense(clause) if clause is not None else None
    if params.default_date == "none" or parsed.dct is None:
        return None
    if params.default_date != "dct" and when == "future":
        return None
    if params.default_date == "previous_unless_future":
        # the day the story's account has reached: the last day named so far in the document
        # (a Wikinews report of Friday's event, written on Saturday, dates it Friday)
        return _reference_day(parsed, sentence) or parsed.dct[:10]
    if params.default_date == "lead_unless_future":
        return _reference_day(parsed, 3) or parsed.dct[:10]
    return parsed.dct[:10]


def _reference_day(parsed: ParsedDoc, sentence: int) -> str | None:
    """The last day-precision date named in the body (sentences 2…``sentence``), if any."""
    best = None
    for start, _, value, _ in parsed.timexes:
        number = parsed.sentence_of[start]
        if 2 <= number <= sentence:
            date = task_date(value)
            if date and len(date) == 10 and (parsed.dct is None or date <= parsed.dct[:10]):
                best = date
    return best


def _governing_verb(token: Any) -> Any | None:
    node = token
    for _ in range(6):
        if node.pos_ in ("VERB", "AUX"):
            return node
        if node.head is node:
            return None
        node = node.head
    return None


# --- the timeline -----------------------------------------------------------------------------------


def build_timeline(
    record: dict[str, Any], parsed: dict[str, ParsedDoc], params: TimelineParams, model: Any
) -> list[dict[str, Any]]:
    """The predicted timeline of one target entity, in the dataset's shape."""
    docs = list(parsed.values())
    target = record["target_entity"]
    forms = name_forms(target, docs)
    person = len(target.split()) >= 2 and _is_person(target, docs)
    narrower = sub_names(forms, docs)
    kind = entity_kind(target, docs)
    events: list[tuple[str | None, str, int, int, int, str]] = []  # date, dct, doc order, token, sentence, word
    seen: set[tuple[str, int]] = set()
    for order, parsed_doc in enumerate(sorted(docs, key=lambda d: (d.dct or "9999", d.doc_id))):
        for span in target_mentions(parsed_doc, forms, person=person, params=params, sub_names=narrower, kind=kind):
            if parsed_doc.sentence_of[span.start] < 2:
                continue  # the title and the dateline tell no events of their own
            for token in mention_events(span, params=params, model=model):
                key = (parsed_doc.doc_id, token.i)
                if key in seen or parsed_doc.sentence_of[token.i] < 2:
                    continue
                seen.add(key)
                date = event_date(token, parsed_doc, params=params)
                events.append(
                    (
                        date,
                        parsed_doc.dct or "",
                        order,
                        token.i,
                        parsed_doc.sentence_of[token.i],
                        _word_of(token, parsed_doc),
                    )
                )
    return _ordered(events, record, params)


def _word_of(token: Any, parsed: ParsedDoc) -> str:
    return token.text


def _ordered(events, record: dict[str, Any], params: TimelineParams) -> list[dict[str, Any]]:
    dated = sorted((e for e in events if e[0]), key=lambda e: (_date_key(e[0]), e[2], e[3]))
    entries: list[dict[str, Any]] = []
    rank = 0
    previous = None
    id_of = _doc_id_lookup(record)
    for date, _dct, order, _token, sentence, word in dated:
        if params.same_date == "sequence" or date != previous:
            rank += 1
        previous = date
        entries.append(
            {"order": rank, "date": date, "mentions": [{"doc_id": id_of[order], "sentence": sentence, "word": word}]}
        )
    for _date, _dct, order, _token, sentence, word in (e for e in events if not e[0]):
        entries.append({"order": 0 if params.undated == "drop" else rank + 1, "date": "XXXX-XX-XX",
                        "mentions": [{"doc_id": id_of[order], "sentence": sentence, "word": word}]})  # fmt: skip
    return entries


def _doc_id_lookup(record: dict[str, Any]) -> dict[int, str]:
    docs = sorted(record["documents"], key=lambda d: (d.get("dct") or "9999", str(d["doc_id"])))
    return {i: str(d["doc_id"]) for i, d in enumerate(docs)}


def _date_key(date: str) -> tuple:
    parts = date.split("-")
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


# --- scoring ------------------------------------------------------------------------------------------


def load_scorer(dataset: str, explicit: str | None):
    path = Path(explicit) if explicit else Path(dataset).resolve().parents[2] / "tools" / "score_timeline.py"
    if not path.exists():
        raise BenchmarkError(
            f"the TimeLine scorer {path} does not exist", hint="pass --scorer ../shared/tools/score_timeline.py"
        )
    spec = importlib.util.spec_from_file_location("score_timeline", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def predict(
    records: list[dict[str, Any]], corpora: dict[str, dict[str, ParsedDoc]], params: TimelineParams, model: Any
) -> list[dict[str, Any]]:
    return [{"id": r["id"], "timeline": build_timeline(r, corpora[r["corpus"]], params, model)} for r in records]


def _grid() -> list[TimelineParams]:
    names = list(GRID)
    return [
        replace(TimelineParams(), **dict(zip(names, values))) for values in itertools.product(*(GRID[n] for n in names))
    ]


def cross_validate(records, corpora, scorer, model) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Leave one timeline out: pick the switches best on the others (micro F1), score the one left."""
    grid = _grid()
    cache = {params: predict(records, corpora, params, model) for params in grid}
    out_of_fold: list[dict[str, Any]] = []
    chosen = []
    for held in range(len(records)):
        rest = [r for i, r in enumerate(records) if i != held]

        def f1(params: TimelineParams, held: int = held, rest: list = rest) -> float:
            predicted = [p for i, p in enumerate(cache[params]) if i != held]
            return scorer.evaluate(rest, predicted)["f1"]

        best = max(grid, key=lambda p: (f1(p), p == TimelineParams()))
        chosen.append({"held out": records[held]["id"], **{k: v for k, v in asdict(best).items() if k in GRID}})
        out_of_fold.append(cache[best][held])
    return scorer.evaluate(records, out_of_fold), chosen


def run(args) -> BenchReport:
    from ..analysis.events import trigger_model

    records = list(read_jsonl(args.dataset))
    for number, record in enumerate(records, 1):
        if not isinstance(record.get("documents"), list) or "target_entity" not in record:
            raise BenchmarkError(
                f"{args.dataset}:{number} has no documents or target_entity", hint="pass a timeline_semeval2015 file"
            )
    scorer = load_scorer(args.dataset, args.scorer)
    model = trigger_model()
    with Stopwatch() as watch:
        corpora: dict[str, dict[str, ParsedDoc]] = {}
        for record in records:
            if record["corpus"] not in corpora:
                corpora[record["corpus"]] = parse_documents(record["documents"])
        predictions = predict(records, corpora, TimelineParams(), model)
    result = scorer.evaluate(records, predictions, per_timeline=True)
    if args.predictions:
        write_jsonl(args.predictions, predictions)
    rows = [{"system": "newsdesk (shipped switches)", "P": result["precision"], "R": result["recall"], "F1": result["f1"],
             "sys relations": result["sys_reduced"], "gold relations": result["gold_reduced"]}]  # fmt: skip
    per = [{"timeline": tid, "P": s["precision"], "R": s["recall"], "F1": s["f1"], "sys events": s["sys_events"], "gold events": s["gold_events"]}
           for tid, s in result["per_timeline"].items()]  # fmt: skip
    metrics: dict[str, Any] = {"shipped": {k: result[k] for k in ("precision", "recall", "f1", "sys_reduced", "gold_reduced")},
                               "params": asdict(TimelineParams()), "seconds": watch.seconds}  # fmt: skip
    tables = [
        BenchTable(
            title="temporal awareness, track A (micro over timelines)",
            columns=["system", "P", "R", "F1", "sys relations", "gold relations"],
            rows=rows,
        )
    ]
    if args.cv:
        cv, chosen = cross_validate(records, corpora, scorer, model)
        rows.append({"system": "leave-one-timeline-out CV (out of fold)", "P": cv["precision"], "R": cv["recall"], "F1": cv["f1"],
                     "sys relations": cv["sys_reduced"], "gold relations": cv["gold_reduced"]})  # fmt: skip
        metrics["cv"] = {k: cv[k] for k in ("precision", "recall", "f1")}
        metrics["cv_choices"] = chosen
        tables.append(
            BenchTable(title="switches chosen on the other timelines", columns=["held out", *GRID], rows=chosen)
        )
    tables.append(
        BenchTable(
            title="per timeline (shipped switches)",
            columns=["timeline", "P", "R", "F1", "sys events", "gold events"],
            rows=per,
        )
    )
    notes = [
        f"{len(records)} timelines, {sum(len(c) for c in corpora.values())} documents parsed; {watch.seconds:.1f} s",
        "published (SemEval-2015 Task 4, track A, main evaluation): best system F1 7.85",
        f"switches: {asdict(TimelineParams())}",
    ]
    return BenchReport(name="timeline", dataset=str(args.dataset), tables=tables, notes=notes, metrics=metrics)
