"""Train the sentence-pair model: ``newsdesk train nli``.

Reads labelled sentence pairs from ``../shared/bench`` (see :func:`load_sources` and the model card
``src/newsdesk/data/nli/MODEL.md``), encodes each distinct sentence once with the bundled MiniLM,
computes the pair features of :mod:`newsdesk.nli` and fits three scikit-learn gradient-boosted tree
ensembles:

* ``unrelated`` — is the pair about different things at all;
* ``contradiction`` — among related pairs, do the two statements clash;
* ``same`` — among related pairs that do not clash, do both state the same fact.

Each source feeds only the stages its labels define: an RTE "not entailment" says "not the same"
but not whether the pair clashes; a sentence pair of one brief_basil event that is not an
annotated contradiction says "no clash" (the annotation lists every contradiction) but not whether
the two state the same fact.

The decision thresholds shipped with the model are chosen out of sample: leave-one-event-out on the
brief_basil pairs (the only data annotated as the brief uses the model), each fold's model fitted
without that event. Deterministic for a given seed.

Why one module of ~930 lines: each training source (BASIL, RTE, Emergent, FNC-1, WiCE,
synthetic edits) is a short reader, and the thresholds are chosen out of fold on the same
prepared pairs; splitting readers from the fitting would scatter one reproducible recipe.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import pickle
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bench import BenchReport, BenchTable, Stopwatch

log = logging.getLogger(__name__)

HELP = "train the sentence-pair model (same / contradiction / related / unrelated) and write newsdesk/data/nli/"

SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
SOURCES = ("basil", "rte", "anli", "emergent", "fnc", "wice", "synthetic")
DEFAULT_SOURCES = ("basil", "rte", "emergent", "fnc", "wice", "synthetic")

# what each training label says to each stage: (unrelated?, contradiction?, same?); None = says nothing
TARGETS: dict[str, tuple[int | None, int | None, int | None]] = {
    "same": (0, 0, 1),
    "contradiction": (0, 1, None),
    "related": (0, 0, 0),
    "unrelated": (1, None, None),
    "not_same": (0, None, 0),  # RTE not_entailment, WiCE not / partially supported: neutral or contradiction
    "no_clash": (None, 0, None),  # brief_basil: a pair of one event that is no annotated contradiction
}


@dataclass
class TrainPair:
    """One labelled pair: ``label`` is a key of :data:`TARGETS`; ``group`` keeps related pairs in one CV fold."""

    a: str
    b: str
    label: str
    source: str
    group: str
    weight: float = 1.0


# --- sentences --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])|\n+")
# a full stop after these does not end a sentence ("Rep. Randy Forbes", "John G. Roberts Jr. said")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Rep|Reps|Sen|Sens|Gov|Govs|Gen|Lt|Col|Sgt|Capt|Cmdr|Adm|St|Jr|Sr|Prof|Rev|Hon|Pres|"
    r"Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|No|Nos|Inc|Corp|Co|Ltd|vs|Ft|Mt|Ave|Dept|Univ)\.|\b[A-Z]\.|\b(?:[A-Za-z]\.){2,})$"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of an article, by punctuation and line breaks; abbreviations and initials do not end one."""
    out: list[str] = []
    carry = ""
    for part in _SENTENCE_END.split(text or ""):
        if not part:
            continue
        part = (carry + " " + part.strip()) if carry else part.strip()
        carry = ""
        if _ABBREVIATION.search(part) and not part.endswith("\n"):
            carry = part
            continue
        if len(part) > 2:
            out.append(part)
    if carry and len(carry) > 2:
        out.append(carry)
    return out


_WORD = re.compile(r"\w+", re.UNICODE)


def covers(sentence: str, span: str) -> bool:
    """The brief scorer's rule: ``sentence`` holds at least half of ``span``'s words."""
    gold = [w.lower() for w in _WORD.findall(span or "")]
    if not gold:
        return False
    words = {w.lower() for w in _WORD.findall(sentence)}
    return sum(1 for w in gold if w in words) >= 0.5 * len(gold)


# --- sources ----------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    from ..bench import read_jsonl

    return list(read_jsonl(path))


def basil_events(path: Path | None = None) -> list[dict[str, Any]]:
    """The brief_basil dev events."""
    return _read_jsonl(path or SHARED / "brief_basil" / "dev.jsonl")


def basil_pairs(
    events: Sequence[dict[str, Any]],
    *,
    seed: int = 13,
    no_clash_per_event: int = 400,
    unrelated_per_event: int = 20,
    within_per_event: int = 100,
    edited_per_event: int = 25,
) -> list[TrainPair]:
    """Pairs of the hand annotation of each event.

    same: two mentions of one agreed fact in two articles; contradiction: the two sides of an
    annotated contradiction; no_clash: an annotated "not a contradiction", and sentences of
    the event sharing two content words that do not cover both sides of an annotated contradiction;
    related (source ``within``): two such sentences of ONE article — an article rarely states a fact
    twice, so they are different facts of one story; unrelated: sentences of two events.
    """
    rng = random.Random(seed)
    out: list[TrainPair] = []
    sentences_of: dict[str, list[tuple[str, str]]] = {}
    for event in events:
        story = event["story"]
        for fact in event.get("agreements", []):
            mentions = fact.get("mentions", [])
            for i in range(len(mentions)):
                for j in range(i + 1, len(mentions)):
                    if mentions[i]["article"] != mentions[j]["article"]:
                        out.append(TrainPair(mentions[i]["text"], mentions[j]["text"], "same", "basil", story))
        for clash in event.get("contradictions", []):
            out.append(TrainPair(clash["a"]["text"], clash["b"]["text"], "contradiction", "basil", story))
        for item in event.get("not_contradictions", []):
            # "not a contradiction" is all they say: some are one remark transcribed twice (the same
            # fact), others two different measures (related)
            out.append(TrainPair(item["a"]["text"], item["b"]["text"], "no_clash", "basil", story))
        sentences = [
            (a["key"], s) for a in event["articles"] for s in split_sentences(a["text"]) if len(s.split()) >= 6
        ]
        sentences_of[story] = sentences
        candidates = []
        loose: list[tuple[str, str]] = []
        for i in range(len(sentences)):
            for j in range(i + 1, len(sentences)):
                (ka, sa), (kb, sb) = sentences[i], sentences[j]
                if _clashes(event, ka, sa, kb, sb):
                    continue
                ca, cb = _content(sa), _content(sb)
                shared = len(ca & cb)
                if ka == kb and shared >= 0.6 * len(ca | cb):
                    continue  # a quotation repeated in one article states one fact twice
                if ka == kb and shared >= 1:
                    loose.append((sa, sb))
                if shared >= 2:
                    candidates.append((shared, rng.random(), ka == kb, sa, sb))
        candidates.sort(reverse=True)
        # the hardest negatives (most shared words) and a random share of the rest
        keep = candidates[: no_clash_per_event // 2]
        rest = candidates[no_clash_per_event // 2 :]
        keep += rng.sample(rest, min(len(rest), no_clash_per_event - len(keep)))
        out.extend(TrainPair(sa, sb, "no_clash", "basil", story) for _, _, _, sa, sb in keep)
        # the most alike (most shared words) and as many drawn at random, as the claims stage meets them
        within = [(sa, sb) for _, _, same_article, sa, sb in candidates if same_article][: within_per_event // 2]
        chosen = set(within)
        within += rng.sample(
            [p for p in loose if p not in chosen], min(len(loose) - len(chosen), within_per_event // 2)
        )
        out.extend(TrainPair(sa, sb, "related", "within", story) for sa, sb in within)
    out.extend(
        edited_copies(
            [(sentence, story) for story, items in sentences_of.items() for _, sentence in items],
            seed=seed,
            limit=edited_per_event * len(sentences_of),
        )
    )
    stories = list(sentences_of)
    for story in stories:
        others = [s for s in stories if s != story]
        for _ in range(unrelated_per_event):
            other = rng.choice(others)
            if sentences_of[story] and sentences_of[other]:
                out.append(
                    TrainPair(
                        rng.choice(sentences_of[story])[1],
                        rng.choice(sentences_of[other])[1],
                        "unrelated",
                        "basil",
                        story + "|" + other,
                    )
                )
    return out


def _clashes(event: dict[str, Any], ka: str, sa: str, kb: str, sb: str) -> bool:
    for clash in event.get("contradictions", []):
        a, b = clash["a"], clash["b"]
        if (a["article"] == ka and b["article"] == kb and covers(sa, a["text"]) and covers(sb, b["text"])) or (
            a["article"] == kb and b["article"] == ka and covers(sb, a["text"]) and covers(sa, b["text"])
        ):
            return True
    return False


_STOP = None


def _content(text: str) -> set[str]:
    from ..nli import _stem, lexicon

    stop = lexicon().stopwords
    return {_stem(w.lower()) for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in stop}


def rte_pairs(path: Path | None = None) -> list[TrainPair]:
    """RTE: entailment = same, not_entailment = not the same (neutral or contradiction)."""
    rows = _read_jsonl(path or SHARED / "nli_rte" / "train.jsonl")
    return [
        TrainPair(r["premise"], r["hypothesis"], "same" if r["label"] == "entailment" else "not_same", "rte", r["id"])
        for r in rows
    ]


def anli_pairs(path: Path | None = None) -> list[TrainPair]:
    """ANLI (CC BY-NC 4.0): entailment = same, neutral = related, contradiction = contradiction."""
    mapping = {"entailment": "same", "neutral": "related", "contradiction": "contradiction"}
    rows = _read_jsonl(path or SHARED / "nli_anli" / "dev.jsonl")
    return [
        TrainPair(r["premise"], r["hypothesis"], mapping[r["label"]], "anli", "anli:" + _digest(r["premise"]))
        for r in rows
    ]


def emergent_pairs(path: Path | None = None) -> list[TrainPair]:
    """Emergent: a headline for the claim = same, against = contradiction, observing = related."""
    mapping = {"for": "same", "against": "contradiction", "observing": "related"}
    rows = _read_jsonl(path or SHARED / "claims_emergent" / "train.jsonl")
    return [
        TrainPair(
            r["claim"],
            r["article_headline"],
            mapping[r["stance"]],
            "emergent",
            f"emergent:{r['cv_fold']}:" + _digest(r["claim"]),
        )
        for r in rows
    ]


def fnc_pairs(
    path: Path | None = None, *, seed: int = 13, per_label: dict[str, int] | None = None, within_bodies: int = 600
) -> list[TrainPair]:
    """FNC-1 training set: the headline against the body sentence sharing most of its words.

    agree = same, disagree = contradiction, discuss = related, unrelated = unrelated; a sample per label
    (the stance is the whole body's, so a single sentence is a noisy stand-in). Also two sentences
    sharing words inside one body (source ``within``) = related.
    """
    per_label = per_label or {"agree": 1200, "disagree": 840, "discuss": 1200, "unrelated": 600}
    mapping = {"agree": "same", "disagree": "contradiction", "discuss": "related", "unrelated": "unrelated"}
    rng = random.Random(seed)
    by_label: dict[str, list[tuple[str, str, str]]] = {k: [] for k in mapping}
    opener = gzip.open if str(path or "").endswith(".gz") or path is None else open
    with opener(path or SHARED / "stance_fnc1_train" / "train.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            for pair in record["pairs"]:
                by_label[pair["stance"]].append((pair["headline"], record["body"], str(record["body_id"])))
    out: list[TrainPair] = []
    bodies = list(dict.fromkeys((body, body_id) for items in by_label.values() for _, body, body_id in items))
    rng.shuffle(bodies)
    body_sentences: list[tuple[str, str]] = []
    for body, body_id in bodies[:within_bodies]:
        sentences = [x for x in split_sentences(body)[:40] if len(x.split()) >= 6]
        body_sentences.extend((x, "fnc:" + body_id) for x in sentences)
        pairs = [(len(_content(x) & _content(y)), x, y) for i, x in enumerate(sentences) for y in sentences[i + 1 :]]
        pairs = [p for p in pairs if 2 <= p[0] < 0.6 * len(_content(p[1]) | _content(p[2]))]
        pairs.sort(key=lambda p: -p[0])
        out.extend(TrainPair(x, y, "related", "within", "fnc:" + body_id) for _, x, y in pairs[:2])
    out.extend(edited_copies(body_sentences, seed=seed, limit=600))
    for stance, items in sorted(by_label.items()):
        for headline, body, body_id in rng.sample(items, min(len(items), per_label.get(stance, 0))):
            sentence = _best_sentence(headline, split_sentences(body)[:60])
            if sentence:
                out.append(TrainPair(headline, sentence, mapping[stance], "fnc", "fnc:" + body_id))
    return out


def _best_sentence(claim: str, sentences: Sequence[str]) -> str | None:
    terms = _content(claim)
    best, best_score = None, 0.0
    for sentence in sentences:
        words = _content(sentence)
        if not words:
            continue
        score = len(terms & words) / math.sqrt(len(words) + 1)
        if score > best_score:
            best, best_score = sentence, score
    return best


def wice_pairs(path: Path | None = None) -> list[TrainPair]:
    """WiCE: a claim and the cited sentences that support it = same; not / partially supported = not the same."""
    out = []
    for r in _read_jsonl(path or SHARED / "support_wice" / "dev.jsonl"):
        evidence = [e for e in r["evidence"] if not e.startswith("(meta data)")]
        if r["label"] == "supported":
            for support in r.get("supporting_sentences", [])[:1]:
                texts = [
                    r["evidence"][i]
                    for i in support
                    if i < len(r["evidence"]) and not r["evidence"][i].startswith("(meta")
                ]
                if 1 <= len(texts) <= 2:
                    out.append(TrainPair(r["claim"], " ".join(texts), "same", "wice", r["id"]))
        else:
            sentence = _best_sentence(r["claim"], evidence)
            if sentence:
                out.append(TrainPair(r["claim"], sentence, "not_same", "wice", r["id"]))
    return out


_DIGITS = re.compile(r"(?<![\w.,:$])(\d{1,3}(?:,\d{3})+|\d+)(?![\w:]|[.,]\d)")
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_AUX = re.compile(r"\b(is|are|was|were|has|have|had|will|would|can|could|should|did|does|do)\b(?! not\b| never\b|n't)")
_NAME = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?)\b")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def synthetic_pairs(pairs: Sequence[TrainPair], *, seed: int = 13, limit: int = 1500) -> list[TrainPair]:
    """Contradictions and different facts made from pairs that state the same fact.

    In a pair labelled ``same``, one side's copy of a shared figure, weekday or affirmed
    auxiliary is changed: another figure (``15`` → ``16``), another day, "was" → "was not" make a
    contradiction; another figure AND another name of the collection in the same sentence make a
    different fact about a related thing ("Rubio with 18 percent" / "Walker with 14 percent").
    Real pairs rarely show a clash in an otherwise matching statement; these teach the stages
    what one looks like. Each keeps its source pair's group (so cross-validation stays grouped).
    """
    rng = random.Random(seed)
    names = sorted({m.group(1) for p in pairs for m in _NAME.finditer(p.b)})
    out: list[TrainPair] = []
    same = [p for p in pairs if p.label == "same" and len(p.b) < 600 and p.source in ("basil", "rte", "wice", "anli")]
    rng.shuffle(same)
    negations = 0
    for p in same:
        if len(out) >= limit:
            break
        numbers_a = {m.group(1) for m in _DIGITS.finditer(p.a)}
        shared = [
            m
            for m in _DIGITS.finditer(p.b)
            if m.group(1) in numbers_a and not 1900 <= int(m.group(1).replace(",", "")) <= 2100
        ]
        days = [m for m in _WEEKDAY.finditer(p.b) if m.group(1) in p.a]
        choice = rng.random()
        if shared and choice < 0.5:
            m = rng.choice(shared)
            value = int(m.group(1).replace(",", ""))
            new = _other_number(value, rng)
            text = new if "," not in m.group(1) else f"{int(new):,}"
            b = p.b[: m.start(1)] + text + p.b[m.end(1) :]
            own = [n for n in _NAME.finditer(b) if n.group(1) in p.a]
            if own and rng.random() < 0.35 and names:
                n = rng.choice(own)
                other = rng.choice(names)
                if other not in p.a and other not in p.b:
                    out.append(TrainPair(p.a, b[: n.start(1)] + other + b[n.end(1) :], "related", "synthetic", p.group))
                    continue
            out.append(TrainPair(p.a, b, "contradiction", "synthetic", p.group))
        elif days and choice < 0.8:
            m = rng.choice(days)
            index = _WEEKDAYS.index(m.group(1))
            other = _WEEKDAYS[(index + rng.choice((-1, 1, 2))) % 7]
            out.append(
                TrainPair(p.a, p.b[: m.start(1)] + other + p.b[m.end(1) :], "contradiction", "synthetic", p.group)
            )
        else:
            if re.search(r"\b(not|no|never|n't|neither|nor)\b", p.a + " " + p.b):
                continue
            aux = _AUX.search(p.b)
            if aux and negations < limit * 0.4:
                negations += 1
                out.append(
                    TrainPair(
                        p.a, p.b[: aux.end(1)] + " not" + p.b[aux.end(1) :], "contradiction", "synthetic", p.group
                    )
                )
    return out


_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def edited_copies(sentences: Sequence[tuple[str, str]], *, seed: int = 13, limit: int = 600) -> list[TrainPair]:
    """Pairs of a sentence and a shortened copy of it, edited or not.

    Unchanged: same. Another figure, another day, a word swapped for its opposite (``signed`` →
    ``vetoed``, from the lexicon): contradiction. Another figure AND another day or year (a 7-day
    average on Monday / on Tuesday), or another figure AND another name: related — a different
    measurement, not a clash. ``sentences`` are (text, group) pairs; the copy drops a leading or
    trailing clause when there is one, so the two do not match word for word.
    """
    from ..nli import lexicon

    rng = random.Random(seed)
    opposites: dict[str, str] = {}
    for a, b in json.loads(_lexicon_text())["antonyms"]:
        opposites.setdefault(a, b)
        opposites.setdefault(b, a)
    opposite_word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, opposites), key=len, reverse=True)) + r")\b")
    lexicon()  # the same word lists the features read
    names = sorted({m.group(1) for text, _ in sentences for m in _NAME.finditer(text)})
    pool = [
        (t, g)
        for t, g in sentences
        if 8 <= len(t.split()) <= 60
        and (
            any(not 1900 <= int(m.group(1).replace(",", "")) <= 2100 for m in _DIGITS.finditer(t))
            or _WEEKDAY.search(t)
            or opposite_word.search(t)
        )
    ]
    rng.shuffle(pool)
    out: list[TrainPair] = []
    for text, group in pool[:limit]:
        copy = _shorten(text, rng)
        numbers = [m for m in _DIGITS.finditer(copy) if not 1900 <= int(m.group(1).replace(",", "")) <= 2100]
        days = list(_WEEKDAY.finditer(copy))
        years = list(_YEAR.finditer(copy))
        swaps = list(opposite_word.finditer(copy))
        roll = rng.random()
        if roll < 0.25 or not (numbers or days or swaps):
            out.append(TrainPair(text, copy, "same", "synthetic", group))
            continue
        if numbers and (days or years) and roll > 0.45:
            # another figure at another time: a different measurement (a 7-day average on Monday / on Tuesday)
            m = rng.choice(numbers)
            new = _other_number(int(m.group(1).replace(",", "")), rng)
            if days:
                d = rng.choice(days)
                when = (d.start(1), d.end(1), _WEEKDAYS[(_WEEKDAYS.index(d.group(1)) + 1) % 7])
            else:
                y = rng.choice(years)
                when = (y.start(1), y.end(1), str(int(y.group(1)) + rng.choice((-1, 1))))
            edited = copy
            for start, end, value in sorted([(m.start(1), m.end(1), new), when], reverse=True):
                edited = edited[:start] + value + edited[end:]
            out.append(TrainPair(text, edited, "related", "synthetic", group))
            continue
        if numbers and (not (days or swaps) or rng.random() < 0.5):
            m = rng.choice(numbers)
            new = _other_number(int(m.group(1).replace(",", "")), rng)
            edited = copy[: m.start(1)] + (new if "," not in m.group(1) else f"{int(new):,}") + copy[m.end(1) :]
            own = [n for n in _NAME.finditer(edited) if n.start(1) != m.start(1)]
            if roll > 0.5 and own and names:
                n = rng.choice(own)
                other = rng.choice(names)
                if other not in text:
                    out.append(
                        TrainPair(
                            text, edited[: n.start(1)] + other + edited[n.end(1) :], "related", "synthetic", group
                        )
                    )
                    continue
            out.append(TrainPair(text, edited, "contradiction", "synthetic", group))
        elif days and (not swaps or rng.random() < 0.5):
            m = rng.choice(days)
            index = _WEEKDAYS.index(m.group(1))
            other = _WEEKDAYS[(index + rng.choice((-1, 1, 2))) % 7]
            out.append(
                TrainPair(text, copy[: m.start(1)] + other + copy[m.end(1) :], "contradiction", "synthetic", group)
            )
        elif swaps:
            m = rng.choice(swaps)
            out.append(
                TrainPair(
                    text,
                    copy[: m.start(1)] + opposites[m.group(1)] + copy[m.end(1) :],
                    "contradiction",
                    "synthetic",
                    group,
                )
            )
    return out


def _lexicon_text() -> str:
    from ..nli import LEXICON_FILE

    return LEXICON_FILE.read_text(encoding="utf-8")


def _shorten(text: str, rng: random.Random) -> str:
    parts = [p for p in re.split(r"(?<=,) ", text)]
    if len(parts) >= 3 and rng.random() < 0.7:
        if rng.random() < 0.5:
            rest = " ".join(parts[1:])
            return rest[:1].upper() + rest[1:]
        return " ".join(parts[:-1]).rstrip(",") + "."
    return text


def _other_number(value: int, rng: random.Random) -> str:
    if value <= 2:
        return str(value + rng.choice((1, 2, 3)))
    options = [value + 1, value - 1, value + 2, value * 2, max(1, value // 2), value + max(1, value // 10)]
    return str(rng.choice([o for o in options if o != value and o > 0]))


def load_sources(names: Iterable[str], *, seed: int = 13, shared: Path | None = None) -> list[TrainPair]:
    """The training pairs of the named sources (see :data:`SOURCES`)."""
    base = shared or SHARED
    names = list(names)
    pairs: list[TrainPair] = []
    for name in names:
        if name == "basil":
            pairs += basil_pairs(basil_events(base / "brief_basil" / "dev.jsonl"), seed=seed)
        elif name == "rte":
            pairs += rte_pairs(base / "nli_rte" / "train.jsonl")
        elif name == "anli":
            pairs += anli_pairs(base / "nli_anli" / "dev.jsonl")
        elif name == "emergent":
            pairs += emergent_pairs(base / "claims_emergent" / "train.jsonl")
        elif name == "fnc":
            pairs += fnc_pairs(base / "stance_fnc1_train" / "train.jsonl.gz", seed=seed)
        elif name == "wice":
            pairs += wice_pairs(base / "support_wice" / "dev.jsonl")
        elif name != "synthetic":
            raise ValueError(f"unknown source {name!r}; choose from {', '.join(SOURCES)}")
    if "synthetic" in names:
        pairs += synthetic_pairs(pairs, seed=seed)
    return pairs


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


# --- encoding and features, cached ------------------------------------------------------------


class EncodingCache:
    """MiniLM word-piece vectors by text (float16), optionally persisted in a folder."""

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = Path(directory) if directory else None
        self.items: dict[str, tuple[Any, Any, Any]] = {}
        self._shards = 0
        if self.directory and self.directory.exists():
            for path in sorted(self.directory.glob("pieces-*.pkl")):
                with open(path, "rb") as handle:
                    self.items.update(pickle.load(handle))
                self._shards += 1
            log.info("encoding cache: %d texts from %s", len(self.items), self.directory)

    def ensure(self, texts: Iterable[str], *, chunk: int = 2000) -> None:
        import numpy as np

        from ..nli import encode_pieces

        missing = [t for t in dict.fromkeys(texts) if t not in self.items]
        for start in range(0, len(missing), chunk):
            part = missing[start : start + chunk]
            log.info("encoding %d texts (%d of %d new)", len(part), start + len(part), len(missing))
            new = {
                t: (e.astype(np.float32), h.astype(np.float16), o.astype(np.int32))
                for t, (e, h, o) in zip(part, encode_pieces(part))
            }
            self.items.update(new)
            if self.directory:
                self.directory.mkdir(parents=True, exist_ok=True)
                with open(self.directory / f"pieces-{self._shards:04d}.pkl", "wb") as handle:
                    pickle.dump(new, handle, protocol=pickle.HIGHEST_PROTOCOL)
                self._shards += 1

    def encoded(self, texts: Sequence[str]):
        """An :class:`newsdesk.nli.Encoded` of ``texts`` (distinct), from the cache."""
        import numpy as np

        from ..nli import Encoded, sentence_from_pieces

        self.ensure(texts)
        items = [self.items[t] for t in texts]
        return Encoded(
            list(texts),
            np.stack([e for e, _, _ in items]) if items else np.zeros((0, 384), np.float32),
            [sentence_from_pieces(t, h, o) for t, (_, h, o) in zip(texts, items)],
        )


def featurise(pairs: Sequence[TrainPair], cache: EncodingCache, *, feature_cache: str | Path | None = None):
    """Feature matrix of ``pairs`` (one row each), cached on disk by pair texts and feature code."""
    import numpy as np

    from .. import nli

    path = None
    if feature_cache:
        digest = hashlib.sha256()
        digest.update(json.dumps(nli.FEATURE_NAMES).encode())
        digest.update(Path(nli.__file__).read_bytes())
        digest.update(nli.LEXICON_FILE.read_bytes())
        for p in pairs:
            digest.update((p.a + "\x00" + p.b + "\x01").encode())
        path = Path(feature_cache) / f"features-{digest.hexdigest()[:20]}.npy"
        if path.exists():
            return np.load(path)
    texts = list(dict.fromkeys([p.a for p in pairs] + [p.b for p in pairs]))
    encoded = cache.encoded(texts)
    index = {t: i for i, t in enumerate(texts)}
    matrix = nli.features_of(encoded, [(index[p.a], index[p.b]) for p in pairs])[0]
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return matrix


# --- fitting ----------------------------------------------------------------------------------

# How much each source counts in each stage (each source's pairs share its weight, whatever their
# number). FNC-1 "disagree" and Emergent "against" are headlines refuting a rumour: they made the
# contradiction stage fire on any denial inside a story, so they only inform the other stages.
STAGE_WEIGHTS: tuple[dict[str, float], dict[str, float], dict[str, float]] = (
    {},
    {"basil": 3.0, "within": 1.0, "synthetic": 1.0, "rte": 1.0, "wice": 0.5, "fnc": 0.0, "emergent": 0.0, "anli": 0.5},
    {"basil": 3.0, "within": 2.0, "rte": 1.0, "wice": 1.0, "emergent": 0.2, "fnc": 0.2, "synthetic": 0.5, "anli": 0.5},
)
GBM_PARAMS: dict[str, Any] = {
    "max_iter": 250,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
}
CLASH_PARAMS: dict[str, Any] = {
    "max_iter": 150,
    "learning_rate": 0.05,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
}


def stage_data(pairs: Sequence[TrainPair], stage: int):
    """Row indices and 0/1 targets of the pairs that inform ``stage`` (0 unrelated, 1 contradiction, 2 same)."""
    import numpy as np

    rows, targets = [], []
    for i, p in enumerate(pairs):
        t = TARGETS[p.label]
        if t[stage] is None:
            continue
        if stage >= 1 and t[0] == 1:
            continue
        if stage == 2 and t[1] == 1:
            continue
        rows.append(i)
        targets.append(t[stage])
    return np.array(rows, dtype=int), np.array(targets, dtype=int)


def source_weights(pairs: Sequence[TrainPair], rows, weights: dict[str, float]):
    """Per-row weights: each source's weight shared by its rows, so a source counts by its weight, not its size."""
    import numpy as np

    counts: dict[str, int] = {}
    for i in rows:
        counts[pairs[i].source] = counts.get(pairs[i].source, 0) + 1
    return np.array([weights.get(pairs[i].source, 1.0) * 1000.0 / counts[pairs[i].source] for i in rows])


def fit_stages(
    matrix, pairs: Sequence[TrainPair], *, seed: int = 13, weights: Sequence[dict[str, float]] = STAGE_WEIGHTS
) -> list[Any]:
    """The three stage classifiers (unrelated, contradiction, same) fitted on ``matrix`` rows of ``pairs``.

    The contradiction stage sees only the pairs where a clash indicator fires
    (:func:`newsdesk.nli.clash_gate`) and reads :data:`newsdesk.nli.CLASH_FEATURES` only. (No
    monotonic constraint: a figure AND a date that both differ mean a different measurement, which
    a score that may only rise with each clash cannot learn.)
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ..nli import clash_columns, clash_gate

    gate = clash_gate(matrix)
    models = []
    for stage in range(3):
        rows, targets = stage_data(pairs, stage)
        if stage == 1:
            keep = gate[rows]
            rows, targets = rows[keep], targets[keep]
        w = source_weights(pairs, rows, weights[stage])
        keep = w > 0
        rows, targets, w = rows[keep], targets[keep], w[keep]
        if len(set(targets.tolist())) < 2:
            raise ValueError(f"stage {stage} has training pairs of one class only; add sources")
        if stage == 1:
            model = HistGradientBoostingClassifier(random_state=seed, early_stopping=False, **CLASH_PARAMS)
            model.fit(matrix[rows][:, clash_columns()], targets, sample_weight=w)
        else:
            model = HistGradientBoostingClassifier(random_state=seed, early_stopping=False, **GBM_PARAMS)
            model.fit(matrix[rows], targets, sample_weight=w)
        models.append(model)
    return models


# --- out-of-sample figures on brief_basil -----------------------------------------------------

EVENT_SOURCES = ("basil", "within", "synthetic")  # sources whose pairs belong to a brief_basil event


@dataclass
class Candidate:
    """A sentence pair of one brief_basil event as the claims stage would score it, with its gold reading.

    ``gold``: ``contradiction`` (covers both sides of an annotated contradiction), ``same`` (covers two
    mentions of one agreed fact in two articles) or ``other`` (neither: no contradiction, and maybe
    the same fact or not — agreements list only the key facts).
    """

    story: str
    a: str
    b: str
    gold: str
    same_article: bool


def basil_candidates(
    events: Sequence[dict[str, Any]], cache: EncodingCache, *, min_cosine: float = 0.35, min_words: int = 6
) -> list[Candidate]:
    """Every pair of sentences of one event (across or within articles) with MiniLM cosine >= ``min_cosine``."""
    out: list[Candidate] = []
    for event in events:
        sentences = [
            (a["key"], s) for a in event["articles"] for s in split_sentences(a["text"]) if len(s.split()) >= min_words
        ]
        encoded = cache.encoded(list(dict.fromkeys(s for _, s in sentences)))
        index = {t: i for i, t in enumerate(encoded.texts)}
        vectors = encoded.embeddings
        for i in range(len(sentences)):
            for j in range(i + 1, len(sentences)):
                (ka, sa), (kb, sb) = sentences[i], sentences[j]
                if sa == sb or float(vectors[index[sa]] @ vectors[index[sb]]) < min_cosine:
                    continue
                if _clashes(event, ka, sa, kb, sb):
                    gold = "contradiction"
                elif ka != kb and any(
                    any(m["article"] == ka and covers(sa, m["text"]) for m in fact["mentions"])
                    and any(m["article"] == kb and covers(sb, m["text"]) for m in fact["mentions"])
                    for fact in event.get("agreements", [])
                ):
                    gold = "same"
                else:
                    gold = "other"
                out.append(Candidate(event["story"], sa, sb, gold, ka == kb))
    return out


def grouped_predictions(
    matrix,
    pairs: Sequence[TrainPair],
    stories: Sequence[str],
    *,
    folds: int = 8,
    seed: int = 13,
    targets: Sequence[Any] = (),
    exclude_basil: bool = False,
):
    """Out-of-fold probabilities for brief_basil: events split into ``folds`` groups; each group's
    pairs are scored by stages fitted without any pair of that group's events.

    ``targets`` are (story, feature matrix) blocks scored too (e.g. the candidate pairs of each
    event). With ``exclude_basil`` no brief_basil-derived pair is ever fitted on.
    Returns (probabilities of ``pairs``, probabilities of each target block).
    """
    import numpy as np

    from ..nli import PairModel

    stories = list(stories)
    groups = [set(stories[i::folds]) for i in range(folds)]
    every = set(stories)
    proba = np.zeros((len(pairs), 4))
    target_proba = [np.zeros((len(m), 4)) for _, m in targets]
    for group in groups:
        train = [
            i
            for i, p in enumerate(pairs)
            if not (p.source in EVENT_SOURCES and set(p.group.split("|")) & (every if exclude_basil else group))
        ]
        model = PairModel(stages=fit_stages(matrix[train], [pairs[i] for i in train], seed=seed), thresholds={})
        test = [i for i, p in enumerate(pairs) if p.source in EVENT_SOURCES and p.group.split("|")[0] in group]
        if test:
            proba[test] = model.proba_from_features(matrix[test])
        for k, (block_stories, block) in enumerate(targets):
            rows = [r for r, st in enumerate(block_stories) if st in group]
            if rows:
                target_proba[k][rows] = model.proba_from_features(block[rows])
    return proba, target_proba


def precision_recall(predicted, gold) -> tuple[float, float, int, int]:
    """(precision, recall, predicted, correct) of boolean arrays."""
    import numpy as np

    predicted, gold = np.asarray(predicted, bool), np.asarray(gold, bool)
    n, tp = int(predicted.sum()), int((predicted & gold).sum())
    return (tp / n if n else 0.0), (tp / int(gold.sum()) if gold.any() else 0.0), n, tp


def choose_threshold(scores, gold, *, target: float, min_hits: int = 2, grid=None) -> float:
    """The lowest threshold whose precision reaches ``target`` with at least ``min_hits`` right;
    if none does, the threshold above every wrong score (no false positive on the data given)."""
    import numpy as np

    scores, gold = np.asarray(scores, float), np.asarray(gold, bool)
    grid = np.round(np.arange(0.05, 0.99, 0.01), 2) if grid is None else grid
    for t in grid:
        p, _, _, tp = precision_recall(scores >= t, gold)
        if tp >= min_hits and p >= target:
            return float(t)
    wrong = scores[~gold]
    return float(min(0.99, round(float(wrong.max()) + 0.01, 2))) if len(wrong) else 0.5


def labelled_rows(pairs: Sequence[TrainPair]) -> list[int]:
    """The brief_basil pairs with a same / related / contradiction label (agreement mentions,
    annotated contradictions, two sentences of one article)."""
    return [
        i
        for i, p in enumerate(pairs)
        if p.source in ("basil", "within")
        and not p.group.startswith("fnc:")
        and p.label in ("same", "related", "contradiction")
    ]


def basil_thresholds(
    proba,
    pairs: Sequence[TrainPair],
    cand_proba,
    candidates: Sequence[Candidate],
    *,
    same_target: float = 0.9,
    contradiction_target: float = 0.75,
) -> dict[str, float]:
    """Decision thresholds from out-of-fold probabilities on brief_basil.

    same: on the labelled pairs (agreement mentions against not-contradictions, same-article
    pairs and contradictions); contradiction: on every candidate pair of the events.
    """
    import numpy as np

    rows = labelled_rows(pairs)
    same_gold = np.array([pairs[i].label == "same" for i in rows])
    same = choose_threshold(proba[rows, 0], same_gold, target=same_target, min_hits=10)
    clash_gold = np.array([c.gold == "contradiction" for c in candidates])
    clash = choose_threshold(cand_proba[:, 1], clash_gold, target=contradiction_target)
    return {"same": same, "contradiction": clash}


def basil_figures(
    proba,
    pairs: Sequence[TrainPair],
    cand_proba,
    candidates: Sequence[Candidate],
    thresholds: dict[str, float] | Callable[[str], dict[str, float]],
) -> dict[str, Any]:
    """Precision / recall of ``same`` and ``contradiction`` on brief_basil pairs.

    ``thresholds``: one dict for all events, or a function of the event (story id) giving each
    event its own (nested selection: an event's thresholds chosen without it).
    """
    import numpy as np
    from sklearn.metrics import average_precision_score

    of = thresholds if callable(thresholds) else (lambda _story, fixed=thresholds: fixed)
    rows = labelled_rows(pairs)
    labels = np.array([pairs[i].label for i in rows])
    out: dict[str, Any] = {
        "labelled_pairs": {k: int((labels == k).sum()) for k in ("same", "related", "contradiction")}
    }
    p = proba[rows]
    row_t = [of(pairs[i].group.split("|")[0]) for i in rows]
    is_clash = np.array([pr[1] >= t["contradiction"] for pr, t in zip(p, row_t)]) & (p[:, 3] < 0.5)
    is_same = np.array([pr[0] >= t["same"] for pr, t in zip(p, row_t)]) & ~is_clash
    for name, predicted, gold, column in (
        ("same", is_same, labels == "same", 0),
        ("contradiction", is_clash, labels == "contradiction", 1),
    ):
        prec, rec, n, tp = precision_recall(predicted, gold)
        out[f"labelled_{name}"] = {
            "P": prec,
            "R": rec,
            "predicted": n,
            "correct": tp,
            "AP": float(average_precision_score(gold, p[:, column])) if gold.any() else 0.0,
        }
    gold_c = np.array([c.gold for c in candidates])
    cand_t = [of(c.story) for c in candidates]
    clash_pred = np.array([pr[1] >= t["contradiction"] for pr, t in zip(cand_proba, cand_t)], dtype=bool)
    same_pred = np.array([pr[0] >= t["same"] for pr, t in zip(cand_proba, cand_t)], dtype=bool) & ~clash_pred
    cross = np.array([not c.same_article for c in candidates], dtype=bool)
    for scope, mask in (("all", np.ones(len(candidates), bool)), ("cross_article", cross)):
        gold_clash = gold_c[mask] == "contradiction"
        prec, rec, n, tp = precision_recall(clash_pred[mask], gold_clash)
        order = np.argsort(-cand_proba[mask, 1])
        out[f"candidates_{scope}_contradiction"] = {
            "pairs": int(mask.sum()),
            "gold": int(gold_clash.sum()),
            "P": prec,
            "R": rec,
            "predicted": n,
            "correct": tp,
            "correct_in_top20": int(gold_clash[order[:20]].sum()),
            "AP": float(average_precision_score(gold_clash, cand_proba[mask, 1])) if gold_clash.any() else 0.0,
        }
        out[f"candidates_{scope}_same"] = {
            "predicted": int(same_pred[mask].sum()),
            "gold_same_found": int((same_pred[mask] & (gold_c[mask] == "same")).sum()),
            "gold_same": int((gold_c[mask] == "same").sum()),
            "gold_contradiction_called_same": int((same_pred[mask] & (gold_c[mask] == "contradiction")).sum()),
        }
    return out


def nested_thresholds(
    proba,
    pairs: Sequence[TrainPair],
    cand_proba,
    candidates: Sequence[Candidate],
    stories: Sequence[str],
    *,
    folds: int = 8,
    same_target: float = 0.9,
    contradiction_target: float = 0.75,
) -> dict[str, dict[str, float]]:
    """Each event's thresholds chosen on the out-of-fold scores of the OTHER fold groups only."""
    stories = list(stories)
    out: dict[str, dict[str, float]] = {}
    for k in range(folds):
        group = set(stories[k::folds])
        keep_pairs = [i for i, p in enumerate(pairs) if p.group.split("|")[0] not in group]
        keep_cands = [i for i, c in enumerate(candidates) if c.story not in group]
        chosen = basil_thresholds(
            proba[keep_pairs],
            [pairs[i] for i in keep_pairs],
            cand_proba[keep_cands],
            [candidates[i] for i in keep_cands],
            same_target=same_target,
            contradiction_target=contradiction_target,
        )
        for story in group:
            out[story] = chosen
    return out


# --- the command ------------------------------------------------------------------------------


def add_arguments(parser) -> None:
    from ..nli import MODEL_DIR

    parser.add_argument(
        "--sources",
        default=",".join(DEFAULT_SOURCES),
        help=f"comma-separated training sources (default: {','.join(DEFAULT_SOURCES)}; also: anli, CC BY-NC)",
    )
    parser.add_argument("--shared", default=str(SHARED), help=f"the benchmark folder (default: {SHARED})")
    parser.add_argument(
        "--out", default=str(MODEL_DIR), help=f"folder to write pair_model.pkl into (default: {MODEL_DIR})"
    )
    parser.add_argument(
        "--cache", metavar="DIR", help="keep MiniLM encodings and features here so a rerun skips the encoder"
    )
    parser.add_argument(
        "--folds", type=int, default=8, help="brief_basil event groups for the out-of-fold thresholds (default: 8)"
    )
    parser.add_argument("--seed", type=int, default=13, help="random seed (default: 13)")
    parser.add_argument(
        "--same-precision",
        type=float,
        default=0.9,
        help="out-of-fold precision the 'same' threshold must reach on brief_basil (default: 0.9)",
    )
    parser.add_argument(
        "--contradiction-precision",
        type=float,
        default=0.75,
        help="out-of-fold precision the 'contradiction' threshold must reach on brief_basil candidates (default: 0.75)",
    )


@dataclass
class Prepared:
    """Everything a fit or a cross-validation needs, computed once."""

    pairs: list[TrainPair]
    matrix: Any
    events: list[dict[str, Any]]
    candidates: list[Candidate]
    candidate_matrix: Any
    cache: EncodingCache

    @property
    def stories(self) -> list[str]:
        return [e["story"] for e in self.events]


def prepare(
    sources: Sequence[str], *, shared: Path = SHARED, cache_dir: str | Path | None = None, seed: int = 13
) -> Prepared:
    """Training pairs, their features, and the brief_basil candidate pairs with theirs."""
    from ..errors import BenchmarkError

    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise BenchmarkError(
            f"unknown training source(s) {', '.join(unknown)}", hint=f"choose from {', '.join(SOURCES)}"
        )
    if not (Path(shared) / "brief_basil" / "dev.jsonl").exists():
        raise BenchmarkError(f"no benchmark data under {str(shared)!r}", hint="pass --shared PATH/TO/shared/bench")
    cache = EncodingCache(Path(cache_dir) / "pieces" if cache_dir else None)
    pairs = load_sources(sources, seed=seed, shared=Path(shared))
    matrix = featurise(pairs, cache, feature_cache=cache_dir)
    events = basil_events(Path(shared) / "brief_basil" / "dev.jsonl")
    candidates = basil_candidates(events, cache)
    candidate_matrix = featurise(
        [TrainPair(c.a, c.b, "no_clash", "candidate", c.story) for c in candidates], cache, feature_cache=cache_dir
    )
    return Prepared(pairs, matrix, events, candidates, candidate_matrix, cache)


def run(args) -> BenchReport:
    import sklearn

    from ..nli import PairModel

    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    report = BenchReport(name="train nli", dataset=args.shared)
    with Stopwatch() as watch:
        data = prepare(sources, shared=Path(args.shared), cache_dir=args.cache, seed=args.seed)
        thresholds = {"same": 0.5, "contradiction": 0.5}
        figures: dict[str, Any] = {}
        if "basil" in sources:
            proba, (cand_proba,) = grouped_predictions(
                data.matrix,
                data.pairs,
                data.stories,
                folds=args.folds,
                seed=args.seed,
                targets=[([c.story for c in data.candidates], data.candidate_matrix)],
            )
            thresholds = basil_thresholds(
                proba,
                data.pairs,
                cand_proba,
                data.candidates,
                same_target=args.same_precision,
                contradiction_target=args.contradiction_precision,
            )
            figures = basil_figures(proba, data.pairs, cand_proba, data.candidates, thresholds)
        stages = fit_stages(data.matrix, data.pairs, seed=args.seed)
    counts: dict[str, int] = {}
    for p in data.pairs:
        counts[f"{p.source}:{p.label}"] = counts.get(f"{p.source}:{p.label}", 0) + 1
    model = PairModel(
        stages=stages,
        thresholds=thresholds,
        meta={
            "sources": sources,
            "pairs": len(data.pairs),
            "counts": dict(sorted(counts.items())),
            "seed": args.seed,
            "folds": args.folds,
            "stage_weights": STAGE_WEIGHTS,
            "params": GBM_PARAMS,
            "clash_params": CLASH_PARAMS,
            "sklearn": sklearn.__version__,
            "basil_out_of_fold": figures,
            "targets": {"same": args.same_precision, "contradiction": args.contradiction_precision},
        },
    )
    path = model.save(args.out)
    rows = []
    for name in (
        "labelled_same",
        "labelled_contradiction",
        "candidates_all_contradiction",
        "candidates_cross_article_contradiction",
    ):
        if name in figures:
            f = figures[name]
            rows.append(
                {
                    "brief_basil, out of fold": name.replace("_", " "),
                    "P": f"{f['P']:.3f}",
                    "R": f"{f['R']:.3f}",
                    "predicted": f["predicted"],
                    "correct": f["correct"],
                    "AP": f"{f['AP']:.3f}",
                }
            )
    if rows:
        report.tables.append(
            BenchTable(
                title="thresholds chosen on these out-of-fold scores (see `newsdesk bench nli` for nested figures)",
                columns=list(rows[0]),
                rows=rows,
            )
        )
    report.notes.append(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) from {len(data.pairs)} pairs of "
        f"{', '.join(sources)} in {watch.seconds:.0f} s; thresholds same {thresholds['same']:.2f}, "
        f"contradiction {thresholds['contradiction']:.2f}"
    )
    report.metrics = {
        "thresholds": thresholds,
        "basil_out_of_fold": figures,
        "seconds": watch.seconds,
        "counts": counts,
    }
    return report
