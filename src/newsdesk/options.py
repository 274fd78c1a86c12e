"""Options of a whole run: one object per stage, validated at construction.

Each stage defines its own options class next to its code; :class:`PipelineOptions` only gathers
them so that a caller can configure a run in one place. Everything is keyword-only and has a
documented default, so ``PipelineOptions()`` is a complete, sensible configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dedup import DedupOptions
from .errors import OptionsError
from .extract import ExtractOptions
from .ingest import IngestOptions
from .stories import StoryOptions


#: Analysis stages after ingest, in the order they run.
ANALYSIS_STAGES = frozenset({"entities", "quotes", "positions", "claims", "timeline", "summary"})


@dataclass(frozen=True, kw_only=True)
class PipelineOptions:
    """Options of ``newsdesk ingest`` / ``newsdesk analyze``.

    Attributes:
        ingest, extract, dedup, stories: the options of each stage (see their classes).
        checkpoint_every: new articles indexed (copies, stories) per transaction (default 64, the
            story stage's embedding batch). Each batch commits only the index rows it changed, so
            the cost of a batch does not grow with the store. A run killed between two batches
            loses nothing: the next run feeds the indexes the stored articles they have not seen,
            in their original order.
        template_pages: pages per site that site templates (lines repeated across a site's pages,
            i.e. chrome) are learned from, the first ones in arrival order (default 300).
        stages: the analysis stages run after ingest, by name (default: all of
            :data:`ANALYSIS_STAGES`). An empty set stops at articles, copies and stories.
    """

    ingest: IngestOptions = field(default_factory=IngestOptions)
    extract: ExtractOptions = field(default_factory=ExtractOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    stories: StoryOptions = field(default_factory=StoryOptions)
    checkpoint_every: int = 64
    template_pages: int = 300
    stages: frozenset[str] = ANALYSIS_STAGES

    def __post_init__(self) -> None:
        if self.template_pages < 2:
            raise OptionsError(
                f"template_pages={self.template_pages} is too few to see what repeats across a site's pages",
                hint="use at least 2; the default is 300",
            )
        unknown = set(self.stages) - ANALYSIS_STAGES
        if unknown:
            raise OptionsError(
                f"unknown analysis stage(s): {', '.join(sorted(unknown))}",
                hint=f"choose among: {', '.join(sorted(ANALYSIS_STAGES))}",
            )
        if self.checkpoint_every < 1:
            raise OptionsError(
                f"checkpoint_every={self.checkpoint_every} must be at least 1",
                hint="the default, 64, commits the indexes every 64 new articles",
            )
