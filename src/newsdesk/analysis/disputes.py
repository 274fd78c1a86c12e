"""The dispute detectors of the claims stage: each reads the story's statements (their MiniLM
cosines, their parses and :class:`~newsdesk.analysis.dispute_actors.ActorFinder`) and returns
:class:`~newsdesk.analysis.claim_types.Dispute`\\ s, marking the statements it uses in
``in_dispute`` so that no statement is a side of two disputes. :func:`newsdesk.analysis.claims.find_claims`
runs them in order (reported disputes first: they name the parties).

Reported disputes (``reported_dispute``):

* :func:`sentence_dispute`: "While the American side claims X, the Kremlin states Y";
* :func:`is_rebuttal`: a sentence contesting what was said before it ("Analysts contest this
  characterization"), paired with that statement by ``find_claims``;
* :func:`counter_claims`: an accusation and its denial, critics and a defence, in one article;
* :func:`corrections`: the article correcting a named party in its own voice;
* :func:`negated_claims`: a party's claim and another party's words negating it;
* :func:`outcome_disputes`: an outcome one source credits and someone quoted in another denies.

Cross-outlet disputes: :func:`counted_clash` (``number``: two sizes of one named thing),
:func:`misattributed` (``attribution``: the same quotation in two mouths). :func:`supports` and
:func:`same_value_support` decide which further statements support one side: a ``number`` or
``date_time`` dispute sets two values against each other ("passed Tuesday" / "voted on
Wednesday"); a third outlet that gives one side's value for the same event (MiniLM cosine at
least ``ClaimOptions.value_similarity``) supports that side, even when it words the event
differently ("He tweaked House Republicans for passing a resolution on Tuesday").

The cue lists are ``disputes_*`` and ``claims_rebuttal`` in ``data/nli/lexicon.json``.

Why one module of ~700 lines: every detector here follows one contract (statements, cosines,
parses, the actor finder and ``in_dispute`` in; disputes out) and the reader looking for why a
dispute was or was not found reads them side by side; who holds a side is in
:mod:`newsdesk.analysis.dispute_actors`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .claim_types import Dispute, Side, Statement, cue_words, lower_words
from .dispute_actors import ActorFinder, names_a_party, same_actor, speaks_for, statement_span, surname
from .sides import side_of

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from .claims import ClaimOptions

__all__ = [
    "corrections",
    "counted_clash",
    "counter_claims",
    "is_rebuttal",
    "misattributed",
    "negated_claims",
    "outcome_disputes",
    "same_value_support",
    "sentence_dispute",
    "supports",
    "values",
]

_FIGURE = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?(?:-\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


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
    statements: Sequence[Statement],
    similarity: Any,
    actors: ActorFinder,
    docs: Mapping[str, "Doc"],
    in_dispute: set[int],
    options: ClaimOptions,
) -> list[Dispute]:
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
    found: list[Dispute] = []
    for k, statement in enumerate(statements):
        if k in in_dispute or actors.is_attributed(statement):
            continue
        span = statement_span(docs, statement)
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
        if not _main_clause_denies(span) or span.root.i == verb.i:
            continue  # "Mr. Page did not list what testimony …": not citing is no correction of what was cited
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
            if same_actor(speaker, party):
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


def _negated_verbs(span: "Span") -> set[str]:
    """The lemmas of the verbs a statement negates ("Mexico won't pay": {pay})."""
    return {t.lemma_.lower() for t in span if t.pos_ == "VERB" and any(c.dep_ == "neg" for c in t.children)}


def negated_claims(
    statements: Sequence[Statement],
    similarity: Any,
    actors: ActorFinder,
    docs: Mapping[str, "Doc"],
    in_dispute: set[int],
    options: ClaimOptions,
) -> list[Dispute]:
    """A party's claim and another party's words that deny what it asserts, addressed to the
    claimant: "Mr. Trump has insisted that … he would … compel Mexico to pay for the wall" and
    "… two of the country's former presidents have a message for Mr. Trump: Mexico won't pay."

    The claim is a claim verb (``disputes_claim_verbs``) with a named subject; the denial, in the
    same article at most ``options.counter_window`` sentences away, negates a verb the claim
    asserts (the same lemma), names the claimant, and is not the claimant's own; the two are close
    in meaning (MiniLM cosine at least ``options.negation_similarity``)."""
    claim_verbs = cue_words().claim_verbs
    ignore = claim_verbs | cue_words().reporting | _cue_list("disputes_light_verbs")
    spans: dict[int, Any] = {}
    for k, s in enumerate(statements):
        doc = docs.get(s.article_id)
        spans[k] = doc.char_span(s.start, s.end, alignment_mode="expand") if doc is not None else None
    # once per statement, not per pair: the verbs it negates and the words it names
    negated_verbs = {k: _negated_verbs(span) for k, span in spans.items() if span is not None}
    words_of = {k: set(lower_words(s.text)) for k, s in enumerate(statements)}
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
            shared = sorted(asserted & negated_verbs[j])
            if shared and surname(claimant) in words_of[j]:
                pairs.append((float(similarity[i, j]), i, j, shared[0], claimant))
    for score, i, j, verb, written in sorted(pairs, reverse=True):
        if i in in_dispute or j in in_dispute:
            continue
        claim_side, denial_side = actors.side(statements[i]), actors.side(statements[j])
        claimant = actors.claimant(statements[i]) or claim_side.actor
        if not same_actor(claimant, claim_side.actor):
            claim_side.actor, claim_side.side = claimant, None
        if same_actor(claimant, denial_side.actor) or same_actor(written, denial_side.actor):
            continue  # the claimant speaks the denial ("If the Republicans … you're not going to meet …," Schiff said)
        denier = _denier(spans[j], verb)
        if denier:
            denial_side.actor, denial_side.side = actors.named(statements[j].article_id, denier)
        if (
            same_actor(claim_side.actor, denial_side.actor)
            or same_actor(written, denial_side.actor)
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


_CONTRAST_LEAD = re.compile(r"^\s*(?:While|Whereas|Although|Though)\s+(?P<a>[^,]{12,}?),\s+(?P<b>.{12,})$", re.S)
_CONTRAST_MID = re.compile(r"^(?P<a>.{12,}?)(?:,\s*|;\s*)(?:while|whereas|but)\s+(?P<b>.{12,})$", re.S)


def is_rebuttal(text: str) -> bool:
    """True when a sentence contests something said before it: a rebuttal word ("contest",
    "denied", "rejected"; ``claims_rebuttal``), not negated, and a back reference to what was
    said ("this characterization", "that notion", "the accusations", within two words of a
    determiner) that the rebuttal word governs: after it ("rejected that notion") or before it in
    a relative clause ("the accusations, which X has denied"); a claim whose content or source the
    sentence gives itself ("disputed the claim that taxpayers will pay", "denied the allegations,
    which The Washington Post first reported") refers to nothing before. Critics alone contest nothing before them ("interrogation methods critics say
    amounted to torture"): critics against a named party's claim are found by
    :func:`counter_claims`."""
    cues = cue_words()
    words = lower_words(text)
    negations = ("not", "n't", "never", "neither", "nor")
    rebuttals = [
        k
        for k, w in enumerate(words)
        if w in cues.rebuttal and not any(v in negations for v in words[max(0, k - 3) : k])
    ]
    if not rebuttals:
        return False  # "can neither confirm nor deny the accusations" contests nothing

    def contested(k: int) -> bool:
        # what the rebuttal word contests: the noun after it ("rejected that notion"), or before it
        # in a relative clause ("the accusations, which X has denied"); not a noun elsewhere in the
        # sentence ("the congressman's Twitter account had been hacked and dismissed …")
        return any(0 < k - r <= 4 or (k < r and "which" in words[k + 1 : r]) for r in rebuttals)

    def names_its_own(k: int) -> bool:
        # the contested thing is told in the sentence itself, so it refers to nothing said before:
        # its content ("the claim that taxpayers will pay", "the allegations of misconduct") or its
        # source ("the claims by the senator", "the allegations, which The Washington Post first
        # reported", "the accusations of four women")
        after = words[k + 1 : k + 2]
        if after == ["that"] or after == ["by"] or (after == ["of"] and words[k] in cues.accusation_nouns):
            return True
        return after == ["which"] and not any(v in cues.rebuttal for v in words[k + 2 : k + 8])

    return any(
        w in cues.contested_nouns
        and any(v in cues.back_reference for v in words[max(0, k - 3) : k])
        and contested(k)
        and not names_its_own(k)
        for k, w in enumerate(words)
    )


def sentence_dispute(statement: Statement, actors: ActorFinder) -> Dispute | None:
    """ "While the American side claims X, the Kremlin states Y": two attributed accounts set
    against each other in one sentence, by two different named parties, is a reported dispute."""
    match = _CONTRAST_LEAD.match(statement.text) or _CONTRAST_MID.match(statement.text)
    if not match:
        return None
    sides = []
    for name in ("a", "b"):
        words = match.group(name).strip()
        start = statement.start + match.start(name)
        actor, side = actors.speaker(statement.article_id, start, start + len(words), leading=True)
        if not actor or not names_a_party(actor, side):
            return None  # "Many said …, others said …": no named party on each side
        sides.append(Side(actor, words, [statement.evidence()], side))
    if same_actor(sides[0].actor, sides[1].actor) or (sides[0].side and sides[0].side == sides[1].side):
        return None
    return Dispute(
        id="",
        kind="reported_dispute",
        score=1.0,
        sides=sides,
        evidence=[statement.evidence(), statement.evidence()],
        explanation="one sentence sets two accounts against each other",
    )


def counter_claims(
    statements: Sequence[Statement],
    similarity: Any,
    actors: ActorFinder,
    docs: Mapping[str, "Doc"],
    options: ClaimOptions,
    in_dispute: set[int],
) -> list[Dispute]:
    """Claim and counter-claim reported in one article: a statement that denies or calls false
    ("…the accusations, which Farenthold has repeatedly denied"; "Pence claims the law has been
    misconstrued") answers an attributed claim of another party nearby ("Greene accused
    Farenthold of …"; "critics warn the law …") on the same matter. The two are tied by a name
    both mention, or by critics on one side; the denier and the claimant must be different
    parties, both named."""
    cues = cue_words()
    found: list[Dispute] = []
    by_article: dict[str, list[int]] = {}
    for k, s in enumerate(statements):
        by_article.setdefault(s.article_id, []).append(k)
    words_of = [set(lower_words(s.text)) for s in statements]
    for k, counter in enumerate(statements):
        if k in in_dispute or not words_of[k] & cues.counter:
            continue
        denier = actors.denier(counter)
        if not denier:
            continue
        owner = actors.contested_owner(counter)  # whose words it contests, when it names them
        counter_words = words_of[k]
        best: tuple[float, int, str] | None = None
        for m in by_article[counter.article_id]:
            claim = statements[m]
            if m == k or m in in_dispute or abs(claim.index - counter.index) > options.counter_window:
                continue
            score = float(similarity[k, m])
            if score < options.counter_similarity or (best is not None and score <= best[0]):
                continue
            if not words_of[m] & cues.claim_verbs or words_of[m] & cues.counter:
                continue
            if counter_words & cues.accusation_nouns and not words_of[m] & cues.accusation_verbs:
                continue  # "denied the allegations" answers an accusation, not any claim nearby
            critics = bool(words_of[m] & cues.critics)
            claimant = actors.claimant(claim) or actors.speaker(claim.article_id, claim.start, claim.end)[0]
            if critics and not claimant:
                claimant = next(w for w in lower_words(claim.text) if w in cues.critics)
            if not claimant or same_actor(denier, claimant):
                continue
            if owner and not same_actor(owner, claimant):
                continue  # it contests someone else's words ("a claim by an Obama aide …, a claim Romney rejected")
            # tied by a party: the claim names the denier ("Greene accused Farenthold"), or the
            # denial names the claimant ("took aim at O'Rourke, saying … incorrect claims")
            if not critics and not (surname(denier) in words_of[m] or actors.names(counter, claimant)):
                continue
            if speaks_for(actors.phrase(counter, denier), claimant) or speaks_for(
                actors.phrase(claim, claimant), denier
            ):
                continue  # one side: "AARP CEO Barry Rand" answering what "the AARP claims" is no dispute
            best = (score, m, claimant)
        if best is None:
            continue
        score, m, claimant = best
        claim = statements[m]
        claim_side = actors.side(claim)
        named = claimant == actors.claimant(claim)  # the subject of the claim verb, not who else acts in it
        if not same_actor(claimant, claim_side.actor) and (
            named or claim_side.actor in ("", None) or claim_side.actor == actors.outlet(claim)
        ):
            claim_side.actor, claim_side.side = claimant, side_of(claimant)
        counter_side = actors.side(counter)
        if counter_side.actor == actors.outlet(counter):
            counter_side.actor = denier
        found.append(
            Dispute(
                id="",
                kind="reported_dispute",
                score=score,
                sides=[claim_side, counter_side],
                evidence=[claim.evidence(), counter.evidence()],
                explanation="the coverage reports a claim and its denial by another party",
            )
        )
        in_dispute.update((k, m))
    return found


def supports(side: Side, statement: Statement, actors: ActorFinder, similarity: float, options: ClaimOptions) -> bool:
    """A statement supports a side of a reported dispute when it reports the words of an actor of
    the same side (the Kremlin noted …: Russia) about the same thing, and neither contests anything
    nor voices critics ("critics say …")."""
    if side.side is None or similarity < options.support_similarity or is_rebuttal(statement.text):
        return False
    if set(lower_words(statement.text)) & cue_words().critics:
        return False
    _, own_side = actors.speaker(statement.article_id, statement.start, statement.end)
    return own_side == side.side


def _outcome(text: str) -> bool | None:
    """Whether a statement credits an outcome ("represents substantial progress": True), denies
    one ("not a single concession comes from the Russian side": False), or names none (None)."""
    cues = cue_words()
    words = lower_words(text)
    verdict = None
    for k, w in enumerate(words):
        if w in cues.outcome_nouns:
            negated = any(v in cues.outcome_negations for v in words[max(0, k - 3) : k])
            if verdict is not None and verdict == negated:
                return None  # both: no single verdict
            verdict = not negated
    return verdict


def outcome_disputes(
    statements: Sequence[Statement],
    similarity: Any,
    actors: ActorFinder,
    in_dispute: set[int],
    options: ClaimOptions,
) -> list[Dispute]:
    """Two sources judging one outcome oppositely: one article credits it ("the truce represents
    substantial progress"), someone quoted in another denies any ("not a single concession comes
    from the Russian side"). The two must be on the same matter: the denial, or the sentence
    before it in its article (a quotation often states its matter first), close to the credit."""
    verdicts = [_outcome(s.text) for s in statements]
    found: list[Dispute] = []
    for k, denial in enumerate(statements):
        if verdicts[k] is not False or k in in_dispute or not actors.is_attributed(denial):
            continue
        context = [k] + [m for m in (k - 1,) if m >= 0 and statements[m].article_id == denial.article_id]
        best: tuple[float, int] | None = None
        for m, credit in enumerate(statements):
            if verdicts[m] is not True or m in in_dispute or credit.article_id == denial.article_id:
                continue
            score = max(float(similarity[c, m]) for c in context)
            if score >= options.outcome_similarity and (best is None or score > best[0]):
                best = (score, m)
        if best is None:
            continue
        score, m = best
        denier, crediting = actors.side(denial), actors.side(statements[m])
        if not actors.is_attributed(statements[m]):  # the article's own judgement
            crediting.actor, crediting.side = actors.outlet(statements[m]), None
        if same_actor(denier.actor, crediting.actor):
            continue
        found.append(
            Dispute(
                id="",
                kind="reported_dispute",
                score=score,
                sides=[crediting, denier],
                evidence=[statements[m].evidence(), denial.evidence()],
                explanation="one source credits an outcome that another says did not happen",
            )
        )
        in_dispute.update((k, m))
    return found


_QUOTED = re.compile(r"[\"“]([^\"“”]{12,})[\"”]")


def _quoted_words(text: str) -> list[list[str]]:
    """The words of each quotation of a statement (four words or more)."""
    return [w for w in (lower_words(q) for q in _QUOTED.findall(text)) if len(w) >= 4]


def misattributed(
    statements: Sequence[Statement],
    candidates: Sequence[tuple[int, int]],
    actors: ActorFinder,
    in_dispute: set[int],
) -> list[Dispute]:
    """The same quoted words put in two different people's mouths by two outlets: an
    ``attribution`` dispute. The quotations must match word for word (at least 90 % of the
    shorter one's words, in order); both speakers must be named and be different people."""
    from difflib import SequenceMatcher

    found: list[Dispute] = []
    quotes = {k: _quoted_words(s.text) for k, s in enumerate(statements)}
    for i, j in candidates:
        if i in in_dispute or j in in_dispute or not quotes[i] or not quotes[j]:
            continue
        shared = max(
            (
                sum(b.size for b in SequenceMatcher(None, qa, qb, autojunk=False).get_matching_blocks())
                / min(len(qa), len(qb))
                for qa in quotes[i]
                for qb in quotes[j]
            ),
            default=0.0,
        )
        if shared < 0.9:
            continue
        if not all(
            actors.speaker(s.article_id, s.start, s.end)[0] or s.text.lstrip()[:1] in ('"', "“")
            for s in (statements[i], statements[j])
        ):
            continue  # "He added that Mrs. Clinton's disclosure … 'only exacerbates …'": no named speaker
        a, b = actors.side(statements[i]), actors.side(statements[j])
        if a.actor == actors.outlet(statements[i]) or b.actor == actors.outlet(statements[j]):
            continue  # a speaker the article does not name is no attribution
        if not _person(a.actor, b.actor) or same_actor(a.actor, b.actor):
            continue  # only two named people: a title, a group or a misread subject is no attribution
        inside = [w for q in quotes[i] + quotes[j] for w in q]
        if surname(a.actor) in inside or surname(b.actor) in inside:
            continue  # a name inside the quotation is whom it speaks of, not who speaks
        if surname(a.actor) in lower_words(statements[j].text) or surname(b.actor) in lower_words(statements[i].text):
            continue  # both outlets name both people: no sign that either gives the words to another
        found.append(
            Dispute(
                id="",
                kind="attribution",
                score=shared,
                sides=[a, b],
                evidence=[statements[i].evidence(), statements[j].evidence()],
                explanation=f"the same words attributed to {a.actor} and to {b.actor}",
            )
        )
        in_dispute.update((i, j))
    return found


def _person(a: str, b: str) -> bool:
    """Both actors look like people's names (two capitalised words or more each)."""
    return all(sum(1 for w in name.split() if w[:1].isupper()) >= 2 for name in (a, b))


_COUNT = re.compile(r"(?<![\d.,$])(\d[\d,]*(?:\.\d+)?)((?:-| )[A-Za-z]+(?: [A-Za-z]+){0,2})")
#: A size given to a thing: "the 38-word oath", "a 225-page report", "the 12-person task force".
_SIZED = re.compile(r"(?<![\d.,$])(\d[\d,]*(?:\.\d+)?)-([A-Za-z]{3,})\s+([A-Za-z]{3,})")


def _counts(text: str) -> dict[str, list[tuple[float, float]]]:
    """What each figure of a text counts: the noun after it ("38-word oath": word; "4,901 additional
    murders": murder; "500 million doses": dose), each with its value and how precisely it is
    given (1 for "16"; 1000 for "almost 5,000", a round or hedged figure)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    raw = _pair_lexicon()
    multipliers: dict[str, float] = raw.get("disputes_count_multipliers", {})
    modifiers = frozenset(raw.get("disputes_count_modifiers", ()))
    hedges = frozenset(raw.get("disputes_approximators", ()))
    out: dict[str, list[tuple[float, float]]] = {}
    for match in _COUNT.finditer(text):
        figure = match.group(1).rstrip(".,")
        if _YEAR.fullmatch(figure) or not figure.replace(",", "").replace(".", "").isdigit():
            continue
        value = float(figure.replace(",", ""))
        words = match.group(2).lstrip("- ").lower().split()
        while words and (words[0] in multipliers or words[0] in modifiers):
            value *= float(multipliers.get(words[0], 1))
            words = words[1:]
        if not words or words[0] in STOP_WORDS or len(words[0]) < 3:
            continue
        integer = figure.split(".")[0].replace(",", "")
        zeros = len(integer) - len(integer.rstrip("0")) if integer.strip("0") else 0
        before = lower_words(text[max(0, match.start() - 20) : match.start()])[-2:]
        hedged = bool(hedges & set(before)) or zeros >= 2
        # a figure rounded to a unit (or hedged: "some 16", "almost 5,000") stands for any value within half of it
        unit_size = 10.0**zeros * float(multipliers.get(match.group(2).lstrip("- ").lower().split()[0], 1))
        precision = unit_size / 2 if hedged else 0.0
        out.setdefault(words[0].rstrip("s"), []).append((value, precision))
    return out


def counted_clash(a: str, b: str) -> tuple[str, str] | None:
    """Two different figures counting the same thing ("the 38-word oath" / "the 35-word oath"):
    the noun after each figure is the same, the figures differ beyond the precision either is given
    with ("4,901 more murders" and "almost 5,000 more murders" agree), and neither statement
    gives the other's figure anywhere ("21,570 murders …, with 4,901 additional murders"); None
    otherwise."""
    expectations = frozenset(_pair_lexicon().get("disputes_expectation_words", ()))
    if expectations & (set(lower_words(a)) | set(lower_words(b))):
        return None  # a forecast is no count ("economists were expecting 500,000 new jobs")
    left, right = _counts(a), _counts(b)
    given_a = {v for vs in left.values() for v, _ in vs} | _numbers(a)
    given_b = {v for vs in right.values() for v, _ in vs} | _numbers(b)
    # only the size of one named thing is compared ("38-word oath" / "35-word oath"): two counts of
    # jobs, deaths, states or doses in two outlets are most often two measures (another month, a
    # total and a weekly average, this year's and next year's); on 250 AllSides dev stories every one
    # of the 11 such clashes was two measures
    sized_a = {(u.lower().rstrip("s"), n.lower()) for _, u, n in _SIZED.findall(a)}
    sized_b = {(u.lower().rstrip("s"), n.lower()) for _, u, n in _SIZED.findall(b)}
    shared_things = {unit for unit, thing in sized_a & sized_b}
    left = {unit: v for unit, v in left.items() if unit in shared_things}
    right = {unit: v for unit, v in right.items() if unit in shared_things}
    # ages, spans and shares count each person's or group's own ("24 years" of one, "75-year-old" another)
    for unit in sorted((left.keys() & right.keys()) - cue_words().units_not_compared):
        if any(v in given_b for v, _ in left[unit]) or any(v in given_a for v, _ in right[unit]):
            continue
        if all(abs(va - vb) > max(pa, pb) for va, pa in left[unit] for vb, pb in right[unit]):
            return f"{_figure_text(left[unit][0][0])} {unit}", f"{_figure_text(right[unit][0][0])} {unit}"
    return None


def _numbers(text: str) -> set[float]:
    """Every figure of a text as a number ("rose by 235,000 in August": 235000)."""
    return {
        float(f.replace(",", ""))
        for f in re.findall(r"\d[\d,]*(?:\.\d+)?", text)
        if f.replace(",", "").replace(".", "", 1).isdigit()
    }


def _figure_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def _pair_lexicon() -> dict[str, Any]:
    from ..resources import pair_lexicon

    return pair_lexicon()
