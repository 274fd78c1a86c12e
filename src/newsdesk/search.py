"""Search over stored articles: SQLite FTS5 (BM25) and semantic nearest neighbours, fused.

:class:`SearchIndex` keeps an FTS5 index of article titles and texts in its own SQLite database
(in memory by default, or a file), separate from the store: the store stays the single source of
truth and the index is rebuilt or updated from it with :meth:`SearchIndex.sync`.

A query is answered by two retrievers whose rankings are fused by reciprocal rank fusion
(RRF, Cormack et al. 2009: each article scores the sum of ``1 / (60 + rank)`` over the rankings
that hold it): FTS5 ranks articles by BM25 over the query's words (any word may match), and the
article vectors nearest the query's vector (cosine) rank them by meaning, so an article that
says the same thing in other words is found too. An article's vector is the mean of the MiniLM
vectors of its first sentences (:func:`lead_vector`): the analysis encodes those
anyway, so ``newsdesk analyze`` keeps every analysed article's vector in the store (space
:func:`vector_space`) at no extra cost, and ``newsdesk serve`` loads them (it embeds only the
articles the store has none for, in memory, and loads the query encoder when it starts). Nearest neighbours are exact (a matrix product) up to
:attr:`SearchOptions.ann_from` articles and approximate above (a usearch HNSW index built in
memory); ``newsdesk bench search`` measures both against each other.

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
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Mapping, Sequence

from .errors import ModelUnavailableError, OptionsError, StoreError
from .models import Article

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

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

    ``candidates``: how many hits each retriever contributes to the fusion (default 100).
    ``limit``: hits returned (default 10). ``rerank``: False answers by BM25 alone (no model is
    loaded); True (default) fuses BM25 with semantic nearest neighbours. ``title_weight``: BM25
    weight of the title column relative to the text (default 2.0; titles are short and on topic).
    ``rrf_k``: the constant of reciprocal rank fusion (default 60, the published one).
    ``ann_from``: from this many articles on, nearest neighbours come from an approximate
    (usearch HNSW) index instead of an exact scan (default 200,000; exact is a few ms below).
    """

    candidates: int = 100
    limit: int = 10
    rerank: bool = True
    title_weight: float = 2.0
    rrf_k: int = 60
    ann_from: int = 200_000

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise OptionsError(f"SearchOptions.candidates must be at least 1, got {self.candidates}")
        if not 1 <= self.limit <= 1000:
            raise OptionsError(f"SearchOptions.limit must be between 1 and 1000, got {self.limit}")
        if self.title_weight <= 0:
            raise OptionsError(f"SearchOptions.title_weight must be positive, got {self.title_weight}")
        if self.rrf_k < 1:
            raise OptionsError(f"SearchOptions.rrf_k must be at least 1, got {self.rrf_k}")
        if self.ann_from < 1:
            raise OptionsError(f"SearchOptions.ann_from must be at least 1, got {self.ann_from}")


@dataclass(frozen=True)
class SearchHit:
    """One article found by a query, with both scores and a snippet around the matched words."""

    article_id: str
    title: str | None
    snippet: str  # plain text with MARK_START/MARK_END around matched words
    bm25: float  # FTS5's BM25 score, higher is better (SQLite reports it negated); 0 when no word matched
    cosine: float | None  # query-article cosine; None when answered by BM25 alone
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
    words = query_words(text)
    return _quoted(words) if words else None


def query_words(text: str) -> list[str]:
    """The distinct words of a query that are looked up (at most :data:`MAX_QUERY_WORDS`)."""
    return list(dict.fromkeys(_WORD.findall(text)))[:MAX_QUERY_WORDS]


def _quoted(words: Iterable[str]) -> str:
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


#: Distinct query words whose document frequency :class:`SearchIndex` remembers between syncs.
DF_CACHE_WORDS = 100_000


def _fingerprint(article: Article) -> str:
    return hashlib.sha256(f"{article.title or ''}\x00{article.text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _clean(text: str | None) -> str:
    return _CONTROL.sub(" ", text or "")


# --- article vectors ----------------------------------------------------------------------------

#: An article's search vector is the mean of the MiniLM vectors of its first sentences.
LEAD_SENTENCES = 3


def vector_space() -> str:
    """The store's embeddings space of search vectors (what made them): vectors made another
    way are never compared with the query's, they live in another space."""
    from .resources import encoder_precision

    return f"search:minilm-lead{LEAD_SENTENCES}:{encoder_precision()}"


def lead_vector(sentences: Sequence["np.ndarray"]) -> bytes:
    """An article's search vector (unit length, float32 bytes): the mean of the MiniLM vectors
    of its first :data:`LEAD_SENTENCES` sentences, which the analysis computes anyway (so the
    store keeps it at no extra encoding; :func:`article_vectors` makes the same). The title is
    left out: a short title's few words (\"The bank\") outweigh what the article is about."""
    import numpy as np

    parts = list(sentences[:LEAD_SENTENCES])
    if not parts:
        return np.zeros(384, dtype=np.float32).tobytes()
    mean = np.mean(np.stack(parts).astype(np.float64), axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32).tobytes()


def article_vectors(articles: Sequence[Article]) -> dict[str, bytes]:
    """Each article's search vector (:func:`lead_vector`), made as the analysis makes it: the
    article parsed, split into the analysis' sentences, its lead encoded."""
    from .analysis.sentences import article_sentences
    from .resources import embed, embedding_memo, parse

    out: dict[str, bytes] = {}
    with embedding_memo():
        for start in range(0, len(articles), 64):
            batch = articles[start : start + 64]
            # sentence ends come from the parser, never from the entity recogniser: leaving it out
            # gives the analysis' sentences at two thirds of the parse's cost
            docs = parse([a.text for a in batch], disable=("ner",))
            leads = [[s.text for s in article_sentences(a.text, d)[:LEAD_SENTENCES]] for a, d in zip(batch, docs)]
            embed([t for lead in leads for t in lead])  # one pass
            for article, lead in zip(batch, leads):
                out[article.id] = lead_vector(list(embed(lead)) if lead else [])
    return out


def keep_search_vectors(store: Any, *, batch: int = 256, progress: Callable[[int], None] | None = None) -> int:
    """Make and keep in ``store`` the search vector of every canonical article that has none
    (space :func:`vector_space`); returns how many were made.

    ``newsdesk analyze`` keeps them as a by-product; this is for a store that is only ingested
    (the index tier) and searched: the vectors are the ones the analysis would keep, bit for
    bit, made ``batch`` articles at a time and committed after each batch (a killed run resumes).
    ``progress(n)`` is called with the articles done after each batch.
    """
    space = vector_space()
    duplicates = {link.duplicate for link in store.copies()}
    articles = [a for a in store.articles() if a.id not in duplicates]
    have = set(store.embeddings(space, [a.id for a in articles]))
    todo = [a for a in articles if a.id not in have]
    made = 0
    for start in range(0, len(todo), batch):
        vectors = article_vectors(todo[start : start + batch])
        with store.transaction():
            store.put_embeddings(space, vectors)
        made += len(vectors)
        if progress is not None:
            progress(made)
    return made


def embed_query(query: str) -> "np.ndarray":
    """The unit-length MiniLM vector of a query."""
    from .resources import embed

    return embed([query[:2000]])[0]


def load_query_encoder() -> None:
    """Load the model that embeds queries (``newsdesk serve`` does it at start)."""
    embed_query("warm up")


class SearchIndex:
    """An FTS5 index of articles and their search vectors, kept in sync with a store.

    Thread-safe: one lock serialises access, so one index can serve a multi-threaded server.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._matrix: Any = None  # (ids, unit vectors) of every indexed article, built on demand
        self._ann: Any = None
        self._vectored_ids: frozenset[str] | None = None
        # documents per query word, and how many documents the index holds (both reset by sync)
        self._df: dict[str, int] = {}
        self._count: int | None = None
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

    def sync(
        self,
        articles: Iterable[Article],
        vectors: Callable[[Sequence[str]], Mapping[str, bytes]] | None = None,
        *,
        only: Collection[str] | None = None,
    ) -> int:
        """Make the index hold exactly ``articles``: add new, re-index changed, drop gone ones.
        With ``only`` (ids), the index is synced for those ids alone: ``articles`` are the ones
        among them to hold, and the index's other articles are left as they are.

        ``vectors(ids)`` returns the kept search vectors of those articles (the store's,
        :func:`vector_space`); without it, vectors are made here (kept in the index only).
        Returns how many articles were added, changed or removed.
        """
        with self._lock:
            known = {aid: (rowid, fp) for rowid, aid, fp in self._db.execute("SELECT rowid, id, fingerprint FROM docs")}
            have = {aid: fp for aid, fp in self._db.execute("SELECT id, fingerprint FROM vectors")}
            seen: set[str] = set()
            changed = 0
            unvectored: list[tuple[Article, str]] = []
            self._db.execute("BEGIN")
            try:
                for article in articles:
                    seen.add(article.id)
                    fingerprint = _fingerprint(article)
                    if have.get(article.id) != fingerprint:
                        unvectored.append((article, fingerprint))
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
                for aid in (known.keys() if only is None else known.keys() & set(only)) - seen:
                    self._delete(known[aid][0])
                    changed += 1
                self._db.execute("DELETE FROM vectors WHERE id NOT IN (SELECT id FROM docs)")
                self._add_vectors(unvectored, vectors)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            if changed or unvectored:
                self._matrix = self._ann = self._vectored_ids = None
            if changed:
                self._df, self._count = {}, None
        if changed:
            log.info("search index: %d articles added, changed or removed (%d indexed)", changed, len(self))
        return changed

    def _add_vectors(
        self,
        articles: list[tuple[Article, str]],
        vectors: Callable[[Sequence[str]], Mapping[str, bytes]] | None,
    ) -> None:
        """Keep the vectors of ``articles``: those ``vectors`` returns (the store's; an article
        without one is found by BM25 alone until an analysis keeps one: a server never parses
        a whole store when it starts), or, with no ``vectors``, made here."""
        if not articles:
            return
        if vectors is not None:
            kept = dict(vectors([a.id for a, _ in articles]))
            if len(kept) < len(articles):
                log.info(
                    "search index: %d articles have no search vector yet (found by their words only; "
                    "`newsdesk analyze` keeps one for every analysed article)",
                    len(articles) - len(kept),
                )
        else:
            try:
                kept = article_vectors([a for a, _ in articles])
            except ModelUnavailableError:
                raise
            except Exception as exc:  # a text the parser refuses must not stop the index
                log.warning("search index: article vectors could not be made (%s); words only", exc)
                kept = {}
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors(id, fingerprint, vector) VALUES (?,?,?)",
            [(a.id, fp, kept[a.id]) for a, fp in articles if a.id in kept],
        )

    def _delete(self, rowid: int) -> None:
        self._db.execute("DELETE FROM fts WHERE rowid=?", (rowid,))
        self._db.execute("DELETE FROM docs WHERE rowid=?", (rowid,))

    def search(self, query: str, options: SearchOptions | None = None) -> list[SearchHit]:
        """The best articles for ``query``: BM25 and nearest-neighbour rankings fused (RRF)."""
        options = options or SearchOptions()
        if not options.rerank:
            lexical = self.lexical(query, options)
            order = [aid for aid, _ in lexical[: options.limit]]
            cosine: dict[str, float] = {}
        else:
            if fts_query(query) is None:  # no word at all (punctuation, blanks): nothing to look for
                return []
            lexical = self.lexical(query, options)
            with self._lock:
                has_vectors = bool(self._vectors()[0])
            # in turn, not on two threads: under load the hand-over cost more than the overlap gave
            # (15,215 Reuters articles, load 5-6: p50 64 ms on two threads, 50 ms in turn)
            query_vector = embed_query(query) if has_vectors else None
            semantic = [] if query_vector is None else self.nearest(query_vector, options)
            fused: dict[str, float] = {}
            for ranking in ([aid for aid, _ in lexical], [aid for aid, _ in semantic]):
                for rank, aid in enumerate(ranking, 1):
                    fused[aid] = fused.get(aid, 0.0) + 1.0 / (options.rrf_k + rank)
            if semantic:
                # An article with no vector yet (not analysed since it was stored) cannot be ranked
                # by meaning; its words stand in for it, or every article with a vector would
                # outrank it (on 232 Reuters articles, half with vectors: fused recall@10 56.7
                # against BM25's 76.7)
                with self._lock:
                    vectored = self._vectored()
                for rank, aid in enumerate((aid for aid, _ in lexical), 1):
                    if aid not in vectored:
                        fused[aid] += 1.0 / (options.rrf_k + rank)
            cosine = dict(semantic)
            words = dict(lexical)
            # ties: an article that has the query's words first, then the closer in meaning
            order = sorted(fused, key=lambda aid: (-fused[aid], aid not in words, -cosine.get(aid, -2.0), aid))
            order = order[: options.limit]
        bm25 = dict(lexical)
        shown = self._snippets(query, order)
        return [
            SearchHit(aid, *shown.get(aid, (None, "")), bm25.get(aid, 0.0), cosine.get(aid), rank)
            for rank, aid in enumerate(order, 1)
        ]

    def lexical(
        self, query: str, options: SearchOptions | None = None, *, every_word: bool = False
    ) -> list[tuple[str, float]]:
        """The BM25 ranking: ``(id, score)`` of the best ``candidates`` articles. ``every_word``
        looks up the words in half the documents or more too (:meth:`_informative`; for
        ``newsdesk bench search``, which times both)."""
        options = options or SearchOptions()
        words = query_words(query)
        if not words:
            return []
        sql = (
            "SELECT d.id, -bm25(fts, ?, 1.0) FROM fts JOIN docs d ON d.rowid = fts.rowid "
            "WHERE fts MATCH ? ORDER BY bm25(fts, ?, 1.0) LIMIT ?"
        )
        with self._lock:
            kept = words if every_word else self._informative(words)
            rows = self._db.execute(
                sql, (options.title_weight, _quoted(kept), options.title_weight, options.candidates)
            ).fetchall()
            if len(rows) < options.candidates and len(kept) < len(words):
                # fewer candidates than asked: the articles that have only the common words come
                # next, as the query with every word ranks them (their scores are millionths)
                found = {aid for aid, _ in rows}
                rows += [
                    row
                    for row in self._db.execute(
                        sql, (options.title_weight, _quoted(words), options.title_weight, options.candidates)
                    ).fetchall()
                    if row[0] not in found
                ][: options.candidates - len(rows)]
        return [(aid, float(score)) for aid, score in rows]

    def _informative(self, words: list[str]) -> list[str]:
        """``words`` without those found in half the documents or more (all of them when every
        word is that common).

        FTS5's BM25 gives such a word an IDF of 1e-6 (``log((N - n + 0.5) / (n + 0.5)) <= 0``
        is clamped), so it cannot change a score by more than a few millionths, but its postings
        ("the", "said", "of": nearly every document) are most of a query's cost: on 15,214
        Reuters articles leaving them out halves BM25's time, and the top 10 of 300 title queries
        are the same articles in the same order except between articles of equal score.
        Document frequencies are counted once per word and remembered until the index changes.
        """
        if self._count is None:
            self._count = self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        if len(self._df) > DF_CACHE_WORDS:
            self._df.clear()
        kept = []
        for word in words:
            key = word.casefold()
            if key not in self._df:
                self._df[key] = self._db.execute(
                    "SELECT COUNT(*) FROM fts WHERE fts MATCH ?", (_quoted([word]),)
                ).fetchone()[0]
            if 2 * self._df[key] < self._count:
                kept.append(word)
        return kept or words

    def _snippets(self, query: str, ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
        """Title and snippet of the articles shown: around the matched words, or the opening
        words of an article no query word matched (found by meaning)."""
        if not ids:
            return {}
        out: dict[str, tuple[str | None, str]] = {}
        match = fts_query(query)
        with self._lock:
            rowids = {
                rowid: aid
                for rowid, aid in self._db.execute(
                    f"SELECT rowid, id FROM docs WHERE id IN ({','.join('?' * len(ids))})", list(ids)
                )
            }
            if match is not None and rowids:
                for rowid in rowids:  # one lookup by rowid each: FTS5 then reads one row, not every match
                    row = self._db.execute(
                        "SELECT d.title, snippet(fts, 1, ?, ?, ' … ', 24) FROM fts JOIN docs d "
                        "ON d.rowid = fts.rowid WHERE fts MATCH ? AND fts.rowid = ?",
                        (MARK_START, MARK_END, match, rowid),
                    ).fetchone()
                    if row is not None:
                        out[rowids[rowid]] = (row[0], row[1])
            rest = [aid for aid in ids if aid not in out]
            if rest:
                for aid, title, text in self._db.execute(
                    "SELECT d.id, d.title, substr(fts.text, 1, 240) FROM docs d JOIN fts ON fts.rowid = d.rowid "
                    f"WHERE d.id IN ({','.join('?' * len(rest))})",
                    rest,
                ):
                    out[aid] = (title, text.rsplit(" ", 1)[0] + " …" if len(text) >= 240 else text)
        return out

    def semantic(
        self, query: str, options: SearchOptions | None = None, *, exact: bool | None = None
    ) -> list[tuple[str, float]]:
        """The nearest articles to ``query`` by cosine: ``(id, cosine)`` of the best ``candidates``.

        ``exact`` forces the exact scan (True) or the approximate index (False); by default the
        index is used from :attr:`SearchOptions.ann_from` articles on.
        """
        options = options or SearchOptions()
        with self._lock:
            if not self._vectors()[0]:
                return []
        return self.nearest(embed_query(query), options, exact=exact)

    def nearest(
        self, query_vector: "np.ndarray", options: SearchOptions | None = None, *, exact: bool | None = None
    ) -> list[tuple[str, float]]:
        """The articles nearest ``query_vector`` (unit length), as :meth:`semantic` ranks them."""
        import numpy as np

        options = options or SearchOptions()
        query_vector = np.ascontiguousarray(query_vector, dtype=np.float32)
        with self._lock:
            ids, matrix = self._vectors()
            if not ids:
                return []
            count = min(options.candidates, len(ids))
            if exact is False or (exact is None and len(ids) >= options.ann_from):
                found = self._ann_index(matrix).search(query_vector, count, exact=False)
                keys = np.asarray(found.keys, dtype=np.int64)[:count]
                return [(ids[int(k)], float(matrix[int(k)] @ query_vector)) for k in keys]
            scores = matrix @ query_vector
            top = np.argpartition(-scores, count - 1)[:count] if count < len(ids) else np.arange(len(ids))
            top = top[np.lexsort((top, -scores[top]))]
            return [(ids[int(k)], float(scores[int(k)])) for k in top]

    def _vectors(self) -> tuple[list[str], Any]:
        import numpy as np

        if self._matrix is None:
            rows = self._db.execute("SELECT id, vector FROM vectors ORDER BY id").fetchall()
            ids = [aid for aid, _ in rows]
            # one contiguous float32 block: the scan is one matrix-vector product
            matrix = (
                np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32).reshape(len(rows), -1)
                if rows
                else None
            )
            self._matrix = (ids, matrix)
        return self._matrix  # type: ignore[no-any-return]

    def _vectored(self) -> frozenset[str]:
        """The ids of the indexed articles that have a vector."""
        if self._vectored_ids is None:
            self._vectored_ids = frozenset(self._vectors()[0])
        return self._vectored_ids

    def _ann_index(self, matrix: Any) -> Any:
        import numpy as np
        from usearch.index import Index

        if self._ann is None:
            index = Index(ndim=matrix.shape[1], metric="cos", dtype="f32")
            index.add(np.arange(len(matrix), dtype=np.int64), matrix)
            self._ann = index
        return self._ann

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
