"""Dask: the full analysis of one pile in one process and on a local Dask cluster, alternated.

The pile is ingested once into a fresh store; then the same analysis (every stage, every story,
nothing reused: ``build_analysis(save=False)`` on a store whose findings and sentence vectors are
cleared before each run) runs alternately in this process and on a local cluster of N worker
processes (:func:`newsdesk.distributed.local_cluster`, as ``--scheduler local:N`` makes it: one
thread each; models loaded before the first timed run on both sides), for a
number of rounds. On a shared machine the load moves within minutes, so each Dask run is
compared with the single-process run next to it (alternating which goes first), and the
processor time of every process is counted as well as the wall time: the CPU seconds a run
takes on the cluster against those it takes in one process say what Dask itself costs
(scheduling, serialisation, the results sent back), whatever the other processes on the
machine are doing. Every Dask run's ``analysis.json`` must equal the single-process one.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

HELP = "dask: full analysis in one process vs a local Dask cluster, alternated in one run (speedup, CPU, identical)"

_SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "bench"
_ALLSIDES = _SHARED / "mds_allsides_stories" / "dev.jsonl"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(_ALLSIDES), help="the pile (default: AllSides stories dev)")
    parser.add_argument(
        "--kind",
        choices=("allsides", "reuters"),
        default="allsides",
        help="how the dataset reads: AllSides stories (default) or Reuters-21578 records",
    )
    parser.add_argument("--limit", type=int, default=300, help="the first N records of the pile (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="single/Dask pairs, alternating the order (default 3)")


def _warm() -> None:
    """The models every stage uses, loaded before the timed runs (in a process or on a worker)."""
    from .. import resources

    resources.nlp()
    resources.embed(["warm up"])
    resources.stance_model()


def _cpu_seconds() -> float:
    """User + system processor seconds of this process so far (on a worker: of that worker)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh(store) -> None:
    """Forget every kept finding and sentence vector: the next run analyses every story anew."""
    from ..analysis.cache import SPACE, sentence_space

    with store.transaction():
        store.index_state(SPACE).clear()
        store.delete_embeddings(sentence_space())


def run(args):
    from dask.distributed import Client

    from ..distributed import local_cluster
    from ..errors import BenchmarkError
    from ..pipeline import AnalysisProfile, build_analysis, ingest
    from ..store import open_store
    from . import BenchReport, BenchTable, write_jsonl
    from .scale import _deep_records

    if args.workers < 1 or args.rounds < 1:
        raise BenchmarkError("--workers and --rounds must be at least 1")
    records = _deep_records(args.kind, str(args.dataset), args.limit or None)
    if not records:
        raise BenchmarkError(f"no records in {args.dataset}")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        pile = Path(tmp) / "pile.jsonl"
        write_jsonl(pile, records)
        store = open_store(Path(tmp) / "store.sqlite")
        ingest([pile], store=store)
        articles = len({a.id for a in store.articles()} - {link.duplicate for link in store.copies()})
        stories = len(store.stories())
        _warm()
        with local_cluster(args.workers) as cluster, Client(cluster) as client:
            client.run(_warm)
            reference = None
            for round_ in range(args.rounds):
                order = ("single", "dask") if round_ % 2 == 0 else ("dask", "single")
                for mode in order:
                    _fresh(store)
                    workers_before = sum(client.run(_cpu_seconds).values())
                    cpu_before = time.process_time()
                    load_before = os.getloadavg()[0]
                    profile = AnalysisProfile()
                    start = time.perf_counter()
                    document = build_analysis(
                        store,
                        save=False,
                        scheduler=None if mode == "single" else cluster.scheduler_address,
                        profile=profile,
                    ).to_json()
                    wall = time.perf_counter() - start
                    own_cpu = time.process_time() - cpu_before
                    worker_cpu = sum(client.run(_cpu_seconds).values()) - workers_before
                    document = {**document, "run": None}
                    if reference is None and mode == "single":
                        reference = document
                    rows.append(
                        {
                            "round": round_ + 1,
                            "mode": "single process" if mode == "single" else f"local:{args.workers}",
                            "wall_s": round(wall, 1),
                            "articles_per_s": round(articles / wall, 2),
                            "cpu_s_this_process": round(own_cpu, 1),
                            "cpu_s_workers": round(worker_cpu, 1),
                            "cpu_s_total": round(own_cpu + worker_cpu, 1),
                            "load_avg_1m": f"{load_before:.1f} → {os.getloadavg()[0]:.1f}",
                            "_document": document,
                        }
                    )
        store.close()
    reference = next(r["_document"] for r in rows if r["mode"] == "single process")
    identical = all(r.pop("_document") == reference for r in rows)
    speedups = []
    for round_ in range(1, args.rounds + 1):
        pair = {r["mode"]: r for r in rows if r["round"] == round_}
        single, dask = pair["single process"], pair[f"local:{args.workers}"]
        speedups.append(single["wall_s"] / dask["wall_s"])
        dask["speedup"] = round(speedups[-1], 2)
        dask["cpu_ratio"] = round(dask["cpu_s_total"] / single["cpu_s_total"], 2) if single["cpu_s_total"] else None
    table = BenchTable(
        title=(
            f"Full analysis of {articles} canonical articles ({stories} stories, the first {len(records)} records of "
            f"{args.dataset}): one process vs a local Dask cluster of {args.workers} workers, alternated"
        ),
        columns=[
            "round",
            "mode",
            "wall_s",
            "articles_per_s",
            "cpu_s_this_process",
            "cpu_s_workers",
            "cpu_s_total",
            "speedup",
            "cpu_ratio",
            "load_avg_1m",
        ],
        rows=rows,
    )
    median = statistics.median(speedups)
    notes = [
        f"speedup = single-process wall / Dask wall of the same round; median {median:.2f}× over {args.rounds} "
        f"rounds (min {min(speedups):.2f}, max {max(speedups):.2f}); cpu_ratio = processor seconds of all the "
        "processes of the Dask run (this one holds the scheduler) / those of the single-process run",
        f"analysis.json identical in every run: {identical}",
    ]
    return BenchReport(
        name="dask",
        dataset=str(args.dataset),
        tables=[table],
        notes=notes,
        metrics={
            "records": len(records),
            "articles": articles,
            "stories": stories,
            "workers": args.workers,
            "rows": rows,
            "speedups": [round(s, 2) for s in speedups],
            "median_speedup": round(median, 2),
            "identical": identical,
        },
    )
