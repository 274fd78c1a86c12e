"""How the story threshold is chosen out of sample: leave one dataset out, and CV by topic on ECB+.

For each candidate ``join_threshold`` the story index clusters the ECB+, BASIL and AllSides dev
splits (each one pile, default options otherwise). Leave one dataset out: the threshold that
maximises the mean BCubed F1 of the two other datasets is scored on the held-out one. ECB+ 5-fold
cross-validation by topic: the threshold best on four folds' topics clusters the fifth fold's. The
held-out figures are what a threshold fitted elsewhere gives, not the best in-sample figure.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

HELP = "story threshold chosen out of sample: leave one dataset out (ECB+/BASIL/AllSides), ECB+ CV by topic"

THRESHOLDS = (0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.29, 0.30)


def add_arguments(parser) -> None:
    bench = Path("..") / "shared" / "bench"
    parser.add_argument("--ecb", default=str(bench / "clustering_ecbplus" / "dev.jsonl"), help="ECB+ dev split")
    parser.add_argument("--basil", default=str(bench / "clustering_basil" / "dev.jsonl"), help="BASIL dev split")
    parser.add_argument(
        "--allsides", default=str(bench / "mds_allsides_stories" / "dev.jsonl"), help="AllSides stories dev split"
    )
    parser.add_argument("--folds", type=int, default=5, help="ECB+ folds of whole topics (default 5)")


def _allsides_articles(path: str):
    from ..models import Article, Provenance
    from .stories_allsides import pile

    records, gold = pile(path, seed=0, dated=True)
    articles = [
        Article(
            id=r["url"],
            provenance=Provenance(path, None, r["url"]),
            text=r["text"],
            title=r["title"],
            published=r.get("date"),
            outlet=r["source"],
        )
        for r in records
    ]
    return articles, {r["url"]: gold[r["url"]] for r in records}


def dev_features(args, options):
    """Story features and gold labels of the ECB+, BASIL and AllSides dev splits (``args.ecb``,
    ``args.basil``, ``args.allsides``), computed once for every candidate setting to reuse."""
    from ..stories import article_features
    from .clustering import load_articles

    datasets = {
        "ecb": load_articles(args.ecb),
        "basil": load_articles(args.basil),
        "allsides": _allsides_articles(args.allsides),
    }
    features = {name: article_features(articles, options) for name, (articles, _) in datasets.items()}
    gold = {name: labels for name, (_, labels) in datasets.items()}
    return features, gold


def run(args):
    from ..stories import StoryOptions
    from . import BenchReport, BenchTable
    from .clustering import bcubed, cluster_features

    options = StoryOptions()
    features, gold = dev_features(args, options)
    datasets = features

    def f1(name: str, threshold: float, keep=None) -> float:
        chosen = [f for f in features[name] if keep is None or f.id in keep]
        predicted = cluster_features(chosen, replace(options, join_threshold=threshold))
        return bcubed(predicted, {f.id: gold[name][f.id] for f in chosen})[2]

    table = {name: {t: f1(name, t) for t in THRESHOLDS} for name in datasets}
    rows = [{"dataset": name, **{str(t): round(v, 4) for t, v in by.items()}} for name, by in table.items()]
    held_out = []
    for held in datasets:
        others = [name for name in datasets if name != held]
        best = max(THRESHOLDS, key=lambda t: (sum(table[n][t] for n in others), -t))
        held_out.append(
            {
                "held out": held,
                "threshold": best,
                "bcubed_f1": round(table[held][best], 4),
                "best in-sample": round(max(table[held].values()), 4),
            }
        )

    topics = sorted({label.split("_")[0] for label in gold["ecb"].values()}, key=int)
    random.Random(0).shuffle(topics)
    predicted, picked = {}, []
    for number in range(args.folds):
        fold = set(topics[number :: args.folds])
        test = {aid for aid, label in gold["ecb"].items() if label.split("_")[0] in fold}
        train = set(gold["ecb"]) - test
        best = max(THRESHOLDS, key=lambda t: (f1("ecb", t, train), -t))
        picked.append(best)
        chosen = [f for f in features["ecb"] if f.id in test]
        for aid, story in cluster_features(chosen, replace(options, join_threshold=best)).items():
            predicted[aid] = f"{number}:{story}"
    p, r, f = bcubed(predicted, gold["ecb"])
    notes = [
        f"ECB+ {args.folds}-fold CV by topic: thresholds {picked}, pooled BCubed P {p:.4f} R {r:.4f} F1 {f:.4f}",
        f"shipped join_threshold {options.join_threshold}",
    ]
    return BenchReport(
        name="stories_selection",
        dataset=", ".join([args.ecb, args.basil, args.allsides]),
        tables=[
            BenchTable(
                title="BCubed F1 by join_threshold (in sample)",
                columns=["dataset", *[str(t) for t in THRESHOLDS]],
                rows=rows,
            ),
            BenchTable(
                title="Leave one dataset out",
                columns=["held out", "threshold", "bcubed_f1", "best in-sample"],
                rows=held_out,
            ),
        ],
        notes=notes,
        metrics={
            "by_threshold": rows,
            "leave_one_out": held_out,
            "ecb_cv": {"thresholds": picked, "bcubed": [p, r, f]},
        },
    )
