"""StoryIndex: online story clustering whose result does not depend on arrival order.

Stories are the average-link clusters (cut at ``join_threshold``) of a pairwise score that
depends on the two articles only (see :mod:`.scoring`). Two articles *link* when their score
reaches the threshold and they share a key term; linked articles form connected groups
(*components*). Average-link clusters never straddle two components, so the clustering of a pile
is the union of the clusterings of its components, each a function of its articles alone.

The index therefore keeps the components as articles arrive (union-find: a new article's links
join the components it touches) and re-clusters a component whole whenever it grew: its stories
are then exactly those of the whole pile clustered at once, whatever the arrival order and the
batches. A component that grows past ``max_component`` articles (a stream of reports linked day
after day) is no longer re-clustered whole: each new article re-clusters the stories of the
articles it links with, up to ``max_component`` articles, deterministically in arrival order.

Story ids are ``story-<anchor>``, the anchor being the story's oldest article (publication date,
then id): a story that grows with newer reports keeps its id. An id that is no longer a story's
(its story was merged into an older one, or an older report arrived late) still names its anchor
article: :meth:`StoryIndex.resolve` redirects it to the story that now holds that article.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from ..errors import ModelUnavailableError, StoriesError
from ..models import Article, Story
from .codec import (
    STATE_VERSION,
    ArticleRow,
    ComponentRow,
    StoryRow,
    decode,
    inconsistent,
)
from .encoder import encoder_identity, resolve_encoder
from .features import ArticleFeatures, article_features, key_terms, term_vector
from .options import StoryOptions
from .scoring import PairScorer, average_link

log = logging.getLogger(__name__)

#: Decoded rows kept in memory after :meth:`StoryIndex.save` before the clean ones are dropped.
_CACHE_ROWS = 200_000
_ID_PREFIX = "story-"


def story_id(anchor: str) -> str:
    """The public id of the story anchored at article ``anchor``."""
    return f"{_ID_PREFIX}{anchor}"


def anchor_of(public_id: str) -> str | None:
    """The article a story id names (its anchor when the id was given), or None."""
    return public_id[len(_ID_PREFIX) :] if public_id.startswith(_ID_PREFIX) else None


def _anchor(members: Iterable[str], rows: dict[str, ArticleRow]) -> str:
    """The oldest member: earliest publication date, undated last, then the smallest id."""
    return min(members, key=lambda m: (rows[m].published or "9999", m))


class StoryIndex:
    """Online story clustering: :meth:`add` articles as they come, read :meth:`stories` any time.

    The state lives in an :class:`~newsdesk.store.IndexState` (rows and postings), read row by row
    as articles need it and written back, only what changed, by :meth:`save`:

    * ``meta``: version, encoder, dimensions, counts;
    * ``a:<article id>``: the article's story, arrival position, vectors, title, date, cues;
    * ``s:<anchor>``: a story's members and its component; ``k:<key>``: a component;
    * ``d:<term>``: how many articles are looked up by a key term;
    * ``changes``: stories changed and ids removed since :meth:`drain_changes`;
    * postings ``<key term> -> article ids``: the articles an article is compared with.

    Every row is a function of the articles and their arrival order (never of how they were
    batched), so a run killed between batches and resumed ends with the same rows.

    Semantics for a persistent state (the pipeline): inside one store transaction, ``add(...)``
    the batch, then ``changed, removed = drain_changes()`` (which calls :meth:`save`), then
    ``store.delete_stories(removed)`` and ``store.upsert_stories(changed)``. A transaction rolled
    back leaves this object ahead of its state: open a new index on the state after a rollback.
    """

    def __init__(self, options: StoryOptions | None = None, state=None) -> None:
        from ..store import MemoryIndexState

        self.options = options or StoryOptions()
        self._state = state if state is not None else MemoryIndexState()
        # fixed for the life of the index: vectors from two encoders cannot be compared
        self._encoder = resolve_encoder(self.options.encoder)
        self._scorer = PairScorer(self.options)
        self._pending: list[Article] = []  # added, not yet embedded (embedding is cheaper in batches)
        self._load()

    def _load(self) -> None:
        """(Re)read the small rows and forget every cached one."""
        rows = self._state.get(["meta", "changes"])
        identity = encoder_identity(self._encoder)
        if "meta" in rows:
            meta = decode("meta", json.loads, rows["meta"])
            if meta.get("version") != STATE_VERSION:
                raise StoriesError(
                    f"the saved story index has version {meta.get('version')}, this newsdesk reads {STATE_VERSION}",
                    hint="clear the store's story index state to rebuild it from the stored articles",
                )
            if meta["encoder"] != identity:
                raise ModelUnavailableError(
                    f"the saved story index was built with encoder {meta['encoder']!r}, this one resolves to {identity!r} ({self._encoder})",
                    hint="restore that encoder (options.encoder), or clear the store's story index state to rebuild it",
                )
        else:
            meta = {"version": STATE_VERSION, "encoder": identity, "dims": None, "articles": 0, "stories": 0}
        self._meta = meta
        self._meta_dirty = False
        changes = (
            decode("changes", json.loads, rows["changes"]) if "changes" in rows else {"touched": [], "removed": []}
        )
        self._touched: set[str] = set(changes["touched"])
        self._removed: list[str] = list(changes["removed"])
        self._changes_dirty = False
        self._articles: dict[str, ArticleRow | None] = {}
        self._stories: dict[str, StoryRow | None] = {}
        self._components: dict[str, ComponentRow | None] = {}
        self._df: dict[str, int] = {}
        self._postings: dict[str, set[str]] = {}
        self._unsaved_posts: dict[str, set[str]] = defaultdict(set)
        self._dirty: dict[str, set[str]] = {"a": set(), "s": set(), "k": set(), "d": set()}
        self._deleted: set[str] = set()  # row names
        self._unsettled: set[str] = set()  # small components grown since they were last clustered

    def __len__(self) -> int:
        return self._meta["articles"] + len(self._pending)

    # -- public ---------------------------------------------------------------------------------

    def add(self, articles: Iterable[Article]) -> None:
        """Add canonical ``articles`` (already indexed ids are skipped).

        Articles are embedded in batches of ``batch_size``; every reading method and :meth:`save`
        flush the buffer first, so callers always see every article added.
        """
        for article in articles:
            if not isinstance(article, Article):
                raise StoriesError(
                    f"StoryIndex.add expects Article objects, got {type(article).__name__}",
                    hint="pass a list of newsdesk.models.Article",
                )
            self._pending.append(article)
            if len(self._pending) >= self.options.batch_size:
                self._index_pending()

    def flush(self) -> None:
        """Index the buffered articles and settle the stories they changed (in memory)."""
        self._index_pending()
        for key in sorted(self._unsettled):
            self._settle(key)
        self._unsettled.clear()

    def add_features(self, features: Iterable[ArticleFeatures]) -> None:
        """Add articles whose features were computed already (benchmarks reuse them across runs)."""
        self._index_pending()
        for feature in features:
            self._load_rows("a", [feature.id])
            if self._articles.get(feature.id) is None:
                self._add_one(feature)

    def save(self) -> None:
        """Write every row and posting changed since the last save to the state.

        Call it inside the store transaction that holds the articles just added, so the index and
        the articles commit together.
        """
        self.flush()
        rows: dict[str, bytes] = {}
        for key in self._dirty["a"]:
            rows[f"a:{key}"] = self._articles[key].to_row()
        for key in self._dirty["s"]:
            story = self._stories.get(key)
            if story is not None:
                rows[f"s:{key}"] = story.to_row()
        for key in self._dirty["k"]:
            component = self._components.get(key)
            if component is not None:
                rows[f"k:{key}"] = component.to_row()
        for term in self._dirty["d"]:
            rows[f"d:{term}"] = str(self._df[term]).encode("ascii")
        if self._meta_dirty:
            rows["meta"] = json.dumps(self._meta, sort_keys=True).encode("utf-8")
        if self._changes_dirty:
            rows["changes"] = json.dumps({"touched": sorted(self._touched), "removed": self._removed}).encode("utf-8")
        deleted = sorted(name for name in self._deleted if name not in rows)
        if deleted:
            self._state.delete(deleted)
        if rows:
            self._state.put(rows)
        posts = sorted((term, member) for term, members in self._unsaved_posts.items() for member in members)
        if posts:
            self._state.post(posts)
        for dirty in self._dirty.values():
            dirty.clear()
        self._deleted.clear()
        self._unsaved_posts.clear()
        self._meta_dirty = self._changes_dirty = False
        cached = len(self._articles) + len(self._stories) + len(self._components) + len(self._df) + len(self._postings)
        if cached > _CACHE_ROWS:  # all clean now: drop the decoded rows, they are read back as needed
            for cache in (self._articles, self._stories, self._components, self._df, self._postings):
                cache.clear()

    def drain_changes(self) -> tuple[list[Story], list[str]]:
        """Stories changed and ids of stories gone since the last call, then :meth:`save`.

        ``changed`` holds each new or changed story whole; ``removed`` the ids of stories reported
        before that no longer exist (merged into an older story, or re-anchored on an older
        article: :meth:`resolve` redirects them). Persisted: a reopened index reports what the
        previous one had not drained.
        """
        self.flush()
        changed: list[Story] = []
        for key in sorted(self._touched):
            story = self._story(key, required=False)
            if story is None:
                continue
            changed.append(self._public(story))
            if not story.reported:
                story.reported = True
                self._dirty["s"].add(key)
        removed = sorted(set(self._removed) - {story.id for story in changed})
        if self._touched or self._removed:
            self._touched = set()
            self._removed = []
            self._changes_dirty = True
        self.save()
        return changed, removed

    def story_of(self, article_id: str) -> str | None:
        """Id of the story holding ``article_id``."""
        self.flush()
        row = self._article(article_id, required=False)
        return None if row is None else story_id(row.story)

    def resolve(self, public_id: str) -> str | None:
        """The current id of the story a story id names: itself while the story exists, else the
        story now holding its anchor article (after a merge, a split or an older report); None
        for an id this index never gave."""
        anchor = anchor_of(public_id)
        return None if anchor is None else self.story_of(anchor)

    def stories(self) -> list[Story]:
        """Current stories, largest first, then by first date and id."""
        self.flush()
        keys = {name[2:] for name, _ in self._state.items("s:")}
        keys |= {key for key, story in self._stories.items() if story is not None}
        keys -= {name[2:] for name in self._deleted if name.startswith("s:")}
        result = [self._public(self._story(key)) for key in sorted(keys)]
        result.sort(key=lambda s: (-len(s.article_ids), s.first_published or "9999", s.id))
        return result

    # -- rows ------------------------------------------------------------------------------------

    def _load_rows(self, prefix: str, keys: Iterable[str]) -> None:
        """Read the rows ``prefix:key`` not cached yet, in one lookup; absent rows cache None."""
        cache, decoder = {
            "a": (self._articles, lambda key, blob: ArticleRow.from_row(blob)),
            "s": (self._stories, StoryRow.from_row),
            "k": (self._components, ComponentRow.from_row),
        }[prefix]
        missing = [key for key in keys if key not in cache]
        if not missing:
            return
        found = self._state.get([f"{prefix}:{key}" for key in missing])
        for key in missing:
            blob = found.get(f"{prefix}:{key}")
            cache[key] = None if blob is None else decode(f"{prefix}:{key}", lambda b, key=key: decoder(key, b), blob)

    def _article(self, key: str, *, required: bool = True) -> ArticleRow | None:
        self._load_rows("a", [key])
        row = self._articles.get(key)
        if row is None and required:
            raise inconsistent(f"article {key!r} is referenced but missing")
        return row

    def _story(self, key: str, *, required: bool = True) -> StoryRow | None:
        self._load_rows("s", [key])
        story = self._stories.get(key)
        if story is None and required:
            raise inconsistent(f"story {key!r} is referenced but missing")
        return story

    def _component(self, key: str) -> ComponentRow:
        """The root of the component ``key`` belongs to (union-find)."""
        while True:
            self._load_rows("k", [key])
            component = self._components.get(key)
            if component is None:
                raise inconsistent(f"component {key!r} is referenced but missing")
            if component.parent is None:
                return component
            key = component.parent

    def _df_of(self, terms: list[str]) -> dict[str, int]:
        missing = [term for term in terms if term not in self._df]
        if missing:
            found = self._state.get([f"d:{term}" for term in missing])
            for term in missing:
                blob = found.get(f"d:{term}")
                self._df[term] = 0 if blob is None else decode(f"d:{term}", int, blob)
        return {term: self._df[term] for term in terms}

    def _holders(self, terms: list[str]) -> set[str]:
        """Articles looked up by any of ``terms``."""
        missing = [term for term in terms if term not in self._postings]
        if missing:
            found = self._state.lookup(missing)
            for term in missing:
                self._postings[term] = set(found.get(term, ())) | self._unsaved_posts.get(term, set())
        holders: set[str] = set()
        for term in terms:
            holders |= self._postings[term]
        return holders

    def _post(self, term: str, article_id: str) -> None:
        self._unsaved_posts[term].add(article_id)
        if term in self._postings:
            self._postings[term].add(article_id)

    def _write_story(self, story: StoryRow) -> None:
        self._stories[story.key] = story
        self._dirty["s"].add(story.key)
        self._deleted.discard(f"s:{story.key}")
        if story.key not in self._touched:
            self._touched.add(story.key)
            self._changes_dirty = True

    def _delete_story(self, story: StoryRow) -> None:
        self._stories[story.key] = None
        self._dirty["s"].discard(story.key)
        self._deleted.add(f"s:{story.key}")
        self._touched.discard(story.key)
        if story.reported:
            self._removed.append(story_id(story.key))
        self._changes_dirty = True

    def _write_component(self, component: ComponentRow) -> None:
        self._components[component.key] = component
        self._dirty["k"].add(component.key)

    # -- adding ----------------------------------------------------------------------------------

    def _index_pending(self) -> None:
        pending, self._pending = self._pending, []
        fresh: dict[str, Article] = {}
        for article in pending:
            fresh.setdefault(article.id, article)
        self._load_rows("a", fresh)
        fresh_articles = [article for key, article in fresh.items() if self._articles.get(key) is None]
        if fresh_articles:
            for feature in article_features(fresh_articles, self.options, encoder=self._encoder):
                self._add_one(feature)

    def _add_one(self, feature: ArticleFeatures) -> None:
        options, meta = self.options, self._meta
        if meta["dims"] is None:
            meta["dims"] = int(feature.vector.shape[0])
        elif feature.vector.shape[0] != meta["dims"]:
            raise StoriesError(
                f"article {feature.id!r} has a {feature.vector.shape[0]}-dimensional vector, the index holds {meta['dims']}-dimensional ones",
                hint="compute features with the encoder this index was built with",
            )
        names = term_vector(feature.names, options.max_terms)
        phrases = term_vector(feature.phrases, options.max_terms)
        keys = tuple(sorted(set(key_terms(names, options.key_terms)) | set(key_terms(phrases, options.key_terms))))
        row = ArticleRow(
            story=feature.id,
            arrival=meta["articles"],
            vector=np.asarray(feature.vector, dtype=np.float32),
            title=feature.title,
            published=feature.published,
            day=feature.day,
            names=names,
            phrases=phrases,
            keys=keys,
            headline=feature.headline,
            preview=feature.preview,
            opinion=feature.opinion,
            event=feature.event,
        )
        neighbours = self._links(row)
        meta["articles"] += 1
        meta["stories"] += 1
        self._meta_dirty = True
        df = self._df_of(list(keys))
        for term in keys:
            self._df[term] = df[term] + 1
            self._dirty["d"].add(term)
            self._post(term, feature.id)
        self._articles[feature.id] = row
        self._dirty["a"].add(feature.id)
        self._join_components(feature.id, neighbours)

    def _links(self, row: ArticleRow) -> dict[str, float]:
        """Indexed articles that link with ``row``: score at the threshold, a key term shared."""
        df = self._df_of(list(row.keys))
        terms = [term for term in row.keys if df[term] < self.options.max_holders]
        candidates = sorted(self._holders(terms))
        if not candidates:
            return {}
        self._load_rows("a", candidates)
        rows = [self._article(key) for key in candidates]
        scores = self._scorer.against(row, rows)
        return {key: float(score) for key, score in zip(candidates, scores) if score >= self.options.join_threshold}

    def _join_components(self, article_id: str, neighbours: dict[str, float]) -> None:
        """Put the new article's singleton story into the component its links join; re-cluster."""
        story_keys = sorted({self._article(n).story for n in neighbours})
        self._load_rows("s", story_keys)
        roots: dict[str, ComponentRow] = {}
        for key in story_keys:
            root = self._component(self._story(key).component)
            roots[root.key] = root
        if not roots:
            self._write_component(ComponentRow(article_id, 1, [article_id]))
            self._write_story(StoryRow(article_id, [article_id], article_id))
            return
        ordered = sorted(roots.values(), key=lambda c: (-c.size, c.key))
        root, others = ordered[0], ordered[1:]
        size = 1 + sum(c.size for c in ordered)
        small = size <= self.options.max_component and not any(c.large for c in ordered)
        if not small:
            for component in ordered:  # their stories must be settled before they are edited
                if component.key in self._unsettled:
                    self._settle(component.key)
                    self._unsettled.discard(component.key)
            story_keys = sorted({self._article(n).story for n in neighbours})
        for other in others:
            other.parent = root.key
            root.stories = sorted(set(root.stories) | set(other.stories))
            other.stories = []
            self._unsettled.discard(other.key)
            self._write_component(other)
        root.size = size
        self._write_story(StoryRow(article_id, [article_id], root.key))
        if small:
            root.stories = sorted(set(root.stories) | {article_id})
            self._write_component(root)
            self._unsettled.add(root.key)
            return
        root.large, root.stories = True, []
        self._write_component(root)
        self._recluster_around(article_id, neighbours, story_keys, root.key)

    # -- clustering ------------------------------------------------------------------------------

    def _settle(self, component_key: str) -> None:
        """Re-cluster a small component whole: its stories become those of its articles alone."""
        component = self._component(component_key)
        if component.large:
            return
        self._load_rows("s", component.stories)
        members = [m for key in component.stories for m in self._story(key).members]
        component.stories = self._recluster(members, component.stories, component.key)
        self._write_component(component)

    def _recluster_around(
        self, article_id: str, neighbours: dict[str, float], story_keys: list[str], component: str
    ) -> None:
        """In a large component: re-cluster the new article with the stories of the articles it
        links with, the strongest links first, up to ``max_component`` articles."""
        strength: dict[str, float] = {}
        for neighbour, score in neighbours.items():
            key = self._article(neighbour).story
            strength[key] = max(strength.get(key, -1.0), score)
        chosen, size = [], 1
        for key in sorted(story_keys, key=lambda k: (-strength[k], k)):
            members = self._story(key).members
            if chosen and size + len(members) > self.options.max_component:
                continue
            chosen.append(key)
            size += len(members)
        members = [article_id] + [m for key in chosen for m in self._story(key).members]
        self._recluster(members, [article_id, *chosen], component)

    def _recluster(self, members: list[str], old_keys: list[str], component: str) -> list[str]:
        """Average-link clusters of ``members`` replace the stories ``old_keys``; the new keys."""
        ids = sorted(set(members))
        self._load_rows("a", ids)
        rows = {key: self._article(key) for key in ids}
        if len(ids) == 1:
            labels = [0]
        else:
            labels = average_link(self._scorer.matrix([rows[key] for key in ids]), self.options.join_threshold)
        parts: dict[int, list[str]] = defaultdict(list)
        for key, label in zip(ids, labels):
            parts[label].append(key)
        old = {key: self._story(key) for key in old_keys}
        new_keys = []
        for part in parts.values():
            key = _anchor(part, rows)
            new_keys.append(key)
            previous = old.get(key)
            if previous is not None and previous.members == part and previous.component == component:
                continue
            self._write_story(StoryRow(key, part, component, reported=previous.reported if previous else False))
            for member in part:
                if rows[member].story != key:
                    rows[member].story = key
                    self._dirty["a"].add(member)
        for key, story in old.items():
            if key not in new_keys:
                self._delete_story(story)
        self._meta["stories"] += len(new_keys) - len(old)
        self._meta_dirty = True
        return sorted(new_keys)

    # -- public view -----------------------------------------------------------------------------

    def _public(self, story: StoryRow) -> Story:
        self._load_rows("a", story.members)
        rows = {member: self._article(member) for member in story.members}
        members = tuple(sorted(story.members, key=lambda m: (rows[m].published or "9999", m)))
        days = [rows[m].published for m in members if rows[m].published]
        return Story(
            id=story_id(story.key),
            title=_title(story.members, rows),
            article_ids=members,
            first_published=min(days) if days else None,
            last_published=max(days) if days else None,
        )


def _title(members: list[str], rows: dict[str, ArticleRow]) -> str:
    """The headline of the member closest to the story's centroid, among its news reports with a
    headline of their own (an opinion piece's headline is a view, not the story's title); failing
    those any headline, then any member's first sentence. Ties: the smallest id."""
    ordered = sorted(members)
    centroid = np.sum([rows[m].vector.astype(np.float64) for m in ordered], axis=0)
    norm = float(np.linalg.norm(centroid))
    centroid = centroid / norm if norm else centroid
    for eligible in (
        [m for m in ordered if rows[m].headline and not rows[m].opinion],
        [m for m in ordered if rows[m].headline],
        ordered,
    ):
        if eligible:
            best = min(eligible, key=lambda m: (-round(float(rows[m].vector.astype(np.float64) @ centroid), 6), m))
            return rows[best].title or best
    return ""
