"""Cross-source claims of one story: what several outlets state alike, and where they disagree.

A statement is one whole sentence of an article (never a fragment: a cut at "neither … nor" or
at a condition can say the opposite of its sentence). Every statement of the story is encoded
once by the sentence-pair model (:func:`newsdesk.resources.pair_model`, :mod:`newsdesk.nli`);
pairs of statements from different articles that MiniLM places close are scored by it as the
same fact, a contradiction, a different fact about a related thing, or unrelated.

* A :class:`Claim` groups statements of different articles that the model reads as the same
  fact, pairwise (complete linkage: every two of its sentences state the same thing). A source
  that states it ``agree``\\ s; one that only relays it as someone's contested claim ("X claims",
  "allegedly") ``report``\\ s it, which is not a confirmation (:meth:`ClaimsResult.confirmed`).
* A :class:`Dispute` is a first-class finding with two :class:`Side`\\ s, each with its actor,
  its words and every source that supports it. Kinds: ``number``, ``date_time`` and ``fact``
  (two outlets state incompatible things; the model's call at its out-of-sample threshold),
  ``reported_dispute`` (the coverage reports that one party contests another's claim: "While the
  American side claims X, the Kremlin states Y"; "Analysts contest this characterization"; an
  accusation and its denial, critics and a defence, told in one article and tied by a party;
  an outcome one source credits and someone quoted in another denies; the article correcting a
  named party in its own voice; a claim another party negates, addressed to the claimant: these
  two in :mod:`newsdesk.analysis.disputes`) and ``attribution`` (the
  same quoted words given to two different named people by two outlets). A ``number`` dispute
  is also two outlets giving different sizes to the same named thing ("the 38-word oath" /
  "the 35-word oath"), never when a date differs too (two measurements). Each side lists every
  source that supports it, and a dispute's evidence is the two statements in conflict, then the
  other sources of either side. The pair model's own
  contradiction call is at chance out of sample (data/nli/MODEL.md), so these structural
  detectors, with their cue lists in ``data/nli/lexicon.json`` (``disputes_*``), find most disputes.

Why one module of ~1,100 lines: statements, grouping on meaning, per-source stance and the
dispute detectors read the same encoded sentences, pair results and actor finder; the
detectors (``_counter_claims``, ``_outcome_disputes``, ``_misattributed``, ``_counted_clash``)
and ``_ActorFinder`` are the part to move into their own module next.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .disputes import corrections, negated_claims, same_value_support
from .sentences import Sentence, article_sentences
from .sides import side_of

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from .context import StoryContext
    from .sides import ActorResolver

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "claims"
SECTIONS: tuple[str, ...] = ("claims", "disagreements")
#: Kinds of :class:`Dispute`.
DISPUTE_KINDS = ("number", "date_time", "fact", "reported_dispute", "attribution")
#: Stances of a source towards a claim.
STANCES = ("agree", "report", "disagree")

# "While the American side claims X, the Kremlin states Y" / "X claims A, whereas Y says B"
_CONTRAST_LEAD = re.compile(r"^\s*(?:While|Whereas|Although|Though)\s+(?P<a>[^,]{12,}?),\s+(?P<b>.{12,})$", re.S)
_CONTRAST_MID = re.compile(r"^(?P<a>.{12,}?)(?:,\s*|;\s*)(?:while|whereas|but)\s+(?P<b>.{12,})$", re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True, kw_only=True)
class ClaimOptions:
    """Options of :func:`find_claims`.

    Attributes:
        candidate_similarity: MiniLM cosine at or above which two statements of different
            articles are scored by the pair model (default 0.5; lower pairs are unrelated).
        same_similarity: MiniLM cosine at or above which two statements of different articles
            state the same fact, unless the pair model sees them clash (a contradiction, a figure,
            date or negation on one side only). Default 0.69: the lowest cosine at which no
            hand-annotated contradiction pair of brief_basil dev is grouped, chosen leaving each
            event out (0.65–0.69 over the 16 folds; held-out: 74 of 251 key-fact pairs found,
            1 contradiction pair grouped in 230); see docs/benchmarks.md.
        same_probability: the pair model's P(same) a grouped pair needs besides the cosine
            (default 0.2: below it the model is confident the two state different facts; on the
            seeds it removes three wrong groupings and no right one; on brief_basil dev, out of
            fold, it keeps 66 of the 74 key-fact pairs the cosine alone finds).
        contradiction_threshold: P(contradiction) at or above which two outlets' statements are
            reported as a dispute (default None: the model's own, chosen out of sample for precision).
        cross_article_disputes: report the model's cross-article contradictions (default True).
        rebuttal_window: how many sentences back a rebuttal ("critics contest this") looks for
            the statement it contests (default 3: a quoted passage often runs over several sentences).
        rebuttal_similarity: MiniLM cosine a contested statement needs with its rebuttal
            (default 0.41: midway between the closest wrong and right pairs of the seeds and
            brief_basil dev, the same 0.40-0.41 in every leave-one-event-out fold; a back
            reference such as "this characterization" shares few words with what it contests).
        support_similarity: MiniLM cosine at or above which a statement of the same side's actor
            supports a side of a dispute (default 0.5).
        figure_similarity: MiniLM cosine at or above which two statements of different articles
            that give the same specific figure (not a year, not a single digit) state the same
            fact, unless the pair model sees them clash (default 0.45; leaving each brief_basil
            dev event out, 0.42-0.48 find the same key facts: 43 of 95 with the model's
            out-of-fold probabilities, against 37 without this rule).
        number_similarity: MiniLM cosine at or above which two outlets' statements that give
            different figures for the same counted thing ("the 38-word oath" / "the 35-word oath")
            are a ``number`` dispute, unless a date or day differs too (two measurements) (default
            0.55; leaving each brief_basil dev event out: 1 right, 1 wrong; see docs/benchmarks.md).
        outcome_similarity: MiniLM cosine at or above which an outcome one article credits
            ("substantial progress") and one someone quoted in another denies ("not a single
            concession") are one matter judged oppositely (default 0.5; fires on no brief_basil dev
            event).
        counter_window: how many sentences before or after a counter-statement ("Farenthold has
            denied the accusations", "Pence claims the law is misconstrued") the claim it answers may
            sit in the same article (default 15: an accusation is often told at length first).
        counter_similarity: MiniLM cosine a claim needs with the counter-statement that answers it
            (default 0.4, chosen leaving each brief_basil dev event out; see docs/benchmarks.md).
        value_similarity: MiniLM cosine at or above which a third outlet's statement giving the
            figure or day that sets one side of a ``number`` / ``date_time`` dispute apart supports
            that side (default 0.5; 0.3 gives the same on brief_basil dev).
        correction_window: how many sentences back the words an article corrects in its own voice
            ("The phrase quoted by Carney is not in the Bible") may sit (default 5).
        correction_similarity: MiniLM cosine those words need with the correction (default 0.3;
            any value from 0.05 to 0.5 gives the same on brief_basil dev; see docs/benchmarks/brief.md).
        negation_similarity: MiniLM cosine a claim needs with another party's words negating it
            ("compel Mexico to pay" / "Mexico won't pay") (default 0.3; any value from 0.05 to 0.7
            gives the same on brief_basil dev).
        min_words: statements shorter than this are ignored (default 6).
        max_statements: statements kept per article, from the top (default 150).
        min_sources: articles that must state a claim for it to be confirmed (default 2).
    """

    candidate_similarity: float = 0.5
    same_similarity: float = 0.69
    same_probability: float = 0.2
    contradiction_threshold: float | None = None
    cross_article_disputes: bool = True
    rebuttal_window: int = 3
    rebuttal_similarity: float = 0.41
    support_similarity: float = 0.5
    figure_similarity: float = 0.45
    number_similarity: float = 0.55
    outcome_similarity: float = 0.5
    counter_window: int = 15
    counter_similarity: float = 0.4
    value_similarity: float = 0.5
    correction_window: int = 5
    correction_similarity: float = 0.3
    negation_similarity: float = 0.3
    min_words: int = 6
    max_statements: int = 150
    min_sources: int = 2

    def __post_init__(self) -> None:
        for name in (
            "candidate_similarity",
            "same_similarity",
            "rebuttal_similarity",
            "support_similarity",
            "counter_similarity",
            "figure_similarity",
            "number_similarity",
            "outcome_similarity",
            "value_similarity",
            "correction_similarity",
            "negation_similarity",
            "same_probability",
        ):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise OptionsError(f"{name}={value} must be in (0, 1]", hint="cosines of MiniLM embeddings")
        value = self.contradiction_threshold
        if value is not None and not 0.0 < value <= 1.0:
            raise OptionsError(
                f"contradiction_threshold={value} must be in (0, 1]",
                hint="a probability; leave None for the model's own",
            )
        if (
            self.min_words < 1
            or self.max_statements < 1
            or self.min_sources < 1
            or self.rebuttal_window < 0
            or self.counter_window < 0
            or self.correction_window < 0
        ):
            raise OptionsError(
                "min_words, max_statements and min_sources must be at least 1, "
                "rebuttal_window, counter_window and correction_window at least 0",
                hint="defaults 6, 150, 2, 3, 15 and 5",
            )


@dataclass(frozen=True)
class Evidence:
    """Where an article states something: the sentence and its character offsets in ``Article.text``."""

    article_id: str
    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "sentence": self.sentence, "start": self.start, "end": self.end}


@dataclass
class Claim:
    """A fact stated by one or more articles, with each source's stance towards it.

    ``stance_by_source`` maps article id to ``agree`` (its sentence states the fact), ``report``
    (it relays the fact as someone's contested claim) or ``disagree`` (a sentence of it is a
    side of a dispute over this fact).
    """

    id: str
    text: str
    sources: list[Evidence]
    stance_by_source: dict[str, str] = field(default_factory=dict)

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(e.article_id for e in self.sources))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "sources": [e.to_json() for e in self.sources],
            "stance_by_source": dict(self.stance_by_source),
        }


@dataclass
class Side:
    """One side of a dispute: who holds it (``actor``, and the country or bloc it speaks for when
    known), its own words, and every source that supports it (the statement itself first)."""

    actor: str
    words: str
    sources: list[Evidence]
    side: str | None = None

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(e.article_id for e in self.sources))

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "side": self.side,
            "words": self.words,
            "sources": [e.to_json() for e in self.sources],
        }


@dataclass
class Dispute:
    """Two statements that cannot both hold, or a reported dispute between two parties.

    ``kind`` is one of :data:`DISPUTE_KINDS`; ``sides`` are the two sides (actor, words,
    supporting sources); ``evidence`` the two sentences found in conflict (for a dispute stated
    in one sentence, that sentence twice); ``explanation`` what clashes.
    """

    id: str
    kind: str
    sides: list[Side]
    evidence: list[Evidence]
    explanation: str = ""
    score: float = 0.0

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(a for side in self.sides for a in side.article_ids))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "explanation": self.explanation,
            "score": round(self.score, 4),
            "sides": [s.to_json() for s in self.sides],
            "sources": self.sources,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass
class ClaimsResult:
    """Claims of one story and the disputes between its sources."""

    claims: list[Claim]
    disagreements: list[Dispute]

    def confirmed(self, min_sources: int = 2) -> list[Claim]:
        """Claims that at least ``min_sources`` articles state themselves (``agree``) and none disputes."""
        return [
            c
            for c in self.claims
            if sum(1 for s in c.stance_by_source.values() if s == "agree") >= min_sources
            and "disagree" not in c.stance_by_source.values()
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "claims": [c.to_json() for c in self.claims],
            "disagreements": [d.to_json() for d in self.disagreements],
        }

    def sections(self) -> dict[str, Sequence[Claim | Dispute]]:
        return {"claims": self.claims, "disagreements": self.disagreements}


Options = ClaimOptions


def run(context: "StoryContext", options: ClaimOptions) -> ClaimsResult:
    """What the story's outlets state alike and where they clash (a story of one article has no
    claims, but its reported disputes are found)."""
    resolvers = {a.id: context.actor_resolver(a.id) for a in context.articles}
    return find_claims(context.articles, options, sentences=context.sentences, docs=context.docs, resolvers=resolvers)


# --- cue words --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cues:
    rebuttal: frozenset[str]
    back_reference: frozenset[str]
    contested_nouns: frozenset[str]
    contested: frozenset[str]
    reporting: frozenset[str]
    counter: frozenset[str]
    critics: frozenset[str]
    claim_verbs: frozenset[str]
    accusation_nouns: frozenset[str]
    accusation_verbs: frozenset[str]
    units_not_compared: frozenset[str]
    outcome_nouns: frozenset[str]
    outcome_negations: frozenset[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    from ..resources import pair_lexicon

    raw = pair_lexicon()
    return _Cues(
        rebuttal=frozenset(raw["claims_rebuttal"]),
        back_reference=frozenset(raw["claims_back_reference"]),
        contested_nouns=frozenset(raw["claims_contested_nouns"]),
        contested=frozenset(raw["claims_contested"]),
        reporting=frozenset(raw["claims_reporting_verbs"]),
        counter=frozenset(raw["disputes_counter"]),
        critics=frozenset(raw["disputes_critics"]),
        claim_verbs=frozenset(raw["disputes_claim_verbs"]),
        accusation_nouns=frozenset(raw["disputes_accusation_nouns"]),
        accusation_verbs=frozenset(raw["disputes_accusation_verbs"]),
        units_not_compared=frozenset(raw["disputes_units_not_compared"]),
        outcome_nouns=frozenset(raw["disputes_outcome_nouns"]),
        outcome_negations=frozenset(raw["disputes_outcome_negations"]),
    )


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def is_contested_report(text: str) -> bool:
    """True when a sentence relays something as someone's contested claim ("X claims", "allegedly")."""
    return any(w in _cues().contested for w in _words(text))


def is_rebuttal(text: str) -> bool:
    """True when a sentence contests something said before it: a rebuttal word ("contest",
    "denied", "rejected", "critics") and either critics or a back reference to what was said
    ("this characterization", "that notion", "the accusations", within two words of a determiner)."""
    cues = _cues()
    words = _words(text)
    negations = ("not", "n't", "never", "neither", "nor")
    if not any(
        w in cues.rebuttal and not any(v in negations for v in words[max(0, k - 3) : k]) for k, w in enumerate(words)
    ):
        return False  # "can neither confirm nor deny the accusations" contests nothing
    if "critics" in words:
        return True
    return any(
        w in cues.contested_nouns and any(v in cues.back_reference for v in words[max(0, k - 3) : k])
        for k, w in enumerate(words)
    )


# --- statements -------------------------------------------------------------------------------


@dataclass
class _Statement:
    article_id: str
    text: str
    start: int
    end: int
    index: int  # sentence number in its article

    def evidence(self) -> Evidence:
        return Evidence(self.article_id, self.text, self.start, self.end)


def _statements(article: Article, sentences: Sequence[Sentence], options: ClaimOptions) -> list[_Statement]:
    return [
        _Statement(article.id, s.text, s.start, s.end, index)
        for index, s in enumerate(sentences[: options.max_statements])
        if len(s.text.split()) >= options.min_words
    ]


def find_claims(
    articles: Sequence[Article],
    options: ClaimOptions | None = None,
    *,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
    docs: Mapping[str, "Doc"] | None = None,
    resolvers: Mapping[str, "ActorResolver"] | None = None,
) -> ClaimsResult:
    """Claims and disputes of ONE story's articles.

    ``sentences`` maps article id to its sentences (:attr:`StoryContext.sentences`), ``docs`` to
    its parse and ``resolvers`` to its actor resolver; articles without them are parsed here and
    actors are named from the text alone. Raises :class:`AnalysisError` when an item is not an
    :class:`Article`; an article without text simply contributes nothing.
    """
    import numpy as np

    from ..resources import pair_model

    options = options or ClaimOptions()
    for index, article in enumerate(articles):
        if not isinstance(article, Article):
            raise AnalysisError(
                f"find_claims: item {index} is {type(article).__name__}, not an Article",
                hint="pass the canonical articles of one story",
            )
    docs_of = dict(docs or {})
    sentences_of = dict(sentences or {})
    missing = [a for a in articles if a.id not in sentences_of or a.id not in docs_of]
    if missing:
        from ..resources import parse

        for article, doc in zip(missing, parse([a.text or "" for a in missing])):
            docs_of.setdefault(article.id, doc)
            sentences_of.setdefault(article.id, article_sentences(article.text or "", doc))
    resolvers_of = dict(resolvers or {})
    statements: list[_Statement] = []
    for article in articles:
        statements.extend(_statements(article, sentences_of[article.id], options))
    if not statements:
        return ClaimsResult([], [])
    model = pair_model()
    articles_by_id = {a.id: a for a in articles}
    encoded = model.encode(
        [s.text for s in statements], anchors=[articles_by_id[s.article_id].published for s in statements]
    )
    similarity = encoded.embeddings @ encoded.embeddings.T
    n = len(statements)
    actors = _ActorFinder(articles_by_id, docs_of, resolvers_of, sentences_of)

    # --- score candidate pairs of different articles once
    cross = np.array([[a.article_id != b.article_id for b in statements] for a in statements])
    figures = [_figures(s.text) for s in statements]
    candidates: list[tuple[int, int]] = [
        (int(i), int(j))
        for i, j in np.argwhere(np.triu(cross & (similarity >= options.figure_similarity), 1)).tolist()
        if float(similarity[i, j]) >= options.candidate_similarity or figures[i] & figures[j]
    ]
    from ..nli import LABELS, PairOptions, PairResult, features_of, pair_kind

    pair_options = PairOptions(contradiction_threshold=options.contradiction_threshold)
    results: dict[tuple[int, int], PairResult] = {}
    clash: dict[tuple[int, int], bool] = {}
    dated: dict[tuple[int, int], bool] = {}  # a date or day differs: two measurements, not one
    if candidates:
        matrix, seen = features_of(encoded, candidates)
        proba = model.proba_from_features(matrix)
        for pair, row, seen_in_pair, label_ in zip(
            candidates, proba, seen, model.labels_from_proba(proba, pair_options)
        ):
            label_ = "contradiction" if seen_in_pair.date_event_clash and label_ != "unrelated" else label_
            kind, reason = pair_kind(seen_in_pair) if label_ == "contradiction" else (None, "")
            results[pair] = PairResult(label_, {name: float(p) for name, p in zip(LABELS, row)}, kind, reason)
            dated[pair] = bool(seen_in_pair.date_clash)
            clash[pair] = bool(
                seen_in_pair.number_clash
                or seen_in_pair.date_clash
                or seen_in_pair.negation_clash
                or seen_in_pair.antonym
            )

    def same(i: int, j: int) -> bool:
        """Two statements of different articles state the same fact: close in meaning, and the
        pair model sees nothing in one that the other denies or counts differently."""
        pair = (min(i, j), max(i, j))
        if not cross[i, j] or pair not in results or results[pair].label == "contradiction" or clash[pair]:
            return False
        cosine = float(similarity[i, j])
        if cosine >= options.same_similarity and results[pair].probabilities["same"] >= options.same_probability:
            return True
        # the same specific figure ("a 225-page report", "$447 billion") in two close statements
        return cosine >= options.figure_similarity and bool(figures[i] & figures[j])

    # --- disputes: reported disputes first (they name the parties), then the model's contradictions
    disputes: list[Dispute] = []
    in_dispute: set[int] = set()
    by_article: dict[str, list[int]] = {}
    for k, s in enumerate(statements):
        by_article.setdefault(s.article_id, []).append(k)
    for k, s in enumerate(statements):
        found = _sentence_dispute(s, actors)
        if found is not None:
            disputes.append(found)
            in_dispute.add(k)
            continue
        if not is_rebuttal(_CRITICS.sub("", s.text)):
            continue  # "critics" alone contests nothing before it ("methods critics say amounted to torture")
        earlier = [
            m
            for m in by_article[s.article_id]
            if 0 < s.index - statements[m].index <= options.rebuttal_window
            and m not in in_dispute
            and actors.is_attributed(statements[m])
        ]
        if not earlier:
            continue
        m = max(earlier, key=lambda x: float(similarity[k, x]))
        if float(similarity[k, m]) < options.rebuttal_similarity:
            continue
        claimed, rebutting = statements[m], s
        if _same_actor(actors.of(claimed)[0], actors.of(rebutting)[0]):
            continue  # one speaker restating or qualifying their own words is no dispute
        disputes.append(
            Dispute(
                id="",
                kind="reported_dispute",
                score=float(similarity[k, m]),
                sides=[actors.side(claimed), actors.side(rebutting)],
                evidence=[claimed.evidence(), rebutting.evidence()],
                explanation="the coverage reports that the second statement contests the first",
            )
        )
        in_dispute.update((k, m))
    for found in _counter_claims(statements, similarity, actors, docs_of, options, in_dispute):
        disputes.append(found)
    disputes.extend(corrections(statements, similarity, actors, docs_of, in_dispute, options))
    disputes.extend(negated_claims(statements, similarity, actors, docs_of, in_dispute, options))
    if options.cross_article_disputes:
        for i, j in sorted(results, key=lambda pair: -float(similarity[pair])):
            if i in in_dispute or j in in_dispute or dated[(i, j)]:
                continue
            if float(similarity[i, j]) < options.number_similarity:
                break
            counted = _counted_clash(statements[i].text, statements[j].text)
            if counted is None:
                continue
            a, b = statements[i], statements[j]
            disputes.append(
                Dispute(
                    id="",
                    kind="number",
                    score=float(similarity[i, j]),
                    sides=[actors.side(a), actors.side(b)],
                    evidence=[a.evidence(), b.evidence()],
                    explanation=f"{counted[0]} against {counted[1]} for the same count",
                )
            )
            in_dispute.update((i, j))
        for found in _outcome_disputes(statements, similarity, actors, in_dispute, options):
            disputes.append(found)
        for found in _misattributed(statements, candidates, actors, in_dispute):
            disputes.append(found)
        for (i, j), result in sorted(results.items(), key=lambda item: -item[1].probabilities["contradiction"]):
            if result.label != "contradiction" or i in in_dispute or j in in_dispute:
                continue
            kind = result.kind if result.kind in ("number", "date_time") else "fact"
            a, b = statements[i], statements[j]
            disputes.append(
                Dispute(
                    id="",
                    kind=kind,
                    score=result.probabilities["contradiction"],
                    sides=[actors.side(a), actors.side(b)],
                    evidence=[a.evidence(), b.evidence()],
                    explanation=result.reason or "the two outlets state incompatible things",
                )
            )
            in_dispute.update((i, j))

    # --- claims: statements of different articles that state the same fact, pairwise
    member_of = list(range(n))
    groups: dict[int, list[int]] = {k: [k] for k in range(n)}
    same_pairs = sorted((pair for pair in results if same(*pair)), key=lambda pair: -float(similarity[pair]))
    for i, j in same_pairs:
        gi, gj = member_of[i], member_of[j]
        if gi == gj:
            continue
        ga, gb = groups[gi], groups[gj]
        if any(not same(a, b) for a in ga for b in gb):
            continue
        groups[gi] = ga + gb
        for k in gb:
            member_of[k] = gi
        del groups[gj]
    claims: list[Claim] = []
    for group in groups.values():
        if len({statements[k].article_id for k in group}) < options.min_sources:
            continue
        group = sorted(group)
        # rounded: in a pair both sums differ only by float noise in the self-similarity, which must not decide
        centre = max(
            group, key=lambda k: (round(sum(float(similarity[k, m]) for m in group), 6), -len(statements[k].text), -k)
        )
        claim = Claim(
            id=f"claim-{len(claims) + 1}",
            text=statements[centre].text,
            sources=[statements[k].evidence() for k in group],
        )
        for k in group:
            stance = (
                "disagree" if k in in_dispute else ("report" if is_contested_report(statements[k].text) else "agree")
            )
            previous = claim.stance_by_source.get(statements[k].article_id)
            if previous is None or STANCES.index(stance) > STANCES.index(previous):
                claim.stance_by_source[statements[k].article_id] = stance
        claims.append(claim)
    claims.sort(key=lambda c: (-len(c.article_ids), c.sources[0].article_id, c.sources[0].start))
    for number, claim in enumerate(claims, 1):
        claim.id = f"claim-{number}"

    # --- every source that supports a side: other articles' statements of the same fact
    for dispute in disputes:
        used = {(e.article_id, e.start) for e in dispute.evidence}
        for side, own in zip(dispute.sides, dispute.evidence):
            k = next(x for x, s in enumerate(statements) if s.article_id == own.article_id and s.start == own.start)
            # an article that states the other side does not support this one (two outlets in conflict)
            opposed = {e.article_id for e in dispute.evidence[:2] if e.article_id != own.article_id}
            for m in range(n):
                if m == k or (statements[m].article_id, statements[m].start) in used:
                    continue
                if statements[m].article_id in opposed:
                    continue
                if dispute.kind == "reported_dispute":
                    supports = _supports(side, statements[m], actors, float(similarity[k, m]), options)
                else:  # the same fact, or a third outlet giving this side's figure or date for it
                    other = dispute.evidence[1] if own is dispute.evidence[0] else dispute.evidence[0]
                    supports = same(k, m) or (
                        dispute.kind in ("number", "date_time")
                        and float(similarity[k, m]) >= options.value_similarity
                        and same_value_support(own.sentence, other.sentence, statements[m].text)
                    )
                if supports and statements[m].article_id not in side.article_ids:
                    side.sources.append(statements[m].evidence())
                    used.add((statements[m].article_id, statements[m].start))
        # the evidence is every statement of either side: the two found in conflict, then the others
        shown = {(e.article_id, e.start) for e in dispute.evidence}
        for side in dispute.sides:
            for source in side.sources:
                if (source.article_id, source.start) not in shown:
                    dispute.evidence.append(source)
                    shown.add((source.article_id, source.start))
    disputes.sort(key=lambda d: (DISPUTE_KINDS.index(d.kind), -d.score))
    for number, dispute in enumerate(disputes, 1):
        dispute.id = f"dispute-{number}"
    log.info(
        "claims: %d statements, %d scored pairs, %d claims, %d disputes", n, len(results), len(claims), len(disputes)
    )
    return ClaimsResult(claims=claims, disagreements=disputes)


_CRITICS = re.compile(r"\bcritics\b", re.I)
_FIGURE = re.compile(r"\$?\d[\d,.]*(?:-\d+)?")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


def _figures(text: str) -> set[str]:
    """The specific figures of a statement ("225", "$447", "396-9"), without years and single digits."""
    found = (m.group(0).strip(".,") for m in _FIGURE.finditer(text))
    return {f for f in found if len(f) > 1 and not _YEAR.fullmatch(f)}


def _outcome(text: str) -> bool | None:
    """Whether a statement credits an outcome ("represents substantial progress": True), denies
    one ("not a single concession comes from the Russian side": False), or names none (None)."""
    cues = _cues()
    words = _words(text)
    verdict = None
    for k, w in enumerate(words):
        if w in cues.outcome_nouns:
            negated = any(v in cues.outcome_negations for v in words[max(0, k - 3) : k])
            if verdict is not None and verdict == negated:
                return None  # both: no single verdict
            verdict = not negated
    return verdict


def _outcome_disputes(
    statements: Sequence[_Statement],
    similarity: Any,
    actors: "_ActorFinder",
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
        if _same_actor(denier.actor, crediting.actor):
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
    return [w for w in (_words(q) for q in _QUOTED.findall(text)) if len(w) >= 4]


def _misattributed(
    statements: Sequence[_Statement],
    candidates: Sequence[tuple[int, int]],
    actors: "_ActorFinder",
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
        a, b = actors.side(statements[i]), actors.side(statements[j])
        if a.actor == actors.outlet(statements[i]) or b.actor == actors.outlet(statements[j]):
            continue  # a speaker the article does not name is no attribution
        if not _person(a.actor, b.actor) or _same_actor(a.actor, b.actor):
            continue  # only two named people: a title, a group or a misread subject is no attribution
        inside = [w for q in quotes[i] + quotes[j] for w in q]
        if _surname(a.actor) in inside or _surname(b.actor) in inside:
            continue  # a name inside the quotation is whom it speaks of, not who speaks
        if _surname(a.actor) in _words(statements[j].text) or _surname(b.actor) in _words(statements[i].text):
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
        before = _words(text[max(0, match.start() - 20) : match.start()])[-2:]
        hedged = bool(hedges & set(before)) or zeros >= 2
        # a figure rounded to a unit (or hedged: "some 16", "almost 5,000") stands for any value within half of it
        unit_size = 10.0**zeros * float(multipliers.get(match.group(2).lstrip("- ").lower().split()[0], 1))
        precision = unit_size / 2 if hedged else 0.0
        out.setdefault(words[0].rstrip("s"), []).append((value, precision))
    return out


def _counted_clash(a: str, b: str) -> tuple[str, str] | None:
    """Two different figures counting the same thing ("the 38-word oath" / "the 35-word oath"):
    the noun after each figure is the same, the figures differ beyond the precision either is given
    with ("4,901 more murders" and "almost 5,000 more murders" agree), and neither statement
    gives the other's figure anywhere ("21,570 murders …, with 4,901 additional murders"); None
    otherwise."""
    expectations = frozenset(_pair_lexicon().get("disputes_expectation_words", ()))
    if expectations & (set(_words(a)) | set(_words(b))):
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
    for unit in sorted((left.keys() & right.keys()) - _cues().units_not_compared):
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


def _surname(actor: str) -> str:
    """The last word of an actor's name, lowercased ("Mr. Pence" and "Mike Pence": "pence")."""
    words = _words(actor)
    return words[-1] if words else ""


def _counter_claims(
    statements: Sequence[_Statement],
    similarity: Any,
    actors: "_ActorFinder",
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
    cues = _cues()
    found: list[Dispute] = []
    by_article: dict[str, list[int]] = {}
    for k, s in enumerate(statements):
        by_article.setdefault(s.article_id, []).append(k)
    words_of = [set(_words(s.text)) for s in statements]
    for k, counter in enumerate(statements):
        if k in in_dispute or not words_of[k] & cues.counter:
            continue
        denier = actors.denier(counter)
        if not denier:
            continue
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
                claimant = next(w for w in _words(claim.text) if w in cues.critics)
            if not claimant or _same_actor(denier, claimant):
                continue
            # tied by a party: the claim names the denier ("Greene accused Farenthold"), or the
            # denial names the claimant ("took aim at O'Rourke, saying … incorrect claims")
            if not critics and not (_surname(denier) in words_of[m] or _surname(claimant) in counter_words):
                continue
            best = (score, m, claimant)
        if best is None:
            continue
        score, m, claimant = best
        claim = statements[m]
        claim_side = actors.side(claim)
        named = claimant == actors.claimant(claim)  # the subject of the claim verb, not who else acts in it
        if not _same_actor(claimant, claim_side.actor) and (
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


def _same_actor(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    # "Mr. Pence" and "Gov. Mike Pence": one person when both are names ending alike
    last_a, last_b = _surname(a), _surname(b)
    return len(last_a) > 2 and last_a == last_b


def _supports(
    side: Side, statement: _Statement, actors: "_ActorFinder", similarity: float, options: ClaimOptions
) -> bool:
    """A statement supports a side of a reported dispute when it reports the words of an actor of
    the same side (the Kremlin noted …: Russia) about the same thing, and does not contest anything."""
    if side.side is None or similarity < options.support_similarity or is_rebuttal(statement.text):
        return False
    _, own_side = actors.speaker(statement.article_id, statement.start, statement.end)
    return own_side == side.side


def _sentence_dispute(statement: _Statement, actors: "_ActorFinder") -> Dispute | None:
    """ "While the American side claims X, the Kremlin states Y": two attributed accounts set
    against each other in one sentence, by two different actors, is a reported dispute."""
    match = _CONTRAST_LEAD.match(statement.text) or _CONTRAST_MID.match(statement.text)
    if not match:
        return None
    sides = []
    for name in ("a", "b"):
        words = match.group(name).strip()
        start = statement.start + match.start(name)
        actor, side = actors.speaker(statement.article_id, start, start + len(words), leading=True)
        if not actor:
            return None
        sides.append(Side(actor, words, [statement.evidence()], side))
    if _same_actor(sides[0].actor, sides[1].actor) or (sides[0].side and sides[0].side == sides[1].side):
        return None
    return Dispute(
        id="",
        kind="reported_dispute",
        score=1.0,
        sides=sides,
        evidence=[statement.evidence(), statement.evidence()],
        explanation="one sentence sets two accounts against each other",
    )


class _ActorFinder:
    """Who makes a statement: the subject of its reporting verb ("the Kremlin noted", "X said"),
    named by the story's actor resolver (entity and side) when it knows the mention."""

    _PRONOUNS = frozenset("it he she they we i you this that who which there".split())

    def __init__(
        self,
        articles: Mapping[str, Article],
        docs: Mapping[str, "Doc"],
        resolvers: Mapping[str, Callable[[str, int, int], Any]],
        sentences: Mapping[str, Sequence[Sentence]],
    ) -> None:
        self.articles, self.docs, self.sentences = articles, docs, sentences
        self.resolvers = dict(resolvers)

    def of(self, statement: _Statement) -> tuple[str, str, str | None]:
        """(actor, the statement's words, side) of a whole statement."""
        actor, side = self.speaker(statement.article_id, statement.start, statement.end)
        opens_quotation = statement.text.lstrip()[:1] in ('"', "“")
        if not actor and not opens_quotation:  # a quoted sentence's subject is not who speaks it
            actor, side = self.subject(statement)
        if not actor and any(mark in statement.text for mark in '"“”'):
            # a quoted sentence: its speaker is named in the sentence before or after ("…," Trump said.)
            own = self.sentences.get(statement.article_id, ())
            for neighbour in (statement.index - 1, statement.index + 1):
                if 0 <= neighbour < len(own) and any(mark in own[neighbour].text for mark in '"“”'):
                    actor, side = self.speaker(statement.article_id, own[neighbour].start, own[neighbour].end)
                    if actor:
                        break
            if not actor and opens_quotation and not _closes_quotation(statement.text):
                # a quotation running over several sentences names its speaker where it closes
                for later in own[statement.index + 1 : statement.index + 5]:
                    if _closes_quotation(later.text):
                        actor, side = self.speaker(statement.article_id, later.start, later.end)
                        break
        if not actor and opens_quotation:
            actor, side = self.subject(statement)
        outlet = self.articles[statement.article_id].outlet if statement.article_id in self.articles else None
        return actor or (outlet or "the article"), statement.text, side

    def denier(self, statement: _Statement) -> str:
        """Who denies or calls false in a statement: the named subject of its denial verb ("which
        Farenthold has repeatedly denied"), else, for a denial word that is no verb ("misconstrued",
        "incorrect"), the speaker of the statement; "" when no one is named."""
        doc = self.docs.get(statement.article_id)
        span = doc.char_span(statement.start, statement.end, alignment_mode="expand") if doc is not None else None
        if doc is None or span is None:
            return ""
        cues = _cues()
        for token in span:
            if token.lower_ not in cues.counter:
                continue
            if any(
                t.lower_ in ("not", "n't", "never", "neither", "nor")
                for t in doc[max(span.start, token.i - 3) : token.i]
            ):
                continue  # "I can neither confirm nor deny": no denial
            if token.pos_ in ("VERB", "AUX"):
                objects = [c for c in token.children if c.dep_ in ("dobj", "obj")]
                if any(o.lower_ not in cues.contested_nouns and o.tag_ != "WDT" for o in objects):
                    continue  # "allow businesses to deny service": no claim is denied
                for child in token.children:
                    if child.dep_ == "nsubj" and child.lower_ not in self._PRONOUNS and child.pos_ in ("PROPN", "NOUN"):
                        words = _noun_chunk(doc, child)
                        return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
            speaker = self.speaker(statement.article_id, statement.start, statement.end)[0]
            speaker = speaker or self.subject(statement)[0]
            if speaker:
                return speaker
        return ""

    def claimant(self, statement: _Statement) -> str:
        """Who makes the claim of a statement: the named subject of its claim verb ("… O'Rourke
        charged … that …", "Greene accused …"), not of an earlier clause ("one day before Barr
        released …"); "" when no claim verb has a named subject."""
        doc = self.docs.get(statement.article_id)
        span = doc.char_span(statement.start, statement.end, alignment_mode="expand") if doc is not None else None
        if doc is None or span is None:
            return ""
        verbs = _cues().claim_verbs
        for token in span:
            if token.lower_ not in verbs or token.pos_ not in ("VERB", "AUX"):
                continue
            subjects = [c for c in token.children if c.dep_ == "nsubj"]
            if token.dep_ == "acl" and token.head.i == token.i - 1 and token.head.pos_ in ("PROPN", "NOUN"):
                # "… Rep. Beto O'Rourke charged … that": the parser made the verb a clause of its subject
                subjects.append(token.head)
            for child in subjects:
                if child.pos_ in ("PROPN", "NOUN") and child.lower_ not in self._PRONOUNS:
                    words = _noun_chunk(doc, child)
                    return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)[0]
        return ""

    def named(self, article_id: str, words: Any) -> tuple[str, str | None]:
        """The actor and side a span of an article names (the story's resolver, else its words)."""
        return self._resolve(article_id, words.text, words.start_char, words.end_char)

    def outlet(self, statement: _Statement) -> str:
        """What names the article itself when no one else makes a statement."""
        article = self.articles.get(statement.article_id)
        return (article.outlet if article is not None else None) or "the article"

    def side(self, statement: _Statement) -> Side:
        """A side of a dispute held by a whole statement (its speaker, its words, its sentence)."""
        actor, words, side = self.of(statement)
        return Side(actor, words, [statement.evidence()], side)

    def subject(self, statement: _Statement) -> tuple[str, str | None]:
        """The first named or nominal subject of a statement ("Putin has made clear …",
        "Multiple independent analysts … contest …"), as its noun chunk, or ("", None)."""
        doc = self.docs.get(statement.article_id)
        span = doc.char_span(statement.start, statement.end, alignment_mode="expand") if doc is not None else None
        if doc is None or span is None:
            return "", None
        for token in span[:12]:  # the main clause's subject, not one of a later clause
            # a noun the parser made the ROOT in the first words is a subject whose verb it misread
            # ("Multiple independent analysts … contest this characterization": "contest" as a noun)
            opening_root = token.dep_ == "ROOT" and token.i - span.start < 4 and token.pos_ == "NOUN"
            if (
                (token.dep_ == "nsubj" or opening_root)
                and token.pos_ in ("PROPN", "NOUN")
                and token.lower_ not in self._PRONOUNS
            ):
                words = _noun_chunk(doc, token)
                return self._resolve(statement.article_id, words.text, words.start_char, words.end_char)
        return "", None

    def is_attributed(self, statement: _Statement) -> bool:
        """Whether a statement is someone's words: a quotation, or a reporting verb with a named subject."""
        if any(mark in statement.text for mark in '"“”'):
            return True
        return bool(self.speaker(statement.article_id, statement.start, statement.end, pronouns=True)[0])

    def speaker(
        self, article_id: str, start: int, end: int, *, leading: bool = False, pronouns: bool = False
    ) -> tuple[str, str | None]:
        """The speaker of the clause at ``start:end`` and its side, or ("", None). With ``leading``
        only a subject that opens the clause counts ("the Kremlin's press release clearly states …");
        with ``pronouns`` a pronoun subject counts too ("They argued …")."""
        doc = self.docs.get(article_id)
        if doc is None:
            return "", None
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return "", None
        reporting = _cues().reporting
        for token in span:
            if token.lemma_.lower() not in reporting and token.lower_ not in reporting:
                continue
            for child in token.children:
                if (
                    child.dep_ in ("nsubj", "nsubjpass")
                    and child.i >= span.start
                    and (pronouns or child.lower_ not in self._PRONOUNS)
                ):
                    if leading and child.left_edge.i > span.start + 2:
                        continue
                    words = _noun_chunk(doc, child)
                    return self._resolve(article_id, words.text, words.start_char, words.end_char)
            # "according to X"
        for token in span if not leading else ():
            if token.lower_ == "according" and token.i + 2 <= span.end and doc[token.i + 1].lower_ == "to":
                obj = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
                if obj:
                    words = doc[obj[0].left_edge.i : obj[0].right_edge.i + 1]
                    return self._resolve(article_id, words.text, words.start_char, words.end_char)
        return "", None

    def _resolve(self, article_id: str, text: str, start: int, end: int) -> tuple[str, str | None]:
        resolver = self.resolvers.get(article_id)
        if resolver is None and article_id in self.articles and article_id in self.docs:
            from .sides import default_actor_resolver

            resolver = self.resolvers[article_id] = default_actor_resolver(
                self.articles[article_id], self.docs[article_id]
            )
        found = resolver(text, start, end) if resolver is not None else None
        if found is None:
            return text, side_of(text)
        name = found.name or text
        if name.lower() not in text.lower() and text.lower() not in name.lower():
            return text, side_of(text)  # the resolver named someone the mention does not name
        return _group_phrase(text, name), found.side


def _closes_quotation(text: str) -> bool:
    """Whether a sentence closes a quotation: a closing mark after its first character."""
    body = text.strip()[1:]
    return "”" in body or '"' in body


def _group_phrase(mention: str, name: str) -> str:
    """How a reader should see an actor: a group a demonym only qualifies keeps its own words
    ("the American side", "Ukraine's European backers": not "American", "European"); a person or
    an institution named in the mention keeps the resolver's name."""
    from .gazetteer import gazetteer

    words = mention.split()
    if name.lower() in gazetteer().demonyms and len(words) > 1 and words[-1].lower().strip(".,") != name.lower():
        return " ".join(words)
    return name


def _noun_chunk(doc: "Doc", token: Any) -> Any:
    """The noun chunk a subject token heads ("Mr. McCulloch", not "Mr. McCulloch, speaking to a
    local radio station,"); its whole subtree when the parser made no chunk of it."""
    sentence = token.sent
    chunk = next((c for c in sentence.noun_chunks if c.start <= token.i < c.end), None)
    return chunk if chunk is not None else doc[token.left_edge.i : token.right_edge.i + 1]


__all__ = [
    "DISPUTE_KINDS",
    "NAME",
    "SECTIONS",
    "STANCES",
    "Claim",
    "ClaimOptions",
    "ClaimsResult",
    "Dispute",
    "Evidence",
    "Options",
    "Side",
    "find_claims",
    "is_contested_report",
    "is_rebuttal",
    "run",
]
