"""The brief judged end to end: ``newsdesk bench brief DATASET``.

Builds one crawler-JSONL pile of every article of every event of a hand-annotated brief dataset
(``../shared/bench/brief_basil/dev.jsonl``: events of three full articles, every contradiction
and the key agreed facts annotated), runs the real ``newsdesk analyze`` on it in a fresh store,
and scores the ``analysis.json`` it writes with ``../shared/tools/score_brief.py``:
disagreement precision / recall / F1, agreed-fact recall, gold contradictions shown as
consensus, and the story BCubed F1 (read the scorer's docstring).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import BenchmarkError

HELP = "the brief end to end: analyze a hand-annotated pile (brief_basil) and score it with score_brief.py"

_SHARED = Path(__file__).resolve().parents[3].parent / "shared"
DEFAULT_DATASET = _SHARED / "bench" / "brief_basil" / "dev.jsonl"
SCORER = _SHARED / "tools" / "score_brief.py"
TIMING_PILE = _SHARED / "bench" / "mds_allsides_stories" / "dev.jsonl"


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset",
        nargs="?",
        default=str(DEFAULT_DATASET),
        help="a brief dataset (.jsonl, one annotated event per line; default ../shared/bench/brief_basil/dev.jsonl)",
    )
    parser.add_argument(
        "--work", metavar="DIR", help="keep the pile, store and analysis here (default: a temporary folder)"
    )
    parser.add_argument(
        "--scorer", default=str(SCORER), help="the scorer script (default ../shared/tools/score_brief.py)"
    )
    parser.add_argument(
        "--timing",
        type=int,
        default=0,
        metavar="N",
        help="also time every analysis stage on the first N+1 stories of --timing-pile (the first, which "
        "loads the models, is not counted) and report the claims stage's share (default 0: skip)",
    )
    parser.add_argument(
        "--timing-pile",
        default=str(TIMING_PILE),
        help="stories to time (default ../shared/bench/mds_allsides_stories/dev.jsonl)",
    )


def run(args) -> Any:
    from . import BenchReport, BenchTable

    dataset, scorer = Path(args.dataset), Path(args.scorer)
    for path, what in ((dataset, "brief dataset"), (scorer, "scorer")):
        if not path.exists():
            raise BenchmarkError(
                f"the {what} {str(path)!r} does not exist", hint="put ../shared beside the repository or pass its path"
            )
    report = BenchReport(name="brief", dataset=str(dataset))
    if args.timing:
        seconds_by_stage = stage_seconds(Path(args.timing_pile), args.timing)
        total = sum(seconds_by_stage.values())
        report.tables.append(
            BenchTable(
                title=f"analysis time by stage, {args.timing} stories of {Path(args.timing_pile).name} (models loaded beforehand)",
                columns=["stage", "seconds", "share"],
                rows=[
                    {"stage": name, "seconds": f"{value:.1f}", "share": f"{value / total:.3f}"}
                    for name, value in seconds_by_stage.items()
                ],
            )
        )
        report.metrics["stage_seconds"] = seconds_by_stage
        report.metrics["claims_share"] = seconds_by_stage.get("claims", 0.0) / total if total else 0.0
    with tempfile.TemporaryDirectory(prefix="newsdesk-brief-") as temporary:
        work = Path(args.work or temporary)
        work.mkdir(parents=True, exist_ok=True)
        scores, seconds = score(dataset, work, scorer=scorer)
    disagreements, agreements, stories = scores["disagreements"], scores["agreements"], scores["stories"]
    report.tables.append(
        BenchTable(
            title=f"brief end to end: {scores['events']} events, {scores['articles_matched']} articles (newsdesk analyze, {seconds:.0f} s)",
            columns=[
                "disagreements P",
                "R",
                "F1",
                "predicted",
                "correct",
                "gold",
                "agreements R",
                "confirmed contradictions",
                "stories BCubed F1",
            ],
            rows=[
                {
                    "disagreements P": f"{disagreements['P']:.2f}",
                    "R": f"{disagreements['R']:.2f}",
                    "F1": f"{disagreements['F1']:.2f}",
                    "predicted": disagreements["predicted"],
                    "correct": disagreements["correct"],
                    "gold": disagreements["gold"],
                    "agreements R": f"{agreements['R']:.2f}",
                    "confirmed contradictions": scores["confirmed_contradictions"],
                    "stories BCubed F1": f"{stories['bcubed_F1']:.4f}",
                }
            ],
        )
    )
    report.metrics.update({**scores, "analyze_seconds": round(seconds, 1)})
    for error in scores.get("stage_errors", []):
        report.notes.append(f"stage error (scored as finding nothing in that story): {error}")
    return report


def stage_seconds(pile: Path, stories: int) -> dict[str, float]:
    """Seconds each analysis stage (and the story context: parse, sentences, entities) takes on the
    stories of a multi-document dataset (``articles`` with ``text``), after one story that loads
    every model. Stages run in process, one after the other, as the runner does."""
    import time

    from ..analysis.context import build_context
    from ..analysis.runner import STAGES, AnalysisOptions
    from ..models import Article, Provenance, Story
    from . import read_jsonl

    options = AnalysisOptions()
    totals = {"context": 0.0, **{stage.NAME: 0.0 for stage in STAGES}}
    for number, record in enumerate(read_jsonl(pile)):
        if number > stories:
            break
        articles = [
            Article(
                id=f"{record['id']}-{k}",
                provenance=Provenance(a.get("url") or f"{record['id']}-{k}"),
                text=a["text"],
                title=a.get("title"),
                outlet=a.get("source"),
            )
            for k, a in enumerate(record["articles"])
            if a.get("text")
        ]
        started = time.perf_counter()
        context = build_context(
            Story(str(record["id"]), record.get("story_title") or "", tuple(a.id for a in articles)),
            articles,
            entity_options=options.entities,
        )
        _ = context.entities
        if number:
            totals["context"] += time.perf_counter() - started
        for stage in STAGES:
            started = time.perf_counter()
            stage.run(context, options.options_for(stage))
            if number:  # the first story loads the models
                totals[stage.NAME] += time.perf_counter() - started
    return totals


def score(dataset: Path, work: Path, *, scorer: Path = SCORER) -> tuple[dict[str, Any], float]:
    """Write the pile of ``dataset`` into ``work``, analyse it with the real CLI in a fresh store
    and return the scorer's figures and the seconds ``newsdesk analyze`` took."""
    pile, db, out = work / "pile.jsonl", work / "brief.db", work / "out"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    _call([sys.executable, str(scorer), "--pile", str(dataset), str(pile)], "writing the pile")
    started = time.perf_counter()
    _call(
        [
            sys.executable,
            "-c",
            "import sys; from newsdesk.cli import main; sys.exit(main())",
            "analyze",
            str(pile),
            "--db",
            str(db),
            "--out",
            str(out),
        ],
        "newsdesk analyze",
        ok=(0, 3),
    )
    seconds = time.perf_counter() - started
    printed = _call([sys.executable, str(scorer), str(dataset), str(out / "analysis.json")], "scoring")
    try:
        scores = json.loads(printed.strip().splitlines()[-1])
        # a stage that failed on a story is scored as finding nothing there: say so
        scores["stage_errors"] = json.loads((out / "analysis.json").read_text(encoding="utf-8")).get("stage_errors", [])
        return scores, seconds
    except (ValueError, IndexError) as exc:
        raise BenchmarkError(
            f"the scorer printed no JSON: {printed[-300:]!r}", hint="run it by hand to see why"
        ) from exc


def _call(command: list[str], what: str, ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        raise BenchmarkError(
            f"{what} failed (exit {done.returncode}): {done.stderr[-800:]}",
            hint="run the command by hand: " + " ".join(command[:2] + command[3:] if "-c" in command else command),
        )
    return done.stdout
