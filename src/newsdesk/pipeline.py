"""The orchestrating functions: raw coverage in, a sourced brief out.

:func:`ingest` reads inputs into the store (ingest → extract → copies → stories);
:func:`analyze` runs :func:`ingest` and then builds the :class:`Analysis` of everything stored.
Each step calls one stage module and passes plain dataclasses along; read them top to bottom.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import __version__
from .claims import find_claims
from .dedup import CopyIndex
from .entities import extract_entities
from .errors import DedupError, ExtractionError, ModelUnavailableError, StoriesError
from .extract import extract, learn_templates, site_key
from .ingest import display_path, read_paths
from .models import Article, CopyLink, Provenance, RawDocument, Rejection, Story
from .options import PipelineOptions
from .positions import ActorRef, default_actor_resolver, extract_positions
from .quotes import find_quotes
from .stories import StoryIndex
from .summarize import summarize_story
from .timeline import build_timeline
from .store import SQLiteStore

log = logging.getLogger(__name__)

#: ``progress(done, total, what)`` — called as work advances; the CLI draws a progress bar with it.
Progress = Callable[[int, int, str], None]


@dataclass
class IngestSummary:
    """What one ingest did, for the closing line of a run and its exit code."""

    files: int = 0
    documents: int = 0
    new_articles: int = 0
    already_stored: int = 0
    copies: int = 0
    stories: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.rejections)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "documents": self.documents,
            "new_articles": self.new_articles,
            "already_stored": self.already_stored,
            "merged_copies": self.copies,
            "stories": self.stories,
            "rejected": len(self.rejections),
        }


def ingest(
    paths: Iterable[str | Path],
    *,
    store: SQLiteStore,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Read ``paths`` into ``store``: extract each new document, merge copies, group stories.

    Idempotent: content already stored is recognised by its digest and adds nothing (only a new
    provenance row if it came from a new place). Every new document is committed with its
    article (or its rejection) in one transaction; the copy and story indexes then take the new
    articles in batches, each batch committed with the index rows it changed. A run killed
    half-way and rerun ends with the same store as an unbroken run.
    """
    options = options or PipelineOptions()
    return ingest_documents(read_paths(paths, options=options.ingest), store=store, options=options, progress=progress)


def ingest_documents(
    items: Iterable[RawDocument | Rejection],
    *,
    store: SQLiteStore,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """:func:`ingest` of documents already read (and of rejections to record), in arrival order.

    Inputs are streamed: they are read, extracted and stored in batches (``IngestOptions.batch_*``),
    so memory stays bounded and whatever was stored before a failure is kept.
    """
    options = options or PipelineOptions()
    summary = IngestSummary()
    indexes: _Indexes | None = None
    done = total = 0
    for batch in _read_batches(items, store, options, summary):
        new = _register_known(batch, store, summary)
        total += len(new)
        if indexes is None:
            indexes = _Indexes.open(store, options)
            indexes.catch_up(store)
        if not new:
            continue
        stored = store.documents_for_sites({d.site for d in new}, limit_per_site=options.template_pages)
        templates = learn_templates(_template_sample(chain(stored, new), options))
        for doc in new:
            article = _extract_and_store(doc, templates, store, options, summary)
            if article is not None:
                indexes.add(article, store)
            done += 1
            if progress:
                progress(done, total, doc.provenance.label())
    if indexes is None:
        indexes = _Indexes.open(store, options)
        indexes.catch_up(store)
    indexes.commit(store)

    counts = store.counts()
    summary.copies, summary.stories = counts["copies"], counts["stories"]
    return summary


def _read_batches(items: Iterable[RawDocument | Rejection], store: SQLiteStore, options: PipelineOptions, summary: IngestSummary) -> Iterator[list[RawDocument]]:
    """The documents of ``items`` in batches (rejections are stored as they come)."""
    batch: list[RawDocument] = []
    size = 0
    files: set[str] = set()
    for item in items:
        files.add(item.path if isinstance(item, Rejection) else item.provenance.path)
        summary.files = len(files)
        if isinstance(item, Rejection):
            summary.rejections.append(item)
            store.add_rejection(item)
            continue
        batch.append(item)
        summary.documents += 1
        size += len(item.content)
        if len(batch) >= options.ingest.batch_documents or size >= options.ingest.batch_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _register_known(documents: list[RawDocument], store: SQLiteStore, summary: IngestSummary) -> list[RawDocument]:
    """Record the provenance of content already stored; return the documents still to process."""
    new: list[RawDocument] = []
    for doc in documents:
        if not store.has_document(doc.digest):
            new.append(doc)
            continue
        summary.already_stored += 1
        store.add_document(doc)  # known content from a new place keeps its provenance; else a no-op
        rejection = _stored_rejection(store, doc)
        if rejection is not None:
            summary.rejections.append(rejection)
    return new


def _stored_rejection(store: SQLiteStore, doc: RawDocument) -> Rejection | None:
    if store.article(doc.digest) is not None:
        return None
    for rejection in store.rejections():
        if rejection.path == doc.provenance.path and (rejection.record or None) == doc.provenance.record:
            return rejection
    return None


def _extract_and_store(doc, templates, store: SQLiteStore, options: PipelineOptions, summary: IngestSummary) -> Article | None:
    if store.has_document(doc.digest):  # identical content seen earlier in this same batch
        store.add_document(doc)
        summary.already_stored += 1
        return None
    try:
        article = extract(doc, templates=templates, options=options.extract)
    except ExtractionError as exc:
        rejection = Rejection(doc.provenance.path, exc.message, exc.code, doc.provenance.record)
        log.info("rejected %s: %s", doc.provenance.label(), exc.message)
        with store.transaction():
            store.add_document(doc)
            store.add_rejection(rejection)
        summary.rejections.append(rejection)
        return None
    with store.transaction():
        store.add_document(doc)
        store.add_article(article)
        store.clear_rejection(doc.provenance.path, doc.provenance.record)
    summary.new_articles += 1
    return article


def _template_sample(documents: Iterable[RawDocument], options: PipelineOptions) -> Iterator[RawDocument]:
    """The first ``template_pages`` pages of each site, in arrival order (stored first, then new).

    A site's template is learned as well from a few hundred pages as from all of them, and taking
    the first ones in arrival order keeps a resumed run's templates equal to an unbroken run's.
    """
    seen: dict[str, int] = {}
    digests: set[str] = set()
    for doc in documents:
        # One page ingested twice (from two places) counts once, as it does once stored: else an
        # unbroken run and a resumed one would learn from different pages (and title differently).
        if doc.digest in digests:
            continue
        digests.add(doc.digest)
        key = site_key(doc)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= options.template_pages:
            yield doc


class _Indexes:
    """The copy and story indexes of a store, fed articles in arrival order.

    Both keep their state row by row in the store (:meth:`SQLiteStore.index_state`), so opening
    them reads almost nothing and a batch writes only the rows it changed. ``indexed`` (saved
    with every batch) counts the stored articles, in arrival order, that both have seen: articles
    a killed run committed after its last batch are fed again on the next run.
    """

    _MARK = "indexed_articles"

    def __init__(self, copies: CopyIndex, stories: StoryIndex, indexed: int, batch: int) -> None:
        self.copies, self.stories, self.indexed, self.batch = copies, stories, indexed, batch
        self.pending: list[Article] = []

    @classmethod
    def open(cls, store: SQLiteStore, options: PipelineOptions) -> "_Indexes":
        mark = store.load_state(cls._MARK)
        try:
            copies = CopyIndex(options.dedup, store.index_state("copies"))
            stories = StoryIndex(options.stories, store.index_state("stories"))
        except (DedupError, StoriesError, ModelUnavailableError) as exc:
            # Saved with other options, another encoder or an older layout: rebuild both from
            # the stored articles rather than mix two incompatible states.
            log.warning("rebuilding the copy and story indexes of %s: %s", store.path, exc.message)
            mark = None
        if mark is None:
            with store.transaction():
                store.index_state("copies").clear()
                store.index_state("stories").clear()
                store.replace_copies([])
                store.replace_stories([])
                store.save_state(cls._MARK, b"0")
            copies = CopyIndex(options.dedup, store.index_state("copies"))
            stories = StoryIndex(options.stories, store.index_state("stories"))
        return cls(copies, stories, int(store.load_state(cls._MARK) or b"0"), options.checkpoint_every)

    def catch_up(self, store: SQLiteStore) -> None:
        """Feed the stored articles the indexes have not seen (a killed run's last batch)."""
        for article in store.articles(after=self.indexed):
            self.add(article, store)
        self.commit(store)

    def add(self, article: Article, store: SQLiteStore) -> None:
        self.pending.append(article)
        if len(self.pending) >= self.batch:
            self.commit(store)

    def commit(self, store: SQLiteStore) -> None:
        """Index the pending articles and commit the rows they changed, all or nothing."""
        if not self.pending:
            return
        with store.transaction():
            for article in self.pending:
                if self.copies.add(article) is None:
                    self.stories.add([article])
            store.add_copies(self.copies.drain_new_links())
            changed, removed = self.stories.drain_changes()
            store.delete_stories(removed)
            store.upsert_stories(changed)
            self.indexed += len(self.pending)
            store.save_state(self._MARK, str(self.indexed).encode("ascii"))
        self.pending = []


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryItem:
    """A later stage's finding (quote, position, claim…) tagged with the story it belongs to."""

    story: str
    item: Any

    def to_json(self) -> dict[str, Any]:
        return {"story": self.story, **self.item.to_json()}


@dataclass
class Analysis:
    """Everything newsdesk knows about the stored coverage: the content of ``analysis.json``."""

    articles: list[Article]
    sources: dict[str, list[Provenance]]
    copies: list[CopyLink]
    stories: list[Story]
    rejections: list[Rejection]
    run: IngestSummary | None = None
    store_path: str | None = None
    entities: Any = None  # newsdesk.entities.EntityTable once the entities stage has run
    quotes: list[StoryItem] = field(default_factory=list)
    positions: list[StoryItem] = field(default_factory=list)
    claims: list[StoryItem] = field(default_factory=list)
    disagreements: list[StoryItem] = field(default_factory=list)
    timeline: list[StoryItem] = field(default_factory=list)
    summary: list[StoryItem] = field(default_factory=list)

    @property
    def duplicate_of(self) -> dict[str, str]:
        return {link.duplicate: link.canonical for link in self.copies}

    @property
    def story_of(self) -> dict[str, str]:
        story_of = {aid: story.id for story in self.stories for aid in story.article_ids}
        for duplicate, canonical in self.duplicate_of.items():
            if canonical in story_of:
                story_of[duplicate] = story_of[canonical]
        return story_of

    def to_json(self) -> dict[str, Any]:
        """The ``analysis.json`` document (validated against ``schema/analysis.schema.json``)."""
        duplicate_of, story_of = self.duplicate_of, self.story_of
        copies_of: dict[str, list[str]] = {}
        for link in self.copies:
            copies_of.setdefault(link.canonical, []).append(link.duplicate)
        return {
            "newsdesk_version": __version__,
            "articles": [
                {
                    "id": article.id,
                    "source": _provenance_json(article.provenance),
                    "sources": [_provenance_json(p) for p in self.sources.get(article.id, [article.provenance])],
                    "outlet": article.outlet,
                    "title": article.title,
                    "authors": list(article.authors),
                    "published": article.published,
                    "text": article.text,
                    "extractor": article.extractor,
                    "duplicate_of": duplicate_of.get(article.id),
                    "copies": copies_of.get(article.id, []),
                    "story": story_of.get(article.id),
                }
                for article in self.articles
            ],
            "stories": [
                {
                    "id": story.id,
                    "title": story.title,
                    "articles": list(story.article_ids),
                    "copies": [d for aid in story.article_ids for d in copies_of.get(aid, [])],
                    "first_published": story.first_published,
                    "last_published": story.last_published,
                }
                for story in self.stories
            ],
            "entities": self.entities.to_json() if self.entities is not None else [],
            "quotes": [q.to_json() for q in self.quotes],
            "positions": [p.to_json() for p in self.positions],
            "claims": [c.to_json() for c in self.claims],
            "disagreements": [d.to_json() for d in self.disagreements],
            "timeline": [t.to_json() for t in self.timeline],
            "summary": [s.to_json() for s in self.summary],
            "rejected": [
                {"path": display_path(r.path), "record": r.record, "code": r.code, "reason": r.reason} for r in self.rejections
            ],
            "run": self.run.to_json() if self.run else None,
        }


def _provenance_json(provenance: Provenance) -> dict[str, Any]:
    return {"path": display_path(provenance.path), "record": provenance.record, "url": provenance.url}


def build_analysis(store: SQLiteStore, *, run: IngestSummary | None = None, options: PipelineOptions | None = None) -> Analysis:
    """The analysis of everything in ``store``: articles, copies and stories, then per story who
    said what, who wants what, which claims agree or clash, when things happened, and a summary."""
    options = options or PipelineOptions()
    articles = store.articles()
    analysis = Analysis(
        articles=articles,
        sources={article.id: store.sources(article.id) for article in articles},
        copies=store.copies(),
        stories=store.stories(),
        rejections=store.rejections(),
        run=run,
        store_path=store.path,
    )
    if not options.stages:
        return analysis
    canonical = {a.id: a for a in articles if a.id not in analysis.duplicate_of}
    docs = _parse(list(canonical.values()))
    if "entities" in options.stages:
        analysis.entities = extract_entities(list(canonical.values()), docs=docs)
    for story in analysis.stories:
        members = [canonical[aid] for aid in story.article_ids if aid in canonical]
        _analyse_story(story.id, members, docs, analysis, options)
    return analysis


def _parse(articles: list[Article]) -> dict[str, Any]:
    """spaCy parses of the articles, made once and shared by every later stage."""
    from .resources import nlp

    return {a.id: doc for a, doc in zip(articles, nlp().pipe([a.text for a in articles], batch_size=16))}


def _analyse_story(story_id: str, members: list[Article], docs: dict[str, Any], analysis: Analysis, options: PipelineOptions) -> None:
    stages, table = options.stages, analysis.entities
    for article in members:
        if "quotes" in stages:
            analysis.quotes += [StoryItem(story_id, q) for q in find_quotes(article, doc=docs[article.id], entities=table)]
        if "positions" in stages:
            resolver = _actor_resolver(article, docs[article.id], table)
            analysis.positions += [
                StoryItem(story_id, p) for p in extract_positions(article, doc=docs[article.id], resolve_actor=resolver)
            ]
    if "claims" in stages and len(members) > 1:
        found = find_claims(members)
        analysis.claims += [StoryItem(story_id, c) for c in found.claims]
        analysis.disagreements += [StoryItem(story_id, d) for d in found.disagreements]
    if "timeline" in stages:
        entries = build_timeline(members, docs=[docs[a.id] for a in members])
        analysis.timeline += [StoryItem(story_id, t) for t in entries]
    if "summary" in stages:
        analysis.summary += [StoryItem(story_id, s) for s in summarize_story(members, docs=docs)]


def _actor_resolver(article: Article, doc: Any, table: Any):
    """Actors named by the canonical entities when they know the mention, else by the positions
    stage's own resolver (titles, seats of government, demonyms)."""
    fallback = default_actor_resolver(article, doc)
    if table is None:
        return fallback

    def resolve(text: str, start: int, end: int) -> ActorRef | None:
        entity = table.entity_at(article.id, start, end)
        own = fallback(text, start, end)
        if entity is None:
            return own
        affiliation = table.get(entity.affiliation)
        if affiliation is not None:
            side = affiliation.name
        elif entity.type in ("GPE", "NORP"):
            side = entity.name
        else:
            side = own.side if own else None
        return ActorRef(entity.id, entity.name, side)

    return resolve


def analyze(
    paths: Sequence[str | Path],
    *,
    store: SQLiteStore,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Ingest ``paths`` into ``store`` and analyse everything stored.

    The analysis document is also saved in the store, so that ``newsdesk report`` and
    ``newsdesk serve`` reuse it (see :func:`analysis_document`) until the stored content changes.
    """
    options = options or PipelineOptions()
    run = ingest(paths, store=store, options=options, progress=progress)
    generation = store.generation()
    analysis = build_analysis(store, run=run, options=options)
    _save_document(store, options, generation, analysis.to_json())
    return analysis


def analysis_document(store: SQLiteStore, *, options: PipelineOptions | None = None) -> dict[str, Any]:
    """The ``analysis.json`` document of everything in ``store``.

    Analysing a large store takes minutes, so the document is saved in the store with the
    store's generation and reused as long as the stored content and the analysis stages are the
    same; otherwise it is rebuilt (and saved) here.
    """
    options = options or PipelineOptions()
    saved = store.load_analysis(_analysis_key(options))
    if saved is not None:
        log.info("reusing the saved analysis of %s", store.path)
        return json.loads(saved)
    generation = store.generation()  # before building: a change made meanwhile invalidates the result
    document = build_analysis(store, options=options).to_json()
    _save_document(store, options, generation, document)
    return document


def _analysis_key(options: PipelineOptions) -> str:
    """What, besides the stored content, an analysis document depends on."""
    return json.dumps({"version": __version__, "stages": sorted(options.stages)}, sort_keys=True)


def _save_document(store: SQLiteStore, options: PipelineOptions, generation: int, document: dict[str, Any]) -> None:
    saved = {**document, "run": None}  # the run belongs to the command that made it, not to the store
    store.save_analysis(_analysis_key(options), generation, json.dumps(saved, ensure_ascii=False).encode("utf-8"))
