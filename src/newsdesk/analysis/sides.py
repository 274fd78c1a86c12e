"""Who an actor mention is and which side (country or bloc) it speaks for.

In a story, the story's entity table names the actor when it knows the mention, and the side
comes from the entity's affiliation (a person's country or organisation, an institution's
country, read from titles and appositions across the story), from the entity itself for
countries and nationalities, and otherwise from the article's own text
(:class:`ArticleSides`): titles ("Russian President X", "X of Russia", "X, Russia's foreign
minister"), seats of government ("the Kremlin", "Downing Street") and demonyms ("European
backers"), all from the gazetteer (:mod:`newsdesk.analysis.gazetteer`). No person's side is
known without the text saying it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from ..models import Article
from .gazetteer import gazetteer

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from .entities import EntityTable

__all__ = [
    "ActorRef",
    "ActorResolver",
    "ArticleSides",
    "default_actor_resolver",
    "side_of",
    "state_body_side",
    "story_actor_resolver",
]

_QUOTE_MARKS = "\"'“”‘’«»"


def side_of(words: str) -> str | None:
    """The side a word or phrase names ("the Kremlin" -> "Russia", "Europeans" -> "European Union",
    "the American side" -> "United States": a state body of the gazetteer after one place's demonym)."""
    found = gazetteer().side(words)
    if found is None:
        tokens = re.sub(r"^(?:both\s+)?(?:the\s+)?", "", words.strip(), flags=re.IGNORECASE).split()
        if len(tokens) >= 2 and (
            tokens[-1].lower() in _state_bodies() or tokens[-1].lower().rstrip("s") in _state_bodies()
        ):
            places = {gazetteer().side(" ".join(tokens[:-1]))} - {None}
            if len(places) == 1:
                found = places.pop()
    return found


@lru_cache(maxsize=1)
def _state_bodies() -> frozenset[str]:
    from ..resources import gazetteer_data

    return frozenset(w.lower() for w in (gazetteer_data().get("state_bodies") or {}).get("nouns", ()))


def state_body_side(token: "Token") -> str | None:
    """The country a phrase names when it is the state itself: a noun of ``state_bodies`` in the
    gazetteer ("side", "government", "administration") modified by a demonym or country ("the
    American side", "the Russian and American sides", "the U.S. government"). ``token`` is the
    noun or one of its modifiers; None for anything else ("American voters", "Russian analysts")."""
    head = token
    while head.dep_ == "conj" and head.head.i != head.i:
        head = head.head  # "the Russian and [American] sides"
    if head.dep_ in {"amod", "compound", "nmod", "poss"}:
        head = head.head
    if head.lemma_.lower() not in _state_bodies() and head.lower_ not in _state_bodies():
        return None
    modifiers = [c for c in head.children if c.dep_ in {"amod", "compound", "nmod", "poss"}]
    if token.i != head.i:
        modifiers = [token]
    for modifier in modifiers:
        if _is_pro_anti(modifier):
            continue
        place = gazetteer().demonyms.get(modifier.lower_) or gazetteer().place_names.get(modifier.lower_)
        if place is None:
            place = side_of(modifier.text)
        if place is not None and place not in gazetteer().institutions:
            return place
    return None


@dataclass(frozen=True)
class ActorRef:
    """Who an actor mention is: an entity id when known, a display name, and its side.

    ``side`` is the country or bloc the actor speaks for ("Russia", "United States", "Ukraine",
    "European Union"), or None when the text does not say (an independent analyst).
    """

    entity_id: str | None
    name: str
    side: str | None


#: (mention text, start char, end char in article.text) -> ActorRef, or None when unknown.
ActorResolver = Callable[[str, int, int], "ActorRef | None"]


class ArticleSides:
    """Side and canonical name of actor mentions in one article, from its parse alone."""

    def __init__(self, doc: "Doc") -> None:
        self.doc = doc
        self.full_names: dict[str, str] = {}  # surname (lower) -> longest full name
        self.person_sides: dict[str, str] = {}  # full name -> side
        persons = [e for e in doc.ents if e.label_ == "PERSON"]
        for ent in persons:
            name = clean_name(ent.text)
            if not name:
                continue
            surname = name.split()[-1].lower()
            known = self.full_names.get(surname)
            if known is None or len(name) > len(known):
                self.full_names[surname] = name
        for ent in persons:
            side = self._side_from_context(ent)
            if side:
                full = self.canonical_person(ent.text)
                self.person_sides.setdefault(full, side)

    def canonical_person(self, text: str) -> str:
        name = clean_name(text)
        if not name:
            return text.strip()
        return self.full_names.get(name.split()[-1].lower(), name)

    def _side_from_context(self, ent: "Span") -> str | None:
        doc = self.doc
        # "Russian President Vladimir Putin", "White House Press Secretary X", "U.S. President X"
        titles = _office_words()
        i = ent.start - 1
        saw_title = False
        while i >= 0 and ent.start - i <= 6:
            tok = doc[i]
            low = tok.text.lower()
            if low in titles:
                saw_title = True
                i -= 1
                continue
            if tok.text in ("'s", "’s"):
                i -= 1
                continue
            # multiword seats ("White House", "State Department") end here
            for width in range(gazetteer().max_side_words, 0, -1):
                if i - width + 1 < 0:
                    continue
                side = side_of(doc[i - width + 1 : i + 1].text)
                if side:
                    return side if saw_title else None
            break
        # "Putin of Russia"; "X, Russia's foreign minister"; "X, the Russian president"
        after = ent.end
        if after + 1 < len(doc) and doc[after].lower_ == "of":
            side = side_of(doc[after + 1].text)
            if side and doc[after + 1].ent_type_ in ("GPE", "NORP", "ORG"):
                return side
        root = ent.root
        for child in root.children:
            if child.dep_ == "appos" and child.lower_ in titles:
                for tok in child.subtree:
                    if tok.dep_ in ("poss", "amod", "compound") and tok.head.i == child.i:
                        side = side_of(tok.text)
                        if side:
                            return side
        return None

    def __call__(self, text: str, start: int, end: int) -> ActorRef | None:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or not text.strip():
            return None
        return self.resolve_span(span)

    def resolve_span(self, span: "Span") -> ActorRef | None:
        root = span.root
        country = state_body_side(root)
        if country is not None:
            return ActorRef(None, country, country)  # "the American side" is the United States
        # a person (or an institution named after one: "the Trump administration")
        person_tokens = [
            t
            for t in span
            if t.ent_type_ == "PERSON"
            or (t.pos_ in ("PROPN", "NOUN") and t.is_title and t.lower_ in self.full_names and not side_of(t.text))
        ]
        if side_of(root.text) and not any(t.ent_type_ == "PERSON" and t.i != root.i for t in span):
            person_tokens = []
        elif (
            root.ent_type_ == "PERSON"
            or (root in person_tokens)
            or (
                person_tokens
                and root.lemma_
                in {"administration", "government", "team", "camp", "regime", "cabinet", "side", "office"}
            )
        ):
            ents = [e for e in span.ents if e.label_ == "PERSON"] or [
                self.doc[person_tokens[0].i : person_tokens[-1].i + 1]
            ]
            ent = ents[-1]
            full = self.canonical_person(ent.text)
            side = self.person_sides.get(full) or self._side_from_context(ent)
            if side is None:
                # a title inside the mention itself: "Russian President Putin"
                side = self._side_in_tokens([t for t in span if t.i < ent.start])
            is_person = root.ent_type_ == "PERSON" or root in person_tokens
            name = full if is_person else strip_determiner(span.text)
            return ActorRef(None, name, side)
        return self._resolve_group(span, root)

    def _resolve_group(self, span: "Span", root: "Token") -> ActorRef:
        name = strip_determiner(span.text)
        if root.lemma_.lower() in gazetteer().independent_roles:
            return ActorRef(None, name, None)  # "Russian analysts" speak for themselves
        side = self._side_of_head(root)
        if side is None:
            # a title noun without a person: "the U.S. president", "officials in Kyiv"
            side = self._side_in_tokens(list(span))
        if side is None and root.ent_type_ == "GPE":
            side = clean_name(self.doc[root.i : root.i + 1].text) or None
        return ActorRef(None, name, side)

    def _side_of_head(self, root: "Token") -> str | None:
        doc = self.doc
        # the head noun itself, possibly multiword ("the White House", "the Kremlin")
        lo = root.i
        while lo > 0 and doc[lo - 1].dep_ == "compound" and doc[lo - 1].head.i == root.i:
            lo -= 1
        for width_start in range(lo, root.i + 1):
            side = side_of(doc[width_start : root.i + 1].text)
            if side:
                return side
        # its own modifiers first ("Ukraine's European backers" speak for Europe), then the
        # possessor, then prepositional attachments ("officials in Kyiv")
        ordered = sorted(
            root.children, key=lambda c: {"amod": 0, "compound": 0, "nmod": 1, "poss": 2, "prep": 3}.get(c.dep_, 9)
        )
        for child in ordered:
            if _is_pro_anti(child):
                continue  # "the pro-Russia camp" is not Russia
            if child.dep_ in ("amod", "compound", "nmod"):
                for tok in [child, *[c for c in child.children if c.dep_ == "conj"]]:
                    side = side_of(tok.text) or self._side_of_head_words(tok)
                    if side is None and tok.pos_ == "PROPN" and tok.i < root.i:
                        ref = self.resolve_span(doc[tok.left_edge.i : tok.i + 1])
                        side = ref.side if ref else None
                    if side:
                        return side
            elif child.dep_ == "poss":
                ref = self.resolve_span(doc[child.left_edge.i : child.i + 1])
                if ref and ref.side:
                    return ref.side
            elif child.dep_ == "prep" and child.lower_ in ("in", "from", "of", "at", "within", "inside"):
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        side = self._side_of_head(obj)
                        if side:
                            return side
        return None

    def _side_of_head_words(self, tok: "Token") -> str | None:
        lo = tok.i
        while lo > 0 and self.doc[lo - 1].head.i == tok.i and self.doc[lo - 1].dep_ == "compound":
            lo -= 1
        return side_of(self.doc[lo : tok.i + 1].text)

    @staticmethod
    def _side_in_tokens(tokens: list["Token"]) -> str | None:
        for tok in tokens:
            if _is_pro_anti(tok):
                continue
            side = side_of(tok.text)
            if side:
                return side
        for a, b in zip(tokens, tokens[1:]):
            side = side_of(f"{a.text} {b.text}")
            if side:
                return side
        return None


#: Bodies named after a person or place that act as one ("the Trump administration", "Biden's team").
_BODIES = frozenset({"administration", "government", "team", "camp", "regime", "cabinet", "campaign"})


def _group_of_named(root: "Token") -> bool:
    """Whether ``root`` heads a group or body that a name only modifies: a plural common noun of
    people or a body noun with a named modifier ("U.S. officials", "the Trump administration")."""
    if root.pos_ != "NOUN" or root.ent_type_:
        return False
    if root.tag_ != "NNS" and root.lemma_.lower() not in _BODIES:
        return False
    return any(c.dep_ in ("compound", "amod", "nmod", "poss") and c.ent_type_ for c in root.children)


def _office_words() -> frozenset[str]:
    gaz = gazetteer()
    return gaz.offices | gaz.office_modifiers


def _is_pro_anti(tok: "Token") -> bool:
    doc = tok.doc
    return tok.i >= 2 and doc[tok.i - 1].text in ("-", "–") and doc[tok.i - 2].lower_ in ("pro", "anti")


def default_actor_resolver(article: Article | str, doc: "Doc | None" = None) -> ActorResolver:
    """A self-contained resolver for one article: mention (text, start, end) -> ActorRef.

    Uses spaCy entity labels (PERSON/GPE/NORP/ORG), title patterns ("Russian President X",
    "X of Russia", "X, Russia's foreign minister"), seats of power ("the Kremlin", "Moscow",
    "the White House", "Kyiv", "Washington"), demonyms ("European backers"), and co-reference of
    a surname to the fullest name the article gives it ("Putin" -> "Vladimir Putin", whose side
    comes from "Russian President Vladimir Putin"). A person the article names without any title
    speaks for no known side. ``entity_id`` is always None.
    """
    text = article.text if isinstance(article, Article) else article
    if doc is None:
        from ..resources import parse

        (doc,) = parse([text])
    return ArticleSides(doc)


def clean_name(text: str) -> str:
    text = re.sub(r"['’]s$", "", text.strip())
    return " ".join(w for w in text.split() if w.strip(_QUOTE_MARKS + ".,"))


def strip_determiner(text: str) -> str:
    return re.sub(r"^(the|a|an|both|either)\s+", "", text.strip(), flags=re.I)


def story_actor_resolver(article: Article, doc: "Doc", table: "EntityTable | None") -> ActorResolver:
    """Actors named by the story's entities when they know the mention, else by the article's
    own titles, seats of government and demonyms (:class:`ArticleSides`)."""
    fallback = default_actor_resolver(article, doc)
    if table is None:
        return fallback

    def resolve(text: str, start: int, end: int) -> ActorRef | None:
        span = doc.char_span(start, end, alignment_mode="expand")
        country = state_body_side(span.root) if span is not None and len(span) else None
        if country is not None:
            # "the American side", "both the Russian and American sides": the state, not the nationality
            named = next((e for e in table.entities.values() if e.name == country), None)
            return ActorRef(named.id if named else None, country, country)
        entity = table.entity_at(article.id, start, end)
        own = fallback(text, start, end)
        if entity is None:
            return own
        if span is not None and span.root.pos_ == "NOUN" and any(_is_pro_anti(t) for t in span):
            return own  # "the pro-Russia camp" is a group of its own, not Russia nor "pro-Russia"
        affiliation = table.get(entity.affiliation)
        side: str | None
        if affiliation is not None:
            # a side is a country or bloc: an employer ("the Eastern Europe Program" of an
            # institute) is no side; a seat of government ("the Kremlin") names its country
            side = side_of(affiliation.name) or (affiliation.name if affiliation.type == "GPE" else None)
        elif entity.type in ("GPE", "NORP"):
            side = side_of(entity.name) or entity.name  # "American" speaks for the United States
        else:
            side = own.side if own else None
        if own is not None and span is not None and _group_of_named(span.root):
            # "Multiple U.S. officials", "the Trump administration": a group or body named after
            # a place or person is its own actor, not that entity (its side: the name's)
            return ActorRef(None, own.name, own.side or side)
        return ActorRef(entity.id, entity.name, side)

    return resolve
