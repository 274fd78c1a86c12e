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

__all__ = ["corrections", "same_value_support", "values"]

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
            own = span.doc[span.start : clause.start].text.rstrip(" ,;")
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
