"""FNC-1 stance detection: headline ↔ body as agree / disagree / discuss / unrelated.

Scores as the official FNC-1 scorer does: +0.25 for each correct related/unrelated decision and,
for gold-related pairs, +0.75 more when the exact label is right; reported as % of the maximum.
Macro-F1 and per-class F1 follow Hanselowski et al. (COLING 2018). Beside newsdesk's model the
same run scores a baseline: MiniLM cosine of the headline to the body above a threshold (fitted on
the training set) is "related", and every related pair is called "discuss".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

HELP = "stance (FNC-1): official weighted score (% of max), macro-F1 and per-class F1, with a cosine baseline"

LABELS = ("agree", "disagree", "discuss", "unrelated")
RELATED = frozenset(("agree", "disagree", "discuss"))


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset",
        help="FNC-1 JSONL, one body per line with pairs[{pair_index, headline, stance}] (e.g. ../shared/bench/stance_fnc1/dev.jsonl)",
    )
    parser.add_argument(
        "--predictions", metavar="OUT.jsonl", help="write newsdesk's labels, one {pair_index, stance} line per pair"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="score only the first N bodies (and all their pairs)")
    parser.add_argument(
        "--model",
        metavar="DIR",
        help="a model folder written by `newsdesk train stance --out DIR` (default: the shipped model)",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="reuse the MiniLM sentence vectors kept by `newsdesk train stance --cache DIR` (same vectors, faster)",
    )
    parser.add_argument(
        "--baseline-threshold",
        type=float,
        metavar="COS",
        help="cosine above which the baseline calls a pair related (default: the value fitted on the training set, stored with the model)",
    )


def load_pairs(path: str | Path, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Pairs of an FNC-1 JSONL file as {pair_index, headline, body, stance, body_id} dicts.

    A record without a body or pairs raises :class:`BenchmarkError` naming its line.
    """
    pairs = []
    for number, record in enumerate(read_jsonl(path), 1):
        if limit is not None and number > limit:
            break
        body = record.get("body")
        items = record.get("pairs")
        if not isinstance(body, str) or not isinstance(items, list):
            raise BenchmarkError(
                f"{path}:{number} has no 'body' text or 'pairs' list",
                hint="expected the FNC-1 staging format: {id, body_id, body, pairs[{pair_index, headline, stance}]}",
            )
        for item in items:
            stance = item.get("stance")
            if stance not in LABELS or not isinstance(item.get("headline"), str):
                raise BenchmarkError(
                    f"{path}:{number}: pair {item.get('pair_index')} has stance {stance!r} or no headline",
                    hint=f"stances must be one of {', '.join(LABELS)}",
                )
            pairs.append(
                {
                    "pair_index": item.get("pair_index"),
                    "headline": item["headline"],
                    "body": body,
                    "stance": stance,
                    "body_id": record.get("body_id"),
                }
            )
    if not pairs:
        raise BenchmarkError(
            f"{path} holds no pairs", hint="pass an FNC-1 JSONL file such as ../shared/bench/stance_fnc1/dev.jsonl"
        )
    return pairs


def fnc_score(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    """(score, maximum) as the official FNC-1 scorer computes them."""
    score = best = 0.0
    for g, p in zip(gold, predicted):
        best += 0.25 if g == "unrelated" else 1.0
        if g == p:
            score += 0.25
            if g != "unrelated":
                score += 0.50
        if g in RELATED and p in RELATED:
            score += 0.25
    return score, best


def class_f1(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Per-class F1 over :data:`LABELS`."""
    out = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def summarise(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """FNC-1 score, % of max, macro-F1, per-class F1 and related/unrelated accuracy."""
    score, best = fnc_score(gold, predicted)
    f1 = class_f1(gold, predicted)
    related_ok = sum(1 for g, p in zip(gold, predicted) if (g == "unrelated") == (p == "unrelated"))
    return {
        "fnc_score": score,
        "fnc_max": best,
        "fnc_pct": 100 * score / best if best else 0.0,
        "macro_f1": sum(f1.values()) / len(f1),
        **{f"f1_{k}": v for k, v in f1.items()},
        "related_accuracy": related_ok / len(gold) if gold else 0.0,
    }


def baseline_labels(cosines, threshold: float) -> list[str]:
    """The cosine baseline: related (called "discuss") above ``threshold``, else unrelated."""
    return ["discuss" if c >= threshold else "unrelated" for c in cosines]


def run(args) -> BenchReport:
    from ..analysis.stance import StanceModel

    pairs = load_pairs(args.dataset, limit=args.limit)
    gold = [p["stance"] for p in pairs]
    model = StanceModel.load(args.model) if args.model else StanceModel.load()
    with Stopwatch() as watch:
        embedder = None
        if args.cache:
            from ..resources import EmbeddingCache

            embedder = EmbeddingCache(args.cache)
        matrix = model.features([(p["headline"], p["body"]) for p in pairs], embedder=embedder)
        predicted = model.labels_from_proba(model.proba_from_features(matrix))
    ours = summarise(gold, predicted)
    threshold = (
        args.baseline_threshold if args.baseline_threshold is not None else model.meta.get("baseline_threshold", 0.35)
    )
    # the baseline's cosine is the MiniLM cosine of the headline to the whole body (mean of its sentences)
    from ..analysis.stance import FEATURE_NAMES

    cosines = matrix[:, FEATURE_NAMES.index("emb_mean")]
    base = summarise(gold, baseline_labels(cosines, threshold))
    if args.predictions:
        write_jsonl(args.predictions, ({"pair_index": p["pair_index"], "stance": s} for p, s in zip(pairs, predicted)))
    columns = [
        "system",
        "FNC-1 % of max",
        "FNC-1 score",
        "macro-F1",
        "F1 agree",
        "F1 disagree",
        "F1 discuss",
        "F1 unrelated",
        "related acc",
    ]

    def row(name: str, m: dict[str, float]) -> dict[str, Any]:
        return {
            "system": name,
            "FNC-1 % of max": f"{m['fnc_pct']:.2f}",
            "FNC-1 score": f"{m['fnc_score']:.2f} / {m['fnc_max']:.2f}",
            "macro-F1": f"{m['macro_f1']:.3f}",
            "F1 agree": f"{m['f1_agree']:.3f}",
            "F1 disagree": f"{m['f1_disagree']:.3f}",
            "F1 discuss": f"{m['f1_discuss']:.3f}",
            "F1 unrelated": f"{m['f1_unrelated']:.3f}",
            "related acc": f"{m['related_accuracy']:.3f}",
        }

    counts = {label: gold.count(label) for label in LABELS}
    report = BenchReport(name="stance", dataset=str(args.dataset))
    report.tables.append(
        BenchTable(
            title=f"FNC-1 stance, {len(pairs)} pairs",
            columns=columns,
            rows=[
                row("newsdesk (features + gradient boosting)", ours),
                row(f"baseline: MiniLM cosine >= {threshold:.2f} -> discuss", base),
            ],
        )
    )
    report.notes.append("gold: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    report.notes.append(
        f"newsdesk: {len(pairs) / watch.seconds:.1f} pairs/s ({watch.seconds:.1f} s, features incl. MiniLM)"
    )
    report.metrics = {
        "newsdesk": ours,
        "baseline": base,
        "baseline_threshold": threshold,
        "pairs": len(pairs),
        "gold": counts,
        "seconds": watch.seconds,
        "confusion": _confusion(gold, predicted),
    }
    return report


def _confusion(gold: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    return {g: {p: sum(1 for a, b in zip(gold, predicted) if a == g and b == p) for p in LABELS} for g in LABELS}
