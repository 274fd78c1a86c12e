"""ENTITIES stage: named entities of a story's articles merged into canonical entities.

spaCy's NER (the parse of :func:`newsdesk.resources.parse`) finds name mentions in each article; this module
merges them across articles into one :class:`Entity` per real-world actor:

* people by full name, with later short mentions (``Putin``) joined to the full name
  (``Vladimir Putin``) that shares the surname;
* titles kept as roles (``Russian President Vladimir Putin`` → role ``Russian President``;
  ``Ruth Deyermond, a senior lecturer at King's College London…`` → that apposition);
* descriptor mentions (``the Russian president``) joined to the entity holding that role;
* organisations and places by normalised name, with the gazetteer's country aliases
  (``U.S.``/``United States``/``America``) and acronyms (``European Union`` / ``EU``);
* institutions and seats of government (``the Kremlin``, ``Moscow``) linked to their country by
  ``affiliation``; people linked to the organisation or country of their role.

No coreference model is available offline, so the joins are rule-based and conservative: a
surname joins a full name only when exactly one full name (or one clearly dominant) carries it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article, content_digest
from ..resources import doc_text
from .gazetteer import gazetteer

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from .context import StoryContext

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "entities"
SECTIONS: tuple[str, ...] = ("entities",)

#: spaCy labels kept as entities, and the type they get.
ENTITY_TYPES = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "FAC": "FAC", "NORP": "NORP"}

# Countries, institutions, seats of government, demonyms, titles and person roles come from the
# shared gazetteer (newsdesk/data/gazetteer.json, :mod:`newsdesk.analysis.gazetteer`).
_g = gazetteer

PRONOUNS = {"he", "she", "him", "her", "his", "they", "them", "it", "its", "their", "i", "we", "you"}


@dataclass(frozen=True, kw_only=True)
class EntityOptions:
    """Options of the entities stage.

    Attributes:
        types: spaCy entity labels kept (default PERSON, ORG, GPE, LOC, FAC, NORP).
        link_descriptors: join descriptor mentions such as "the Russian president" to the entity
            holding that role (default True).
        max_role_tokens: longest apposition kept as a role, in tokens (default 25); longer ones
            are usually whole clauses rather than titles.
    """

    types: tuple[str, ...] = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")
    link_descriptors: bool = True
    max_role_tokens: int = 25

    def __post_init__(self) -> None:
        unknown = [t for t in self.types if t not in ENTITY_TYPES]
        if unknown:
            raise OptionsError(
                f"unknown entity types {unknown}",
                hint=f"choose among {sorted(ENTITY_TYPES)}",
            )
        if self.max_role_tokens < 1:
            raise OptionsError(f"max_role_tokens={self.max_role_tokens} must be at least 1", hint="the default is 25")


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity: character offsets into ``Article.text`` of article ``article``."""

    article: str
    start: int
    end: int
    text: str
    entity: str
    kind: str = "name"  # "name" (NER), "alias" (surname or acronym found by string) or "descriptor"

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "entity": self.entity,
            "kind": self.kind,
        }


@dataclass(slots=True)
class Entity:
    """A canonical actor, place or organisation, with every mention of it across the articles."""

    id: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    affiliation: str | None = None  # id of the country/organisation it belongs to or speaks for

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "roles": list(self.roles),
            "affiliation": self.affiliation,
            "mentions": [m.to_json() for m in self.mentions],
        }


@dataclass(slots=True)
class EntityTable:
    """All canonical entities of a run, with look-ups used by later stages (quotes, positions)."""

    entities: dict[str, Entity] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities.values())

    def __len__(self) -> int:
        return len(self.entities)

    def get(self, entity_id: str | None) -> Entity | None:
        return self.entities.get(entity_id) if entity_id else None

    def mentions_in(self, article_id: str) -> list[Mention]:
        """Mentions in one article, in text order."""
        found = [m for e in self.entities.values() for m in e.mentions if m.article == article_id]
        return sorted(found, key=lambda m: (m.start, -m.end))

    def entity_at(self, article_id: str, start: int, end: int) -> Entity | None:
        """The entity whose mention lies inside (or best overlaps) the span ``start:end``."""
        best, best_overlap = None, 0
        for mention in self.mentions_in(article_id):
            overlap = min(end, mention.end) - max(start, mention.start)
            if overlap > best_overlap:
                best, best_overlap = mention, overlap
        return self.entities.get(best.entity) if best else None

    def find_by_role(
        self, words: Sequence[str], article_id: str | None = None, before: int | None = None
    ) -> Entity | None:
        """The entity whose role ends with the descriptor's head noun and agrees with its adjectives.

        ``words`` are the lower-cased descriptor words without the article ("russian", "president").
        With ``article_id``/``before``, the most recently mentioned such entity in that article wins.
        """
        return _find_by_role(self, words, article_id, before)

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entities.values()]

    def sections(self) -> dict[str, Sequence[Entity]]:
        """The ``analysis.json`` sections of these findings (see :func:`merge_tables`)."""
        return {"entities": list(self.entities.values())}


Options = EntityOptions


def run(context: "StoryContext", options: EntityOptions) -> EntityTable:
    """The story's entity table. It is built once, in the context (with ``options``, which
    :func:`newsdesk.analysis.build_context` was given), because quotes and positions name their
    speakers and actors with it."""
    return context.entities


def merge_tables(tables: Iterable[Sequence[Entity]]) -> list[Entity]:
    """The entities of several stories as one list, the union by id (an id is a digest of the
    entity's kind and name, so the same person named alike in two stories is one entity).

    Mentions of both are kept (each story's articles are its own); aliases and roles are
    united; type and affiliation are the first story's unless it has none. Order: first seen.
    """
    merged: dict[str, Entity] = {}
    for entities in tables:
        for entity in entities:
            known = merged.get(entity.id)
            if known is None:
                merged[entity.id] = Entity(
                    id=entity.id,
                    name=entity.name,
                    type=entity.type,
                    aliases=list(entity.aliases),
                    roles=list(entity.roles),
                    mentions=list(entity.mentions),
                    affiliation=entity.affiliation,
                )
                continue
            known.aliases = sorted(set(known.aliases) | set(entity.aliases))
            known.roles += [role for role in entity.roles if role not in known.roles]
            known.mentions = sorted(known.mentions + entity.mentions, key=lambda m: (m.article, m.start))
            known.affiliation = known.affiliation or entity.affiliation
    return list(merged.values())


# --- helpers --------------------------------------------------------------------------------


def _norm(text: str) -> str:
    text = re.sub(r"[’']s$", "", text.strip())
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"^(the|The)\s+", "", text)
    return text.strip(' ,.;:-—–"“”‘’()')


def _key(text: str) -> str:
    return _norm(text).lower().replace("’", "'")


def _acronym(name: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", name) if w[0].isupper()]
    return "".join(w[0] for w in words).upper() if len(words) >= 2 else ""


def _entity_id(kind: str, name: str) -> str:
    return "ent_" + content_digest(kind + ":" + name)[:10]


def _strip_person_span(span: "Span") -> tuple[int, int, list[str]]:
    """Token bounds of the bare name inside a PERSON span, and title words moved out of it."""
    start, end = span.start, span.end
    titles = []
    doc = span.doc
    while start < end - 1 and (
        doc[start].lower_ in _g().titles or doc[start].lower_ in _g().demonyms or doc[start].ent_type_ == "NORP"
    ):
        titles.append(doc[start].text)
        start += 1
    while end > start + 1 and doc[end - 1].text in {"'s", "’s", "'", "’"}:
        end -= 1
    return start, end, titles


def _pre_title(doc: "Doc", start: int) -> list[str]:
    """Title words directly before a name ("German Defense Minister", "U.S. President", "Prof.")."""
    words: list[str] = []
    i = start - 1
    while i >= 0 and len(words) < 6:
        tok = doc[i]
        if tok.is_punct and tok.text not in {"."}:
            break
        if tok.lower_ in {"the", "a", "an", "and", "of", "by", "to", "with", "from", "as"}:
            break
        if tok.ent_type_ in {"PERSON", "DATE", "CARDINAL", "TIME"}:
            break
        title_like = (
            tok.lower_ in _g().titles
            or tok.lower_ in _g().demonyms
            or tok.ent_type_ in {"NORP", "GPE", "ORG"}
            or (tok.is_title and tok.pos_ in {"PROPN", "NOUN", "ADJ"} and tok.i > tok.sent.start)
        )
        if not title_like:
            break
        words.insert(0, tok.text)
        i -= 1
    # A role is a title: it must contain a title word, not just a stray capitalised word.
    if not any(w.lower() in _g().titles for w in words):
        return []
    while words and words[0].lower() in _g().honorifics and len(words) > 1:
        words.pop(0)
    return words


def _apposition(doc: "Doc", head: "Token", max_tokens: int) -> str | None:
    """The apposition after a name ("…, a senior lecturer at King's College London, …")."""
    for child in head.children:
        if child.dep_ == "appos" and child.i > head.i:
            tokens = [t for t in child.subtree if t.i > head.i]
            # Cut at a relative clause, a parenthesis or the next comma-separated clause verb.
            cut = len(tokens)
            for k, t in enumerate(tokens):
                if t.i > child.i and (
                    t.dep_ == "relcl" or (t.dep_ == "acl" and t.pos_ == "VERB") or t.lower_ in {"who", "which", "whose"}
                ):
                    cut = k
                    break
                if t.text in {"(", "—", "–", ";"} and k:
                    cut = k
                    break
            tokens = tokens[:cut]
            while tokens and (tokens[-1].is_punct or tokens[-1].lower_ in {"who", "which", "that", "and"}):
                tokens.pop()
            while tokens and tokens[0].is_punct:
                tokens.pop(0)
            if not tokens or len(tokens) > max_tokens:
                return None
            if tokens[0].ent_type_ == "PERSON" or not any(t.pos_ == "NOUN" for t in tokens):
                return None
            return doc[tokens[0].i : tokens[-1].i + 1].text
    return None


def _described_as_person(doc: "Doc", ent: "Span") -> bool:
    """A capitalised name of one to three words described as a person by an apposition
    ("Vadim Tryukhan, a Ukrainian diplomat …") or a role noun just before it ("diplomat Tryukhan")."""
    key = _key(ent.text)
    if key in _g().place_names or key in _g().seats:
        return False
    words = [t for t in ent if not t.is_punct]
    if not 1 <= len(words) <= 3 or not all(t.is_alpha and t.text[:1].isupper() and not t.is_upper for t in words):
        return False
    head = ent.root
    if any(c.dep_ == "appos" and c.i > head.i and c.lemma_.lower() in _g().person_roles for c in head.children):
        return True
    before = doc[ent.start - 1] if ent.start else None
    return before is not None and before.lower_ in _g().person_roles and before.tag_ in {"NN", "NNP"}


# --- the stage ------------------------------------------------------------------------------


@dataclass(slots=True)
class _RawMention:
    article: str
    start: int
    end: int
    text: str
    type: str
    roles: list[str]
    role_orgs: list[tuple[int, int]]  # spans of ORG names inside the role (affiliation)
    nationality: str | None


def _collect(article: Article, doc: "Doc", options: EntityOptions) -> list[_RawMention]:
    found: list[_RawMention] = []
    for ent in doc.ents:
        label = ent.label_
        if label not in options.types:
            continue
        roles: list[str] = []
        role_orgs: list[tuple[int, int]] = []
        nationality = None
        if label in {"ORG", "GPE", "NORP", "FAC", "LOC"} and _described_as_person(doc, ent):
            label = "PERSON"
        if label == "PERSON":
            start, end, inner_titles = _strip_person_span(ent)
            if not any(doc[i].is_alpha and doc[i].text[:1].isupper() for i in range(start, end)):
                continue
            pre = _pre_title(doc, ent.start) + inner_titles
            if pre and not all(w.lower() in _g().honorifics for w in pre):
                roles.append(" ".join(pre).replace(" .", "."))
                for word in pre:
                    nationality = nationality or _g().demonyms.get(word.lower())
            appos = _apposition(doc, doc[end - 1], options.max_role_tokens)
            if appos:
                roles.append(appos)
                a_start = doc_text(doc).find(appos, doc[end - 1].idx)
                for other in doc.ents:
                    if (
                        other.label_ in {"ORG", "GPE"}
                        and other.start_char >= a_start
                        and other.end_char <= a_start + len(appos)
                    ):
                        role_orgs.append((other.start_char, other.end_char))
                for word in appos.split()[:4]:
                    nationality = nationality or _g().demonyms.get(word.lower())
            span = doc[start:end]
        else:
            start, end = ent.start, ent.end
            while start < end - 1 and doc[start].lower_ == "the":
                start += 1
            while end > start + 1 and doc[end - 1].text in {"'s", "’s", "'", "’"}:
                end -= 1
            span = doc[start:end]
        text = span.text.strip()
        if not text or not any(c.isalpha() for c in text):
            continue
        found.append(
            _RawMention(article.id, span.start_char, span.end_char, text, label, roles, role_orgs, nationality)
        )
    return found


def _canonical_key(raw: _RawMention) -> tuple[str, str]:
    """(type family, key) under which mentions of one entity meet."""
    key = _key(raw.text)
    if key + "." in _g().place_names:  # "U.S" after a sentence-final full stop was stripped
        key += "."
    if _g().place_names.get(key) in _g().institutions:
        return "ORG", _g().place_names[key].lower()
    if key in _g().place_names or key in _g().seats:
        # Tables beat NER labels: "Kyiv" tagged PERSON is still the Ukrainian capital.
        return (
            "PLACE" if key in _g().place_names or raw.type in {"GPE", "LOC", "FAC", "PERSON", "NORP"} else raw.type
        ), _g().place_names.get(key, key).lower() if key in _g().place_names else key
    if raw.type in {"GPE", "LOC", "ORG", "NORP"} and key in _g().place_names:
        return "PLACE", _g().place_names[key].lower()
    if raw.type in {"GPE", "LOC", "FAC"}:
        return "PLACE", key
    return raw.type, key


def extract_entities(
    articles: Iterable[Article],
    docs: Mapping[str, "Doc"] | None = None,
    options: EntityOptions = EntityOptions(),
) -> EntityTable:
    """Canonical entities of ``articles`` with their mentions, roles and affiliations.

    ``docs`` maps article id → spaCy ``Doc`` of ``article.text`` (the pipeline parses once);
    articles without one are parsed here with :func:`newsdesk.resources.parse`.
    An article whose text cannot be parsed raises :class:`AnalysisError` naming it.
    """
    articles = list(articles)
    docs = dict(docs or {})
    missing = [a for a in articles if a.id not in docs]
    if missing:
        from ..resources import parse

        for article, doc in zip(missing, parse([a.text for a in missing])):
            docs[article.id] = doc
    raw: list[_RawMention] = []
    for article in articles:
        doc = docs[article.id]
        if doc_text(doc) != article.text:
            raise AnalysisError(
                f"the spaCy Doc given for article {article.id} is not a parse of its text",
                hint="pass docs={article.id: parse([article.text])[0]} or leave docs out",
            )
        raw.extend(_collect(article, doc, options))

    # 1. group by key; people first by full name.
    groups: dict[tuple[str, str], list[_RawMention]] = defaultdict(list)
    for m in raw:
        groups[_canonical_key(m)].append(m)

    # NER labels a surname ORG or GPE now and then ("Trump" ORG): a non-person name equal to a
    # person's full name or surname in the same run is that person.
    person_forms: dict[str, tuple[str, str]] = {}
    for key in [k for k in groups if k[0] == "PERSON"]:
        words = key[1].split()
        person_forms.setdefault(key[1], key)
        if len(words) >= 2:
            person_forms.setdefault(words[-1], key)
    for key in [k for k in groups if k[0] in {"ORG", "PLACE", "NORP", "FAC"}]:
        target = person_forms.get(key[1])
        if target and key[1] not in _g().seats and key[1] not in _g().place_names:
            person_count = sum(
                len(v)
                for k, v in groups.items()
                if k[0] == "PERSON" and (k[1] == key[1] or k[1].endswith(" " + key[1]))
            )
            if person_count * 5 >= len(groups[key]):
                groups[target].extend(groups.pop(key))

    # Join single-token person names to the dominant full name with that surname (or first name
    # when no full name has it as surname: "Vladimir" alone is rare in news, surnames are common).
    people = {k: v for k, v in groups.items() if k[0] == "PERSON"}
    by_surname: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in people:
        words = key[1].split()
        if len(words) >= 2:
            by_surname[words[-1]].append(key)
    for key in list(people):
        words = key[1].split()
        if len(words) == 1 and words[0] in by_surname:
            candidates = by_surname[words[0]]
            counts = sorted(((len(groups[c]), c) for c in candidates), reverse=True)
            if len(counts) == 1 or counts[0][0] >= 2 * counts[1][0]:
                groups[counts[0][1]].extend(groups.pop(key))
    # Join "Vladimir V. Putin" style variants: same first and last word.
    for key in [k for k in groups if k[0] == "PERSON"]:
        words = key[1].split()
        if len(words) >= 3:
            short = ("PERSON", f"{words[0]} {words[-1]}")
            if short in groups and short != key:
                groups[short].extend(groups.pop(key))

    # Acronyms: "EU" joins "European Union" when that is in the same run.
    acronyms: dict[tuple[str, str], tuple[str, str]] = {}
    for key, members in groups.items():
        if key[0] in {"ORG", "PLACE"}:
            acr = _acronym(members[0].text)
            if acr:
                acronyms.setdefault((key[0], acr.lower()), key)
    for key in list(groups):
        target = acronyms.get((key[0], key[1].replace(".", "")))
        if target and target != key and key in groups and target in groups:
            groups[target].extend(groups.pop(key))

    table = EntityTable()
    key_to_id: dict[tuple[str, str], str] = {}
    for key, members in groups.items():
        names = Counter(m.text for m in members)
        if key[0] == "PLACE" and key[1] in {v.lower() for v in _g().place_names.values()}:
            name = next(v for v in _g().place_names.values() if v.lower() == key[1])
        else:
            # The longest frequent spelling is the most informative name ("Vladimir Putin").
            name = max(names, key=lambda n: (len(n.split()) if key[0] == "PERSON" else 0, names[n], len(n)))
            name = _norm(name) or name
        type_counts = Counter(m.type for m in members)
        etype = key[0] if key[0] in {"PERSON", "ORG"} else type_counts.most_common(1)[0][0]
        if key[0] == "PLACE" and etype not in {"GPE", "LOC", "FAC"}:
            etype = next((t for t, _ in type_counts.most_common() if t in {"GPE", "LOC", "FAC"}), "GPE")
        entity = Entity(id=_entity_id(key[0], name), name=name, type=etype)
        entity.aliases = sorted({_norm(n) for n in names} - {name, ""})
        roles: list[str] = []
        for m in members:
            for role in m.roles:
                if role not in roles:
                    roles.append(role)
        entity.roles = roles
        entity.mentions = [
            Mention(m.article, m.start, m.end, m.text, entity.id)
            for m in sorted(members, key=lambda m: (m.article, m.start))
        ]
        table.entities[entity.id] = entity
        key_to_id[key] = entity.id

    _link_affiliations(table, groups, key_to_id)
    if options.link_descriptors:
        for article in articles:
            _add_descriptor_mentions(table, article, docs[article.id])
        _link_described_affiliations(table, key_to_id)
    _add_alias_mentions(table, articles)
    for entity in table:
        entity.mentions.sort(key=lambda m: (m.article, m.start))
    log.info(
        "entities: %d canonical entities from %d mentions in %d articles",
        len(table),
        sum(len(e.mentions) for e in table),
        len(articles),
    )
    return table


def _link_affiliations(
    table: EntityTable, groups: Mapping[tuple[str, str], list[_RawMention]], key_to_id: Mapping[tuple[str, str], str]
) -> None:
    def country_id(country: str) -> str | None:
        return key_to_id.get(("PLACE", country.lower()))

    for key, members in groups.items():
        entity = table.entities[key_to_id[key]]
        target = None
        if key[1] in _g().seats and key[0] in {"ORG", "PLACE", "FAC"}:
            target = country_id(_g().seats[key[1]])
        elif key[0] == "PERSON":
            for m in members:
                for start, end in m.role_orgs:
                    for okey, omembers in groups.items():
                        if okey[0] in {"ORG", "PLACE"} and any(
                            o.article == m.article and o.start >= start and o.end <= end for o in omembers
                        ):
                            target = key_to_id[okey]
                            break
                    if target:
                        break
                if target:
                    break
            if not target:
                nationalities = Counter(m.nationality for m in members if m.nationality)
                if nationalities:
                    target = country_id(nationalities.most_common(1)[0][0])
        elif key[0] == "NORP":
            target = country_id(_g().demonyms.get(key[1], ""))
        if target and target != entity.id:
            entity.affiliation = target


def _link_described_affiliations(table: EntityTable, key_to_id: dict[tuple[str, str], str]) -> None:
    """A person the text calls "the Russian president" (a descriptor mention linked to them)
    belongs to Russia when nothing else said where they belong."""
    for entity in table:
        if entity.type != "PERSON" or entity.affiliation:
            continue
        countries = Counter(
            country
            for m in entity.mentions
            if m.kind == "descriptor"
            for word in re.findall(r"[A-Za-z.]+", m.text)
            if (country := _g().demonyms.get(word.lower()))
        )
        if countries:
            target = key_to_id.get(("PLACE", countries.most_common(1)[0][0].lower()))
            if target and target != entity.id:
                entity.affiliation = target


_DESCRIPTOR = re.compile(
    r"\b([Tt]he)\s+((?:[A-Z][\w.]*\s+|[a-z][a-z-]+\s+){0,2}?)"
    r"(president|prime minister|chancellor|minister|secretary|leader|official|spokesman|spokeswoman|"
    r"spokesperson|senator|governor|mayor|diplomat|ambassador|general|king|premier|envoy|"
    r"analyst|expert|professor|lecturer|chairman|director|chief|commander)\b"
)


def _role_fits(role: str, head: str, modifiers: Sequence[str]) -> bool:
    """A short title role ("vice president") fits "the president" only if its modifiers are named."""
    words = role.split()
    if len(words) > 4:  # an apposition: the head noun anywhere in it is enough
        return re.search(rf"\b{re.escape(head)}\b", role) is not None
    if not words or words[-1] != head:
        return False
    extra = [w for w in words[:-1] if w not in _g().demonyms and w not in {"former", "the", "a"}]
    return all(w in modifiers for w in extra)


def _find_by_role(
    table: EntityTable, words: Sequence[str], article_id: str | None, before: int | None
) -> Entity | None:
    words = [w.lower() for w in words if w]
    if not words:
        return None
    head = words[-1]
    modifiers = [w for w in words[:-1] if w not in {"former", "new", "current", "top", "senior"}]
    wanted_country = next((_g().demonyms[w] for w in modifiers if w in _g().demonyms), None)
    candidates = []
    for entity in table:
        if entity.type != "PERSON":
            continue
        role_text = " ".join(entity.roles).lower()
        if not any(_role_fits(role.lower(), head, modifiers) for role in entity.roles):
            continue
        role_countries = {_g().demonyms[w] for w in re.findall(r"[a-z.]+", role_text) if w in _g().demonyms}
        if wanted_country and role_countries and wanted_country not in role_countries:
            continue
        if wanted_country and not role_countries:
            affiliation = table.get(entity.affiliation)
            if affiliation and affiliation.name != wanted_country and affiliation.type in {"GPE", "LOC"}:
                continue
        others = [w for w in modifiers if w not in _g().demonyms]
        if any(not re.search(rf"\b{re.escape(w)}\b", role_text) for w in others):
            continue
        last = -1
        for m in entity.mentions:
            if (article_id is None or m.article == article_id) and (before is None or m.start < before):
                last = max(last, m.start)
        exact = 1 if wanted_country and wanted_country in role_countries else 0
        candidates.append((last >= 0, exact, last, entity))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1], c[2]), reverse=True)
    if article_id is not None and not candidates[0][0]:
        return None
    return candidates[0][3]


def _add_descriptor_mentions(table: EntityTable, article: Article, doc: "Doc") -> None:
    # Nationality and country words inside a descriptor ("the American president") stay mentions
    # of their own; only a person's name there means the words are not a bare descriptor.
    taken = [(m.start, m.end) for m in table.mentions_in(article.id) if table.entities[m.entity].type == "PERSON"]
    for match in _DESCRIPTOR.finditer(article.text):
        start, end = match.start(), match.end()
        if any(s < end and start < e for s, e in taken):
            continue
        words = match.group(2).split() + match.group(3).split()
        entity = _find_by_role(table, words, article.id, start)
        if entity:
            entity.mentions.append(Mention(article.id, start, end, match.group(0), entity.id, "descriptor"))
            taken.append((start, end))


def _add_alias_mentions(table: EntityTable, articles: Sequence[Article]) -> None:
    """Mentions NER missed: a known name or surname written again in an article that has the entity."""
    for article in articles:
        present = {m.entity for m in table.mentions_in(article.id)}
        taken = [(m.start, m.end) for m in table.mentions_in(article.id)]
        for entity in table:
            if entity.id not in present:
                continue
            forms = {entity.name, *entity.aliases}
            if entity.type == "PERSON" and len(entity.name.split()) >= 2:
                forms.add(entity.name.split()[-1])
            for form in sorted(forms, key=len, reverse=True):
                if len(form) < 3:
                    continue
                for match in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", article.text):
                    s, e = match.span()
                    if any(a < e and s < b for a, b in taken):
                        continue
                    entity.mentions.append(Mention(article.id, s, e, form, entity.id, "alias"))
                    taken.append((s, e))
