"""Storage behind one small interface; SQLite (one file) by default.

The :class:`Store` protocol is all the pipeline uses. :class:`SQLiteStore` implements it in a
single file with a versioned schema. Writes happen in explicit transactions
(:meth:`Store.transaction`): a run killed half-way leaves every committed document whole and
nothing half-written, so rerunning the same ingest completes the store without duplicates.

Other back ends can be plugged in by implementing the protocol and registering a URL scheme in
:data:`BACKENDS`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from .errors import SchemaVersionError, StoreError
from .indexing import IndexState, MemoryIndexState
from .models import Article, CopyLink, Provenance, RawDocument, Rejection, Story

__all__ = ["BACKENDS", "IndexState", "MemoryIndexState", "SQLiteIndexState", "SQLiteStore", "Store", "open_store"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    digest   TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    content  TEXT NOT NULL,
    encoding TEXT NOT NULL,
    hints    TEXT NOT NULL,
    site     TEXT,
    seq      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_site ON documents(site);
CREATE TABLE IF NOT EXISTS sources (
    digest TEXT NOT NULL REFERENCES documents(digest),
    path   TEXT NOT NULL,
    record INTEGER NOT NULL DEFAULT 0,
    url    TEXT,
    PRIMARY KEY (digest, path, record)
);
CREATE TABLE IF NOT EXISTS articles (
    id        TEXT PRIMARY KEY REFERENCES documents(digest),
    title     TEXT,
    outlet    TEXT,
    authors   TEXT NOT NULL,
    published TEXT,
    language  TEXT,
    extractor TEXT NOT NULL,
    text      TEXT NOT NULL,
    seq       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rejections (
    path   TEXT NOT NULL,
    record INTEGER NOT NULL DEFAULT 0,
    code   TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (path, record)
);
CREATE TABLE IF NOT EXISTS copies (
    duplicate  TEXT PRIMARY KEY REFERENCES articles(id),
    canonical  TEXT NOT NULL REFERENCES articles(id),
    similarity REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stories (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    first_published TEXT,
    last_published  TEXT,
    seq             INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS story_articles (
    story    TEXT NOT NULL REFERENCES stories(id),
    article  TEXT NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (story, article)
);
CREATE TABLE IF NOT EXISTS stage_state (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS index_rows (
    space TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (space, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_postings (
    space  TEXT NOT NULL,
    term   TEXT NOT NULL,
    member TEXT NOT NULL,
    PRIMARY KEY (space, term, member)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS analyses (key TEXT PRIMARY KEY, generation INTEGER NOT NULL, document BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS index_postings_member ON index_postings(space, member);
-- arrival order: MAX(seq) on every insert and "articles after n" must not scan the tables
CREATE INDEX IF NOT EXISTS documents_seq ON documents(seq);
CREATE INDEX IF NOT EXISTS articles_seq ON articles(seq);
CREATE INDEX IF NOT EXISTS stories_seq ON stories(seq);
"""

#: SQLite's default cap on bound parameters is 999 in old builds: lookups go in chunks below it.
_CHUNK = 900


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SQLiteIndexState:
    """:class:`IndexState` in the store's ``index_rows`` / ``index_postings`` tables."""

    def __init__(self, db: sqlite3.Connection, space: str) -> None:
        self._db = db
        self.space = space

    def get(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                f"SELECT key, value FROM index_rows WHERE space=? AND key IN ({','.join('?' * len(chunk))})",
                (self.space, *chunk),
            )
            found.update((key, bytes(value)) for key, value in rows)
        return found

    def items(self, prefix: str = "") -> Iterator[tuple[str, bytes]]:
        # A range scan on the primary key: prefix <= key < prefix + U+10FFFF.
        rows = self._db.execute(
            "SELECT key, value FROM index_rows WHERE space=? AND key >= ? AND key < ? ORDER BY key",
            (self.space, prefix, prefix + "\U0010ffff"),
        )
        for key, value in rows:
            yield key, bytes(value)

    def put(self, rows: Mapping[str, bytes]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO index_rows(space, key, value) VALUES (?,?,?)",
            [(self.space, key, value) for key, value in rows.items()],
        )

    def delete(self, keys: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM index_rows WHERE space=? AND key=?", [(self.space, key) for key in keys])

    def post(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO index_postings(space, term, member) VALUES (?,?,?)",
            [(self.space, term, member) for term, member in pairs],
        )

    def unpost(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(
            "DELETE FROM index_postings WHERE space=? AND term=? AND member=?",
            [(self.space, term, member) for term, member in pairs],
        )

    def lookup(self, terms: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(dict.fromkeys(terms))
        found: dict[str, list[str]] = {}
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                f"SELECT term, member FROM index_postings WHERE space=? AND term IN ({','.join('?' * len(chunk))}) "
                "ORDER BY term, member",
                (self.space, *chunk),
            )
            for term, member in rows:
                found.setdefault(term, []).append(member)
        return found

    def clear(self) -> None:
        self._db.execute("DELETE FROM index_rows WHERE space=?", (self.space,))
        self._db.execute("DELETE FROM index_postings WHERE space=?", (self.space,))


class Store(Protocol):
    """What the pipeline, the analysis, serve and the benchmarks need from storage (nothing else
    touches SQL)."""

    path: str

    def transaction(self) -> AbstractContextManager[Any]: ...
    def has_document(self, digest: str) -> bool: ...
    def add_document(self, doc: RawDocument) -> bool: ...
    def add_article(self, article: Article) -> None: ...
    def add_rejection(self, rejection: Rejection) -> None: ...
    def clear_rejection(self, path: str, record: int | None) -> None: ...
    def documents_for_sites(self, sites: Iterable[str | None], *, limit_per_site: int | None = None) -> Iterator[RawDocument]: ...
    def article(self, article_id: str) -> Article | None: ...
    def articles(self, *, after: int = 0) -> list[Article]: ...
    def sources(self, article_id: str) -> list[Provenance]: ...
    def rejections(self) -> list[Rejection]: ...
    def replace_copies(self, links: Sequence[CopyLink]) -> None: ...
    def copies(self) -> list[CopyLink]: ...
    def replace_stories(self, stories: Sequence[Story]) -> None: ...
    def stories(self) -> list[Story]: ...
    def save_state(self, key: str, value: bytes) -> None: ...
    def load_state(self, key: str) -> bytes | None: ...
    def index_state(self, space: str) -> IndexState: ...
    def index_sizes(self) -> dict[str, int]: ...
    def generation(self) -> int: ...
    def save_analysis(self, key: str, generation: int, document: bytes) -> None: ...
    def load_analysis(self, key: str) -> bytes | None: ...
    def raw_document(self, digest: str) -> RawDocument | None: ...
    def add_copies(self, links: Sequence[CopyLink]) -> None: ...
    def upsert_stories(self, stories: Sequence[Story]) -> None: ...
    def delete_stories(self, story_ids: Iterable[str]) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...


class SQLiteStore:
    """The default store: one SQLite file (``--db``, default ``./newsdesk.db``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path!r} cannot be opened as a newsdesk store: {exc}",
                hint="pass another --db path, or move the damaged file away",
            ) from exc
        self._in_transaction = False

    # -- schema ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "meta" not in tables:
            raise SchemaVersionError(
                f"{self.path!r} is an SQLite file but not a newsdesk store",
                hint="pass another --db path",
            )
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path!r} has schema version {version}, newer than this newsdesk ({SCHEMA_VERSION})",
                    hint="upgrade newsdesk",
                )
        else:
            version = SCHEMA_VERSION
        self._db.executescript(_SCHEMA)
        if version < 2:
            # v1 kept the copy and story indexes as one pickled blob; v2 keeps them row by row.
            # Dropping the blob with the tables it fed makes the next ingest rebuild both
            # indexes from the stored articles, in their original order.
            log.info("upgrading %s to schema version 2: the copy and story indexes will be rebuilt", self.path)
            self._db.executescript(
                "BEGIN; DELETE FROM stage_state; DELETE FROM copies; DELETE FROM story_articles; "
                "DELETE FROM stories; COMMIT;"
            )
        self._add_origin_columns()
        self._db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    # v3: where an article's date, outlet and type came from (newsdesk.extract.origin). Added in
    # place, empty for articles stored before (they read as "source unknown"), on new stores too.
    _ORIGIN_COLUMNS = (
        ("published_source", "TEXT"), ("published_confidence", "REAL"), ("outlet_source", "TEXT"),
        ("outlet_confidence", "REAL"), ("article_type", "TEXT"), ("article_type_source", "TEXT"),
        ("article_type_confidence", "REAL"),
    )  # fmt: skip

    def _add_origin_columns(self) -> None:
        present = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        for name, kind in self._ORIGIN_COLUMNS:
            if name not in present:
                self._db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[SQLiteStore]:
        """All writes inside commit together or not at all."""
        if self._in_transaction:
            yield self
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_transaction = False

    # -- documents and articles --------------------------------------------------------------

    def has_document(self, digest: str) -> bool:
        return self._db.execute("SELECT 1 FROM documents WHERE digest=?", (digest,)).fetchone() is not None

    def has_source(self, doc: RawDocument) -> bool:
        """True when this exact content was already ingested from this exact place."""
        row = self._db.execute(
            "SELECT 1 FROM sources WHERE digest=? AND path=? AND record=?",
            (doc.digest, doc.provenance.path, doc.provenance.record or 0),
        ).fetchone()
        return row is not None

    def add_document(self, doc: RawDocument) -> bool:
        """Store a document and its provenance; returns False when its content was already stored."""
        with self.transaction():
            new = not self.has_document(doc.digest)
            if new:
                seq = self._next_seq("documents")
                self._db.execute(
                    "INSERT INTO documents(digest, kind, content, encoding, hints, site, seq) VALUES (?,?,?,?,?,?,?)",
                    (doc.digest, doc.kind, doc.content, doc.encoding, json.dumps(doc.hints, sort_keys=True), doc.site, seq),
                )
            added = self._db.execute(
                "INSERT OR IGNORE INTO sources(digest, path, record, url) VALUES (?,?,?,?)",
                (doc.digest, doc.provenance.path, doc.provenance.record or 0, doc.provenance.url),
            ).rowcount
            if new or added:
                self._touch()
            return new

    def _next_seq(self, table: str) -> int:
        return int(self._db.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}").fetchone()[0])

    def add_article(self, article: Article) -> None:
        with self.transaction():
            self._touch()
            origin = tuple(getattr(article, name) for name, _ in self._ORIGIN_COLUMNS)
            self._db.execute(
                "INSERT OR REPLACE INTO articles(id, title, outlet, authors, published, language, extractor, text, seq, "
                f"{', '.join(name for name, _ in self._ORIGIN_COLUMNS)}) "
                "VALUES (?,?,?,?,?,?,?,?, COALESCE((SELECT seq FROM articles WHERE id=?), (SELECT COALESCE(MAX(seq),0)+1 FROM articles)), "
                f"{','.join('?' * len(self._ORIGIN_COLUMNS))})",
                (
                    article.id,
                    article.title,
                    article.outlet,
                    json.dumps(list(article.authors)),
                    article.published,
                    article.language,
                    article.extractor,
                    article.text,
                    article.id,
                    *origin,
                ),
            )

    def add_rejection(self, rejection: Rejection) -> None:
        with self.transaction():
            self._touch()
            self._db.execute(
                "INSERT OR REPLACE INTO rejections(path, record, code, reason) VALUES (?,?,?,?)",
                (rejection.path, rejection.record or 0, rejection.code, rejection.reason),
            )

    def clear_rejection(self, path: str, record: int | None) -> None:
        with self.transaction():
            self._touch()
            self._db.execute("DELETE FROM rejections WHERE path=? AND record=?", (path, record or 0))

    def documents_for_sites(self, sites: Iterable[str | None], *, limit_per_site: int | None = None) -> Iterator[RawDocument]:
        """Stored documents of the given sites (``None`` = documents with no known site), oldest first.

        ``limit_per_site`` keeps only the oldest that many of each named site; documents with no
        site are all returned (their grouping, by folder, is not the store's to know).
        """
        wanted = set(sites)
        named = sorted(s for s in wanted if s is not None)
        clauses: list[str] = []
        params: list[object] = []
        if named:
            clauses.append(f"d.site IN ({','.join('?' * len(named))})")
            params.extend(named)
        if None in wanted:
            clauses.append("d.site IS NULL")
        if not clauses:
            return
        ranked = (
            "SELECT digest, ROW_NUMBER() OVER (PARTITION BY site ORDER BY seq) AS rank FROM documents "
            f"WHERE site IN ({','.join('?' * len(named))})"
        )
        limit_clause = ""
        if limit_per_site is not None and named:
            limit_clause = f"AND (d.site IS NULL OR d.digest IN (SELECT digest FROM ({ranked}) WHERE rank <= ?)) "
            params.extend([*named, limit_per_site])
        query = (
            "SELECT d.digest, d.kind, d.content, d.encoding, d.hints, s.path, s.record, s.url FROM documents d "
            "JOIN sources s ON s.rowid = (SELECT MIN(rowid) FROM sources WHERE digest = d.digest) "
            f"WHERE ({' OR '.join(clauses)}) {limit_clause}ORDER BY d.seq"
        )
        for digest, kind, content, encoding, hints, path, record, url in self._db.execute(query, params):
            yield RawDocument(Provenance(path, record or None, url), kind, content, encoding, json.loads(hints))

    def raw_document(self, digest: str) -> RawDocument | None:
        """The stored document with this digest (an article's id is its document's digest), as
        first ingested: original content, kind, encoding and first provenance."""
        row = self._db.execute(
            "SELECT d.digest, d.kind, d.content, d.encoding, d.hints, s.path, s.record, s.url FROM documents d "
            "JOIN sources s ON s.rowid = (SELECT MIN(rowid) FROM sources WHERE digest = d.digest) WHERE d.digest=?",
            (digest,),
        ).fetchone()
        if row is None:
            return None
        _, kind, content, encoding, hints, path, record, url = row
        return RawDocument(Provenance(path, record or None, url), kind, content, encoding, json.loads(hints))

    def _article_from_row(self, row: tuple[Any, ...]) -> Article:
        article_id, title, outlet, authors, published, language, extractor, text, path, record, url = row[:11]
        origin = dict(zip((name for name, _ in self._ORIGIN_COLUMNS), row[11:]))
        return Article(
            id=article_id,
            provenance=Provenance(path, record or None, url),
            text=text,
            title=title,
            outlet=outlet,
            authors=tuple(json.loads(authors)),
            published=published,
            language=language,
            extractor=extractor,
            **origin,
        )

    _ARTICLE_QUERY = (
        "SELECT a.id, a.title, a.outlet, a.authors, a.published, a.language, a.extractor, a.text, "
        "s.path, s.record, s.url, a.published_source, a.published_confidence, a.outlet_source, a.outlet_confidence, "
        "a.article_type, a.article_type_source, a.article_type_confidence FROM articles a "
        "JOIN sources s ON s.rowid = (SELECT MIN(rowid) FROM sources WHERE digest = a.id) "
    )

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute(self._ARTICLE_QUERY + "WHERE a.id=?", (article_id,)).fetchone()
        return self._article_from_row(row) if row else None

    def articles(self, *, after: int = 0) -> list[Article]:
        """Articles in the order they were first stored; ``after=n`` skips the first ``n``."""
        # articles are never deleted, so seq runs 1..n and "after n" is a range on its index
        rows = self._db.execute(self._ARTICLE_QUERY + "WHERE a.seq > ? ORDER BY a.seq", (after,))
        return [self._article_from_row(row) for row in rows]

    def sources(self, article_id: str) -> list[Provenance]:
        """Every place this article's exact content was ingested from, first first."""
        rows = self._db.execute("SELECT path, record, url FROM sources WHERE digest=? ORDER BY rowid", (article_id,))
        return [Provenance(path, record or None, url) for path, record, url in rows]

    def rejections(self) -> list[Rejection]:
        rows = self._db.execute("SELECT path, record, code, reason FROM rejections ORDER BY path, record")
        return [Rejection(path, reason, code, record or None) for path, record, code, reason in rows]

    # -- copies and stories ------------------------------------------------------------------

    def replace_copies(self, links: Sequence[CopyLink]) -> None:
        with self.transaction():
            self._touch()
            self._db.execute("DELETE FROM copies")
            self._db.executemany(
                "INSERT INTO copies(duplicate, canonical, similarity) VALUES (?,?,?)",
                [(link.duplicate, link.canonical, float(link.similarity)) for link in links],
            )

    def copies(self) -> list[CopyLink]:
        rows = self._db.execute("SELECT canonical, duplicate, similarity FROM copies ORDER BY canonical, duplicate")
        return [CopyLink(canonical, duplicate, similarity) for canonical, duplicate, similarity in rows]

    def replace_stories(self, stories: Sequence[Story]) -> None:
        with self.transaction():
            self._touch()
            self._db.execute("DELETE FROM story_articles")
            self._db.execute("DELETE FROM stories")
            for seq, story in enumerate(stories, 1):
                self._db.execute(
                    "INSERT INTO stories(id, title, first_published, last_published, seq) VALUES (?,?,?,?,?)",
                    (story.id, story.title, story.first_published, story.last_published, seq),
                )
                self._db.executemany(
                    "INSERT INTO story_articles(story, article, position) VALUES (?,?,?)",
                    [(story.id, article_id, position) for position, article_id in enumerate(story.article_ids)],
                )

    def add_copies(self, links: Sequence[CopyLink]) -> None:
        """Record new copy links (or update existing ones), leaving the others alone."""
        with self.transaction():
            self._touch()
            self._db.executemany(
                "INSERT OR REPLACE INTO copies(duplicate, canonical, similarity) VALUES (?,?,?)",
                [(link.duplicate, link.canonical, float(link.similarity)) for link in links],
            )

    def upsert_stories(self, stories: Sequence[Story]) -> None:
        """Write these stories whole (members, title, dates), leaving the other stories alone.

        Stories are listed in the order their first article arrived (``seq``), whatever the
        order in which they were written.
        """
        with self.transaction():
            self._touch()
            for story in stories:
                self._db.execute(
                    "INSERT INTO stories(id, title, first_published, last_published, seq) VALUES (?,?,?,?,0) "
                    "ON CONFLICT(id) DO UPDATE SET title=excluded.title, "
                    "first_published=excluded.first_published, last_published=excluded.last_published",
                    (story.id, story.title, story.first_published, story.last_published),
                )
                self._db.execute("DELETE FROM story_articles WHERE story=?", (story.id,))
                self._db.executemany(
                    "INSERT INTO story_articles(story, article, position) VALUES (?,?,?)",
                    [(story.id, article_id, position) for position, article_id in enumerate(story.article_ids)],
                )
                self._db.execute(
                    "UPDATE stories SET seq = (SELECT COALESCE(MIN(a.seq), 0) FROM story_articles sa "
                    "JOIN articles a ON a.id = sa.article WHERE sa.story = ?) WHERE id = ?",
                    (story.id, story.id),
                )

    def delete_stories(self, story_ids: Iterable[str]) -> None:
        """Remove stories (e.g. absorbed by a merge) and their membership rows."""
        with self.transaction():
            self._touch()
            for story_id in story_ids:
                self._db.execute("DELETE FROM story_articles WHERE story=?", (story_id,))
                self._db.execute("DELETE FROM stories WHERE id=?", (story_id,))

    def stories(self) -> list[Story]:
        members: dict[str, list[str]] = {}
        for story, article in self._db.execute("SELECT story, article FROM story_articles ORDER BY story, position"):
            members.setdefault(story, []).append(article)
        rows = self._db.execute("SELECT id, title, first_published, last_published FROM stories ORDER BY seq")
        return [Story(sid, title, tuple(members.get(sid, ())), first, last) for sid, title, first, last in rows]

    # -- generations and the saved analysis --------------------------------------------------

    def _touch(self) -> None:
        """Count one more change of the stored content (inside the writing transaction)."""
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def generation(self) -> int:
        """A number that changes whenever stored documents, articles, copies, stories or
        rejections change: a result computed at one generation is still valid while it holds."""
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def save_analysis(self, key: str, generation: int, document: bytes) -> None:
        """Keep an analysis document computed at ``generation`` under ``key`` (one per key)."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO analyses(key, generation, document) VALUES (?,?,?)", (key, generation, document)
            )

    def load_analysis(self, key: str) -> bytes | None:
        """The analysis document saved under ``key`` if the store has not changed since, else None."""
        row = self._db.execute("SELECT generation, document FROM analyses WHERE key=?", (key,)).fetchone()
        if row is None or row[0] != self.generation():
            return None
        return bytes(row[1])

    # -- stage state -------------------------------------------------------------------------

    def save_state(self, key: str, value: bytes) -> None:
        """Persist a stage's incremental state (e.g. the copy and story indexes) as a blob."""
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO stage_state(key, value) VALUES (?,?)", (key, value))

    def load_state(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT value FROM stage_state WHERE key=?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def index_state(self, space: str) -> SQLiteIndexState:
        """The row-level state of the index named ``space`` (see :class:`IndexState`)."""
        return SQLiteIndexState(self._db, space)

    def index_sizes(self) -> dict[str, int]:
        """How much the incremental indexes hold: ``rows_bytes`` (keys and values of their rows)
        and ``postings`` (their posting entries), for the scale benchmark."""
        rows_bytes = self._db.execute("SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM index_rows").fetchone()[0]
        postings = self._db.execute("SELECT COUNT(*) FROM index_postings").fetchone()[0]
        return {"rows_bytes": int(rows_bytes), "postings": int(postings)}

    # -- misc --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        def count(table: str) -> int:
            return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

        return {
            "documents": count("documents"),
            "sources": count("sources"),
            "articles": count("articles"),
            "copies": count("copies"),
            "stories": count("stories"),
            "rejections": count("rejections"),
        }

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every content table, sorted: for comparing two stores in tests."""
        tables = [
            "documents", "sources", "articles", "rejections", "copies", "stories", "story_articles", "stage_state",
            "index_rows", "index_postings",
        ]
        return {t: sorted(self._db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "SQLiteStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Store back ends by URL scheme; a path with no scheme opens the SQLite store.
BACKENDS: dict[str, Callable[[str], Store]] = {"sqlite": SQLiteStore}


def open_store(location: str | Path) -> Store:
    """Open (creating if needed) the store at ``location``: a file path or ``scheme://…``."""
    text = str(location)
    scheme, sep, rest = text.partition("://")
    if sep and scheme in BACKENDS:
        return BACKENDS[scheme](rest)
    if sep:
        raise StoreError(f"unknown store scheme {scheme!r}", hint=f"use one of: {', '.join(sorted(BACKENDS))}, or a file path")
    return SQLiteStore(text)
