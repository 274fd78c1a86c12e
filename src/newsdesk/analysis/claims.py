"""Cross-source claims of one story: what several outlets state alike, and where they disagree.

A statement is one whole sentence of an article (never a fragment: a cut at "neither … nor" or
at a condition can say the opposite of its sentence). Every statement of the story is encoded
once by the sentence-pair model (:func:`newsdesk.resources.pair_model`, :mod:`newsdesk.nli`);
pairs of statements from different articles that MiniLM places close are scored by it as the
same fact, a contradiction, a different fact about a related thing, or unrelated.

* A :class:`Claim` groups statements of different articles that state the same fact, pairwise
  (complete linkage: every two of its sentences state the same thing): close in MiniLM and not
  clashing in the pair model (:func:`cosine_rule`), or read as one fact by the learned decision
  of :mod:`newsdesk.analysis.agreement` (paraphrases MiniLM places 0.50-0.69 apart). A source
  that states it ``agree``\\ s; one that only relays it as someone's contested claim ("X claims",
  "allegedly") ``report``\\ s it, which is not a confirmation (:meth:`ClaimsResult.confirmed`).
* A :class:`Dispute` is a first-class finding with two :class:`Side`\\ s, each with its actor,
  its words and every source that supports it. Kinds: ``number``, ``date_time`` and ``fact``
  (two outlets state incompatible things; the model's call at its out-of-sample threshold),
  ``reported_dispute`` (the coverage reports that one party contests another's claim: "While the
  American side claims X, the Kremlin states Y"; "Analysts contest this characterization"; an
  accusation and its denial, critics and a defence, told in one article and tied by a party;
  an outcome one source credits and someone quoted in another denies; the article correcting a
  named party in its own voice; a claim another party negates, addressed to the claimant) and
  ``attribution`` (the same quoted words given to two different named people by two outlets). A
  ``number`` dispute is also two outlets giving different sizes to the same named thing ("the
  38-word oath" / "the 35-word oath"), never when a date differs too (two measurements). Each side
  lists every source that supports it, and a dispute's evidence is the two statements in conflict,
  then the other sources of either side. The pair model's own contradiction call is at chance out
  of sample (data/nli/MODEL.md), so structural detectors, with their cue lists in
  ``data/nli/lexicon.json`` (``disputes_*``), find most disputes.

This module holds the statements, the candidate pairs (:func:`score_candidates`), the same-fact
grouping (``same()`` in :func:`find_claims`) and the order in which the detectors run (about 720
lines: these share the statements and their scored pairs); the detectors are in :mod:`newsdesk.analysis.disputes`, who
holds a side in :mod:`newsdesk.analysis.dispute_actors`, and the shared findings and cue words in
:mod:`newsdesk.analysis.claim_types` (:class:`Evidence`, :class:`Side`, :class:`Dispute` are
re-exported here).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .claim_types import Dispute, Evidence, Side
from .claim_types import Statement as _Statement
from .claim_types import cue_words as _cues
from .claim_types import lower_words as _words

# find_claims runs the dispute detectors (newsdesk.analysis.disputes) under these names
from .dispute_actors import ActorFinder as _ActorFinder
from .dispute_actors import same_actor as _same_actor
from .disputes import corrections, is_rebuttal, negated_claims, same_value_support
from .disputes import counted_clash as _counted_clash
from .disputes import counter_claims as _counter_claims
from .disputes import misattributed as _misattributed
from .disputes import outcome_disputes as _outcome_disputes
from .disputes import sentence_dispute as _sentence_dispute
from .disputes import supports as _supports
from .sentences import Sentence, article_sentences

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
        learned_agreement: also group a candidate pair the learned same-fact decision
            (:mod:`newsdesk.analysis.agreement`) reads as one fact, where the pair model sees no
            clash and no figures or weekdays differ (default True; it finds paraphrases MiniLM
            places 0.50-0.69 apart).
        agreement_threshold: that decision's threshold (default None: the model's own, chosen
            leaving each brief_basil dev event out; see data/nli/MODEL.md).
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
    learned_agreement: bool = True
    agreement_threshold: float | None = None

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
        if self.agreement_threshold is not None and not 0.0 < self.agreement_threshold <= 1.0:
            raise OptionsError(
                f"agreement_threshold={self.agreement_threshold} must be in (0, 1]",
                hint="a probability; leave None for the model's own",
            )
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


def is_contested_report(text: str) -> bool:
    """True when a sentence relays something as someone's contested claim ("X claims", "allegedly")."""
    return any(w in _cues().contested for w in _words(text))


# --- statements -------------------------------------------------------------------------------


def _statements(
    article: Article, sentences: Sequence[Sentence], options: ClaimOptions, doc: "Doc | None" = None
) -> list[_Statement]:
    """The article's whole statements: its sentences, except that a piece with no verb the
    splitter cut off the sentence it opens ("Neither Ukraine nor any of the U.S." | "NATO allies
    have been directly included …": the cut after "U.S." flips the meaning) is joined to the
    sentence after it in the same paragraph. ``index`` is the number of the first sentence joined."""
    text = article.text or ""
    kept = sentences[: options.max_statements]
    out: list[_Statement] = []
    opening: tuple[int, int] | None = None  # (start, index) of verbless pieces waiting for their sentence
    for index, sentence in enumerate(kept):
        start, first = opening if opening is not None else (sentence.start, index)
        opening = None
        following = kept[index + 1] if index + 1 < len(kept) else None
        if (
            doc is not None
            and following is not None
            and "\n" not in text[sentence.end : following.start]
            and not _has_verb(doc, sentence)
        ):
            opening = (start, first)
            continue
        words = text[start : sentence.end]
        if len(words.split()) >= options.min_words:
            out.append(_Statement(article.id, words, start, sentence.end, first))
    return out


def _denies_saying(words: Any) -> bool:
    """Whether a sentence negates a reporting verb ("did not say", "never said")."""
    from ..nli import lexicon

    reporting = lexicon().reporting
    return any(negated and word in reporting for negated, word in zip(words.negated, words.lower))


#: Words a quotation needs before two outlets quoting it alike state the same thing.
QUOTE_WORDS = 6
# a quotation, closed in the sentence or running to its end (a quoted passage over two sentences)
_QUOTATION = re.compile(r"[\"“]([^\"“”]{12,})(?:[\"”]|\s*$)")


def _same_quotation(left: Sequence[Sequence[str]], right: Sequence[Sequence[str]]) -> bool:
    """Two statements quote the same words: a quotation of one (:data:`QUOTE_WORDS` words or more)
    matches one of the other word for word, for at least 90 % of the shorter one, in order."""
    from difflib import SequenceMatcher

    return any(
        sum(b.size for b in SequenceMatcher(None, qa, qb, autojunk=False).get_matching_blocks())
        >= 0.9 * min(len(qa), len(qb))
        for qa in left
        for qb in right
    )


def _has_verb(doc: "Doc", sentence: Sentence) -> bool:
    """Whether the parse finds a verb in a sentence (True when the span cannot be read)."""
    span = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
    return span is None or any(token.pos_ in ("VERB", "AUX") for token in span)


@dataclass
class ScoredPairs:
    """The candidate pairs of one story's statements, scored once by the pair model.

    ``candidates``: pairs of different articles at MiniLM cosine >= ``candidate_similarity`` (or
    >= ``figure_similarity`` with a specific figure in common); ``results``: the model's call on
    each; ``clash``: a figure, date, antonym or negation (counted, see below) on one side only;
    ``dated``: a date or day differs (two measurements, not one); ``matrix``: the pair features."""

    candidates: list[tuple[int, int]]
    results: dict[tuple[int, int], Any]
    clash: dict[tuple[int, int], bool]
    dated: dict[tuple[int, int], bool]
    matrix: Any = None


def score_candidates(
    statements: Sequence[_Statement], encoded: Any, similarity: Any, figures: Sequence[set[str]], options: ClaimOptions
) -> ScoredPairs:
    """Find the candidate pairs of ``statements`` (encoded by the pair model) and score them."""
    import numpy as np

    from ..nli import LABELS, PairOptions, PairResult, features_of, pair_kind
    from ..resources import pair_model

    model = pair_model()
    cross = np.array([[a.article_id != b.article_id for b in statements] for a in statements])
    candidates: list[tuple[int, int]] = [
        (int(i), int(j))
        for i, j in np.argwhere(np.triu(cross & (similarity >= options.figure_similarity), 1)).tolist()
        if float(similarity[i, j]) >= options.candidate_similarity or figures[i] & figures[j]
    ]
    pair_options = PairOptions(contradiction_threshold=options.contradiction_threshold)
    results: dict[tuple[int, int], PairResult] = {}
    clash: dict[tuple[int, int], bool] = {}
    dated: dict[tuple[int, int], bool] = {}
    matrix = None
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
            # a word negated on one side only counts when the two sentences negate a different
            # number of times (both saying "no one-on-one meeting between …" is no clash, however
            # far each one's negation window reaches); so does a denial of saying ("did not say …")
            # that only one of them makes
            negations = {encoded.sentences[k].words.negations for k in pair}
            clash[pair] = bool(
                seen_in_pair.number_clash
                or seen_in_pair.date_clash
                or (
                    len(negations) > 1
                    and (
                        seen_in_pair.negation_clash
                        or len({_denies_saying(encoded.sentences[k].words) for k in pair}) > 1
                    )
                )
                or seen_in_pair.antonym
            )
    return ScoredPairs(candidates, results, clash, dated, matrix)


def cosine_rule(
    cosine: float,
    p_same: float,
    *,
    same_negations: bool,
    same_quotation: Callable[[], bool],
    same_figure: bool,
    options: ClaimOptions,
) -> bool:
    """The same fact by closeness alone, for a candidate pair the pair model sees no clash in:
    MiniLM cosine >= ``same_similarity`` with P(same) >= ``same_probability``; two outlets quoting
    the same words ("I will fight for you with every breath …") and negating alike; or the same
    specific figure ("a 225-page report", "$447 billion") in two close statements."""
    if cosine >= options.same_similarity and p_same >= options.same_probability:
        return True
    if cosine >= options.candidate_similarity and same_negations and same_quotation():
        return True
    return cosine >= options.figure_similarity and same_figure


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
        statements.extend(_statements(article, sentences_of[article.id], options, docs_of.get(article.id)))
    if not statements:
        return ClaimsResult([], [])
    model = pair_model()
    articles_by_id = {a.id: a for a in articles}
    encoded = model.encode(
        [s.text for s in statements],
        anchors=[articles_by_id[s.article_id].published for s in statements],
        parsed=[(docs_of[s.article_id], s.start) if s.article_id in docs_of else None for s in statements],
    )
    similarity = encoded.embeddings @ encoded.embeddings.T
    n = len(statements)
    actors = _ActorFinder(articles_by_id, docs_of, resolvers_of, sentences_of)

    # --- score candidate pairs of different articles once
    cross = np.array([[a.article_id != b.article_id for b in statements] for a in statements])
    figures = [_figures(s.text) for s in statements]
    scored = score_candidates(statements, encoded, similarity, figures, options)
    candidates, results, clash, dated = scored.candidates, scored.results, scored.clash, scored.dated

    quoted: dict[int, list[list[str]]] = {}

    def quotes_of(k: int) -> list[list[str]]:
        if k not in quoted:
            found = (_words(q) for q in _QUOTATION.findall(statements[k].text))
            quoted[k] = [q for q in found if len(q) >= QUOTE_WORDS]
        return quoted[k]

    agreed: set[tuple[int, int]] = set()
    if options.learned_agreement:
        from .agreement import learned_pairs

        agreed = learned_pairs(
            statements,
            similarity,
            figures,
            scored,
            lambda i, j: _same_quotation(quotes_of(i), quotes_of(j)),
            docs_of,
            options.agreement_threshold,
        )

    def same(i: int, j: int) -> bool:
        """Two statements of different articles state the same fact: close in meaning, and the
        pair model sees nothing in one that the other denies or counts differently."""
        pair = (min(i, j), max(i, j))
        if not cross[i, j] or pair not in results or results[pair].label == "contradiction" or clash[pair]:
            return False
        return pair in agreed or cosine_rule(
            float(similarity[i, j]),
            results[pair].probabilities["same"],
            same_negations=encoded.sentences[i].words.negations == encoded.sentences[j].words.negations,
            same_quotation=lambda: _same_quotation(quotes_of(i), quotes_of(j)),
            same_figure=bool(figures[i] & figures[j]),
            options=options,
        )

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
