"""Storage behind one small interface; SQLite (one file) by default.

The :class:`Store` protocol is all the pipeline uses. :class:`SQLiteStore` implements it in a
single file with a versioned schema. Writes happen in explicit transactions
(:meth:`Store.transaction`): a run killed half-way leaves every committed document whole and
nothing half-written, so rerunning the same ingest completes the store without duplicates.

Reliability (see docs/reliability.md): one writer at a time (a lock file beside the store; a
second writer waits with a message, then gives up with :class:`~newsdesk.errors.StoreLockedError`);
``PRAGMA quick_check`` on every open, so that nothing is ever written into a damaged file
(:class:`~newsdesk.errors.StoreDamagedError`); read-only opens for readers (``report``,
``serve``), which also work on a read-only file or folder; every SQLite error leaves as a
:class:`~newsdesk.errors.StoreError` saying what happened (disk full, damaged, locked, read-only).
File names that are not valid UTF-8 are stored losslessly (as their bytes).

Other back ends can be plugged in by implementing the protocol and registering a URL scheme in
:data:`BACKENDS`.

Why one module of ~1,200 lines: it is the only place that speaks SQL (the rule that keeps
storage swappable), so the schema, its migrations, the writer lock and the salvage path sit
beside the queries that depend on them. The migrations and the salvage path are the parts to
move into a ``store`` package when a second backend arrives.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import sqlite3
import sys
import time
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence
from urllib.parse import quote

from .errors import (
    SchemaVersionError,
    StoreDamagedError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreUnwrittenError,
    StoreWriteError,
)
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
-- vectors kept for reuse (search vectors, one per article), by space (what made them) and key,
-- created in place on older stores by the upgrade transaction (no semicolons in comments here)
CREATE TABLE IF NOT EXISTS embeddings (
    space  TEXT NOT NULL,
    key    TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (space, key)
) WITHOUT ROWID;
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

    def __init__(self, db: _Connection | sqlite3.Connection, space: str) -> None:
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
    def documents_for_sites(
        self, sites: Iterable[str | None], *, limit_per_site: int | None = None
    ) -> Iterator[RawDocument]: ...
    def article(self, article_id: str) -> Article | None: ...
    def articles(self, *, after: int = 0) -> list[Article]: ...
    def sources(self, article_id: str) -> list[Provenance]: ...
    def articles_by_id(self, article_ids: Iterable[str]) -> list[Article]: ...
    def sources_of(self, article_ids: Iterable[str]) -> dict[str, list[Provenance]]: ...
    def source_counts(self) -> dict[str, int]: ...
    def rejections(self) -> list[Rejection]: ...
    def replace_copies(self, links: Sequence[CopyLink]) -> None: ...
    def copies(self) -> list[CopyLink]: ...
    def replace_stories(self, stories: Sequence[Story]) -> None: ...
    def stories(self) -> list[Story]: ...
    def save_state(self, key: str, value: bytes) -> None: ...
    def load_state(self, key: str) -> bytes | None: ...
    def index_state(self, space: str) -> IndexState: ...
    def index_sizes(self) -> dict[str, int]: ...
    def put_embeddings(self, space: str, vectors: Mapping[str, bytes]) -> None: ...
    def embeddings(self, space: str, keys: Iterable[str] | None = None) -> dict[str, bytes]: ...
    def delete_embeddings(self, space: str, keys: Iterable[str] | None = None) -> None: ...
    def embedding_counts(self) -> dict[str, int]: ...
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


# --------------------------------------------------------------------------------------------
# Connection, locking and integrity (what keeps the file whole whatever happens around it)
# --------------------------------------------------------------------------------------------

#: How long a second writer waits for the first one by default, in seconds.
DEFAULT_LOCK_TIMEOUT = 300.0

# SQLite primary result codes (sqlite3.h) that say what went wrong with the file itself.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM, _SQLITE_READONLY = 5, 6, 7, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26

_DOCTOR_HINT = (
    "nothing was written to it; `newsdesk doctor --db {path}` checks it and "
    "`newsdesk doctor --db {path} --repair` rebuilds it from its readable documents (the damaged file is kept)"
)


def store_error(exc: sqlite3.Error, path: str) -> Exception:
    """The :class:`StoreError` that explains an SQLite error on the store at ``path``.

    Errors that are not about the file (a malformed statement, a constraint) are bugs: they are
    returned unchanged.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary == _SQLITE_FULL or "disk is full" in text:
        return StoreWriteError(
            f"the disk holding {path!r} is full: the step being written was rolled back, nothing stored is lost",
            hint="free some space and rerun the same command",
        )
    if primary == _SQLITE_IOERR:
        return StoreWriteError(
            f"reading or writing {path!r} failed ({text}): the disk may be full, over a file size limit or failing; "
            "the step being written was rolled back",
            hint="check the disk, then rerun the same command",
        )
    if primary == _SQLITE_CORRUPT:
        return StoreDamagedError(f"{path!r} is damaged ({text})", hint=_DOCTOR_HINT.format(path=path))
    if primary == _SQLITE_NOTADB:
        return StoreError(
            f"{path!r} cannot be opened as a newsdesk store: it is not an SQLite database ({text})",
            hint="pass another --db path",
        )
    if primary == _SQLITE_READONLY:
        return StoreReadOnlyError(
            f"{path!r} cannot be written ({text})",
            hint="check the permissions of the file and its folder, or pass another --db path",
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreLockedError(f"{path!r} is busy ({text})", hint="wait for the other process, then rerun")
    if primary == _SQLITE_CANTOPEN:
        return StoreError(
            f"{path!r} cannot be opened ({text})",
            hint="check that the folder exists and can be read (and written, for ingest)",
        )
    if primary == _SQLITE_NOMEM:
        return StoreError(f"SQLite ran out of memory on {path!r}", hint="close other programs and rerun")
    return exc


class _Rows:
    """A cursor whose errors (raised while rows are fetched) are explained like the connection's."""

    def __init__(self, cursor: sqlite3.Cursor, path: str) -> None:
        self._cursor, self._path = cursor, path

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except sqlite3.Error as exc:
            raise store_error(exc, self._path) from exc

    def fetchall(self) -> list[Any]:
        try:
            return self._cursor.fetchall()
        except sqlite3.Error as exc:
            raise store_error(exc, self._path) from exc

    def __iter__(self) -> Iterator[Any]:
        # in batches: one fetchone per row costs 5 µs of Python each (0.3 s over a 20k-article store's stories)
        while True:
            try:
                rows = self._cursor.fetchmany(512)
            except sqlite3.Error as exc:
                raise store_error(exc, self._path) from exc
            if not rows:
                return
            yield from rows


class _Connection:
    """The store's SQLite connection; every error about the file leaves as a :class:`StoreError`."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self.raw, self.path = connection, path

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> _Rows:
        try:
            return _Rows(self.raw.execute(sql, params), self.path)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> _Rows:
        try:
            return _Rows(self.raw.executemany(sql, rows), self.path)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    def executescript(self, script: str) -> None:
        try:
            self.raw.executescript(script)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def close(self) -> None:
        self.raw.close()


def _connect(path: str, *, read_only: bool) -> sqlite3.Connection:
    """Open ``path``; read-only opens never write to the file (nor create it)."""
    if not read_only:
        return sqlite3.connect(path, isolation_level=None)
    uri = "file:" + quote(str(Path(path).resolve()))
    db = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        # A WAL store in a folder this process cannot write: SQLite cannot create the shared-memory
        # file beside it. Nothing can write the file either, so reading it as immutable is safe.
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF not in (_SQLITE_CANTOPEN, _SQLITE_READONLY):
            db.close()
            raise
        db.close()
        log.info("opening %s as immutable (%s)", path, exc)
        return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, isolation_level=None)


#: Lock files this process holds (real path -> the store holding it): a second writer in the
#: same process would wait for itself.
_HELD_LOCKS: dict[str, object] = {}


class WriterLock:
    """One writer at a time: an exclusive ``flock`` on ``<store>.lock``, released by the kernel when
    the holder exits, however it exits (a killed writer never leaves a stale lock).

    The file holds the holder's pid and command line, so that a waiting process can say whom it
    waits for. Readers (``report``, ``serve``) take no lock: SQLite's WAL lets them read while
    one process writes.
    """

    def __init__(self, store_path: str, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = store_path + ".lock"
        self.store_path = store_path
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        key = os.path.realpath(self.path)
        if key in _HELD_LOCKS:
            raise StoreLockedError(
                f"{self.store_path!r} is already open for writing in this process",
                hint="close the other store object first",
            )
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise StoreReadOnlyError(
                    f"{self.store_path!r} cannot be written: its folder is read-only ({exc.strerror})",
                    hint="pass a --db path in a folder you can write; report and serve can read it as it is",
                ) from exc
            raise StoreError(f"cannot create the lock file {self.path!r}: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + self.timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder(fd)
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreLockedError(
                        f"another newsdesk process ({holder}) is writing to {self.store_path!r}; "
                        f"gave up after waiting {self.timeout:g} s",
                        hint="rerun when it has finished, or pass a longer --lock-timeout",
                    ) from None
                if not announced:
                    log.warning(
                        "another newsdesk process (%s) is writing to %s; waiting up to %g s for it to finish",
                        holder,
                        self.store_path,
                        self.timeout,
                    )
                    announced = True
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {' '.join(sys.argv)[:300]}\n".encode("utf-8", "backslashreplace"), 0)
        self._fd = fd
        _HELD_LOCKS[key] = self

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            text = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        return text or "pid unknown"

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        _HELD_LOCKS.pop(os.path.realpath(self.path), None)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None


def _path_param(path: str) -> str | bytes:
    """A file name as stored: text when it is valid UTF-8, else its exact bytes (lossless)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def _path_value(value: str | bytes) -> str:
    """A stored file name back as Python names it (undecodable bytes as surrogate escapes)."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _clean_text(text: str) -> str:
    """Free text (a rejection reason) with any lone surrogate replaced, so that it can be stored."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text)


class SQLiteStore:
    """The default store: one SQLite file (``--db``, default ``./newsdesk.db``).

    Args:
        path: the file (created when missing, unless ``read_only``), or ``":memory:"``.
        read_only: open for reading only: no lock is taken, nothing is ever written (not even a
            schema upgrade), and a read-only file or folder is fine. Writes raise
            :class:`~newsdesk.errors.StoreReadOnlyError`; :meth:`save_analysis` does nothing.
        lock_timeout: how long a writer waits for another process writing the same store before
            it gives up with :class:`~newsdesk.errors.StoreLockedError` (seconds; 0 = do not wait).
        check: run ``PRAGMA quick_check`` before anything else (default True); a damaged file
            raises :class:`~newsdesk.errors.StoreDamagedError` and is left untouched.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        check: bool = True,
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._in_transaction = False
        self._lock: WriterLock | None = None
        self._article_query: str | None = None
        memory = self.path == ":memory:"
        if read_only and (memory or not Path(self.path).is_file()):
            raise StoreError(
                f"no newsdesk store at {self.path!r}", hint="run `newsdesk analyze INPUTS --db PATH` first"
            )
        if not read_only and not memory:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of {self.path!r}: {exc.strerror or exc}") from exc
            self._lock = WriterLock(self.path, timeout=lock_timeout)
            self._lock.acquire()
        try:
            try:
                raw = _connect(self.path, read_only=read_only)
            except sqlite3.Error as exc:
                raise store_error(exc, self.path) from exc
            self._db = _Connection(raw, self.path)
            try:
                if check and not memory:
                    self.check_integrity()
                if read_only:
                    self._db.execute("PRAGMA query_only=ON")
                    self._check_schema()
                else:
                    self._db.execute("PRAGMA journal_mode=WAL")
                    self._db.execute("PRAGMA synchronous=NORMAL")
                    self._db.execute("PRAGMA foreign_keys=ON")
                    self._migrate()
            except BaseException:
                self._db.close()
                raise
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    # -- integrity ---------------------------------------------------------------------------

    def integrity_problems(self, *, full: bool = False, limit: int = 20) -> list[str]:
        """What SQLite finds wrong with the file (``quick_check``; ``integrity_check`` when ``full``),
        empty when the file is whole."""
        pragma = "integrity_check" if full else "quick_check"
        try:
            rows = [str(row[0]) for row in self._db.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()]
        except StoreDamagedError as exc:  # SQLite's own words, not the message naming the file again
            return [str(exc.__cause__ or exc.message)]
        if rows == ["ok"]:
            return []
        lines = [line.strip() for row in rows for line in row.splitlines()]
        return [line for line in lines if line and not line.startswith("*** in database")][:limit]

    def check_integrity(self, *, full: bool = False) -> None:
        """Raise :class:`StoreDamagedError` when the file is damaged (nothing is written to it)."""
        problems = self.integrity_problems(full=full)
        if problems:
            more = (
                f" (and {len(problems) - 1} more problems{'' if len(problems) < 20 else ' or more'})"
                if len(problems) > 1
                else ""
            )
            raise StoreDamagedError(
                f"{self.path!r} is damaged: {problems[0]}{more}", hint=_DOCTOR_HINT.format(path=self.path)
            )

    # -- schema ------------------------------------------------------------------------------

    def _check_schema(self) -> None:
        """What :meth:`_migrate` checks, for a read-only open (which must not upgrade anything)."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            raise StoreUnwrittenError(
                f"{self.path!r} holds no newsdesk data yet (a run created it and stopped before writing)",
                hint=f"ingest into it: `newsdesk ingest PATH --db {self.path}`",
            )
        if "meta" not in tables:
            raise SchemaVersionError(f"{self.path!r} is not a newsdesk store", hint="pass another --db path")
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path!r} has schema version {version}, newer than this newsdesk ({SCHEMA_VERSION})",
                hint="upgrade newsdesk",
            )
        if version < 2:
            raise SchemaVersionError(
                f"{self.path!r} has schema version {version} and must be upgraded before it can be read",
                hint="open it once with write access, e.g. `newsdesk ingest --db PATH` (no inputs) on a writable copy",
            )
        # v2 lacks only the origin columns of v3: read them as unknown rather than upgrade in place
        present = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        self._article_query = self._article_query_for(present)

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
        # One transaction: a run killed while it creates or upgrades a store leaves the file as it
        # was (empty, or the old version), never a half-made schema that no later run accepts.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            if version < 2:
                # v1 kept the copy and story indexes as one pickled blob; v2 keeps them row by row.
                # Dropping the blob with the tables it fed makes the next ingest rebuild both
                # indexes from the stored articles, in their original order.
                log.info("upgrading %s to schema version 2: the copy and story indexes will be rebuilt", self.path)
                for table in ("stage_state", "copies", "story_articles", "stories"):
                    self._db.execute(f"DELETE FROM {table}")
            self._add_origin_columns()
            self._db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

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
        """All writes inside commit together or not at all (also when the disk fills up)."""
        if self._in_transaction:
            yield self
            return
        if self.read_only:
            raise StoreReadOnlyError(f"{self.path!r} was opened read-only", hint="open it for writing to change it")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield self
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_transaction = False

    def _rollback(self) -> None:
        # After some errors (a full disk) SQLite has already rolled the transaction back itself.
        if not self._db.in_transaction:
            return
        try:
            self._db.raw.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the error being raised says more than this one
            log.debug("rollback of %s failed: %s", self.path, exc)

    @contextmanager
    def snapshot(self) -> Iterator[SQLiteStore]:
        """Reads inside see the store as of one moment, even while another process writes."""
        if self._in_transaction:
            yield self
            return
        self._db.execute("BEGIN")
        self._in_transaction = True
        try:
            yield self
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_transaction = False

    # -- documents and articles --------------------------------------------------------------

    def has_document(self, digest: str) -> bool:
        return self._db.execute("SELECT 1 FROM documents WHERE digest=?", (digest,)).fetchone() is not None

    def has_source(self, doc: RawDocument) -> bool:
        """True when this exact content was already ingested from this exact place."""
        row = self._db.execute(
            "SELECT 1 FROM sources WHERE digest=? AND path=? AND record=?",
            (doc.digest, _path_param(doc.provenance.path), doc.provenance.record or 0),
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
                    (
                        doc.digest,
                        doc.kind,
                        doc.content,
                        doc.encoding,
                        json.dumps(doc.hints, sort_keys=True),
                        doc.site,
                        seq,
                    ),
                )
            added = self._db.execute(
                "INSERT OR IGNORE INTO sources(digest, path, record, url) VALUES (?,?,?,?)",
                (doc.digest, _path_param(doc.provenance.path), doc.provenance.record or 0, doc.provenance.url),
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
                (_path_param(rejection.path), rejection.record or 0, rejection.code, _clean_text(rejection.reason)),
            )

    def clear_rejection(self, path: str, record: int | None) -> None:
        with self.transaction():
            self._touch()
            self._db.execute("DELETE FROM rejections WHERE path=? AND record=?", (_path_param(path), record or 0))

    def documents_for_sites(
        self, sites: Iterable[str | None], *, limit_per_site: int | None = None
    ) -> Iterator[RawDocument]:
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
        for _digest, kind, content, encoding, hints, path, record, url in self._db.execute(query, params):
            yield RawDocument(
                Provenance(_path_value(path), record or None, url), kind, content, encoding, json.loads(hints)
            )

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
        return RawDocument(
            Provenance(_path_value(path), record or None, url), kind, content, encoding, json.loads(hints)
        )

    def _article_from_row(self, row: tuple[Any, ...]) -> Article:
        article_id, title, outlet, authors, published, language, extractor, text, path, record, url = row[:11]
        origin = dict(zip((name for name, _ in self._ORIGIN_COLUMNS), row[11:]))
        return Article(
            id=article_id,
            provenance=Provenance(_path_value(path), record or None, url),
            text=text,
            title=title,
            outlet=outlet,
            authors=tuple(json.loads(authors)),
            published=published,
            language=language,
            extractor=extractor,
            **origin,
        )

    @classmethod
    def _article_query_for(cls, present: set[str]) -> str:
        """The article query; origin columns missing from an older store read as NULL."""
        origin = ", ".join(f"a.{name}" if name in present else "NULL" for name, _ in cls._ORIGIN_COLUMNS)
        return (
            "SELECT a.id, a.title, a.outlet, a.authors, a.published, a.language, a.extractor, a.text, "
            f"s.path, s.record, s.url, {origin} FROM articles a "
            "JOIN sources s ON s.rowid = (SELECT MIN(rowid) FROM sources WHERE digest = a.id) "
        )

    @property
    def _ARTICLE_QUERY(self) -> str:
        return self._article_query or self._article_query_for({name for name, _ in self._ORIGIN_COLUMNS})

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
        return [Provenance(_path_value(path), record or None, url) for path, record, url in rows]

    def articles_by_id(self, article_ids: Iterable[str]) -> list[Article]:
        """The stored articles among ``article_ids``, in the order they were first stored."""
        found: list[tuple[int, Article]] = []
        for chunk in _chunks(sorted(set(article_ids))):
            marks = ",".join("?" * len(chunk))
            query = self._ARTICLE_QUERY.replace("SELECT a.id,", "SELECT a.seq, a.id,", 1)
            for row in self._db.execute(query + f"WHERE a.id IN ({marks})", tuple(chunk)):
                found.append((row[0], self._article_from_row(row[1:])))
        return [article for _, article in sorted(found, key=lambda pair: pair[0])]

    def sources_of(self, article_ids: Iterable[str]) -> dict[str, list[Provenance]]:
        """:meth:`sources` of many articles in a few queries (every id listed, first place first)."""
        places: dict[str, list[Provenance]] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT digest, path, record, url FROM sources WHERE digest IN ({marks}) ORDER BY rowid", tuple(chunk)
            )
            for digest, path, record, url in rows:
                places.setdefault(digest, []).append(Provenance(_path_value(path), record or None, url))
        return places

    def source_counts(self) -> dict[str, int]:
        """How many places each stored article was ingested from, by article id (every article)."""
        rows = self._db.execute("SELECT a.id, COUNT(*) FROM articles a JOIN sources s ON s.digest = a.id GROUP BY a.id")
        return {article_id: count for article_id, count in rows}

    def rejections(self) -> list[Rejection]:
        rows = self._db.execute("SELECT path, record, code, reason FROM rejections ORDER BY path, record")
        return [Rejection(_path_value(path), reason, code, record or None) for path, record, code, reason in rows]

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
        """Keep an analysis document computed at ``generation`` under ``key`` (one per key).

        A cache: on a store opened read-only nothing is kept (the document is rebuilt next time).
        """
        if self.read_only:
            log.debug("not saving the analysis into %s: opened read-only", self.path)
            return
        try:
            with self.transaction():
                self._db.execute(
                    "INSERT OR REPLACE INTO analyses(key, generation, document) VALUES (?,?,?)",
                    (key, generation, document),
                )
        except StoreWriteError as exc:  # only a cache: the analysis itself is not lost
            log.warning("the analysis could not be saved in %s for reuse: %s", self.path, exc.message)

    def load_analysis(self, key: str) -> bytes | None:
        """The analysis document saved under ``key`` if the store has not changed since, else None."""
        row = self._db.execute("SELECT generation, document FROM analyses WHERE key=?", (key,)).fetchone()
        if row is None or row[0] != self.generation():
            return None
        return bytes(row[1])

    # -- embeddings ---------------------------------------------------------------------------

    def put_embeddings(self, space: str, vectors: Mapping[str, bytes]) -> None:
        """Keep ``vectors`` (raw float32 bytes by key) in ``space``, replacing what a key had."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings(space, key, vector) VALUES (?,?,?)",
                [(space, key, bytes(vector)) for key, vector in vectors.items()],
            )

    def embeddings(self, space: str, keys: Iterable[str] | None = None) -> dict[str, bytes]:
        """The vectors kept in ``space`` (all, or those of ``keys`` that it has), by key."""
        if not self._has_embeddings():
            return {}  # a store of an older newsdesk opened read-only: nothing kept yet
        if keys is None:
            rows = self._db.execute("SELECT key, vector FROM embeddings WHERE space=?", (space,))
            return {key: bytes(vector) for key, vector in rows}
        found: dict[str, bytes] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            rows = self._db.execute(
                f"SELECT key, vector FROM embeddings WHERE space=? AND key IN ({','.join('?' * len(chunk))})",
                (space, *chunk),
            )
            found.update((key, bytes(vector)) for key, vector in rows)
        return found

    def delete_embeddings(self, space: str, keys: Iterable[str] | None = None) -> None:
        """Forget the vectors of ``keys`` in ``space`` (every vector of the space when None)."""
        with self.transaction():
            if keys is None:
                self._db.execute("DELETE FROM embeddings WHERE space=?", (space,))
                return
            for chunk in _chunks(list(keys)):
                self._db.execute(
                    f"DELETE FROM embeddings WHERE space=? AND key IN ({','.join('?' * len(chunk))})", (space, *chunk)
                )

    def embedding_counts(self) -> dict[str, int]:
        """How many vectors each space holds."""
        if not self._has_embeddings():
            return {}
        rows = self._db.execute("SELECT space, COUNT(*) FROM embeddings GROUP BY space")
        return {space: int(count) for space, count in rows}

    def _has_embeddings(self) -> bool:
        row = self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='embeddings'").fetchone()
        return row is not None

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
        rows_bytes = self._db.execute(
            "SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM index_rows"
        ).fetchone()[0]
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
            "documents",
            "sources",
            "articles",
            "rejections",
            "copies",
            "stories",
            "story_articles",
            "stage_state",
            "index_rows",
            "index_postings",
            "embeddings",
        ]
        return {t: sorted(self._db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> "SQLiteStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- doctor support ----------------------------------------------------------------------

    def consistency_problems(self, *, indexed_key: str = "indexed_articles") -> tuple[list[str], list[str]]:
        """``(problems, notes)`` of the stored content beyond SQLite's own checks.

        Problems make the store unreliable (``newsdesk doctor --repair`` rebuilds it): rows that
        refer to missing rows, arrival numbers with holes, indexed articles that belong to no
        story or to two. Notes are normal states, e.g. articles a killed run stored but did not
        index yet (the next ingest indexes them). ``indexed_key`` names the stage state counting
        the articles the copy and story indexes have seen.
        """
        problems: list[str] = []
        notes: list[str] = []
        with self.snapshot():
            for table, rowid, parent, _fk in self._db.execute("PRAGMA foreign_key_check").fetchall()[:20]:
                problems.append(f"a row of {table} (rowid {rowid}) refers to a missing row of {parent}")
            for table in ("documents", "articles"):
                count, top = self._db.execute(f"SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM {table}").fetchone()
                if count != top:
                    problems.append(f"{table}: {count} rows but arrival numbers up to {top} ({top - count} missing)")
            articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            raw = self.load_state(indexed_key)
            indexed = int(raw) if raw is not None and raw.isdigit() else None
            if indexed is None:
                if articles:
                    notes.append("the copy and story indexes are not built; the next ingest builds them")
                indexed = 0
            elif indexed > articles:
                problems.append(f"the indexes claim {indexed} articles but the store holds {articles}")
                indexed = articles
            elif indexed < articles:
                notes.append(
                    f"{articles - indexed} stored articles are not in the copy and story indexes yet "
                    "(a run was interrupted); the next ingest adds them"
                )
            counts = dict(
                self._db.execute(
                    "SELECT a.id, COUNT(sa.story) FROM articles a LEFT JOIN story_articles sa ON sa.article = a.id "
                    "WHERE a.seq <= ? AND a.id NOT IN (SELECT duplicate FROM copies) GROUP BY a.id",
                    (indexed,),
                ).fetchall()
            )
            orphans = sorted(aid for aid, n in counts.items() if n == 0)
            doubles = sorted(aid for aid, n in counts.items() if n > 1)
            if orphans:
                problems.append(f"{len(orphans)} indexed articles belong to no story (e.g. {orphans[0]})")
            if doubles:
                problems.append(f"{len(doubles)} articles belong to several stories (e.g. {doubles[0]})")
            copies_in_stories = self._db.execute(
                "SELECT COUNT(*) FROM story_articles WHERE article IN (SELECT duplicate FROM copies)"
            ).fetchone()[0]
            if copies_in_stories:
                problems.append(f"{copies_in_stories} merged copies are also listed as story members")
            empty = self._db.execute(
                "SELECT COUNT(*) FROM stories WHERE id NOT IN (SELECT story FROM story_articles)"
            ).fetchone()[0]
            if empty:
                problems.append(f"{empty} stories have no article")
        return problems, notes


class StoreSalvage:
    """What can still be read from a damaged store file, row by row (``newsdesk doctor --repair``).

    Rows are read in ranges of rowids; a range that fails is split until the unreadable rows are
    isolated, so one damaged page loses only the rows on it. Only the source tables are read
    (documents, their places, rejections): everything else is recomputed from them.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.unreadable: dict[str, int] = {}
        try:
            self._db = sqlite3.connect("file:" + quote(str(Path(self.path).resolve())) + "?mode=ro", uri=True)
            self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    def _rows(self, table: str, columns: str) -> Iterator[tuple[Any, ...]]:
        """``(rowid, *columns)`` of every readable row of ``table``, in rowid order."""
        top = self._top_rowid(table)
        if top is None:
            self.unreadable[table] = self.unreadable.get(table, 0) + 1
            return
        pending = [(1, top)] if top else []
        while pending:
            low, high = pending.pop(0)
            try:
                if low == high:  # a lookup: a range scan also reads the next leaf, maybe the damaged one
                    rows = self._db.execute(f"SELECT rowid, {columns} FROM {table} WHERE rowid = ?", (low,)).fetchall()
                else:
                    rows = self._db.execute(
                        f"SELECT rowid, {columns} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (low, high)
                    ).fetchall()
            except sqlite3.Error:
                if low == high:
                    self.unreadable[table] = self.unreadable.get(table, 0) + 1
                    continue
                middle = (low + high) // 2
                pending[:0] = [(low, middle), (middle + 1, high)]
                continue
            yield from rows

    def _top_rowid(self, table: str) -> int | None:
        """The highest rowid of ``table`` (None: unknown). ``MAX(rowid)`` reads the table's last
        leaf; when that page is the damaged one, each index of the table still lists every rowid."""
        try:
            return int(self._db.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0)
        except sqlite3.Error as exc:
            problem = exc
        tops = []
        try:
            indexes = self._db.execute(f"PRAGMA index_list({table})").fetchall()
        except sqlite3.Error:
            indexes = []
        for index in indexes:
            try:
                rowids = self._db.execute(f'SELECT rowid FROM {table} INDEXED BY "{index[1]}"').fetchall()
            except sqlite3.Error:
                continue
            tops.append(max((rowid for (rowid,) in rowids), default=0))
        if not tops:
            log.warning("salvage: table %s cannot be read at all: %s", table, problem)
            return None
        return max(tops)

    def rejections(self) -> list[Rejection]:
        return [
            Rejection(_path_value(path), reason, code, record or None)
            for _rowid, path, record, code, reason in self._rows("rejections", "path, record, code, reason")
        ]

    def documents(self) -> Iterator[RawDocument]:
        """Every readable document in arrival order, once per place it was ingested from (first place
        first); a document whose places are lost gets the place ``(place lost in repair)``."""
        order = sorted((seq, rowid) for rowid, seq in self._rows("documents", "seq"))
        places: dict[str, list[Provenance]] = {}
        for _rowid, digest, path, record, url in self._rows("sources", "digest, path, record, url"):
            places.setdefault(digest, []).append(Provenance(_path_value(path), record or None, url))
        for _seq, rowid in order:
            try:
                row = self._db.execute(
                    "SELECT digest, kind, content, encoding, hints FROM documents WHERE rowid=?", (rowid,)
                ).fetchone()
                digest, kind, content, encoding, hints = row
                parsed_hints = json.loads(hints)
            except (sqlite3.Error, TypeError, ValueError):
                self.unreadable["documents"] = self.unreadable.get("documents", 0) + 1
                continue
            for provenance in places.get(digest) or [Provenance("(place lost in repair)")]:
                yield RawDocument(provenance, kind, content, encoding, parsed_hints)

    def close(self) -> None:
        self._db.close()


#: Store back ends by URL scheme; a path with no scheme opens the SQLite store.
BACKENDS: dict[str, Callable[[str], Store]] = {"sqlite": SQLiteStore}


def open_store(
    location: str | Path,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    check: bool = True,
) -> Store:
    """Open (creating if needed, unless ``read_only``) the store at ``location``: a file path or
    ``scheme://…``. See :class:`SQLiteStore` for the keyword arguments."""
    text = str(location)
    scheme, sep, rest = text.partition("://")
    if sep and scheme in BACKENDS:
        return BACKENDS[scheme](rest, read_only=read_only, lock_timeout=lock_timeout, check=check)  # type: ignore[call-arg]
    if sep:
        raise StoreError(
            f"unknown store scheme {scheme!r}", hint=f"use one of: {', '.join(sorted(BACKENDS))}, or a file path"
        )
    return SQLiteStore(text, read_only=read_only, lock_timeout=lock_timeout, check=check)
