"""Options of a whole run: one object per stage, validated at construction.

Each stage defines its own options class next to its code; :class:`PipelineOptions` only gathers
them so that a caller can configure a run in one place. Everything is keyword-only and has a
documented default, so ``PipelineOptions()`` is a complete, sensible configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import AnalysisOptions
from .dedup import DedupOptions
from .errors import OptionsError
from .extract import ExtractOptions
from .ingest import IngestOptions
from .stories import StoryOptions


@dataclass(frozen=True, kw_only=True)
class PipelineOptions:
    """Options of ``newsdesk ingest`` / ``newsdesk analyze`` / ``newsdesk report``.

    Attributes:
        ingest, extract, dedup, stories: the options of each stage (see their classes).
        checkpoint_every: new articles indexed (copies, stories) per transaction (default 64, the
            story stage's embedding batch). Each batch commits only the index rows it changed, so
            the cost of a batch does not grow with the store. A run killed between two batches
            loses nothing: the next run feeds the indexes the stored articles they have not seen,
            in their original order.
        template_pages: pages per site that site templates (lines repeated across a site's pages,
            i.e. chrome) are learned from, the first ones in arrival order (default 300).
        analysis: which analysis stages run on each story, and each one's options
            (:class:`~newsdesk.analysis.AnalysisOptions`).
    """

    ingest: IngestOptions = field(default_factory=IngestOptions)
    extract: ExtractOptions = field(default_factory=ExtractOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    stories: StoryOptions = field(default_factory=StoryOptions)
    checkpoint_every: int = 64
    template_pages: int = 300
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)

    def __post_init__(self) -> None:
        if self.template_pages < 2:
            raise OptionsError(
                f"template_pages={self.template_pages} is too few to see what repeats across a site's pages",
                hint="use at least 2; the default is 300",
            )
        if self.checkpoint_every < 1:
            raise OptionsError(
                f"checkpoint_every={self.checkpoint_every} must be at least 1",
                hint="the default, 64, commits the indexes every 64 new articles",
            )
