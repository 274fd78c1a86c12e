"""Row-level state of the incremental indexes (copies, stories), behind one small protocol.

The copy and story indexes keep their state in an :class:`IndexState`: keyed rows and postings in
one namespace. :class:`MemoryIndexState` keeps it in memory (benchmarks, batch use, tests); the
store provides one that lives in its tables (:meth:`newsdesk.store.Store.index_state`), so that
an index reads only the rows it needs and a batch writes only what changed.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Protocol

__all__ = ["IndexState", "MemoryIndexState"]


class IndexState(Protocol):
    """Row-level state of one incremental index (copy index, story index…), in one namespace.

    Two kinds of data: keyed rows (``key -> bytes``: a signature, a story's centroid…) and
    postings (``term -> members``: LSH buckets, an inverted index of names…). An index reads only
    the rows and postings it needs for the article at hand and writes only what changed, so adding
    one article costs the same in a store of ten articles as in a store of a million. Writes made
    inside :meth:`newsdesk.store.Store.transaction` commit with it.
    """

    def get(self, keys: Iterable[str]) -> dict[str, bytes]: ...
    def items(self, prefix: str = "") -> Iterator[tuple[str, bytes]]: ...
    def put(self, rows: Mapping[str, bytes]) -> None: ...
    def delete(self, keys: Iterable[str]) -> None: ...
    def post(self, pairs: Iterable[tuple[str, str]]) -> None: ...
    def unpost(self, pairs: Iterable[tuple[str, str]]) -> None: ...
    def lookup(self, terms: Iterable[str]) -> dict[str, list[str]]: ...
    def clear(self) -> None: ...


class MemoryIndexState:
    """:class:`IndexState` in memory: for batch use (benchmarks, ``find_copies``) and tests."""

    def __init__(self) -> None:
        self._rows: dict[str, bytes] = {}
        self._postings: dict[str, set[str]] = {}

    def get(self, keys: Iterable[str]) -> dict[str, bytes]:
        return {key: self._rows[key] for key in keys if key in self._rows}

    def items(self, prefix: str = "") -> Iterator[tuple[str, bytes]]:
        for key in sorted(self._rows):
            if key.startswith(prefix):
                yield key, self._rows[key]

    def put(self, rows: Mapping[str, bytes]) -> None:
        self._rows.update((key, bytes(value)) for key, value in rows.items())

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._rows.pop(key, None)

    def post(self, pairs: Iterable[tuple[str, str]]) -> None:
        for term, member in pairs:
            self._postings.setdefault(term, set()).add(member)

    def unpost(self, pairs: Iterable[tuple[str, str]]) -> None:
        for term, member in pairs:
            members = self._postings.get(term)
            if members is not None:
                members.discard(member)
                if not members:
                    del self._postings[term]

    def lookup(self, terms: Iterable[str]) -> dict[str, list[str]]:
        found = {}
        for term in terms:
            members = self._postings.get(term)
            if members:
                found[term] = sorted(members)
        return found

    def clear(self) -> None:
        self._rows.clear()
        self._postings.clear()
