"""``newsdesk doctor``: check a store, and rebuild it from its stored documents.

:func:`check` runs SQLite's full ``integrity_check`` and the store's own consistency checks
(:meth:`~newsdesk.store.SQLiteStore.consistency_problems`: rows referring to missing rows, holes in
the arrival order, indexed articles in no story or in two). It only reads.

:func:`repair` salvages every readable document of the store (with the places it came from and
the recorded rejections) and feeds them, in their original arrival order, to a fresh store through
the pipeline: articles, copies, stories and indexes are recomputed exactly as an unbroken ingest
of the same documents would compute them. The fresh file then takes the store's place; the old
one is kept beside it (``PATH.damaged-YYYYmmdd-HHMMSS``). The store's writer lock is held
throughout, so no other process writes the old file meanwhile.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from .errors import StoreError, StoreUnwrittenError
from .options import PipelineOptions
from .store import DEFAULT_LOCK_TIMEOUT, StoreSalvage, WriterLock, open_store

log = logging.getLogger(__name__)

#: The files SQLite keeps beside a store in WAL mode; they move with it.
_SIDE_FILES = ("-wal", "-shm")


@dataclass
class Checkup:
    """What :func:`check` found."""

    path: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        lines = [f"store {self.path}"]
        if self.counts:
            lines.append("  " + ", ".join(f"{n} {what}" for what, n in self.counts.items()))
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  note: {n}" for n in self.notes]
        if self.healthy:
            lines.append("sound: SQLite's integrity check and the consistency checks pass")
        else:
            lines.append(
                f"damaged: run `newsdesk doctor --db {self.path} --repair` to rebuild it from its readable documents "
                "(the damaged file is kept)"
            )
        return lines


def check(path: str | Path) -> Checkup:
    """Check the store at ``path`` without writing to it."""
    checkup = Checkup(str(path))
    try:
        store = open_store(path, read_only=True, check=False)
    except StoreUnwrittenError:
        checkup.notes.append("empty: created by a run that stopped before its first write; the next ingest fills it")
        return checkup
    except StoreError as exc:
        checkup.problems.append(exc.message)
        return checkup
    with store:
        integrity = store.integrity_problems(full=True)
        if integrity:
            checkup.problems += [f"SQLite integrity check: {p}" for p in integrity]
            return checkup
        try:
            checkup.counts = store.counts()
            problems, notes = store.consistency_problems()
        except StoreError as exc:
            checkup.problems.append(exc.message)
            return checkup
        checkup.problems += problems
        checkup.notes += notes
    return checkup


@dataclass
class Repair:
    """What :func:`repair` did."""

    path: str
    backup: str
    documents: int = 0
    unreadable: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [
            f"rebuilt {self.path} from {self.documents} stored documents: "
            + ", ".join(f"{n} {what}" for what, n in self.counts.items()),
            f"the old file is kept as {self.backup}",
        ]
        for table, n in sorted(self.unreadable.items()):
            lines.append(
                f"warning: {n} rows of {table} could not be read and are lost; "
                "ingest the original inputs again to restore them"
            )
        return lines


def repair(
    path: str | Path,
    *,
    options: PipelineOptions | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Repair:
    """Rebuild the store at ``path`` from its readable documents (see the module's docstring)."""
    path = str(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = f"{path}.damaged-{stamp}"
    fresh = f"{path}.repairing"
    lock = WriterLock(path, timeout=lock_timeout)
    lock.acquire()
    try:
        _remove(fresh)
        salvage = StoreSalvage(path)
        try:
            documents = 0

            def counted(docs):
                nonlocal documents
                for doc in docs:
                    documents += 1
                    yield doc

            with open_store(fresh) as store:
                from .pipeline import ingest_documents

                ingest_documents(
                    chain(salvage.rejections(), counted(salvage.documents())), store=store, options=options
                )
                counts = store.counts()
        finally:
            salvage.close()
        for suffix in ("", *_SIDE_FILES):
            if os.path.exists(path + suffix):
                os.replace(path + suffix, backup + suffix)
        os.replace(fresh, path)
        log.info("repaired %s (old file kept as %s)", path, backup)
        return Repair(path, backup, documents, dict(salvage.unreadable), counts)
    finally:
        lock.release()
        Path(fresh + ".lock").unlink(missing_ok=True)


def _remove(path: str) -> None:
    for suffix in ("", *_SIDE_FILES, ".lock"):
        Path(path + suffix).unlink(missing_ok=True)
