"""Speaker resolution: which named actor a pronoun or a description refers to.

Given a parsed text (a spaCy ``Doc`` from :func:`newsdesk.resources.nlp`), an *anchor* (a pronoun
such as "he", "her", "they", or a definite description such as "the Ukrainian leader") and the
candidate antecedents before it (named persons and organisations, coordinated pairs such as
"Trump and Vance", group phrases such as "Ukraine's European backers"), :func:`resolve` scores
each candidate and returns the best one, or abstains.

Pronouns ("he", "she", …) are scored by a small model trained on GAP (``newsdesk train coref``):
frozen contextual token states of the bundled MiniLM for the pronoun and the candidate span, with
syntactic and positional features from the spaCy parse (grammatical role and its parallelism,
distance, binding, salience, gender cues found in the text itself), fed to a small MLP. The model
lives in ``newsdesk/data/coref/`` (see its ``MODEL.md``). Agreement (person/group/organisation,
singular/plural) filters the candidates first; descriptions are matched against the roles and
titles the text itself gives each candidate (cue words in ``data/coref/cues.json``), and
never resolve without such evidence. The resolver abstains whenever it is unsure: a wrong speaker
in a brief is worse than none.

Why one module of ~1,000 lines: mention finding, the features and the small model that scores
them are one contract shared by ``newsdesk train coref``, the GAP bench and the speaker
resolution of the quotes and positions stages; the mention finder is the part to move out next.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AnalysisError, ModelUnavailableError, OptionsError
from .resources import doc_text, noun_chunks, word_positions

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from spacy.tokens import Doc, Span, Token

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "data" / "coref"
CUES_FILE = MODEL_DIR / "cues.json"

MASCULINE = frozenset({"he", "him", "his", "himself"})
FEMININE = frozenset({"she", "her", "hers", "herself"})
PLURAL = frozenset({"they", "them", "their", "theirs", "themselves"})
NEUTER = frozenset({"it", "its", "itself"})
PRONOUNS = MASCULINE | FEMININE | PLURAL | NEUTER
POSSESSIVE_PRONOUNS = frozenset({"his", "her", "hers", "their", "theirs", "its"})

#: Candidate kinds. PERSON/ORG/GPE/NORP come from spaCy's NER; GROUP is a plural actor built from
#: the parse: coordinated names ("Trump and Vance") or a plural noun phrase ("Ukraine's European
#: backers").
PERSON, ORG, GPE, NORP, GROUP = "PERSON", "ORG", "GPE", "NORP", "GROUP"
NAMED_KINDS = (PERSON, ORG, GPE, NORP)

#: The kinds a pronoun may refer to.
_COMPATIBLE = {
    "masculine": frozenset({PERSON}),
    "feminine": frozenset({PERSON}),
    "plural": frozenset({GROUP, ORG, NORP}),
    "neuter": frozenset({ORG, GPE}),
}

# Coarse grammatical roles (spaCy dependency labels) of mentions.
_ROLES = ("subj", "obj", "pobj", "poss", "appos", "compound", "conj", "attr", "other")
_ROLE_OF = {
    "nsubj": "subj",
    "nsubjpass": "subj",
    "csubj": "subj",
    "expl": "subj",
    "dobj": "obj",
    "iobj": "obj",
    "dative": "obj",
    "pobj": "pobj",
    "poss": "poss",
    "appos": "appos",
    "compound": "compound",
    "conj": "conj",
    "attr": "attr",
    "oprd": "attr",
}

#: Names of the hand-made (non-embedding) pair features, in matrix order.
FEATURE_NAMES: tuple[str, ...] = (
    "before",
    "log_distance",
    "sentence_distance",
    "same_sentence",
    "paragraph_distance",
    *(f"cand_{r}" for r in _ROLES),
    *(f"anchor_{r}" for r in _ROLES),
    "parallel_role",
    "cand_subject_of_anchor_ancestor",
    "cand_subject_same_verb_as_object_anchor",
    "cand_in_anchor_subtree",
    "anchor_in_cand_subtree",
    "nearest_before",
    "nearest",
    "rank_before",
    "log_frequency",
    "first_mention",
    "first_position",
    "gender_votes",
    "gender_title",
    "anchor_possessive",
    "anchor_sentence_start",
    "cand_sentence_start",
    "cand_in_parentheses",
    "between_persons",
    "cand_tokens",
    "entity_log_count_before",
    "entity_nearest_log_distance",
    "entity_in_anchor_sentence",
    "entity_subject_in_anchor_sentence",
    "entity_subject_in_previous_sentence",
    "entity_subject_of_anchor_ancestor",
    "entity_nearest_among_candidates",
    "entity_topic_subject",
    "entity_count_anchor_sentence",
    "entity_object_in_anchor_sentence",
    "entity_poss_in_anchor_sentence",
)


class CorefError(AnalysisError):
    """Speaker resolution could not run (bad anchor or candidate spans, missing model)."""

    code = "E570"


@dataclass(frozen=True, slots=True)
class Mention:
    """A candidate antecedent: character offsets into ``doc.text`` and its kind.

    ``kind`` is one of PERSON, ORG, GPE, NORP (named) or GROUP (a coordinated pair of names or a
    plural noun phrase); ``parts`` holds the named members of a coordinated GROUP, as mentions.
    """

    start: int
    end: int
    text: str
    kind: str = PERSON
    parts: tuple[Mention, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "parts": [p.to_json() for p in self.parts],
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """What :func:`resolve` decided for one anchor.

    ``antecedent`` is the chosen candidate or ``None`` (abstained); ``score`` its probability;
    ``scores`` one probability per candidate given (0.0 for those agreement ruled out);
    ``reason`` says in a few words why (``"model"``, ``"description"``, ``"no compatible
    candidate"``, ``"below threshold"``, ``"ambiguous"``, …).
    """

    antecedent: Mention | None
    score: float
    scores: tuple[float, ...]
    reason: str


@dataclass(frozen=True, kw_only=True)
class CorefOptions:
    """Options of speaker resolution.

    Attributes:
        threshold: the lowest probability at which a pronoun is resolved (default: the one chosen
            by cross-validation on GAP train for the shipped model, stored with it; ``None`` = that).
        margin: the least lead the best candidate must have over the second (default 0.0: the
            model's probabilities already reflect the competition between candidates).
        sentences_back: how many sentences before the anchor's own are searched for candidates by
            :func:`candidate_mentions` (default 3).
    """

    threshold: float | None = None
    margin: float = 0.0
    sentences_back: int = 3

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise OptionsError(f"threshold={self.threshold} is not a probability", hint="use a value in [0, 1]")
        if not 0.0 <= self.margin < 1.0:
            raise OptionsError(f"margin={self.margin} must be in [0, 1)", hint="the default is 0.0")
        if self.sentences_back < 0:
            raise OptionsError(f"sentences_back={self.sentences_back} must be ≥ 0", hint="the default is 3")


# --- anchors and candidates -------------------------------------------------------------------


def pronoun_class(word: str) -> str | None:
    """``"masculine"``, ``"feminine"``, ``"plural"``, ``"neuter"`` or ``None`` for a non-pronoun."""
    word = word.lower()
    if word in MASCULINE:
        return "masculine"
    if word in FEMININE:
        return "feminine"
    if word in PLURAL:
        return "plural"
    if word in NEUTER:
        return "neuter"
    return None


def _span(doc: Doc, start: int, end: int) -> Span:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        raise CorefError(
            f"characters {start}:{end} are not inside the text ({len(doc_text(doc))} characters)",
            hint="pass character offsets into doc.text",
        )
    return span


def _is_plural_noun(token: Token) -> bool:
    return token.tag_ in ("NNS", "NNPS")


def candidate_mentions(
    doc: Doc, anchor_start: int, *, sentences_back: int = 3, named: Sequence[Mention] | None = None
) -> list[Mention]:
    """Candidate antecedents of an anchor starting at character ``anchor_start``, in text order.

    Named persons, organisations, places and nationalities from ``sentences_back`` sentences before
    the anchor's sentence up to the anchor: ``named`` when the caller has them (the entities
    stage's typed mentions of this text), else spaCy's NER, mended where it cuts a person's name
    and completed by proper-noun subjects it missed. From the parse: coordinated names ("Trump and
    Vance") as one GROUP whose ``parts`` are the names, and plural subject or possessed noun phrases
    ("Ukraine's European backers", "European leaders") as a GROUP. A name inside such a phrase
    stays a candidate of its own; agreement and its role (possessor) keep it from a plural pronoun.
    """
    sentences = list(doc.sents)
    anchor_index = next(
        (i for i, s in enumerate(sentences) if s.start_char <= anchor_start < s.end_char), len(sentences) - 1
    )
    first = sentences[max(0, anchor_index - sentences_back)].start_char if sentences else 0
    found: dict[tuple[int, int], Mention] = {}
    if named is None:
        named = _named_mentions(doc)
    named = [m for m in named if first <= m.start and m.end <= anchor_start]
    for mention in named:
        found[(mention.start, mention.end)] = mention
    # Coordinated names: "Trump and Vance", "Putin, Lavrov and Peskov".
    for mention in named:
        root = _span(doc, mention.start, mention.end).root
        members = [root] + [t for t in root.conjuncts if t.i > root.i]
        if len(members) < 2 or root.dep_ == "conj":
            continue
        parts = [next((m for m in named if m.start <= member.idx < m.end), None) for member in members]
        if all(parts):
            group_start, group_end = parts[0].start, parts[-1].end  # type: ignore[union-attr]
            found[(group_start, group_end)] = Mention(
                group_start,
                group_end,
                doc_text(doc)[group_start:group_end],
                GROUP,
                tuple(p for p in parts if p is not None),
            )
    # Plural noun phrases that act: subjects, or phrases possessed by a name.
    for chunk in noun_chunks(doc):
        root = chunk.root
        if not (first <= chunk.start_char and chunk.end_char <= anchor_start) or not _is_plural_noun(root):
            continue
        if root.lower_ in PRONOUNS or root.ent_type_ in NAMED_KINDS and root.ent_iob_ == "B" and len(chunk) == 1:
            continue
        possessed = any(c.dep_ == "poss" and c.lower_ not in PRONOUNS for c in root.children)
        if root.dep_ in ("nsubj", "nsubjpass") or possessed:
            start = chunk.start_char
            if chunk[0].lower_ in ("the", "a", "an", "some", "these", "those"):
                start = chunk[1].idx if len(chunk) > 1 else start
            found[(start, chunk.end_char)] = Mention(
                start, chunk.end_char, doc_text(doc)[start : chunk.end_char], GROUP
            )
    return [found[k] for k in sorted(found)]


def _named_mentions(doc: Doc) -> list[Mention]:
    """Named actors of a text from spaCy's NER, typed for agreement (see :func:`candidate_mentions`)."""
    entities = _mended_entities(doc)
    person_keys = {_name_key(e.text) for e in entities if e.label_ == PERSON}
    found: dict[tuple[int, int], Mention] = {}
    for ent in entities:
        if ent.label_ not in NAMED_KINDS:
            continue
        if (
            ent.root.dep_ == "amod"
            or ent.label_ in (NORP, GPE)
            and ent.root.dep_ == "compound"
            and ent.root.head.pos_ != "PROPN"
        ):
            continue  # an adjective ("European leaders", "Ukrainian officials"), not an actor
        kind = (
            PERSON
            if _described_as_person(ent) or _name_key(ent.text) in person_keys or _looks_like_person(ent)
            else ent.label_
        )
        found[(ent.start_char, ent.end_char)] = Mention(ent.start_char, ent.end_char, ent.text, kind)
    # Proper-noun subjects the NER missed or cut ("Giorgia Meloni" → GPE "Giorgia" + "Meloni").
    covered = {i for e in entities for i in range(e.start, e.end)}
    for token in doc:
        if token.pos_ == "PROPN" and token.dep_ in ("nsubj", "nsubjpass") and token.i not in covered and token.is_title:
            left = token
            while (
                left.i > 0
                and doc[left.i - 1].dep_ == "compound"
                and doc[left.i - 1].head is token
                and doc[left.i - 1].is_title
            ):
                left = doc[left.i - 1]
            key = (left.idx, token.idx + len(token))
            for other in [k for k in found if k[0] >= key[0] and k[1] <= key[1]]:
                del found[other]
            found[key] = Mention(key[0], key[1], doc_text(doc)[key[0] : key[1]], PERSON)
    return [found[k] for k in sorted(found)]


def _described_as_person(ent: Span) -> bool:
    """A name spaCy labels ORG/GPE but the text describes as a person ("Vadim Tryukhan, a diplomat")."""
    if ent.label_ == PERSON:
        return True
    heads = description_cues()["person_heads"]
    root = ent.root
    appositions = [c for c in root.children if c.dep_ == "appos"]
    if root.dep_ == "appos":
        appositions.append(root.head)
    return any(t.lemma_.lower() in heads for t in appositions)


def _mended_entities(doc: Doc) -> list[Span]:
    """spaCy's entities with a person's name cut short mended: "Ursula von der" (PERSON) + "Leyen"
    (GPE) → "Ursula von der Leyen", when the cut part is the head the name's words hang on."""
    from spacy.tokens import Span

    ents = list(doc.ents)
    mended: list[Span] = []
    skip_until = -1
    for ent in ents:
        if ent.start < skip_until:
            continue
        end = ent.end
        if ent.label_ == PERSON:
            while (
                end < len(doc)
                and doc[end].pos_ == "PROPN"
                and doc[end].is_title
                and any(t.head.i == end for t in doc[ent.start : end])
            ):
                end += 1
        if end != ent.end:
            mended.append(Span(doc, ent.start, end, label=PERSON))
            skip_until = end
        else:
            mended.append(ent)
    return mended


def _looks_like_person(ent: Span) -> bool:
    """An ORG that reads as a person's name: two or three capitalised proper nouns acting as the
    subject, with no article ("Kaja Kallas met …"; not "the Kremlin", not "Goldman Sachs Group")."""
    if ent.label_ != ORG or not 2 <= len(ent) <= 3:
        return False
    before = ent.doc[ent.start - 1].lower_ if ent.start > 0 else ""
    return (
        all(t.pos_ == "PROPN" and t.is_title and t.is_alpha for t in ent)
        and before not in ("the", "a", "an")
        and ent.root.dep_ in ("nsubj", "nsubjpass")
    )


def _bound_by_subject(doc: Doc, anchor: tuple[int, int], mention: Mention) -> bool:
    """Binding: a non-reflexive object pronoun never refers to the subject of its own verb
    ("Merz thanked him": him ≠ Merz)."""
    a_root = _span(doc, *anchor).root
    if a_root.dep_ not in ("dobj", "iobj", "dative", "pobj"):
        return False
    verb = a_root.head if a_root.dep_ != "pobj" else a_root.head.head
    key = _name_key(mention.text)
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    return any(_name_key(" ".join(t.text for t in s.subtree)) == key or s.lower_ == key for s in subjects)


def compatible(anchor_word: str, mention: Mention) -> bool:
    """Whether a pronoun can refer to a mention of this kind (person/group/organisation, number)."""
    cls = pronoun_class(anchor_word.split()[-1] if anchor_word.split() else anchor_word)
    if cls is None:  # a description: persons only (the descriptions file says which heads)
        return mention.kind == PERSON
    return mention.kind in _COMPATIBLE[cls]


# --- features ---------------------------------------------------------------------------------


def _role(token: Token) -> str:
    return _ROLE_OF.get(token.dep_, "other")


def _ancestors(token: Token) -> list[Token]:
    return list(token.ancestors)


def _name_key(text: str) -> str:
    words = re.findall(r"[\w'-]+", text)
    words = [w for w in words if w.lower() not in ("'s", "s")]
    return words[-1].lower() if words else text.lower()


def _gender_of(anchor_word: str) -> int:
    cls = pronoun_class(anchor_word)
    return 1 if cls == "masculine" else -1 if cls == "feminine" else 0


def _gender_votes(doc: Doc, key: str, skip: int) -> tuple[int, int]:
    """Gender cues the text itself gives a name: (pronoun votes, title votes), >0 masculine.

    A pronoun votes for the name when it is the first gendered pronoun after an occurrence of the
    name in the same sentence and no other person is named in between (the anchor itself, at token
    ``skip``, never votes). Titles are Mr./Mrs./Sir/Queen … right before the name.
    """
    votes = titles = 0
    cues = description_cues()
    for i in word_positions(doc).get(key, ()):  # the tokens written ``key``, in text order
        token = doc[i]
        if token.i > 0:
            before = doc[token.i - 1].lower_ if doc[token.i - 1].ent_type_ != "PERSON" else ""
            back = token.i - 1
            while back >= 0 and doc[back].ent_type_ == "PERSON" and doc[back].ent_iob_ != "O":
                back -= 1
                before = doc[back].lower_ if back >= 0 else ""
                if back >= 0 and doc[back].ent_type_ != "PERSON":
                    break
            titles += (before in cues["masculine_titles"]) - (before in cues["feminine_titles"])
        sentence_end = token.sent.end
        for follower in doc[token.i + 1 : sentence_end]:
            if follower.ent_type_ == "PERSON" and follower.ent_iob_ == "B":
                break
            gender = _gender_of(follower.lower_)
            if gender:
                if follower.i != skip:
                    votes += gender
                break
    return votes, titles


def text_gender(doc: Doc, name: str, *, skip: int = -1) -> int:
    """The gender the text itself gives a name: +1 masculine, -1 feminine, 0 unknown.

    A title before the name decides ("Mr. Farenthold", "Mrs. Clinton"); otherwise at least two
    net pronoun votes (see :func:`_gender_votes`: the first gendered pronoun after the name in its
    sentence, with no other person in between). The token ``skip`` (the anchor) never votes.
    """
    votes, titles = _gender_votes(doc, _name_key(name), skip)
    if titles:
        return 1 if titles > 0 else -1
    if abs(votes) >= 2:
        return 1 if votes > 0 else -1
    return 0


def _paragraph_of(text: str, position: int) -> int:
    return text.count("\n\n", 0, position)


def pair_features(doc: Doc, anchor: tuple[int, int], candidates: Sequence[tuple[int, int]]) -> list[list[float]]:
    """The hand-made features (:data:`FEATURE_NAMES`) of each (anchor, candidate) pair."""
    text = doc_text(doc)
    anchor_span = _span(doc, *anchor)
    a_root = anchor_span.root
    a_word = anchor_span.text.lower()
    a_gender = _gender_of(a_word.split()[-1] if a_word.split() else a_word)
    a_role = _role(a_root)
    a_sent = a_root.sent
    sentence_starts = [s.start for s in doc.sents]
    a_sent_index = sum(1 for s in sentence_starts if s <= a_root.i) - 1
    spans = [_span(doc, *c) for c in candidates]
    distances_before = sorted((anchor[0] - c[1]) for c in candidates if c[1] <= anchor[0])
    distances = sorted(min(abs(anchor[0] - c[1]), abs(c[0] - anchor[1])) for c in candidates)
    keys = [_name_key(text[c[0] : c[1]]) for c in candidates]
    first_positions = []
    for key, c in zip(keys, candidates):
        match = re.search(r"\b" + re.escape(key) + r"\b", text, flags=re.IGNORECASE)
        first_positions.append(match.start() if match else c[0])
    rows = []
    anchor_ancestors = _ancestors(a_root)
    for (start, end), span, key, first_pos in zip(candidates, spans, keys, first_positions):
        root = span.root
        before = end <= anchor[0]
        distance = anchor[0] - end if before else start - anchor[1]
        distance = max(distance, 0)
        c_sent_index = sum(1 for s in sentence_starts if s <= root.i) - 1
        role = _role(root)
        subject_of_ancestor = float(role == "subj" and any(root.head is anc for anc in anchor_ancestors))
        binding = float(role == "subj" and a_role == "obj" and root.head is a_root.head)
        in_anchor_subtree = float(any(anc is a_root for anc in root.ancestors))
        anchor_in_cand = float(any(anc is root for anc in a_root.ancestors))
        frequency = len(re.findall(r"\b" + re.escape(key) + r"\b", text, flags=re.IGNORECASE))
        votes, titles = _gender_votes(doc, key, a_root.i)
        lo, hi = (root.i, a_root.i) if before else (a_root.i, root.i)
        persons_between = sum(
            1
            for e in doc.ents
            if e.label_ == "PERSON" and lo < e.start and e.end <= hi and not (span.start <= e.start < span.end)
        )
        opens = text.rfind("(", 0, start)
        row = [
            float(before),
            math.log1p(distance),
            float(max(-3, min(3, a_sent_index - c_sent_index))),
            float(root.sent.start == a_sent.start),
            float(min(3, abs(_paragraph_of(text, anchor[0]) - _paragraph_of(text, start)))),
            *(float(role == r) for r in _ROLES),
            *(float(a_role == r) for r in _ROLES),
            float(role == a_role),
            subject_of_ancestor,
            binding,
            in_anchor_subtree,
            anchor_in_cand,
            float(bool(before and distances_before and (anchor[0] - end) == distances_before[0])),
            float(distance == distances[0]),
            float(sum(1 for d in distances_before if d < anchor[0] - end)) if before else -1.0,
            math.log1p(frequency),
            float(first_pos == min(first_positions)),
            first_pos / max(len(text), 1),
            float(max(-3, min(3, votes * a_gender))),
            float(max(-1, min(1, titles * a_gender))),
            float(a_word in POSSESSIVE_PRONOUNS),
            float(a_root.i == a_sent.start or a_root.i == a_sent.start + 1 and doc[a_sent.start].is_punct),
            float(root.i == root.sent.start or span.start == root.sent.start),
            float(opens != -1 and text.find(")", opens, start) == -1 and start - opens < 80),
            float(min(persons_between, 5)),
            float(len(span)),
        ]
        rows.append(row)
    _add_entity_features(doc, anchor, a_root, candidates, rows)
    return rows


def _name_words(text: str) -> set[str]:
    words = [w for w in re.findall(r"[\w'-]+", text) if w[:1].isupper() and len(w) > 1 and w.lower() != "'s"]
    if not words:
        return {_name_key(text)}
    return {words[0].lower(), words[-1].lower()}


def _add_entity_features(
    doc: Doc, anchor: tuple[int, int], a_root: Token, candidates: Sequence[tuple[int, int]], rows: list[list[float]]
) -> None:
    """Features of every mention of each candidate's name, not only the given one.

    A name is often repeated ("Warren MacKenzie … MacKenzie studied … His pottery"); what the
    nearest repetition does (subject of the anchor's sentence, …) says more than the first one.
    """
    a_sent = a_root.sent
    sentences = list(doc.sents)
    a_index = next(i for i, s in enumerate(sentences) if s.start == a_sent.start)
    previous = sentences[a_index - 1] if a_index > 0 else None
    anchor_ancestors = {t.i for t in a_root.ancestors}
    first_sentence = sentences[0] if sentences else None
    positions = word_positions(doc)
    nearest = []
    blocks = []
    for (start, end), _row in zip(candidates, rows):
        words = _name_words(doc_text(doc)[start:end])
        found = sorted(i for word in words for i in positions.get(word, ()))  # in text order
        occurrences = [t for t in (doc[i] for i in found) if t.i != a_root.i and (t.is_title or t.is_upper)]
        before = [t for t in occurrences if t.idx < anchor[0]]
        distance = min((abs(anchor[0] - t.idx) for t in occurrences), default=len(doc_text(doc)))
        nearest.append(min((anchor[0] - t.idx for t in before), default=10**9))
        in_sentence = [t for t in occurrences if a_sent.start <= t.i < a_sent.end]
        in_previous = [t for t in occurrences if previous is not None and previous.start <= t.i < previous.end]

        def subject(token: Token) -> bool:
            head = token
            while head.dep_ in ("compound", "flat") and head.head is not head:
                head = head.head
            return head.dep_ in ("nsubj", "nsubjpass")

        def heads(tokens, dep):
            return [t for t in tokens if (t.dep_ == dep or t.head.dep_ == dep and t.dep_ == "compound")]

        blocks.append(
            [
                math.log1p(len(before)),
                math.log1p(distance),
                float(bool(in_sentence)),
                float(any(subject(t) for t in in_sentence)),
                float(any(subject(t) for t in in_previous)),
                float(
                    any(subject(t) and (t.head.i in anchor_ancestors or t.i in anchor_ancestors) for t in occurrences)
                ),
                0.0,
                float(first_sentence is not None and any(subject(t) for t in occurrences if t.i < first_sentence.end)),
                float(min(len(in_sentence), 3)),
                float(bool(heads(in_sentence, "dobj") or heads(in_sentence, "pobj"))),
                float(bool(heads(in_sentence, "poss"))),
            ]
        )
    best = min(nearest) if nearest else None
    for row, block, near in zip(rows, blocks, nearest):
        block[6] = float(near == best and near < 10**9)
        row.extend(block)


# --- descriptions -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def description_cues() -> dict[str, Any]:
    """Cue words of speaker resolution (``data/coref/cues.json``): description heads, role families,
    modifiers that need no evidence, gendered titles."""
    try:
        data = json.loads(CUES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailableError(
            f"the speaker cues {CUES_FILE} could not be read: {exc}",
            hint="reinstall newsdesk; the file ships with the package",
        ) from exc
    return {
        "person_heads": frozenset(data["person_heads"]),
        "role_families": {k: frozenset(v) for k, v in data["role_families"].items()},
        "ignored_modifiers": frozenset(data["ignored_modifiers"]),
        "country_aliases": {k: frozenset(v) for k, v in data["country_aliases"].items()},
        "masculine_titles": frozenset(data["gender_titles"]["masculine"]),
        "feminine_titles": frozenset(data["gender_titles"]["feminine"]),
    }


def _stem(word: str) -> str:
    """Nationality and country words share a stem: ukraine/ukrainian, russia/russian → 5 letters."""
    return word[:5] if len(word) >= 5 else word


def _aliases(word: str, cues: dict[str, Any]) -> set[str]:
    found = {_stem(word)}
    for key, words in cues["country_aliases"].items():
        if word in words:
            found |= {key} | {_stem(w) for w in words}
    return found


def _person_entity_at(doc: Doc, token: Token) -> Span | None:
    return next((e for e in doc.ents if e.start <= token.i < e.end), None)


def described_as(doc: Doc, mention: Mention, *, before: int) -> set[str]:
    """Words the text itself uses to describe the person named by ``mention`` before ``before``.

    Titles right before each occurrence of the name ("Ukrainian President Volodymyr Zelensky",
    "Former Senator …"), its appositions ("Vadim Tryukhan, a Ukrainian diplomat"; "the Kremlin
    spokesman, Dmitry Peskov") and predicates ("Peskov is the Kremlin's spokesman"), lower-cased.
    """
    key = _name_key(mention.text)
    words: set[str] = set()

    def add(tokens: Iterable[Token]) -> None:
        for t in tokens:
            if not t.is_punct and t.lower_ not in ("the", "a", "an", "'s", "of", "and", "his", "her"):
                words.add(t.lower_)
                words.add(t.lemma_.lower())

    for token in doc:
        if token.lower_ != key or token.idx >= before:
            continue
        ent = _person_entity_at(doc, token)
        start, end = (ent.start, ent.end) if ent is not None else (token.i, token.i + 1)
        name_tokens = set(range(start, end))
        # titles inside or before the name span
        add(
            t
            for t in doc[start:end]
            if t.lower_ != key and (t.is_lower or t.lower_ in description_cues()["person_heads"])
        )
        back = start - 1
        while (
            back >= 0
            and start - back <= 5
            and not doc[back].is_punct
            and doc[back].pos_ in ("PROPN", "NOUN", "ADJ", "PART")
            and doc[back].ent_type_ != "PERSON"
        ):
            back -= 1
        add(doc[back + 1 : start])
        root = doc[end - 1] if ent is None else ent.root
        for child in root.children:
            if child.dep_ in ("appos", "compound", "amod") and child.i not in name_tokens:
                add(child.subtree)
        if root.dep_ == "appos" and root.head.i not in name_tokens:
            add(t for t in root.head.subtree if t.i not in name_tokens and not (root.i <= t.i))
        if root.dep_ in ("nsubj",) and root.head.lemma_ == "be":
            for child in root.head.children:
                if child.dep_ in ("attr", "acomp"):
                    add(child.subtree)
    return words


def _description_words(span: Span) -> tuple[str, list[str]]:
    """(head phrase, modifiers) of a description such as "the former Ukrainian leader"."""
    head = span.root
    tokens = [t for t in span if t.dep_ not in ("det", "case", "punct") and t.lower_ not in ("the", "a", "an", "'s")]
    modifiers = [t.lower_ for t in tokens if t.i != head.i]
    return head.lemma_.lower(), modifiers


def resolve_description(doc: Doc, anchor: tuple[int, int], candidates: Sequence[Mention]) -> Resolution:
    """Resolve a definite description against the candidates the text describes the same way.

    The head noun must fit a title, apposition or predicate the text gives the candidate ("leader"
    fits "President"; see ``role_families``), and every modifier ("Ukrainian", "former" is ignored)
    must too. Exactly one person must fit; otherwise the resolver abstains.
    """
    cues = description_cues()
    span = _span(doc, *anchor)
    head, modifiers = _description_words(span)
    zeros = tuple(0.0 for _ in candidates)
    if head not in cues["person_heads"] and head not in cues["role_families"]:
        return Resolution(None, 0.0, zeros, "not a description of a person")
    family = cues["role_families"].get(head, frozenset()) | {head}
    needed = [m for m in modifiers if m not in cues["ignored_modifiers"] and m not in family]
    fits: list[int] = []
    for index, mention in enumerate(candidates):
        if mention.kind != PERSON:
            continue
        words = described_as(doc, mention, before=anchor[0])
        stems = set().union(*(_aliases(w, cues) for w in words)) if words else set()
        if not words & family:
            continue
        if all(_aliases(m, cues) & stems for m in needed):
            fits.append(index)
    people = {_name_key(candidates[i].text) for i in fits}
    scores = tuple(1.0 if i in fits else 0.0 for i in range(len(candidates)))
    if not fits:
        return Resolution(None, 0.0, scores, "no candidate described so")
    if len(people) > 1:
        return Resolution(None, 0.0, scores, "ambiguous")
    best = max(fits, key=lambda i: candidates[i].start)
    return Resolution(candidates[best], 1.0, scores, "description")


# --- page context -----------------------------------------------------------------------------

#: Names of the page-context features (GAP's "page context": the title of the page the text comes
#: from, e.g. the Wikipedia article's title taken from its URL), appended after the attention features.
PAGE_FEATURE_NAMES: tuple[str, ...] = ("page_title_is_name", "page_title_has_name_word", "page_title_has_last_name")


def page_title_of_url(url: str) -> str:
    """The page title a URL names (GAP's Wikipedia URLs: ``…/wiki/Warren_MacKenzie`` → "Warren MacKenzie")."""
    from urllib.parse import unquote

    return unquote(url.rstrip("/").rsplit("/", 1)[-1]).replace("_", " ") if url else ""


def _title_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[\w'-]+", re.sub(r"\(.*?\)", " ", text)) if len(w) > 1]


def page_features(title: str | None, candidate_texts: Sequence[str]) -> list[list[float]]:
    """The page-context features (:data:`PAGE_FEATURE_NAMES`) of each candidate: whether the title
    of the page (without a parenthesised qualifier) is the candidate's name, holds one of its words,
    holds its last word. All zero without a title (snippet context)."""
    if not title:
        return [[0.0] * len(PAGE_FEATURE_NAMES) for _ in candidate_texts]
    title_words = _title_words(title)
    title_set = set(title_words)
    rows = []
    for text in candidate_texts:
        words = _title_words(text)
        rows.append(
            [
                float(bool(words) and words == title_words),
                float(any(w in title_set for w in words)),
                float(bool(words) and words[-1] in title_set),
            ]
        )
    return rows


# --- attention features -----------------------------------------------------------------------

#: MiniLM has 6 layers of 12 heads; each attention feature block has one value per head.
HEADS = 6 * 12
ATTENTION_BLOCKS = ("anchor_to_candidate", "candidate_to_anchor", "anchor_to_name")


def context_window(doc: Doc, spans: Sequence[tuple[int, int]], *, extra_sentences: int = 1) -> tuple[int, int]:
    """Character range encoded by MiniLM: the sentences holding the spans, one more each side."""
    sentences = list(doc.sents)
    lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
    first = next((i for i, s in enumerate(sentences) if s.end_char > lo), 0)
    last = next((i for i, s in enumerate(sentences) if s.end_char >= hi), len(sentences) - 1)
    first, last = max(0, first - extra_sentences), min(len(sentences) - 1, last + extra_sentences)
    return sentences[first].start_char, sentences[last].end_char


@dataclass(frozen=True)
class EncodedWindow:
    """A text window as MiniLM word pieces, and which pieces hold the anchor and each candidate.

    ``anchor``, ``candidates[k]`` and ``names[k]`` (every occurrence in the window of candidate
    k's first or last name, the anchor excluded) index ``input_ids`` ([CLS] … [SEP]).
    """

    input_ids: tuple[int, ...]
    anchor: tuple[int, ...]
    candidates: tuple[tuple[int, ...], ...]
    names: tuple[tuple[int, ...], ...]


def encode_window(
    tokenizer: Any,
    text: str,
    window: tuple[int, int],
    anchor: tuple[int, int],
    candidates: Sequence[tuple[int, int]],
    *,
    max_tokens: int = 510,
) -> EncodedWindow:
    """The word pieces of ``text[window]`` (at most ``max_tokens``, kept around the spans)."""
    start, end = window
    encoded = tokenizer(text[start:end], return_offsets_mapping=True, add_special_tokens=False)
    offsets = [(s + start, e + start) for s, e in encoded["offset_mapping"]]
    ids = list(encoded["input_ids"])
    spans = [anchor, *candidates]
    if len(ids) > max_tokens:  # keep the pieces around the spans
        inside = [i for i, (s, e) in enumerate(offsets) if any(s < b and e > a for a, b in spans)]
        centre = (min(inside) + max(inside)) // 2 if inside else 0
        first = max(0, min(centre - max_tokens // 2, len(ids) - max_tokens))
        ids, offsets = ids[first : first + max_tokens], offsets[first : first + max_tokens]
    offsets = [(0, 0), *offsets, (0, 0)]

    def pieces(a: int, b: int) -> list[int]:
        return [i for i, (s, e) in enumerate(offsets) if s < b and e > a and 0 < i < len(offsets) - 1]

    names = []
    for a, b in candidates:
        words = _name_words(text[a:b])
        names.append(
            tuple(
                sorted(
                    {
                        i
                        for m in re.finditer(r"[\w'-]+", text[start:end])
                        if m.group().lower() in words and m.start() + start != anchor[0]
                        for i in pieces(m.start() + start, m.end() + start)
                    }
                )
            )
        )
    return EncodedWindow(
        input_ids=(tokenizer.cls_token_id, *ids, tokenizer.sep_token_id),
        anchor=tuple(pieces(*anchor)),
        candidates=tuple(tuple(pieces(a, b)) for a, b in candidates),
        names=tuple(names),
    )


def attention_features(
    text: str,
    window: tuple[int, int],
    anchor: tuple[int, int],
    candidates: Sequence[tuple[int, int]],
    *,
    max_tokens: int = 510,
) -> np.ndarray:
    """How much MiniLM's attention heads link the anchor and each candidate: (candidates, 3 × 72).

    Per head (6 layers × 12): the attention the anchor's word pieces pay to the candidate span,
    the attention the candidate pays to the anchor, and the attention the anchor pays to every
    occurrence of the candidate's first or last name in the window. Some heads of BERT-like
    models are known to track coreference (Clark et al. 2019); a classifier learns which.
    """
    import torch

    from .resources import token_encoder

    tokenizer, model = token_encoder()
    encoded = encode_window(tokenizer, text, window, anchor, candidates, max_tokens=max_tokens)
    input_ids = torch.tensor([encoded.input_ids])
    with torch.inference_mode():
        output = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), output_attentions=True)
    attention = torch.stack(output.attentions)[:, 0].numpy()  # layers, heads, tokens, tokens
    return _attention_rows(attention, encoded)


def _attention_rows(attention: np.ndarray, encoded: EncodedWindow) -> np.ndarray:
    import numpy as np

    rows = np.zeros((len(encoded.candidates), len(ATTENTION_BLOCKS) * HEADS), dtype=np.float32)
    anchor_pieces = list(encoded.anchor)
    if not anchor_pieces:
        return rows
    from_anchor = attention[:, :, anchor_pieces]  # layers, heads, |anchor|, tokens
    for k, (cand, names) in enumerate(zip(encoded.candidates, encoded.names)):
        if cand:
            rows[k, :HEADS] = from_anchor[:, :, :, list(cand)].sum(-1).mean(-1).ravel()
            rows[k, HEADS : 2 * HEADS] = attention[:, :, list(cand)][:, :, :, anchor_pieces].sum(-1).mean(-1).ravel()
        if names:
            rows[k, 2 * HEADS :] = from_anchor[:, :, :, list(names)].sum(-1).mean(-1).ravel()
    return rows


# --- the trained pronoun model ----------------------------------------------------------------

MODEL_WEIGHTS = "coref_model.safetensors"
MODEL_META = "coref_model.json"


def n_inputs() -> int:
    """Width of one (anchor, candidate) row: hand-made, attention, then page-context features."""
    return len(FEATURE_NAMES) + len(ATTENTION_BLOCKS) * HEADS + len(PAGE_FEATURE_NAMES)


def input_names() -> list[str]:
    """The names of the model's inputs, in row order (stored with the model as ``features``)."""
    return list(FEATURE_NAMES) + [f"{b}_{h}" for b in ATTENTION_BLOCKS for h in range(HEADS)] + list(PAGE_FEATURE_NAMES)


def pair_scorer(inputs: int, hidden: int, dropout: float):
    """One member of the ensemble: scores each (anchor, candidate) row; a softmax over
    [nobody, candidate 1 … n] (nobody fixed at 0) gives the probabilities."""
    import torch

    return torch.nn.Sequential(
        torch.nn.Dropout(dropout),
        torch.nn.Linear(inputs, hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(dropout),
        torch.nn.Linear(hidden, 1),
    )


def ranking_probabilities(scorers, rows: np.ndarray) -> np.ndarray:
    """Probabilities of each candidate (rows: candidates × inputs, scaled), ensemble-averaged."""
    import numpy as np
    import torch

    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32)
    x = torch.from_numpy(np.asarray(rows, dtype=np.float32))
    probs = []
    with torch.inference_mode():
        for scorer in scorers:
            logits = torch.cat([torch.zeros(1), scorer(x).squeeze(-1)])
            probs.append(torch.softmax(logits, 0)[1:].numpy())
    return np.mean(probs, axis=0)


class CorefModel:
    """The trained pronoun scorer (``data/coref``), loaded once by :func:`newsdesk.resources.coref_model`."""

    def __init__(self, scorers, meta: dict[str, Any]) -> None:
        import numpy as np

        self.scorers = [s.eval() for s in scorers]
        self.meta = meta
        self.mean = np.asarray(meta["feature_mean"], dtype=np.float32)
        self.scale = np.asarray(meta["feature_scale"], dtype=np.float32)
        self.threshold = float(meta["threshold"])

    @classmethod
    def load(cls, directory: str | Path = MODEL_DIR) -> CorefModel:
        import torch
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        directory = Path(directory)
        hint = "run `newsdesk train coref` to rebuild it (or reinstall newsdesk to restore the bundled one)"
        path = directory / MODEL_META
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("it is not a JSON object")
            path = directory / MODEL_WEIGHTS
            weights = load_file(str(path))
        except (OSError, ValueError, SafetensorError) as exc:  # missing, unreadable, not JSON, damaged
            raise ModelUnavailableError(
                f"the coreference model file {path} could not be read: {exc}", hint=hint
            ) from exc
        if meta.get("features") != input_names():
            raise ModelUnavailableError(
                f"the coreference model in {directory} was trained on other features ({directory / MODEL_META})",
                hint=hint,
            )
        scorers = []
        try:
            for k in range(int(meta["ensemble"])):
                scorer = pair_scorer(n_inputs(), int(meta["hidden"]), float(meta["dropout"]))
                prefix = f"scorer{k}."
                scorer.load_state_dict(
                    {
                        key[len(prefix) :]: value.to(torch.float32)
                        for key, value in weights.items()
                        if key.startswith(prefix)
                    }
                )
                scorers.append(scorer)
            model = cls(scorers, meta)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # missing or misshapen weights or settings
            raise ModelUnavailableError(
                f"the coreference model in {directory} does not match its description "
                f"({directory / MODEL_WEIGHTS} against {directory / MODEL_META}): {exc}",
                hint=hint,
            ) from exc
        return model

    def save(self, directory: str | Path) -> Path:
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tensors = {
            f"scorer{k}.{key}": value.detach().contiguous()
            for k, scorer in enumerate(self.scorers)
            for key, value in scorer.state_dict().items()
        }
        save_file(tensors, str(directory / MODEL_WEIGHTS))
        (directory / MODEL_META).write_text(json.dumps(self.meta, indent=1) + "\n", encoding="utf-8")
        return directory / MODEL_WEIGHTS

    def scale_rows(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        return ((np.asarray(rows, dtype=np.float32) - self.mean) / self.scale).astype(np.float32)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability that the anchor refers to each candidate (unscaled input rows)."""
        return ranking_probabilities(self.scorers, self.scale_rows(rows))


# --- resolution -------------------------------------------------------------------------------


def snippet_rows(
    doc: Doc, anchor: tuple[int, int], candidates: Sequence[tuple[int, int]], *, window: tuple[int, int] | None = None
) -> np.ndarray:
    """The inputs read from the text alone (hand-made then attention features), one row per
    candidate; ``window`` defaults to :func:`context_window` (GAP passes the whole paragraph)."""
    import numpy as np

    width = len(FEATURE_NAMES) + len(ATTENTION_BLOCKS) * HEADS
    if not candidates:
        return np.zeros((0, width), dtype=np.float32)
    window = window or context_window(doc, [anchor, *candidates])
    hand = np.asarray(pair_features(doc, anchor, candidates), dtype=np.float32)
    return np.concatenate([hand, attention_features(doc_text(doc), window, anchor, candidates)], axis=1)


def with_page_context(rows: np.ndarray, title: str | None, candidate_texts: Sequence[str]) -> np.ndarray:
    """:func:`snippet_rows` completed with the page-context features of ``title`` (zeros for none)."""
    import numpy as np

    page = np.asarray(page_features(title, candidate_texts), dtype=np.float32).reshape(len(rows), -1)
    return np.concatenate([rows, page], axis=1)


def without_page_context(rows: np.ndarray) -> np.ndarray:
    """A copy of model input rows (any leading shape) as in snippet context: page-context features zero."""
    import numpy as np

    rows = np.array(rows, dtype=np.float32, copy=True)
    rows[..., -len(PAGE_FEATURE_NAMES) :] = 0.0
    return rows


def example_rows(
    doc: Doc,
    anchor: tuple[int, int],
    candidates: Sequence[tuple[int, int]],
    *,
    window: tuple[int, int] | None = None,
    title: str | None = None,
) -> np.ndarray:
    """The model's input rows (one per candidate) for an anchor: :func:`snippet_rows` and the
    page-context features of the page ``title`` (none by default: snippet context)."""
    rows = snippet_rows(doc, anchor, candidates, window=window)
    return with_page_context(rows, title, [doc_text(doc)[a:b] for a, b in candidates])


def _model() -> CorefModel:
    from .resources import coref_model

    return coref_model()


def resolve(
    doc: Doc,
    anchor: tuple[int, int],
    candidates: Sequence[Mention] | None = None,
    *,
    options: CorefOptions | None = None,
    title: str | None = None,
) -> Resolution:
    """The candidate a pronoun or description at ``anchor`` (character offsets) refers to, or none.

    ``title`` is the title of the page the text comes from (GAP's page context), when known; the
    pipeline passes none (snippet context), which the model was also trained to handle.

    ``candidates`` default to :func:`candidate_mentions` before the anchor. Pronouns are scored by
    the trained model among the candidates that agree with them (he/she: persons; they: groups,
    organisations; it: organisations, places); descriptions by :func:`resolve_description`.
    Returns a :class:`Resolution` whose ``antecedent`` is ``None`` when the resolver abstains.
    """
    options = options or CorefOptions()
    if not 0 <= anchor[0] < anchor[1] <= len(doc_text(doc)):
        raise CorefError(
            f"anchor {anchor} is not a span of the text ({len(doc_text(doc))} characters)",
            hint="pass character offsets into doc.text",
        )
    if candidates is None:
        candidates = candidate_mentions(doc, anchor[0], sentences_back=options.sentences_back)
    candidates = list(candidates)
    word = doc_text(doc)[anchor[0] : anchor[1]].strip()
    if not candidates:
        return Resolution(None, 0.0, (), "no candidate")
    if pronoun_class(word) is None:
        return resolve_description(doc, anchor, candidates)
    bound = {_name_key(m.text) for m in candidates if m.kind == PERSON and _bound_by_subject(doc, anchor, m)}
    allowed = [
        i
        for i, m in enumerate(candidates)
        if compatible(word, m) and not (m.kind == PERSON and _name_key(m.text) in bound)
    ]
    if not allowed:
        return Resolution(None, 0.0, tuple(0.0 for _ in candidates), "no compatible candidate")
    model = _model()
    probs = model.probabilities(
        example_rows(doc, anchor, [(candidates[i].start, candidates[i].end) for i in allowed], title=title)
    )
    scores = [0.0] * len(candidates)
    for i, p in zip(allowed, probs):
        scores[i] = float(p)
    # Mentions of one person ("Friedrich Merz" … "Merz") pool their probability; the latest stands for it.
    entity_of = {i: (_name_key(candidates[i].text) if candidates[i].kind == PERSON else f"#{i}") for i in allowed}
    pooled: dict[str, float] = {}
    for i in allowed:
        pooled[entity_of[i]] = pooled.get(entity_of[i], 0.0) + scores[i]
    ranking = sorted(pooled.items(), key=lambda kv: -kv[1])
    best_entity, best_score = ranking[0]
    runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
    best = max((i for i in allowed if entity_of[i] == best_entity), key=lambda i: candidates[i].start)
    threshold = model.threshold if options.threshold is None else options.threshold
    if best_score <= threshold:
        return Resolution(None, best_score, tuple(scores), "below threshold")
    if best_score - runner_up < options.margin:
        return Resolution(None, best_score, tuple(scores), "ambiguous")
    return Resolution(candidates[best], min(best_score, 1.0), tuple(scores), "model")


def score_pairs(
    doc: Doc,
    anchor: tuple[int, int],
    spans: Sequence[tuple[int, int]],
    *,
    window: tuple[int, int] | None = None,
    title: str | None = None,
) -> list[float]:
    """Model probabilities that a pronoun refers to each span, without agreement filter (GAP)."""
    rows = example_rows(doc, anchor, spans, window=window, title=title)
    return [float(p) for p in _model().probabilities(rows)]
