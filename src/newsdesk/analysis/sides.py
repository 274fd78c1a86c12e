"""Who an actor mention is and which side it speaks for, in one article of a story.

The story's entity table names the actor when it knows the mention; the side comes from the
entity's affiliation (a person's country or organisation, an institution's country), from the
entity itself for countries and nationalities, and otherwise from the article's own titles,
seats of government and demonyms (:func:`newsdesk.analysis.positions.default_actor_resolver`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Article
from .entities import EntityTable
from .positions import ActorRef, ActorResolver, default_actor_resolver

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

__all__ = ["ActorRef", "ActorResolver", "story_actor_resolver"]


def story_actor_resolver(article: Article, doc: "Doc", table: EntityTable | None) -> ActorResolver:
    """Actors named by the story's entities when they know the mention, else by the article's
    own titles, seats of government and demonyms."""
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
