"""ANALYSIS: per story, who said what, who wants what, what the outlets agree and disagree on,
when things happened, and a cited summary.

Every stage is one module with the same contract (see :mod:`newsdesk.analysis.runner`)::

    NAME = "quotes"                      # what --stages selects
    SECTIONS = ("quotes",)               # the analysis.json sections it fills
    Options = QuoteOptions               # a frozen keyword-only dataclass
    def run(context: StoryContext, options: QuoteOptions) -> QuoteFindings: ...

:data:`STAGES` lists them in the order they run; :func:`analyse_story` builds a story's
:class:`StoryContext` (members, parses, sentences, entities, actor sides) once and runs them.
"""

from __future__ import annotations

from .context import StoryContext, build_context
from .runner import (
    STAGE_NAMES,
    STAGES,
    AnalysisOptions,
    Stage,
    StageError,
    StoryAnalysis,
    StoryItem,
    analyse_stories,
    analyse_story,
    collect_sections,
    run_stages,
    section_names,
)
from .sentences import Sentence

__all__ = [
    "STAGES",
    "STAGE_NAMES",
    "AnalysisOptions",
    "Sentence",
    "Stage",
    "StageError",
    "StoryAnalysis",
    "StoryContext",
    "StoryItem",
    "analyse_stories",
    "analyse_story",
    "build_context",
    "collect_sections",
    "run_stages",
    "section_names",
]
