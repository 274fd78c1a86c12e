"""Actor mentions of a candidate position: the noun phrase around an actor's head, whether it
names someone able to hold a position, and what a pronoun refers to.

No coreference model is available offline: a pronoun's antecedent is the subject it is bound to
in its own sentence, else the nearest earlier fitting subject (a person for he/she, an
institution or country for it/its).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..sides import side_of
from .lexicon import AGENT_NOUNS, PERSON_TITLES, PRONOUNS_PERSON, VERB_CUES
from .syntax import actorish, first_child, in_reported_content, verb_actors

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Token


def mention_tokens(head: "Token") -> list["Token"]:
    """The actor noun phrase around its head: modifiers before it and "of/in/from X" after."""
    doc = head.doc
    if head.ent_type_ != "PERSON":
        for child in head.children:
            if child.dep_ == "appos" and child.ent_type_ == "PERSON":
                # "Alabama's state auditor, Jim Ziegler, told …": the name
                return [t for t in child.subtree if t.ent_type_ == "PERSON" or t.i == child.i]
    left = head.left_edge.i
    right = head.i
    # flat names and "officials in Kyiv"
    for child in head.rights:
        if child.dep_ in ("compound", "flat", "nummod"):
            right = max(right, child.right_edge.i)
        elif child.dep_ == "prep" and child.lower_ in ("of", "in", "from", "at") and child.i == right + 1:
            right = child.right_edge.i
        else:
            break
    tokens = [t for t in doc[left : right + 1] if not (t.dep_ == "cc" and t.head.i == head.i)]
    for n, tok in enumerate(tokens):
        if tok.pos_ in ("VERB", "AUX") and tok.i > head.i:
            tokens = tokens[:n]  # a misattached clause is not part of the name
            break
    # do not swallow conjoined actors into one mention ("Putin and Trump")
    conj_ids = {t.i for c in head.children if c.dep_ in ("conj", "cc") for t in c.subtree}
    tokens = [t for t in tokens if t.i not in conj_ids]
    while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("both", "either")):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return tokens


def is_actor_mention(head: "Token", tokens: list["Token"], surnames: frozenset[str] = frozenset()) -> bool:
    if head.lemma_.lower() in AGENT_NOUNS or head.lower_ in AGENT_NOUNS:
        return True
    if head.lower_ in ("some", "many", "others", "several", "most", "critics") and head.dep_ == "nsubj":
        return True  # "Some also said …"
    if head.pos_ == "PROPN" and head.is_title and head.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
        return True  # a name the tagger did not label ("Lavrov denied …")
    for tok in tokens:
        if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or side_of(tok.text) or tok.lower_ in surnames:
            return True
    return False


def _person_like(tok: "Token", surnames: frozenset[str]) -> bool:
    if side_of(tok.text):
        return False
    return (
        tok.ent_type_ == "PERSON"
        and tok.pos_ in ("PROPN", "NOUN")
        or tok.lower_ in surnames
        or (tok.lemma_.lower() in PERSON_TITLES and tok.tag_ in ("NN", "NNP"))
    )


def _group_like(tok: "Token") -> bool:
    if tok.dep_ == "compound" or tok.pos_ not in ("PROPN", "NOUN"):
        return False
    return tok.ent_type_ in ("ORG", "GPE", "NORP") and tok.tag_.startswith("NNP") or bool(side_of(tok.text))


def find_antecedent(pronoun: "Token", surnames: frozenset[str] = frozenset()) -> "Token | None":
    """The mention a pronoun most likely refers to: the nearest earlier subject that fits (a
    person for he/she, an institution or country for it/its), else the nearest fitting mention."""
    bound = bound_antecedent(pronoun, surnames)
    if bound is not None:
        return bound
    if pronoun.lower_ in ("they", "them", "their", "theirs"):
        return None  # plural reference to several actors is beyond a nearest-mention rule
    doc = pronoun.doc
    want_person = pronoun.lower_ in PRONOUNS_PERSON
    if not want_person:
        # "it" refers to things far more often than to countries: only the nearest earlier
        # subject of this or the previous sentence counts, and only if it is an actor
        first = pronoun.sent.start
        if first > 0:
            first = doc[first - 1].sent.start
        for i in range(pronoun.i - 1, first - 1, -1):
            tok = doc[i]
            if tok.dep_ in ("nsubj", "nsubjpass") and tok.pos_ != "PRON":
                return tok if (_group_like(tok) or tok.lemma_.lower() in AGENT_NOUNS) else None
        return None
    fits: Callable[[Token], bool] = (lambda t: _person_like(t, surnames)) if want_person else _group_like
    limit = max(0, pronoun.i - 300)
    nearest = None
    reported = None
    for i in range(pronoun.i - 1, limit - 1, -1):
        tok = doc[i]
        if (
            tok.dep_ in ("compound", "flat")
            and tok.head.i > tok.i
            and tok.head.ent_type_
            and tok.head.ent_type_ == tok.ent_type_
        ):
            continue  # take the head of a multiword name
        if not fits(tok):
            continue
        if tok.dep_ in ("nsubj", "nsubjpass"):
            if not in_reported_content(tok):
                return tok  # a main-clause subject: the topic the next "he" most likely continues
            reported = reported or tok
        if nearest is None:
            nearest = tok
    return reported or nearest


def bound_antecedent(pronoun: "Token", surnames: frozenset[str]) -> "Token | None":
    """The subject a pronoun is bound to in its own sentence: "who offered his support"
    (the relative clause's head), "X said they were willing" (the speaker), "X expressed its
    willingness" (the subject of the clause holding the possessive)."""
    plural = pronoun.lower_ in ("they", "them", "their", "theirs")
    want_person = pronoun.lower_ in PRONOUNS_PERSON
    cur = pronoun
    for _ in range(8):
        if cur.head.i == cur.i:
            return None
        cur = cur.head
        if cur.pos_ not in ("VERB", "AUX"):
            continue
        if want_person and VERB_CUES.get(cur.lemma_.lower()) == "asserts" and cur.i != pronoun.head.i:
            # "X attacked the Ukrainian leader, saying he …": a participle of speech hanging from a
            # verb with a person object speaks about that person, whoever the subject is
            governor = cur.head if cur.dep_ in ("advcl", "conj") and cur.tag_ == "VBG" else None
            target = first_child(governor, ("dobj",)) if governor is not None else None
            if target is not None and _person_like(target, surnames):
                return target
            speakers = verb_actors(cur)
            if len(speakers) > 1:
                # "Trump and Vance attacked the Ukrainian leader, saying he …": "he" is not one
                # of several speakers; it is the person mentioned in between
                taken = {t.i for s in speakers for t in s.subtree}
                for i in range(pronoun.i - 1, pronoun.sent.start - 1, -1):
                    tok = pronoun.doc[i]
                    if i not in taken and _person_like(tok, surnames) and tok.dep_ != "compound":
                        return tok
                return None
        subj = first_child(cur, ("nsubj", "nsubjpass"))
        if subj is None or subj.i == pronoun.i or pronoun.i in {t.i for t in subj.subtree}:
            continue
        if subj.lower_ in ("who", "which", "that") and cur.dep_ == "relcl":
            subj = cur.head
        if subj.pos_ == "PRON":
            return None
        if plural:
            is_plural = subj.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in subj.children)
            if is_plural and cur.lemma_.lower() in VERB_CUES and (actorish(subj) or subj.tag_ == "NNS"):
                return subj
            return None
        if want_person and _person_like(subj, surnames) or not want_person and _group_like(subj):
            return subj
        if pronoun.dep_ != "poss":
            return None  # "Putin said he …": only the nearest clause binds a subject pronoun
    return None
