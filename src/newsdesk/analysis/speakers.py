"""Who a pronoun or a description names, in one article of a story (quotes and positions).

The quotes and positions stages find speakers and actors written as "he", "they", "the
spokesman" or "the Kremlin aide". :class:`ArticleSpeakers` resolves such an anchor with the
trained speaker coreference of :mod:`newsdesk.coref`: the candidates are the story's named
entities mentioned in the article (persons, organisations, places, nationalities, typed by the
entity table), coordinated names ("Trump and Vance") and group phrases ("Ukraine's European
backers") found in the parse; the resolver abstains when unsure, and so does this module.

A :class:`Referent` is what the anchor names: one entity (``entity`` set), joint speakers (a
group with ``parts``, each a referent), or a group phrase that is its own actor (``entity`` is
``None`` and no parts: "European leaders" is not Europe's entity, still less Ukraine's).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..coref import (
    GROUP,
    NAMED_KINDS,
    PERSON,
    CorefOptions,
    Mention,
    candidate_mentions,
    description_cues,
    pronoun_class,
    resolve,
    text_gender,
)
from ..errors import NewsdeskError
from ..resources import doc_text

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from .entities import EntityTable

log = logging.getLogger(__name__)

__all__ = ["ArticleSpeakers", "Referent", "is_anchor"]

#: Extra sentences searched back for candidates, since quoted sentences give none (a quotation of
#: three sentences sits between "Mrs. Clinton sought …" and "…,” she said").
QUOTED_SENTENCES_EXTRA = 3

#: Determiners that open a description a reader resolves from context ("the spokesman").
_DEFINITE = ("the", "this", "that")


@dataclass(frozen=True, slots=True)
class Referent:
    """What an anchor refers to: character offsets of the antecedent in the article, its text and
    kind (PERSON, ORG, GPE, NORP or GROUP), the story entity it mentions (``None`` for a group
    phrase), the members of a coordinated group, and the resolver's probability."""

    start: int
    end: int
    text: str
    kind: str
    entity: str | None
    parts: tuple[Referent, ...] = ()
    score: float = 1.0

    @property
    def members(self) -> tuple[Referent, ...]:
        """The actors it stands for: its parts for joint speakers, else itself."""
        return self.parts or (self,)


def _description_head(words: list[str]) -> str | None:
    """The head noun of a definite description of a person ("the former Ukrainian leader" →
    "leader"), when the cue list knows it; None otherwise."""
    if len(words) < 2 or words[0] not in _DEFINITE:
        return None
    cues = description_cues()
    heads = set(cues["person_heads"]) | set(cues["role_families"])
    last = words[-1]
    two = " ".join(words[-2:])
    if two in heads:
        return two
    return last if last in heads else None


#: "The two leaders", "both presidents": the two leaders the story named last (joint speakers).
_LEADER_PAIR = re.compile(
    r"^(?:the\s+two|both(?:\s+the)?|the)\s+(?:leaders|presidents|heads\s+of\s+state)$|^both\s+(?:men|leaders)$"
)


def is_leader_pair(text: str) -> bool:
    """Whether ``text`` is a plural description of two leaders ("the two leaders", "the
    leaders", "both presidents")."""
    return bool(_LEADER_PAIR.match(" ".join(text.lower().split())))


def is_anchor(text: str) -> bool:
    """Whether a speaker or actor phrase needs resolving: a third-person pronoun ("he", "they",
    "its"), a definite description of a person ("the spokesman", "the Kremlin aide") or of two
    leaders ("the two leaders")."""
    words = re.findall(r"[\w.'-]+", text.lower())
    if len(words) == 1 and pronoun_class(words[0]) is not None:
        return True
    return _description_head(words) is not None or is_leader_pair(text)


def _holds_leader_role(roles: list[str]) -> bool:
    """Whether one of an entity's titles is a head of state or government ("Russian President",
    not "Vice President")."""
    family = set(description_cues()["role_families"].get("leader", ()))
    for role in roles:
        words = re.findall(r"[a-z]+", role.lower())
        if words and words[-1] in family and not {"vice", "deputy", "former", "press"} & set(words):
            return True
    return False


class ArticleSpeakers:
    """Speaker resolution for one article: anchor span → :class:`Referent` or ``None``.

    ``table`` is the story's entity table (its mentions in ``article_id`` are the named
    candidates); without one, spaCy's entities of ``doc`` are used (and no entity ids are given).
    Results are cached per anchor: the quotes and positions stages may ask about the same one.
    """

    def __init__(
        self, article_id: str, doc: Doc, table: EntityTable | None = None, options: CorefOptions | None = None
    ) -> None:
        self.article_id = article_id
        self.doc = doc
        self.table = table
        self.options = options or CorefOptions()
        self._named: list[Mention] | None = None
        self._entity_of: dict[tuple[int, int], str] = {}
        self._cache: dict[tuple[int, int], Referent | None] = {}
        self._quotations: list[tuple[int, int]] | None = None
        self._genders: dict[tuple[str, int], int] = {}
        # Quoted sentences are skipped as candidates but still counted by the window: look further back.
        self.sentences_back = self.options.sentences_back + QUOTED_SENTENCES_EXTRA

    def _gender_agreeing(self, candidates: list[Mention], start: int, end: int) -> list[Mention]:
        """Candidates without persons the text gives the other gender ("she" is not "Mr. Farenthold",
        nor Beck, whom the text calls "he" twice): the model weighs such cues; here they rule out."""
        wanted = {"masculine": 1, "feminine": -1}.get(pronoun_class(doc_text(self.doc)[start:end].strip()) or "")
        if wanted is None:
            return candidates
        anchor = self.doc.char_span(start, end, alignment_mode="expand")
        skip = anchor.start if anchor is not None else -1
        kept = []
        for mention in candidates:
            if mention.kind == PERSON:
                key = (mention.text, skip)
                if key not in self._genders:
                    self._genders[key] = text_gender(self.doc, mention.text, skip=skip)
                if self._genders[key] == -wanted:
                    continue
            kept.append(mention)
        return kept

    def quoted(self, start: int, end: int) -> bool:
        """Whether ``start:end`` lies inside quotation marks of the article."""
        return self._quoted(start, end)

    def _quoted(self, start: int, end: int) -> bool:
        """Whether ``start:end`` lies inside quotation marks: a name in someone's quoted words is
        what they talk about, not who speaks next."""
        if self._quotations is None:
            from .quotes import normalise_quote_marks, quotation_spans

            self._quotations = quotation_spans(normalise_quote_marks(doc_text(self.doc)))
        return any(q0 <= start and end <= q1 for q0, q1 in self._quotations)

    def _named_mentions(self) -> list[Mention] | None:
        if self.table is None:
            return None
        if self._named is None:
            named: dict[tuple[int, int], Mention] = {}
            for mention in self.table.mentions_in(self.article_id):
                entity = self.table.get(mention.entity)
                if entity is None or entity.type not in NAMED_KINDS or mention.kind == "descriptor":
                    continue
                if not doc_text(self.doc)[mention.start : mention.end].strip():
                    continue
                named[(mention.start, mention.end)] = Mention(mention.start, mention.end, mention.text, entity.type)
                self._entity_of[(mention.start, mention.end)] = entity.id
            self._named = [named[k] for k in sorted(named)]
        return self._named

    def _referent(self, mention: Mention, score: float) -> Referent:
        parts = tuple(self._referent(p, score) for p in mention.parts)
        entity = None
        if mention.kind != GROUP:
            entity = self._entity_of.get((mention.start, mention.end))
            if entity is None and self.table is not None:
                found = self.table.entity_at(self.article_id, mention.start, mention.end)
                entity = found.id if found is not None else None
        return Referent(mention.start, mention.end, mention.text, mention.kind, entity, parts, score)

    def _leader_pair(self, start: int, end: int) -> Referent | None:
        """ "The two leaders": the two most recent distinct persons named before the anchor (outside
        quotations) whom the story titles as heads of state or government, as joint speakers;
        None when the article has not named two such leaders before it."""
        named = self._named_mentions()
        if not named or self.table is None:
            return None
        chosen: list[Mention] = []
        ids: list[str] = []
        for mention in reversed(named):
            if mention.end > start or mention.kind != PERSON or self._quoted(mention.start, mention.end):
                continue
            entity_id = self._entity_of.get((mention.start, mention.end))
            entity = self.table.get(entity_id)
            if entity is None or entity.id in ids or not _holds_leader_role(entity.roles):
                continue
            ids.append(entity.id)
            chosen.append(mention)
            if len(chosen) == 2:
                break
        if len(chosen) < 2:
            return None
        parts = tuple(self._referent(m, 1.0) for m in sorted(chosen, key=lambda m: m.start))
        return Referent(start, end, doc_text(self.doc)[start:end], GROUP, None, parts, 1.0)

    def refers_to(self, start: int, end: int) -> Referent | None:
        """What the anchor at ``start:end`` (a pronoun or description, see :func:`is_anchor`)
        refers to, or ``None`` when it is not an anchor or the resolver abstains."""
        key = (start, end)
        if key in self._cache:
            return self._cache[key]
        result: Referent | None = None
        if is_leader_pair(doc_text(self.doc)[start:end]):
            result = self._leader_pair(start, end)
        elif is_anchor(doc_text(self.doc)[start:end]):
            try:
                candidates = [
                    m
                    for m in candidate_mentions(
                        self.doc, start, sentences_back=self.sentences_back, named=self._named_mentions()
                    )
                    if not self._quoted(m.start, m.end)
                ]
                candidates = self._gender_agreeing(candidates, start, end)
                resolution = resolve(self.doc, (start, end), candidates, options=self.options)
                if resolution.antecedent is not None:
                    result = self._referent(resolution.antecedent, resolution.score)
            except NewsdeskError as exc:  # a span the parse cannot map: no speaker rather than a wrong one
                log.debug(
                    "speaker resolution skipped %r in %s: %s", doc_text(self.doc)[start:end], self.article_id, exc
                )
        self._cache[key] = result
        return result
