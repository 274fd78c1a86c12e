"""Stance of a text towards a claim: agree / disagree / discuss / unrelated.

A small model of our own (no NLI model is available offline), in the manner of the FNC-1
(Fake News Challenge stage 1) systems: hand-made features of a (claim, text) pair — TF-IDF cosine,
MiniLM similarity of the claim to the text and to its closest sentences, word / name / number
overlap, refuting, hedging and confirming lexicons near the matching sentences, negation parity —
fed to two gradient-boosted tree ensembles (related vs unrelated, then agree / disagree / discuss
among related pairs). It is trained by ``newsdesk train stance`` (see
:mod:`newsdesk.training.stance`) and its weights live in ``newsdesk/data/stance/``.

:func:`classify_pairs` adds rules for what such a model misses between two *statements*: numbers
and dates that differ about the same thing, one statement negating the other, "claims X" against
"denies X".

Why one module of ~810 lines, and why here: the FNC-1 headline/body stance model (features,
model, evaluation helpers) used by ``newsdesk train stance`` and ``newsdesk bench stance``. Since
the claims stage moved to the sentence-pair model (:mod:`newsdesk.nli`) no analysis stage calls
it; it moves to ``bench``/``training`` or goes when the stance bench is retired.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..errors import AnalysisError, OptionsError
from ..resources import STANCE_MODEL

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

#: ``embedder(texts) -> array``: L2-normalised MiniLM rows (:func:`newsdesk.resources.embed` or a cache).
Embedder = Callable[[Sequence[str]], "np.ndarray"]

LABELS = ("agree", "disagree", "discuss", "unrelated")
MODEL_DIR = STANCE_MODEL.parent
MODEL_FILE = STANCE_MODEL.name
FORMAT_VERSION = 1

# --- lexicons ---------------------------------------------------------------------------------
# The refuting list extends the FNC-1 baseline's; hedging and confirming words follow Emergent
# (Ferreira & Vlachos 2016), whose articles mark "discuss" with reporting verbs and hedges.
REFUTING = frozenset(
    "fake fraud hoax false deny denies denied denying not despite nope doubt doubts doubted bogus debunk "
    "debunked debunks prank pranks retract retracted retraction untrue fabricated fabrication myth "
    "rumour rumor rumours rumors never no nothing falsely dismissed dismisses refute refuted refutes "
    "incorrect wrong baseless satire satirical spoof parody misleading unfounded contrary".split()
)
HEDGING = frozenset(
    "reportedly allegedly alleged claims claim claimed claiming purportedly apparently supposedly "
    "rumored rumoured unconfirmed unverified may might could possibly perhaps appears appear seems "
    "seem suggest suggests suggested speculation speculated believed thought likely unclear "
    "according reports reported report sources source says said if whether".split()
)
CONFIRMING = frozenset(
    "confirmed confirms confirm officially official announced announces revealed reveals shows "
    "showed indeed actually proof proved proves verified true real authentic indeed evidence "
    "statement spokesman spokeswoman spokesperson".split()
)
NEGATIONS = frozenset("not no never none nobody nothing neither nor without n't cannot".split())

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])|\n+")


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    # Negations and refuting words carry the stance; keep them out of the stop list.
    return frozenset(ENGLISH_STOP_WORDS) - NEGATIONS - REFUTING


STOPWORDS: frozenset[str] = frozenset()


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (``n't`` split off so negation is countable)."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        token = token.lower()
        if token.endswith("n't"):
            out.extend((token[:-3] or "not", "n't"))
        else:
            out.append(token)
    return out


def _stem(token: str) -> str:
    # A crude suffix strip is enough to match "denies"/"denied" or "launch"/"launched" for overlap.
    for suffix in ("ing", "ed", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def content_terms(text: str) -> set[str]:
    """Stemmed content words of a text (no stop words)."""
    global STOPWORDS
    if not STOPWORDS:
        STOPWORDS = _stopwords()
    return {_stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 1}


def body_sentences(text: str, *, limit: int = 80) -> list[str]:
    """The sentence pieces of a body the stance features are computed over, by punctuation and
    line breaks.

    Part of the model's features (it was trained on FNC-1 bodies split this way, which have no
    parse), not a sentence splitter of articles: the analysis reads its sentences from the story
    context (:mod:`newsdesk.analysis.sentences`); here a body is a statement or a whole text.
    """
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    sentences = [p for p in parts if len(p) > 2]
    return sentences[:limit] or [text.strip()[:1000] or "."]


# --- options ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StanceOptions:
    """Options of the stance model and the pair rules.

    Attributes:
        max_sentences: sentences of each text compared with the claim (default 80; longer
            bodies are cut, which keeps one pathological page from dominating the run time).
        use_rules: apply the numeric / negation / denial rules of :func:`classify_pairs` on top
            of the model (default True).
        embed_sentences: leading sentences of each text embedded with MiniLM (default 8: news
            leads carry the claim, and MiniLM is the slow part on a 2-core CPU); every sentence
            is still compared by TF-IDF and word overlap.
        batch_size: texts embedded per MiniLM batch (default 64).
    """

    max_sentences: int = 80
    embed_sentences: int = 8
    use_rules: bool = True
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.max_sentences < 1:
            raise OptionsError(f"max_sentences={self.max_sentences} must be at least 1", hint="the default is 80")
        if self.embed_sentences < 1:
            raise OptionsError(f"embed_sentences={self.embed_sentences} must be at least 1", hint="the default is 8")
        if self.batch_size < 1:
            raise OptionsError(f"batch_size={self.batch_size} must be at least 1", hint="the default is 64")


# --- features ---------------------------------------------------------------------------------


@dataclass
class _TextInfo:
    """What the features need of one text (a headline/claim or a body), computed once."""

    text: str
    sentences: list[str]
    sentence_terms: list[set[str]]
    sentence_tokens: list[list[str]]
    terms: set[str]
    names: set[str]
    numbers: set[str]
    embedding: Any  # mean of sentence embeddings (L2-normalised)
    sentence_embeddings: Any
    all_tokens: list[str]
    bigrams: set[tuple[str, str]]
    lexicon: tuple[int, int, int, int]


def _names(text: str) -> set[str]:
    return {m.group(0).lower() for m in _CAPITALISED.finditer(text)} - {"the", "a", "an", "in", "on", "i"}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def prepare_texts(
    texts: Sequence[str],
    *,
    max_sentences: int = 80,
    embed_sentences: int = 8,
    batch_size: int = 64,
    split: bool = True,
    embedder: Embedder | None = None,
) -> list[_TextInfo]:
    """Split, tokenise and embed texts once so every pair that uses them reuses the work.

    ``embedder(sentences) -> array`` replaces :func:`newsdesk.resources.embed` (training passes a
    caching one); it must return L2-normalised MiniLM rows.
    """
    import numpy as np

    from ..resources import embed

    if embedder is None:

        def embedder(sentences: Sequence[str]) -> "np.ndarray":
            return embed(sentences, batch_size=batch_size)

    split_texts = [body_sentences(text, limit=max_sentences) if split else [text.strip() or "."] for text in texts]
    to_embed: list[str] = []
    spans = []
    for sentences in split_texts:
        lead = sentences[:embed_sentences]
        spans.append((len(to_embed), len(to_embed) + len(lead)))
        to_embed.extend(lead)
    vectors = embedder(to_embed) if to_embed else np.zeros((0, 384), np.float32)
    infos = []
    for text, sentences, (start, end) in zip(texts, split_texts, spans):
        sentence_vectors = vectors[start:end]
        mean = sentence_vectors.mean(axis=0)
        mean = mean / (np.linalg.norm(mean) or 1.0)
        sentence_tokens = [tokens(s) for s in sentences]
        all_tokens = [t for ts in sentence_tokens for t in ts]
        infos.append(
            _TextInfo(
                text=text,
                sentences=sentences,
                sentence_terms=[content_terms(s) for s in sentences],
                sentence_tokens=sentence_tokens,
                all_tokens=all_tokens,
                bigrams=set().union(*(_bigrams(t) for t in sentence_tokens)),
                lexicon=_lexicon_counts(all_tokens),
                terms=content_terms(text),
                names=_names(text),
                numbers=_numbers(text),
                embedding=mean,
                sentence_embeddings=sentence_vectors,
            )
        )
    return infos


def _lexicon_counts(token_list: list[str]) -> tuple[int, int, int, int]:
    refute = hedge = confirm = negate = 0
    for t in token_list:
        refute += t in REFUTING
        hedge += t in HEDGING
        confirm += t in CONFIRMING
        negate += t in NEGATIONS
    return refute, hedge, confirm, negate


# Single words whose presence in the claim or near the claim in the text are separate features:
# the FNC-1 baseline shows the identity of the refuting word matters (a "hoax" is not a "not").
KEY_WORDS = (
    "fake",
    "hoax",
    "false",
    "deny",
    "denies",
    "denied",
    "not",
    "no",
    "never",
    "debunk",
    "debunked",
    "doubt",
    "rumor",
    "rumour",
    "claims",
    "reportedly",
    "allegedly",
    "confirmed",
    "confirms",
    "reports",
    "says",
    "said",
    "satire",
    "prank",
    "untrue",
    "may",
    "could",
    "fabricated",
    "despite",
    "report",
)

FEATURE_NAMES: list[str] = (
    [
        "tfidf_cos",
        "tfidf_sent_max",
        "tfidf_sent_top3",
        "emb_mean",
        "emb_first",
        "emb_max",
        "emb_top3",
        "emb_argmax_pos",
        "overlap_frac",
        "overlap_jaccard",
        "overlap_first2",
        "best_sent_overlap",
        "best_sent_overlap_n",
        "bigram_overlap",
        "name_frac",
        "claim_names",
        "number_frac",
        "claim_numbers",
        "claim_refute",
        "claim_hedge",
        "claim_confirm",
        "claim_negate",
        "claim_len",
        "claim_question",
        "body_refute",
        "body_hedge",
        "body_confirm",
        "body_negate",
        "body_len_log",
        "body_sentences_log",
        "near_refute",
        "near_hedge",
        "near_confirm",
        "near_negate",
        "near_quote",
        "near_question",
        "near1_refute",
        "near1_hedge",
        "near1_negate",
        "neg_parity_equal",
        "body_quotes",
        "body_question",
        "matched_sentence_frac",
    ]
    + [f"claim_kw_{w}" for w in KEY_WORDS]
    + [f"near_kw_{w}" for w in KEY_WORDS]
    + [f"body_kw_{w}" for w in KEY_WORDS]
)


def _bigrams(token_list: list[str]) -> set[tuple[str, str]]:
    content_terms("")  # make sure STOPWORDS is loaded
    words = [_stem(t) for t in token_list if t not in STOPWORDS]
    return set(zip(words, words[1:]))


def pair_features(claim: _TextInfo, body: _TextInfo, tfidf_cos: float, sentence_cos: "np.ndarray") -> list[float]:
    """The feature vector of one (claim, body) pair, in the order of :data:`FEATURE_NAMES`.

    ``sentence_cos`` holds the TF-IDF cosine of the claim to each body sentence.
    """
    import numpy as np

    sims = body.sentence_embeddings @ claim.embedding
    order = np.argsort(-sims)
    n_sent = len(body.sentences)
    lexical_order = np.argsort(-sentence_cos)
    top = order[:3]
    claim_terms = claim.terms or {""}
    overlap = claim.terms & body.terms
    first2 = set().union(*body.sentence_terms[:2]) if body.sentence_terms else set()
    sent_overlaps = [len(claim.terms & s) for s in body.sentence_terms]
    best_overlap = max(sent_overlaps) if sent_overlaps else 0
    claim_bigrams = claim.bigrams
    body_bigrams = body.bigrams
    # "near" = the sentences most like the claim, by embedding or by shared words
    near_idx = (
        set(int(i) for i in top)
        | set(int(i) for i in lexical_order[:2])
        | {i for i, n in enumerate(sent_overlaps) if n >= max(2, best_overlap)}
    )
    near_tokens = [t for i in sorted(near_idx) for t in body.sentence_tokens[i]]
    near_text = " ".join(body.sentences[i] for i in sorted(near_idx))
    near1_tokens = body.sentence_tokens[int(lexical_order[0])] if n_sent else []
    claim_tokens = claim.all_tokens
    body_tokens = body.all_tokens
    c_ref, c_hed, c_con, c_neg = claim.lexicon
    b_ref, b_hed, b_con, b_neg = body.lexicon
    n_ref, n_hed, n_con, n_neg = _lexicon_counts(near_tokens)
    n1_ref, n1_hed, _n1_con, n1_neg = _lexicon_counts(near1_tokens)
    body_len = max(len(body_tokens), 1)
    near_len = max(len(near_tokens), 1)
    claim_set, near_set, body_set = set(claim_tokens), set(near_tokens), set(body_tokens)  # noqa: E501
    features = [
        tfidf_cos,
        float(sentence_cos.max()) if n_sent else 0.0,
        float(np.sort(sentence_cos)[-3:].mean()) if n_sent else 0.0,
        float(body.embedding @ claim.embedding),
        float(sims[0]) if len(sims) else 0.0,
        float(sims[order[0]]) if len(sims) else 0.0,
        float(sims[top].mean()) if len(sims) else 0.0,
        float(lexical_order[0]) / max(n_sent - 1, 1) if n_sent else 0.0,
        len(overlap) / len(claim_terms),
        len(overlap) / max(len(claim.terms | body.terms), 1),
        len(claim.terms & first2) / len(claim_terms),
        best_overlap / len(claim_terms),
        float(best_overlap),
        len(claim_bigrams & body_bigrams) / max(len(claim_bigrams), 1),
        len(claim.names & body.names) / max(len(claim.names), 1),
        float(len(claim.names)),
        len(claim.numbers & body.numbers) / max(len(claim.numbers), 1),
        float(len(claim.numbers)),
        float(c_ref),
        float(c_hed),
        float(c_con),
        float(c_neg),
        float(len(claim_tokens)),
        float("?" in claim.text),
        b_ref / body_len * 100,
        b_hed / body_len * 100,
        b_con / body_len * 100,
        b_neg / body_len * 100,
        math.log1p(body_len),
        math.log1p(n_sent),
        n_ref / near_len * 100,
        n_hed / near_len * 100,
        n_con / near_len * 100,
        n_neg / near_len * 100,
        float(any(q in near_text for q in '"“”')),
        float("?" in near_text),
        float(n1_ref),
        float(n1_hed),
        float(n1_neg),
        float((c_neg % 2) == (n1_neg % 2)),
        sum(body.text.count(q) for q in '"“”') / body_len * 100,
        body.text.count("?") / max(n_sent, 1),
        sum(1 for n in sent_overlaps if n >= 2) / max(n_sent, 1),
    ]
    features += [float(w in claim_set) for w in KEY_WORDS]
    features += [float(w in near_set) for w in KEY_WORDS]
    features += [float(w in body_set) for w in KEY_WORDS]
    return features


# --- the model --------------------------------------------------------------------------------


class StanceModel:
    """The trained two-stage stance classifier (see the module docstring).

    Load it once with :meth:`load` and call :meth:`predict` on (claim, text) pairs.
    """

    def __init__(
        self,
        *,
        vectorizer: Any,
        related_model: Any,
        stance_model: Any,
        related_threshold: float = 0.5,
        options: StanceOptions | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.vectorizer = vectorizer
        self.related_model = related_model
        self.stance_model = stance_model
        self.related_threshold = related_threshold
        self.options = options or StanceOptions()
        self.meta = meta or {}

    # persistence
    @classmethod
    def load(cls, directory: str | Path | None = None, *, options: StanceOptions | None = None) -> "StanceModel":
        """The shipped model (``newsdesk/data/stance/``), or one saved by ``newsdesk train stance --out DIR``
        (loaded once, by :func:`newsdesk.resources.stance_model`)."""
        from ..resources import stance_model

        model = stance_model(Path(directory) / MODEL_FILE if directory else MODEL_DIR / MODEL_FILE)
        return model.with_options(options or StanceOptions())

    def with_options(self, options: StanceOptions) -> "StanceModel":
        """The same fitted model, computing its features with ``options``."""
        if options == self.options:
            return self
        return StanceModel(
            vectorizer=self.vectorizer,
            related_model=self.related_model,
            stance_model=self.stance_model,
            related_threshold=self.related_threshold,
            options=options,
            meta=self.meta,
        )

    def save(self, directory: str | Path) -> Path:
        """Write the model to ``directory/stance_model.pkl``; returns the file path."""
        import sklearn

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "vectorizer": self.vectorizer,
            "related_model": self.related_model,
            "stance_model": self.stance_model,
            "related_threshold": self.related_threshold,
            "meta": self.meta,
        }
        with open(path, "wb") as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    # inference
    def features(self, pairs: Sequence[tuple[str, str]], *, embedder: Embedder | None = None) -> "np.ndarray":
        """Feature matrix of (claim, text) pairs; each distinct text is embedded once.

        ``embedder`` replaces :func:`newsdesk.resources.embed` (e.g. a cache of MiniLM vectors).
        """
        claims = list(dict.fromkeys(c for c, _ in pairs))
        bodies = list(dict.fromkeys(b for _, b in pairs))
        opts = self.options
        claim_info = dict(
            zip(
                claims,
                prepare_texts(claims, max_sentences=1, batch_size=opts.batch_size, split=False, embedder=embedder),
            )
        )
        body_info = dict(
            zip(
                bodies,
                prepare_texts(
                    bodies,
                    max_sentences=opts.max_sentences,
                    embed_sentences=opts.embed_sentences,
                    batch_size=opts.batch_size,
                    embedder=embedder,
                ),
            )
        )
        return build_matrix(pairs, claim_info, body_info, self.vectorizer)

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> "np.ndarray":
        """Probabilities over :data:`LABELS` (agree, disagree, discuss, unrelated), one row per pair."""
        import numpy as np

        if not pairs:
            return np.zeros((0, 4))
        matrix = self.features(pairs)
        return self.proba_from_features(matrix)

    def proba_from_features(self, matrix: "np.ndarray") -> "np.ndarray":
        import numpy as np

        related = self.related_model.predict_proba(matrix)[:, 1]
        stance = self.stance_model.predict_proba(matrix)  # columns: agree, disagree, discuss
        out = np.zeros((len(matrix), 4))
        out[:, :3] = stance * related[:, None]
        out[:, 3] = 1 - related
        return out

    def labels_from_proba(self, proba: "np.ndarray") -> list[str]:
        labels = []
        for row in proba:
            related = 1 - row[3]
            if related < self.related_threshold:
                labels.append("unrelated")
            else:
                labels.append(LABELS[int(row[:3].argmax())])
        return labels

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        """One label per (claim_or_headline, text) pair: agree | disagree | discuss | unrelated."""
        pairs = [(_check_text(c, i, "claim"), _check_text(t, i, "text")) for i, (c, t) in enumerate(pairs)]
        if not pairs:
            return []
        return self.labels_from_proba(self.predict_proba(pairs))


def _check_text(value: Any, index: int, what: str) -> str:
    if not isinstance(value, str):
        raise AnalysisError(
            f"stance pair {index}: the {what} is {type(value).__name__}, not text",
            hint="pass (claim, text) pairs of strings",
        )
    return value


def build_matrix(
    pairs: Sequence[tuple[str, str]], claim_info: dict[str, _TextInfo], body_info: dict[str, _TextInfo], vectorizer: Any
) -> "np.ndarray":
    """Feature rows for ``pairs`` given prepared texts (shared by training and inference)."""
    import numpy as np

    claims = list(claim_info)
    bodies = list(body_info)
    claim_vecs = vectorizer.transform(claims)
    body_vecs = vectorizer.transform(bodies)
    claim_row = {c: i for i, c in enumerate(claims)}
    # Group pairs by body so each body's sparse products are computed once for all its claims
    # (per-pair scipy calls cost more than the features themselves).
    by_body: dict[str, list[int]] = {}
    for index, (_claim, body) in enumerate(pairs):
        by_body.setdefault(body, []).append(index)
    rows: list[list[float] | None] = [None] * len(pairs)
    for b_index, body in enumerate(bodies):
        indices = by_body.get(body)
        if not indices:
            continue
        claim_rows = [claim_row[pairs[i][0]] for i in indices]
        cv = claim_vecs[claim_rows]
        whole = np.asarray((body_vecs[b_index] @ cv.T).todense()).ravel()  # rows are L2-normalised
        sentences = np.asarray((vectorizer.transform(body_info[body].sentences) @ cv.T).todense())
        for k, index in enumerate(indices):
            claim = pairs[index][0]
            rows[index] = pair_features(claim_info[claim], body_info[body], float(whole[k]), sentences[:, k])
    return np.asarray(rows, dtype=np.float32)


# --- pair rules and the combined classifier -----------------------------------------------------

DENIALS = frozenset(
    "deny denies denied denying rejects rejected refutes refuted dismissed dismisses disputes disputed contests "
    "contested false untrue baseless fabricated".split()
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_QUANTITY = re.compile(
    r"\b(?P<num>\d+(?:[.,]\d+)*)\s*(?:-\s*)?(?P<unit>%|percent|per cent|[a-z]+(?:\s+[a-z]+)?)?", re.I
)
_DATED = re.compile(r"\b(?P<month>" + "|".join(MONTHS) + r")\s+(?P<day>\d{1,2})\b", re.I)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_WORD_QUANTITY = re.compile(r"\b(?P<num>" + "|".join(_NUMBER_WORDS) + r")(?:\s*-\s*|\s+)(?P<unit>[a-z]+)", re.I)
_UNIT_SKIP = frozenset("and or the of to in on at a an by for with from as than".split())


@dataclass(frozen=True)
class PairStance:
    """How statement ``b`` stands towards statement ``a``.

    ``label``: agree | contradict | discuss | unrelated; ``kind`` says what decided a
    contradiction (numeric, date, negation, stance); ``reason`` is a short explanation.
    """

    label: str
    kind: str | None = None
    reason: str = ""
    model_label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.kind, "reason": self.reason, "model_label": self.model_label}


def quantities(text: str) -> dict[str, set[float]]:
    """Numbers of a statement keyed by what they count (``{"day": {30.0}}`` for "a 30-day truce")."""
    found: dict[str, set[float]] = {}
    for match in _QUANTITY.finditer(text):
        unit = (match.group("unit") or "").lower().split()
        unit = [w for w in unit if w not in _UNIT_SKIP][:1]
        if not unit:
            continue
        try:
            value = float(match.group("num").replace(",", ""))
        except ValueError:
            continue
        if 1900 <= value <= 2100 and unit[0] not in ("%", "percent"):
            continue  # a year is a date, handled with dates
        found.setdefault(_unit(unit[0]), set()).add(value)
    for match in _WORD_QUANTITY.finditer(text):
        found.setdefault(_unit(match.group("unit").lower()), set()).add(
            float(_NUMBER_WORDS[match.group("num").lower()])
        )
    return found


def _unit(word: str) -> str:
    return _stem(word[:-1] if word.endswith("s") and len(word) > 3 else word)


def dates(text: str) -> dict[str, set[str]]:
    """Weekdays, month-days and years a statement mentions."""
    lower = text.lower()
    out: dict[str, set[str]] = {}
    days = {d for d in WEEKDAYS if re.search(rf"\b{d}\b", lower)}
    if days:
        out["weekday"] = days
    month_days = {f"{m.group('month').lower()} {int(m.group('day'))}" for m in _DATED.finditer(text)}
    if month_days:
        out["month_day"] = month_days
    years = set(re.findall(r"\b(19\d\d|20\d\d)\b", text))
    if years:
        out["year"] = years
    return out


def statement_polarity(text: str, about: set[str] | None = None, window: int = 5) -> int:
    """1 for an affirmed statement, -1 for a negated or denied one.

    With ``about`` (stemmed content terms), only negations within ``window`` tokens of one of
    those terms count, so "not only" far from the shared subject does not flip the statement.
    """
    toks = tokens(text)
    stems = [_stem(t) for t in toks]
    flips = 0
    for index, token in enumerate(toks):
        if token in NEGATIONS or token in DENIALS:
            if token in ("no", "not") and index + 1 < len(toks) and toks[index + 1] in ("only", "doubt", "longer"):
                continue
            if "but" in toks[index + 1 : index + 8]:
                continue  # "cannot be taken as anything but X", "not A but B": X / B is affirmed
            if about is None or any(s in about for s in stems[max(0, index - window) : index + window + 1]):
                flips += 1
    return -1 if flips % 2 else 1


def rule_stance(a: str, b: str, *, ignore: frozenset[str] | set[str] = frozenset()) -> PairStance | None:
    """A contradiction the rules can see between two statements about the same thing, or None.

    ``ignore``: stemmed terms too common in the collection to show two statements share a topic.
    """
    shared = (content_terms(a) & content_terms(b)) - set(ignore)
    if len(shared) < 2:
        return None
    qa, qb = quantities(a), quantities(b)
    for unit in sorted(set(qa) & set(qb)):
        if unit in shared or unit in {_unit(t) for t in shared} or unit in ("%", "percent"):
            if not (qa[unit] & qb[unit]):
                return PairStance(
                    "contradict",
                    "numeric",
                    f"{unit}: {', '.join(f'{v:g}' for v in sorted(qa[unit]))} vs {', '.join(f'{v:g}' for v in sorted(qb[unit]))}",
                )
    da, db = dates(a), dates(b)
    for key in ("month_day", "weekday"):
        if key in da and key in db and not (da[key] & db[key]) and len(shared) >= 3:
            return PairStance("contradict", "date", f"{', '.join(sorted(da[key]))} vs {', '.join(sorted(db[key]))}")
    topic = shared - {"said", "say", "says", "not", "no", "never"}
    if len(topic) < 3:  # a flipped polarity means something only about the same subject and predicate
        return None
    pa, pb = statement_polarity(a, topic, window=3), statement_polarity(b, topic, window=3)
    if pa != pb:
        negated = a if pa < 0 else b
        denial = any(t in DENIALS for t in tokens(negated))
        return PairStance(
            "contradict",
            "negation",
            ("one denies what the other states" if denial else "one negates what the other states")
            + f" (about {', '.join(sorted(topic)[:5])})",
        )
    return None


def classify_pairs(
    pairs: Sequence[tuple[str, str]],
    *,
    model: StanceModel | None = None,
    use_model: bool = True,
    options: StanceOptions | None = None,
    ignore: frozenset[str] | set[str] = frozenset(),
) -> list[PairStance]:
    """Label (a, b) statement pairs: agree | contradict | discuss | unrelated.

    The rules (numbers, dates, negation, denials) decide first when they apply; otherwise the
    stance model's label is used, ``disagree`` becoming ``contradict``. With ``use_model=False``
    pairs the rules do not decide are labelled ``agree`` when they share content words, else
    ``unrelated``. ``ignore`` is passed to :func:`rule_stance`.
    """
    options = options or StanceOptions()
    out: list[PairStance | None] = []
    undecided: list[int] = []
    for index, (a, b) in enumerate(pairs):
        _check_text(a, index, "first statement")
        _check_text(b, index, "second statement")
        ruled = rule_stance(a, b, ignore=ignore) if options.use_rules else None
        out.append(ruled)
        if ruled is None:
            undecided.append(index)
    if undecided and use_model:
        model = model or StanceModel.load(options=options)
        # the FNC-1 model reads (headline, body): the shorter statement plays the headline
        ordered = [
            (pairs[i][0], pairs[i][1]) if len(pairs[i][0]) <= len(pairs[i][1]) else (pairs[i][1], pairs[i][0])
            for i in undecided
        ]
        for index, label in zip(undecided, model.predict(ordered)):
            mapped = {"disagree": "contradict"}.get(label, label)
            out[index] = PairStance(
                mapped, "stance" if mapped == "contradict" else None, f"stance model: {label}", label
            )
    for index in undecided:
        if out[index] is None:
            a, b = pairs[index]
            shared = content_terms(a) & content_terms(b)
            out[index] = PairStance(
                "agree" if len(shared) >= 2 else "unrelated", None, "shared content words" if shared else ""
            )
    return [p for p in out if p is not None]
