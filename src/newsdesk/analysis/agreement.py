"""The learned same-fact decision for statements MiniLM places 0.50–0.69 apart (claims stage).

Two outlets often state one fact in words MiniLM's sentence vectors place far apart ("pulling out
of his own debate" / "bowing out as the moderator"); a cosine threshold low enough to group them
groups different facts too. This module reads more than one cosine for such a pair: how each
statement ranks the other among the statements of its article (a paraphrase is usually the
closest statement the other outlet has), how much of each one's content lemmas, verbs, nouns and
named entities the other holds, whether the main predicate of each (the reported clause of "X
said …") appears in the other, the word-level alignment the sentence-pair model computes
(:func:`newsdesk.nli.features_of`), shared figures, dates and quotations, and the lengths. A
logistic regression over these (:class:`AgreementModel`) is fitted by ``newsdesk train
agreement`` on brief_basil dev (a pair is positive when its two sentences are mentions of one
annotated agreed fact) and shipped in the pair model's ``meta["agreement"]``; its threshold is
chosen leaving each event out (data/nli/MODEL.md).

The claims stage uses it only for candidate pairs below its cosine threshold and only where the
pair model sees no clash; two statements giving figures or weekdays with none in common are
never grouped by it (two measurements, or two meetings).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from spacy.tokens import Doc

#: The features of a pair, in the order the model reads them.
FEATURES: tuple[str, ...] = (
    "cosine",
    "gap_min",
    "gap_max",
    "lemma_cont_min",
    "lemma_cont_max",
    "align_mean_min",
    "align_mean_max",
    "content_min",
    "content_max",
    "length_ratio",
    "numbers_shared",
    "dates_shared",
    "names_shared",
    "ents_shared",
    "clause_cover",
    "same_quote",
    "verb_cont_min",
    "verb_cont_max",
    "pred_match_min",
    "pred_match_max",
    "noun_cont_min",
    "noun_cont_max",
    "log_len_min",
    "log_len_max",
)
#: Columns of the sentence-pair model's feature matrix read here (:data:`newsdesk.nli.FEATURE_NAMES`).
PAIR_COLUMNS = (
    "align_mean_min",
    "align_mean_max",
    "content_min",
    "content_max",
    "length_ratio",
    "numbers_shared",
    "dates_shared",
    "names_shared",
    "clause_cover",
)
# verbs that frame a statement ("X said …"): the fact is in what they report
_REPORTING = frozenset(
    {"say", "tell", "add", "state", "note", "write", "report", "announce", "claim", "explain", "declare", "insist"}
)
_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"})
_ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "EVENT", "LAW", "FAC"})
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)


@dataclass(frozen=True)
class StatementWords:
    """What the features read of one statement in its article's parse."""

    lemmas: frozenset[str]  # content lemmas
    verbs: frozenset[str]  # verb lemmas, reporting verbs left out
    nouns: frozenset[str]
    predicates: frozenset[str]  # the root's lemma, or what a reporting root reports
    entities: frozenset[str]
    weekdays: frozenset[str]


def statement_words(doc: "Doc | None", start: int, end: int, text: str) -> StatementWords:
    """The lemma sets of the statement at ``start:end`` of ``doc`` (empty when the span cannot be read)."""
    span = doc.char_span(start, end, alignment_mode="expand") if doc is not None else None
    tokens = list(span) if span is not None else []
    predicates: set[str] = set()
    for token in tokens:
        if token.dep_ != "ROOT":
            continue
        lemma = token.lemma_.lower()
        if lemma in _REPORTING:
            predicates.update(
                c.lemma_.lower()
                for c in token.children
                if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX", "NOUN", "ADJ")
            )
        else:
            predicates.add(lemma)
    return StatementWords(
        lemmas=frozenset(
            t.lemma_.lower() for t in tokens if (t.pos_ in _CONTENT_POS and not t.is_stop and t.is_alpha) or t.like_num
        ),
        verbs=frozenset(t.lemma_.lower() for t in tokens if t.pos_ == "VERB" and t.lemma_.lower() not in _REPORTING),
        nouns=frozenset(t.lemma_.lower() for t in tokens if t.pos_ in ("NOUN", "PROPN", "NUM") and not t.is_stop),
        predicates=frozenset(predicates),
        entities=frozenset(
            e.text.lower().replace("the ", "")
            for e in (span.ents if span is not None else [])
            if e.label_ in _ENTITY_LABELS
        ),
        weekdays=frozenset(w.lower() for w in _WEEKDAY.findall(text)),
    )


def _share(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.5


def pair_row(
    i: int,
    j: int,
    *,
    similarity: "np.ndarray",
    article_of: Sequence[str],
    members: Mapping[str, Sequence[int]],
    words: tuple[StatementWords, StatementWords],
    pair_features: Sequence[float],
    pair_names: Sequence[str],
    same_quote: bool,
) -> list[float]:
    """The :data:`FEATURES` of the pair ``(i, j)`` of one story's statements.

    ``similarity`` holds the statements' MiniLM cosines, ``members`` the statement numbers of each
    article, ``pair_features`` the pair's row of :func:`newsdesk.nli.features_of` (named by
    ``pair_names``)."""
    cosine = float(similarity[i, j])

    def gap(k: int, other: int) -> float:
        rivals = [float(similarity[k, m]) for m in members[article_of[other]] if m != other]
        return cosine - max(rivals, default=0.0)

    wa, wb = words
    shared = len(wa.lemmas & wb.lemmas)
    lemma_a, lemma_b = shared / max(len(wa.lemmas), 1), shared / max(len(wb.lemmas), 1)
    verbs = (_share(wa.verbs, wb.verbs), _share(wb.verbs, wa.verbs))
    predicates = (_share(wa.predicates, wb.lemmas | wb.verbs), _share(wb.predicates, wa.lemmas | wa.verbs))
    nouns = (_share(wa.nouns, wb.nouns), _share(wb.nouns, wa.nouns))
    gaps = (gap(i, j), gap(j, i))
    column = {name: float(pair_features[k]) for k, name in enumerate(pair_names)}
    return [
        cosine,
        min(gaps),
        max(gaps),
        min(lemma_a, lemma_b),
        max(lemma_a, lemma_b),
        column["align_mean_min"],
        column["align_mean_max"],
        column["content_min"],
        column["content_max"],
        column["length_ratio"],
        column["numbers_shared"],
        column["dates_shared"],
        column["names_shared"],
        float(len(wa.entities & wb.entities)),
        column["clause_cover"],
        float(same_quote),
        min(verbs),
        max(verbs),
        min(predicates),
        max(predicates),
        min(nouns),
        max(nouns),
        math.log1p(min(len(wa.lemmas), len(wb.lemmas))),
        math.log1p(max(len(wa.lemmas), len(wb.lemmas))),
    ]


def values_differ(figures: tuple[set[str], set[str]], words: tuple[StatementWords, StatementWords]) -> bool:
    """Both statements give figures (or weekdays) and none in common: two measurements or two
    meetings, never one fact for this decision ("$1 million" / "$500,000"; "met on Thursday" /
    "met on Sunday")."""
    (fa, fb), (wa, wb) = figures, words
    return bool(fa and fb and not fa & fb) or bool(wa.weekdays and wb.weekdays and not wa.weekdays & wb.weekdays)


@dataclass(frozen=True)
class AgreementModel:
    """A logistic regression over standardised :data:`FEATURES` and its decision threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    meta: Mapping[str, Any]

    def scores(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """P(same fact) of each feature row."""
        out = []
        for row in rows:
            z = self.intercept + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, row, self.mean, self.scale))
            out.append(1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "AgreementModel | None":
        """The model kept in the pair model's ``meta["agreement"]``; None when there is none or it
        was fitted on other features (the claims stage then groups on the cosine alone)."""
        if not data or list(data.get("features", [])) != list(FEATURES):
            return None
        return cls(
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) or 1.0 for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta", {})),
        )


@dataclass(frozen=True)
class PairRow:
    """One candidate pair's features, and whether the learned decision may group it at all (no
    clash, no contradiction, no figures or weekdays with none in common)."""

    pair: tuple[int, int]
    row: list[float]
    open: bool


def pair_rows(
    statements: Sequence[Any],
    similarity: Any,
    figures: Sequence[set[str]],
    scored: Any,
    same_quotation: Callable[[int, int], bool],
    docs: Mapping[str, "Doc"],
) -> list[PairRow]:
    """The :data:`FEATURES` of every candidate pair of one story's statements. ``statements`` are
    the claims stage's (``article_id``, ``text``, ``start``, ``end``), ``scored`` its
    :class:`~newsdesk.analysis.claims.ScoredPairs`, ``same_quotation(i, j)`` whether two
    statements quote the same words, ``docs`` each article's parse."""
    from ..nli import FEATURE_NAMES

    article_of = [s.article_id for s in statements]
    members: dict[str, list[int]] = {}
    for k, article in enumerate(article_of):
        members.setdefault(article, []).append(k)
    words: dict[int, StatementWords] = {}

    def words_of(k: int) -> StatementWords:
        if k not in words:
            s = statements[k]
            words[k] = statement_words(docs.get(s.article_id), s.start, s.end, s.text)
        return words[k]

    out = []
    for index, (i, j) in enumerate(scored.candidates):
        pair_words = (words_of(i), words_of(j))
        row = pair_row(
            i,
            j,
            similarity=similarity,
            article_of=article_of,
            members=members,
            words=pair_words,
            pair_features=scored.matrix[index],
            pair_names=FEATURE_NAMES,
            same_quote=same_quotation(i, j),
        )
        blocked = (
            scored.clash[(i, j)]
            or scored.results[(i, j)].label == "contradiction"
            or values_differ((figures[i], figures[j]), pair_words)
        )
        out.append(PairRow((i, j), row, not blocked))
    return out


@lru_cache(maxsize=1)
def shipped_model() -> "AgreementModel | None":
    """The decision shipped in the bundled pair model, read once; a missing one is logged once
    (``newsdesk train nli`` writes a pair model without it: run ``newsdesk train agreement`` next)."""
    from ..resources import pair_model

    model = AgreementModel.from_json(pair_model().meta.get("agreement"))
    if model is None:
        log.warning(
            "the pair model carries no learned same-fact decision: claims are grouped on the cosine rule "
            "alone; rebuild it with `newsdesk train agreement`"
        )
    return model


def learned_pairs(
    statements: Sequence[Any],
    similarity: Any,
    figures: Sequence[set[str]],
    scored: Any,
    same_quotation: Callable[[int, int], bool],
    docs: Mapping[str, "Doc"],
    threshold: float | None = None,
) -> set[tuple[int, int]]:
    """Candidate pairs the learned decision reads as one fact: open (:class:`PairRow`) and scored
    at or above ``threshold`` (None: the shipped model's own). Empty when no model is shipped."""
    model = shipped_model()
    if model is None or not scored.candidates:
        return set()
    rows = [r for r in pair_rows(statements, similarity, figures, scored, same_quotation, docs) if r.open]
    limit = model.threshold if threshold is None else threshold
    return {r.pair for r, score in zip(rows, model.scores([r.row for r in rows])) if score >= limit}
