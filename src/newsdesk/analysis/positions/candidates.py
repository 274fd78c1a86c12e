"""Candidate positions of one sentence: a cue token, its actor(s), its content and its condition.

Every token whose lemma is a cue (:mod:`.lexicon`) opens a candidate. The dependency parse gives
the actor (subject, passive agent, possessor, the subject inherited by participles, infinitives
and coordinated verbs, the subject of a light verb such as *issue a warning*), the content (the
clausal complement, object or prepositional object, up to the end of the cue's clause) and the
condition (*if/unless/before/until* clauses, *as a precondition for*, *in exchange for*), which
is moved out of the content. Negation flips *agree* into *rejects* and drops the other kinds;
cues in hypothetical (*should, could*) or conditional clauses are not positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from ..quotes import without_cue_conjuncts
from ..sides import side_of
from .actors import find_antecedent, mention_tokens
from .lexicon import (
    ADJ_CUES,
    CLAUSE_NOUNS,
    CONDITION_MARKS,
    CONDITION_NOUNS,
    CONTENT_PREPS,
    DASHES,
    FIRST_PERSON,
    HOLDER_PREPS,
    HYPOTHETICAL_MODALS,
    LIGHT_VERBS,
    NEEDS_CLAUSE,
    NEGATING_HEADS,
    NOUN_CUES,
    PHRASAL_ONLY,
    PHRASAL_VERBS,
    PRONOUNS_GROUP,
    PRONOUNS_PERSON,
    QUOTES,
    VERB_CUES,
)
from .syntax import actorish, first_child, split_modifier_conjuncts, verb_actors, with_conjuncts

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token


@dataclass
class Candidate:
    cue: "Token"
    kind: str
    actor_tokens: list["Token"]  # heads of the actor mention(s) (conjuncts give several)
    content_tokens: list["Token"] = field(default_factory=list)
    condition_tokens: list["Token"] = field(default_factory=list)
    inner: bool = False  # the content holds another cue (reported stance) of the same actor
    # heads of the actor(s) of the speech act that reports this stance, when they are someone else
    # ("Trump … attacked the Ukrainian leader, saying he “was not ready for peace”": the stance is
    # the Ukrainian leader's, as Trump tells it)
    reporter_tokens: list["Token"] = field(default_factory=list)


def find_candidates(sent: "Span") -> Iterator[Candidate]:
    found: list[Candidate] = []
    for tok in sent:
        cand = _verb_candidate(tok) or _noun_candidate(tok) or _adj_candidate(tok)
        if cand is not None:
            found.append(cand)
    # A reported stance ("the Kremlin noted that it had agreed to X") is the inner stance; the
    # outer speech verb adds nothing when both have the same actor.
    by_cue = {c.cue.i: c for c in found}
    for cand in found:
        if cand.actor_tokens and all(t.lower_ in FIRST_PERSON for t in cand.actor_tokens):
            speaker = _quoting_speech_verb(cand.cue, by_cue)
            cand.actor_tokens = speaker.actor_tokens if speaker is not None else []
    for cand in found:
        outer = _reporting_candidate(cand.cue, by_cue)
        if outer is not None and outer.actor_tokens and not _same_actor(outer, cand):
            cand.reporter_tokens = outer.actor_tokens
    drop: set[int] = set()
    for cand in found:
        for tok in cand.content_tokens:
            inner = by_cue.get(tok.i)
            if inner is None or inner is cand or not _same_actor(cand, inner):
                continue
            if cand.kind == "asserts" or inner.cue.head.i == cand.cue.i:
                # "noted that it had agreed to X", "offered its support for X", "refused to agree"
                drop.add(cand.cue.i)
    for cand in found:
        if cand.cue.i not in drop:
            yield cand


def _quoting_speech_verb(cue: "Token", by_cue: dict[int, Candidate]) -> Candidate | None:
    """The speech act whose quotation holds ``cue`` ("“We will never accept X,” Zelensky said")."""
    cur = cue
    while cur.head.i != cur.i:
        parent = cur.head
        if cur.dep_ in ("ccomp", "parataxis") and parent.i in by_cue and by_cue[parent.i].kind == "asserts":
            return by_cue[parent.i]
        cur = parent
    return None


def _reporting_candidate(cue: "Token", by_cue: dict[int, Candidate]) -> Candidate | None:
    """The nearest speech act ("said", "saying", "claims") whose complement holds ``cue``."""
    cur = cue
    while cur.head.i != cur.i:
        parent = cur.head
        if cur.dep_ in ("ccomp", "parataxis") and parent.i in by_cue:
            outer = by_cue[parent.i]
            lo, hi = sorted((parent.i, cue.i))
            if any(t.text in DASHES for t in cue.doc[lo:hi]):
                return None  # "X indicate … – while Putin has shifted …": the writer's aside, not X's report
            return outer if outer.kind == "asserts" else None
        cur = parent
    return None


def _same_actor(outer: Candidate, inner: Candidate) -> bool:
    if {t.i for t in outer.actor_tokens} & {t.i for t in inner.actor_tokens}:
        return True
    outer_words = {t.lower_ for a in outer.actor_tokens for t in mention_tokens(a)}
    inner_words = {t.lower_ for a in inner.actor_tokens for t in mention_tokens(a)}
    if outer_words & inner_words:
        return True
    outer_sides = {side_of(t.text) for a in outer.actor_tokens for t in mention_tokens(a)}
    inner_sides = {side_of(t.text) for a in inner.actor_tokens for t in mention_tokens(a)}
    outer_sides.discard(None)
    inner_sides.discard(None)
    if outer_sides & inner_sides:
        return True
    # a pronoun inner actor usually refers back to the outer one ("X said it would …"), unless
    # it resolves to someone else ("Trump and Vance attacked the Ukrainian leader, saying he …")
    outer_ids = {t.i for a in outer.actor_tokens for t in mention_tokens(a)}
    for tok in inner.actor_tokens:
        if tok.lower_ in PRONOUNS_PERSON | PRONOUNS_GROUP:
            antecedent = find_antecedent(tok)
            if antecedent is None or antecedent.i in outer_ids or antecedent.lower_ in outer_words:
                return True
    return False


def _verb_candidate(tok: "Token") -> Candidate | None:
    if tok.pos_ not in ("VERB", "AUX") and not (tok.tag_.startswith("VB")):
        return None
    lemma = tok.lemma_.lower()
    particle = _phrasal_particle(tok)
    kind = PHRASAL_VERBS.get((lemma, particle)) if particle else None
    if kind is None:
        if lemma in PHRASAL_ONLY:
            return None
        kind = VERB_CUES.get(lemma)
    if kind is None or _is_hypothetical(tok) or _in_condition_clause(tok):
        return None
    if tok.dep_ == "amod" or (tok.dep_ == "acl" and tok.tag_ == "VBG" and lemma not in ("demand", "insist")):
        # "a proposed deal", "the ensuing talks": a modifier, not a statement
        if not _has_agent(tok):
            return None
    if lemma == "insist" and not particle:
        # "insist that Kyiv withdraw" (subjunctive) demands; "insist that it did" asserts
        comp = first_child(tok, ("ccomp",))
        if comp is not None and not (comp.tag_ == "VB" or any(c.lower_ in ("must", "should") for c in comp.children)):
            kind = "asserts"
    if (
        lemma in ("back", "support", "push", "press")
        and particle is None
        and not any(c.dep_ in ("dobj", "xcomp", "ccomp", "nsubjpass", "agent") for c in tok.children)
    ):
        if lemma not in ("push", "press") or not first_child(tok, ("prep",)):
            return None
    if lemma in ("seek", "aim") and not any(c.dep_ == "dobj" for c in tok.children) and not particle:
        if not any(c.dep_ == "prep" and c.lower_ in CONTENT_PREPS.get(lemma, set()) for c in tok.children):
            return None  # "sought to explain": an attempt, not a demand
    if (
        tok.dep_ == "xcomp"
        and tok.head.pos_ == "ADJ"
        and tok.head.lemma_.lower() not in (set(ADJ_CUES) | NEGATING_HEADS)
    ):
        return None  # "it is crucial to note", "Moscow is unlikely to accept": no one's stance
    if tok.dep_ == "xcomp" and any(
        c.dep_ == "acomp" and c.lemma_.lower() not in set(ADJ_CUES) | NEGATING_HEADS for c in tok.head.children
    ):
        return None  # "it's hard to say"
    if tok.dep_ == "xcomp" and any(c.dep_ == "dobj" and actorish(c) for c in tok.head.children):
        return None  # "compel Ukraine to accept": the object's stance is not stated
    negated = _is_negated(tok)
    stranded = _stranded_passive(tok)
    if stranded is not None:
        subject, agent = stranded
        kind = _apply_negation(kind, negated)
        if kind is None:
            return None
        content = [t for t in subject.subtree]
        return Candidate(tok, kind, split_modifier_conjuncts(agent), content, _condition_tokens(tok, []))
    kind = _apply_negation(kind, negated)
    if kind is None:
        return None
    actors = verb_actors(tok)
    content, condition = _verb_content(tok, lemma, particle)
    if lemma in NEEDS_CLAUSE and not any(t.dep_ in ("ccomp", "parataxis") or t.tag_.startswith("VB") for t in content):
        if not _content_is_quoted(content):
            return None
    if not content:
        return None
    return Candidate(tok, kind, actors, content, condition)


def _phrasal_particle(tok: "Token") -> str | None:
    for child in tok.children:
        if child.dep_ == "prt":
            return child.lower_
    for child in tok.children:
        if child.dep_ in ("prep", "agent") and (tok.lemma_.lower(), child.lower_) in PHRASAL_VERBS:
            return child.lower_
    return None


def _stranded_passive(tok: "Token") -> "tuple[Token, Token] | None":
    """("the truce, agreed to by both sides, …" parsed as active): (subject, agent head)."""
    subject = first_child(tok, ("nsubj",))
    if subject is None or tok.tag_ != "VBD" and tok.tag_ != "VBN":
        return None
    by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "by"), None)
    if by is None:
        return None
    stranded = any(c.dep_ == "prep" and not any(True for _ in c.children) and c.i < by.i for c in tok.children)
    if not stranded:
        return None
    objs = [c for c in by.children if c.dep_ == "pobj"]
    return (subject, objs[0]) if objs else None


def _named_agent(tok: "Token") -> bool:
    for agent in tok.children:
        if agent.dep_ == "agent":
            for obj in agent.children:
                if any(t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or side_of(t.text) for t in obj.subtree):
                    return True
    return False


def _has_agent(tok: "Token") -> bool:
    return any(c.dep_ == "agent" for c in tok.children)


def _verb_chain(tok: "Token") -> list["Token"]:
    """The verb and the verbs it inherits its clause from (xcomp/conj heads, copulas)."""
    chain = [tok]
    cur = tok
    while cur.head.i != cur.i and (
        cur.dep_ in ("xcomp", "conj", "acomp")
        or cur.dep_ == "advcl"
        and cur.tag_ == "VB"
        and not any(c.dep_.startswith("nsubj") for c in cur.children)
    ):
        cur = cur.head
        chain.append(cur)
    return chain


def _is_hypothetical(tok: "Token") -> bool:
    for verb in _verb_chain(tok):
        for child in verb.children:
            if child.dep_ == "aux" and child.lower_ in HYPOTHETICAL_MODALS:
                if child.lower_ == "would" and verb.dep_ == "ccomp" and verb.head.lemma_.lower() in VERB_CUES:
                    continue  # "said Russia would agree": reported future, not a hypothesis
                return True
    return False


def _in_condition_clause(tok: "Token") -> bool:
    """Whether the cue is inside a condition: "if/unless/whether …", or a temporal condition
    on another stance ("before Moscow will agree to a broader ceasefire" states no agreement)."""
    cur = tok
    while cur.head.i != cur.i:
        if cur.dep_ in ("advcl", "ccomp") and any(
            c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in cur.children
        ):
            return True
        if cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in CONDITION_MARKS for c in cur.children):
            return True
        if cur.dep_ == "pcomp" and cur.head.lower_ == "without":
            return True
        cur = cur.head
    return False


def _is_negated(tok: "Token") -> bool:
    for verb in [tok, *([tok.head] if tok.head.pos_ == "AUX" or tok.dep_ == "acomp" else [])]:
        for child in verb.children:
            if child.dep_ == "neg" or child.lower_ in ("never", "n't", "not"):
                return True
    if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in NEGATING_HEADS:
        return True
    if tok.dep_ == "xcomp" and tok.head.dep_ == "acomp" and tok.head.lemma_.lower() in NEGATING_HEADS:
        return True
    return False


def _apply_negation(kind: str, negated: bool) -> str | None:
    if not negated:
        return kind
    # "did not agree / will not accept" is a rejection; a negated demand, warning or claim
    # states nothing (the negation belongs to the proposition only when it sits inside it).
    return "rejects" if kind == "agrees" else None


def _verb_content(tok: "Token", lemma: str, particle: str | None) -> tuple[list["Token"], list["Token"]]:
    """Tokens of the proposition a verb cue governs, and of its condition."""
    roots: list["Token"] = []
    content_preps = CONTENT_PREPS.get(lemma, set()) | ({particle} if particle else set())
    passive = first_child(tok, ("nsubjpass",))
    has_clause = any(c.dep_ == "ccomp" for c in tok.children)
    for child in tok.children:
        if child.dep_ in ("dobj", "dative") and (has_clause or lemma in NEEDS_CLAUSE):
            continue  # "told a gathering that …": the addressee
        if child.dep_ in ("ccomp", "xcomp", "dobj") and child.i > tok.i:
            roots.append(child)
        elif child.dep_ in ("ccomp", "parataxis") and child.i < tok.i and VERB_CUES.get(lemma) == "asserts":
            roots.append(child)  # "“…,” Putin said"
        elif child.dep_ == "prep" and child.lower_ in content_preps:
            roots.append(child)
        elif child.dep_ == "prt" and particle and child.lower_ == particle:
            continue
    if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
        if tok.dep_ == "acl" and _has_agent(tok) and not _named_agent(tok):
            return [], []  # "a peace accepted by both sides": generic, the author's hypothesis
        if not any(r.dep_ in ("dobj", "ccomp", "xcomp") for r in roots):
            # "the ceasefire, agreed to by both sides": the modified noun is the content
            roots = [tok.head]
            return _span_tokens(tok.head, stop_at=tok), _condition_tokens(tok, [])
    if passive is not None and not roots:
        roots = [passive]
    if not roots and tok.dep_ in ("parataxis", "ccomp") and lemma in NEEDS_CLAUSE and tok.head.pos_ in ("VERB", "AUX"):
        # "Rather than …, the president said, “we will …”": the parser made the quote the head
        skip = {t.i for t in tok.subtree}
        quoted = [t for t in tok.head.subtree if t.i not in skip and t.i > tok.i]
        if quoted:
            return _cut_at_dash(quoted), []
    if not roots and tok.dep_ == "relcl" and tok.head.pos_ in ("NOUN", "PROPN"):
        head = tok.head
        return [
            t
            for t in head.subtree
            if t.i < tok.left_edge.i
            or t.i > tok.right_edge.i
            and t.dep_ == "appos"
            or t.i > tok.right_edge.i
            and t.head.dep_ == "appos"
        ], []
    if not roots:
        return [], []
    roots.sort(key=lambda t: t.i)
    if roots[0].i > tok.i:
        # from the content's start to the end of the cue's clause ("insists on A …, as well as on B")
        first = min(r.left_edge.i for r in roots if r.i > tok.i)
        tokens = _cut_at_dash([t for t in tok.subtree if t.i >= first])
        tokens = _drop_coordinated_clauses(tok, tokens)
        for root in roots:
            if root.dep_ == "ccomp":
                # "confirmed that the conflict must end … and emphasized …": the cue's own conjunct
                keep = {t.i for t in without_cue_conjuncts(tok, root)}
                tokens = [t for t in tokens if t.i in keep or not root.left_edge.i <= t.i <= root.right_edge.i]
    else:
        tokens = [t for r in roots for t in r.subtree]
    condition = _condition_tokens(tok, tokens)
    cond_ids = {t.i for t in condition}
    tokens = [t for t in tokens if t.i not in cond_ids]
    tokens = _cut_at_dash(tokens)
    return tokens, condition


def _drop_coordinated_clauses(cue: "Token", tokens: list["Token"]) -> list["Token"]:
    """Leave out later clauses coordinated with the cue ("agreed to A, but emphasized B")."""
    drop: set[int] = set()
    for child in cue.children:
        if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX") and child.i > cue.i:
            drop.update(t.i for t in child.subtree)
            drop.update(
                c.i
                for c in cue.children
                if c.dep_ in ("cc", "punct")
                and child.i > c.i > cue.i
                and all(
                    not (cue.i < r.i < c.i and r.dep_ in ("dobj", "ccomp", "xcomp", "prep")) or r.i < c.i
                    for r in cue.children
                )
            )
    content_ids = {t.i for t in tokens}
    for tok in [cue, *tokens]:
        if tok is not cue and tok.i not in content_ids:
            continue
        for child in tok.children:
            if child.dep_ != "advcl" or child.i <= cue.i:
                continue
            if any(
                m.dep_ == "mark"
                and m.lower_ in ("while", "as", "because", "since", "although", "though", "when", "after", "whereas")
                for m in child.children
            ):
                drop.update(t.i for t in child.subtree)
            elif child.tag_ == "VBG" and _has_cue_lemma(child):
                drop.update(t.i for t in child.subtree)  # "…, pushing for sanctions" is its own stance
        for child in tok.children:
            if child.dep_ == "relcl" and child.i > cue.i and child.left_edge.i > 0:
                before = child.doc[child.left_edge.i - 1]
                if before.text == "," and child.left_edge.lower_ in ("which", "who", "whom", "whose"):
                    drop.update(t.i for t in child.subtree)  # ", which could include …": an aside
    kept = [t for t in tokens if t.i not in drop]
    # a conjoined clause also ends the content at its coordinator
    return kept


def _has_cue_lemma(tok: "Token") -> bool:
    return tok.lemma_.lower() in VERB_CUES or (tok.lemma_.lower(), _phrasal_particle(tok) or "") in PHRASAL_VERBS


def _condition_tokens(cue: "Token", content: list["Token"]) -> list["Token"]:
    """Conditional clauses and "as a precondition for …" phrases on the cue or in its content."""
    content_ids = {t.i for t in content}
    found: list["Token"] = []
    scope = [cue, *[t for t in content]]
    for head in scope:
        for child in head.children:
            if child.i in {t.i for t in found}:
                continue
            if head is not cue and head.i not in content_ids:
                continue
            if child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in CONDITION_MARKS for m in child.children):
                found.extend(child.subtree)
            elif (
                child.dep_ == "advcl"
                and any(m.dep_ in ("mark", "advmod") and m.lower_ == "as" for m in child.children)
                and " ".join(t.lower_ for t in list(child.subtree)[:3]) == "as long as"
            ):
                found.extend(child.subtree)  # "as long as …"
            elif (
                child.lower_ == "long"
                and any(m.lower_ == "as" for m in child.children if m.i < child.i)
                and any(m.dep_ == "advcl" for m in child.children)
            ):
                found.extend(child.subtree)  # "as long as …" parsed as "long" holding the clause
            elif child.dep_ == "prep" and child.lower_ in ("as", "on", "in", "without", "upon"):
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if not objs:
                    continue
                obj = objs[0]
                if (
                    obj.lemma_.lower() in CONDITION_NOUNS
                    or (child.lower_ == "in" and obj.lower_ in ("exchange", "return"))
                    or (child.lower_ == "without" and head is cue)
                ):
                    found.extend(child.subtree)
    ids = sorted({t.i for t in found})
    doc = cue.doc
    return [doc[i] for i in ids]


def _cut_at_dash(tokens: list["Token"]) -> list["Token"]:
    """An author's aside after a dash is not part of the proposition."""
    for n, tok in enumerate(tokens):
        if n > 0 and tok.text in DASHES and not _inside_quote(tok):
            return tokens[:n]
    return tokens


def _inside_quote(tok: "Token") -> bool:
    before = tok.doc[tok.sent.start : tok.i].text
    opens = before.count("“") + before.count('"') % 2
    closes = before.count("”")
    return opens > closes


def _content_is_quoted(tokens: list["Token"]) -> bool:
    return bool(tokens) and any(t.text in QUOTES or t.is_quote for t in tokens)


def _span_tokens(head: "Token", stop_at: "Token") -> list["Token"]:
    return [t for t in head.subtree if t.i < stop_at.left_edge.i]


def _noun_candidate(tok: "Token") -> Candidate | None:
    if tok.pos_ not in ("NOUN", "PROPN"):
        return None
    lemma = tok.lemma_.lower()
    kind = NOUN_CUES.get(lemma)
    if kind is None or _in_condition_clause(tok) or tok.dep_ == "compound":
        return None
    if lemma == "call" and not any(c.dep_ == "prep" and c.lower_ in ("for", "on") for c in tok.children):
        return None  # a phone call
    governor = tok.head if tok.dep_ in ("dobj", "pobj", "nsubj", "attr") else None
    if governor is not None and _is_hypothetical(governor if governor.pos_ != "ADP" else governor.head):
        return None
    actors = _noun_actors(tok)
    content, condition = _noun_content(tok)
    if not content:
        return None
    if not actors:
        return None
    return Candidate(tok, kind, actors, content, condition)


def _noun_actors(tok: "Token") -> list["Token"]:
    for child in tok.children:
        if child.dep_ == "poss":
            return [child]
    for child in tok.children:
        if child.dep_ in ("prep", "agent") and child.lower_ in ("by", "from"):
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs:
                return with_conjuncts(objs[0])
    for child in tok.children:
        if (
            child.dep_ in ("compound", "amod", "nmod")
            and child.i < tok.i
            and (child.ent_type_ in ("GPE", "NORP", "ORG", "PERSON") or side_of(child.text))
        ):
            return [child]
    # "Putin seeks … with stipulations that …"; "Russia issued a warning that …"
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ in HOLDER_PREPS:
        verb = head.head
        for _ in range(4):  # the parser may attach "with …" to a noun inside the verb phrase
            if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
                break
            verb = verb.head
        if verb.pos_ in ("VERB", "AUX"):
            return verb_actors(verb)
    if tok.dep_ == "dobj" and head.lemma_.lower() in LIGHT_VERBS and not _is_hypothetical(head):
        return verb_actors(head)
    return []


def _noun_content(tok: "Token") -> tuple[list["Token"], list["Token"]]:
    roots: list["Token"] = []
    for child in tok.children:
        if child.dep_ in ("acl", "ccomp", "relcl") and child.i > tok.i:
            if child.dep_ == "relcl" and not any(m.lower_ == "that" and m.dep_ == "mark" for m in child.children):
                # "the demand that X" is a complement; "the demand which X made" is not
                if not any(m.dep_ == "mark" for m in child.children):
                    continue
            roots.append(child)
        elif child.dep_ == "prep" and child.lower_ in ("for", "to", "on", "of", "against", "about") and child.i > tok.i:
            if child.lower_ == "of" and tok.lemma_.lower() not in (
                "warning",
                "threat",
                "rejection",
                "acceptance",
                "denial",
                "support",
                "opposition",
            ):
                continue
            roots.append(child)
        elif child.dep_ == "appos" and child.i > tok.i:
            roots.append(child)
    # "his goals are non-negotiable: A; B", "his goal was X"
    copula = (
        tok.head
        if tok.head.lemma_ in ("be", "remain")
        else next((c for c in tok.head.children if c.dep_ == "aux" and c.lemma_ == "be" and c.i > tok.i), None)
    )
    if tok.dep_ == "nsubj" and copula is not None:
        verb = copula
        end = tok.sent.end
        if tok.head.i != verb.i:
            end = min(end, tok.head.right_edge.i + 1)
        if (
            verb.dep_ in ("ccomp", "parataxis")
            and verb.head.i > verb.i
            and VERB_CUES.get(verb.head.lemma_.lower()) == "asserts"
        ):
            end = verb.head.i  # "…, noted Andrianov"
            for sub in verb.head.children:
                if sub.dep_ in ("nsubj",) and verb.i < sub.i < end:
                    end = sub.left_edge.i
        tokens = [t for t in tok.doc[verb.i + 1 : end]]
        for n, t in enumerate(tokens):
            if n > 0 and VERB_CUES.get(t.lemma_.lower()) == "asserts" and tokens[n - 1].text in (",", "”", '"'):
                tokens = tokens[: n - 1]  # "…, noted Andrianov": the reporting tail
                break
        if tok.lemma_.lower() in CLAUSE_NOUNS and not any(t.text == ":" for t in tokens):
            return [], []  # "his views were in alignment …" describes, "his position is: X" states
        tokens = _cut_at_dash(tokens)
        condition = _condition_tokens(verb, tokens)
        ids = {t.i for t in condition}
        own = [t for r in roots for t in r.subtree]
        return [*own, *[t for t in tokens if t.i not in ids]] if tokens else own, condition
    doc = tok.doc
    if not roots and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "that":
        verb = doc[tok.i + 1].head
        if verb.i > tok.i + 1 and verb.pos_ in ("VERB", "AUX"):
            # "stipulations that the agreement must include X" attached to an earlier noun
            tokens = [t for t in verb.subtree if t.i > tok.i + 1]
            return _cut_at_dash(tokens), _condition_tokens(verb, tokens)
    if tok.lemma_.lower() in CLAUSE_NOUNS and not any(r.dep_ in ("acl", "ccomp", "relcl") for r in roots):
        return [], []
    compounds = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "NOUN"]
    if not roots and compounds:
        # "Washington's ceasefire proposal"
        return [t for c in compounds for t in c.subtree], []
    if not roots:
        return [], []
    roots.sort(key=lambda t: t.i)
    tokens = _drop_coordinated_clauses(
        tok, _cut_at_dash(sorted((t for r in roots for t in r.subtree), key=lambda t: t.i))
    )
    condition = _condition_tokens(tok, tokens)
    ids = {t.i for t in condition}
    tokens = _cut_at_dash([t for t in tokens if t.i not in ids])
    return tokens, condition


def _adj_candidate(tok: "Token") -> Candidate | None:
    if tok.pos_ != "ADJ":
        return None
    kind = ADJ_CUES.get(tok.lemma_.lower())
    if kind is None or tok.dep_ not in ("acomp", "amod", "oprd") or _in_condition_clause(tok):
        return None
    if _is_hypothetical(tok.head) or _is_hypothetical(tok):
        return None
    content_root = first_child(tok, ("xcomp", "prep"))
    if content_root is None:
        return None
    if content_root.dep_ == "prep" and content_root.lower_ not in ("to", "for"):
        return None
    kind = _apply_negation(kind, _is_negated(tok))
    if kind is None:
        return None
    actors = verb_actors(tok.head) if tok.dep_ == "acomp" else []
    tokens = list(content_root.subtree)
    condition = _condition_tokens(tok, tokens)
    ids = {t.i for t in condition}
    tokens = _cut_at_dash([t for t in tokens if t.i not in ids])
    return Candidate(tok, kind, actors, tokens, condition)
