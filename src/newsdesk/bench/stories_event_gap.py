"""Is the event date of an article's first sentence worth a story veto? Leave one dataset out.

For each candidate ``max_event_gap_days`` (None = off) the story index clusters the ECB+, BASIL
and AllSides dev splits (each one pile, default options otherwise; the features, including each
article's event date, are computed once). Leave one dataset out: the gap that maximises the summed
BCubed F1 of the two other datasets (ties: the weaker veto) is scored on the held-out one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

HELP = "story veto on first-sentence event dates: BCubed F1 by gap, leave one dataset out (ECB+/BASIL/AllSides)"

GAPS: tuple[float | None, ...] = (None, 3.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0)


def add_arguments(parser) -> None:
    bench = Path("..") / "shared" / "bench"
    parser.add_argument("--ecb", default=str(bench / "clustering_ecbplus" / "dev.jsonl"), help="ECB+ dev split")
    parser.add_argument("--basil", default=str(bench / "clustering_basil" / "dev.jsonl"), help="BASIL dev split")
    parser.add_argument(
        "--allsides", default=str(bench / "mds_allsides_stories" / "dev.jsonl"), help="AllSides stories dev split"
    )


def _label(gap: float | None) -> str:
    return "off" if gap is None else f"{gap:g}"


def run(args):
    from ..stories import StoryOptions
    from . import BenchReport, BenchTable
    from .clustering import bcubed, cluster_features
    from .stories_selection import dev_features

    options = StoryOptions()
    features, gold = dev_features(args, options)
    datasets = features
    table = {
        name: {
            gap: bcubed(cluster_features(features[name], replace(options, max_event_gap_days=gap)), gold[name])[2]
            for gap in GAPS
        }
        for name in datasets
    }
    rows = [
        {
            "dataset": name,
            "dated events": sum(f.event is not None for f in features[name]),
            **{_label(g): round(v, 4) for g, v in by.items()},
        }
        for name, by in table.items()
    ]
    held_out = []
    for held in datasets:
        others = [name for name in datasets if name != held]
        best = max(
            GAPS,
            key=lambda g: (round(sum(table[n][g] for n in others), 6), float("inf") if g is None else g),
        )
        held_out.append(
            {
                "held out": held,
                "gap": _label(best),
                "bcubed_f1": round(table[held][best], 4),
                "off": round(table[held][None], 4),
                "best in-sample": round(max(table[held].values()), 4),
            }
        )
    return BenchReport(
        name="stories_event_gap",
        dataset=", ".join([args.ecb, args.basil, args.allsides]),
        tables=[
            BenchTable(
                title="BCubed F1 by max_event_gap_days (in sample)",
                columns=["dataset", "dated events", *[_label(g) for g in GAPS]],
                rows=rows,
            ),
            BenchTable(
                title="Leave one dataset out",
                columns=["held out", "gap", "bcubed_f1", "off", "best in-sample"],
                rows=held_out,
            ),
        ],
        notes=[f"shipped max_event_gap_days {options.max_event_gap_days}"],
        metrics={"by_gap": rows, "leave_one_out": held_out},
    )
