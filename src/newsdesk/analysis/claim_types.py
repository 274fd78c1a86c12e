"""What the claims stage and its dispute detectors share: the findings (:class:`Evidence`,
:class:`Side`, :class:`Dispute`), the :class:`Statement` they are read from, and the cue words
(``claims_*`` and ``disputes_*`` in ``data/nli/lexicon.json``).

Kept apart so that :mod:`newsdesk.analysis.claims` (statements, same-fact grouping),
:mod:`newsdesk.analysis.disputes` (the detectors) and :mod:`newsdesk.analysis.dispute_actors`
(who holds a side) import the same types without importing one another in a circle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Cues", "Dispute", "Evidence", "Side", "Statement", "cue_words", "lower_words"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True)
class Evidence:
    """Where an article states something: the sentence and its character offsets in ``Article.text``."""

    article_id: str
    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "sentence": self.sentence, "start": self.start, "end": self.end}


@dataclass
class Side:
    """One side of a dispute: who holds it (``actor``, and the country or bloc it speaks for when
    known), its own words, and every source that supports it (the statement itself first)."""

    actor: str
    words: str
    sources: list[Evidence]
    side: str | None = None

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(e.article_id for e in self.sources))

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "side": self.side,
            "words": self.words,
            "sources": [e.to_json() for e in self.sources],
        }


@dataclass
class Dispute:
    """Two statements that cannot both hold, or a reported dispute between two parties.

    ``kind`` is one of :data:`DISPUTE_KINDS`; ``sides`` are the two sides (actor, words,
    supporting sources); ``evidence`` the two sentences found in conflict (for a dispute stated
    in one sentence, that sentence twice); ``explanation`` what clashes.
    """

    id: str
    kind: str
    sides: list[Side]
    evidence: list[Evidence]
    explanation: str = ""
    score: float = 0.0

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(a for side in self.sides for a in side.article_ids))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "explanation": self.explanation,
            "score": round(self.score, 4),
            "sides": [s.to_json() for s in self.sides],
            "sources": self.sources,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class Cues:
    """The cue-word lists of the claims stage and its dispute detectors, lowercased."""

    rebuttal: frozenset[str]
    back_reference: frozenset[str]
    contested_nouns: frozenset[str]
    contested: frozenset[str]
    reporting: frozenset[str]
    counter: frozenset[str]
    critics: frozenset[str]
    claim_verbs: frozenset[str]
    accusation_nouns: frozenset[str]
    accusation_verbs: frozenset[str]
    units_not_compared: frozenset[str]
    outcome_nouns: frozenset[str]
    outcome_negations: frozenset[str]
    falsity: frozenset[str]


@lru_cache(maxsize=1)
def cue_words() -> Cues:
    """The cue words, read once from the pair model's lexicon (``data/nli/lexicon.json``)."""
    from ..resources import pair_lexicon

    raw = pair_lexicon()
    return Cues(
        rebuttal=frozenset(raw["claims_rebuttal"]),
        back_reference=frozenset(raw["claims_back_reference"]),
        contested_nouns=frozenset(raw["claims_contested_nouns"]),
        contested=frozenset(raw["claims_contested"]),
        reporting=frozenset(raw["claims_reporting_verbs"]),
        counter=frozenset(raw["disputes_counter"]),
        critics=frozenset(raw["disputes_critics"]),
        claim_verbs=frozenset(raw["disputes_claim_verbs"]),
        accusation_nouns=frozenset(raw["disputes_accusation_nouns"]),
        accusation_verbs=frozenset(raw["disputes_accusation_verbs"]),
        units_not_compared=frozenset(raw["disputes_units_not_compared"]),
        outcome_nouns=frozenset(raw["disputes_outcome_nouns"]),
        outcome_negations=frozenset(raw["disputes_outcome_negations"]),
        falsity=frozenset(raw["disputes_falsity"]),
    )


def lower_words(text: str) -> list[str]:
    """The words of a text, lowercased, with a typographic apostrophe made plain ("Trump’s": "trump's")."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


@dataclass
class Statement:
    """A whole statement of an article: its text, its offsets in ``Article.text`` and the number
    of its (first) sentence in the article."""

    article_id: str
    text: str
    start: int
    end: int
    index: int  # sentence number in its article

    def evidence(self) -> Evidence:
        return Evidence(self.article_id, self.text, self.start, self.end)
