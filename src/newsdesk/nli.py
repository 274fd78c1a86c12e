"""Do two sentences state the same fact, contradict each other, or say different things?

The sentence-pair model the claims layer uses to group statements of one story on meaning. For a
pair of sentences it gives probabilities over four labels:

* ``same`` — both state the same fact (paraphrase, or one entails the other);
* ``contradiction`` — incompatible statements about the same thing; its ``kind`` says what clashes
  (``number``, ``date_time``, ``negation`` or ``fact``);
* ``related`` — a different fact about a related thing (two measurements on two days, an advisory
  vote and the agency's decision);
* ``unrelated``.

No NLI model can be installed offline, so this one is small and our own. Each sentence goes once
through the bundled MiniLM (:func:`newsdesk.resources.sentence_encoder`): its sentence embedding
and the contextual vector of each word are kept, with word facts read off the text (numbers and
their values, dates and days, negation scope, names, reporting / denial / hedging cues; the word
lists live in ``data/nli/lexicon.json``). A pair is then described by how the two sentences align
word by word — how much of each is covered by the other, which numbers, dates or names sit in the
same slot with different values, whether an aligned word is negated on one side only — and three
gradient-boosted tree ensembles turn that into the label: unrelated or not, contradiction or not,
same or related. Scoring a pair costs a small matrix product, so a story's sentences are encoded
once (:meth:`PairModel.encode`) and only candidate pairs are scored (:meth:`PairModel.classify`).

The model is trained by ``newsdesk train nli`` (:mod:`newsdesk.training.nli`) and lives in
``newsdesk/data/nli/`` with its model card (``MODEL.md``).

Why one module of ~880 lines: the word facts, the alignment features and the model that reads
them are one feature contract; training (``training/nli.py``) and the bench must compute exactly
the same features, so they import them from here.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AnalysisError, ModelUnavailableError, OptionsError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .analysis.events import DatedEvent

log = logging.getLogger(__name__)

LABELS = ("same", "contradiction", "related", "unrelated")
KINDS = ("number", "date_time", "negation", "fact")
MODEL_DIR = Path(__file__).resolve().parent / "data" / "nli"
MODEL_FILE = "pair_model.pkl"
LEXICON_FILE = MODEL_DIR / "lexicon.json"
FORMAT_VERSION = 1
DIMENSION = 384

# word kinds
PLAIN, NUMBER, WEEKDAY, MONTH, YEAR, MONTH_DAY, CLOCK, RELATIVE_DAY, SCALE = range(9)
DATE_KINDS = (WEEKDAY, MONTH, YEAR, MONTH_DAY, CLOCK)


# --- word lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    negations: frozenset[str]
    negation_exempt_next: frozenset[str]
    denials: frozenset[str]
    reporting: frozenset[str]
    hedges: frozenset[str]
    weekdays: dict[str, int]
    months: dict[str, int]
    relative_days: frozenset[str]
    day_parts: frozenset[str]
    number_words: dict[str, float]
    scale_words: dict[str, float]
    vague: frozenset[str]
    antonyms: frozenset[tuple[str, str]]
    stopwords: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    """The cue word lists of ``data/nli/lexicon.json``, read once."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from . import resources

    raw = resources.pair_lexicon()
    months: dict[str, int] = {}
    for index, name in enumerate(raw["months"]):
        months[name] = index + 1 if index < 12 else [1, 2, 3, 4, 6, 7, 8, 9, 9, 10, 11, 12][index - 12]
    antonyms = set()
    for a, b in raw["antonyms"]:
        antonyms.add((_stem(a), _stem(b)))
        antonyms.add((_stem(b), _stem(a)))
    number_words = {k: float(v) for k, v in raw["number_words"].items() if k not in ("one", "second")}
    return _Lexicon(
        negations=frozenset(raw["negations"]),
        negation_exempt_next=frozenset(raw["negation_exempt_next"]),
        denials=frozenset(raw["denials"]),
        reporting=frozenset(raw["reporting"]),
        hedges=frozenset(raw["hedges"]),
        weekdays={d: i for i, d in enumerate(raw["weekdays"])},
        months=months,
        relative_days=frozenset(raw["relative_days"]),
        day_parts=frozenset(raw["day_parts"]),
        number_words=number_words,
        scale_words={k: float(v) for k, v in raw["scale_words"].items()},
        vague=frozenset(raw["vague_quantity"]),
        antonyms=frozenset(antonyms),
        stopwords=(frozenset(ENGLISH_STOP_WORDS) | frozenset(raw["stopwords_extra"]))
        - frozenset(raw["stopwords_keep"])
        - frozenset(raw["negations"]),
    )


def _stem(token: str) -> str:
    # A crude suffix strip matches "denies"/"denied", "launch"/"launched" for lexical overlap.
    for suffix in ("ing", "ed", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


# --- words of one sentence --------------------------------------------------------------------

_WORD = re.compile(
    r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th|s)?"  # 1,000  2.5  12:00  18th  1990s
    r"|[A-Za-z]+(?=n['’]t\b)|n['’]t\b"  # did | n't
    r"|[A-Za-z]+(?:['’][A-Za-z]+)*"  # words, O'Rourke
    r"|%"
)
_QUOTES = re.compile(r"[\"“”]")


@dataclass
class Words:
    """The words of one sentence and what is known about each (no vectors)."""

    text: str
    spans: list[tuple[int, int]]
    lower: list[str]
    stems: list[str]
    kinds: list[int]
    values: list[float]  # a number's value, a date's comparable value; nan otherwise
    content: list[bool]
    negated: list[bool]
    capital: list[bool]
    clauses: list[int] = field(default_factory=list)  # clause number of each word
    negations: int = 0
    denials: int = 0
    reporting: int = 0
    hedges: int = 0
    quotes: int = 0


def _number_value(token: str) -> float | None:
    digits = re.sub(r"(st|nd|rd|th|s)$", "", token)
    if ":" in digits:
        hours, _, minutes = digits.partition(":")
        try:
            return float(hours) + float(minutes.split(":")[0]) / 60
        except ValueError:
            return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
        digits = digits.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


def read_words(text: str) -> Words:
    """Tokenise ``text`` and mark numbers, dates, negation scope, names and cue words."""
    lex = lexicon()
    matches = list(_WORD.finditer(text))
    spans = [m.span() for m in matches]
    raw = [m.group(0) for m in matches]
    lower = [w.lower().replace("’", "'") for w in raw]
    n = len(lower)
    kinds = [PLAIN] * n
    values = [math.nan] * n
    for i, word in enumerate(lower):
        if word[0].isdigit():
            value = _number_value(word)
            if value is None:
                continue
            kinds[i], values[i] = NUMBER, value
            if ":" in word:
                kinds[i] = CLOCK
            elif re.fullmatch(r"1[89]\d\d|20\d\d", word):
                kinds[i] = YEAR
        elif word in lex.weekdays:
            kinds[i], values[i] = WEEKDAY, float(lex.weekdays[word])
        elif word in lex.months and (word != "may" or raw[i][0].isupper()) and (len(word) > 3 or raw[i][0].isupper()):
            kinds[i], values[i] = MONTH, float(lex.months[word])
        elif word in lex.number_words:
            kinds[i], values[i] = NUMBER, lex.number_words[word]
        elif word in ("noon", "midday"):
            kinds[i], values[i] = CLOCK, 12.0
        elif word == "midnight":
            kinds[i], values[i] = CLOCK, 0.0
        elif word in lex.relative_days:
            kinds[i] = RELATIVE_DAY
    for i in range(n):
        word = lower[i]
        if kinds[i] == NUMBER:
            nxt = lower[i + 1] if i + 1 < n else ""
            after = lower[i + 2] if i + 2 < n else ""
            if nxt in lex.scale_words and nxt not in ("percent", "%"):
                values[i] *= lex.scale_words[nxt]
                kinds[i + 1] = SCALE
            elif nxt in ("p", "pm", "a", "am") and (nxt in ("pm", "am") or after == "m") and values[i] <= 12:
                kinds[i] = CLOCK
                values[i] = values[i] % 12 + (12 if nxt.startswith("p") else 0)
            prev = lower[i - 1] if i else ""
            if 1 <= values[i] <= 31 and float(values[i]).is_integer() and (kinds[i - 1] == MONTH if i else False):
                kinds[i], values[i] = MONTH_DAY, values[i - 1] * 100 + values[i]
            elif 1 <= values[i] <= 31 and i + 1 < n and kinds[i + 1] == MONTH and prev not in ("of",):
                kinds[i], values[i] = MONTH_DAY, values[i + 1] * 100 + values[i]
        if kinds[i] == CLOCK and ":" in word:
            nxt = lower[i + 1] if i + 1 < n else ""
            if nxt in ("p", "pm") and values[i] < 12:
                values[i] += 12
    stems = [_stem(w) for w in lower]
    content = [
        kinds[i] != SCALE
        and (
            kinds[i] != PLAIN
            or (
                w not in lex.stopwords and w not in lex.negations and w not in lex.reporting and len(w) > 1 and w != "%"
            )
        )
        for i, w in enumerate(lower)
    ]
    capital = [
        content[i] and kinds[i] == PLAIN and raw[i][:1].isupper() and (i > 0 or lower[i] not in lex.stopwords)
        for i in range(n)
    ]
    negated = [False] * n
    # clause boundaries between words, so a negation does not reach past "but" or a comma
    boundary_after = [False] * n
    for i in range(n - 1):
        gap = text[spans[i][1] : spans[i + 1][0]]
        boundary_after[i] = any(ch in gap for ch in ",;:()[]—–") or lower[i + 1] in (
            "but",
            "while",
            "although",
            "though",
            "whereas",
            "however",
        )
    clauses = _clauses(lower, text, spans, content)
    negations = 0
    for i, word in enumerate(lower):
        if word not in lex.negations:
            continue
        if i + 1 < n and lower[i + 1] in lex.negation_exempt_next:
            continue
        negations += 1 if word != "nor" else 0
        limit = n if word in ("neither", "nor") else min(n, i + 7)
        j = i + 1
        while j < limit:
            negated[j] = True
            if boundary_after[j] and word not in ("neither",):
                break
            if boundary_after[j] and word == "neither" and "nor" not in lower[j + 1 : j + 6]:
                break
            j += 1
    return Words(
        text=text,
        spans=spans,
        lower=lower,
        stems=stems,
        kinds=kinds,
        values=values,
        content=content,
        negated=negated,
        capital=capital,
        clauses=clauses,
        negations=negations,
        denials=sum(1 for w in lower if w in lex.denials),
        reporting=sum(1 for w in lower if w in lex.reporting),
        hedges=sum(1 for w in lower if w in lex.hedges),
        quotes=len(_QUOTES.findall(text)),
    )


_CLAUSE_OPENERS = frozenset(
    [
        "and",
        "but",
        "while",
        "although",
        "though",
        "whereas",
        "because",
        "after",
        "before",
        "when",
        "which",
        "who",
        "whom",
        "whose",
        "that",
        "if",
        "unless",
        "until",
        "since",
        "as",
        "where",
    ]
)


def _clauses(
    lower: list[str], text: str, spans: list[tuple[int, int]], content: list[bool], *, min_content: int = 3
) -> list[int]:
    """Clause number of each word: cut at punctuation and clause-opening words, short pieces merged.

    A news sentence often packs several facts ("The resolution passed Tuesday was introduced by
    Rep. Forbes, and considered under an expedited procedure"); comparing clauses finds the one
    fact two sentences share. Pieces with fewer than ``min_content`` content words ("On Wednesday,")
    join the next piece (the last one joins the previous).
    """
    n = len(lower)
    if not n:
        return []
    starts = [0]
    for i in range(1, n):
        gap = text[spans[i - 1][1] : spans[i][0]]
        if any(ch in gap for ch in ',;:()[]—–"“”') or lower[i] in _CLAUSE_OPENERS:
            starts.append(i)
    pieces = [(a, b) for a, b in zip(starts, starts[1:] + [n])]
    merged: list[list[int]] = []
    pending: list[int] = []
    for a, b in pieces:
        pending.extend(range(a, b))
        if sum(content[k] for k in pending) >= min_content:
            merged.append(pending)
            pending = []
    if pending:
        if merged:
            merged[-1].extend(pending)
        else:
            merged.append(pending)
    out = [0] * n
    for number, words in enumerate(merged):
        for k in words:
            out[k] = number
    return out


# --- encoding: one MiniLM pass per sentence ---------------------------------------------------


@dataclass
class Sentence:
    """One encoded sentence: its words and their contextual MiniLM vectors (unit length)."""

    words: Words
    vectors: np.ndarray  # (len(words.lower), DIMENSION) float32
    clause_vectors: Any = field(default=None, repr=False)  # (clauses, DIMENSION), built from ``vectors``
    # its date expressions resolved against its article's publication date; None when that date is
    # unknown (then dates are compared as written)
    dates: list[DatedEvent] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        if self.clause_vectors is None:
            count = max(self.words.clauses, default=-1) + 1
            out = np.zeros((count, self.vectors.shape[1] if self.vectors.ndim == 2 else DIMENSION), dtype=np.float32)
            for k, clause in enumerate(self.words.clauses):
                if self.words.content[k]:
                    out[clause] += self.vectors[k]
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            self.clause_vectors = out / np.maximum(norms, 1e-9)


@dataclass
class Encoded:
    """Sentences encoded once (a story's statements); pairs are scored by index into it.

    ``embeddings`` are the MiniLM sentence embeddings (L2-normalised, the same vectors as
    :func:`newsdesk.resources.embed`), usable for candidate search.
    """

    texts: list[str]
    embeddings: np.ndarray
    sentences: list[Sentence] = field(repr=False)

    def __len__(self) -> int:
        return len(self.texts)


def encode(
    texts: Sequence[str],
    *,
    batch_size: int = 32,
    anchors: Sequence[Any] | None = None,
    parsed: Sequence[tuple[Any, int] | None] | None = None,
) -> Encoded:
    """Encode ``texts`` with the bundled MiniLM: sentence embeddings and per-word vectors.

    ``anchors`` (optional, one per text) is the publication date of each text's article (a date
    or ``YYYY-MM-DD``, None when unknown): with it, the text's date expressions are resolved to
    calendar days and a pair's dates are compared as days (:func:`date_clash`). ``parsed``
    (optional, one per text): the parse of the text's article and the text's offset in it, so
    that resolving dates does not parse the sentence again.
    """
    import numpy as np

    texts = [_check_text(t, i) for i, t in enumerate(texts)]
    if anchors is not None and len(anchors) != len(texts):
        raise AnalysisError(
            f"encode: {len(anchors)} anchors for {len(texts)} texts",
            hint="pass one publication date (or None) per text",
        )
    pieces = encode_pieces(texts, batch_size=batch_size)
    embeddings = np.stack([p[0] for p in pieces]) if pieces else np.zeros((0, DIMENSION), dtype=np.float32)
    sentences = [sentence_from_pieces(t, hidden, offsets) for t, (_, hidden, offsets) in zip(texts, pieces)]
    if anchors is not None:
        from .analysis.events import dated_events

        for sentence, found in zip(sentences, dated_events(texts, anchors, parsed=parsed)):
            sentence.dates = found
    return Encoded(texts, embeddings, sentences)


def encode_pieces(texts: Sequence[str], *, batch_size: int = 32, max_tokens: int = 256) -> list[tuple[Any, Any, Any]]:
    """One MiniLM pass per text: (sentence embedding, word-piece vectors, word-piece character offsets).

    The sentence embedding is the mean of the piece vectors, L2-normalised: the same vector as
    :func:`newsdesk.resources.embed` (both come from :func:`newsdesk.resources.encode_tokens`,
    so inside a story's analysis each sentence is encoded once for both). ``batch_size`` is
    kept for callers: a text's vectors do not depend on its batch.
    """
    from .resources import encode_tokens

    del batch_size
    return list(encode_tokens(texts, max_tokens=max_tokens))


def sentence_from_pieces(text: str, hidden: np.ndarray, offsets: np.ndarray) -> Sentence:
    """A :class:`Sentence` from the word-piece vectors of :func:`encode_pieces`."""
    words = read_words(text)
    return Sentence(words, _word_vectors(words, hidden, offsets))


def _word_vectors(words: Words, hidden: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each word's vector: the mean of its word pieces' contextual vectors, unit length."""
    import numpy as np

    hidden = hidden.astype(np.float32)
    out = np.zeros((len(words.spans), hidden.shape[1]), dtype=np.float32)
    if not words.spans:
        return out
    starts = np.array([s for s, _ in words.spans])
    ends = np.array([e for _, e in words.spans])
    counts = np.zeros(len(words.spans))
    for piece, (a, b) in enumerate(offsets):
        if b <= a:
            continue  # [CLS], [SEP], padding
        k = int(np.searchsorted(ends, a, side="right"))
        if k < len(starts) and starts[k] <= a < ends[k]:
            out[k] += hidden[piece]
            counts[k] += 1
    missing = counts == 0  # past the truncation point: the sentence's mean stands in
    if missing.any():
        out[missing] = hidden.astype(np.float32).mean(0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


# --- features of a pair -----------------------------------------------------------------------

ALIGNED = 0.6  # word vectors this close sit in the same slot of the two sentences
STRONG = 0.75

FEATURE_NAMES = [
    "cosine",
    "align_mean_min",
    "align_mean_max",
    "align_low_min",
    "align_low_max",
    "unaligned_min",
    "unaligned_max",
    "unaligned_frac_min",
    "unaligned_frac_max",
    "lexical_min",
    "lexical_max",
    "lexical_jaccard",
    "content_min",
    "content_max",
    "length_ratio",
    "names_shared",
    "names_unmatched_min",
    "names_unmatched_max",
    "numbers_min",
    "numbers_max",
    "numbers_shared",
    "numbers_only_min",
    "numbers_only_max",
    "number_clash",
    "number_clash_sim",
    "number_clash_ratio",
    "number_context",
    "number_unit_sim",
    "dates_min",
    "dates_max",
    "dates_shared",
    "date_clash",
    "date_clash_sim",
    "date_context",
    "weekday_disjoint",
    "clock_clash",
    "negations_min",
    "negations_max",
    "negation_parity",
    "negated_aligned_clash",
    "negated_clash_share",
    "negated_clash_align",
    "denials_min",
    "denials_max",
    "denial_one_side",
    "reporting_min",
    "reporting_max",
    "hedges_min",
    "hedges_max",
    "quotes_min",
    "quotes_max",
    "substitutions",
    "substitution_sim",
    "antonyms",
    "clause_best",
    "clause_cover",
    "number_clause_sim",
    "date_clause_sim",
    "negated_clause_sim",
    "antonym_clause_sim",
    "vague_any",
]


# A contradiction must name what clashes: the contradiction stage only scores pairs where one of
# these fires (a figure or a date in the same slot with another value, a word negated on one side
# only, a pair of opposites, a denial on one side). On brief_basil, a learned score without this
# gate put pairs with nothing clashing ("X is an ambitious politician" / "X has served two terms")
# above every real contradiction.
CLASH_GATE = ("number_clash", "date_clash", "clock_clash", "negated_aligned_clash", "antonyms", "denial_one_side")
# what the contradiction stage reads
CLASH_FEATURES = (
    "cosine",
    "align_mean_min",
    "align_mean_max",
    "lexical_jaccard",
    "clause_best",
    "clause_cover",
    "number_clash",
    "number_clash_sim",
    "number_context",
    "number_unit_sim",
    "number_clause_sim",
    "number_clash_ratio",
    "date_clash",
    "date_clash_sim",
    "date_context",
    "date_clause_sim",
    "weekday_disjoint",
    "clock_clash",
    "negated_aligned_clash",
    "negated_clash_share",
    "negated_clash_align",
    "negated_clause_sim",
    "antonyms",
    "antonym_clause_sim",
    "denial_one_side",
    "names_unmatched_min",
    "names_unmatched_max",
    "names_shared",
    "vague_any",
    "reporting_min",
    "reporting_max",
    "hedges_min",
    "hedges_max",
    "unaligned_frac_min",
    "unaligned_frac_max",
)


def clash_gate(matrix: np.ndarray) -> np.ndarray:
    """True for the feature rows where some clash indicator fires.

    A figure AND a date (or time) that both differ are two measurements at two times — a 7-day
    average on Monday and another on Tuesday, an update — which the annotation guide of brief_basil
    says is no contradiction; such rows are left out.
    """
    columns = [FEATURE_NAMES.index(name) for name in CLASH_GATE]
    fired = (matrix[:, columns] > 0).any(axis=1)
    number = matrix[:, FEATURE_NAMES.index("number_clash")] > 0
    when = (matrix[:, FEATURE_NAMES.index("date_clash")] > 0) | (matrix[:, FEATURE_NAMES.index("clock_clash")] > 0)
    return fired & ~(number & when)


def clash_columns() -> list[int]:
    """Feature columns of the contradiction stage."""
    return [FEATURE_NAMES.index(name) for name in CLASH_FEATURES]


@dataclass(frozen=True)
class PairEvidence:
    """What the features saw in a pair, kept to explain a contradiction (``number: 15 vs 16``)."""

    number_clash: tuple[str, str] | None = None
    date_clash: tuple[str, str] | None = None
    date_resolved: bool = False  # the dates were compared as calendar days, not as written
    # one event dated on incompatible days by the two sentences (:func:`date_event_clash`)
    date_event_clash: tuple[str, str] | None = None
    negation_clash: str | None = None
    antonym: tuple[str, str] | None = None


def pair_features(a: Sentence, b: Sentence, cosine: float) -> tuple[list[float], PairEvidence]:
    """Feature row of one pair (symmetric in ``a`` and ``b``) and the clashes found."""
    import numpy as np

    lex = lexicon()
    wa, wb = a.words, b.words
    if not wa.lower or not wb.lower:
        return [cosine] + [0.0] * (len(FEATURE_NAMES) - 1), PairEvidence()
    sim = a.vectors @ b.vectors.T  # (na, nb)
    ca = np.array(wa.content, dtype=bool)
    cb = np.array(wb.content, dtype=bool)
    if not ca.any():
        ca = np.ones(len(wa.lower), dtype=bool)
    if not cb.any():
        cb = np.ones(len(wb.lower), dtype=bool)
    content_sim = sim[np.ix_(ca, cb)]
    best_a = content_sim.max(1)  # each content word of a: its closest content word of b
    best_b = content_sim.max(0)

    def side(best):
        low = float(
            np.partition(best, (len(best) - 1) // 10)[(len(best) - 1) // 10]
        )  # the 10th percentile, no interpolation
        return (float(best.mean()), low, float((best < ALIGNED).sum()), float((best < ALIGNED).mean()))

    ma, la, ua, fa = side(best_a)
    mb, lb, ub, fb = side(best_b)
    stems_a = {s for s, c in zip(wa.stems, wa.content) if c}
    stems_b = {s for s, c in zip(wb.stems, wb.content) if c}
    shared = stems_a & stems_b
    lex_a = len(shared) / max(1, len(stems_a))
    lex_b = len(shared) / max(1, len(stems_b))
    jaccard = len(shared) / max(1, len(stems_a | stems_b))

    names_a = {s for s, c in zip(wa.stems, wa.capital) if c}
    names_b = {s for s, c in zip(wb.stems, wb.capital) if c}
    names_shared = len(names_a & names_b)
    # a name of one side matched by no word of the other, even loosely
    lower_b, lower_a = set(wb.stems), set(wa.stems)
    nu_a = len({n for n in names_a if n not in lower_b})
    nu_b = len({n for n in names_b if n not in lower_a})

    number_clash, nc_sim, nc_ratio, numbers = _slot_clash(a, b, sim, (NUMBER,))
    number_context = number_unit = 0.0
    if number_clash is not None:
        number_context = _context_alignment(a, b, sim, *number_clash)
        number_unit = _unit_similarity(a, b, *number_clash)
    num_a = {v for v, k in zip(wa.values, wa.kinds) if k == NUMBER}
    num_b = {v for v, k in zip(wb.values, wb.kinds) if k == NUMBER}
    date_clash, dc_sim, dates, resolved = find_date_clash(a, b, sim)
    date_context = _context_alignment(a, b, sim, *date_clash) if date_clash is not None else 0.0
    clock_clash, _, _, _ = _slot_clash(a, b, sim, (CLOCK,))
    date_a = {(k, v) for v, k in zip(wa.values, wa.kinds) if k in DATE_KINDS}
    date_b = {(k, v) for v, k in zip(wb.values, wb.kinds) if k in DATE_KINDS}
    days_a, days_b = _weekdays(a, resolved), _weekdays(b, resolved)

    # a word aligned strongly with a word of the other side, negated on one side only
    neg_a = np.array(wa.negated, dtype=bool)
    neg_b = np.array(wb.negated, dtype=bool)
    neg_clash = 0
    neg_word = None
    neg_slot = None
    strong = np.argwhere((sim >= STRONG) & ca[:, None] & cb[None, :])
    for i, j in strong:
        if neg_a[i] != neg_b[j] and wa.kinds[i] == PLAIN:
            neg_clash += 1
            neg_word = neg_word or wa.lower[i]
            neg_slot = neg_slot or (int(i), int(j))

    # substitutions: content words aligned loosely with a lexically different word ("signed" / "vetoed")
    subs = 0
    sub_sim = 1.0
    full_a = np.argmax(sim, axis=1)
    for i in np.flatnonzero(ca):
        j = int(full_a[i])
        s = float(sim[i, j])
        if 0.45 <= s < STRONG and wb.content[j] and wa.stems[i] != wb.stems[j] and wa.kinds[i] == PLAIN:
            subs += 1
            sub_sim = min(sub_sim, s)
    antonym = None
    antonym_slot = None
    for sa in stems_a - stems_b:
        for sb in stems_b - stems_a:
            if (sa, sb) in lex.antonyms:
                antonym = (sa, sb)
                antonym_slot = (wa.stems.index(sa), wb.stems.index(sb))
                break
        if antonym:
            break
    clause_sim = a.clause_vectors @ b.clause_vectors.T
    clause_best = float(clause_sim.max()) if clause_sim.size else 0.0
    clause_cover = float(min(clause_sim.max(1).mean(), clause_sim.max(0).mean())) if clause_sim.size else 0.0

    def slot_clause(slot) -> float:
        if slot is None or not clause_sim.size:
            return 0.0
        return float(clause_sim[wa.clauses[slot[0]], wb.clauses[slot[1]]])

    vague = any(w in lex.vague for w in wa.lower) or any(w in lex.vague for w in wb.lower)

    row = [
        cosine,
        min(ma, mb),
        max(ma, mb),
        min(la, lb),
        max(la, lb),
        min(ua, ub),
        max(ua, ub),
        min(fa, fb),
        max(fa, fb),
        min(lex_a, lex_b),
        max(lex_a, lex_b),
        jaccard,
        float(min(ca.sum(), cb.sum())),
        float(max(ca.sum(), cb.sum())),
        float(min(ca.sum(), cb.sum()) / max(1, max(ca.sum(), cb.sum()))),
        float(names_shared),
        float(min(nu_a, nu_b)),
        float(max(nu_a, nu_b)),
        float(min(len(num_a), len(num_b))),
        float(max(len(num_a), len(num_b))),
        float(len(num_a & num_b)),
        float(min(len(num_a - num_b), len(num_b - num_a))),
        float(max(len(num_a - num_b), len(num_b - num_a))),
        float(number_clash is not None),
        nc_sim,
        nc_ratio,
        number_context,
        number_unit,
        float(min(len(date_a), len(date_b))),
        float(max(len(date_a), len(date_b))),
        float(len(date_a & date_b)),
        float(date_clash is not None),
        dc_sim,
        date_context,
        float(bool(days_a) and bool(days_b) and not days_a & days_b),
        float(clock_clash is not None),
        float(min(wa.negations, wb.negations)),
        float(max(wa.negations, wb.negations)),
        float((wa.negations % 2) != (wb.negations % 2)),
        float(neg_clash),
        neg_clash / max(1.0, float(min(ca.sum(), cb.sum()))),
        min(ma, mb) if neg_clash else 0.0,
        float(min(wa.denials, wb.denials)),
        float(max(wa.denials, wb.denials)),
        float((wa.denials > 0) != (wb.denials > 0)),
        float(min(wa.reporting, wb.reporting)),
        float(max(wa.reporting, wb.reporting)),
        float(min(wa.hedges, wb.hedges)),
        float(max(wa.hedges, wb.hedges)),
        float(min(wa.quotes, wb.quotes)),
        float(max(wa.quotes, wb.quotes)),
        float(subs),
        sub_sim,
        float(antonym is not None),
        clause_best,
        clause_cover,
        slot_clause(number_clash),
        slot_clause(date_clash),
        slot_clause(neg_slot),
        slot_clause(antonym_slot),
        float(vague),
    ]
    evidence = PairEvidence(
        number_clash=numbers if number_clash is not None else None,
        date_clash=dates if date_clash is not None else None,
        date_resolved=resolved,
        date_event_clash=date_event_clash(a, b, sim) if number_clash is None else None,
        negation_clash=neg_word if neg_clash else None,
        antonym=(wa.lower[antonym_slot[0]], wb.lower[antonym_slot[1]]) if antonym_slot else None,
    )
    return row, evidence


def _context_alignment(a: Sentence, b: Sentence, sim: np.ndarray, i: int, j: int, window: int = 4) -> float:
    """How well the words around slot ``i`` of ``a`` and slot ``j`` of ``b`` align with the other sentence (the lower side)."""
    import numpy as np

    def side(words: Words, k: int, matrix) -> float:
        near = [
            x
            for x in range(max(0, k - window), min(len(words.lower), k + window + 1))
            if x != k and words.content[x] and words.kinds[x] == PLAIN
        ]
        if not near:
            return 0.0
        return float(np.mean([matrix[x].max() for x in near]))

    return min(side(a.words, i, sim), side(b.words, j, sim.T))


def _unit_similarity(a: Sentence, b: Sentence, i: int, j: int) -> float:
    """Similarity of what two numbers count: the closest pair among the two content words after each."""

    def after(words: Words, k: int) -> list[int]:
        return [x for x in range(k + 1, min(len(words.lower), k + 5)) if words.content[x] and words.kinds[x] == PLAIN][
            :2
        ]

    ua, ub = after(a.words, i), after(b.words, j)
    if not ua or not ub:
        return 0.0
    return float(max(float(a.vectors[x] @ b.vectors[y]) for x in ua for y in ub))


def _slot_clash(a: Sentence, b: Sentence, sim: np.ndarray, kinds: tuple[int, ...]):
    """Two values of one kind in the same slot of both sentences that differ, and neither is in the other.

    Returns (clash or None, similarity of the clashing slot, |log ratio| of the values, the two words).
    """
    wa, wb = a.words, b.words
    ia = [i for i, k in enumerate(wa.kinds) if k in kinds]
    ib = [j for j, k in enumerate(wb.kinds) if k in kinds]
    if not ia or not ib:
        return None, 0.0, 0.0, None
    values_a = {(wa.kinds[i], wa.values[i]) for i in ia}
    values_b = {(wb.kinds[j], wb.values[j]) for j in ib}
    best = None
    for i in ia:
        if (wa.kinds[i], wa.values[i]) in values_b:
            continue
        for j in ib:
            if wb.kinds[j] != wa.kinds[i] or (wb.kinds[j], wb.values[j]) in values_a:
                continue
            s = float(sim[i, j])
            if s >= 0.5 and (best is None or s > best[0]):
                best = (s, i, j)
    if best is None:
        return None, 0.0, 0.0, None
    s, i, j = best
    va, vb = wa.values[i], wb.values[j]
    ratio = abs(math.log((abs(va) + 1) / (abs(vb) + 1)))
    words = (wa.text[wa.spans[i][0] : wa.spans[i][1]], wb.text[wb.spans[j][0] : wb.spans[j][1]])
    return (i, j), s, ratio, words


def find_date_clash(
    a: Sentence, b: Sentence, sim: np.ndarray
) -> tuple[tuple[int, int] | None, float, tuple[str, str] | None, bool]:
    """Two date expressions in the same slot of both sentences that cannot denote the same time.

    When both sentences' articles are dated (:attr:`Sentence.dates` is set), each date expression
    is resolved against its own article's date and two are compared as calendar periods at their
    precision: "Tuesday" and "Wednesday" in two articles of Wednesday 2 November clash; "Monday"
    in an article of Tuesday 18 March and "March 17" do not; "a week ago" and "earlier this
    month" overlap. An expression that some expression of the other side can denote is no clash
    (as with numbers). When either article is undated, the date words are compared as written
    (weekday, month, day, year). This is the clash signal the pair model reads and the veto on
    grouping two statements as one fact; whether two dates contradict each other is
    :func:`date_event_clash`.

    Returns (the two word slots or None, their similarity, the two expressions as written,
    whether the dates were resolved).
    """
    if a.dates is None or b.dates is None:
        slot, similarity, _, written = _slot_clash(a, b, sim, (WEEKDAY, MONTH_DAY, YEAR, MONTH))
        return slot, similarity, written, False
    words_a = [_words_in(a.words, event.when.start, event.when.end) for event in a.dates]
    words_b = [_words_in(b.words, event.when.start, event.when.end) for event in b.dates]
    best: tuple[float, int, int, int, int] | None = None
    for x, event_a in enumerate(a.dates):
        if not words_a[x] or any(event_a.when.compatible(other.when) for other in b.dates):
            continue
        for y, event_b in enumerate(b.dates):
            if not words_b[y] or any(event_b.when.compatible(other.when) for other in a.dates):
                continue
            s, i, j = max((float(sim[i, j]), i, j) for i in words_a[x] for j in words_b[y])
            if s >= 0.5 and (best is None or s > best[0]):
                best = (s, i, j, x, y)
    if best is None:
        return None, 0.0, None, True
    s, i, j, x, y = best
    return (i, j), s, (a.dates[x].when.text, b.dates[y].when.text), True


# participants two dated event words must share to be one event: who and what ("the House" and
# "the motto"); one shared name alone is a person doing two things on two days
SAME_EVENT_PARTICIPANTS = 2
# event words that are no event of their own: a copula, and what only carries another verb
_NOT_EVENTS = frozenset({"be", "have", "do", "get", "make", "take", "begin", "continue", "try", "appear", "seem"})


def date_event_clash(a: Sentence, b: Sentence, sim: np.ndarray) -> tuple[str, str] | None:
    """The two date expressions, when the two sentences date ONE event on incompatible days.

    A date contradiction needs the same event with the same participants, not just two dates:
    both articles are dated (the expressions are resolved against each article's own date); each
    date is attached in the parse to an event word (``passed Tuesday``, ``voted on Wednesday``);
    the two event words sit in the same slot (each is the other's closest word by contextual
    vector: "passed" and "voted"); they share at least :data:`SAME_EVENT_PARTICIPANTS` participants
    (nouns and names under the event word: the House, the motto), and at least half of those of
    the event with fewer; both are told as done, not planned, and their subjects, when both have
    one, share a word (two actors doing things on two days are two events); the event is no speech act
    (said, told, tweeted, announced…: a person speaks on many days, so two days are two
    statements, not one dated twice) and no copula; and no date of the one overlaps a date of the
    other at their precision. Two measurements ("the 7-day average on Monday" / "on Tuesday")
    are left out by the caller (a figure that differs as well).
    """
    import numpy as np

    if a.dates is None or b.dates is None:
        return None
    lex = lexicon()
    events_a = _dated_event_words(a, lex)
    events_b = _dated_event_words(b, lex)
    best: tuple[tuple[int, float], str, str] | None = None
    for slot_a, dated_a in events_a.items():
        for slot_b, dated_b in events_b.items():
            # the two event words sit in the same slot: each is the other's closest word
            if int(np.argmax(sim[slot_a[0]])) not in slot_b or int(np.argmax(sim[:, slot_b[0]])) not in slot_a:
                continue
            # an event dated twice in one sentence ("Friday, March 3"; "earlier this year … a 2016
            # run" read onto one verb) clashes only when no date of the one fits a date of the other
            if any(x.when.compatible(y.when) for x in dated_a for y in dated_b):
                continue
            # one event is done by one actor and has happened: two subjects with no word in common
            # ("The Senate committee responded …" / "Mr. Flynn has reiterated …") are two events, and
            # a planned one ("is expected to plead guilty … Wednesday") may simply have moved (on the
            # 44 unannotated BASIL dev events these made 4 date disputes, none right)
            if dated_a[0].planned or dated_b[0].planned:
                continue
            if dated_a[0].agents and dated_b[0].agents and not dated_a[0].agents & dated_b[0].agents:
                continue
            # the same participants: at least two shared, and most of those of the sparser event
            # (two events sharing a name or two among many are two things one person did or suffered)
            shared = len(dated_a[0].participants & dated_b[0].participants)
            fewer = min(len(dated_a[0].participants), len(dated_b[0].participants))
            if shared < SAME_EVENT_PARTICIPANTS or 2 * shared < fewer:
                continue
            key = (shared, float(sim[slot_a[0], slot_b[0]]))
            if best is None or key > best[0]:
                best = (key, dated_a[0].when.text, dated_b[0].when.text)
    return (best[1], best[2]) if best is not None else None


def _dated_event_words(sentence: Sentence, lex: _Lexicon) -> dict[tuple[int, ...], list[DatedEvent]]:
    """The event words of a sentence that a resolved date is attached to, each with its dates."""
    out: dict[tuple[int, ...], list[DatedEvent]] = {}
    for event in sentence.dates or []:
        slot = _event_slot(sentence, event, lex)
        if slot is not None:
            out.setdefault(tuple(slot), []).append(event)
    return out


def _event_slot(sentence: Sentence, event: DatedEvent, lex: _Lexicon) -> list[int] | None:
    """The word indices of the event word a date is attached to, or None when it is no event a
    date can contradict (no event word, a speech act, a copula)."""
    if event.predicate is None or event.predicate_span is None or event.predicate in _NOT_EVENTS:
        return None
    surface = sentence.words.text[event.predicate_span[0] : event.predicate_span[1]].lower()
    speech = {_stem(w) for w in lex.reporting}
    if {event.predicate, surface} & lex.reporting or {_stem(event.predicate), _stem(surface)} & speech:
        return None
    found = _words_in(sentence.words, *event.predicate_span)
    return found or None


def _words_in(words: Words, start: int, end: int) -> list[int]:
    """Indices of the words inside a character span."""
    return [k for k, (s, e) in enumerate(words.spans) if s >= start and e <= end]


def _weekdays(sentence: Sentence, resolved: bool) -> set[float]:
    """The weekdays a sentence names: as written, or (dates resolved) the days they resolve to."""
    words = sentence.words
    if not resolved or sentence.dates is None:
        return {v for v, k in zip(words.values, words.kinds) if k == WEEKDAY}
    return {
        float(event.when.first.toordinal())
        for event in sentence.dates
        if event.when.precision == "day"
        and any(words.kinds[k] == WEEKDAY for k in _words_in(words, event.when.start, event.when.end))
    }


def _check_text(value: Any, index: int) -> str:
    if not isinstance(value, str):
        raise AnalysisError(
            f"sentence {index} of a pair batch is {type(value).__name__}, not text", hint="pass sentences as strings"
        )
    return value


def features_of(encoded: Encoded, pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, list[PairEvidence]]:
    """Feature matrix (one row per ``(i, j)`` index pair into ``encoded``) and what each row saw."""
    import numpy as np

    rows: list[list[float]] = []
    evidence: list[PairEvidence] = []
    n = len(encoded)
    for k, (i, j) in enumerate(pairs):
        if not (0 <= i < n and 0 <= j < n):
            raise AnalysisError(
                f"pair {k} ({i}, {j}) points outside the {n} encoded sentences",
                hint="pairs index the sentences passed to PairModel.encode",
            )
        row, seen = pair_features(
            encoded.sentences[i], encoded.sentences[j], float(encoded.embeddings[i] @ encoded.embeddings[j])
        )
        rows.append(row)
        evidence.append(seen)
    matrix = np.asarray(rows, dtype=np.float32) if rows else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return matrix, evidence


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PairOptions:
    """How probabilities become a label (:meth:`PairModel.classify`).

    Attributes:
        contradiction_threshold: P(contradiction) at or above which a pair is a contradiction
            (default None: the model's own, chosen out of sample for precision; see MODEL.md).
        same_threshold: P(same) at or above which a pair that is no contradiction states the same
            fact (default None: the model's own).
        unrelated_threshold: P(unrelated) at or above which a pair is unrelated (default 0.5).
        batch_size: sentences per MiniLM batch in :meth:`PairModel.encode` (default 32).
    """

    contradiction_threshold: float | None = None
    same_threshold: float | None = None
    unrelated_threshold: float = 0.5
    batch_size: int = 32

    def __post_init__(self) -> None:
        for name in ("contradiction_threshold", "same_threshold", "unrelated_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise OptionsError(
                    f"{name}={value} must be in (0, 1]", hint="probabilities; leave None for the model's own"
                )
        if self.batch_size < 1:
            raise OptionsError(f"batch_size={self.batch_size} must be at least 1", hint="the default is 32")


@dataclass(frozen=True)
class PairResult:
    """The model's reading of one sentence pair.

    ``label`` is one of :data:`LABELS`; ``probabilities`` maps each label to its probability;
    ``kind`` (contradictions only) is one of :data:`KINDS`; ``reason`` names what clashes
    (``"number: 15 vs 16"``) when the features saw it.
    """

    label: str
    probabilities: dict[str, float]
    kind: str | None = None
    reason: str = ""

    @property
    def score(self) -> float:
        """The probability of the chosen label."""
        return self.probabilities[self.label]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "reason": self.reason,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
        }


class PairModel:
    """The trained sentence-pair classifier (see the module docstring).

    ``PairModel.load()`` once, then ``encode`` a story's sentences and ``classify`` index pairs, or
    ``classify_texts`` / ``predict_proba`` on (text, text) pairs.
    """

    def __init__(
        self, *, stages: Sequence[Any], thresholds: dict[str, float], meta: dict[str, Any] | None = None
    ) -> None:
        if len(stages) != 3:
            raise ModelUnavailableError("a pair model has three stages (unrelated, contradiction, same)")
        self.stages = list(stages)
        self.thresholds = dict(thresholds)
        self.meta = meta or {}

    # persistence
    @classmethod
    def load(cls, directory: str | Path | None = None) -> PairModel:
        """The shipped model (``newsdesk/data/nli/``), or one written by ``newsdesk train nli --out DIR``;
        loaded once, through :func:`newsdesk.resources.pair_model`."""
        from . import resources

        return resources.pair_model(Path(directory or MODEL_DIR) / MODEL_FILE)

    def save(self, directory: str | Path) -> Path:
        """Write ``directory/pair_model.pkl``; returns its path."""
        import sklearn

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "features": FEATURE_NAMES,
            "stages": self.stages,
            "thresholds": self.thresholds,
            "meta": self.meta,
        }
        with open(path, "wb") as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    # inference
    @staticmethod
    def encode(
        texts: Sequence[str],
        *,
        batch_size: int = 32,
        anchors: Sequence[Any] | None = None,
        parsed: Sequence[tuple[Any, int] | None] | None = None,
    ) -> Encoded:
        """Encode sentences once (MiniLM); see :func:`encode`."""
        return encode(texts, batch_size=batch_size, anchors=anchors, parsed=parsed)

    def proba_from_features(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities over :data:`LABELS`, one row per feature row."""
        import numpy as np

        out = np.zeros((len(matrix), len(LABELS)))
        if not len(matrix):
            return out
        unrelated = self.stages[0].predict_proba(matrix)[:, 1]
        gate = clash_gate(matrix)
        clash = np.zeros(len(matrix))
        if gate.any():
            clash[gate] = self.stages[1].predict_proba(matrix[gate][:, clash_columns()])[:, 1]
        same = self.stages[2].predict_proba(matrix)[:, 1]
        related = 1.0 - unrelated
        out[:, 0] = related * (1 - clash) * same
        out[:, 1] = related * clash
        out[:, 2] = related * (1 - clash) * (1 - same)
        out[:, 3] = unrelated
        return out

    def labels_from_proba(self, proba: np.ndarray, options: PairOptions | None = None) -> list[str]:
        """Labels by the thresholds (contradiction first, then same, then related / unrelated)."""
        options = options or PairOptions()
        t_clash = options.contradiction_threshold or self.thresholds.get("contradiction", 0.5)
        t_same = options.same_threshold or self.thresholds.get("same", 0.5)
        labels = []
        for row in proba:
            if row[3] >= options.unrelated_threshold:
                labels.append("unrelated")
            elif row[1] >= t_clash:
                labels.append("contradiction")
            elif row[0] >= t_same:
                labels.append("same")
            else:
                labels.append("related")
        return labels

    def classify(
        self, pairs: Sequence[tuple[int, int]], encoded: Encoded, *, options: PairOptions | None = None
    ) -> list[PairResult]:
        """Label index pairs into ``encoded`` (the sentences of one story, encoded once)."""
        matrix, evidence = features_of(encoded, pairs)
        proba = self.proba_from_features(matrix)
        results = []
        for row, label, seen in zip(proba, self.labels_from_proba(proba, options), evidence):
            kind, reason = pair_kind(seen) if label == "contradiction" else (None, "")
            results.append(PairResult(label, {name: float(p) for name, p in zip(LABELS, row)}, kind, reason))
        return results

    def classify_texts(
        self, pairs: Sequence[tuple[str, str]], *, options: PairOptions | None = None
    ) -> list[PairResult]:
        """Label (text, text) pairs; each distinct text is encoded once."""
        encoded, index = self._encode_pairs(pairs, options)
        return self.classify(index, encoded, options=options)

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities over :data:`LABELS` (same, contradiction, related, unrelated) of (text, text) pairs."""
        encoded, index = self._encode_pairs(pairs, None)
        return self.proba_from_features(features_of(encoded, index)[0])

    def _encode_pairs(self, pairs, options):
        texts: dict[str, int] = {}
        index = []
        for k, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise AnalysisError(f"pair {k} is not a (text, text) pair", hint="pass a list of 2-tuples of strings")
            a, b = (_check_text(t, k) for t in pair)
            index.append((texts.setdefault(a, len(texts)), texts.setdefault(b, len(texts))))
        return encode(list(texts), batch_size=(options or PairOptions()).batch_size), index


def pair_kind(seen: PairEvidence) -> tuple[str, str]:
    if seen.number_clash:
        return "number", f"number: {seen.number_clash[0]} vs {seen.number_clash[1]}"
    if seen.date_event_clash:
        return "date_time", f"date of the same event: {seen.date_event_clash[0]} vs {seen.date_event_clash[1]}"
    if seen.date_clash:
        if seen.date_resolved:
            return "date_time", f"date: {seen.date_clash[0]} vs {seen.date_clash[1]}"
        return "date_time", f"date as written: {seen.date_clash[0]} vs {seen.date_clash[1]} (publication date unknown)"
    if seen.negation_clash:
        return "negation", f"negated on one side only: {seen.negation_clash}"
    if seen.antonym:
        return "fact", f"opposites: {seen.antonym[0]} vs {seen.antonym[1]}"
    return "fact", ""
