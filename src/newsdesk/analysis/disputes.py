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
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from .claims import ClaimOptions, Dispute, _ActorFinder, _Statement

__all__ = ["corrections", "negated_claims", "same_value_support", "values"]

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
    # capitalised only: "may", "mar", "march" and "sun" are ordinary words in lower case
    calendar = {w.lower() for w in _WORD.findall(text) if w[0].isupper()} & _calendar_words()
    return figures | calendar


def same_value_support(own: str, other: str, candidate: str) -> bool:
    """Whether ``candidate`` gives the value that sets the side ``own`` apart from the side
    ``other`` (a figure or calendar word of ``own`` that ``other`` lacks) and none of the values
    that set ``other`` apart: "passing a resolution on Tuesday" supports "passed Tuesday" against
    "voted on Wednesday"."""
    mine, theirs, given = values(own), values(other), values(candidate)
    distinct, opposed = mine - theirs, theirs - mine
    return bool(distinct & given) and not opposed & given


def _cue_list(key: str) -> frozenset[str]:
    from ..resources import pair_lexicon

    return frozenset(pair_lexicon().get(key, ()))


def _named(token: "Token") -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ in ("PERSON", "ORG", "NORP", "GPE")


def _citation(span: "Span") -> tuple["Token", "Token", bool] | None:
    """A named party's citing of words or things inside an article's own sentence: (the citing
    verb, the party, whether the citation is a concession the main clause answers: "…, though Mr.
    Obama cited the Chamber as a supporter"), or None. "The phrase quoted by Carney" (the agent
    of a passive) and "Mr. Obama cited …" (the subject) both name the party."""
    citing, concessive = _cue_list("disputes_citing_verbs"), _cue_list("disputes_concessive")
    for token in span:
        if token.lower_ not in citing or token.pos_ != "VERB":
            continue
        party = None
        for child in token.children:
            if child.dep_ == "nsubj" and _named(child):
                party = child
            elif child.dep_ == "agent":
                party = next((g for g in child.children if g.dep_ == "pobj" and _named(g)), None)
        if party is None:
            continue
        conceded = token.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in concessive for c in token.children)
        return token, party, conceded
    return None


def _main_clause_denies(span: "Span") -> bool:
    """Whether the sentence's main verb is negated ("The phrase … is not in the Bible")."""
    root = span.root
    return any(c.dep_ == "neg" for c in root.children)


def corrections(
    statements: Sequence["_Statement"],
    similarity: Any,
    actors: "_ActorFinder",
    docs: Mapping[str, "Doc"],
    in_dispute: set[int],
    options: "ClaimOptions",
) -> list["Dispute"]:
    """The article, in its own voice, correcting what a named party said or cited: "The phrase
    quoted by Carney is not in the Bible" answers Carney's "that phrase from the Bible is …" a few
    sentences before it; "… have withdrawn support for the infrastructure spending bill, though
    Mr. Obama cited the Chamber as a supporter" sets the article's account against Obama's in one
    sentence.

    A sentence the article states itself (no reporting verb, no quotation) names a party as the
    subject or agent of a citing verb (``disputes_citing_verbs``: cited, quoted, touted …) and
    either negates its main verb (the party's words are then the closest statement of that party
    up to ``options.correction_window`` sentences before it, at MiniLM cosine at least
    ``options.correction_similarity``) or puts the citation in a concessive clause ("though",
    ``disputes_concessive``) that shares a content word with the main clause (one sentence, two
    accounts)."""
    from .claims import Dispute, Side, _same_actor

    found: list[Dispute] = []
    for k, statement in enumerate(statements):
        if k in in_dispute or actors.is_attributed(statement):
            continue
        doc = docs.get(statement.article_id)
        span = doc.char_span(statement.start, statement.end, alignment_mode="expand") if doc is not None else None
        if span is None:
            continue
        cited = _citation(span)
        if cited is None:
            continue
        verb, party_token, conceded = cited
        chunk = next((c for c in party_token.sent.noun_chunks if c.start <= party_token.i < c.end), None)
        words = chunk if chunk is not None else party_token.doc[party_token.i : party_token.i + 1]
        party, party_side = actors._resolve(statement.article_id, words.text, words.start_char, words.end_char)
        outlet = actors.outlet(statement)
        if conceded:
            clause = party_token.doc[verb.left_edge.i : verb.right_edge.i + 1]
            main = [t for t in span if not clause.start <= t.i < clause.end]
            clause_lemmas = {t.lemma_.lower() for t in clause if t.pos_ in ("NOUN", "PROPN") and t.i != party_token.i}
            if not clause_lemmas & {t.lemma_.lower() for t in main if t.pos_ in ("NOUN", "PROPN")}:
                continue  # the concession is about something else
            # the article's own account is the main clause, before or after the concession
            before = span.doc[span.start : clause.start].text.rstrip(" ,;")
            own = before or span.doc[clause.end : span.end].text.strip(" ,;.")
            if not own:
                continue
            found.append(
                Dispute(
                    id="",
                    kind="reported_dispute",
                    score=1.0,
                    sides=[
                        Side(outlet, own, [statement.evidence()], None),
                        Side(party, clause.text, [statement.evidence()], party_side),
                    ],
                    evidence=[statement.evidence(), statement.evidence()],
                    explanation="the article sets its own account against what a party cited",
                )
            )
            in_dispute.add(k)
            continue
        if not _main_clause_denies(span):
            continue
        best: tuple[float, int] | None = None
        for m, earlier in enumerate(statements):
            if (
                m in in_dispute
                or earlier.article_id != statement.article_id
                or not 0 < statement.index - earlier.index <= options.correction_window
            ):
                continue
            score = float(similarity[k, m])
            if score < options.correction_similarity or (best is not None and score <= best[0]):
                continue
            speaker = actors.of(earlier)[0]
            if _same_actor(speaker, party):
                best = (score, m)
        if best is None:
            continue
        score, m = best
        claimed = actors.side(statements[m])
        claimed.actor, claimed.side = party, party_side
        found.append(
            Dispute(
                id="",
                kind="reported_dispute",
                score=score,
                sides=[claimed, Side(outlet, statement.text, [statement.evidence()], None)],
                evidence=[statements[m].evidence(), statement.evidence()],
                explanation="the article corrects what a party said",
            )
        )
        in_dispute.update((k, m))
    return found


def _in_scope_of_negation(token: "Token") -> bool:
    """Whether a word stands under a negation of its own clause ("will not pay", "are not going
    to pay"): it, or a verb it hangs from within the clause (xcomp, aux chains), is negated."""
    current = token
    for _ in range(4):
        if any(c.dep_ == "neg" for c in current.children):
            return True
        if current.dep_ not in ("xcomp", "aux", "auxpass") or current.head.i == current.i:
            return False
        current = current.head
    return False


def _claimed_verbs(span: "Span", claim_verbs: frozenset[str]) -> tuple["Token", set[str]] | None:
    """The claim verb of a statement with a named subject and the lemmas of the verbs its claim
    asserts, none of them negated ("Mr. Trump has insisted that … compel Mexico to pay": {compel,
    pay}); None when the statement makes no such claim."""
    for token in span:
        if token.lower_ not in claim_verbs or token.pos_ != "VERB":
            continue
        subject = next((c for c in token.children if c.dep_ == "nsubj" and _named(c)), None)
        if subject is None or _in_scope_of_negation(token):
            continue
        asserted = {
            t.lemma_.lower()
            for t in token.subtree
            if t.pos_ == "VERB" and t.i != token.i and not _in_scope_of_negation(t) and span.start <= t.i < span.end
        }
        return subject, asserted
    return None


def _denier(span: "Span", verb: str) -> "Span | None":
    """Who utters a denial: the subject of the clause above the negated verb ("two of the
    country's former presidents have a message for Mr. Trump: Mexico won't pay"), not the verb's
    own subject ("Mexico"); None when the negated verb is the sentence's main verb."""
    negated = next((t for t in span if t.lemma_.lower() == verb and any(c.dep_ == "neg" for c in t.children)), None)
    current = negated
    while current is not None and current.head.i != current.i and span.start <= current.head.i < span.end:
        current = current.head
        subject = next((c for c in current.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None and subject.pos_ in ("NOUN", "PROPN", "NUM"):
            return span.doc[subject.left_edge.i : subject.right_edge.i + 1]
    return None


def negated_claims(
    statements: Sequence["_Statement"],
    similarity: Any,
    actors: "_ActorFinder",
    docs: Mapping[str, "Doc"],
    in_dispute: set[int],
    options: "ClaimOptions",
) -> list["Dispute"]:
    """A party's claim and another party's words that deny what it asserts, addressed to the
    claimant: "Mr. Trump has insisted that … he would … compel Mexico to pay for the wall" and
    "… two of the country's former presidents have a message for Mr. Trump: Mexico won't pay."

    The claim is a claim verb (``disputes_claim_verbs``) with a named subject; the denial, in the
    same article at most ``options.counter_window`` sentences away, negates a verb the claim
    asserts (the same lemma), names the claimant, and is not the claimant's own; the two are close
    in meaning (MiniLM cosine at least ``options.negation_similarity``)."""
    from .claims import Dispute, _cues, _same_actor, _surname, _words

    claim_verbs = _cues().claim_verbs
    ignore = claim_verbs | _cues().reporting | _cue_list("disputes_light_verbs")
    spans: dict[int, Any] = {}
    for k, s in enumerate(statements):
        doc = docs.get(s.article_id)
        spans[k] = doc.char_span(s.start, s.end, alignment_mode="expand") if doc is not None else None
    found: list[Dispute] = []
    pairs: list[tuple[float, int, int, str, str]] = []
    for i, claim in enumerate(statements):
        if spans[i] is None:
            continue
        claimed = _claimed_verbs(spans[i], claim_verbs)
        if claimed is None:
            continue
        subject, asserted = claimed
        asserted -= ignore
        claimant = subject.text
        for j, denial in enumerate(statements):
            if (
                j == i
                or spans[j] is None
                or denial.article_id != claim.article_id
                or abs(denial.index - claim.index) > options.counter_window
                or float(similarity[i, j]) < options.negation_similarity
            ):
                continue
            denied = {
                t.lemma_.lower() for t in spans[j] if t.pos_ == "VERB" and any(c.dep_ == "neg" for c in t.children)
            }
            shared = sorted(asserted & denied)
            if shared and _surname(claimant) in _words(denial.text):
                pairs.append((float(similarity[i, j]), i, j, shared[0], claimant))
    for score, i, j, verb, written in sorted(pairs, reverse=True):
        if i in in_dispute or j in in_dispute:
            continue
        claim_side, denial_side = actors.side(statements[i]), actors.side(statements[j])
        claimant = actors.claimant(statements[i]) or claim_side.actor
        if not _same_actor(claimant, claim_side.actor):
            claim_side.actor, claim_side.side = claimant, None
        denier = _denier(spans[j], verb)
        if denier:
            denial_side.actor, denial_side.side = actors.named(statements[j].article_id, denier)
        if (
            _same_actor(claim_side.actor, denial_side.actor)
            or _same_actor(written, denial_side.actor)
            or denial_side.actor == actors.outlet(statements[j])
        ):
            continue  # the claimant's own words, or no one named who denies
        # other outlets reporting the same denial support its side ("Former Mexican President
        # Vicente Fox says Mexico will not pay for a wall"): the same verb negated, close in meaning
        for m, other in enumerate(statements):
            if (
                other.article_id in denial_side.article_ids
                or spans[m] is None
                or float(similarity[j, m]) < options.support_similarity
                or not any(t.lemma_.lower() == verb and any(c.dep_ == "neg" for c in t.children) for t in spans[m])
            ):
                continue
            denial_side.sources.append(other.evidence())
        found.append(
            Dispute(
                id="",
                kind="reported_dispute",
                score=score,
                sides=[claim_side, denial_side],
                evidence=[statements[i].evidence(), statements[j].evidence()],
                explanation=f"one party says another's claim will not hold ({verb})",
            )
        )
        in_dispute.update((i, j))
    return found
