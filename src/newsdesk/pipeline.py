"""The orchestrating functions: raw coverage in, a sourced brief out.

:func:`ingest` reads inputs into the store (ingest → extract → copies → stories);
:func:`analyze` runs :func:`ingest` and then gets the analysis of everything stored from
:func:`analysis_document` (the one way ``analyze``, ``report`` and ``serve`` get it), which
reuses the analysis saved in the store or builds it story by story (:func:`build_analysis`,
:mod:`newsdesk.analysis`). Each step passes plain dataclasses along; read them top to bottom.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from . import __version__
from .analysis import StageError, StoryAnalysis, StoryItem, analyse_stories, collect_sections, section_names
from .dedup import CopyIndex
from .errors import DedupError, ExtractionError, ModelUnavailableError, StoreWriteError, StoriesError
from .extract import extract, learn_templates, site_key
from .extract.origin import fill_from_copies
from .extract.templates import SiteTemplates
from .ingest import display_path, read_paths
from .models import Article, CopyLink, Provenance, RawDocument, Rejection, Story
from .options import PipelineOptions
from .store import Store
from .stories import StoryIndex

if TYPE_CHECKING:  # pragma: no cover
    from .analysis.cache import SentenceVectors, StoryCache
    from .update import Changes, DocumentDelta, DocumentHead, Pieces

log = logging.getLogger(__name__)

#: ``progress(done, total, what)`` — called as work advances; the CLI draws a progress bar with it.
#: ``what`` names the document being extracted, or :data:`ANALYSING` and the story being analysed.
Progress = Callable[[int, int, str], None]
ANALYSING = "analysing: "

__all__ = [
    "ANALYSING",
    "Analysis",
    "AnalysisProfile",
    "Analyzed",
    "Indexes",
    "IngestSummary",
    "Progress",
    "StoryItem",
    "analysis_delta",
    "analysis_document",
    "analysis_pieces",
    "analysis_key",
    "analyze",
    "build_analysis",
    "ingest",
]


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
    store: Store,
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
    store: Store,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """:func:`ingest` of documents already read (and of rejections to record), in arrival order.

    Inputs are streamed: they are read, extracted and stored in batches (``IngestOptions.batch_*``),
    so memory stays bounded and whatever was stored before a failure is kept.
    """
    options = options or PipelineOptions()
    summary = IngestSummary()
    indexes: Indexes | None = None
    done = total = 0
    for batch in _read_batches(items, store, options, summary):
        new = _register_known(batch, store, summary)
        total += len(new)
        if indexes is None:
            indexes = Indexes.open(store, options)
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
        indexes = Indexes.open(store, options)
        indexes.catch_up(store)
    indexes.commit(store)

    counts = store.counts()
    summary.copies, summary.stories = counts["copies"], counts["stories"]
    return summary


def _read_batches(
    items: Iterable[RawDocument | Rejection], store: Store, options: PipelineOptions, summary: IngestSummary
) -> Iterator[list[RawDocument]]:
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


def _register_known(documents: list[RawDocument], store: Store, summary: IngestSummary) -> list[RawDocument]:
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


def _stored_rejection(store: Store, doc: RawDocument) -> Rejection | None:
    if store.article(doc.digest) is not None:
        return None
    for rejection in store.rejections():
        if rejection.path == doc.provenance.path and (rejection.record or None) == doc.provenance.record:
            return rejection
    return None


def _extract_and_store(
    doc: RawDocument, templates: SiteTemplates, store: Store, options: PipelineOptions, summary: IngestSummary
) -> Article | None:
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


class Indexes:
    """The copy and story indexes of a store, fed articles in arrival order (what :func:`ingest`
    maintains; the scale benchmark opens them too).

    Both keep their state row by row in the store (:meth:`Store.index_state`), so opening
    them reads almost nothing and a batch writes only the rows it changed. ``indexed`` (saved
    with every batch) counts the stored articles, in arrival order, that both have seen: articles
    a killed run committed after its last batch are fed again on the next run.
    """

    _MARK = "indexed_articles"

    def __init__(self, copies: CopyIndex, stories: StoryIndex, indexed: int, batch: int) -> None:
        self.copies, self.stories, self.indexed, self.batch = copies, stories, indexed, batch
        self.pending: list[Article] = []

    @classmethod
    def open(cls, store: Store, options: PipelineOptions) -> "Indexes":
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

    def catch_up(self, store: Store) -> None:
        """Feed the stored articles the indexes have not seen (a killed run's last batch)."""
        for article in store.articles(after=self.indexed):
            self.add(article, store)
        self.commit(store)

    def add(self, article: Article, store: Store) -> None:
        self.pending.append(article)
        if len(self.pending) >= self.batch:
            self.commit(store)

    def commit(self, store: Store) -> None:
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


@dataclass
class Analysis:
    """Everything newsdesk knows about the stored coverage: the content of ``analysis.json``.

    ``sections`` holds the analysis stages' findings by ``analysis.json`` section (quotes,
    positions…; see :func:`newsdesk.analysis.collect_sections`); ``stage_errors`` the stages
    that failed on a story (the rest of the analysis is complete without them).
    """

    articles: list[Article]
    sources: dict[str, list[Provenance]]
    copies: list[CopyLink]
    stories: list[Story]
    rejections: list[Rejection]
    run: IngestSummary | None = None
    store_path: str | None = None
    sections: dict[str, list[Any]] = field(default_factory=dict)
    stage_errors: list[StageError] = field(default_factory=list)
    #: each story's own findings and their cache key, by story id (what the document's pieces are made of)
    results: dict[str, tuple[str, StoryAnalysis]] = field(default_factory=dict, repr=False)

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

    def section(self, name: str) -> list[Any]:
        """The items of one ``analysis.json`` section (empty when its stage did not run)."""
        return self.sections.get(name, [])

    def to_json(self) -> dict[str, Any]:
        """The ``analysis.json`` document (validated against ``schema/analysis.schema.json``)."""
        entries = self.entries()
        names = section_names() + [name for name in self.sections if name not in section_names()]
        return {
            "newsdesk_version": __version__,
            "articles": [entries.article(article) for article in self.articles],
            "stories": [entries.story(story) for story in self.stories],
            **{name: [item.to_json() for item in self.section(name)] for name in names},
            "rejected": rejected_json(self.rejections),
            "stage_errors": [error.to_json() for error in self.stage_errors],
            "run": self.run.to_json() if self.run else None,
        }

    def entries(self) -> "_Entries":
        """What writes the articles' and stories' entries of the document."""
        copies_of: dict[str, list[str]] = {}
        for link in self.copies:
            copies_of.setdefault(link.canonical, []).append(link.duplicate)
        return _Entries(self.duplicate_of, self.story_of, copies_of, self.sources)


@dataclass(frozen=True)
class _Entries:
    duplicate_of: dict[str, str]
    story_of: dict[str, str]
    copies_of: dict[str, list[str]]
    sources: dict[str, list[Provenance]]

    def article(self, article: Article) -> dict[str, Any]:
        return {
            "id": article.id,
            "source": _provenance_json(article.provenance),
            "sources": [_provenance_json(p) for p in self.sources.get(article.id, [article.provenance])],
            "outlet": article.outlet,
            "title": article.title,
            "authors": list(article.authors),
            "published": article.published,
            "text": article.text,
            "extractor": article.extractor,
            **article.origin_json(),
            "duplicate_of": self.duplicate_of.get(article.id),
            "copies": self.copies_of.get(article.id, []),
            "story": self.story_of.get(article.id),
        }

    def story(self, story: Story) -> dict[str, Any]:
        return {
            "id": story.id,
            "title": story.title,
            "articles": list(story.article_ids),
            "copies": [d for aid in story.article_ids for d in self.copies_of.get(aid, [])],
            "first_published": story.first_published,
            "last_published": story.last_published,
        }


def rejected_json(rejections: Sequence[Rejection]) -> list[dict[str, Any]]:
    return [{"path": display_path(r.path), "record": r.record, "code": r.code, "reason": r.reason} for r in rejections]


def _provenance_json(provenance: Provenance) -> dict[str, Any]:
    return {"path": display_path(provenance.path), "record": provenance.record, "url": provenance.url}


@dataclass
class AnalysisProfile:
    """Where the time of one analysis went: ``newsdesk analyze --profile`` prints it and
    ``analysis.json`` keeps it in ``run.analysis``.

    ``stages`` sums, over the stories analysed, the seconds of ``parse`` (spaCy), ``sentences``
    (the rest of each story's context), every stage by name, and ``embeddings`` (the MiniLM
    encoder, already counted inside the stages that asked for vectors).
    """

    scheduler: str = "single process"
    stories: int = 0
    analysed: int = 0
    reused: int = 0
    articles: int = 0
    seconds: float = 0.0
    ingest_seconds: float | None = None
    stages: dict[str, float] = field(default_factory=dict)
    #: MiniLM texts encoded, and looked up in the store's sentence vectors instead
    vectors_encoded: int = 0
    vectors_reused: int = 0
    #: articles longer than ``max_article_chars``: id, characters, characters analysed
    truncated: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: StoryAnalysis, articles: int) -> None:
        self.analysed += 1
        self.articles += articles
        for name, seconds in result.seconds.items():
            self.stages[name] = self.stages.get(name, 0.0) + seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "scheduler": self.scheduler,
            "stories": self.stories,
            "stories_analysed": self.analysed,
            "stories_reused": self.reused,
            "articles_analysed": self.articles,
            "seconds": round(self.seconds, 3),
            "ingest_seconds": None if self.ingest_seconds is None else round(self.ingest_seconds, 3),
            "stage_seconds": {name: round(seconds, 3) for name, seconds in self.stages.items()},
            "sentence_vectors": {"encoded": self.vectors_encoded, "reused": self.vectors_reused},
            "truncated": list(self.truncated),
        }


@dataclass(frozen=True)
class StoryJob:
    """One story to analyse: the story, its canonical members and its cache key."""

    story: Story
    articles: list[Article]
    key: str


def build_analysis(
    store: Store,
    *,
    run: IngestSummary | None = None,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
    save: bool = True,
    scheduler: str | None = None,
    profile: AnalysisProfile | None = None,
    only: "Changes | None" = None,
    stale: Iterable[str] = (),
) -> Analysis:
    """The analysis of everything in ``store``: articles, copies and stories, then per story who
    said what, who wants what, which claims agree or clash, when things happened, and a summary.

    Each story is analysed on its own (:func:`newsdesk.analysis.analyse_story`): a stage that
    fails on one story is recorded in ``stage_errors`` and everything else is still analysed.
    A story's findings are kept in the store under a digest of its members, the options, the
    models and the code (:class:`~newsdesk.analysis.cache.StoryCache`; written unless ``save``
    is False), so only stories a change touched are analysed again. ``scheduler`` (a Dask
    scheduler address or ``local:N``) runs the stories as Dask tasks; this process stays the
    store's one writer (see :mod:`newsdesk.distributed`). ``profile`` collects the timings.

    ``only`` limits it to the stories and articles a change touched (with their members and
    copies: :func:`analysis_delta`); ``stale`` names the cached findings those replace (deleted).
    """
    import time

    from .analysis.cache import SPACE, SentenceVectors, StoryCache
    from .analysis.runner import bounded_text
    from .update import links_within

    options = options or PipelineOptions()
    profile = profile if profile is not None else AnalysisProfile()
    started = time.perf_counter()
    if only is None or not only.current_stories:
        stored_links, stored_stories = store.copies(), store.stories()
    else:
        stored_links, stored_stories = only.current_links, only.current_stories
    if only is None:
        stored = store.articles()
    else:
        stored_stories = [story for story in stored_stories if story.id in only.stories]
        wanted = set(only.articles) | {aid for story in stored_stories for aid in story.article_ids}
        stored_links = links_within(stored_links, wanted)
        wanted |= {aid for link in stored_links for aid in (link.canonical, link.duplicate)}
        stored = store.articles_by_id(wanted)
    # a copy of an article states what another copy leaves out (its outlet, its date)
    articles = fill_from_copies(stored, stored_links)
    links, stories, articles = _in_canonical_order(articles, stored_links, stored_stories, options)
    analysis = Analysis(
        articles=articles,
        sources=store.sources_of(article.id for article in articles),
        copies=links,
        stories=stories,
        rejections=store.rejections(),
        run=run,
        store_path=store.path,
    )
    duplicates = analysis.duplicate_of  # a property that builds its dict: once, not per article
    canonical = {a.id: a for a in articles if a.id not in duplicates}
    limit = options.analysis.max_article_chars
    profile.truncated = [
        {"article": a.id, "chars": len(a.text), "analysed_chars": len(bounded_text(a.text, limit))}
        for a in canonical.values()
        if len(a.text) > limit and options.analysis.stages
    ]
    cache = StoryCache(store.index_state(SPACE), options.analysis)
    jobs = []
    for story in analysis.stories:
        members = [canonical[aid] for aid in story.article_ids if aid in canonical]
        jobs.append(StoryJob(story, members, cache.key(story, members)))
    results = cache.get(job.key for job in jobs)
    todo = [job for job in jobs if job.key not in results]
    profile.stories, profile.reused = len(jobs), len(jobs) - len(todo)
    log.info("analysing %d of %d stories (%d unchanged)", len(todo), len(jobs), profile.reused)
    save = save and not getattr(store, "read_only", False)  # like the saved document: only a cache
    # the sentence vectors of earlier runs: a story analysed again encodes only its new texts
    sentence_vectors = SentenceVectors(store, write=save) if todo and options.analysis.stages else None
    unsaved: dict[str, StoryAnalysis] = {}
    search_vectors: dict[str, bytes] = {}
    for done, (job, result) in enumerate(_analyse_stories(todo, options, scheduler, profile, sentence_vectors), 1):
        results[job.key] = result
        profile.add(result, len(job.articles))
        if save:
            search_vectors.update(result.vectors)  # a by-product of the analysis, kept for search
            unsaved[job.key] = result
            if len(unsaved) >= options.checkpoint_every:
                _save_findings(store, cache, unsaved, search_vectors, sentence_vectors)
        if progress:
            progress(done, len(todo), ANALYSING + job.story.title)
    if save and _save_findings(store, cache, unsaved, search_vectors, sentence_vectors):
        with store.transaction():
            if only is None:
                cache.prune(job.key for job in jobs)
            else:
                cache.forget(set(stale) - {job.key for job in jobs})
    if sentence_vectors is not None:
        profile.vectors_encoded += sentence_vectors.encoded
        profile.vectors_reused += sentence_vectors.reused
    ordered = [results[job.key] for job in jobs]
    analysis.sections = collect_sections(ordered)
    analysis.stage_errors = [error for result in ordered for error in result.errors]
    analysis.results = {job.story.id: (job.key, results[job.key]) for job in jobs}
    profile.seconds = time.perf_counter() - started
    return analysis


def _in_canonical_order(
    articles: list[Article], links: list[CopyLink], stories: list[Story], options: PipelineOptions
) -> tuple[list[CopyLink], list[Story], list[Article]]:
    """Copies, stories and articles as the brief shows them, whatever order the inputs arrived in.

    The store's indexes keep the first copy to arrive as a group's canonical (online links never
    change); the brief leads each group with its earliest dated, then longest, member
    (:func:`~newsdesk.dedup.canonical_order`), lists a story's members and the articles in that
    order, and the stories largest first, then by date and id.
    """
    from .dedup import canonical_order, led_by_canonical_order

    regrouped = led_by_canonical_order(articles, links, options=options.dedup)
    new_leader = {link.duplicate: link.canonical for link in regrouped}
    by_id = {article.id: article for article in articles}

    def shown(article_id: str) -> str:
        # a story lists the stored canonical; the brief lists its group's new leader
        leader = new_leader.get(article_id, article_id)
        return leader if leader in by_id else article_id

    ordered_stories = []
    for story in stories:
        members = [by_id[m] for m in dict.fromkeys(shown(aid) for aid in story.article_ids) if m in by_id]
        members.sort(key=canonical_order)
        ordered_stories.append(
            Story(story.id, story.title, tuple(a.id for a in members), story.first_published, story.last_published)
        )
    ordered_stories.sort(
        key=lambda story: (
            -len(story.article_ids),
            story.first_published is None,
            story.first_published or "",
            story.id,
        )
    )
    return regrouped, ordered_stories, sorted(articles, key=canonical_order)


def _save_findings(
    store: Store,
    cache: "StoryCache",
    unsaved: dict[str, StoryAnalysis],
    vectors: dict[str, bytes],
    sentence_vectors: "SentenceVectors | None" = None,
) -> bool:
    """Keep the findings of ``unsaved`` in the store, with the search vectors and the new
    sentence vectors; False when they could not be written (a cache: the analysis goes on and
    those stories are analysed again next time)."""
    if not unsaved:
        return True
    try:
        with store.transaction():
            cache.put(unsaved)
            if vectors:
                from .search import vector_space

                store.put_embeddings(vector_space(), vectors)
            if sentence_vectors is not None:
                sentence_vectors.flush()
    except StoreWriteError as exc:
        log.warning("the findings of %d stories could not be kept in %s: %s", len(unsaved), store.path, exc.message)
        return False
    finally:
        unsaved.clear()
        vectors.clear()
    return True


#: The stages that ask for MiniLM vectors (the encoder loads before the timed work when one runs).
_EMBEDDING_STAGES = frozenset({"claims", "summary", "timeline"})


def load_models(options: PipelineOptions, profile: AnalysisProfile) -> None:
    """Load spaCy (and MiniLM when a stage needs it) before the stories are timed."""
    import time

    from . import resources

    started = time.perf_counter()
    resources.nlp()
    if options.analysis.stages & _EMBEDDING_STAGES:
        resources.sentence_encoder()
    profile.stages["models"] = profile.stages.get("models", 0.0) + time.perf_counter() - started


def _analyse_stories(
    jobs: Sequence[StoryJob],
    options: PipelineOptions,
    scheduler: str | None,
    profile: AnalysisProfile,
    vectors: "SentenceVectors | None" = None,
) -> Iterator[tuple[StoryJob, StoryAnalysis]]:
    """Each job's analysis, in this process or as Dask tasks (in the order they finish)."""
    if scheduler is None:
        if jobs and options.analysis.stages:
            load_models(options, profile)
        # several stories' sentences are encoded together; each story's findings are its own
        items = [(job.story, job.articles) for job in jobs]
        yield from zip(jobs, analyse_stories(items, options.analysis, vectors=vectors))
        return
    from .distributed import analyse_on_dask

    profile.scheduler = scheduler
    yield from analyse_on_dask(jobs, options.analysis, scheduler, vectors=vectors)


@dataclass(frozen=True)
class Analyzed:
    """What :func:`analyze` did: the ingest run and the ``analysis.json`` document (run included)."""

    run: IngestSummary
    document: dict[str, Any]


def analyze(
    paths: Sequence[str | Path],
    *,
    store: Store,
    options: PipelineOptions | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> Analyzed:
    """Ingest ``paths`` into ``store`` and analyse everything stored: ``newsdesk analyze``.

    The analysis comes from :func:`analysis_document`: the one saved in the store is reused
    when the stored content and the analysis options are unchanged; otherwise it is built (only
    the stories the ingest touched are analysed again) and saved for ``newsdesk report`` and
    ``newsdesk serve``. The document's ``run`` holds the ingest counts and, under ``analysis``,
    where the time went (:class:`AnalysisProfile`).
    """
    import time

    options = options or PipelineOptions()
    started = time.perf_counter()
    run = ingest(paths, store=store, options=options, progress=progress)
    profile = AnalysisProfile(ingest_seconds=time.perf_counter() - started)
    document = analysis_document(store, options=options, progress=progress, scheduler=scheduler, profile=profile)
    return Analyzed(run, {**document, "run": {**run.to_json(), "analysis": profile.to_json()}})


def analysis_document(
    store: Store,
    *,
    options: PipelineOptions | None = None,
    save: bool = True,
    progress: Progress | None = None,
    scheduler: str | None = None,
    profile: AnalysisProfile | None = None,
) -> dict[str, Any]:
    """The ``analysis.json`` document of everything in ``store`` (with ``run`` None): the one way
    ``analyze``, ``report`` and ``serve`` get it.

    The document is kept in the store in pieces (one per story and per article,
    :mod:`newsdesk.update`) with what they were made from. When the stored content changed
    since, only the stories and articles the change touched are rebuilt (:func:`analysis_delta`;
    a story's findings come from its cache when its members are unchanged) and patched in; with
    other options, models or code, every piece is rebuilt. The new pieces are saved unless
    ``save`` is False (``newsdesk serve`` only reads the store). ``scheduler`` and ``profile``:
    see :func:`build_analysis`.
    """
    import time

    from .update import assemble

    started = time.perf_counter()
    pieces = analysis_pieces(store, options=options, save=save, progress=progress, scheduler=scheduler, profile=profile)
    document = assemble(pieces)
    if profile is not None:
        profile.seconds = time.perf_counter() - started
    return document


def analysis_pieces(
    store: Store,
    *,
    options: PipelineOptions | None = None,
    save: bool = True,
    progress: Progress | None = None,
    scheduler: str | None = None,
    profile: AnalysisProfile | None = None,
) -> "Pieces":
    """The pieces of the analysis document of everything in ``store``
    (:func:`analysis_document` without laying them out): the saved ones, brought up to date."""
    from .update import SPACE, Pieces

    options = options or PipelineOptions()
    key = analysis_key(options)
    state = store.index_state(SPACE)
    head = Pieces.saved_head(state)
    if head is not None and head.key != key:
        head = None
    if head is not None and head.generation == store.generation():
        log.info("reusing the saved analysis of %s", store.path)
        if profile is not None:
            profile.stories = profile.reused = len(head.members)
        return Pieces.load(state, head)
    delta = analysis_delta(
        store, options=options, base=head, save=save, progress=progress, scheduler=scheduler, profile=profile
    )
    pieces = Pieces.of(delta) if head is None else Pieces.load(state, head)
    if head is not None:
        pieces.apply(delta)
    if save and not getattr(store, "read_only", False):
        try:
            with store.transaction():
                Pieces.save(state, delta)
        except StoreWriteError as exc:  # only a cache: the document is still returned
            log.warning("the analysis could not be saved in %s for reuse: %s", store.path, exc.message)
    return pieces


def analysis_delta(
    store: Store,
    *,
    options: PipelineOptions | None = None,
    base: "DocumentHead | None" = None,
    save: bool = True,
    progress: Progress | None = None,
    scheduler: str | None = None,
    profile: AnalysisProfile | None = None,
) -> "DocumentDelta":
    """The pieces of the analysis document that differ from those made at ``base``: the stories
    and articles a change since touched (:func:`newsdesk.update.changed_since`), analysed as
    :func:`build_analysis` would; every piece when ``base`` is None or was made with other options.

    Reads no more of the store than those stories, their members and copies (plus the stories'
    member lists, the copy links and the source counts that tell what changed). Findings are
    saved as :func:`build_analysis` saves them unless ``save`` is False; the pieces are not
    (:func:`analysis_document` does that).
    """
    from .dedup import canonical_order
    from .update import DocumentDelta, changed_since, current_head, story_sort_key

    options = options or PipelineOptions()
    key = analysis_key(options)
    head, stored_stories, stored_links = current_head(store, key)
    if base is not None and base.key != key:
        base = None
    changes = None if base is None else changed_since(base, head, stored_stories, stored_links)
    stale = (
        []
        if base is None or changes is None
        else [base.findings[sid] for sid in changes.stories | changes.removed if sid in base.findings]
    )
    built = build_analysis(
        store,
        options=options,
        progress=progress,
        save=save,
        scheduler=scheduler,
        profile=profile,
        only=changes,
        stale=stale,
    )
    entries = built.entries()
    stories: dict[str, dict[str, Any]] = {}
    for story in built.stories:
        result = built.results[story.id][1]
        sections = collect_sections([result])
        stories[story.id] = {
            "sort": story_sort_key(story),
            "entry": entries.story(story),
            "sections": {name: [item.to_json() for item in items] for name, items in sections.items() if items},
            "errors": [error.to_json() for error in result.errors],
        }
    articles = {
        article.id: {"sort": list(canonical_order(article)), "entry": entries.article(article)}
        for article in built.articles
    }
    findings = {} if base is None else {sid: k for sid, k in base.findings.items() if sid in head.members}
    findings.update({story_id: key for story_id, (key, _) in built.results.items()})
    head.findings = findings
    head.sections = section_names() + [n for n in built.sections if n not in section_names()]
    if profile is not None:
        profile.stories = len(head.members)
        profile.reused = profile.stories - profile.analysed
    return DocumentDelta(
        head=head,
        stories=stories,
        removed=sorted(changes.removed) if changes is not None else [],
        articles=articles,
        rejected=rejected_json(built.rejections),
        full=changes is None,
        version=__version__,
    )


def analysis_key(options: PipelineOptions) -> str:
    """What, besides the stored content, an analysis document depends on: the version, every
    analysis option (:meth:`AnalysisOptions.digest`) and the bundled models and gazetteer
    (:func:`newsdesk.resources.analysis_data_digest`)."""
    from .analysis.cache import code_digest
    from .resources import analysis_data_digest

    return json.dumps(
        {
            "version": __version__,
            "options": options.analysis.digest(),
            "data": analysis_data_digest(),
            "code": code_digest(),
        },
        sort_keys=True,
    )
