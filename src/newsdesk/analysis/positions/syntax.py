"""Who a verb's subject is, read from the dependency parse (shared by candidates and actors).

The subject of a cue may be its own (``nsubj``), a passive agent, the head of a relative clause,
or inherited: participles, infinitives and coordinated verbs take the subject of the verb they
hang from, and a participle after a comma takes the nearest earlier actor subject.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..sides import side_of
from .lexicon import AGENT_NOUNS, PRONOUNS_GROUP, PRONOUNS_PERSON

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Token


def first_child(tok: "Token", deps: tuple[str, ...]) -> "Token | None":
    for child in tok.children:
        if child.dep_ in deps:
            return child
    return None


def with_conjuncts(head: "Token") -> list["Token"]:
    heads = [head]
    for child in head.children:
        if child.dep_ == "conj" and child.pos_ in ("PROPN", "NOUN", "PRON"):
            heads.append(child)
            heads.extend(c for c in child.children if c.dep_ == "conj" and c.pos_ in ("PROPN", "NOUN"))
    return heads


def split_modifier_conjuncts(head: "Token") -> list["Token"]:
    """ "the Russian and American sides" are two actors; "Putin and Trump" too."""
    for child in head.children:
        if child.dep_ in ("amod", "compound") and any(c.dep_ == "conj" for c in child.children):
            parts = [child, *[c for c in child.children if c.dep_ == "conj"]]
            if all(side_of(p.text) for p in parts):
                return parts
    return with_conjuncts(head)


def in_reported_content(tok: "Token") -> bool:
    verb = tok.head
    return verb.dep_ in ("ccomp", "acl", "relcl") and verb.head.i != verb.i


def actorish(tok: "Token") -> bool:
    if tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or side_of(tok.text) is not None:
        return True
    if tok.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
        return tok.lower_ != "it" or tok.head.lemma_ not in ("be", "’s", "'s")
    return tok.lemma_.lower() in AGENT_NOUNS


def nearest_earlier_subject(tok: "Token") -> "Token | None":
    for i in range(tok.i - 1, tok.sent.start - 1, -1):
        cand = tok.doc[i]
        if cand.dep_ == "nsubj" and actorish(cand) and not in_reported_content(cand):
            return cand
    return None


def verb_actors(tok: "Token") -> list["Token"]:
    """Heads of the actor mention(s) of a verb cue."""
    agent = first_child(tok, ("agent",))
    subjects = [c for c in tok.children if c.dep_ in ("nsubj", "csubj")]
    passive_subject = first_child(tok, ("nsubjpass",))
    if agent is not None:
        objs = [c for c in agent.children if c.dep_ == "pobj"]
        if objs:
            return split_modifier_conjuncts(objs[0])
    if subjects:
        if subjects[0].lower_ in ("who", "which", "that") and tok.dep_ == "relcl":
            return split_modifier_conjuncts(tok.head)  # "members who wanted …"
        return split_modifier_conjuncts(subjects[0])
    if passive_subject is not None:
        return []  # "X was proposed" without an agent: nobody holds it
    if tok.dep_ == "acl" and tok.tag_ == "VBG" and actorish(tok.head):
        return split_modifier_conjuncts(tok.head)  # "officials calling for X"
    if tok.dep_ in ("advcl", "acl") and tok.tag_ == "VBG":
        # a participle's subject is the nearest earlier actor subject ("…, while Putin has
        # shifted the onus, demanding …"), skipping subjects of reported content ("echoed the
        # assertion that Zelensky is X, calling for …" is the echoers' call)
        earlier = nearest_earlier_subject(tok)
        if earlier is not None:
            return split_modifier_conjuncts(earlier)
    cur = tok
    for _ in range(6):
        # (a ccomp without its own subject is an imperative or a misparse: it inherits no one)
        if cur.dep_ in ("xcomp", "conj", "acomp", "advcl", "pcomp", "prep") and cur.head.i != cur.i:
            parent = cur.head
            if cur.dep_ == "pcomp" or parent.pos_ == "ADP":
                if parent.pos_ == "ADP" and parent.lower_ in ("for", "of") and parent.head.pos_ == "VERB":
                    # "mocked him for opposing X", "accused Russia of backing Y": the object
                    obj = first_child(parent.head, ("dobj",))
                    if obj is not None and actorish(obj):
                        return [obj]
                cur = parent
                continue
            subj = first_child(parent, ("nsubj",))
            if subj is not None:
                if cur.dep_ == "advcl" and not actorish(subj):
                    # a participle's subject is the nearest earlier actor, not the noun the
                    # parser attached it to ("… an agreement was reached, while Putin …, demanding")
                    earlier = nearest_earlier_subject(tok)
                    if earlier is not None:
                        return with_conjuncts(earlier)
                return with_conjuncts(subj)
            agent = first_child(parent, ("agent",))
            if agent is not None:
                objs = [c for c in agent.children if c.dep_ == "pobj"]
                if objs:
                    return with_conjuncts(objs[0])
            cur = parent
            continue
        if cur.dep_ == "relcl":
            return with_conjuncts(cur.head)
        break
    return []
