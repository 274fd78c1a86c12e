"""Rows of the story index as bytes: a JSON header and raw numpy arrays (exact floats, no pickle)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import StoriesError

#: Layout of the rows; a state of another version is rebuilt from the stored articles.
STATE_VERSION = 5

_REBUILD = "clear the store's story index state to rebuild it from the stored articles"


def pack(header: dict, arrays: Sequence[np.ndarray] = ()) -> bytes:
    """One row: a JSON header, then raw numpy arrays."""
    header = {**header, "_arrays": [[array.dtype.str, list(array.shape)] for array in arrays]}
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return len(head).to_bytes(4, "little") + head + b"".join(np.ascontiguousarray(array).tobytes() for array in arrays)


def unpack(blob: bytes) -> tuple[dict, list[np.ndarray]]:
    size = int.from_bytes(blob[:4], "little")
    header = json.loads(blob[4 : 4 + size].decode("utf-8"))
    arrays, offset = [], 4 + size
    for dtype, shape in header.pop("_arrays"):
        kind = np.dtype(dtype)
        count = math.prod(shape)
        arrays.append(np.frombuffer(blob, dtype=kind, count=count, offset=offset).reshape(shape).copy())
        offset += count * kind.itemsize
    return header, arrays


def decode(row: str, decoder: Callable[[bytes], Any], blob: bytes) -> Any:
    """Decode one stored row; a damaged row is an error that names it."""
    try:
        return decoder(blob)
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise StoriesError(f"the story index row {row!r} cannot be read: {exc}", hint=_REBUILD) from exc


def inconsistent(what: str) -> StoriesError:
    return StoriesError(f"the story index state is inconsistent: {what}", hint=_REBUILD)


@dataclass
class ArticleRow:
    """What the index keeps of an indexed article (row ``a:<id>``): all a pairwise score needs."""

    story: str  # key of its story (the id of the story's anchor article)
    arrival: int  # position in arrival order
    vector: np.ndarray  # float32 title+lead embedding
    title: str
    published: str | None
    day: int | None = None
    names: dict = field(default_factory=dict)  # weighted anchor-term vector (fixed weights)
    phrases: dict = field(default_factory=dict)  # weighted key-phrase vector
    keys: tuple[str, ...] = ()  # the terms the article is looked up by
    headline: bool = True  # the title is the article's own, not its first sentence
    preview: bool = False
    opinion: bool = False
    event: tuple[int, int] | None = None  # first and last day (ordinals) of the lead's event date

    def to_row(self) -> bytes:
        head = {
            "s": self.story,
            "n": self.arrival,
            "t": self.title,
            "p": self.published,
            "d": self.day,
            "nv": self.names,
            "pv": self.phrases,
            "k": list(self.keys),
            "h": self.headline,
            "pre": self.preview,
            "op": self.opinion,
            "ev": list(self.event) if self.event else None,
        }
        return pack(head, [self.vector])

    @classmethod
    def from_row(cls, blob: bytes) -> ArticleRow:
        head, (vector,) = unpack(blob)
        return cls(
            head["s"],
            head["n"],
            vector,
            head["t"],
            head["p"],
            head["d"],
            head["nv"],
            head["pv"],
            tuple(head["k"]),
            head["h"],
            head["pre"],
            head["op"],
            (int(head["ev"][0]), int(head["ev"][1])) if head.get("ev") else None,
        )


@dataclass
class StoryRow:
    """A story (row ``s:<key>``): its members and the connected group of articles it lies in."""

    key: str
    members: list[str]  # sorted
    component: str
    reported: bool = False  # drain_changes has reported it (its removal must be reported too)

    def to_row(self) -> bytes:
        return json.dumps({"m": self.members, "k": self.component, "r": self.reported}, sort_keys=True).encode("utf-8")

    @classmethod
    def from_row(cls, key: str, blob: bytes) -> StoryRow:
        head = json.loads(blob)
        return cls(key, list(head["m"]), head["k"], bool(head["r"]))


@dataclass
class ComponentRow:
    """A connected group of linked articles (row ``k:<key>``): its stories while it is small enough
    to be re-clustered whole; past ``max_component`` only its size (``large``)."""

    key: str
    size: int
    stories: list[str] = field(default_factory=list)  # sorted; empty once large or absorbed
    large: bool = False
    parent: str | None = None  # the component this one was joined into (union-find)

    def to_row(self) -> bytes:
        return json.dumps(
            {"n": self.size, "s": self.stories, "l": self.large, "p": self.parent}, sort_keys=True
        ).encode("utf-8")

    @classmethod
    def from_row(cls, key: str, blob: bytes) -> ComponentRow:
        head = json.loads(blob)
        return cls(key, int(head["n"]), list(head["s"]), bool(head["l"]), head["p"])
