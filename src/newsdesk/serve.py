"""``newsdesk serve``: a local web UI and JSON API over a store.

Pages (story list, story, article beside its source, search) reuse the report's HTML renderers,
so the UI and ``report.html`` look the same. Every article-derived string is escaped with
:func:`newsdesk.report.esc`; raw HTML sources are shown as escaped text, never rendered; pages
load nothing from the network and run no script (a Content-Security-Policy says so to the
browser too). The JSON API serves the same data and is described by FastAPI's ``/openapi.json``
(the interactive ``/docs`` pages are switched off because they load scripts from a CDN).

The server binds 127.0.0.1 by default. It opens the store read-only (a read-only file or folder
is fine, and it never takes the writers' lock): when no analysis saved in the store matches its
content and options, it builds one in memory and does not save it (run ``newsdesk report`` or
``newsdesk analyze`` to save one). An ingest may run beside it and the next request sees the new
data (the analysis and the search index are refreshed whenever the store changed); the search
index lives in memory or in its own file (``index_path``), never in the store.
It answers only requests whose ``Host`` header names the address it is bound to (or a name in
``ServeOptions.allowed_hosts``), so that a web page cannot read the store through DNS rebinding.
HEAD is answered wherever GET is. If the analysis fails on what is stored, the pages still
show the articles and stories, with a notice, and the error is logged.

Why one module of ~750 lines: the HTTP API, the HTML pages and the background update share
the one read-only store connection and the last complete analysis; the HTML pages are the
part to move out next.
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import quote

from .analysis import AnalysisOptions
from .errors import OptionsError, StoreError
from .options import PipelineOptions
from .report import (
    UNKNOWN_DATE,
    ReportView,
    article_card_html,
    article_meta,
    esc,
    html_page,
    overview_html,
    story_section_html,
)
from .search import (
    MARK_END,
    MARK_START,
    SearchHit,
    SearchIndex,
    SearchOptions,
    StoredSource,
    load_query_encoder,
    vector_space,
)
from .update import Pieces

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

# Sent as a header as well as the report's <meta> policy: no script, no network, forms only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

_EXTRA_CSS = """
header.bar { display:flex; flex-wrap:wrap; gap:.8rem; align-items:center; justify-content:space-between;
  border-bottom:1px solid var(--line); padding:.5rem 0 .7rem; }
header.bar a.home { font-weight:700; color:var(--ink); text-decoration:none; font-size:1.1rem; }
form.search { display:flex; gap:.4rem; }
form.search input[type=search] { min-width: 16rem; padding:.35rem .5rem; border:1px solid var(--line); border-radius:6px; font:inherit; }
form.search button { padding:.35rem .8rem; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:6px; font:inherit; cursor:pointer; }
ol.stories li, ol.hits li, ul.links li { margin:.45rem 0; }
nav.pages { margin:.8rem 0; }
.side { display:grid; grid-template-columns: 1fr 1fr; gap:1rem; align-items:start; }
.side > section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.6rem .8rem; min-width:0; }
pre.source { white-space:pre-wrap; word-break:break-word; font-size:.8rem; max-height:80vh; overflow:auto; margin:0; }
.snippet { font-size:.93rem; }
mark { background:#fde9a6; color:inherit; }
.side h3 { margin-top:.2rem; }
header.bar + section > h2 { border-top:none; padding-top:0; }
@media (max-width: 800px) { .side { grid-template-columns: 1fr; } form.search input[type=search] { min-width: 10rem; } }
"""


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    """How the application answers (where it listens is given to :func:`run`).

    ``index_path``: where the search index lives (default None: in memory, rebuilt at start;
    a file path keeps the index and the article embeddings between runs).
    ``search``: how queries are answered (see :class:`~newsdesk.search.SearchOptions`).
    ``max_query_chars``: longer queries are cut to this length (default 500) so one request
    cannot make the index evaluate thousands of terms.
    ``pipeline``: the options given to :func:`newsdesk.pipeline.analysis_document` whenever the
    store changed (default None: its defaults, every analysis stage). On a large store,
    ``PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))`` serves articles, copies
    and stories without parsing.
    ``allowed_hosts``: host names accepted in the ``Host`` header besides the bound address
    (default none; 127.0.0.1, ::1 and ``localhost`` are accepted when bound to a loopback address,
    any IP address and ``localhost`` when bound to 0.0.0.0 or ::). ``"*"`` accepts any name, which re-opens DNS
    rebinding: only behind a proxy that checks names itself.
    ``update_process``: when the store changed, analyse the changed stories in a child process
    (default True: requests are answered meanwhile without sharing this process's interpreter
    lock with the analysis); False runs the update on a thread of this process.
    ``stories_per_page``: stories on one page of the story list (default 100; a 20k-article store
    has about 6,000 stories).
    """

    index_path: str | None = None
    search: SearchOptions = field(default_factory=SearchOptions)
    max_query_chars: int = 500
    pipeline: PipelineOptions | None = None
    allowed_hosts: tuple[str, ...] = ()
    update_process: bool = True
    stories_per_page: int = 100

    def __post_init__(self) -> None:
        if isinstance(self.allowed_hosts, str) or not all(isinstance(h, str) and h.strip() for h in self.allowed_hosts):
            raise OptionsError(
                f"ServeOptions.allowed_hosts must be a tuple of host names, got {self.allowed_hosts!r}",
                hint='e.g. allowed_hosts=("newsdesk.example.org",)',
            )
        if not isinstance(self.search, SearchOptions):
            raise OptionsError("ServeOptions.search must be a SearchOptions; build one with SearchOptions(...)")
        if self.max_query_chars < 1:
            raise OptionsError(f"ServeOptions.max_query_chars must be at least 1, got {self.max_query_chars}")
        if self.stories_per_page < 1:
            raise OptionsError(f"ServeOptions.stories_per_page must be at least 1, got {self.stories_per_page}")


# --------------------------------------------------------------------------------------------
# What the pages and the API read: a snapshot of the analysis, refreshed when the store changes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The analysis document at one store version, arranged for lookups."""

    document: dict[str, Any]
    view: ReportView
    story_numbers: dict[str, int]  # story id -> 1-based position in the story list
    notice: str | None = None  # shown on the story list when the analysis stages failed
    # what pages derive from the whole analysis (the overview's plot…), computed once per snapshot
    memos: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self.memos:
            self.memos[name] = compute()
        return self.memos[name]

    def story(self, story_id: str) -> dict | None:
        number = self.story_numbers.get(story_id)
        return None if number is None else self.view.stories[number - 1]


class Desk:
    """The store, its raw documents and the search index, behind one object the routes share.

    SQLite connections of the store belong to the thread that opened them, so the store is
    opened and read on one dedicated worker thread; the routes may run on any thread.
    """

    def __init__(self, db_path: str | Path, options: ServeOptions | None = None, *, warm: bool = False) -> None:
        from .store import open_store

        self.options = options or ServeOptions()
        self.db_path = str(db_path)
        if not Path(self.db_path).is_file():
            raise StoreError(
                f"no newsdesk store at {self.db_path!r}", hint="run `newsdesk analyze INPUTS --db PATH` first"
            )
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-store")
        try:
            # read-only: no lock taken, nothing written, a read-only file or folder is fine
            self._store = self._worker.submit(open_store, self.db_path, read_only=True).result()
        except BaseException:
            self._worker.shutdown()
            raise
        self.index = SearchIndex(self.options.index_path or ":memory:")
        if self.options.search.rerank:
            load_query_encoder()  # now, not on the first query
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()  # a refresh syncs the search index while requests search it
        self._snapshot: Snapshot | None = None
        self._version: int | None = None
        # Updates of the analysis run on a thread (and a read-only connection) of their own, so
        # that requests keep being answered from the last complete analysis meanwhile.
        self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-refresh")
        self._refresh_store: Any = None
        self._refreshing = False
        self._pieces: Pieces | None = None  # the pieces of the last complete analysis
        self._notice: str | None = None
        self._updates: ProcessPoolExecutor | None = None
        if self.options.update_process:
            # spawned, not forked: this process runs threads (a fork would copy their locks)
            self._updates = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
            if warm:  # started now and its models loaded, so that the first update is as quick as the next
                self._updates.submit(_warm_child, self.db_path, self.options.pipeline)

    @property
    def updating(self) -> bool:
        """Whether an update of the analysis is running (the pages say so)."""
        return self._refreshing

    def snapshot(self) -> Snapshot:
        """The last complete analysis. The first call builds it; after the store changed, an update
        starts in the background and the previous analysis is served until it is complete."""
        version = self._worker.submit(
            self._store.generation
        ).result()  # read before loading: a commit during the load triggers the next refresh
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._worker.submit(self._first_load, self._store).result()
                self._version = version
            elif version != self._version and not self._refreshing:
                self._refreshing = True
                self._refresher.submit(self._refresh, version)
            if self._refreshing:
                return replace(self._snapshot, notice=_join(self._snapshot.notice, _UPDATING))
            return self._snapshot

    def _first_load(self, store: Any) -> Snapshot:
        with store.snapshot():  # one consistent view, even while an ingest writes
            self._pieces, notice = _pieces_or_bare(store, self.options.pipeline)
        self._notice = notice
        return self._snapshot_of(store)

    def _refresh(self, version: int) -> None:
        from .store import open_store

        snapshot = None
        try:
            assert self._pieces is not None
            head = self._pieces.head
            if self._updates is not None:
                # the analysis of the changed stories runs in a process of its own: this one keeps
                # answering requests (a thread would share the interpreter lock with them)
                delta, notice = self._updates.submit(
                    _delta_in_child, self.db_path, self.options.pipeline, head
                ).result()
            else:
                if self._refresh_store is None:
                    self._refresh_store = open_store(self.db_path, read_only=True)
                with self._refresh_store.snapshot():
                    delta, notice = _delta_or_bare(self._refresh_store, self.options.pipeline, head)
            self._pieces.apply(delta)
            self._notice = notice
            if self._refresh_store is None:
                self._refresh_store = open_store(self.db_path, read_only=True)
            snapshot = self._snapshot_of(self._refresh_store, None if delta.full else set(delta.articles))
        except Exception as exc:  # keep serving the last analysis; the next change tries again
            log.error("updating the analysis of %s failed", self.db_path, exc_info=exc)
        with self._lock:
            if snapshot is not None:
                self._snapshot = snapshot
            self._version = version
            self._refreshing = False

    def _snapshot_of(self, store: Any, changed: set[str] | None = None) -> Snapshot:
        """The snapshot of the current pieces, with the search index brought up to date (for the
        ``changed`` articles alone when given: the pieces say which articles an update touched)."""
        from .update import assemble

        assert self._pieces is not None
        document = assemble(self._pieces)
        with store.snapshot():
            # Copies repeat their canonical article's text; only canonical articles are searched.
            duplicates = {link.duplicate for link in store.copies()}
            if changed is None:
                articles = [a for a in store.articles() if a.id not in duplicates]
            else:
                articles = store.articles_by_id(changed - duplicates)
        space = vector_space()
        with self._index_lock:
            self.index.sync(articles, lambda ids: store.embeddings(space, ids), only=changed)
        view = ReportView(document)
        numbers = {story["id"]: number for number, story in enumerate(view.stories, 1)}
        log.info("loaded %d articles and %d stories from %s", len(view.articles), len(view.stories), self.db_path)
        return Snapshot(document, view, numbers, self._notice)

    def source(self, article_id: str) -> StoredSource | None:
        doc = self._worker.submit(self._store.raw_document, article_id).result()
        return None if doc is None else StoredSource(doc.digest, doc.kind, doc.encoding, doc.content)

    def search(self, query: str, *, limit: int | None = None) -> list[SearchHit]:
        """Search the articles of the current store (the index is brought up to date first)."""
        query = query[: self.options.max_query_chars]
        self.snapshot()
        options = self.options.search
        if limit is not None and limit != options.limit:
            options = replace(options, candidates=max(options.candidates, limit), limit=limit)
        with self._index_lock:
            return self.index.search(query, options)

    def close(self) -> None:
        # a running update finishes first; its connection is closed on the thread that opened it
        self._refresher.submit(lambda: self._refresh_store and self._refresh_store.close()).result()
        self._refresher.shutdown(wait=True)
        if self._updates is not None:
            self._updates.shutdown(wait=True)
        self._worker.submit(self._store.close).result()
        self._worker.shutdown()
        self.index.close()


_BARE_NOTICE = (
    "The analysis stages failed on this store ({error}); only articles and stories are shown. "
    "The server's log has the details."
)


def _delta_or_bare(store: Any, options: PipelineOptions | None, head: Any) -> tuple[Any, str | None]:
    """The update of the pieces made at ``head`` (read-only: nothing is saved), and a notice when
    the analysis stages failed on what is stored (articles and stories are then served alone)."""
    from .pipeline import analysis_delta

    try:
        return analysis_delta(store, options=options, base=head, save=False), None
    except StoreError:
        raise
    except Exception as exc:  # stored content must never take the whole UI down
        log.error("the analysis of %s failed; serving its articles and stories only", store.path, exc_info=exc)
        bare = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
        return analysis_delta(store, options=bare, base=None, save=False), _BARE_NOTICE.format(error=type(exc).__name__)


def _pieces_or_bare(store: Any, options: PipelineOptions | None) -> tuple[Pieces, str | None]:
    """The pieces of the store's analysis: the saved ones brought up to date in memory."""
    from .pipeline import analysis_pieces

    try:
        return analysis_pieces(store, options=options, save=False), None
    except StoreError:
        raise
    except Exception as exc:  # stored content must never take the whole UI down
        log.error("the analysis of %s failed; serving its articles and stories only", store.path, exc_info=exc)
        bare = PipelineOptions(analysis=AnalysisOptions(stages=frozenset()))
        return analysis_pieces(store, options=bare, save=False), _BARE_NOTICE.format(error=type(exc).__name__)


def _delta_in_child(db_path: str, options: PipelineOptions | None, head: Any) -> tuple[Any, str | None]:
    """:func:`_delta_or_bare` in the update process: its own read-only connection, kept open
    (with the models the stages loaded) for the next update."""
    global _CHILD_STORE
    from .store import open_store

    if _CHILD_STORE is None or _CHILD_STORE.path != db_path:
        _CHILD_STORE = open_store(db_path, read_only=True)
    with _CHILD_STORE.snapshot():
        return _delta_or_bare(_CHILD_STORE, options, head)


_CHILD_STORE: Any = None


def _lower_priority() -> None:
    """The update process yields the processor to the server's requests (nice +10)."""
    import os

    try:
        os.nice(10)
    except OSError:  # not allowed here: same priority as the server
        pass


_WARM_UP_TEXT = (
    'The minister said on Monday that talks would resume next week. "We want a ceasefire," she told reporters '
    "in Geneva, where the two delegations met on 3 March 2025. The opposition rejected the offer."
)


def _warm_child(db_path: str, options: PipelineOptions | None) -> None:
    """Load the models the analysis stages need in the update process, before any update: one
    made-up story is analysed (and forgotten), which loads every model its stages use."""
    from .analysis import analyse_stories
    from .models import Article, Provenance, Story

    analysis = (options or PipelineOptions()).analysis
    if not analysis.stages:
        return
    article = Article(id="warm-up", provenance=Provenance("warm-up"), text=_WARM_UP_TEXT, title="Talks to resume")
    try:
        list(analyse_stories([(Story("warm-up", "Talks to resume", ("warm-up",)), [article])], analysis))
    except Exception as exc:  # the update itself will say what is wrong
        log.info("the update process could not load the models of %s: %s", db_path, exc)


_UPDATING = "The store changed: the analysis is being updated. This page shows the last complete analysis."


def _join(*notices: str | None) -> str:
    return " ".join(notice for notice in notices if notice)


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def _date_range(item: dict) -> str:
    first, last = item.get("first_published"), item.get("last_published")
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last or UNKNOWN_DATE


def _href(prefix: str, identifier: str) -> str:
    return esc(f"{prefix}/{quote(identifier, safe='')}")


def _page(title: str, body: str, query: str = "") -> str:
    bar = (
        '<header class="bar"><a class="home" href="/">newsdesk</a>'
        '<form class="search" action="/search" method="get" role="search">'
        f'<input type="search" name="q" value="{esc(query)}" placeholder="Search articles" aria-label="Search articles">'
        '<button type="submit">Search</button></form></header>'
    )
    return html_page(title, bar + "\n" + body, extra_css=_EXTRA_CSS)


def _article_link(article: dict) -> str:
    return (
        f'<a href="{_href("/articles", article["id"])}">{esc(article.get("title") or "(untitled)")}</a> '
        f'<span class="meta">{" · ".join(esc(part) for part in article_meta(article))}</span>'
    )


def story_list_page(snapshot: Snapshot, page: int = 1, per_page: int = 100) -> str:
    """One page of the story list (``per_page`` stories, in the report's order), with the overview."""
    view = snapshot.view
    pages = max(1, -(-len(view.stories) // per_page))
    page = min(max(page, 1), pages)
    parts = ["<h1>Stories</h1>", snapshot.memo("overview", lambda: overview_html(view))]
    if snapshot.notice:
        parts.insert(1, f'<p class="notice" role="alert">{esc(snapshot.notice)}</p>')
    if view.stories:
        first = (page - 1) * per_page
        parts.append(f'<ol class="stories" start="{first + 1}">')
        for story in view.stories[first : first + per_page]:
            parts.append(
                f'<li><a href="{_href("/stories", story["id"])}">{esc(story["title"])}</a> '
                f'<span class="meta">{esc(_date_range(story))} · {len(story["articles"])} articles · '
                f"{esc(', '.join(view.outlets(story)))}</span></li>"
            )
        parts.append("</ol>")
        if pages > 1:
            links = [f"page {page} of {pages}"]
            if page > 1:
                links.insert(0, f'<a href="/?page={page - 1}" rel="prev">previous</a>')
            if page < pages:
                links.append(f'<a href="/?page={page + 1}" rel="next">next</a>')
            parts.append(f'<nav class="pages meta">{" · ".join(links)}</nav>')
    else:
        parts.append("<p>No stories yet: run <code>newsdesk analyze</code> on some coverage.</p>")
    unassigned = snapshot.memo("unassigned", view.unassigned)
    if unassigned and page == 1:
        parts.append('<h2>Articles in no story</h2><ul class="links">')
        parts.extend(f"<li>{_article_link(a)}</li>" for a in unassigned)
        parts.append("</ul>")
    return _page("newsdesk stories", "\n".join(parts))


def story_page(snapshot: Snapshot, story: dict) -> str:
    view = snapshot.view
    number = snapshot.story_numbers[story["id"]]
    parts = [story_section_html(view, story, number), '<h3>Article pages</h3><ul class="links">']
    for article in view.story_articles(story):
        parts.append(f"<li>{_article_link(article)}")
        copies = view.copies(article)
        if copies:
            parts.append('<ul class="links">')
            parts.extend(f"<li>merged copy: {_article_link(c)}</li>" for c in copies)
            parts.append("</ul>")
        parts.append("</li>")
    parts.append("</ul>")
    return _page(story["title"], "\n".join(parts))


def article_page(snapshot: Snapshot, article: dict, source: StoredSource | None) -> str:
    view = snapshot.view
    parts = [f"<h1>{esc(article.get('title') or '(untitled)')}</h1>"]
    story = snapshot.story(article["story"]) if article.get("story") else None
    context = []
    if story:
        context.append(f'story: <a href="{_href("/stories", story["id"])}">{esc(story["title"])}</a>')
    if article.get("duplicate_of") and article["duplicate_of"] in view.articles:
        context.append(f"merged copy of {_article_link(view.articles[article['duplicate_of']])}")
    if context:
        parts.append(f'<p class="meta">{" · ".join(context)}</p>')
    parts.append(article_card_html(view, article))
    places = article.get("sources") or [article["source"]]
    parts.append('<h3>Ingested from</h3><ul class="links">')
    for place in places:
        where = place["path"] + (f":{place['record']}" if place.get("record") else "")
        url = f" · {esc(place['url'])}" if place.get("url") else ""
        parts.append(f"<li><code>{esc(where)}</code>{url}</li>")
    parts.append("</ul>")
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in (article.get("text") or "").split("\n\n") if p.strip())
    if source is None:
        source_html = '<p class="meta">The raw document is not in the store.</p>'
        source_label = "Source"
    else:
        # Shown as text: an HTML source is escaped, never rendered.
        source_html = f'<pre class="source">{esc(source.content)}</pre>'
        source_label = f"Source ({esc(source.kind)}, {esc(source.encoding)}, {len(source.content)} characters)"
    parts.append(
        '<div class="side">'
        f'<section class="extracted"><h3>Extracted text ({esc(article.get("extractor") or "unknown")})</h3>'
        f'<div class="text">{paragraphs}</div></section>'
        f'<section class="raw"><h3>{source_label}</h3>{source_html}</section></div>'
    )
    return _page(article.get("title") or "(untitled)", "\n".join(parts))


def _marked(snippet: str) -> str:
    return esc(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def search_page(snapshot: Snapshot, query: str, hits: list[SearchHit]) -> str:
    parts = ["<h1>Search</h1>"]
    if query.strip():
        parts.append(f'<p class="meta">{len(hits)} results for “{esc(query)}”</p>')
        if hits:
            parts.append('<ol class="hits">')
            for hit in hits:
                article = snapshot.view.articles.get(hit.article_id, {"id": hit.article_id, "title": hit.title})
                scores = f"BM25 {hit.bm25:.3g}" + (f" · cosine {hit.cosine:.3f}" if hit.cosine is not None else "")
                parts.append(
                    f"<li>{_article_link(article)}"
                    f'<div class="snippet">{_marked(hit.snippet)}</div><div class="meta">{esc(scores)}</div></li>'
                )
            parts.append("</ol>")
    else:
        parts.append('<p class="meta">Type words to look for in article titles and texts.</p>')
    return _page(f"Search: {query}" if query else "Search", "\n".join(parts), query=query)


def not_found_page(what: str) -> str:
    return _page("Not found", f'<h1>Not found</h1><p>{esc(what)}</p><p><a href="/">All stories</a></p>')


# --------------------------------------------------------------------------------------------
# The application
# --------------------------------------------------------------------------------------------


def _story_json(view: ReportView, story: dict) -> dict[str, Any]:
    return {**story, "outlets": view.outlets(story)}


_CORE_KEYS = {"newsdesk_version", "articles", "stories", "rejected", "run"}


def _story_detail_json(snapshot: Snapshot, story: dict) -> dict[str, Any]:
    view = snapshot.view
    detail = _story_json(view, story)
    detail["members"] = [
        view.articles[aid] for aid in [*story["articles"], *story.get("copies", [])] if aid in view.articles
    ]
    # Later stages' outputs (quotes, claims, timeline…) that name their story come along.
    for key, value in snapshot.document.items():
        if key in _CORE_KEYS or key in detail or not isinstance(value, list):
            continue
        items = [item for item in value if isinstance(item, dict) and item.get("story") == story["id"]]
        if items:
            detail[key] = items
    return detail


@lru_cache(maxsize=1)
def _api_models() -> SimpleNamespace:
    """Pydantic models of the API's answers (built on first use: pydantic loads only for serve)."""
    from pydantic import BaseModel, ConfigDict, Field

    class _Open(BaseModel):
        # Later stages add fields to articles and stories; they pass through unchanged.
        model_config = ConfigDict(extra="allow")

    class Place(_Open):
        path: str
        record: int | None = None
        url: str | None = None

    class StorySummary(_Open):
        id: str
        title: str
        articles: list[str] = Field(description="ids of the story's canonical articles")
        copies: list[str] = Field(default_factory=list, description="ids of merged copies of those articles")
        first_published: str | None = None
        last_published: str | None = None
        outlets: list[str] = Field(default_factory=list)

    class Article(_Open):
        id: str
        source: Place
        sources: list[Place] = Field(default_factory=list)
        outlet: str | None = None
        title: str | None = None
        authors: list[str] = Field(default_factory=list)
        published: str | None = None
        text: str
        extractor: str | None = None
        duplicate_of: str | None = None
        copies: list[str] = Field(default_factory=list)
        story: str | None = None

    class StoryDetail(StorySummary):
        members: list[Article] = Field(description="the story's articles, canonical ones first, then merged copies")

    class RawSource(BaseModel):
        digest: str
        kind: str = Field(description='"html" or "text"')
        encoding: str
        content: str = Field(description="the document exactly as ingested (decoded)")

    class ArticleDetail(Article):
        raw: RawSource | None = Field(description="the raw document the article was extracted from")

    class Hit(BaseModel):
        id: str
        title: str | None
        snippet: str = Field(description="text around the matched words")
        bm25: float = Field(description="BM25 score from the full-text index (higher is better; 0: no word matched)")
        cosine: float | None = Field(
            description="cosine similarity of query and article vectors; null when answered by BM25 alone"
        )
        rank: int

    class SearchResults(BaseModel):
        query: str
        hits: list[Hit]

    return SimpleNamespace(
        StorySummary=StorySummary, StoryDetail=StoryDetail, ArticleDetail=ArticleDetail, SearchResults=SearchResults
    )


class _HeadAsGet:
    """ASGI middleware: HEAD is answered as GET would be, headers only (HTTP wants HEAD wherever GET works)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class _HostCheck:
    """ASGI middleware: 400 for a ``Host`` header that names neither the bound address nor an allowed name.

    A web page on another site can make a browser send requests to 127.0.0.1 under its own domain
    name (DNS rebinding); such requests carry that name in ``Host`` and are refused here.
    """

    def __init__(self, app, *, bound_host: str, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.bound_host = bound_host
        self.allowed = allowed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1")
            if not host_allowed(host, self.bound_host, self.allowed):
                log.warning("refused a request with Host %r (not %s)", host[:100], self.bound_host)
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = (
                    f"Invalid Host header {host[:100]!r}: this newsdesk server answers only requests for "
                    f"{self.bound_host}. Pass --allow-host NAME to accept another name.\n"
                ).encode("utf-8", "backslashreplace")
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body if scope.get("method") != "HEAD" else b""})
                return
        await self.app(scope, receive, send)


def _host_name(header: str) -> str:
    """The host of a ``Host`` header without its port, lower-cased (IPv6 without brackets)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    name, _, port = header.rpartition(":")
    if name and port.isdigit():
        header = name
    return header.rstrip(".")


def _ip(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def host_allowed(header: str, bound_host: str, allowed: tuple[str, ...] = ()) -> bool:
    """True when a request's ``Host`` header may be answered by a server bound to ``bound_host``."""
    name = _host_name(header)
    if not name:
        return False
    extra = {_host_name(h) for h in allowed}
    if "*" in extra or name in extra:
        return True
    bound = _host_name(bound_host)
    if name == bound:
        return True
    address, bound_address = _ip(name), _ip(bound)
    if _is_loopback(bound) and (name == "localhost" or (address is not None and address.is_loopback)):
        return True
    # Bound to every interface: any address names this machine (a rebinding attack needs a name),
    # and so does `localhost` (browsers resolve it themselves, so a page's DNS cannot rebind it).
    everywhere = bound_address is not None and bound_address.is_unspecified
    return bool(everywhere and (address is not None or name == "localhost"))


def create_app(
    db_path: str | Path, options: ServeOptions | None = None, *, host: str = DEFAULT_HOST, warm: bool = False
):
    """The FastAPI application serving the store at ``db_path`` (raises StoreError when it is missing).

    ``host`` is the address the server is bound to: requests naming another host are refused.
    ``warm``: start the update process now and load its models (as :func:`run` does), so that
    the first update after a change is as quick as the next ones.
    """
    from fastapi import FastAPI, HTTPException, Query, Request
    from fastapi.responses import HTMLResponse

    from . import __version__

    models = _api_models()

    desk = Desk(db_path, options, warm=warm)

    @asynccontextmanager
    async def lifespan(app):
        yield
        desk.close()

    app = FastAPI(
        title="newsdesk",
        version=__version__,
        description="Stories, articles and search over a newsdesk store (read-only).",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; /openapi.json is enough.
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.desk = desk
    app.add_middleware(_HeadAsGet)
    app.add_middleware(_HostCheck, bound_host=host, allowed=desk.options.allowed_hosts)  # outermost: runs first

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- pages (sync handlers run in the thread pool) -----------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(page: int = Query(1, ge=1)) -> HTMLResponse:
        return HTMLResponse(story_list_page(desk.snapshot(), page, desk.options.stories_per_page))

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story(story_id: str) -> HTMLResponse:
        snapshot = desk.snapshot()
        found = snapshot.story(story_id)
        if found is None:
            return HTMLResponse(not_found_page(f"There is no story {story_id}."), status_code=404)
        return HTMLResponse(story_page(snapshot, found))

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article(article_id: str) -> HTMLResponse:
        snapshot = desk.snapshot()
        found = snapshot.view.articles.get(article_id)
        if found is None:
            return HTMLResponse(not_found_page(f"There is no article {article_id}."), status_code=404)
        return HTMLResponse(article_page(snapshot, found, desk.source(article_id)))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(q: str = "") -> HTMLResponse:
        q = q[: desk.options.max_query_chars]
        hits = desk.search(q) if q.strip() else []
        return HTMLResponse(search_page(desk.snapshot(), q, hits))

    # -- JSON API ------------------------------------------------------------------------------

    @app.get("/api/stories", response_model=list[models.StorySummary], tags=["stories"])
    def api_stories(
        offset: int = Query(0, ge=0, description="Skip this many stories"),
        limit: int = Query(100, ge=1, le=1000, description="Return at most this many stories"),
    ) -> list[dict[str, Any]]:
        """The stories in the report's order, with their outlets: ``limit`` of them from ``offset``
        (fewer than ``limit``: the last page)."""
        snapshot = desk.snapshot()
        return [_story_json(snapshot.view, s) for s in snapshot.view.stories[offset : offset + limit]]

    @app.get(
        "/api/stories/{story_id}",
        response_model=models.StoryDetail,
        responses={404: {"description": "No such story"}},
        tags=["stories"],
    )
    def api_story(story_id: str) -> dict[str, Any]:
        """One story with its member articles (canonical ones, then merged copies) and later stages' outputs."""
        snapshot = desk.snapshot()
        found = snapshot.story(story_id)
        if found is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return _story_detail_json(snapshot, found)

    @app.get(
        "/api/articles/{article_id}",
        response_model=models.ArticleDetail,
        responses={404: {"description": "No such article"}},
        tags=["articles"],
    )
    def api_article(article_id: str) -> dict[str, Any]:
        """One article as in analysis.json, plus ``raw``: the document it was extracted from."""
        snapshot = desk.snapshot()
        found = snapshot.view.articles.get(article_id)
        if found is None:
            raise HTTPException(404, f"no article {article_id!r}")
        source = desk.source(article_id)
        return {**found, "raw": source.to_json() if source else None}

    @app.get("/api/search", response_model=models.SearchResults, tags=["search"])
    def api_search(
        q: str = Query(..., min_length=1, max_length=2000, description="Words to look for in titles and texts"),
        limit: int = Query(10, ge=1, le=100, description="How many hits to return"),
    ) -> dict[str, Any]:
        """Articles matching ``q``: BM25 (FTS5) candidates re-ranked by MiniLM cosine similarity."""
        hits = desk.search(q, limit=limit)
        return {"query": q, "hits": [hit.to_json() for hit in hits]}

    return app


def run(
    db_path: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    options: ServeOptions | None = None,
    log_level: str = "info",
) -> None:
    """Serve the store at ``db_path`` on ``host``:``port`` until interrupted (``newsdesk serve``).

    Binds 127.0.0.1 by default; another address exposes the store to the network and is logged
    as a warning (:func:`exposure_warning`). Raises OptionsError for an impossible address and
    StoreError for a missing or damaged store.
    """
    import uvicorn

    if not host:
        raise OptionsError("the host to serve on is empty", hint="pass an address such as 127.0.0.1")
    if not 0 <= port <= 65535:
        raise OptionsError(f"port {port} is not between 0 and 65535", hint="pass --port 8765, or 0 for any free port")
    warning = exposure_warning(host)
    if warning:
        log.warning("%s", warning)
    app = create_app(db_path, options, host=host, warm=True)
    log.info("serving %s on http://%s:%d/", db_path, host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def exposure_warning(host: str) -> str | None:
    """The warning due when serving on ``host`` exposes the store beyond this machine."""
    if _is_loopback(host):
        return None
    return f"serving on {host}: anyone who can reach this address can read the store"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
