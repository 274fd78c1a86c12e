"""SUMMARY stage: a cited multi-document summary of one story.

Why one module of ~1,800 lines: the extractive summary, its learned scorer (features and the JSON
tree ensemble), the citation decision, the reader's summary and the optional abstractive mode share
the candidate sentences, their filters, the stand-alone rule and the citation rule. The abstractive
mode (~150 lines) and the reader's summary (~250 lines) are the parts to move out next.

Extractive by default. Every sentence of every article becomes a candidate unless it is not
summary material (a question, a quote fragment without its speaker, a byline or page chrome, a
heading, a sentence cut off by the source, too short or too long).

By default (``scorer="learned"``) each candidate's worth — its predicted ROUGE-2 bigram precision,
what it brings per word — comes from a small gradient-boosted tree ensemble shipped as JSON in
``newsdesk/data/summary/`` (trained by ``newsdesk train summary`` on the AllSides dev data) over
features computed within the story (:func:`candidate_features`): MiniLM centrality, confirmation by
the other articles, similarity to the titles, lead position, length, how many of its words and
bigrams the other articles share, quotes, numbers. Selection (:func:`select_within_budget`) greedily
maximises the worth of what a reader gets within ``word_budget`` words in reading order, with a
redundancy cost, no near-copies and an outlet-balance discount.

``scorer="heuristic"`` keeps the fixed-weight score (centrality + confirmation + headline
similarity + lead position, :func:`score_candidates`) with Maximal Marginal Relevance selection and
a per-outlet penalty (:func:`select`); it is also the fallback when the model file is unusable.

The chosen sentences come out in reading order (article date, then article order, then position).
Each carries citations: its own article, then every other article that states it — a support
decision (:class:`CitationSupport`: word, bigram, number and name coverage by the article's
sentences, negation, MiniLM cosine; a logistic model trained on the support_qags / support_wice dev
splits with its threshold chosen out of sample for precision, shipped in the summary model file),
never mere similarity: an article that only discusses the same thing is not cited.

An optional abstractive mode asks any OpenAI-compatible chat endpoint (a local Ollama or vLLM,
``base_url`` such as ``http://127.0.0.1:11434/v1``) to write the summary, then checks every
sentence it returns against the sources (embedding similarity, numbers, named entities) and
drops or flags the unsupported ones. It is off unless ``SummaryOptions(abstractive=True, …)``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

from ..errors import AnalysisError, ModelUnavailableError, OptionsError
from ..models import Article
from ..resources import SUMMARY_MODEL, doc_text
from .sentences import Sentence, article_sentences

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .context import StoryContext

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "summary"
SECTIONS: tuple[str, ...] = ("summary",)

WORD_RE = re.compile(r"\w+")

UnsupportedPolicy = Literal["drop", "flag"]
ScorerKind = Literal["learned", "heuristic"]
MODEL_DIR = SUMMARY_MODEL.parent
MODEL_FILE = SUMMARY_MODEL.name
MODEL_FORMAT = "newsdesk-summary-gbm/1"


class SummaryError(AnalysisError):
    """The summary stage could not produce a summary (e.g. the configured LLM endpoint failed)."""

    code = "E560"


@dataclass(frozen=True, kw_only=True)
class SummaryOptions:
    """How a story is summarised. Defaults are the ones measured in docs/benchmarks/summary.md.

    word_budget: the summary's length in words. Sentences are chosen for what a reader gets in the
        first ``word_budget`` words (in reading order); the last sentence is kept whole, so a
        summary may run past the budget by part of one sentence.
    scorer: ``"learned"`` (default): each sentence's worth is predicted by the small gradient-boosted
        model shipped in ``newsdesk/data/summary/`` (``newsdesk train summary``), and sentences are
        chosen to maximise the predicted worth of the words within the budget
        (:func:`select_within_budget`). ``"heuristic"``: the fixed-weight score of
        :func:`score_candidates` with MMR selection (:func:`select`). A missing or unreadable model
        file falls back to the heuristic with a logged warning.
    model_path: JSON model file to use instead of the shipped one.
    redundancy_weight: learned scorer only; cost per word of overlap (MiniLM cosine) between two
        chosen sentences, on the scale of the predicted bigram precision (0.01 measured in
        docs/benchmarks/summary.md; higher values leave the budget part empty on 3-article stories).
    min_words / max_words: candidate sentences outside this length are not summary material.
    position_weight, confirmation_weight, headline_weight: weights of the lead-position,
        cross-outlet confirmation and headline-similarity signals; centrality has weight 1.
    mmr_lambda: trade-off of relevance against redundancy in selection (1 = no redundancy control).
    outlet_penalty: subtracted from a candidate's selection score per sentence already chosen
        from the same outlet (outlet balance).
    duplicate_threshold: a candidate this similar to a chosen sentence is never chosen.
    abstractive: ask an OpenAI-compatible endpoint for the summary (off by default).
    llm_base_url / llm_model: the endpoint (e.g. ``http://127.0.0.1:11434/v1``) and model name.
    llm_api_key_env: name of the environment variable holding the API key, if the endpoint needs
        one (the key itself never goes into options or output).
    llm_timeout: seconds to wait for the endpoint.
    support_threshold: an abstractive sentence needs a source sentence at least this similar.
    unsupported: ``"drop"`` unsupported abstractive sentences, or keep them with ``flags``.
    fallback_to_extractive: when the endpoint fails or nothing it wrote is supported, return the
        extractive summary (logged as a warning) instead of raising :class:`SummaryError`.
    """

    word_budget: int = 120
    scorer: ScorerKind = "learned"
    model_path: str | None = None
    redundancy_weight: float = 0.01
    min_words: int = 6
    max_words: int = 70
    position_weight: float = 0.5
    confirmation_weight: float = 1.0
    headline_weight: float = 1.0
    mmr_lambda: float = 0.7
    outlet_penalty: float = 0.05
    duplicate_threshold: float = 0.85
    abstractive: bool = False
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key_env: str | None = None
    llm_timeout: float = 120.0
    support_threshold: float = 0.6
    unsupported: UnsupportedPolicy = "drop"
    fallback_to_extractive: bool = True

    def __post_init__(self) -> None:
        if self.word_budget < 1:
            raise OptionsError(f"word_budget must be >= 1, got {self.word_budget}", hint="e.g. word_budget=120")
        if not 1 <= self.min_words <= self.max_words:
            raise OptionsError(
                f"need 1 <= min_words <= max_words, got {self.min_words} and {self.max_words}",
                hint="defaults are min_words=6, max_words=70",
            )
        for name in ("position_weight", "confirmation_weight", "headline_weight", "outlet_penalty"):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("mmr_lambda", "duplicate_threshold", "support_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise OptionsError(f"{name} must lie in [0, 1], got {value}")
        if self.scorer not in ("learned", "heuristic"):
            raise OptionsError(f"scorer must be 'learned' or 'heuristic', got {self.scorer!r}")
        if self.redundancy_weight < 0:
            raise OptionsError(f"redundancy_weight must be >= 0, got {self.redundancy_weight}")
        if self.unsupported not in ("drop", "flag"):
            raise OptionsError(f"unsupported must be 'drop' or 'flag', got {self.unsupported!r}")
        if self.llm_timeout <= 0:
            raise OptionsError(f"llm_timeout must be > 0 seconds, got {self.llm_timeout}")
        if self.abstractive and not (self.llm_base_url and self.llm_model):
            raise OptionsError(
                "abstractive=True needs llm_base_url and llm_model",
                hint="e.g. llm_base_url='http://127.0.0.1:11434/v1', llm_model='llama3.1:8b' for a local Ollama",
            )


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One sentence of a story summary.

    ``article``/``start``/``end`` locate the sentence in its source article's text (for an
    abstractive sentence: the source sentence that supports it best). ``text`` is the source
    sentence as a reader sees it standing alone (:func:`standalone`: a leading connective dropped,
    so ``start`` moves past it, or a leading pronoun replaced by the name it refers to).
    ``citations`` lists the source article first, then every other article that states it
    (:class:`CitationSupport`).
    """

    text: str
    article: str
    start: int
    end: int
    citations: tuple[str, ...]
    score: float = 0.0
    kind: Literal["extractive", "abstractive"] = "extractive"
    support: float | None = None  # abstractive only: best similarity to a source sentence
    flags: tuple[str, ...] = ()  # abstractive only: why a kept sentence may be unsupported

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "article": self.article,
            "start": self.start,
            "end": self.end,
            "citations": list(self.citations),
            "score": round(float(self.score), 4),
            "kind": self.kind,
            "support": None if self.support is None else round(float(self.support), 4),
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence of one article, located by character offsets in ``Article.text``."""

    article_index: int
    article_id: str
    start: int
    end: int
    text: str
    position: int  # index among the article's sentences
    rejection: str | None = None  # why it is not summary material, None when it is

    @property
    def words(self) -> int:
        return len(WORD_RE.findall(self.text))


# --- sentence candidates --------------------------------------------------------------------


def sentence_spans(
    articles: Sequence[Article], sentences: Mapping[str, Sequence[Sentence]] | None = None
) -> list[list[tuple[int, int]]]:
    """Sentence character spans of each article: ``sentences[article.id]`` when given (the
    story context's), else the one splitter (:mod:`newsdesk.analysis.sentences`) on a parse
    made here."""
    given = dict(sentences or {})
    missing = [a for a in articles if a.id not in given]
    if missing:
        from ..resources import parse

        for article, doc in zip(missing, parse([a.text for a in missing])):
            given[article.id] = article_sentences(article.text, doc)
    return [[(s.start, s.end) for s in given[article.id]] for article in articles]


#: The stage's word lists (``data/summary/words.json``): page chrome, speech verbs, the openings
#: that tie a sentence to the one before it, future markers, denials.
WORDS_FILE = MODEL_DIR / "words.json"


@dataclass(frozen=True)
class SummaryWords:
    """The word lists of ``data/summary/words.json``, compiled once (:func:`summary_words`)."""

    boilerplate: "re.Pattern[str]"
    #: a byline or credit opens on one of these words ("By Jane Doe", "Photo: Reuters")
    byline_openers: frozenset[str]
    #: and holds only names and these words ("By Jane Doe and John Roe, Washington Post staff writers")
    byline_words: frozenset[str]
    #: an imperative that opens page chrome ("Watch the full interview (video).")
    call_to_action_openers: frozenset[str]
    dateline_only: "re.Pattern[str]"
    speech_verb: "re.Pattern[str]"
    #: openings that tie a sentence to the one before it; the coordinators need no comma after them
    connectives: tuple[str, ...]  # longest first
    coordinators: frozenset[str]
    #: third-person pronouns that open a sentence and name someone from an earlier one
    pronouns: frozenset[str]
    possessives: frozenset[str]
    neuter: frozenset[str]
    #: demonstratives that point back ("This stance"), unless they open a time phrase ("This week")
    #: or a relative clause explains them on the spot ("Those who …")
    demonstratives: frozenset[str]
    time_nouns: frozenset[str]
    relatives: frozenset[str]
    #: "It is unclear whether …", "It was agreed that …": an "it" that points forward, not back
    expletive_it: "re.Pattern[str]"
    future: frozenset[str]
    denials: frozenset[str]


def _alternatives(phrases: Sequence[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=1)
def summary_words() -> SummaryWords:
    """The stage's word lists, read once from ``data/summary/words.json``."""
    try:
        raw = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
        lists = {key: [str(w).lower() for w in value] for key, value in raw.items() if isinstance(value, list)}
        verbs = [v if v[:1] in "'’" else " " + v for v in lists["expletive_it_verbs"]]
        return SummaryWords(
            boilerplate=re.compile(rf"\b({_alternatives(lists['boilerplate'])})\b", re.IGNORECASE),
            byline_openers=frozenset(lists["byline_openers"]),
            byline_words=frozenset(lists["byline_words"]),
            call_to_action_openers=frozenset(lists["call_to_action_openers"]),
            dateline_only=re.compile(rf"^({_alternatives(lists['dateline_openers'])})\b", re.IGNORECASE),
            speech_verb=re.compile(rf"\b({_alternatives(lists['speech_verbs'])})\b", re.IGNORECASE),
            connectives=tuple(sorted(set(lists["connectives"]), key=len, reverse=True)),
            coordinators=frozenset(lists["coordinators"]),
            pronouns=frozenset(lists["pronouns"]),
            possessives=frozenset(lists["possessives"]),
            neuter=frozenset(lists["neuter_pronouns"]),
            demonstratives=frozenset(lists["demonstratives"]),
            time_nouns=frozenset(lists["time_nouns"]),
            relatives=frozenset(lists["relatives"]),
            expletive_it=re.compile(
                rf"^It(?:{_alternatives(verbs)})\b.*?\b(?:{_alternatives(lists['expletive_it_complements'])})\b",
                re.IGNORECASE,
            ),
            future=frozenset(lists["future_markers"]),
            denials=frozenset(lists["denials"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelUnavailableError(
            f"the summary word lists {WORDS_FILE} could not be read: {exc}",
            hint="reinstall newsdesk; the file ships with the package",
        ) from exc


_URL = re.compile(r"https?://|www\.|\S+@\S+\.\w+")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_CLOSERS = "\"'”’)]»"


def _is_byline(text: str, cues: SummaryWords) -> bool:
    """Whether ``text`` is a byline, a credit or a call to action: a credit word and a colon
    ("Photo: …"), "Watch …"/"Listen …", or a byline opener followed by names alone ("By Jane Doe and John Roe, Washington Post staff
    writers") — not a sentence that opens on "By" or "From" ("By Nov. 4, proof of vaccination will
    be mandatory"; "From Wednesday, the site will take down …")."""
    match = re.match(r"([A-Za-z]+)(\s*:)?", text)
    if match is None or match.group(1).lower() not in cues.byline_openers:
        return False
    if match.group(2) or match.group(1).lower() in cues.call_to_action_openers:
        return True
    words = re.findall(r"[^\W\d_][\w'’-]*", text[match.end() :])
    return bool(words) and all(w[0].isupper() or w.lower() in cues.byline_words for w in words)


def rejection_reason(text: str, *, min_words: int = 6, max_words: int = 70) -> str | None:
    """Why a sentence is not summary material, or None when it is."""
    words = len(WORD_RE.findall(text))
    if words < min_words:
        return "too short"
    if words > max_words:
        return "too long"
    core = text.rstrip(_CLOSERS + " ")
    if core.endswith("?"):
        return "question"
    if core.endswith(("...", "…", ":", ";", ",")) or not core.endswith((".", "!")):
        return "no sentence end (heading, caption or cut off)"
    first = text.lstrip("\"'“‘(«[ ")[:1]
    if first and first.islower():
        return "starts mid-sentence"
    if _URL.search(text) or "|" in text or "©" in text:
        return "boilerplate"
    cues = summary_words()
    if cues.boilerplate.search(text) or _is_byline(text, cues) or cues.dateline_only.match(text):
        return "boilerplate"
    if text.count("“") != text.count("”") or text.count('"') % 2:
        return "quote fragment (unbalanced quotation marks)"
    outside = _QUOTED.sub(" ", text)
    if outside != text:
        outside_words = len(WORD_RE.findall(outside))
        if outside_words < 3 or (outside_words < words / 2 and not cues.speech_verb.search(outside)):
            return "quote without its speaker"
    return None


def candidates(
    articles: Sequence[Article],
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
    *,
    min_words: int = 6,
    max_words: int = 70,
) -> list[Candidate]:
    """Every sentence of every article, each marked with why it is not summary material (if so)."""
    found = []
    for index, (article, spans) in enumerate(zip(articles, sentence_spans(articles, sentences))):
        for position, (start, end) in enumerate(spans):
            text = article.text[start:end]
            found.append(
                Candidate(
                    article_index=index,
                    article_id=article.id,
                    start=start,
                    end=end,
                    text=text,
                    position=position,
                    rejection=rejection_reason(text, min_words=min_words, max_words=max_words),
                )
            )
    return found


# --- sentences that read on their own (no dangling reference) ---------------------------------

#: the opening word alone: "He's" opens with the pronoun "He".
_OPENING_WORD = re.compile(r"[A-Za-z]+")

#: Resolves a pronoun: (start, end) of the pronoun in the sentence -> the name it refers to, or None.
PronounResolver = Callable[[int, int], "str | None"]


def _drop_connective(text: str) -> int:
    """How many leading characters of ``text`` are a connective to drop (0 when none)."""
    lowered, words = text.lower(), summary_words()
    for phrase in words.connectives:
        if not lowered.startswith(phrase):
            continue
        rest = text[len(phrase) :]
        if rest.startswith(","):
            return len(phrase) + 1 + len(rest[1:]) - len(rest[1:].lstrip())
        if phrase in words.coordinators and rest[:1] == " " and rest.lstrip()[:1].isalpha():
            return len(phrase) + len(rest) - len(rest.lstrip())
    return 0


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def standalone(text: str, resolve: PronounResolver | None = None) -> tuple[str, int] | None:
    """``text`` as it reads without the sentence before it, and how many leading characters of the
    source it no longer shows; ``None`` when it cannot stand alone.

    A leading connective ("However,", "But", "As a result,") is dropped; a leading third-person
    pronoun ("He", "They", "His") is replaced by the name ``resolve`` gives for it (the story's
    coreference), possessives keeping their "’s"; a sentence opening on a pronoun nobody resolves
    (or on "it", which the coreference does not resolve, unless it points forward: "It is unclear
    whether …"),
    or on a demonstrative that points back ("This stance …", "These talks …"; not "This week"),
    cannot stand alone. Quotations are left to the quotation filters of :func:`rejection_reason`.
    """
    dropped = 0
    for _ in range(2):  # "But, in addition, …"
        more = _drop_connective(text[dropped:])
        if not more:
            break
        dropped += more
    shown = _capitalised(text[dropped:]) if dropped else text
    match = _OPENING_WORD.match(shown)
    if match is None:
        return shown, dropped
    word, cues = match.group().lower(), summary_words()
    if word in cues.demonstratives:
        following = _OPENING_WORD.match(shown[match.end() :].lstrip())
        if following is None or following.group().lower() not in cues.time_nouns | cues.relatives:
            return None
        return shown, dropped
    if word not in cues.pronouns and word not in cues.possessives:
        return shown, dropped
    if word in cues.neuter:  # "It is unclear whether …" points forward; any other "it" is not resolved
        return (shown, dropped) if word == "it" and cues.expletive_it.match(shown) else None
    name = resolve(dropped + match.start(), dropped + match.end()) if resolve is not None else None
    if not name:
        return None
    name = _capitalised(" ".join(name.split()))
    if word in cues.possessives:
        name += "’" if name.endswith("s") else "’s"
    return name + shown[match.end() :], dropped


def standalone_text(text: str, resolve: PronounResolver | None = None) -> str | None:
    """The text of :func:`standalone` (``None`` when the sentence cannot stand alone)."""
    result = standalone(text, resolve)
    return None if result is None else result[0]


# --- extractive summary ---------------------------------------------------------------------


def _normalise(matrix: "np.ndarray") -> "np.ndarray":
    import numpy as np

    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    normalised: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return normalised


def _outlet_key(article: Article) -> str:
    return (article.outlet or "").strip().lower() or f"article:{article.id}"


FEATURE_NAMES: tuple[str, ...] = (
    "centrality",
    "confirmation_mean",
    "confirmation_max",
    "confirming_share",
    "headline_mean",
    "headline_own",
    "headline_max",
    "lead",
    "usable_rank",
    "position",
    "relative_position",
    "is_first",
    "words",
    "bigram_support",
    "unigram_support",
    "title_overlap",
    "has_quote",
    "has_speech_verb",
    "numbers",
    "capitalised_share",
    "articles",
    "article_candidates",
    "lexical_centrality",
)
_STOP_WORDS: frozenset[str] | None = None


def _stop_words() -> frozenset[str]:
    global _STOP_WORDS
    if _STOP_WORDS is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        _STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
    return _STOP_WORDS


def _centrality_and_support(
    pool: Sequence[Candidate], vectors: "np.ndarray"
) -> tuple["np.ndarray", "np.ndarray | None"]:
    """Each candidate's similarity to the story centroid (the mean of per-article means, so a long
    article does not outweigh the others), and its best similarity to each article of the story
    (one column per article, NaN for its own; None when the story has one article)."""
    import numpy as np

    article_of = np.array([c.article_index for c in pool])
    present = sorted(set(article_of.tolist()))
    per_article_means = np.stack([vectors[article_of == a].mean(axis=0) for a in present])
    centrality = vectors @ _normalise(per_article_means.mean(axis=0))
    if len(present) < 2:
        return centrality, None
    similarity = vectors @ vectors.T
    best_per_article = np.stack([similarity[:, article_of == a].max(axis=1) for a in present], axis=1)
    own = np.array([present.index(a) for a in article_of])
    best_per_article[np.arange(len(pool)), own] = np.nan
    return centrality, best_per_article


def candidate_features(
    articles: Sequence[Article],
    pool: Sequence[Candidate],
    vectors: "np.ndarray",
    title_vectors: "np.ndarray | None",
    *,
    confirm_threshold: float = 0.6,
) -> "np.ndarray":
    """One row of :data:`FEATURE_NAMES` per candidate (the learned scorer's input).

    ``title_vectors`` holds one (normalised) MiniLM row per article, zeros for an article without
    a title (or ``None`` when no article has one). Everything is computed within the story.
    """
    import numpy as np

    n = len(pool)
    stop = _stop_words()
    present = sorted({c.article_index for c in pool})
    centrality, best_per_article = _centrality_and_support(pool, vectors)
    if best_per_article is not None:
        confirmation_mean = np.nanmean(best_per_article, axis=1)
        confirmation_max = np.nanmax(best_per_article, axis=1)
        confirming_share = np.nansum(best_per_article >= confirm_threshold, axis=1) / (best_per_article.shape[1] - 1)
    else:
        confirmation_mean = centrality.copy()
        confirmation_max = centrality.copy()
        confirming_share = np.zeros(n)

    has_title = np.zeros(len(articles), dtype=bool)
    if title_vectors is not None:
        has_title = np.linalg.norm(title_vectors, axis=1) > 0.5
    if title_vectors is not None and has_title.any():
        title_similarity = vectors @ title_vectors[has_title].T
        headline = _normalise(title_vectors[has_title].mean(axis=0))
        headline_mean = vectors @ headline
        headline_max = title_similarity.max(axis=1)
        headline_own = np.array(
            [
                float(vectors[i] @ title_vectors[c.article_index]) if has_title[c.article_index] else headline_mean[i]
                for i, c in enumerate(pool)
            ]
        )
    else:
        headline_mean = headline_max = headline_own = centrality.copy()

    rank = np.zeros(n)
    seen: dict[int, int] = {}
    for i, candidate in enumerate(pool):
        rank[i] = seen.get(candidate.article_index, 0)
        seen[candidate.article_index] = int(rank[i]) + 1
    per_article_count = np.array([seen[c.article_index] for c in pool], dtype=float)
    position = np.array([c.position for c in pool], dtype=float)
    total_sentences: dict[int, int] = {}
    for c in pool:
        total_sentences[c.article_index] = max(total_sentences.get(c.article_index, 0), c.position + 1)
    relative = position / np.array([max(total_sentences[c.article_index], 1) for c in pool], dtype=float)

    # Word and bigram support: in how many *other* articles each n-gram of the sentence occurs.
    article_tokens = [WORD_RE.findall(a.text.lower()) for a in articles]
    article_unigrams = [set(t) for t in article_tokens]
    article_bigrams = [set(zip(t, t[1:])) for t in article_tokens]
    others = max(len(present) - 1, 1)
    title_words: set[str] = set()
    for a in articles:
        title_words.update(w for w in WORD_RE.findall((a.title or "").lower()) if w not in stop)
    bigram_support = np.zeros(n)
    unigram_support = np.zeros(n)
    title_overlap = np.zeros(n)
    words = np.zeros(n)
    numbers = np.zeros(n)
    capitalised = np.zeros(n)
    has_quote = np.zeros(n)
    speech = np.zeros(n)
    speech_verb = summary_words().speech_verb
    bags = []
    for i, c in enumerate(pool):
        raw = WORD_RE.findall(c.text)
        toks = [t.lower() for t in raw]
        words[i] = len(toks)
        content = [t for t in toks if t not in stop]
        bags.append(content)
        bigrams = [b for b in zip(toks, toks[1:]) if not (b[0] in stop and b[1] in stop)]
        other_articles = [k for k in present if k != c.article_index]
        if bigrams and other_articles:
            bigram_support[i] = sum(sum(b in article_bigrams[k] for k in other_articles) for b in bigrams) / (
                len(bigrams) * others
            )
        if content and other_articles:
            unigram_support[i] = sum(sum(t in article_unigrams[k] for k in other_articles) for t in content) / (
                len(content) * others
            )
        if content:
            title_overlap[i] = sum(t in title_words for t in content) / len(content)
        numbers[i] = len(_NUMBER.findall(c.text))
        capitalised[i] = sum(1 for w in raw[1:] if w[:1].isupper()) / max(len(raw) - 1, 1)
        has_quote[i] = float(bool(re.search(r"[\"“”]", c.text)))
        speech[i] = float(bool(speech_verb.search(c.text)))

    # Lexical centrality: cosine of the sentence's content words to the story's word counts.
    vocabulary: dict[str, int] = {}
    for bag in bags:
        for t in bag:
            vocabulary.setdefault(t, len(vocabulary))
    lexical = np.zeros(n)
    if vocabulary:
        counts = np.zeros((n, len(vocabulary)))
        for i, bag in enumerate(bags):
            for t in bag:
                counts[i, vocabulary[t]] += 1
        document_frequency = (counts > 0).sum(axis=0)
        idf = np.log((n + 1) / (document_frequency + 1)) + 1
        weighted = counts * idf
        norms = np.linalg.norm(weighted, axis=1, keepdims=True)
        weighted = weighted / np.maximum(norms, 1e-12)
        story = weighted.sum(axis=0)
        story = story / max(np.linalg.norm(story), 1e-12)
        lexical = weighted @ story

    columns = [
        centrality,
        confirmation_mean,
        confirmation_max,
        confirming_share,
        headline_mean,
        headline_own,
        headline_max,
        1.0 / np.sqrt(1.0 + rank),
        rank,
        position,
        relative,
        (rank == 0).astype(float),
        words,
        bigram_support,
        unigram_support,
        title_overlap,
        has_quote,
        speech,
        numbers,
        capitalised,
        np.full(n, float(len(present))),
        per_article_count,
        lexical,
    ]
    return np.stack([np.asarray(c, dtype=np.float64) for c in columns], axis=1)


def score_candidates(
    articles: Sequence[Article],
    pool: Sequence[Candidate],
    vectors: "np.ndarray",
    options: SummaryOptions,
) -> "np.ndarray":
    """Relevance of each candidate: centrality + confirmation + headline similarity + lead position."""
    import numpy as np

    present = sorted({c.article_index for c in pool})
    centrality, best_per_article = _centrality_and_support(pool, vectors)
    confirmation = centrality.copy() if best_per_article is None else np.nanmean(best_per_article, axis=1)

    titles = [title for a in present if (title := articles[a].title) and title.strip()]
    if titles:
        from ..resources import embed

        headline = _normalise(embed(titles).mean(axis=0))
        headline_similarity = vectors @ headline
    else:
        headline_similarity = centrality.copy()

    # Rank among the article's usable sentences, so that page chrome before the text does not
    # push the real lead down.
    rank = np.zeros(len(pool), dtype=np.float32)
    seen: dict[int, int] = {}
    for i, candidate in enumerate(pool):
        rank[i] = seen.get(candidate.article_index, 0)
        seen[candidate.article_index] = rank[i] + 1
    lead = 1.0 / np.sqrt(1.0 + rank)

    relevance: np.ndarray = (
        centrality
        + options.confirmation_weight * confirmation
        + options.headline_weight * headline_similarity
        + options.position_weight * lead
    )
    return relevance


def select(
    articles: Sequence[Article],
    pool: Sequence[Candidate],
    relevance: "np.ndarray",
    vectors: "np.ndarray",
    options: SummaryOptions,
) -> list[int]:
    """Indices into ``pool`` chosen by MMR with an outlet-balance penalty, in order of choice."""
    similarity = vectors @ vectors.T
    outlets = [_outlet_key(articles[c.article_index]) for c in pool]
    # Relevance is a sum of several similarities; bring it to the scale of one similarity so
    # that mmr_lambda weighs like against like.
    spread = float(relevance.max() - relevance.min()) or 1.0
    relevance_unit = (relevance - relevance.min()) / spread
    chosen: list[int] = []
    taken_from: dict[str, int] = {}
    words = 0
    available = set(range(len(pool)))
    while available and words < options.word_budget:
        best, best_value = None, -math.inf
        for i in sorted(available):
            redundancy = float(similarity[i, chosen].max()) if chosen else 0.0
            if redundancy >= options.duplicate_threshold:
                continue
            value = (
                options.mmr_lambda * relevance_unit[i]
                - (1.0 - options.mmr_lambda) * redundancy
                - options.outlet_penalty * taken_from.get(outlets[i], 0)
            )
            if value > best_value:
                best, best_value = i, value
        if best is None:
            break
        chosen.append(best)
        available.discard(best)
        taken_from[outlets[best]] = taken_from.get(outlets[best], 0) + 1
        words += pool[best].words
    return chosen


def story_relative_features(features: "np.ndarray") -> "np.ndarray":
    """The learned scorer's input: each feature as is, its gap to the story's best value, and its
    rank within the story (0 = lowest, 1 = highest).

    What makes a sentence worth taking is how it compares with the story's other sentences; the
    raw values alone vary too much from story to story (snippets vs full articles, 2 vs 20 articles).
    """
    import numpy as np

    n = len(features)
    if n < 2:
        return np.concatenate([features, np.zeros_like(features), np.full_like(features, 0.5)], axis=1)
    rank = features.argsort(axis=0, kind="stable").argsort(axis=0, kind="stable") / (n - 1)
    return np.concatenate([features, features - features.max(axis=0), rank], axis=1)


class SentenceScorer:
    """A gradient-boosted regression tree ensemble read from JSON (no pickle, no scikit-learn at run
    time). It predicts a sentence's ROUGE-2 bigram precision against a reference summary from
    :func:`story_relative_features` of :func:`candidate_features`."""

    def __init__(self, payload: Mapping[str, Any], source: str = "<memory>") -> None:
        import numpy as np

        if payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"{source}: format {payload.get('format')!r}, expected {MODEL_FORMAT!r}")
        if list(payload.get("features", [])) != list(FEATURE_NAMES):
            raise ValueError(f"{source}: was trained on other features than this version of newsdesk computes")
        self.source = source
        self.meta = dict(payload.get("meta", {}))
        self.init = float(payload["init"])
        self.learning_rate = float(payload["learning_rate"])
        self.trees = []
        for tree in payload["trees"]:
            left = np.asarray(tree["left"], dtype=np.int64)
            right = np.asarray(tree["right"], dtype=np.int64)
            feature = np.asarray(tree["feature"], dtype=np.int64)
            threshold = np.asarray(tree["threshold"], dtype=np.float64)
            value = np.asarray(tree["value"], dtype=np.float64)
            if not (len(left) == len(right) == len(feature) == len(threshold) == len(value)):
                raise ValueError(f"{source}: a tree has arrays of different lengths")
            self.trees.append((left, right, feature, threshold, value))
        self.width = 3 * len(FEATURE_NAMES)
        self.citation_support: CitationSupport | None = None
        if payload.get("citation_support"):
            try:  # an outdated citation decision must not take the sentence scorer down with it
                self.citation_support = CitationSupport(payload["citation_support"], source)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("citation support unusable (%s); %s", exc, _REBUILD_SUPPORT)

    def predict(self, matrix: "np.ndarray") -> "np.ndarray":
        """Predictions for rows of :func:`story_relative_features` (same as scikit-learn's)."""
        import numpy as np

        # scikit-learn compares float32 inputs with its thresholds; do the same to match it exactly.
        x = np.asarray(matrix, dtype=np.float32).astype(np.float64)
        if x.ndim != 2 or x.shape[1] != self.width:
            raise ValueError(f"expected a matrix with {self.width} columns, got shape {x.shape}")
        rows = np.arange(len(x))
        total = np.full(len(x), self.init)
        for left, right, feature, threshold, value in self.trees:
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                inner = left[node] >= 0
                if not inner.any():
                    break
                go_left = x[rows, np.where(inner, feature[node], 0)] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            total += self.learning_rate * value[node]
        return total

    def score(self, features: "np.ndarray") -> "np.ndarray":
        return self.predict(story_relative_features(features))

    @classmethod
    def from_sklearn(cls, model: Any, meta: Mapping[str, Any] | None = None) -> "SentenceScorer":
        """Convert a fitted ``sklearn.ensemble.GradientBoostingRegressor`` (squared error)."""
        return cls(scorer_payload(model, meta), source="scikit-learn model")


def scorer_payload(model: Any, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON form of a fitted ``GradientBoostingRegressor`` (squared error loss, mean init)."""
    trees = []
    for (estimator,) in model.estimators_:
        tree = estimator.tree_
        trees.append(
            {
                "left": tree.children_left.tolist(),
                "right": tree.children_right.tolist(),
                "feature": [int(f) for f in tree.feature],
                "threshold": [float(t) for t in tree.threshold],
                "value": [float(v) for v in tree.value[:, 0, 0]],
            }
        )
    return {
        "format": MODEL_FORMAT,
        "features": list(FEATURE_NAMES),
        "input": "story_relative_features(candidate_features(...))",
        "init": float(model.init_.constant_.ravel()[0]),
        "learning_rate": float(model.learning_rate),
        "trees": trees,
        "meta": dict(meta or {}),
    }


def load_scorer(path: str | Path | None = None) -> SentenceScorer | None:
    """The learned sentence scorer (the shipped one by default, loaded once by
    :func:`newsdesk.resources.summary_scorer`), or None with a warning when it cannot be read:
    the documented fallback to the heuristic scorer."""
    from ..errors import ModelUnavailableError
    from ..resources import summary_scorer

    try:
        return summary_scorer(Path(path or MODEL_DIR / MODEL_FILE).resolve())
    except ModelUnavailableError as exc:
        if exc.message not in _WARNED:
            _WARNED.add(exc.message)
            log.warning("%s; using the heuristic scorer (%s)", exc.message, exc.hint)
        return None


_WARNED: set[str] = set()


def _reading_key(articles: Sequence[Article], candidate: Candidate) -> tuple[str, int, int]:
    published = articles[candidate.article_index].published or "9999-99-99"
    return (published, candidate.article_index, candidate.start)


def select_within_budget(
    articles: Sequence[Article],
    pool: Sequence[Candidate],
    worth: "np.ndarray",
    vectors: "np.ndarray",
    options: SummaryOptions,
) -> list[int]:
    """Indices into ``pool`` chosen greedily to maximise the worth of what a reader gets in the first
    ``word_budget`` words of the summary in reading order.

    ``worth`` is a per-word value (the predicted bigram precision). A set's value is the sum over its
    sentences of worth × words that fall within the budget, minus ``redundancy_weight`` × cosine ×
    shorter length for each pair of chosen sentences; a sentence from an outlet already chosen has
    its worth cut by ``outlet_penalty`` per earlier pick. Adding a sentence placed early in reading
    order pushes later words out of the budget, which the value accounts for; so a long sentence
    whose tail would be cut competes with shorter ones. Until the budget is full the best addition
    is always taken, then only additions that raise the value.
    """
    import numpy as np

    similarity = np.clip(vectors @ vectors.T, 0.0, None)
    words = np.array([c.words for c in pool], dtype=float)
    keys = [_reading_key(articles, c) for c in pool]
    outlets = [_outlet_key(articles[c.article_index]) for c in pool]
    worth = np.clip(np.asarray(worth, dtype=float), 1e-6, None)
    budget = float(options.word_budget)

    def kept_value(members: list[int], effective: dict[int, float]) -> float:
        left, total = budget, 0.0
        for i in sorted(members, key=keys.__getitem__):
            kept = min(words[i], left)
            total += effective[i] * kept
            left -= kept
        return total

    chosen: list[int] = []
    effective: dict[int, float] = {}
    taken_from: dict[str, int] = {}
    redundancy_total = 0.0
    current = 0.0
    while True:
        full = words[chosen].sum() >= budget if chosen else False
        best, best_value, best_redundancy = None, -math.inf, 0.0
        for i in range(len(pool)):
            if i in effective:
                continue
            if chosen and similarity[i, chosen].max() >= options.duplicate_threshold:
                continue
            weight = worth[i] * max(0.0, 1.0 - options.outlet_penalty * taken_from.get(outlets[i], 0))
            effective[i] = weight
            redundancy = float((similarity[i, chosen] * np.minimum(words[i], words[chosen])).sum()) if chosen else 0.0
            value = kept_value(chosen + [i], effective) - options.redundancy_weight * (redundancy_total + redundancy)
            del effective[i]
            if value > best_value:
                best, best_value, best_redundancy = i, value, redundancy
        if best is None or (full and best_value <= current + 1e-12):
            break
        effective[best] = worth[best] * max(0.0, 1.0 - options.outlet_penalty * taken_from.get(outlets[best], 0))
        chosen.append(best)
        taken_from[outlets[best]] = taken_from.get(outlets[best], 0) + 1
        redundancy_total += best_redundancy
        current = best_value
    # A sentence pushed wholly past the budget by earlier ones adds nothing a reader sees.
    left, visible = budget, []
    for i in sorted(chosen, key=keys.__getitem__):
        if left <= 0:
            continue
        visible.append(i)
        left -= words[i]
    return [i for i in chosen if i in visible]


def reading_order(articles: Sequence[Article], pool: Sequence[Candidate], chosen: Sequence[int]) -> list[int]:
    """The chosen candidates in reading order: article date, then article order, then position."""

    def key(i: int) -> tuple[str, int, int]:
        c = pool[i]
        published = articles[c.article_index].published or "9999-99-99"
        return (published, c.article_index, c.start)

    return sorted(chosen, key=key)


# --- citations: does another article state the sentence? ------------------------------------

SUPPORT_FEATURES: tuple[str, ...] = (
    "cosine_max",
    "cover_best",
    "cover_pair",
    "cover_article",
    "bigram_best",
    "numbers_missing",
    "names_missing",
    "negation_mismatch",
    "claim_words",
    "cosine_of_cover_best",
    "modality_mismatch",
)
#: Features that refuse a citation whatever the model says: a figure of the sentence the article
#: lacks, a negation or a hedge / future ("will", "could", "whether", "plans"…) on one side only.
SUPPORT_VETOES: tuple[str, ...] = ("numbers_missing", "negation_mismatch", "modality_mismatch")
SUPPORT_FORMAT = "newsdesk-citation-support/2"
#: Sentences of the other article whose MiniLM cosine is read (those covering most of the claim's words).
SUPPORT_TOP = 8


def _cues() -> tuple[frozenset[str], frozenset[str]]:
    """Negation and modality (hedge or future) words: the shared lexicon's (``newsdesk.nli.lexicon``),
    and the future markers of ``data/summary/words.json`` ("voted" is not stated by "will vote")."""
    from ..nli import lexicon

    words = lexicon()
    return frozenset(w for w in words.negations if "'" not in w), frozenset(words.hedges) | summary_words().future


_NUMBER_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NAME_IN_TEXT = re.compile(r"(?<=[a-z,;:]\s)[A-Z][\w-]+")


def _stem(token: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in WORD_RE.findall(re.sub(r"n['’]t\b", " not", text))]


def _content(text: str) -> set[str]:
    stop = _stop_words() - _cues()[0]
    return {_stem(t) for t in _tokens(text) if t not in stop}


def _stem_bigrams(text: str) -> set[tuple[str, str]]:
    stems = [_stem(t) for t in _tokens(text)]
    return set(zip(stems, stems[1:]))


def support_candidates(claim: str, sentences: Sequence[str], content: Sequence[set[str]] | None = None) -> list[int]:
    """The :data:`SUPPORT_TOP` sentences of an article sharing most content words with ``claim``
    (whose MiniLM cosine :func:`support_features` reads; no other vector is used)."""
    words = _content(claim)
    own = content if content is not None else [_content(s) for s in sentences]
    return sorted(range(len(sentences)), key=lambda i: -len(words & own[i]))[:SUPPORT_TOP]


def support_features(
    claim: str, claim_vector: "np.ndarray", sentences: Sequence[str], vectors: "np.ndarray"
) -> list[float]:
    """How far one article states ``claim``: one value per :data:`SUPPORT_FEATURES`.

    ``sentences`` are the article's sentences and ``vectors`` their unit MiniLM rows. Read: the
    share of the claim's content words (stemmed, stop words out, negations kept) that the best
    sentence, the best two adjacent sentences and the whole article contain; the share of its
    bigrams in the best sentence; numbers and capitalised names of the claim absent from the
    article; a negation, and a hedge or future marker, on one side only against the best-covering
    sentence; the claim's length; the best MiniLM cosine among the :data:`SUPPORT_TOP`
    best-covering sentences, and that of the best-covering one. Training (``newsdesk train summary --citations``) computes the same.
    """
    import numpy as np

    words = _content(claim)
    if not sentences or not words:
        return [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, float(len(words)), 0.0, 0.0]
    own = [_content(s) for s in sentences]
    cover = np.array([len(words & w) / len(words) for w in own])
    pair = max([len(words & (own[i] | own[i + 1])) / len(words) for i in range(len(own) - 1)] or [cover.max()])
    article_words = set().union(*own)
    bigrams = _stem_bigrams(claim)
    bigram_best = max((len(bigrams & _stem_bigrams(s)) / max(len(bigrams), 1) for s in sentences), default=0.0)
    article_text = " ".join(sentences)
    numbers = {n.replace(",", "") for n in _NUMBER_IN_TEXT.findall(claim)}
    article_numbers = {n.replace(",", "") for n in _NUMBER_IN_TEXT.findall(article_text)}
    numbers_missing = len(numbers - article_numbers) / len(numbers) if numbers else 0.0
    names = {n.lower() for n in _NAME_IN_TEXT.findall(claim)}
    lowered = article_text.lower()
    names_missing = sum(1 for n in names if n not in lowered) / len(names) if names else 0.0
    top = support_candidates(claim, sentences, own)
    cosine = {i: float(vectors[i] @ claim_vector) for i in top}
    best = max(top, key=lambda i: cover[i] + 0.01 * cosine[i])
    negations, modality = _cues()
    claim_tokens, best_tokens = set(_tokens(claim)), set(_tokens(sentences[best]))
    negation_mismatch = float(bool(negations & claim_tokens) != bool(negations & best_tokens))
    modality_mismatch = float(bool(modality & claim_tokens) != bool(modality & best_tokens))
    return [
        max(cosine.values()),
        float(cover.max()),
        float(pair),
        len(words & article_words) / len(words),
        float(bigram_best),
        numbers_missing,
        names_missing,
        negation_mismatch,
        float(len(words)),
        cosine[best],
        modality_mismatch,
    ]


_VETO_COLUMNS = tuple(SUPPORT_FEATURES.index(name) for name in SUPPORT_VETOES)


class CitationSupport:
    """Does an article state a sentence? A logistic model over :func:`support_features`, with the
    decision threshold chosen out of sample for precision (``newsdesk train summary --citations``,
    trained on the support_qags and support_wice dev splits; see docs/benchmarks/summary.md)."""

    def __init__(self, payload: Mapping[str, Any], source: str = "<memory>") -> None:
        import numpy as np

        if payload.get("format") != SUPPORT_FORMAT:
            raise ValueError(
                f"{source}: citation support format {payload.get('format')!r}, expected {SUPPORT_FORMAT!r}"
            )
        if list(payload.get("features", [])) != list(SUPPORT_FEATURES):
            raise ValueError(f"{source}: citation support was trained on other features than this version computes")
        self.mean = np.asarray(payload["mean"], dtype=np.float64)
        self.scale = np.asarray(payload["scale"], dtype=np.float64)
        self.coef = np.asarray(payload["coef"], dtype=np.float64)
        self.intercept = float(payload["intercept"])
        self.threshold = float(payload["threshold"])
        self.meta = dict(payload.get("meta", {}))
        if not (len(self.mean) == len(self.scale) == len(self.coef) == len(SUPPORT_FEATURES)):
            raise ValueError(f"{source}: citation support arrays do not match its features")

    def probability(self, features: Sequence[float]) -> float:
        """P(the article states the claim) for one row of :func:`support_features`."""
        import numpy as np

        z = (np.asarray(features, dtype=np.float64) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(float(z @ self.coef) + self.intercept))))

    def decide(self, features: Sequence[float]) -> bool:
        """The citation decision on one row of :func:`support_features`: the model's probability
        reaches the threshold and no veto (:data:`SUPPORT_VETOES`) is raised."""
        return self.probability(features) >= self.threshold and not any(features[i] > 0 for i in _VETO_COLUMNS)

    def states(self, claim: str, claim_vector: "np.ndarray", sentences: Sequence[str], vectors: "np.ndarray") -> bool:
        """Whether the article (its ``sentences`` and their vectors) states ``claim``."""
        return self.decide(support_features(claim, claim_vector, sentences, vectors))


def load_citation_support(path: str | Path | None = None) -> CitationSupport | None:
    """The citation support model shipped in the summary model file (None, warned once, when absent:
    then a summary sentence cites only its own article)."""
    scorer = load_scorer(path)
    support = scorer.citation_support if scorer is not None else None
    if support is None and "citation support" not in _WARNED:
        _WARNED.add("citation support")
        log.warning("no citation support model: summary sentences cite only their own article (%s)", _REBUILD_SUPPORT)
    return support


_REBUILD_SUPPORT = "rebuild it with `newsdesk train summary --citations`"


def _citations(
    pool_all: Sequence[Candidate], vectors_all: "np.ndarray", index: int, support: CitationSupport | None
) -> tuple[str, ...]:
    """The candidate's own article, then every other article that states it (:class:`CitationSupport`)."""
    claim = pool_all[index]
    cited = [claim.article_id]
    if support is None:
        return tuple(cited)
    by_article: dict[str, list[int]] = {}
    for j, candidate in enumerate(pool_all):
        if candidate.article_id != claim.article_id:
            by_article.setdefault(candidate.article_id, []).append(j)
    scored = []
    for article_id, rows in by_article.items():
        features = support_features(claim.text, vectors_all[index], [pool_all[j].text for j in rows], vectors_all[rows])
        if support.decide(features):
            scored.append((support.probability(features), article_id))
    return (*cited, *(a for _, a in sorted(scored, key=lambda pa: -pa[0])))


def summary_pool(
    articles: Sequence[Article],
    options: SummaryOptions,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """Every sentence of the story, and those a summary may use (what passes the filters; when
    nothing does, e.g. only headlines and fragments, the sentences of 4+ words that are neither
    questions nor boilerplate, rather than nothing for the story)."""
    everything = candidates(articles, sentences, min_words=options.min_words, max_words=options.max_words)
    pool = [c for c in everything if c.rejection is None]
    if not pool:
        pool = [c for c in everything if c.words >= 4 and c.rejection not in ("question", "boilerplate")]
        if pool:
            log.info("no sentence passed the summary filters; using %d unfiltered sentences", len(pool))
    return everything, pool


#: Resolves a pronoun in an article: (article id, start, end) -> the name it refers to, or None.
ReferenceResolver = Callable[[str, int, int], "str | None"]


def standalone_choice(
    articles: Sequence[Article],
    pool: Sequence[Candidate],
    chosen: Sequence[int],
    resolve: ReferenceResolver | None = None,
    verdicts: dict[int, tuple[str, int] | None] | None = None,
) -> tuple[dict[int, tuple[str, int]], set[int]]:
    """How each chosen candidate is shown, and which cannot be.

    A sentence that follows its own article's previous sentence in the summary's reading order is
    shown as written (its "He" or "However," reads as in the article). Any other one must stand
    alone (:func:`standalone`, pronouns named by ``resolve``): the text it is shown with and the
    characters dropped from its start are returned when they differ from the source, and the
    sentences that cannot stand alone are returned apart. A sentence left out this way is no
    antecedent: the one after it must then stand alone too (it would read as a non sequitur, or
    its pronoun would point nowhere). ``verdicts`` caches :func:`standalone` per candidate across
    calls."""
    verdicts = {} if verdicts is None else verdicts
    shown: dict[int, tuple[str, int]] = {}
    dangling: set[int] = set()
    previous: Candidate | None = None  # the last sentence that is shown
    for i in reading_order(articles, pool, chosen):
        candidate = pool[i]
        follows = (
            previous is not None
            and previous.article_id == candidate.article_id
            and previous.position == candidate.position - 1
        )
        if follows:
            previous = candidate
            continue
        if i not in verdicts:

            def named(start: int, end: int, c: Candidate = candidate) -> str | None:
                return resolve(c.article_id, c.start + start, c.start + end) if resolve is not None else None

            verdicts[i] = standalone(candidate.text, named)
        verdict = verdicts[i]
        if verdict is None:
            dangling.add(i)
            continue
        if verdict != (candidate.text, 0):
            shown[i] = verdict
        previous = candidate
    return shown, dangling


#: Times the selection is redone without the sentences that could not stand alone.
STANDALONE_ROUNDS = 3


def extractive_summary(
    articles: Sequence[Article],
    options: SummaryOptions,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
    resolve: ReferenceResolver | None = None,
) -> list[SummarySentence]:
    """The extractive summary (see module docstring)."""
    from ..resources import embed

    everything, pool = summary_pool(articles, options, sentences)
    if not pool:
        return []
    scorer = load_scorer(options.model_path) if options.scorer == "learned" else None
    choose: Callable[..., list[int]]
    if scorer is not None:
        import numpy as np

        titles = [a.title.strip() if a.title else "" for a in articles]
        vectors_and_titles = embed([c.text for c in pool] + [t for t in titles if t])
        vectors = vectors_and_titles[: len(pool)]
        title_vectors = np.zeros((len(articles), vectors.shape[1]), dtype=np.float32)
        title_vectors[[k for k, t in enumerate(titles) if t]] = vectors_and_titles[len(pool) :]
        relevance = scorer.score(candidate_features(articles, pool, vectors, title_vectors))
        choose = select_within_budget
    else:
        vectors = embed([c.text for c in pool])
        relevance = score_candidates(articles, pool, vectors, options)
        choose = select
    # Chosen sentences must read on their own unless they follow their antecedent: those that
    # cannot are left out and the selection redone without them.
    excluded: set[int] = set()
    verdicts: dict[int, tuple[str, int] | None] = {}
    for _ in range(STANDALONE_ROUNDS):
        allowed = [k for k in range(len(pool)) if k not in excluded]
        picked = choose(articles, [pool[k] for k in allowed], relevance[allowed], vectors[allowed], options)
        chosen = [allowed[j] for j in picked]
        shown, dangling = standalone_choice(articles, pool, chosen, resolve, verdicts)
        if not dangling:
            break
        excluded |= dangling
    chosen = [i for i in chosen if i not in dangling]
    # Citations look at every sentence (a confirming sentence may itself be unfit for a summary).
    unfit = [c for c in everything if c.rejection is not None and c.words >= 4]
    import numpy as np

    pool_all = list(pool) + unfit
    vectors_all = np.concatenate([vectors, embed([c.text for c in unfit])]) if unfit else vectors
    support = load_citation_support(options.model_path) if len(articles) > 1 else None
    summary: list[SummarySentence] = []
    for i in reading_order(articles, pool, chosen):
        candidate = pool[i]
        citations = _citations(pool_all, vectors_all, i, support)
        text, dropped = shown.get(i, (candidate.text, 0))
        summary.append(
            SummarySentence(
                text=text,
                article=candidate.article_id,
                start=candidate.start + dropped,
                end=candidate.end,
                citations=citations,
                score=float(relevance[i]),
            )
        )
    return summary


# --- abstractive summary --------------------------------------------------------------------

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_CHECKED_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW"}
_MAX_SOURCE_CHARS = 6000


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _prompt(articles: Sequence[Article], word_budget: int) -> list[dict[str, str]]:
    parts = []
    for number, article in enumerate(articles, 1):
        head = f"[{number}]"
        if article.outlet:
            head += f" {article.outlet}"
        if article.title:
            head += f": {article.title}"
        parts.append(head + "\n" + article.text[:_MAX_SOURCE_CHARS])
    system = (
        "You are a news editor. Write a neutral summary of the story these articles cover. "
        "State only facts the articles state; keep names, numbers and dates exactly as written; "
        "no opinions, no loaded words, no questions, no bullet points. "
        f"Plain prose, complete sentences, at most {word_budget} words."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def chat_completion(options: SummaryOptions, messages: list[dict[str, str]]) -> str:
    """One call to an OpenAI-compatible ``/chat/completions`` endpoint; returns the reply text."""
    if not options.llm_base_url:
        raise SummaryError("no LLM endpoint configured", hint="set SummaryOptions(llm_base_url=...)")
    url = options.llm_base_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if options.llm_api_key_env:
        key = os.environ.get(options.llm_api_key_env)
        if not key:
            raise SummaryError(
                f"environment variable {options.llm_api_key_env} (llm_api_key_env) is not set",
                hint="export it, or leave llm_api_key_env unset for endpoints without keys",
            )
        headers["Authorization"] = f"Bearer {key}"
    body = json.dumps({"model": options.llm_model, "messages": messages, "temperature": 0}).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=options.llm_timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise SummaryError(
            f"LLM endpoint {url} answered HTTP {exc.code}: {detail}",
            hint="check llm_base_url (it should end in /v1) and llm_model",
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SummaryError(
            f"LLM endpoint {url} could not be reached: {exc}", hint="is the server running? check llm_base_url"
        ) from exc
    except json.JSONDecodeError as exc:
        raise SummaryError(f"LLM endpoint {url} did not answer JSON: {exc}") from exc
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise SummaryError(f"LLM endpoint {url} answered without choices[0].message.content") from exc
    if not isinstance(content, str) or not content.strip():
        raise SummaryError(f"LLM endpoint {url} returned an empty summary")
    return content


def verify_sentences(
    generated: Sequence[str],
    articles: Sequence[Article],
    options: SummaryOptions,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
) -> list[SummarySentence]:
    """Check generated sentences against the sources; return them supported, flagged or dropped.

    A sentence is supported when some source sentence reaches ``support_threshold`` cosine
    similarity, every number in it occurs in the sources, and every named entity it mentions
    (person, organisation, place, group…) occurs in the sources.
    """
    from ..resources import embed, parse

    everything = [c for c in candidates(articles, sentences) if c.words >= 3]
    if not everything or not generated:
        return []
    source_vectors = embed([c.text for c in everything])
    sentence_vectors = embed(list(generated))
    source_text = "\n".join(a.text + "\n" + (a.title or "") for a in articles)
    source_lower = source_text.lower()
    source_numbers = _numbers(source_text)
    citation_support = load_citation_support(options.model_path)
    checked = []
    for text, vector, doc in zip(generated, sentence_vectors, parse(list(generated))):
        similarity = source_vectors @ vector
        best = int(similarity.argmax())
        support = float(similarity[best])
        flags = []
        if support < options.support_threshold:
            flags.append(f"no source sentence says this (best similarity {support:.2f} < {options.support_threshold})")
        for number in sorted(_numbers(text) - source_numbers):
            flags.append(f"number {number} is not in the sources")
        for ent in doc.ents:
            if ent.label_ not in _CHECKED_ENTITY_LABELS:
                continue
            name = ent.text.strip().lower().removeprefix("the ").strip()
            last = name.split()[-1] if name.split() else name
            if name and name not in source_lower and not (ent.label_ == "PERSON" and last in source_lower):
                flags.append(f"{ent.label_} {ent.text!r} is not in the sources")
        if flags and options.unsupported == "drop":
            log.info("dropped unsupported summary sentence %r: %s", text, "; ".join(flags))
            continue
        source = everything[best]
        others = []
        for article in articles:  # cited only where an article states it, as in the extractive summary
            rows = [j for j, c in enumerate(everything) if c.article_id == article.id]
            if article.id != source.article_id and citation_support is not None and rows:
                if citation_support.states(text, vector, [everything[j].text for j in rows], source_vectors[rows]):
                    others.append(article.id)
        checked.append(
            SummarySentence(
                text=text,
                article=source.article_id,
                start=source.start,
                end=source.end,
                citations=(source.article_id, *others),
                score=support,
                kind="abstractive",
                support=support,
                flags=tuple(flags),
            )
        )
    return checked


def abstractive_summary(
    articles: Sequence[Article],
    options: SummaryOptions,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
) -> list[SummarySentence]:
    """Summary written by the configured LLM endpoint, every sentence checked against the sources."""
    from ..resources import parse

    reply = chat_completion(options, _prompt(articles, options.word_budget))
    reply = re.sub(r"^\s*([-*•]|\d+[.)])\s+", "", reply, flags=re.MULTILINE)  # strip list markers
    generated = [s.text.strip() for s in parse([" ".join(reply.split())])[0].sents if WORD_RE.search(s.text)]
    return verify_sentences(generated, articles, options, sentences)


# --- the summary a reader sees: agreed facts and the stage's sentences in one budget ---------

#: At most this many agreed facts lead the reader's summary (see docs/benchmarks/summary.md).
READER_FACTS = 2
#: An agreed fact longer than this many words does not lead: it would spend the budget of several
#: sentences on one fact (see docs/benchmarks/summary.md).
READER_FACT_MAX_WORDS = 40
#: Each side of a named dispute is shown in about this many words at most.
DISPUTE_GIST_WORDS = 20

#: One line of the reader's summary: its kind (``agreed``, ``summary`` or ``disputed``), its text
#: and the ids of the articles it is cited to.
ReaderLine = tuple[str, str, list[str]]


@dataclass(frozen=True, slots=True)
class DisputeSides:
    """A dispute as the reader's summary names it: who holds each side, their words, and the
    articles that support either side."""

    first_actor: str
    first_words: str
    second_actor: str
    second_words: str
    articles: tuple[str, ...]


def _word_count(text: str) -> int:
    return len(WORD_RE.findall(text))


def _adds_nothing(sentence: str, fact: str) -> bool:
    """Whether ``sentence`` says no more than ``fact``: at least 80 % of its content words (stemmed)
    are the fact's. A sentence that adds to a fact stays."""
    own, stated = _content(sentence), _content(fact)
    return bool(own) and len(own & stated) >= 0.8 * len(own)


#: An article states an agreed fact only when one of its sentences holds at least this share of the
#: fact's content words (stemmed; :func:`fact_coverage`). One rule for the brief's "Agreed by several
#: outlets" section, the facts that lead the reader's summary and the summary lines cited to two
#: articles. Chosen on support_qags dev by 5-fold grouped cross-validation, F0.5 (every fold picks
#: 0.9; out of fold P 0.90 / R 0.66; docs/benchmarks/summary.md, `newsdesk train summary --fact-coverage`).
FACT_COVERAGE = 0.9
#: Of two summary lines, one whose content words the other holds at least this share of adds
#: nothing to it and is left out (the share at which :func:`_adds_nothing` drops a stage sentence
#: repeating a leading fact).
REDUNDANT_COVERAGE = 0.8

#: A quotation followed only by its attribution: “The leaders agreed …,” the White House read-out said.
_ATTRIBUTED_QUOTE = re.compile(r"^[“\"](?P<quote>[^“”\"]+?)[,.!?]?[”\"],?\s+(?P<frame>[^“”\"]+)$")


def fact_core(fact: str) -> str:
    """What an article must state to state ``fact``: for a quotation followed only by a short
    attribution ("“The leaders agreed that …,” the White House read-out said.") the quoted words,
    which another outlet may report with its own attribution; otherwise the whole sentence."""
    text = " ".join(fact.split())
    match = _ATTRIBUTED_QUOTE.match(text)
    if match and _word_count(match["frame"]) <= 10 and summary_words().speech_verb.search(match["frame"]):
        if _word_count(match["quote"]) >= 6:
            return match["quote"]
    return text


def fact_coverage(fact: str, sentence: str) -> float:
    """The share of ``fact``'s content words (of :func:`fact_core`, stemmed, negations kept) that
    ``sentence`` holds: 1.0 when it states every one, 0.0 when ``fact`` has none."""
    wanted = _content(fact_core(fact))
    return len(wanted & _content(" ".join(sentence.split()))) / len(wanted) if wanted else 0.0


def states(fact: str, sentences: str | Sequence[str], threshold: float = FACT_COVERAGE) -> bool:
    """Whether one of ``sentences`` (an article's sentences matched with the fact) states ``fact``."""
    found = [sentences] if isinstance(sentences, str) else list(sentences)
    return any(fact_coverage(fact, sentence) >= threshold for sentence in found)


def stating_articles(
    fact: str,
    articles: Sequence[str],
    sentences: Mapping[str, str | Sequence[str]],
    threshold: float = FACT_COVERAGE,
) -> list[str]:
    """The articles (of ``articles``, order kept) one of whose sentences (``sentences``: article id →
    its sentence or sentences that the claims stage matched with the fact) states ``fact``
    (:func:`states`): "held an extended phone call …, which the U.S. president has touted as a major
    step toward kicking off peace talks" is not stated by "today's phone call … cannot be taken as
    anything but proof positive that the rubber has hit the road". An article without a sentence is
    not cited: nothing shows that it states the fact."""
    return [a for a in articles if a in sentences and states(fact, sentences[a], threshold)]


def merge_redundant(
    summary: Sequence[Mapping[str, Any]],
    threshold: float = FACT_COVERAGE,
    redundant: float = REDUNDANT_COVERAGE,
) -> list[dict[str, Any]]:
    """The stage's sentences with no line repeating another. Of two sentences, when the longer
    states the shorter (:func:`states`), the shorter is shown once, cited to both articles (both
    state it), and the longer goes (its extra words were said by one article only); when the longer
    holds only most of the shorter's content words (``redundant`` ≤ share < ``threshold``), the two
    cannot be one line cited to both, and the shorter, which adds nothing, goes. Shortest first;
    the kept line takes the higher of the two predicted worths. Order of ``summary`` is kept."""
    items = [dict(s) for s in summary]
    texts = [str(item.get("text", "")) for item in items]
    order = sorted(range(len(items)), key=lambda i: (_word_count(texts[i]), i))
    gone: set[int] = set()
    for i in order:
        for j in order:
            if i in gone:
                break
            if j == i or j in gone or _word_count(texts[j]) < _word_count(texts[i]):
                continue
            share = fact_coverage(texts[i], texts[j])
            if share >= threshold:
                gone.add(j)
                items[i]["citations"] = list(
                    dict.fromkeys([*items[i].get("citations", []), *items[j].get("citations", [])])
                )
                items[i]["score"] = max(float(items[i].get("score") or 0.0), float(items[j].get("score") or 0.0))
            elif share >= redundant:
                gone.add(i)
                items[j]["score"] = max(float(items[i].get("score") or 0.0), float(items[j].get("score") or 0.0))
    return [item for k, item in enumerate(items) if k not in gone]


def compose_reader_summary(
    agreed: Sequence[tuple[str, Sequence[str]] | tuple[str, Sequence[str], Mapping[str, str]]],
    summary: Sequence[Mapping[str, Any]],
    disputes: Sequence[DisputeSides] = (),
    *,
    word_budget: int | None = None,
    facts: int = READER_FACTS,
    fact_max_words: int = READER_FACT_MAX_WORDS,
) -> list[ReaderLine]:
    """The summary a reader sees (report.md, report.html, the web UI, ``bench summary --as-reader``).

    ``agreed`` are the story's agreed facts (text, the articles whose own sentence states it and,
    optionally, each article's sentence or sentences: then only the articles one of whose sentences
    states the fact are cited (:func:`stating_articles`), and a fact left with fewer than two does not
    lead), most widely stated first; ``summary`` the summary stage's sentences (``analysis.json``
    items: text, citations, score) in reading order; ``disputes`` the story's disputes.

    Agreed facts and the stage's sentences share one word budget (default: the length of the
    stage's summary, which the stage fitted to its own ``word_budget``): up to ``facts`` agreed
    facts lead — each a whole sentence of at most ``fact_max_words`` words that reads on its own
    (:func:`rejection_reason`, :func:`standalone_text`) and does not repeat an earlier one — then
    the stage's sentences that add to them, best predicted worth first, until the budget is full
    (a stage sentence that states a leading fact adds its articles to the fact's line instead, and
    two stage sentences of which one states the other are one line cited to both: :func:`merge_redundant`)
    (shown in reading order; one that does not stand alone is shown only right after the sentence
    it follows in its article). Each dispute then follows, named with what each side says in a few
    words (:func:`dispute_line`); these lines come after the budgeted text.
    """
    budget = word_budget if word_budget is not None else sum(_word_count(s.get("text", "")) for s in summary)
    lines: list[ReaderLine] = []
    led: list[str] = []
    used = 0
    for fact in agreed:
        if len(led) >= facts:
            break
        text, articles = " ".join(str(fact[0]).split()), list(fact[1])
        if len(fact) > 2:  # cited only to the articles whose own sentence states the whole fact
            articles = stating_articles(text, articles, fact[2])
            if len(articles) < 2:
                continue
        words = _word_count(text)
        if words > fact_max_words or rejection_reason(text, max_words=fact_max_words) is not None:
            continue
        if standalone_text(text) != text or any(_adds_nothing(text, f) or _adds_nothing(f, text) for f in led):
            continue
        if summary and used + words > budget:
            continue
        led.append(text)
        lines.append(("agreed", text, list(articles)))
        used += words
    kept: list[Mapping[str, Any]] = []
    for item in summary:
        text = str(item.get("text", ""))
        holder = next((k for k, fact in enumerate(led) if states(fact, text)), None)
        if holder is not None:  # it states a leading fact: shown once, on the fact's line, cited to both
            kind, fact_text, cited = lines[holder]
            lines[holder] = (kind, fact_text, list(dict.fromkeys([*cited, *item.get("citations", [])])))
        elif not any(
            _adds_nothing(text, fact) or fact_coverage(fact, text) >= REDUNDANT_COVERAGE for fact in led
        ):  # a sentence repeating a leading fact, with or without a few more words, is not shown again
            kept.append(item)
    rest = merge_redundant(kept)
    # Best predicted worth first; only what is shown spends the budget (a sentence that cannot be
    # shown where it would stand costs nothing and leaves room for the next one).
    facts_used, shown = used, dict[int, str]()
    for i in sorted(range(len(rest)), key=lambda i: -float(rest[i].get("score") or 0.0)):
        if used >= budget:
            break
        trial = _shown_texts(rest, {*shown, i})
        if i in trial:
            shown = trial
            used = facts_used + sum(_word_count(text) for text in shown.values())
    lines += [("summary", text, list(rest[i].get("citations", []))) for i, text in sorted(shown.items())]
    lines += [("disputed", dispute_line(d), list(d.articles)) for d in disputes]
    return lines


def _shown_texts(summary: Sequence[Mapping[str, Any]], picked: set[int]) -> dict[int, str]:
    """How each picked stage sentence reads in the reader's summary (reading order): as written right
    after the shown sentence it follows in its article, else as it stands alone (:func:`standalone_text`);
    one that cannot stand alone is not shown (and is no antecedent for the next)."""
    shown: dict[int, str] = {}
    previous: Mapping[str, Any] | None = None
    for i in sorted(picked):
        item, text = summary[i], str(summary[i]["text"])
        if previous is None or not _follows(previous, item):
            alone = standalone_text(text)  # its antecedent is not shown just before it
            if alone is None:
                continue
            text = alone
        shown[i] = text
        previous = item
    return shown


def _follows(previous: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Whether summary sentence ``item`` comes right after ``previous`` in the same article."""
    if previous.get("article") != item.get("article"):
        return False
    try:
        return 0 <= int(item["start"]) - int(previous["end"]) <= 3
    except (KeyError, TypeError, ValueError):
        return False


_CLAUSE_END = re.compile(r"[,;:—–][”’\"]?\s|\s[—–]\s")


def _gist(words: str, limit: int = DISPUTE_GIST_WORDS) -> str:
    """A dispute side's words in about ``limit`` words: whole when short enough, else up to the last
    clause break within the limit — never a cut that drops a negation or a denial from the rest."""
    text = " ".join(words.split()).rstrip()
    if _word_count(text) <= limit:
        return text
    negations, _ = _cues()
    cut = None
    for match in _CLAUSE_END.finditer(text):
        head = text[: match.start()].rstrip()
        if _word_count(head) > limit:
            break
        if _word_count(head) >= 6:
            cut = head
    if cut is None:
        return text
    tail = set(_tokens(text[len(cut) :]))
    if tail & (negations | summary_words().denials):
        return text
    return cut + " …"


def _quoted(text: str) -> str:
    """``text`` inside double quotation marks, its own quotation marks made single (a quotation
    within a quotation); one left open by a cut is closed with an ellipsis, as report.whole_quote does."""
    if text.startswith("“") and text.count("“") == 1:  # a quotation already: only close it
        return text if "”" in text else text + ("”" if text.endswith("…") else " …”")
    inner = text.replace("“", "‘").replace("”", "’")
    if inner.count('"') % 2 == 0:
        inner = re.sub(r'"([^"]*)"', r"‘\1’", inner)
    opened, closed = inner.count("‘"), len(re.findall(r"’(?!\w)", inner))  # not the apostrophe of "Russia’s"
    if opened > closed:
        inner += "’" if inner.endswith("…") else " …’"
    elif closed > opened:
        inner = "‘… " + inner
    return f"“{inner}”"


def dispute_line(dispute: DisputeSides) -> str:
    """A dispute named for the reader: who disagrees, and what each says in a few words."""
    first, second = dispute.first_actor, dispute.second_actor
    named = f"{first} and {second} disagree" if first != second else f"{first} gives two accounts"
    return f"{named}: {_quoted(_gist(dispute.first_words))} vs. {_quoted(_gist(dispute.second_words))}"


# --- public entry point ---------------------------------------------------------------------


def summarize_story(
    articles: Sequence[Article],
    options: SummaryOptions | None = None,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
    resolve: ReferenceResolver | None = None,
) -> list[SummarySentence]:
    """A cited summary of one story's (canonical) articles, in reading order.

    ``sentences`` optionally maps article ids to their sentences (the story context's, see
    :mod:`newsdesk.analysis.sentences`), to avoid parsing twice. ``resolve`` names a pronoun that
    opens a sentence (the story's coreference, see :func:`context_resolver`); without it such a
    sentence is not used (it would point back to a sentence the summary may leave out). Every
    returned sentence cites at least its source.
    """
    options = options or SummaryOptions()
    usable = [a for a in articles if a.text and a.text.strip()]
    if len(set(a.id for a in usable)) != len(usable):
        raise SummaryError("the same article id appears twice in one story", hint="pass canonical articles once")
    if not usable:
        return []
    if options.abstractive:
        try:
            written = abstractive_summary(usable, options, sentences)
            if written:
                return written
            message = "the LLM summary had no sentence supported by the sources"
            if not options.fallback_to_extractive:
                raise SummaryError(message, hint="try unsupported='flag' to see what it wrote")
            log.warning("%s; using the extractive summary", message)
        except SummaryError as exc:
            if not options.fallback_to_extractive:
                raise
            log.warning("abstractive summary failed (%s); using the extractive summary", exc)
    return extractive_summary(usable, options, sentences, resolve)


Options = SummaryOptions


@dataclass(frozen=True)
class SummaryFindings:
    """The cited summary of one story, in reading order."""

    sentences: tuple[SummarySentence, ...]

    def sections(self) -> dict[str, Sequence[SummarySentence]]:
        return {"summary": self.sentences}


#: How many sentences before a pronoun's own are searched for the one that names its antecedent.
ANTECEDENT_SENTENCES_BACK = 3


def unambiguous_antecedent(context: "StoryContext", article_id: str, start: int, end: int, referent: Any) -> bool:
    """Whether the pronoun at ``start:end`` of an article plainly means ``referent`` (what the
    story's coreference says it refers to): in the nearest sentence before the pronoun's own (at most
    :data:`ANTECEDENT_SENTENCES_BACK` back) that names anyone the pronoun could refer to — a person
    for "he"/"she"; a group or a nationality for "they" (not an organisation: "The House approved
    the bills. They now go to the Senate") — the subject of the main clause is ``referent`` and
    nothing else ("Lopez and Reyes", "media and politicians": no). Quoted names are not candidates
    (what someone talks about).

    Why: on AllSides/NeuS dev the coreference's name was wrong for about one pronoun in eight
    (docs/benchmarks/summary.md); the wrong ones pointed to a name that was not the subject of the
    previous sentence ("The former FBI lawyer and Trump target breaks her silence. She …")."""
    from ..coref import GROUP, NAMED_KINDS, NORP, PERSON, candidate_mentions, pronoun_class
    from ..coref import Mention as CorefMention

    doc = context.docs[article_id]
    kinds = {"masculine": {PERSON}, "feminine": {PERSON}, "plural": {GROUP, NORP}}.get(
        pronoun_class(doc_text(doc)[start:end]) or ""
    )
    if not kinds:
        return False
    table, speakers = context.entities, context.speakers(article_id)
    named, entity_of = [], {}
    for mention in table.mentions_in(article_id):
        entity = table.get(mention.entity)
        if entity is None or entity.type not in NAMED_KINDS or mention.kind == "descriptor":
            continue
        named.append(CorefMention(mention.start, mention.end, mention.text, entity.type))
        entity_of[(mention.start, mention.end)] = entity.id
    candidates = [
        c
        for c in candidate_mentions(doc, start, sentences_back=ANTECEDENT_SENTENCES_BACK, named=named)
        if c.kind in kinds and not speakers.quoted(c.start, c.end)
    ]
    spans = context.sentences[article_id]
    own = next((k for k, s in enumerate(spans) if s.start <= start < s.end), None)
    if own is None:
        return False
    wanted = referent.entity or (referent.start, referent.end)
    for sentence in reversed(spans[max(0, own - ANTECEDENT_SENTENCES_BACK) : own]):
        inside = [c for c in candidates if sentence.start <= c.start and c.end <= sentence.end]
        if not inside:
            continue
        span = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
        heads = [t for t in span.root.children if t.dep_ in ("nsubj", "nsubjpass")] if span is not None else []
        subjects = [t.idx for head in heads for t in (head, *head.conjuncts)]
        # every word of the subject ("media and politicians": both) lies in the referent's mention
        return bool(subjects) and all(
            {entity_of.get((c.start, c.end)) or (c.start, c.end) for c in inside if c.start <= i < c.end} == {wanted}
            for i in subjects
        )
    return False


def context_resolver(context: "StoryContext", *, unambiguous: bool = True) -> ReferenceResolver:
    """Names a pronoun with the story's speaker coreference (:meth:`StoryContext.speakers`): the
    canonical name of the entity it refers to, or the antecedent's words for a group; ``None`` when
    the resolver abstains, when the pronoun lies inside a quotation (its words are not ours to
    change) and, with ``unambiguous`` (the default), when its antecedent is not the only one the
    text offers (:func:`unambiguous_antecedent`): a wrong name would put words in the wrong mouth."""

    def resolve(article_id: str, start: int, end: int) -> str | None:
        speakers = context.speakers(article_id)
        referent = speakers.refers_to(start, end)
        if referent is None or speakers.quoted(start, end):
            return None
        if unambiguous and not unambiguous_antecedent(context, article_id, start, end, referent):
            return None
        entity = context.entities.get(referent.entity) if referent.entity else None
        return entity.name if entity is not None else referent.text

    return resolve


def run(context: "StoryContext", options: SummaryOptions) -> SummaryFindings:
    """A summary of the story in which every sentence cites the articles that support it."""
    return SummaryFindings(
        tuple(summarize_story(context.articles, options, context.sentences, context_resolver(context)))
    )
