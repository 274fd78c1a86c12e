"""Dispute helpers of the claims stage that read the words of the two sides.

The claims stage (:mod:`newsdesk.analysis.claims`) finds statements, encodes them once, names
their actors and finds the disputes; these helpers decide which further statements support one
side of a dispute. A ``number`` or ``date_time`` dispute sets two values against each other
("passed Tuesday" / "voted on Wednesday"); a third outlet that gives one side's value for the same
event (MiniLM cosine at least ``ClaimOptions.value_similarity``) supports that side, even when it
words the event differently ("He tweaked House Republicans for passing a resolution on Tuesday").
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["same_value_support", "values"]

_FIGURE = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?(?:-\d+)?")
_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    from ..resources import pair_lexicon

    raw = pair_lexicon()
    return frozenset(w.lower() for key in ("weekdays", "months") for w in raw.get(key, ()))


def values(text: str) -> set[str]:
    """The figures and calendar words of a text ("396-9", "$447", "tuesday", "march"): what a
    number or date_time dispute sets against each other."""
    figures = {m.group(0).rstrip(".,").replace(",", "") for m in _FIGURE.finditer(text)}
    calendar = {w.lower() for w in _WORD.findall(text)} & _calendar_words()
    return figures | calendar


def same_value_support(own: str, other: str, candidate: str) -> bool:
    """Whether ``candidate`` gives the value that sets the side ``own`` apart from the side
    ``other`` (a figure or calendar word of ``own`` that ``other`` lacks) and none of the values
    that set ``other`` apart: "passing a resolution on Tuesday" supports "passed Tuesday" against
    "voted on Wednesday"."""
    mine, theirs, given = values(own), values(other), values(candidate)
    distinct, opposed = mine - theirs, theirs - mine
    return bool(distinct & given) and not opposed & given
