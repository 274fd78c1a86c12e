"""Findings kept per story, so that a change re-analyses only the stories it touched.

A story's findings depend on nothing but its member articles, the analysis options, the bundled
models and data, and the analysis code (see :mod:`newsdesk.analysis.context`). :func:`story_key`
digests exactly these; :class:`StoryCache` keeps each story's :class:`StoryAnalysis` under its
key in an :class:`~newsdesk.indexing.IndexState` (the store's, :meth:`Store.index_state`, space
``analysis``), so that after an ingest only the stories whose members changed are analysed
again, and a run with other options or another version of a model or of the code never reuses
findings made without them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..indexing import IndexState
from ..models import Article, Story
from .runner import AnalysisOptions, StoryAnalysis

log = logging.getLogger(__name__)

__all__ = ["SPACE", "StoryCache", "code_digest", "run_key", "story_key"]

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
    return dataclasses.asdict(article)


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

    def prune(self, used: Iterable[str]) -> int:
        """Delete every row (of any run key) not in ``used``: findings of stories that are gone
        or were made with other options or code; returns how many."""
        keep = set(used)
        stale = [key for key in self.state.lookup([_ROWS]).get(_ROWS, []) if key not in keep]
        self.state.delete(stale)
        self.state.unpost((_ROWS, key) for key in stale)
        return len(stale)
