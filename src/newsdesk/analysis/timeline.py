"""Timeline stage: the dated events of one story, with the articles that report them.

The entries are :func:`newsdesk.analysis.events.story_events` over the story's member articles and their
parses: an entry is an *event* (a call, a vote, a statement: the predicate a temporal expression
dates), not every date the articles mention. Each entry carries

* ``date`` and ``precision`` when the text and the article's publication date give them
  (relative expressions are resolved against that date by :mod:`newsdesk.analysis.timex`);
* ``kind``: ``event`` (the story's own), ``background`` (history quoted as context: "since
  1945") or ``planned`` (forecasts, plans, schedules) — all three are in ``analysis.json``, and
  the report lists the story's events apart from the other two;
* ``sources``: every article that tells it (the same event from several outlets is one entry).

Articles without a publication date never get a made-up date: their relative expressions stay
relative (``relative`` = "Tuesday", ``note`` = "Tuesday, in an undated article") and the entries
follow the dated ones. Absolute expressions ("March 18, 2025", "in 1939") still date an event
whatever the article's date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from .events import KINDS, EventOptions, StoryEvent, clauses_to_embed, event_candidates, merge_events
from .timex import Timex, TimexOptions, find_timexes

if TYPE_CHECKING:  # pragma: no cover
    from .context import StoryContext

__all__ = [
    "KINDS",
    "NAME",
    "SECTIONS",
    "Options",
    "StoryEvent",
    "Timex",
    "TimexOptions",
    "TimelineFindings",
    "TimelineOptions",
    "find_timexes",
    "run",
    "texts_to_embed",
]

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "timeline"
SECTIONS: tuple[str, ...] = ("timeline",)

#: The stage's options are those of :func:`newsdesk.analysis.events.story_events` (see
#: :class:`newsdesk.analysis.events.EventOptions`: background cut-off, merge thresholds, embeddings).
TimelineOptions = EventOptions
Options = TimelineOptions


@dataclass(frozen=True)
class TimelineFindings:
    """The timeline of one story: dated entries in date order (a month before the days inside
    it), then undated ones in the order of their articles; every kind, each marked."""

    entries: tuple[StoryEvent, ...]

    def sections(self) -> dict[str, Sequence[StoryEvent]]:
        return {"timeline": self.entries}

    def events(self) -> list[StoryEvent]:
        """The story's own events (neither background nor planned)."""
        return [entry for entry in self.entries if entry.kind == "event"]


def run(context: "StoryContext", options: EventOptions) -> TimelineFindings:
    """When things happened in the story (:func:`newsdesk.analysis.events.story_events` over its members)."""
    return TimelineFindings(tuple(merge_events(_candidates(context, options), options)))


def texts_to_embed(context: "StoryContext", options: EventOptions) -> list[str]:
    """The texts :func:`run` will encode (its event clauses), named before any stage runs so that
    the runner encodes them in its one large pass with the story's sentences (an optional hook of
    the stage contract: a text's vector does not depend on its batch, so findings do not change)."""
    return clauses_to_embed(_candidates(context, options), options)


def _candidates(context: "StoryContext", options: EventOptions) -> list[Any]:
    """The story's event mentions, found once per context and options."""
    key = (NAME, options)
    if key not in context.stage_memo:
        articles = list(context.articles)
        docs = [context.doc(a.id) for a in articles]
        context.stage_memo[key] = event_candidates(articles, docs, options)
    found: list[Any] = context.stage_memo[key]
    return found
