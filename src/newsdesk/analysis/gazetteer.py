"""The one gazetteer every analysis stage reads: ``newsdesk/data/gazetteer.json``, loaded once.

Countries and international institutions, each with the names that denote it (``aliases``: "U.S.",
"America"), the words that say someone belongs to it (``demonyms``: "American", "Americans"), the
capitals and seats of government that speak for it (``seats``: "the Kremlin", "Downing Street")
and other words naming its side in a mention (``side_words``: "Europe"); office titles and
honorifics; role nouns that describe a person, and those of people who speak for themselves.
Names of people are not in it: who speaks for whom is read from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import ModelUnavailableError

__all__ = ["Gazetteer", "Place", "gazetteer", "side_key"]


@dataclass(frozen=True)
class Place:
    """A country or an international institution (``kind``: "country" or "institution")."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    seats: tuple[str, ...]
    side_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gazetteer:
    """Look-ups over the places, titles and roles of the gazetteer (keys are lower-case)."""

    places: tuple[Place, ...]
    #: name of a place -> its canonical name ("u.s." -> "United States")
    place_names: dict[str, str]
    #: demonym or attributive form -> place ("russian" -> "Russia", "u.s." -> "United States")
    demonyms: dict[str, str]
    #: capital or seat of government -> place ("kremlin" -> "Russia")
    seats: dict[str, str]
    #: any word or phrase naming a side: names, demonyms, seats and side words
    sides: dict[str, str]
    #: canonical names of international institutions (EU, NATO, UN)
    institutions: frozenset[str]
    offices: frozenset[str]
    office_modifiers: frozenset[str]
    honorifics: frozenset[str]
    #: every word of a title before a name: offices, their modifiers and honorifics
    titles: frozenset[str]
    person_roles: frozenset[str]
    independent_roles: frozenset[str]
    #: longest side phrase, in words
    max_side_words: int

    def side(self, words: str) -> str | None:
        """The side a word or phrase names ("the Kremlin's" -> "Russia"), or None.

        Leading "the", a possessive and edge punctuation are ignored; a plural not in the
        gazetteer falls back to its singular ("the Qataris" -> "Qatar").
        """
        low = words.lower().strip()
        key = side_key(words)
        found = self.sides.get(key) or self.sides.get(low)
        if found is None and key.endswith("s") and len(key) > 4:
            found = self.sides.get(key[:-1])
        return found


def side_key(words: str) -> str:
    """The look-up form of a side phrase: lower-case, no leading "the", possessive or edge dots."""
    low = words.lower().strip()
    return re.sub(r"['’]s$", "", low.removeprefix("the ").strip(" .,"))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer (``newsdesk/data/gazetteer.json``, read by
    :func:`newsdesk.resources.gazetteer_data`), built on first use."""
    from ..resources import GAZETTEER, gazetteer_data

    try:
        return _build(gazetteer_data())
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(
            f"the gazetteer {GAZETTEER} is not laid out as expected: {exc}",
            hint="fix the JSON (its 'about' field describes the layout) or reinstall newsdesk",
        ) from exc


def _build(raw: dict[str, Any]) -> Gazetteer:
    places = tuple(
        Place(
            name=entry["name"],
            kind=entry.get("kind", "country"),
            aliases=tuple(entry.get("aliases", ())),
            demonyms=tuple(entry.get("demonyms", ())),
            seats=tuple(entry.get("seats", ())),
            side_words=tuple(entry.get("side_words", ())),
        )
        for entry in raw["places"]
    )
    names: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    seats: dict[str, str] = {}
    sides: dict[str, str] = {}
    for place in places:
        for alias in (place.name, *place.aliases):
            names.setdefault(alias.lower(), place.name)
        for word in place.demonyms:
            demonyms.setdefault(word.lower(), place.name)
        for seat in place.seats:
            seats.setdefault(seat.lower(), place.name)
        for word in (place.name, *place.aliases, *place.demonyms, *place.seats, *place.side_words):
            sides.setdefault(word.lower(), place.name)
    titles, roles = raw["titles"], raw["roles"]
    offices = frozenset(w.lower() for w in titles["offices"])
    modifiers = frozenset(w.lower() for w in titles["modifiers"])
    honorifics = frozenset(w.lower() for w in titles["honorifics"])
    return Gazetteer(
        places=places,
        place_names=names,
        demonyms=demonyms,
        seats=seats,
        sides=sides,
        institutions=frozenset(p.name for p in places if p.kind == "institution"),
        offices=offices,
        office_modifiers=modifiers,
        honorifics=honorifics,
        titles=offices | modifiers | honorifics,
        person_roles=frozenset(w.lower() for w in roles["describe_a_person"]),
        independent_roles=frozenset(w.lower() for w in roles["speak_for_themselves"]),
        max_side_words=max(len(word.split()) for word in sides),
    )
