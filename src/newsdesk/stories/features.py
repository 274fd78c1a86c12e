"""What the story stage knows of one article: embedding, anchor terms, key phrases, dates, cues.

Term weights are fixed: how rare a word is in English at large (``wordfreq``), not how rare it is
among the articles seen so far. The score of two articles then depends on the two articles
only, which is what makes the stories independent of the order the articles arrive in.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Article
from .encoder import embed_leads
from .options import StoryOptions

_CUES_PATH = Path(__file__).resolve().parent.parent / "data" / "stories" / "cues.json"


@lru_cache(maxsize=1)
def _cues() -> dict:
    return json.loads(_CUES_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    return frozenset(_cues()["not_names"])


_WORD = re.compile(r"[^\W\d_][\w'’.&-]*", re.UNICODE)
# a sentence ends before a capital, digit or opening quote: "the U.S. president …" goes on
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"“‘'(\[]?[A-Z0-9])|\n+")
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """What the story stage knows of one article."""

    id: str
    vector: np.ndarray  # normalised title+lead embedding
    names: frozenset[str]  # anchor terms: normalised proper-name tokens and figures
    phrases: frozenset[str]  # content-word bigrams ("partial ceasefire", "energy infrastructure")
    day: int | None  # proleptic ordinal of the publication date
    title: str
    published: str | None
    headline: bool = True  # False when ``title`` is the first sentence of an untitled article
    preview: bool = False  # the lead announces an event to come ("will speak later today")
    opinion: bool = False  # an opinion piece: its headline does not title a story
    event: tuple[int, int] | None = None  # first and last day (ordinals) of the lead's event date


def day_of(published: str | None) -> int | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def proper_names(text: str) -> frozenset[str]:
    """Lower-cased proper-name tokens of ``text``: capitalised words that do not open a sentence.

    A sentence-initial capitalised word counts when the text also uses it capitalised
    mid-sentence. Cheap and robust to the tokenised or wrapped text of news archives.
    """
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    not_names = _not_names()
    inner: set[str] = set()
    initial: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        for position, word in enumerate(words):
            word = word.rstrip(".'-&")
            word = word.removesuffix("'s")
            if len(word) < 2 or not word[0].isupper():
                continue
            key = word.lower().replace(".", "")
            if key in not_names or len(key) < 2:
                continue
            if position == 0 and not word.isupper():
                initial.add(key)
            else:
                inner.add(key)
    return frozenset(inner | (initial & inner))


def anchor_terms(text: str) -> frozenset[str]:
    """What pins an article to one event: its proper names and the figures it reports (years,
    tolls, magnitudes, amounts). Two events of one kind ("an actress enters rehab", "an
    earthquake strikes") differ in exactly these."""
    figures = {f"#{figure.replace(',', '')}" for figure in _FIGURE.findall(text)}
    return proper_names(text) | frozenset(figures)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _not_names()


def key_phrases(text: str) -> frozenset[str]:
    """Pairs of consecutive content words within a sentence, stop words skipped ("energy and
    infrastructure" gives "energy infrastructure"): what happened, in the words of the reports."""
    stopwords = _stopwords()
    phrases: set[str] = set()
    for sentence in _SENTENCE_END.split(unicodedata.normalize("NFKC", text)):
        words = [w.lower() for w in re.findall(r"[^\W\d_][\w'’-]+", sentence)]
        content = [w for w in words if w not in stopwords and len(w) > 2]
        phrases.update(f"{a} {b}" for a, b in itertools.pairwise(content))
    return frozenset(phrases)


def content_phrases(phrases: Iterable[str], names: Iterable[str]) -> frozenset[str]:
    """Key phrases with at least one word that is not a proper name: "energy infrastructure", not
    "vladimir putin" (names already count as anchor terms, and they say who, not what happened)."""
    names = set(names)
    return frozenset(phrase for phrase in phrases if not all(word in names for word in phrase.split()))


# -- fixed term weights ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", wordlist="best")


@lru_cache(maxsize=65536)
def _figure_zipf(figure: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(figure, "en")


def _word_weight(word: str) -> float:
    """``9 - zipf``: about the inverse document frequency of the word in English news and web
    text, fixed (a word unknown to the list weighs 9, "said" 3)."""
    if word.startswith("#"):
        zipf = _figure_zipf(word[1:])
    else:
        frequency = _frequencies().get(word, 0.0)
        zipf = math.log10(frequency * 1e9) if frequency > 0 else 0.0
    return max(0.5, 9.0 - zipf)


def term_weight(term: str) -> float:
    """Weight of an anchor term or key phrase (a phrase weighs the mean of its two words)."""
    words = term.split()
    return sum(_word_weight(word) for word in words) / len(words)


def term_vector(terms: Iterable[str], max_terms: int) -> dict[str, float]:
    """Unit-length weighted vector of the ``max_terms`` rarest ``terms`` (ties: the term)."""
    weights = {term: term_weight(term) for term in terms}
    if len(weights) > max_terms:
        keep = sorted(weights, key=lambda term: (-weights[term], term))[:max_terms]
        weights = {term: weights[term] for term in keep}
    norm = math.sqrt(math.fsum(w * w for w in weights.values()))
    return {term: w / norm for term, w in sorted(weights.items())} if norm else {}


def key_terms(vector: dict[str, float], count: int) -> list[str]:
    """The ``count`` heaviest terms of a weighted vector: what the article is looked up by."""
    return sorted(vector, key=lambda term: (-vector[term], term))[:count]


# -- cues ----------------------------------------------------------------------------------------


def _cue_pattern(cues: Sequence[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(cue).replace(r"\ ", r"\s+") for cue in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    cues = _cues()
    return {
        name: _cue_pattern(cues[name]) for name in ("preview_future", "preview_time", "opinion_labels", "opinion_voice")
    }


def is_preview(title: str | None, text: str) -> bool:
    """Whether the lead announces an event to come: a future form and a near time in the title or
    first sentence ("Trump and Putin will speak over the phone later today")."""
    patterns = _patterns()
    lead = _SENTENCE_END.split(text.strip(), 1)[0] if text.strip() else ""
    for part in (title or "", lead):
        unquoted = _QUOTED.sub(" ", part)
        if patterns["preview_future"].search(unquoted) and patterns["preview_time"].search(unquoted):
            return True
    return False


def is_opinion(article: Article) -> bool:
    """An opinion piece: labelled so in its title or address, or written in a prescriptive or
    first-person voice (outside quotations) in at least 15 % of its sentences."""
    patterns = _patterns()
    label = " ".join(
        filter(None, [article.title or "", (article.provenance.url or "").replace("/", " ").replace("-", " ")])
    )
    if patterns["opinion_labels"].search(label):
        return True
    sentences = [s for s in _SENTENCE_END.split(article.text or "") if len(s.split()) >= 4][:40]
    if len(sentences) < 3:
        return False
    voiced = sum(1 for s in sentences if patterns["opinion_voice"].search(_QUOTED.sub(" ", s)))
    return voiced >= max(2.0, 0.15 * len(sentences))


# a date after these words bounds or compares, it does not date the lead's event ("since 1945")
_NOT_EVENT_DATE = re.compile(r"(?:since|until|till|before|after|than|through|by|from)\s+(?:the\s+)?$", re.IGNORECASE)


def event_period(text: str, published: str | None) -> tuple[int, int] | None:
    """When the event of an article happened: the first date of its first sentence that
    resolves to a day, week or month against the publication date ("Tuesday" in an article of
    19 March 2025 is 18 March; "on December 9, 2008" needs no date), as first and last day
    ordinals. Bare years and dates that bound or compare ("since 1945", "the worst since 2004") are
    history, not the event; an undated article has only its absolute dates. None when the first
    sentence dates nothing."""
    from ..analysis.timex import dated_spans
    from ..errors import AnalysisError

    first = _SENTENCE_END.split(text.strip(), 1)[0] if text.strip() else ""
    try:
        spans = dated_spans(first, published[:10] if published else None)
    except AnalysisError:
        return None
    for span in spans:
        if span.precision in ("day", "weekend", "week", "month") and not _NOT_EVENT_DATE.search(
            first[max(0, span.start - 16) : span.start]
        ):
            return span.first.toordinal(), span.last.toordinal()
    return None


def first_sentence(text: str) -> str:
    first = _SENTENCE_END.split(text.strip(), 1)[0] if text.strip() else ""
    if len(first) <= 160:
        return first
    return first[:160].rsplit(" ", 1)[0].rstrip(",;:–—- ") + " …"


def _lead(article: Article, chars: int) -> str:
    text = (article.text or "").strip()
    lead = text[:chars]
    if len(text) > chars:  # cut at a word boundary
        lead = lead.rsplit(" ", 1)[0]
    title = (article.title or "").strip()
    if title and not text.startswith(title):
        return f"{title}. {lead}"
    return lead


def article_features(
    articles: Sequence[Article], options: StoryOptions, *, encoder: str | None = None
) -> list[ArticleFeatures]:
    """Embeddings, anchor terms, key phrases, dates and cues of ``articles`` (embedded in one batch)."""
    vectors = embed_leads([_lead(article, options.lead_chars) for article in articles], encoder or options.encoder)
    features = []
    for article, vector in zip(articles, vectors):
        body = (article.title or "") + "\n" + (article.text or "")[: options.names_chars]
        title = (article.title or "").strip() or first_sentence(article.text or "")
        features.append(
            ArticleFeatures(
                id=article.id,
                vector=np.asarray(vector, dtype=np.float32),
                names=anchor_terms(body),
                phrases=key_phrases(body),
                day=day_of(article.published),
                title=title,
                published=article.published[:10] if article.published else None,
                headline=bool((article.title or "").strip()),
                preview=is_preview(article.title, article.text or ""),
                opinion=is_opinion(article),
                event=event_period(article.text or "", article.published),
            )
        )
    return features
