"""What every analysis stage of one story reads: its :class:`StoryContext`, built once.

A story's analysis depends on nothing but its context and the options: the member articles
(canonical, in the story's order), their spaCy parses (:func:`newsdesk.resources.parse`, the one
way article text is parsed), ONE list of sentences with character offsets per article
(:func:`sentence_spans`, the one sentence splitter), the story's entity table and the
actor/side resolver built on it. Nothing here is shared between stories, so stories can be
analysed in any order, in parallel, or again from a cache keyed by :attr:`StoryContext.digest`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import AnalysisError
from ..models import Article, Story
from .entities import EntityOptions, EntityTable, extract_entities
from .sentences import Sentence, article_sentences, sentence_spans
from .sides import ActorResolver, story_actor_resolver

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from .speakers import ArticleSpeakers

__all__ = ["Sentence", "StoryContext", "build_context", "sentence_spans"]


@dataclass(frozen=True, eq=False)
class StoryContext:
    """One story as every stage sees it (built by :func:`build_context`).

    Attributes:
        story: the story (id, title, members).
        articles: its canonical member articles, in the story's order.
        docs: article id -> spaCy parse of ``article.text`` (character offsets are shared).
        sentences: article id -> its sentences, in text order (see :func:`sentence_spans`).
        entity_options: how :attr:`entities` is built.
    """

    story: Story
    articles: tuple[Article, ...]
    docs: Mapping[str, "Doc"]
    sentences: Mapping[str, tuple[Sentence, ...]]
    entity_options: EntityOptions = field(default_factory=EntityOptions)

    def doc(self, article_id: str) -> "Doc":
        """The parse of one member article."""
        return self.docs[article_id]

    @cached_property
    def entities(self) -> EntityTable:
        """The story's canonical entities (people, organisations, places), built on first use."""
        return extract_entities(list(self.articles), self.docs, self.entity_options)

    @cached_property
    def _speaker_resolvers(self) -> dict[str, "ArticleSpeakers"]:
        return {}

    @cached_property
    def stage_memo(self) -> dict[Any, Any]:
        """What a stage derives from this context once and reads twice, by a key of its own (the
        timeline's event mentions: named for the runner's encoding pass, then merged by its run)."""
        return {}

    def speakers(self, article_id: str) -> "ArticleSpeakers":
        """Who a pronoun or description names in one member article (speaker coreference on the
        story's entities), made once and shared by the stages that name speakers and actors."""
        from .speakers import ArticleSpeakers

        cache = self._speaker_resolvers
        if article_id not in cache:
            cache[article_id] = ArticleSpeakers(article_id, self.docs[article_id], self.entities)
        return cache[article_id]

    def actor_resolver(self, article_id: str) -> ActorResolver:
        """Who an actor mention in one article is, and the side it speaks for: the story's
        entities when they know the mention, else titles, seats of government and demonyms."""
        article = next(a for a in self.articles if a.id == article_id)
        return story_actor_resolver(article, self.docs[article_id], self.entities)

    @cached_property
    def digest(self) -> str:
        """A digest of everything the analysis of this story reads (member ids, texts and the
        metadata stages use): equal digests and equal options give equal findings."""
        payload = [[a.id, a.title, a.outlet, list(a.authors), a.published, a.text] for a in self.articles]
        blob = json.dumps(payload, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def build_context(
    story: Story,
    articles: Sequence[Article],
    *,
    entity_options: EntityOptions | None = None,
    docs: Mapping[str, "Doc"] | None = None,
    window: int | None = None,
) -> StoryContext:
    """The context of ``story`` whose canonical members are ``articles`` (in the story's order).

    Texts are parsed here with :func:`newsdesk.resources.parse` (in windows of at most
    ``window`` characters) unless ``docs`` already holds their parses. Raises :class:`AnalysisError` when a given parse is not of its article's text.
    """
    from ..resources import PARSE_WINDOW, doc_text, parse

    members = tuple(articles)
    given = dict(docs or {})
    missing = [a for a in members if a.id not in given]
    for article, doc in zip(missing, parse([a.text for a in missing], window=window or PARSE_WINDOW)):
        given[article.id] = doc
    for article in members:
        if doc_text(given[article.id]) != article.text:
            raise AnalysisError(
                f"the spaCy Doc given for article {article.id} is not a parse of its text",
                hint="leave docs out to parse the articles here",
            )
    own = {a.id: given[a.id] for a in members}
    sentences = {a.id: article_sentences(a.text, own[a.id]) for a in members}
    return StoryContext(story, members, own, sentences, entity_options or EntityOptions())
