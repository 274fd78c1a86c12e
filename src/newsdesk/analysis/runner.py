"""The analysis stages in order, their options, and how one story is analysed.

:data:`STAGES` is the ordered tuple of stage modules; each module has ``NAME`` (what
``--stages`` selects), ``SECTIONS`` (the ``analysis.json`` sections it fills), ``Options`` (a
frozen keyword-only dataclass) and ``run(context, options)`` returning typed findings whose
``sections()`` maps each section to its items. :func:`analyse_story` builds a story's
:class:`~newsdesk.analysis.context.StoryContext` once and runs every selected stage on it; a
stage that fails on one story is logged and recorded (:class:`StageError`) and the others go on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from ..errors import AnalysisError, ModelUnavailableError, NewsdeskError, OptionsError
from ..models import Article, Story
from ..resources import PARSE_WINDOW
from . import claims, entities, positions, quotes, summary, timeline
from .context import StoryContext, build_context

log = logging.getLogger(__name__)


class Finding(Protocol):
    """One item of an ``analysis.json`` section (a quote, a position, a claim…)."""

    def to_json(self) -> dict[str, Any]: ...


class Findings(Protocol):
    """What a stage's ``run`` returns: its items, by ``analysis.json`` section."""

    def sections(self) -> Mapping[str, Sequence[Finding]]: ...


class Stage(Protocol):
    """An analysis stage: a module with these four names (see the module docstring)."""

    NAME: str
    SECTIONS: tuple[str, ...]
    Options: type[Any]

    def run(self, context: StoryContext, options: Any, /) -> Findings: ...


#: Most characters of one article the stages analyse (:attr:`AnalysisOptions.max_article_chars`).
MAX_ARTICLE_CHARS = 100_000

#: The analysis stages, in the order they run on each story.
STAGES: tuple[Stage, ...] = (entities, quotes, positions, claims, timeline, summary)
STAGE_NAMES = frozenset(stage.NAME for stage in STAGES)

#: Sections whose items are merged across stories instead of tagged with their story.
_MERGED_SECTIONS: dict[str, Callable[[list[Sequence[Any]]], list[Any]]] = {"entities": entities.merge_tables}


@dataclass(frozen=True, kw_only=True)
class AnalysisOptions:
    """Options of the analysis of every story: which stages run, and each stage's options.

    Attributes:
        stages: the stages to run, by name (default: every stage of :data:`STAGES`). An empty
            set stops at articles, copies and stories.
        entities, quotes, positions, claims, timeline, summary: each stage's options (see
            their classes; the entity options also build the table quotes and positions use).
        extra: options of stages without a field here (a stage added to the tuple), by name;
            a stage with neither runs with its ``Options()``.
        parse_window: longest text, in characters, spaCy parses at once (default 100,000;
            longer articles are parsed in windows cut at paragraph breaks, see
            :func:`newsdesk.resources.parse`).
        max_article_chars: most characters of one article the stages analyse (default
            100,000, one parse window: above any article of our piles, whose longest is 13,387
            characters (Reuters), and a 15,000-word feature). A longer text (a book, a feed dump
            saved as one page) is analysed up to the last paragraph break before the limit, so
            that it finishes in bounded time (the quote stage's cost grows faster than the
            length: see docs/benchmarks/scale.md); the cut is logged and listed in
            ``run.analysis.truncated``.
    """

    stages: frozenset[str] = STAGE_NAMES
    entities: entities.EntityOptions = field(default_factory=entities.EntityOptions)
    quotes: quotes.QuoteOptions = field(default_factory=quotes.QuoteOptions)
    positions: positions.PositionOptions = field(default_factory=positions.PositionOptions)
    claims: claims.ClaimOptions = field(default_factory=claims.ClaimOptions)
    timeline: timeline.TimelineOptions = field(default_factory=timeline.TimelineOptions)
    summary: summary.SummaryOptions = field(default_factory=summary.SummaryOptions)
    extra: Mapping[str, Any] = field(default_factory=dict)
    parse_window: int = PARSE_WINDOW
    max_article_chars: int = MAX_ARTICLE_CHARS

    def __post_init__(self) -> None:
        known = {stage.NAME for stage in STAGES} | set(self.extra)
        unknown = set(self.stages) - known
        if unknown:
            raise OptionsError(
                f"unknown analysis stage(s): {', '.join(sorted(unknown))}",
                hint=f"choose among: {', '.join(sorted(known))}",
            )
        if self.parse_window < 1000:
            raise OptionsError(
                f"parse_window={self.parse_window} is too small to hold a paragraph",
                hint="use at least 1000 characters; the default is 100000",
            )
        if self.max_article_chars < 1000:
            raise OptionsError(
                f"max_article_chars={self.max_article_chars} would cut articles to a paragraph",
                hint=f"use at least 1000 characters; the default is {MAX_ARTICLE_CHARS}",
            )

    def options_for(self, stage: Stage) -> Any:
        """The options ``stage`` runs with."""
        own = getattr(self, stage.NAME, None)
        if isinstance(own, stage.Options):  # a field of its own (the built-in stages)
            return own
        given = self.extra.get(stage.NAME)
        return given if given is not None else stage.Options()

    def digest(self) -> str:
        """A digest of every option that affects the analysis (equal digests, equal findings)."""
        blob = json.dumps(_canonical(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the same for equal options in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__class__": type(value).__qualname__,
            **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    # Anything else (a callable, an object) has no stable form: its repr names the object, so an
    # analysis made with it is never mistaken for another.
    return repr(value)


@dataclass(frozen=True)
class StageError:
    """A stage (or the story's context: parse, sentences) that failed on one story."""

    story: str
    stage: str
    code: str
    error: str  # the exception's class
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "stage": self.stage,
            "code": self.code,
            "error": self.error,
            "message": self.message,
        }


@dataclass(frozen=True)
class StoryAnalysis:
    """The findings of every stage that ran on one story, and the stages that failed on it."""

    story: str
    findings: Mapping[str, Findings]
    errors: tuple[StageError, ...] = ()
    #: seconds spent on this story: ``parse``, ``sentences`` (the rest of the context), ``encode``
    #: (the MiniLM pass over the context's sentences, shared by the stages that embed them), each
    #: stage by name, and ``embeddings`` (all MiniLM encoding: ``encode`` and what stages encoded)
    seconds: Mapping[str, float] = field(default_factory=dict, compare=False)
    #: each member article's search vector (float32 bytes; :func:`newsdesk.search.lead_vector`),
    #: a by-product of the sentence encoding that the store keeps for search (not a finding)
    vectors: Mapping[str, bytes] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StoryItem:
    """A story-scoped finding (quote, position, claim…) tagged with the story it belongs to."""

    story: str
    item: Any

    def to_json(self) -> dict[str, Any]:
        return {"story": self.story, **self.item.to_json()}


def analyse_story(
    story: Story,
    articles: Sequence[Article],
    options: AnalysisOptions,
    *,
    stages: Sequence[Stage] | None = None,
) -> StoryAnalysis:
    """Every selected stage (of ``stages``, default :data:`STAGES`) on one story whose canonical
    members are ``articles``.

    Depends on nothing but its arguments. A missing bundled model raises
    :class:`ModelUnavailableError` (nothing can be analysed without it); any other failure is
    logged and recorded in the result, and the other stages still run.
    """
    return next(analyse_stories([(story, articles)], options, stages=stages))


#: Context sentences encoded together by :func:`analyse_stories` (bounds the memory of the
#: word-piece vectors kept for a chunk of stories: about 50 kB a sentence).
CHUNK_SENTENCES = 1500


class VectorCache(Protocol):
    """Sentence vectors kept from earlier runs (``newsdesk.analysis.cache.SentenceVectors``)."""

    def get(self, texts: Sequence[str], /) -> Mapping[str, Any]: ...

    def keep(self, vectors: Mapping[str, Any], /) -> None: ...


def analyse_stories(
    items: Iterable[tuple[Story, Sequence[Article]]],
    options: AnalysisOptions,
    *,
    stages: Sequence[Stage] | None = None,
    chunk_sentences: int = CHUNK_SENTENCES,
    vectors: VectorCache | None = None,
) -> Iterator[StoryAnalysis]:
    """:func:`analyse_story` of each ``(story, articles)`` item, in order.

    Stories are parsed in groups (one ``nlp.pipe`` call for about :data:`PARSE_GROUP_CHARS`
    characters; a parse does not depend on its batch), their contexts built, and the sentences
    of a chunk of stories are encoded in one MiniLM pass (up to ``chunk_sentences``): the encoder is
    several times faster on large batches, and a text's vectors do not depend on its batch
    (:func:`newsdesk.resources.encode_tokens`), so each story's findings are exactly those of
    :func:`analyse_story` alone. With ``vectors`` (the store's sentence vectors), a text whose
    vector was kept is looked up instead of encoded, and new vectors are handed to it to keep:
    the findings are the same either way.
    """
    selected = [stage for stage in (STAGES if stages is None else stages) if stage.NAME in options.stages]
    chunk: list[tuple[StoryContext | StoryAnalysis, dict[str, float]]] = []
    count = 0
    for group in _parse_groups(items, options):
        if not selected:
            yield from (StoryAnalysis(story.id, {}) for story, _ in group)
            continue
        for prepared in _prepare_many(group, options):
            chunk.append(prepared)
            if isinstance(prepared[0], StoryContext):
                count += sum(len(sentences) for sentences in prepared[0].sentences.values())
            if count >= chunk_sentences:
                yield from _finish(chunk, options, selected, vectors)
                chunk, count = [], 0
    yield from _finish(chunk, options, selected, vectors)


#: Characters of article text parsed in one ``nlp.pipe`` call (several stories: most have one to
#: three short articles, and spaCy parses a batch of 16 texts faster than 16 calls of one).
PARSE_GROUP_CHARS = 50_000


def _parse_groups(
    items: Iterable[tuple[Story, Sequence[Article]]], options: AnalysisOptions
) -> Iterator[list[tuple[Story, Sequence[Article]]]]:
    """Consecutive stories, cut into groups of about :data:`PARSE_GROUP_CHARS` characters."""
    group: list[tuple[Story, Sequence[Article]]] = []
    chars = 0
    for story, articles in items:
        group.append((story, articles))
        chars += sum(min(len(a.text), options.max_article_chars) for a in articles)
        if chars >= PARSE_GROUP_CHARS:
            yield group
            group, chars = [], 0
    if group:
        yield group


def _prepare_many(
    group: Sequence[tuple[Story, Sequence[Article]]], options: AnalysisOptions
) -> list[tuple[StoryContext | StoryAnalysis, dict[str, float]]]:
    """:func:`_prepare` of each story of ``group``, their texts parsed in one call (a parse does
    not depend on its batch); when that call fails, story by story, so that only the story whose
    text broke it fails."""
    from ..resources import parse

    bounded = [(story, _bounded(articles, options.max_article_chars)) for story, articles in group]
    texts = [article.text for _, articles in bounded for article in articles]
    start = time.perf_counter()
    try:
        docs = parse(texts, window=options.parse_window)
    except ModelUnavailableError:
        raise
    except Exception:  # one text no parse can read: find its story
        log.debug("a grouped parse failed; parsing story by story", exc_info=True)
        return [_prepare(story, articles, options) for story, articles in bounded]
    elapsed = time.perf_counter() - start
    total = sum(len(text) for text in texts) or 1
    out: list[tuple[StoryContext | StoryAnalysis, dict[str, float]]] = []
    position = 0
    for story, articles in bounded:
        own = docs[position : position + len(articles)]
        position += len(articles)
        # the group's parse shared out by characters
        seconds = {"parse": elapsed * sum(len(a.text) for a in articles) / total}
        try:
            with _timed(seconds, "sentences"):
                parsed = dict(zip([a.id for a in articles], own))
                context = build_context(story, articles, entity_options=options.entities, docs=parsed)
        except ModelUnavailableError:
            raise
        except Exception as exc:  # a text no stage can read must not stop the other stories
            out.append((StoryAnalysis(story.id, {}, (_failure(story.id, "context", exc),), seconds), seconds))
            continue
        out.append((context, seconds))
    return out


def bounded_text(text: str, limit: int) -> str:
    """``text`` itself when it has at most ``limit`` characters, else its longest prefix of at
    most ``limit`` characters that ends at a paragraph break (else a line break, a sentence end,
    a space) in the second half of the limit, else the first ``limit`` characters. A prefix keeps
    every character offset of the original text."""
    if len(text) <= limit:
        return text
    for pattern in _BOUNDS:
        ends = [m.end() for m in pattern.finditer(text, limit // 2, limit) if m.end() <= limit]
        if ends:
            return text[: ends[-1]]
    return text[:limit]


_BOUNDS = tuple(re.compile(pattern) for pattern in (r"\n[ \t\r\f\v]*\n\s*", r"\n\s*", r"[.!?][\"'”’)]*\s+", r"\s+"))


def _bounded(articles: Sequence[Article], limit: int) -> list[Article]:
    """The articles as the stages see them: each cut to :func:`bounded_text` (logged)."""
    out = []
    for article in articles:
        text = bounded_text(article.text, limit)
        if len(text) < len(article.text):
            log.warning(
                "article %s has %d characters: analysing its first %d (max_article_chars=%d)",
                article.id,
                len(article.text),
                len(text),
                limit,
            )
            article = dataclasses.replace(article, text=text)
        out.append(article)
    return out


def _prepare(
    story: Story, articles: Sequence[Article], options: AnalysisOptions
) -> tuple[StoryContext | StoryAnalysis, dict[str, float]]:
    """A story's context (parsed, sentences split), or its failure, and the seconds spent."""
    from ..resources import parse

    seconds: dict[str, float] = {}
    articles = _bounded(articles, options.max_article_chars)
    try:
        with _timed(seconds, "parse"):
            docs = dict(zip([a.id for a in articles], parse([a.text for a in articles], window=options.parse_window)))
        with _timed(seconds, "sentences"):
            context = build_context(story, articles, entity_options=options.entities, docs=docs)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # a text no stage can read must not stop the other stories
        return StoryAnalysis(story.id, {}, (_failure(story.id, "context", exc),), seconds), seconds
    return context, seconds


def _finish(
    chunk: Sequence[tuple[StoryContext | StoryAnalysis, dict[str, float]]],
    options: AnalysisOptions,
    selected: Sequence[Stage],
    vectors: VectorCache | None = None,
) -> Iterator[StoryAnalysis]:
    """The stages on each prepared story of ``chunk``, its context sentences encoded first in one pass."""
    from ..resources import embedding_memo, encode_tokens

    if not chunk:
        return
    lookup = vectors.get if vectors is not None else None
    # the stages embed the same sentences: each is encoded once (or looked up in ``vectors``)
    with embedding_memo(lookup) as memo:
        contexts = [prepared for prepared, _ in chunk if isinstance(prepared, StoryContext)]
        # the sentences and titles most stages embed (claims, stance, summary, timeline)
        texts = [s.text for context in contexts for sentences in context.sentences.values() for s in sentences]
        texts += [a.title for context in contexts for a in context.articles if a.title]
        # and what stages name ahead (an optional ``texts_to_embed`` hook: the timeline's clauses)
        ahead = {id(context): _texts_ahead(context, options, selected) for context in contexts}
        texts += [text for named, _ in ahead.values() for text in named]
        encode_seconds = 0.0
        kept: set[str] = set()
        if texts and selected_embed(selected):
            start = time.perf_counter()
            if vectors is not None:
                found = vectors.get(list(dict.fromkeys(texts)))
                memo.vectors.update(found)
                kept = set(found)
                texts_to_encode = [text for text in dict.fromkeys(texts) if text not in found]
            else:
                texts_to_encode = texts
            if texts_to_encode:
                encode_tokens(texts_to_encode)  # in one pass: large batches
            encode_seconds = time.perf_counter() - start
        for prepared, seconds in chunk:
            if isinstance(prepared, StoryAnalysis):
                yield prepared
                continue
            # the chunk's encoding, shared out by each story's number of sentences
            own = sum(len(s) for s in prepared.sentences.values()) + sum(1 for a in prepared.articles if a.title)
            own += len(ahead[id(prepared)][0])
            share = own / max(1, len(texts)) * encode_seconds
            before = memo.seconds
            result = run_stages(prepared, options, stages=selected)
            hook_seconds = ahead[id(prepared)][1]
            if hook_seconds:  # the hooks' work is their stages' (what they found, run reuses)
                result = dataclasses.replace(
                    result,
                    seconds={n: t + hook_seconds.get(n, 0.0) for n, t in result.seconds.items()},
                )
            if vectors is not None:  # what this story encoded, handed over before it is yielded
                new = [text for text in memo.tokens if text not in kept]
                vectors.keep({text: memo.vectors[text] for text in new})
                kept.update(new)
            yield dataclasses.replace(
                result,
                seconds={**seconds, "encode": share, **result.seconds, "embeddings": share + memo.seconds - before},
                vectors=_search_vectors(prepared, memo) if texts and selected_embed(selected) else {},
            )


def _texts_ahead(
    context: StoryContext, options: AnalysisOptions, selected: Sequence[Stage]
) -> tuple[list[str], dict[str, float]]:
    """The texts the selected stages name before they run (their ``texts_to_embed(context,
    options)``, when they have one), and the seconds each hook took. A hook that fails names
    nothing: its stage meets the same failure when it runs, and records it."""
    texts: list[str] = []
    seconds: dict[str, float] = {}
    for stage in selected:
        hook = getattr(stage, "texts_to_embed", None)
        if hook is None:
            continue
        start = time.perf_counter()
        try:
            texts += hook(context, options.options_for(stage))
        except ModelUnavailableError:
            raise
        except Exception:  # recorded when the stage itself runs
            log.debug("%s could not name its texts for story %s", stage.NAME, context.story.id, exc_info=True)
        seconds[stage.NAME] = time.perf_counter() - start
    return texts, seconds


def _search_vectors(context: StoryContext, memo: Any) -> dict[str, bytes]:
    """Each member's search vector from the vectors its sentences already have."""
    from ..search import LEAD_SENTENCES, lead_vector

    return {
        article.id: lead_vector([memo.vectors[s.text] for s in context.sentences[article.id][:LEAD_SENTENCES]])
        for article in context.articles
    }


#: The stages that embed the context's sentences (claims, summary, timeline, and the stance
#: model inside claims): when one runs, every sentence is encoded up front in one pass.
EMBEDDING_STAGES = frozenset({"claims", "summary", "timeline"})


def selected_embed(stages: Sequence[Stage]) -> bool:
    """Whether any of ``stages`` embeds the context's sentences."""
    return any(stage.NAME in EMBEDDING_STAGES for stage in stages)


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start


def run_stages(
    context: StoryContext, options: AnalysisOptions, *, stages: Sequence[Stage] | None = None
) -> StoryAnalysis:
    """The selected stages on an already built context (see :func:`analyse_story`)."""
    findings: dict[str, Findings] = {}
    errors: list[StageError] = []
    seconds: dict[str, float] = {}
    for stage in STAGES if stages is None else stages:
        if stage.NAME not in options.stages:
            continue
        try:
            with _timed(seconds, stage.NAME):
                findings[stage.NAME] = stage.run(context, options.options_for(stage))
        except ModelUnavailableError:
            raise
        except Exception as exc:  # one stage failing on one story must not stop the analysis
            errors.append(_failure(context.story.id, stage.NAME, exc))
    return StoryAnalysis(context.story.id, findings, tuple(errors), seconds)


def _failure(story_id: str, stage: str, exc: Exception) -> StageError:
    if isinstance(exc, NewsdeskError):
        log.warning("%s failed on story %s: %s", stage, story_id, exc)
        return StageError(story_id, stage, exc.code, type(exc).__name__, exc.message)
    log.error("%s failed on story %s", stage, story_id, exc_info=exc)
    return StageError(story_id, stage, AnalysisError.code, type(exc).__name__, str(exc) or repr(exc))


def section_names(stages: Sequence[Stage] | None = None) -> list[str]:
    """The ``analysis.json`` sections the stages (default :data:`STAGES`) fill, in stage order."""
    return [section for stage in (STAGES if stages is None else stages) for section in stage.SECTIONS]


def collect_sections(results: Sequence[StoryAnalysis], stages: Sequence[Stage] | None = None) -> dict[str, list[Any]]:
    """The stories' findings as ``analysis.json`` sections, in stage order, each in story order.

    Items are tagged with their story (:class:`StoryItem`), except entities, which are merged
    across stories by id (:func:`newsdesk.analysis.entities.merge_tables`).
    """
    sections: dict[str, list[Any]] = {}
    for stage in STAGES if stages is None else stages:
        for name in stage.SECTIONS:
            per_story = [
                (r.story, r.findings[stage.NAME].sections().get(name, ())) for r in results if stage.NAME in r.findings
            ]
            merge = _MERGED_SECTIONS.get(name)
            if merge is not None:
                sections[name] = merge([items for _, items in per_story])
            else:
                sections[name] = [StoryItem(story, item) for story, items in per_story for item in items]
    return sections
