"""TempEval-3 Task A: temporal expression extents and TIMEX3 values against the creation time.

Scores as TempEval-3 defines them: strict match = the same character extent, relaxed match =
any overlap (one system expression per gold expression); value F1 = relaxed F1 × value accuracy,
i.e. precision = correct values / system expressions, recall = correct values / gold expressions.
Beside newsdesk's grammar, the same run scores the baseline spaCy DATE/TIME entities with
dateparser values.
"""

from __future__ import annotations

import logging
from typing import Any

from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

HELP = "temporal expressions (TIMEX3): strict/relaxed extent F1 and value F1 on TempEval-3-style data"


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset",
        help="JSONL with text, dct{value} and timex3[{char_start,char_end,value}] (e.g. ../shared/bench/timex_tempeval3/dev.jsonl)",
    )
    parser.add_argument(
        "--predictions",
        metavar="OUT.jsonl",
        help="write newsdesk's expressions, one {id, timexes[{start,end,value}]} line per document",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="score only the first N documents")
    parser.add_argument("--no-baseline", action="store_true", help="skip the spaCy + dateparser baseline (faster)")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(gold_docs: list[list[tuple[int, int, str]]], sys_docs: list[list[tuple[int, int, str]]]) -> dict[str, float]:
    """TempEval-3 extent and value scores over documents of (start, end, value) spans."""
    n_gold = sum(len(g) for g in gold_docs)
    n_sys = sum(len(s) for s in sys_docs)
    strict = relaxed = value_ok = 0
    for gold, system in zip(gold_docs, sys_docs):
        strict += len({(s, e) for s, e, _ in gold} & {(s, e) for s, e, _ in system})
        used: set[int] = set()
        for gs, ge, gv in gold:
            # prefer the exact extent, then the largest overlap
            best, best_key = None, None
            for index, (ss, se, _) in enumerate(system):
                if index in used or ss >= ge or gs >= se:
                    continue
                key = ((ss, se) == (gs, ge), min(ge, se) - max(gs, ss))
                if best_key is None or key > best_key:
                    best, best_key = index, key
            if best is not None:
                used.add(best)
                relaxed += 1
                if system[best][2] == gv:
                    value_ok += 1

    def prf(hits: int) -> tuple[float, float, float]:
        p = hits / n_sys if n_sys else 0.0
        r = hits / n_gold if n_gold else 0.0
        return p, r, _f1(p, r)

    sp, sr, sf = prf(strict)
    rp, rr, rf = prf(relaxed)
    vp, vr, vf = prf(value_ok)
    return {
        "gold": n_gold, "system": n_sys,
        "strict_p": sp, "strict_r": sr, "strict_f1": sf,
        "relaxed_p": rp, "relaxed_r": rr, "relaxed_f1": rf,
        "value_p": vp, "value_r": vr, "value_f1": vf,
        "value_accuracy": value_ok / relaxed if relaxed else 0.0,
    }  # fmt: skip


def _dateparser_value(text: str, dct) -> str:
    """A TIMEX3-like value for a span from dateparser, at the granularity it reports.

    dateparser's default settings (PREFER_DATES_FROM="current_period") score better here than
    "past" (value F1 0.41 vs 0.31 on TempEval-3 dev), so the baseline uses them.
    """
    from datetime import datetime

    import dateparser

    try:
        data = dateparser.date.DateDataParser(
            languages=["en"], settings={"RELATIVE_BASE": datetime(dct.year, dct.month, dct.day)}
        ).get_date_data(text)
    except Exception as exc:  # dateparser raises assorted errors on odd input
        log.debug("dateparser failed on %r: %s", text, exc)
        return ""
    moment = data.date_obj if data else None
    if moment is None:
        return ""
    period = data.period or "day"
    if period == "year":
        return f"{moment.year:04d}"
    if period == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if period == "time":
        return moment.strftime("%Y-%m-%dT%H:%M")
    return moment.strftime("%Y-%m-%d")


def annotated_end(record: dict[str, Any]) -> int | None:
    """Where a partly annotated document's annotation stops (MEANTIME annotates only the first
    sentences of each article); None for fully annotated documents (TempEval-3)."""
    if "entity_mentions" not in record:
        return None
    ends = [
        item.get("char_end", 0)
        for key in ("timex3", "entity_mentions", "event_mentions")
        for item in record.get(key) or []
        if isinstance(item, dict)
    ]
    if not ends:
        return 0
    text = record["text"]
    line_end = text.find("\n", max(ends))
    return len(text) if line_end < 0 else line_end


def run(args) -> BenchReport:
    from ..analysis.timex import find_timexes, to_date
    from ..errors import BenchmarkError

    documents: list[dict[str, Any]] = []
    for number, record in enumerate(read_jsonl(args.dataset), 1):
        if args.limit is not None and len(documents) >= args.limit:
            break
        if not isinstance(record.get("text"), str) or not isinstance(record.get("timex3"), list):
            raise BenchmarkError(
                f"{args.dataset}:{number} has no 'text' string or 'timex3' list", hint="pass a timex_* dataset file"
            )
        documents.append(record)

    gold_docs, sys_docs, dcts, limits = [], [], [], []
    for record in documents:
        limits.append(annotated_end(record))
        dct_value = (record.get("dct") or {}).get("value")
        dct = None
        if dct_value:
            try:
                dct = to_date(dct_value)
            except Exception:
                log.warning("document %s has an unreadable dct %r; scoring it without one", record.get("id"), dct_value)
        dcts.append(dct)
        gold_docs.append([(t["char_start"], t["char_end"], t.get("value", "")) for t in record["timex3"]])

    with Stopwatch() as watch:
        predictions = []
        for record, dct, limit in zip(documents, dcts, limits):
            found = [t for t in find_timexes(record["text"], anchor=dct) if limit is None or t.start < limit]
            sys_docs.append([(t.start, t.end, t.value) for t in found])
            predictions.append(
                {
                    "id": record.get("id"),
                    "timexes": [
                        {"start": t.start, "end": t.end, "value": t.value, "type": t.type, "text": t.text}
                        for t in found
                    ],
                }
            )
    ours = score(gold_docs, sys_docs)
    ours["seconds"] = watch.seconds
    if args.predictions:
        write_jsonl(args.predictions, predictions)

    columns = [
        "system",
        "gold",
        "system_n",
        "strict_p",
        "strict_r",
        "strict_f1",
        "relaxed_p",
        "relaxed_r",
        "relaxed_f1",
        "value_f1",
        "value_acc",
    ]

    def row(name: str, s: dict[str, float]) -> dict[str, Any]:
        return {
            "system": name, "gold": s["gold"], "system_n": s["system"],
            "strict_p": round(s["strict_p"], 4), "strict_r": round(s["strict_r"], 4), "strict_f1": round(s["strict_f1"], 4),
            "relaxed_p": round(s["relaxed_p"], 4), "relaxed_r": round(s["relaxed_r"], 4), "relaxed_f1": round(s["relaxed_f1"], 4),
            "value_f1": round(s["value_f1"], 4), "value_acc": round(s["value_accuracy"], 4),
        }  # fmt: skip

    rows = [row("newsdesk timex grammar", ours)]
    metrics: dict[str, Any] = {"newsdesk": ours, "documents": len(documents)}
    if not args.no_baseline:
        from ..resources import parse

        base_docs = []
        with Stopwatch() as base_watch:
            for record, dct, limit in zip(documents, dcts, limits):
                spans = []
                for ent in parse([record["text"]])[0].ents:
                    if ent.label_ in ("DATE", "TIME") and (limit is None or ent.start_char < limit):
                        spans.append((ent.start_char, ent.end_char, _dateparser_value(ent.text, dct) if dct else ""))
                base_docs.append(spans)
        baseline = score(gold_docs, base_docs)
        baseline["seconds"] = base_watch.seconds
        rows.append(row("spaCy DATE/TIME + dateparser", baseline))
        metrics["spacy_dateparser"] = baseline

    subsets: dict[str, list[int]] = {}
    for index, record in enumerate(documents):
        subsets.setdefault(str(record.get("subset") or record.get("corpus") or "all"), []).append(index)
    subset_rows = []
    for subset, indices in sorted(subsets.items()):
        part = score([gold_docs[i] for i in indices], [sys_docs[i] for i in indices])
        subset_rows.append({"subset": subset, "documents": len(indices), "gold": part["gold"], "strict_f1": round(part["strict_f1"], 4),
                            "relaxed_f1": round(part["relaxed_f1"], 4), "value_f1": round(part["value_f1"], 4)})  # fmt: skip
    metrics["newsdesk_by_subset"] = subset_rows
    partial = sum(1 for limit in limits if limit is not None)
    notes = [
        *(
            [f"{partial} partly annotated documents: expressions after the last annotated sentence are not scored"]
            if partial
            else []
        ),
        f"{len(documents)} documents; value F1 = relaxed-match F1 x value accuracy (TempEval-3 Task A ranking measure)",
        f"newsdesk grammar: {ours['seconds']:.2f} s for all documents",
        "published TE3-Platinum value F1: HeidelTime-t 0.776, SUTime 0.674 (different split: platinum test docs only)",
    ]
    return BenchReport(
        name="timex",
        dataset=str(args.dataset),
        tables=[
            BenchTable(title="TIMEX3 extents and values", columns=columns, rows=rows),
            BenchTable(
                title="newsdesk by subset",
                columns=["subset", "documents", "gold", "strict_f1", "relaxed_f1", "value_f1"],
                rows=subset_rows,
            ),
        ],
        notes=notes,
        metrics=metrics,
    )
