"""The saved analysis document in pieces, so that a change rewrites only the stories it touched.

``analysis.json`` is a function of the stored content, and almost all of it is local: a story's
entry and findings depend only on its members and their copies, an article's entry only on its
copy group and its story. The document is therefore kept in the store (its
:meth:`~newsdesk.store.Store.index_state` space :data:`SPACE`) as one row per story
(:class:`StoryPiece`: the story's entry, its findings by section, its stage errors and its place
in the list), one row per article (its entry and its place) and a :class:`DocumentHead` saying
what they were made from (the analysis key, the store's generation, every story's stored members,
the copy links and each article's number of sources). After an ingest, :func:`changed_since`
compares the head with the store (a few cheap queries, no article text) and names the stories and
articles whose pieces are stale; :func:`newsdesk.pipeline.analysis_delta` rebuilds only those
(:class:`DocumentDelta`), and :func:`assemble` lays the pieces out as the whole document, exactly
as a full rebuild writes it (``tests/test_incremental.py`` compares the two).

The two whole-document parts are recomputed on assembly: the entities (merged across stories by
id, :func:`merge_entities`, the JSON form of :func:`newsdesk.analysis.entities.merge_tables`) and
the rejections (read from the store).
"""

from __future__ import annotations

import gc
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from .indexing import IndexState
    from .models import CopyLink, Story
    from .store import Store

log = logging.getLogger(__name__)

__all__ = [
    "SPACE",
    "Changes",
    "DocumentDelta",
    "DocumentHead",
    "Pieces",
    "assemble",
    "changed_since",
    "merge_entities",
]

#: The :meth:`Store.index_state` space the document's pieces live in.
SPACE = "document"
#: Bumped when the layout of the pieces changes (older pieces are then rebuilt whole).
_LAYOUT = 1
_HEAD, _STORY, _ARTICLE = "head", "s/", "a/"
#: The section merged across stories instead of listed per story.
_MERGED = "entities"


@dataclass
class DocumentHead:
    """What the saved pieces were made from: compared with the store to find what changed."""

    key: str
    generation: int
    members: dict[str, list[str]]  # story id -> its stored member ids, in the store's order
    copies: list[list[str]]  # [canonical, duplicate] of every stored copy link
    sources: dict[str, int]  # article id -> how many places it was ingested from
    findings: dict[str, str] = field(default_factory=dict)  # story id -> its findings' cache key
    sections: list[str] = field(default_factory=list)  # the document's section names, in order
    layout: int = _LAYOUT

    def to_bytes(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False).encode("utf-8", "surrogatepass")

    @classmethod
    def from_bytes(cls, blob: bytes) -> "DocumentHead | None":
        try:
            data = json.loads(blob)
            head = cls(**data)
        except (ValueError, TypeError) as exc:
            log.info("the saved analysis pieces are unreadable (%s); rebuilding them", exc)
            return None
        return head if head.layout == _LAYOUT else None


@dataclass
class Changes:
    """The stories and articles whose pieces are stale (:func:`changed_since`)."""

    stories: set[str]  # story ids to rebuild (present in the store)
    removed: set[str]  # story ids gone from the store
    articles: set[str]  # article ids to rebuild
    current_stories: list["Story"] = field(default_factory=list)  # every story of the store now
    current_links: list["CopyLink"] = field(default_factory=list)  # every copy link of the store now


@dataclass
class DocumentDelta:
    """New pieces: replaces the pieces of ``head``'s predecessor wherever it names a story or an
    article; ``full`` when it replaces all of them (no usable predecessor)."""

    head: DocumentHead
    stories: dict[str, dict[str, Any]]
    removed: list[str]
    articles: dict[str, dict[str, Any]]
    rejected: list[dict[str, Any]]
    full: bool = False
    version: str = ""


@dataclass
class Pieces:
    """Every piece of one analysis document, in memory (what :func:`assemble` lays out)."""

    head: DocumentHead
    stories: dict[str, dict[str, Any]]
    articles: dict[str, dict[str, Any]]
    rejected: list[dict[str, Any]]
    version: str

    def apply(self, delta: DocumentDelta) -> None:
        """Take in ``delta`` (the pieces that changed since, or all of them)."""
        if delta.full:
            self.stories, self.articles = {}, {}
        for story_id in delta.removed:
            self.stories.pop(story_id, None)
        self.stories.update(delta.stories)
        self.articles.update(delta.articles)
        self.rejected, self.head, self.version = delta.rejected, delta.head, delta.version

    @classmethod
    def of(cls, delta: DocumentDelta) -> "Pieces":
        return cls(delta.head, dict(delta.stories), dict(delta.articles), delta.rejected, delta.version)

    # -- kept in the store ----------------------------------------------------------------------

    @staticmethod
    def saved_head(state: "IndexState") -> DocumentHead | None:
        blob = state.get([_HEAD]).get(_HEAD)
        return None if blob is None else DocumentHead.from_bytes(blob)

    @classmethod
    def load(cls, state: "IndexState", head: DocumentHead) -> "Pieces":
        """Every saved piece (the head already read)."""
        stories: dict[str, dict[str, Any]] = {}
        articles: dict[str, dict[str, Any]] = {}
        rest: dict[str, Any] = {}
        for key, blob in state.items():
            if key.startswith(_STORY):
                stories[key[len(_STORY) :]] = json.loads(blob)
            elif key.startswith(_ARTICLE):
                articles[key[len(_ARTICLE) :]] = json.loads(blob)
            elif key == "rest":
                rest = json.loads(blob)
        return cls(head, stories, articles, rest.get("rejected", []), rest.get("version", ""))

    @staticmethod
    def save(state: "IndexState", delta: DocumentDelta) -> None:
        """Write ``delta`` over the saved pieces (inside the caller's transaction)."""
        if delta.full:
            state.clear()
        state.delete(_STORY + story_id for story_id in delta.removed)
        rows: dict[str, bytes] = {_STORY + sid: _dumps(piece) for sid, piece in delta.stories.items()}
        rows.update({_ARTICLE + aid: _dumps(piece) for aid, piece in delta.articles.items()})
        rows["rest"] = _dumps({"rejected": delta.rejected, "version": delta.version})
        rows[_HEAD] = delta.head.to_bytes()
        state.put(rows)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def current_head(store: "Store", key: str) -> tuple[DocumentHead, list["Story"], list["CopyLink"]]:
    """The head the store's content would have now (without findings keys and sections), with
    the stories and copy links it was read from."""
    generation = store.generation()
    stories, links = store.stories(), store.copies()
    head = DocumentHead(
        key=key,
        generation=generation,
        members={story.id: list(story.article_ids) for story in stories},
        copies=[[link.canonical, link.duplicate] for link in links],
        sources=store.source_counts(),
    )
    return head, stories, links


def changed_since(
    old: DocumentHead, new: DocumentHead, stories: Iterable["Story"] = (), links: Iterable["CopyLink"] = ()
) -> Changes:
    """The stories and articles whose pieces differ between a document made at ``old`` and one
    made at ``new``: new or re-grouped stories, articles new or ingested from a new place, the
    whole copy group of any article whose links changed, and every story holding one of those.
    ``stories`` and ``links``: the store's, which ``new`` was read from (kept in the result so
    that they are not read again)."""
    articles = {aid for aid, count in new.sources.items() if old.sources.get(aid) != count}
    old_links, new_links = {tuple(pair) for pair in old.copies}, {tuple(pair) for pair in new.copies}
    for pair in old_links ^ new_links:
        articles.update(pair)
    group_of: dict[str, str] = {}
    members_of: dict[str, set[str]] = {}
    for canonical, duplicate in new_links:
        group_of[duplicate] = canonical
        members_of.setdefault(canonical, {canonical}).add(duplicate)
    articles = {member for aid in articles for member in members_of.get(group_of.get(aid, aid), {aid})}
    story_of = {aid: sid for sid, members in new.members.items() for aid in members}
    stories_now = stories
    stories = {sid for sid, members in new.members.items() if old.members.get(sid) != members}
    for aid in articles:
        sid = story_of.get(aid) or story_of.get(group_of.get(aid, aid))
        if sid is not None:
            stories.add(sid)
    removed = set(old.members) - set(new.members)
    # a rebuilt or removed story rewrites its members' entries (their `story`) and their copies'
    for aid in [aid for sid in stories for aid in new.members[sid]] + [
        aid for sid in removed for aid in old.members[sid]
    ]:
        articles.update(members_of.get(group_of.get(aid, aid), {aid}))
    return Changes(stories, removed, articles, list(stories_now), list(links))


def story_sort_key(story: "Story") -> list[Any]:
    """Where a story stands in the list: largest first, then by date and id (as JSON)."""
    return [-len(story.article_ids), story.first_published is None, story.first_published or "", story.id]


def links_within(links: Iterable["CopyLink"], articles: set[str]) -> list["CopyLink"]:
    """The links of the copy groups that touch ``articles``."""
    links = list(links)
    groups = {link.canonical for link in links if link.canonical in articles or link.duplicate in articles}
    return [link for link in links if link.canonical in groups]


def assemble(pieces: Pieces) -> dict[str, Any]:
    """The ``analysis.json`` document (``run`` None) the pieces make: stories in their order,
    each section in story order, entities merged across stories, articles in their order."""
    # The pieces of a large store are millions of objects: a full garbage collection started by
    # the allocations below would cost more than the layout itself (0.56 of 0.70 s at 15.6k
    # articles), and nothing here makes a reference cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _assemble(pieces)
    finally:
        if collecting:
            gc.enable()


def _assemble(pieces: Pieces) -> dict[str, Any]:
    stories = sorted(pieces.stories.values(), key=_key)
    articles = sorted(pieces.articles.values(), key=_key)
    document: dict[str, Any] = {
        "newsdesk_version": pieces.version,
        "articles": [piece["entry"] for piece in articles],
        "stories": [piece["entry"] for piece in stories],
    }
    for name in pieces.head.sections:
        lists = [piece["sections"].get(name, []) for piece in stories]
        document[name] = merge_entities(lists) if name == _MERGED else [item for items in lists for item in items]
    document["rejected"] = pieces.rejected
    document["stage_errors"] = [error for piece in stories for error in piece["errors"]]
    document["run"] = None
    return document


def _key(piece: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(piece["sort"])


def merge_entities(tables: Iterable[list[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """:func:`newsdesk.analysis.entities.merge_tables` on the entities' JSON (same result)."""
    merged: dict[str, dict[str, Any]] = {}
    for entities in tables:
        for entity in entities:
            known = merged.get(entity["id"])
            if known is None:
                merged[entity["id"]] = {
                    **entity,
                    "aliases": list(entity["aliases"]),
                    "roles": list(entity["roles"]),
                    "mentions": list(entity["mentions"]),
                }
                continue
            known["aliases"] = sorted(set(known["aliases"]) | set(entity["aliases"]))
            known["roles"] += [role for role in entity["roles"] if role not in known["roles"]]
            known["mentions"] = sorted(known["mentions"] + entity["mentions"], key=lambda m: (m["article"], m["start"]))
            known["affiliation"] = known["affiliation"] or entity["affiliation"]
    return list(merged.values())
