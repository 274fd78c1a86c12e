"""Cross-source claims of one story: what several outlets state alike, and where they disagree.

Each article is cut into statements (sentences; a sentence that sets two accounts against each
other — "While A claims X, B states Y" — also yields its two halves). Statements of different
articles that say the same thing are grouped into a :class:`Claim` by MiniLM similarity
(:func:`newsdesk.resources.embed`) raised by shared proper nouns, numbers and content words.
Pairs of statements about the same thing are then labelled by :func:`newsdesk.analysis.stance.classify_pairs`
(rules for numbers, dates, negation and denials, then the trained stance model), and every
contradiction becomes a :class:`Disagreement` between two claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import AnalysisError, OptionsError
from ..models import Article
from .sentences import Sentence, article_sentences
from .stance import PairStance, StanceOptions, classify_pairs, content_terms, rule_stance, statement_polarity

if TYPE_CHECKING:  # pragma: no cover
    from .context import StoryContext

log = logging.getLogger(__name__)

#: The stage's name (``--stages``) and the ``analysis.json`` sections it fills.
NAME = "claims"
SECTIONS: tuple[str, ...] = ("claims", "disagreements")

# "While the American side claims X, the Kremlin states Y" / "X, whereas Y" / "X, but Y"
_CONTRAST_LEAD = re.compile(r"^\s*(?:While|Whereas|Although|Though)\s+(?P<a>[^,]{12,}?),\s+(?P<b>.{12,})$", re.S)
_CONTRAST_MID = re.compile(r"^(?P<a>.{12,}?)(?:,\s*|;\s*)(?:while|whereas|but|however,?)\s+(?P<b>.{12,})$", re.S)
_ATTRIBUTION = re.compile(
    r"\b(?:claims?|claimed|says?|said|states?|stated|insists?|insisted|notes?|noted|maintains?|argues?|"
    r"reports?|reported|denies|denied|according to|read-?out|press release|version|statement|emphasi[sz]ed)\b",
    re.I,
)


@dataclass(frozen=True, kw_only=True)
class ClaimOptions:
    """Options of :func:`find_claims`.

    Attributes:
        same_claim_similarity: MiniLM cosine (after the shared-term bonus) at or above which two
            statements of different articles are taken to say the same thing (default 0.62).
        related_similarity: cosine at or above which two statements are about the same thing and
            are checked for a contradiction (default 0.45).
        support_similarity: cosine at or above which an article's closest statement to a claim
            (sharing two topical words with it) makes that article a source of the claim (default 0.5).
        term_bonus: added to the cosine per shared proper noun or number, at most 3 counted
            (default 0.04): two statements naming the same people and figures are likelier the same claim.
        min_words: statements shorter than this are ignored (default 6).
        max_statements: statements kept per article, from the top (default 120).
        min_sources: sources a claim needs to be reported without a disagreement (default 2).
        use_model: label statement pairs with the trained stance model as well as the rules
            (default True; False gives rules only, with no model load).
        stance: options of the stance model and pair rules (:class:`StanceOptions`).
    """

    same_claim_similarity: float = 0.6
    related_similarity: float = 0.55
    support_similarity: float = 0.5
    term_bonus: float = 0.04
    min_words: int = 6
    max_statements: int = 120
    min_sources: int = 2
    use_model: bool = True
    stance: StanceOptions = field(default_factory=StanceOptions)

    def __post_init__(self) -> None:
        for name in ("same_claim_similarity", "related_similarity", "support_similarity"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise OptionsError(f"{name}={value} must be in (0, 1]", hint="cosines of MiniLM embeddings; defaults 0.62 / 0.45")
        if self.related_similarity > self.same_claim_similarity:
            raise OptionsError("related_similarity must not exceed same_claim_similarity",
                               hint="statements about the same thing are a wider set than statements saying the same thing")
        if self.term_bonus < 0:
            raise OptionsError(f"term_bonus={self.term_bonus} must be >= 0", hint="the default is 0.04")
        if self.min_words < 1 or self.max_statements < 1 or self.min_sources < 1:
            raise OptionsError("min_words, max_statements and min_sources must be at least 1", hint="defaults 6, 120, 2")


@dataclass(frozen=True)
class Evidence:
    """Where an article states a claim: the sentence and its character offsets in ``Article.text``."""

    article_id: str
    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "sentence": self.sentence, "start": self.start, "end": self.end}


@dataclass
class Claim:
    """A statement made by one or more articles, with each source's stance towards it.

    ``stance_by_source`` maps article id to ``agree`` (states it), ``discuss`` (reports it without
    taking it on), ``contradict`` (states the opposite) — from the rules and the stance model.
    """

    id: str
    text: str
    sources: list[Evidence]
    stance_by_source: dict[str, str] = field(default_factory=dict)

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(e.article_id for e in self.sources))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "sources": [e.to_json() for e in self.sources],
                "stance_by_source": dict(self.stance_by_source)}


@dataclass
class Disagreement:
    """Two claims that cannot both hold, and why.

    ``kind`` is ``numeric`` (different figures for the same thing), ``date``, ``negation`` (one
    says not / denies what the other says), ``readout`` (two accounts of one event, set against
    each other in the coverage) or ``stance`` (the stance model's call).
    """

    claim_a: str
    claim_b: str
    kind: str
    sources: list[str]
    explanation: str = ""
    evidence: list[Evidence] = field(default_factory=list)  # the two statements found in conflict

    def to_json(self) -> dict[str, Any]:
        return {"claim_a": self.claim_a, "claim_b": self.claim_b, "kind": self.kind, "sources": list(self.sources),
                "explanation": self.explanation, "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class ClaimsResult:
    """Claims of one story and the disagreements between them."""

    claims: list[Claim]
    disagreements: list[Disagreement]

    def confirmed(self, min_sources: int = 2) -> list[Claim]:
        """Claims that at least ``min_sources`` articles state (agree or discuss) and none contradicts."""
        return [c for c in self.claims
                if sum(1 for s in c.stance_by_source.values() if s in ("agree", "discuss")) >= min_sources
                and "contradict" not in c.stance_by_source.values()
                and not any(c.id in (d.claim_a, d.claim_b) for d in self.disagreements)]

    def to_json(self) -> dict[str, Any]:
        return {"claims": [c.to_json() for c in self.claims], "disagreements": [d.to_json() for d in self.disagreements]}

    def sections(self) -> dict[str, Sequence[Claim | Disagreement]]:
        return {"claims": self.claims, "disagreements": self.disagreements}


Options = ClaimOptions


def run(context: "StoryContext", options: ClaimOptions) -> ClaimsResult:
    """What the story's outlets state alike and where they clash (a story of one article has
    neither)."""
    if len(context.articles) < 2:
        return ClaimsResult([], [])
    return find_claims(context.articles, options, sentences=context.sentences)


@dataclass
class _Statement:
    article_id: str
    text: str
    start: int
    end: int
    sentence_index: int
    contrast_with: int | None = None  # index of the other half of a "While A, B" sentence
    is_half: bool = False


def _statements(article: Article, sentences: Sequence[Sentence], options: ClaimOptions) -> list[_Statement]:
    statements: list[_Statement] = []
    for index, found in enumerate(sentences[: options.max_statements]):
        sentence, start, end = found.text, found.start, found.end
        if len(sentence.split()) < options.min_words:
            continue
        match = _CONTRAST_LEAD.match(sentence) or _CONTRAST_MID.match(sentence)
        if not match:
            statements.append(_Statement(article.id, sentence, start, end, index))
            continue
        # a compound sentence often carries two claims ("agreed to X, but wanted Y"): keep each half
        halves = []
        for name in ("a", "b"):
            half = match.group(name).strip()
            if len(half.split()) >= options.min_words:
                half_start = start + match.start(name)
                halves.append(_Statement(article.id, half, half_start, half_start + len(half), index, is_half=True))
        speakers = [_speaker(h.text) for h in halves]
        if (len(halves) == 2 and all(speakers) and speakers[0] != speakers[1]
                and not any(sp in _PRONOUNS for sp in speakers)):
            # two accounts set against each other in one sentence: a read-out dispute
            halves[0].contrast_with = len(statements) + 1
            halves[1].contrast_with = len(statements)
        statements.extend(halves or [_Statement(article.id, sentence, start, end, index)])
    return statements


_PRONOUNS = frozenset("it he she they we i this that who which".split())
_BACK_REFERENCE = re.compile(r"\b(?:its|it|them|they|this|these|their)\b", re.I)


def _speaker(text: str) -> str:
    """The words before the attribution verb ("the American side" in "the American side claims …")."""
    match = _ATTRIBUTION.search(text)
    return text[: match.start()].strip().lower() if match else ""


_NAME = re.compile(r"\b[A-Z][a-zA-Z’'-]+(?:\s+[A-Z][a-zA-Z’'-]+)*")
_NUM = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_SENTENCE_START_WORDS = frozenset("The A An In On At It This That These Those While But And However He She They We I".split())


def _key_terms(text: str) -> set[str]:
    names = {m.group(0).lower() for m in _NAME.finditer(text) if m.group(0) not in _SENTENCE_START_WORDS}
    return names | set(_NUM.findall(text))


def find_claims(
    articles: Sequence[Article],
    options: ClaimOptions | None = None,
    *,
    sentences: Mapping[str, Sequence[Sentence]] | None = None,
) -> ClaimsResult:
    """Claims of ONE story's articles and the disagreements between them.

    ``sentences`` maps article id to its sentences (:attr:`StoryContext.sentences`); articles
    without them are parsed here. Raises :class:`AnalysisError` when an item is not an
    :class:`Article`; an article without text simply contributes nothing.
    """
    import numpy as np

    from ..resources import embed

    options = options or ClaimOptions()
    for index, article in enumerate(articles):
        if not isinstance(article, Article):
            raise AnalysisError(f"find_claims: item {index} is {type(article).__name__}, not an Article",
                                hint="pass the canonical articles of one story")
    sentences_of = dict(sentences or {})
    missing = [a for a in articles if a.id not in sentences_of]
    if missing:
        from ..resources import parse

        for article, doc in zip(missing, parse([a.text or "" for a in missing])):
            sentences_of[article.id] = article_sentences(article.text or "", doc)
    statements: list[_Statement] = []
    for article in articles:
        own = _statements(article, sentences_of[article.id], options)
        for statement in own:  # article-local partner indexes become story-wide ones
            if statement.contrast_with is not None:
                statement.contrast_with += len(statements)
        statements.extend(own)
    if len({s.article_id for s in statements}) < 2:
        return ClaimsResult([], [])
    # A half that refers back ("Russia demands its cessation") borrows the topic of its sentence.
    whole = {(s.article_id, s.sentence_index): sentences_of[s.article_id][s.sentence_index].text for s in statements}
    unique = list(dict.fromkeys([s.text for s in statements] + list(whole.values())))
    unique_vectors = embed(unique)
    row = {text: k for k, text in enumerate(unique)}
    vectors = unique_vectors[[row[s.text] for s in statements]]
    context = unique_vectors[[row[whole[(s.article_id, s.sentence_index)]] for s in statements]]
    halves = np.array([s.is_half and bool(_BACK_REFERENCE.search(s.text)) for s in statements])
    vectors = np.where(halves[:, None], vectors + 0.5 * context, vectors)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(statements)
    # Terms most of the story's statements share (here "Putin", "Trump", "Ukraine") say nothing
    # about whether two statements make the same claim; only the rarer ones count.
    keys = [_key_terms(s.text) for s in statements]
    terms = [content_terms(whole[(s.article_id, s.sentence_index)] if halves[k] else s.text) for k, s in enumerate(statements)]
    common = _common_terms(terms + keys, len(statements))
    keys = [k - common for k in keys]
    topical = [t - common for t in terms]
    similarity = vectors @ vectors.T
    score = np.array(similarity)
    for i in range(n):
        for j in range(i + 1, n):
            bonus = options.term_bonus * min(len(keys[i] & keys[j]) + len(topical[i] & topical[j]) // 2, 3)
            score[i, j] = score[j, i] = similarity[i, j] + bonus
    same_article = np.array([[a.article_id == b.article_id for b in statements] for a in statements])
    partner = {k: s.contrast_with for k, s in enumerate(statements) if s.contrast_with is not None}

    # --- group statements that say the same thing: average linkage across articles; one
    # statement per article sentence and never both halves of a read-out dispute in a group
    ruled: dict[tuple[int, int], bool] = {}

    def contradicts(i: int, j: int) -> bool:
        # statements the rules see as contradicting (numbers, negation) never share a claim
        if score[i, j] < options.related_similarity:
            return False
        key = (min(i, j), max(i, j))
        if key not in ruled:
            found = rule_stance(statements[i].text, statements[j].text, ignore=common)
            ruled[key] = found is not None and found.label == "contradict"
        return ruled[key]

    # Greedy average linkage over candidate edges, best first: linear in the number of close
    # pairs rather than cubic in the number of statements, so long stories stay fast.
    member_of = list(range(n))
    groups_by_id: dict[int, list[int]] = {k: [k] for k in range(n)}
    candidates = np.argwhere(np.triu(score, 1) >= options.same_claim_similarity)
    for i, j in sorted(candidates.tolist(), key=lambda ij: -score[ij[0], ij[1]]):
        gi, gj = member_of[i], member_of[j]
        if gi == gj:
            continue
        ga, gb = groups_by_id[gi], groups_by_id[gj]
        if any(same_article[a, b] or partner.get(a) == b for a in ga for b in gb):
            continue
        if float(np.mean(score[np.ix_(ga, gb)])) < options.same_claim_similarity:
            continue
        if any(contradicts(a, b) for a in ga for b in gb):
            continue
        groups_by_id[gi] = ga + gb
        for k in gb:
            member_of[k] = gi
        del groups_by_id[gj]
    groups = [sorted(g) for g in groups_by_id.values()]

    # --- pairs to label: statements about the same thing in different articles, and read-out halves
    pairs: list[tuple[int, int]] = []
    for i in range(n):
        for j in range(i + 1, n):
            related = (not same_article[i, j] and similarity[i, j] >= options.related_similarity
                       and len(topical[i] & topical[j]) >= 2)
            if related or partner.get(i) == j:
                pairs.append((i, j))
    labels = classify_pairs([(statements[i].text, statements[j].text) for i, j in pairs],
                            use_model=options.use_model, options=options.stance, ignore=common)
    label_of = {pair: label for pair, label in zip(pairs, labels)}
    for i, j in pairs:
        found = label_of[(i, j)]
        if (found.label == "contradict" and found.kind in ("negation", "stance") and partner.get(i) != j
                and similarity[i, j] < options.same_claim_similarity):
            # a flipped polarity or the model's call needs two statements saying nearly the same thing
            label_of[(i, j)] = PairStance("discuss", None, f"weak contradiction ignored: {found.reason}", found.model_label)
        if partner.get(i) == j and label_of[(i, j)].label != "contradict":
            label_of[(i, j)] = PairStance("contradict", "readout", "one sentence sets two accounts against each other")

    group_of = {k: g_index for g_index, group in enumerate(groups) for k in group}
    claims: list[Claim] = []
    claim_of_group: dict[int, Claim] = {}

    def claim_for(g_index: int) -> Claim:
        if g_index in claim_of_group:
            return claim_of_group[g_index]
        group = groups[g_index]
        # the most central statement speaks for the group
        centre = max(group, key=lambda k: (sum(similarity[k, m] for m in group), -len(statements[k].text)))
        claim = Claim(id=f"claim-{len(claim_of_group) + 1}", text=statements[centre].text,
                      sources=[Evidence(statements[k].article_id, statements[k].text, statements[k].start, statements[k].end) for k in group])
        for k in group:
            stance = "agree"
            if k != centre:
                pair = (min(k, centre), max(k, centre))
                found = label_of.get(pair)
                if found is not None and found.label == "discuss":
                    stance = "discuss"
            if _is_reported(statements[k].text) and stance == "agree" and statements[k].article_id not in claim.stance_by_source:
                stance = "discuss"
            previous = claim.stance_by_source.get(statements[k].article_id)
            if previous != "agree":
                claim.stance_by_source[statements[k].article_id] = stance
        claim_of_group[g_index] = claim
        claims.append(claim)
        return claim

    for g_index, group in enumerate(groups):
        if len({statements[k].article_id for k in group}) >= options.min_sources:
            claim_for(g_index)

    disagreements: list[Disagreement] = []
    seen: set[tuple[str, str]] = set()
    for (i, j), label in label_of.items():
        if label.label != "contradict":
            continue
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        a, b = claim_for(gi), claim_for(gj)
        key = (min(a.id, b.id), max(a.id, b.id))
        kind = label.kind or "stance"  # every contradiction names its kind
        if partner.get(i) == j:
            kind = "readout"
        if key in seen:
            continue
        seen.add(key)
        a.stance_by_source.setdefault(statements[j].article_id, "contradict")
        b.stance_by_source.setdefault(statements[i].article_id, "contradict")
        sources = list(dict.fromkeys(a.article_ids + b.article_ids))
        evidence = [Evidence(statements[k].article_id, statements[k].text, statements[k].start, statements[k].end) for k in (i, j)]
        disagreements.append(Disagreement(claim_a=a.id, claim_b=b.id, kind=kind, sources=sources, explanation=label.reason,
                                          evidence=evidence))
    # Articles that state a claim less closely than the grouping asks still count as its sources:
    # attach each other article's closest statement when it is about the same thing.
    group_index = {claim.id: g for g, claim in claim_of_group.items()}
    for claim in claims:
        group = groups[group_index[claim.id]]
        present = {statements[k].article_id for k in group}
        best: dict[str, tuple[float, int, int]] = {}
        for k in range(n):
            article_id = statements[k].article_id
            if article_id in present or k in partner:
                continue
            for m in group:
                if similarity[k, m] >= options.support_similarity and len(topical[k] & topical[m]) >= 2:
                    if article_id not in best or similarity[k, m] > best[article_id][0]:
                        best[article_id] = (float(similarity[k, m]), k, m)
        for article_id, (_, k, m) in best.items():
            labelled = label_of.get((min(k, m), max(k, m)))
            stance = labelled.label if labelled is not None and labelled.label != "unrelated" else "discuss"
            if stance == "contradict":
                continue  # handled as a disagreement below
            claim.sources.append(Evidence(article_id, statements[k].text, statements[k].start, statements[k].end))
            claim.stance_by_source.setdefault(article_id, stance)

    by_id = {claim.id: claim for claim in claims}
    for disagreement in disagreements:
        disagreement.sources = list(dict.fromkeys(by_id[disagreement.claim_a].article_ids + by_id[disagreement.claim_b].article_ids))
    log.info("claims: %d statements, %d claims, %d disagreements", n, len(claims), len(disagreements))
    return ClaimsResult(claims=claims, disagreements=disagreements)


def _common_terms(term_sets: list[set[str]], n_statements: int, share: float = 0.1) -> set[str]:
    from collections import Counter

    counts = Counter(t for terms in term_sets for t in terms)
    return {t for t, c in counts.items() if c > max(2, share * n_statements)}


_REPORTED = re.compile(r"\b(?:reportedly|allegedly|claims?|claimed|according to|said|says|read-?out|apparently|supposedly)\b", re.I)


def _is_reported(text: str) -> bool:
    return bool(_REPORTED.search(text))


__all__ = [
    "NAME", "SECTIONS", "ClaimOptions", "Claim", "ClaimsResult", "Disagreement", "Evidence", "Options", "PairStance",
    "find_claims", "run", "statement_polarity",
]
