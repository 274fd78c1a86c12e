"""POSITIONS stage: who wants what, as the text states it.

Each :class:`Position` says that an actor (a person, institution or country) demands, proposes,
agrees to, rejects, warns of, asserts or denies a proposition, with the condition the text
attaches to it and the sentence that says so::

    positions = extract_positions(article, doc=None, resolve_actor=None, options=PositionOptions())

The package reads in order: :mod:`.lexicon` (the cue words), :mod:`.syntax` (subjects from the
parse), :mod:`.actors` (actor mentions and pronoun antecedents), :mod:`.candidates` (cue, actor,
content, condition per sentence) and :mod:`.extraction` (positions of an article). Which side an
actor speaks for is decided by :mod:`newsdesk.analysis.sides` (the story's entities, titles,
seats of government, demonyms). The benchmark on hand-labelled BASIL sentences is
``newsdesk bench positions`` (:mod:`newsdesk.bench.positions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..sides import ActorRef, ActorResolver, default_actor_resolver
from .extraction import KINDS, Position, PositionOptions, extract_positions

if TYPE_CHECKING:  # pragma: no cover
    from ..context import StoryContext

__all__ = [
    "KINDS",
    "NAME",
    "SECTIONS",
    "ActorRef",
    "ActorResolver",
    "Options",
    "Position",
    "PositionFindings",
    "PositionOptions",
    "default_actor_resolver",
    "extract_positions",
    "run",
]

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "positions"
SECTIONS: tuple[str, ...] = ("positions",)


Options = PositionOptions


@dataclass(frozen=True)
class PositionFindings:
    """The positions of one story, article by article in the story's order, each in text order."""

    positions: tuple[Position, ...]

    def sections(self) -> dict[str, Sequence[Position]]:
        return {"positions": self.positions}


def run(context: "StoryContext", options: PositionOptions) -> PositionFindings:
    """Who wants what in the story: :func:`extract_positions` on each member article, actors
    named by the story's entities and sides (:meth:`StoryContext.actor_resolver`)."""
    return PositionFindings(
        tuple(
            position
            for article in context.articles
            for position in extract_positions(
                article,
                context.doc(article.id),
                context.actor_resolver(article.id),
                options,
                sentences=context.sentences[article.id],
                speakers=context.speakers(article.id) if options.resolve_pronouns and options.coref else None,
                quoted_by=_quotations(context, article.id) if options.quoted_by else (),
            )
        )
    )


def _quotations(context: "StoryContext", article_id: str) -> list[tuple[int, int, str]]:
    """(start, end, speaker name) of the article's direct quotations with a known speaker, found
    by the quote rules (no learned model): who tells the stances quoted inside them."""
    from ..quotes import QuoteOptions, find_quotes, normalise_quote_marks, quotation_spans, quoted_share

    article = next(a for a in context.articles if a.id == article_id)
    table = context.entities
    spans = quotation_spans(normalise_quote_marks(article.text))
    found = []
    for quote in find_quotes(
        article,
        context.doc(article_id),
        table,
        QuoteOptions(classifier=False, nested=False, indirect=False),
        speakers=context.speakers(article_id),
    ):
        name = quote.speaker_name or (table.entities[quote.speaker].name if quote.speaker in table.entities else None)
        mostly_quoted = quote.direct or quoted_share(article.text, (quote.start, quote.end), spans) >= 0.5
        if mostly_quoted and name and quote.kind != "learned":
            found.append((quote.start, quote.end, name))
    return found
