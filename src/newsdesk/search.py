"""Full-text search over stored articles: SQLite FTS5 (BM25), then semantic re-ranking.

:class:`SearchIndex` keeps an FTS5 index of article titles and texts in its own SQLite database
(in memory by default, or a file), separate from the store: the store stays the single source of
truth and the index is rebuilt or updated from it with :meth:`SearchIndex.sync`.

A query is answered in two steps. FTS5 ranks every article by BM25 over the query's words (any
word may match, so a long question still finds candidates); the best ``candidates`` of them are
then re-ordered by the cosine similarity between the query's MiniLM embedding and each article's
(title + opening text), so that among the lexically plausible hits the one *about* the query
comes first. Article embeddings are computed only for candidates, once, and kept in the index.

:class:`StoredSource` is an article's raw document (the original HTML or text) as the web UI shows
it beside the extracted text; the store returns it with :meth:`~newsdesk.store.Store.raw_document`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .errors import OptionsError, StoreError
from .models import Article

log = logging.getLogger(__name__)

# Markers FTS5 puts around matched words in snippets; control characters never shown to readers.
MARK_START, MARK_END = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WORD = re.compile(r"\w+", re.UNICODE)
#: Words of a query looked up in the index; more add cost and hardly change the candidates.
MAX_QUERY_WORDS = 64


@dataclass(frozen=True, kw_only=True)
class SearchOptions:
    """How a query is answered.

    ``candidates``: how many BM25 hits are re-ranked semantically (default 30: enough to lift a
    relevant article from the lower half of the lexical ranking, few enough to embed in well
    under a second on a laptop CPU the first time). ``limit``: hits returned (default 10).
    ``rerank``: False keeps the BM25 order (no model is loaded). ``title_weight``: BM25 weight of
    the title column relative to the text (default 2.0; titles are short and on topic).
    ``embed_chars``: how much of title + text is embedded per article (default 1200 characters,
    about MiniLM's 256-token window).
    """

    candidates: int = 30
    limit: int = 10
    rerank: bool = True
    title_weight: float = 2.0
    embed_chars: int = 1200

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise OptionsError(f"SearchOptions.candidates must be at least 1, got {self.candidates}")
        if not 1 <= self.limit <= 1000:
            raise OptionsError(f"SearchOptions.limit must be between 1 and 1000, got {self.limit}")
        if self.title_weight <= 0:
            raise OptionsError(f"SearchOptions.title_weight must be positive, got {self.title_weight}")
        if self.embed_chars < 50:
            raise OptionsError(f"SearchOptions.embed_chars must be at least 50, got {self.embed_chars}")


@dataclass(frozen=True)
class SearchHit:
    """One article found by a query, with both scores and a snippet around the matched words."""

    article_id: str
    title: str | None
    snippet: str  # plain text with MARK_START/MARK_END around matched words
    bm25: float  # FTS5's BM25 score, higher is better (SQLite reports it negated)
    cosine: float | None  # query-article cosine; None when not re-ranked
    rank: int  # 1-based position in the final order

    @property
    def snippet_text(self) -> str:
        return self.snippet.replace(MARK_START, "").replace(MARK_END, "")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "title": self.title,
            "snippet": self.snippet_text,
            "bm25": float(f"{self.bm25:.6g}"),
            "cosine": None if self.cosine is None else round(self.cosine, 6),
            "rank": self.rank,
        }


def fts_query(text: str) -> str | None:
    """An FTS5 query matching any word of ``text``, every word quoted (no FTS5 syntax gets through)."""
    words = list(dict.fromkeys(_WORD.findall(text)))[:MAX_QUERY_WORDS]
    if not words:
        return None
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


def _fingerprint(article: Article) -> str:
    return hashlib.sha256(f"{article.title or ''}\x00{article.text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _clean(text: str | None) -> str:
    return _CONTROL.sub(" ", text or "")


class SearchIndex:
    """An FTS5 index of articles plus cached article embeddings, kept in sync with a store.

    Thread-safe: one lock serialises access, so one index can serve a multi-threaded server.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS docs (
                    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT, fingerprint TEXT NOT NULL
                );
                CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
                    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
                );
                CREATE TABLE IF NOT EXISTS vectors (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, vector BLOB NOT NULL);
                """
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"cannot create the search index at {self.path!r}: {exc}",
                hint="SQLite needs FTS5 (standard in Python's sqlite3); pass another index path",
            ) from exc

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def sync(self, articles: Iterable[Article]) -> int:
        """Make the index hold exactly ``articles``: add new, re-index changed, drop gone ones.

        Returns how many articles were added, changed or removed.
        """
        with self._lock:
            known = {aid: (rowid, fp) for rowid, aid, fp in self._db.execute("SELECT rowid, id, fingerprint FROM docs")}
            seen: set[str] = set()
            changed = 0
            self._db.execute("BEGIN")
            try:
                for article in articles:
                    seen.add(article.id)
                    fingerprint = _fingerprint(article)
                    old = known.get(article.id)
                    if old and old[1] == fingerprint:
                        continue
                    if old:
                        self._delete(old[0])
                    cursor = self._db.execute(
                        "INSERT INTO docs(id, title, fingerprint) VALUES (?,?,?)",
                        (article.id, article.title, fingerprint),
                    )
                    self._db.execute(
                        "INSERT INTO fts(rowid, title, text) VALUES (?,?,?)",
                        (cursor.lastrowid, _clean(article.title), _clean(article.text)),
                    )
                    changed += 1
                for aid in known.keys() - seen:
                    self._delete(known[aid][0])
                    self._db.execute("DELETE FROM vectors WHERE id=?", (aid,))
                    changed += 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        if changed:
            log.info("search index: %d articles added, changed or removed (%d indexed)", changed, len(self))
        return changed

    def _delete(self, rowid: int) -> None:
        self._db.execute("DELETE FROM fts WHERE rowid=?", (rowid,))
        self._db.execute("DELETE FROM docs WHERE rowid=?", (rowid,))

    def search(self, query: str, options: SearchOptions | None = None) -> list[SearchHit]:
        """The best articles for ``query``: BM25 candidates, re-ranked by embedding cosine."""
        options = options or SearchOptions()
        match = fts_query(query)
        if match is None:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT d.id, d.title, d.fingerprint, -bm25(fts, ?, 1.0) AS score, "
                "snippet(fts, 1, ?, ?, ' … ', 24), fts.text "
                "FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY bm25(fts, ?, 1.0) LIMIT ?",
                (options.title_weight, MARK_START, MARK_END, match, options.title_weight, options.candidates),
            ).fetchall()
        if not rows:
            return []
        cosines: list[float | None] = [None] * len(rows)
        if options.rerank:
            cosines = list(self._cosines(query, rows, options))
            order = sorted(range(len(rows)), key=lambda i: (-cosines[i], -rows[i][3]))
        else:
            order = list(range(len(rows)))
        hits = []
        for rank, i in enumerate(order[: options.limit], 1):
            aid, title, _fp, score, snippet, _text = rows[i]
            hits.append(SearchHit(aid, title, snippet, float(score), cosines[i], rank))
        return hits

    def _cosines(self, query: str, rows: list[tuple], options: SearchOptions) -> list[float]:
        import numpy as np

        from .resources import embed

        with self._lock:
            cached = {
                aid: (fp, blob)
                for aid, fp, blob in self._db.execute(
                    f"SELECT id, fingerprint, vector FROM vectors WHERE id IN ({','.join('?' * len(rows))})",
                    [row[0] for row in rows],
                )
            }
        missing = [row for row in rows if cached.get(row[0], ("",))[0] != row[2]]
        texts = [query] + [f"{row[1] or ''}\n{row[5]}"[: options.embed_chars] for row in missing]
        vectors = embed(texts)
        with self._lock:
            for row, vector in zip(missing, vectors[1:]):
                self._db.execute(
                    "INSERT OR REPLACE INTO vectors(id, fingerprint, vector) VALUES (?,?,?)",
                    (row[0], row[2], vector.astype(np.float32).tobytes()),
                )
                cached[row[0]] = (row[2], vector.astype(np.float32).tobytes())
        query_vector = vectors[0]
        # embed() returns L2-normalised vectors, so the dot product is the cosine.
        return [float(np.frombuffer(cached[row[0]][1], dtype=np.float32) @ query_vector) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


# --------------------------------------------------------------------------------------------
# Raw documents, read straight from the store's SQLite file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSource:
    """An article's raw document as ingested: the original HTML or text."""

    digest: str
    kind: str  # "html" or "text"
    encoding: str
    content: str

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "kind": self.kind, "encoding": self.encoding, "content": self.content}
