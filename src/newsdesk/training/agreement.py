"""``newsdesk train agreement``: the claims stage's learned same-fact decision
(:mod:`newsdesk.analysis.agreement`), fitted on brief_basil dev and kept in the pair model.

For every brief_basil dev event (its three articles as one story) the claims stage's own
statements, candidate pairs and pair-model calls are computed (:func:`claims.score_candidates`),
then the features of :func:`agreement.pair_rows`. A candidate pair is positive when its two
sentences are mentions (the scorer's word rule) of one annotated agreed fact. A logistic
regression is fitted on all candidate pairs.

Measured leaving each event out (16 folds): the model is fitted on the other 15 events, its
threshold chosen on those 15 by an inner leave-one-event-out (the lowest threshold at which, over
the inner held-out scores, no annotated contradiction is grouped and at least ``--precision`` of
the pairs it adds whose two sentences are both annotated are one fact), and the held-out event
is grouped as the claims stage groups (complete linkage over the cosine rule OR the learned
decision) and scored like score_brief.py: agreed facts found, contradictions grouped. The
shipped threshold is ``--threshold``; the report gives the figures at it, leaving each event out
and in sample. Written into ``data/nli/pair_model.pkl`` (``meta["agreement"]``) unless ``--dry-run``.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..bench import BenchReport, BenchTable

HELP = "the claims stage's learned same-fact decision: brief_basil dev leave-one-event-out, written into the pair model"

_SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "bench"
_WORD = re.compile(r"\w+", re.UNICODE)
GRID = tuple(round(0.95 - 0.05 * k, 2) for k in range(17))  # 0.95 … 0.15


def add_arguments(parser) -> None:
    parser.add_argument("--shared", default=str(_SHARED), help=f"the benchmark folder (default: {_SHARED})")
    parser.add_argument(
        "--threshold", type=float, default=0.4, help="the shipped decision threshold (default: 0.4; see MODEL.md)"
    )
    parser.add_argument(
        "--precision",
        type=float,
        default=0.95,
        help="precision on annotated pairs the nested leave-one-event-out threshold must keep (default: 0.95)",
    )
    parser.add_argument("--c", type=float, default=0.1, help="inverse L2 strength of the regression (default: 0.1)")
    parser.add_argument("--dry-run", action="store_true", help="measure only; do not write the pair model")


def covers(sentence: str, gold: str) -> bool:
    """The scorer's rule: a sentence covers a gold span holding at least half of its words."""
    wanted = [w.lower() for w in _WORD.findall(gold)]
    have = {w.lower() for w in _WORD.findall(sentence)}
    return bool(wanted) and sum(1 for w in wanted if w in have) >= 0.5 * len(wanted)


@dataclass
class Event:
    """One brief_basil event's candidate pairs, with what the grouping and the scoring need."""

    articles: list[str]  # article of each statement
    similarity: Any
    pairs: list[tuple[int, int]]
    rows: Any  # (pairs, FEATURES)
    open: list[bool]  # the learned decision may group the pair
    base: list[bool]  # the cosine rule groups it
    positive: list[bool]  # two mentions of one annotated agreed fact
    annotated: list[bool]  # both sentences annotated (a fact's mention or a contradiction's side)
    facts: list[set[int]]  # agreed facts each statement mentions
    sides: list[set[tuple[int, str]]]  # contradiction sides each statement covers
    fact_count: int  # agreed facts stated in two articles or more


def load_events(path: Path) -> list[Event]:
    """Every event of a brief dataset, as the claims stage sees it."""
    import json

    import numpy as np

    from ..analysis import claims
    from ..analysis.agreement import pair_rows
    from ..analysis.context import build_context
    from ..bench.disputes import event_articles
    from ..models import Story
    from ..resources import pair_model

    options = claims.ClaimOptions()
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        story = str(event["story"])
        articles = event_articles(event)
        context = build_context(Story(story, "", tuple(a.id for a in articles)), articles)
        statements = [
            s for a in articles for s in claims._statements(a, context.sentences[a.id], options, context.docs[a.id])
        ]
        by_id = {a.id: a for a in articles}
        encoded = pair_model().encode(
            [s.text for s in statements],
            anchors=[by_id[s.article_id].published for s in statements],
            parsed=[(context.docs[s.article_id], s.start) for s in statements],
        )
        similarity = encoded.embeddings @ encoded.embeddings.T
        figures = [claims._figures(s.text) for s in statements]
        scored = claims.score_candidates(statements, encoded, similarity, figures, options)
        quotes = [
            [q for q in (claims._words(x) for x in claims._QUOTATION.findall(s.text)) if len(q) >= claims.QUOTE_WORDS]
            for s in statements
        ]

        def same_quotation(i: int, j: int, quotes: list[list[list[str]]] = quotes) -> bool:
            return claims._same_quotation(quotes[i], quotes[j])

        rows = pair_rows(statements, similarity, figures, scored, same_quotation, context.docs)
        key = {a.id: a.id.rsplit("-", 1)[1] for a in articles}
        facts: list[set[int]] = [set() for _ in statements]
        sides: list[set[tuple[int, str]]] = [set() for _ in statements]
        for k, s in enumerate(statements):
            for f, fact in enumerate(event.get("agreements", [])):
                if any(m["article"] == key[s.article_id] and covers(s.text, m["text"]) for m in fact["mentions"]):
                    facts[k].add(f)
            for c, contradiction in enumerate(event.get("contradictions", [])):
                for side in ("a", "b"):
                    part = contradiction[side]
                    if part["article"] == key[s.article_id] and covers(s.text, part["text"]):
                        sides[k].add((c, side))
        base = []
        for i, j in scored.candidates:
            result = scored.results[(i, j)]
            base.append(
                not scored.clash[(i, j)]
                and result.label != "contradiction"
                and claims.cosine_rule(
                    float(similarity[i, j]),
                    result.probabilities["same"],
                    same_negations=encoded.sentences[i].words.negations == encoded.sentences[j].words.negations,
                    same_quotation=lambda i=i, j=j: same_quotation(i, j),
                    same_figure=bool(figures[i] & figures[j]),
                    options=options,
                )
            )
        out.append(
            Event(
                articles=[s.article_id for s in statements],
                similarity=similarity,
                pairs=list(scored.candidates),
                rows=np.array([r.row for r in rows], dtype=float).reshape(len(rows), -1),
                open=[r.open for r in rows],
                base=base,
                positive=[bool(facts[i] & facts[j]) for i, j in scored.candidates],
                annotated=[bool((facts[i] or sides[i]) and (facts[j] or sides[j])) for i, j in scored.candidates],
                facts=facts,
                sides=sides,
                fact_count=sum(
                    1 for fact in event.get("agreements", []) if len({m["article"] for m in fact["mentions"]}) >= 2
                ),
            )
        )
    return out


def group(event: Event, accepted: Sequence[bool]) -> list[list[int]]:
    """The claims stage's grouping (complete linkage, closest pairs first) of the accepted pairs;
    the groups of two articles or more."""
    same = {pair for pair, ok in zip(event.pairs, accepted) if ok}
    member = list(range(len(event.articles)))
    groups: dict[int, list[int]] = {k: [k] for k in member}
    for i, j in sorted(same, key=lambda pair: -float(event.similarity[pair])):
        gi, gj = member[i], member[j]
        if gi == gj:
            continue
        if any((min(a, b), max(a, b)) not in same for a in groups[gi] for b in groups[gj]):
            continue
        groups[gi] += groups.pop(gj)
        for k in groups[gi]:
            member[k] = gi
    return [g for g in groups.values() if len({event.articles[k] for k in g}) >= 2]


@dataclass
class Outcome:
    found: int = 0
    facts: int = 0
    contradictions: int = 0  # groups holding both sides of an annotated contradiction
    added: int = 0  # pairs the learned decision adds to the cosine rule's
    added_annotated: int = 0
    added_right: int = 0

    def __add__(self, other: "Outcome") -> "Outcome":
        return Outcome(*(a + b for a, b in zip(vars(self).values(), vars(other).values())))


def outcome(event: Event, scores: Sequence[float], threshold: float) -> Outcome:
    """What the claims stage would show for ``event`` with the learned decision at ``threshold``."""
    accepted = [b or (o and s >= threshold) for b, o, s in zip(event.base, event.open, scores)]
    groups = group(event, accepted)
    found = sum(
        1
        for f in {f for fs in event.facts for f in fs}
        if any(len({event.articles[k] for k in g if f in event.facts[k]}) >= 2 for g in groups)
    )
    contradictions = sum(
        1
        for g in groups
        if any(
            any((c, "a") in event.sides[k] for k in g) and any((c, "b") in event.sides[k] for k in g)
            for c in {c for k in g for c, _ in event.sides[k]}
        )
    )
    added = [p for p, (a, b) in enumerate(zip(accepted, event.base)) if a and not b]
    annotated = [p for p in added if event.annotated[p]]
    return Outcome(
        found,
        event.fact_count,
        contradictions,
        len(added),
        len(annotated),
        sum(1 for p in annotated if event.positive[p]),
    )


def fit(events: Sequence[Event], c: float) -> Any:
    """A standardised logistic regression on every candidate pair of ``events``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([e.rows for e in events if len(e.pairs)])
    y = np.concatenate([e.positive for e in events if len(e.pairs)])
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000)).fit(x, y)


def _scores(model: Any, event: Event) -> list[float]:
    return list(model.predict_proba(event.rows)[:, 1]) if len(event.pairs) else []


def choose_threshold(events: Sequence[Event], c: float, precision: float) -> float:
    """The lowest threshold of :data:`GRID` at which, over inner leave-one-event-out scores, no
    annotated contradiction is grouped and the added annotated pairs keep ``precision``."""
    held = {k: _scores(fit([e for m, e in enumerate(events) if m != k], c), event) for k, event in enumerate(events)}
    best = 1.01
    for threshold in GRID:
        total = sum((outcome(e, held[k], threshold) for k, e in enumerate(events)), Outcome())
        if total.contradictions or (total.added_annotated and total.added_right / total.added_annotated < precision):
            break
        best = threshold
    return best


def run(args) -> BenchReport:
    import numpy as np
    from sklearn.metrics import average_precision_score

    from ..analysis.agreement import FEATURES, AgreementModel
    from ..errors import BenchmarkError
    from ..nli import MODEL_DIR, MODEL_FILE

    path = Path(args.shared) / "brief_basil" / "dev.jsonl"
    if not path.exists():
        raise BenchmarkError(f"{str(path)!r} does not exist", hint="pass --shared PATH/TO/shared/bench")
    events = load_events(path)
    report = BenchReport(name="train agreement", dataset=str(path))
    held: list[list[float]] = []
    nested = Outcome()
    chosen = []
    for k, event in enumerate(events):
        others = [e for m, e in enumerate(events) if m != k]
        threshold = choose_threshold(others, args.c, args.precision)
        chosen.append(threshold)
        scores = _scores(fit(others, args.c), event)
        held.append(scores)
        nested = nested + outcome(event, scores, threshold)
    final = fit(events, args.c)
    rows = []

    def row(what: str, result: Outcome, threshold: str) -> dict[str, Any]:
        return {
            "reading": what,
            "threshold": threshold,
            "agreed facts found": f"{result.found}/{result.facts}",
            "recall": f"{100 * result.found / max(result.facts, 1):.1f}",
            "contradictions grouped": result.contradictions,
            "pairs added": result.added,
            "added, both annotated: one fact": f"{result.added_right}/{result.added_annotated}",
        }

    base = sum((outcome(e, [0.0] * len(e.pairs), 2.0) for e in events), Outcome())
    rows.append(row("cosine rule only (no learned decision)", base, "-"))
    rows.append(row("leave one event out, nested threshold", nested, f"{min(chosen):.2f}-{max(chosen):.2f}"))
    shipped = sum((outcome(e, s, args.threshold) for e, s in zip(events, held)), Outcome())
    rows.append(row("leave one event out, shipped threshold", shipped, f"{args.threshold:.2f}"))
    inside = sum((outcome(e, _scores(final, e), args.threshold) for e in events), Outcome())
    rows.append(row("in sample (model fitted on all 16), shipped threshold", inside, f"{args.threshold:.2f}"))
    report.tables.append(
        BenchTable(
            title=f"learned same-fact decision, brief_basil dev ({len(events)} events; claims-stage grouping replayed)",
            columns=list(rows[0]),
            rows=rows,
        )
    )
    gold = np.concatenate([e.positive for e in events if e.pairs])
    score = np.concatenate([s for s in held if s])
    cosine = np.concatenate([e.rows[:, 0] for e in events if e.pairs])
    band = cosine < 0.69
    report.metrics.update(
        {
            "candidates": int(len(gold)),
            "positives": int(gold.sum()),
            "ap_learned_loeo": round(float(average_precision_score(gold, score)), 3),
            "ap_cosine": round(float(average_precision_score(gold, cosine)), 3),
            "ap_learned_loeo_band": round(float(average_precision_score(gold[band], score[band])), 3),
            "ap_cosine_band": round(float(average_precision_score(gold[band], cosine[band])), 3),
            "nested_thresholds": chosen,
        }
    )
    report.notes.append(
        f"same-fact ranking of {len(gold)} candidate pairs ({int(gold.sum())} positive), leave one event out: "
        f"AP {report.metrics['ap_learned_loeo']} against the cosine's {report.metrics['ap_cosine']}; "
        f"0.50-0.69 band: {report.metrics['ap_learned_loeo_band']} against {report.metrics['ap_cosine_band']}"
    )
    scaler, regression = final[0], final[-1]
    model = AgreementModel(
        mean=tuple(float(x) for x in scaler.mean_),
        scale=tuple(float(x) for x in scaler.scale_),
        coef=tuple(float(x) for x in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
        threshold=float(args.threshold),
        meta={
            "trained_on": "brief_basil dev, all 16 events, every candidate pair",
            "c": args.c,
            "loeo_found": f"{shipped.found}/{shipped.facts}",
            "loeo_contradictions_grouped": shipped.contradictions,
            "nested_thresholds": f"{min(chosen):.2f}-{max(chosen):.2f}",
        },
    )
    assert len(model.coef) == len(FEATURES)
    if not args.dry_run:
        target = MODEL_DIR / MODEL_FILE
        with open(target, "rb") as handle:
            payload = pickle.load(handle)
        payload.setdefault("meta", {})["agreement"] = model.to_json()
        with open(target, "wb") as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        report.notes.append(f"wrote the learned decision into {target} (meta['agreement'])")
    return report
