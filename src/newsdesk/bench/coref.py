"""``newsdesk bench coref``: pronoun resolution on GAP (gendered ambiguous pronouns).

For each GAP example (a Wikipedia paragraph, a pronoun and two names A and B), the bundled model
(:mod:`newsdesk.coref`) scores A and B; the better one is said to corefer when its probability
passes the model's threshold (chosen by cross-validation on GAP train), the other not. Figures
follow GAP's scorer: F1 over the A and B decisions, overall and by the pronoun's gender
(masculine he/him/his, feminine she/her/hers), and the bias F/M. Both of GAP's settings are
scored: page context (the title of the Wikipedia page, from the ``url`` column, is an input; the
default for ``--predictions``) and snippet context (the text alone, as in news analysis).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

HELP = (
    "pronoun resolution on GAP (F1 overall, masculine, feminine, bias) beside the published baselines; "
    "or speaker resolution on the hand-made news sentences (tests/fixtures/coref)"
)

#: Published figures on GAP test (repo README; syntactic-parallelism baseline), in percent.
BASELINES = [
    {
        "system": "GAP baseline: parallelism, snippet-context (test)",
        "overall": 66.9,
        "masculine": 69.4,
        "feminine": 64.4,
        "bias F/M": 0.93,
    },
    {
        "system": "GAP baseline: parallelism + URL, page-context (test)",
        "overall": 70.6,
        "masculine": 72.3,
        "feminine": 68.8,
        "bias F/M": 0.95,
    },
]
CACHE_VERSION = "1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset",
        help="GAP JSONL (../shared/bench/coref_gap/dev.jsonl) or the news speakers "
        "fixture (tests/fixtures/coref/news_speakers.jsonl)",
    )
    parser.add_argument(
        "--predictions",
        metavar="OUT.jsonl",
        help='write one line per example: {"id", "A_coref": bool, "B_coref": bool}',
    )
    parser.add_argument(
        "--context",
        choices=("page", "snippet"),
        default="page",
        help="GAP setting of the predictions written: page (the url's page title is used; default) or snippet",
    )
    parser.add_argument("--threshold", type=float, help="override the model's probability threshold")
    parser.add_argument("--cache", metavar="DIR", help="keep the computed model inputs here (reruns skip MiniLM)")
    parser.add_argument("--limit", type=int, metavar="N", help="score only the first N examples")


def gap_gender(pronoun: str) -> str:
    return "masculine" if pronoun.lower() in ("he", "him", "his", "himself") else "feminine"


def gap_scores(records: Sequence[dict[str, Any]], predictions: dict[str, tuple[bool, bool]]) -> dict[str, float]:
    """GAP's figures: F1 over the A/B coreference decisions, overall and by gender, and the bias."""
    counts = {key: [0, 0, 0] for key in ("overall", "masculine", "feminine")}  # tp, fp, fn
    for record in records:
        pred = predictions.get(record["id"], (False, False))
        for guess, gold in zip(pred, (record["A_coref"], record["B_coref"])):
            for key in ("overall", gap_gender(record["pronoun"])):
                counts[key][0] += int(guess and gold)
                counts[key][1] += int(guess and not gold)
                counts[key][2] += int(gold and not guess)
    result: dict[str, float] = {}
    for key, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result[key] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[f"{key}_precision"], result[f"{key}_recall"] = precision, recall
    result["bias"] = result["feminine"] / result["masculine"] if result["masculine"] else 0.0
    return result


def decide(probabilities: Sequence[float], threshold: float) -> tuple[bool, bool]:
    """GAP decisions from the probabilities of A and B: the better one if it passes the threshold."""
    best = 0 if probabilities[0] >= probabilities[1] else 1
    if probabilities[best] <= threshold:
        return (False, False)
    return (best == 0, best == 1)


def gap_rows(
    records: Sequence[dict[str, Any]], *, cache: str | None = None, name: str = "gap", page_context: bool = True
):
    """Model input rows of GAP examples: an array (examples, 2 candidates, inputs).

    Each paragraph is parsed with the bundled spaCy pipeline and encoded whole by MiniLM. With
    ``cache`` the text's inputs (:func:`newsdesk.coref.snippet_rows`) are kept in
    ``<cache>/<name>-<digest>.npy``, keyed by the texts, spans and feature list, so reruns skip the
    encoder. The page-context features come from the example's ``url`` (the Wikipedia page title)
    with ``page_context``, else they are zero (GAP's snippet context).
    """
    import numpy as np

    from ..coref import ATTENTION_BLOCKS, FEATURE_NAMES, HEADS, page_title_of_url, snippet_rows, with_page_context
    from ..resources import nlp

    path = None
    matrix = None
    if cache:
        digest = hashlib.sha256(json.dumps([CACHE_VERSION, FEATURE_NAMES, ATTENTION_BLOCKS, HEADS]).encode())
        for r in records:
            digest.update(json.dumps([r["text"], r["pronoun_span"], r["A_span"], r["B_span"]]).encode())
        path = Path(cache) / f"{name}-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            log.info("model inputs from %s", path)
            matrix = np.load(path)
    if matrix is None:
        parser = nlp()
        rows = []
        for record, doc in zip(records, parser.pipe((r["text"] for r in records), batch_size=32)):
            anchor = tuple(record["pronoun_span"])
            spans = [tuple(record["A_span"]), tuple(record["B_span"])]
            rows.append(snippet_rows(doc, anchor, spans, window=(0, len(record["text"]))))
        matrix = np.stack(rows).astype(np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, matrix)
    return np.stack(
        [
            with_page_context(
                rows, page_title_of_url(record.get("url", "")) if page_context else None, [record["A"], record["B"]]
            )
            for record, rows in zip(records, matrix)
        ]
    ).astype(np.float32)


def score_table(name: str, scores: dict[str, float]) -> dict[str, Any]:
    return {
        "system": name,
        "overall": round(100 * scores["overall"], 1),
        "masculine": round(100 * scores["masculine"], 1),
        "feminine": round(100 * scores["feminine"], 1),
        "bias F/M": round(scores["bias"], 2),
    }


def run(args: argparse.Namespace) -> BenchReport:
    from ..coref import without_page_context
    from ..resources import coref_model

    records = list(read_jsonl(args.dataset))
    if args.limit:
        records = records[: args.limit]
    if records and "anchor" in records[0]:
        return run_news(args, records)
    model = coref_model()
    threshold = model.threshold if args.threshold is None else args.threshold
    with Stopwatch() as watch:
        matrix = gap_rows(records, cache=args.cache, name=Path(args.dataset).stem)
        decisions = {
            context: {r["id"]: decide(model.probabilities(rows), threshold) for r, rows in zip(records, inputs)}
            for context, inputs in (("page", matrix), ("snippet", without_page_context(matrix)))
        }
    by_context = {context: gap_scores(records, predictions) for context, predictions in decisions.items()}
    predictions, scores = decisions[args.context], by_context[args.context]
    if args.predictions:
        write_jsonl(
            args.predictions,
            ({"id": r["id"], "A_coref": predictions[r["id"]][0], "B_coref": predictions[r["id"]][1]} for r in records),
        )
    report = BenchReport(name="coref", dataset=str(args.dataset))
    rows = [
        score_table(f"newsdesk coref, {context} context (this split, threshold {threshold:.2f})", by_context[context])
        for context in ("page", "snippet")
    ]
    report.tables.append(
        BenchTable(
            "GAP F1 (%) over A/B coreference decisions",
            ["system", "overall", "masculine", "feminine", "bias F/M"],
            [*rows, *BASELINES],
        )
    )
    report.notes.append(
        f"{len(records)} examples in {watch.seconds:.1f} s (parse + MiniLM + model; "
        f"{len(records) / max(watch.seconds, 1e-9):.1f} examples/s); {args.context} context: precision "
        f"{scores['overall_precision']:.3f}, recall {scores['overall_recall']:.3f} (--predictions writes this "
        "setting). Page context reads the page title from the url column, as GAP's page-context baseline; "
        "snippet context reads the text alone. The baselines are GAP's published test figures (SOURCE.md)."
    )
    report.metrics = {
        "scores": scores,
        "context": args.context,
        "by_context": by_context,
        "threshold": threshold,
        "examples": len(records),
        "seconds": watch.seconds,
    }
    return report


def run_news(args: argparse.Namespace, records: Sequence[dict[str, Any]]) -> BenchReport:
    """Speaker resolution on hand-made news sentences: right / wrong / abstained, and speed.

    Each record has ``text``, ``anchor`` (its first occurrence is resolved) and ``gold`` (the
    antecedent's text, or null when no candidate is right). Speed counts :func:`resolve` alone
    (candidates, features, MiniLM, model), after parsing, on one thread unless torch was told otherwise.
    """
    from ..coref import CorefOptions, resolve
    from ..resources import coref_model, nlp

    options = CorefOptions(threshold=args.threshold)
    coref_model()
    docs = list(nlp().pipe(r["text"] for r in records))
    resolve(
        docs[0],
        (
            records[0]["text"].index(records[0]["anchor"]),
            records[0]["text"].index(records[0]["anchor"]) + len(records[0]["anchor"]),
        ),
    )  # warm-up
    outcomes: dict[str, list[str]] = {"right": [], "wrong": [], "abstained": []}
    by_kind: dict[str, dict[str, int]] = {}
    predictions = []
    with Stopwatch() as watch:
        results = []
        for record, doc in zip(records, docs):
            start = record["text"].index(record["anchor"])
            results.append(resolve(doc, (start, start + len(record["anchor"])), options=options))
    for record, result in zip(records, results):
        got = result.antecedent.text if result.antecedent else None
        outcome = "right" if got == record["gold"] else "abstained" if got is None else "wrong"
        outcomes[outcome].append(record["id"])
        kind = record.get("kind", "").split("-")[0]
        by_kind.setdefault(kind, {"right": 0, "wrong": 0, "abstained": 0})[outcome] += 1
        predictions.append(
            {
                "id": record["id"],
                "antecedent": got,
                "gold": record["gold"],
                "reason": result.reason,
                "score": round(result.score, 4),
            }
        )
    if args.predictions:
        write_jsonl(args.predictions, predictions)
    report = BenchReport(name="coref (news speakers)", dataset=str(args.dataset))
    rows = [{"kind": kind, **counts} for kind, counts in sorted(by_kind.items())]
    rows.append({"kind": "all", **{k: len(v) for k, v in outcomes.items()}})
    report.tables.append(
        BenchTable("speakers resolved (right / wrong / abstained)", ["kind", "right", "wrong", "abstained"], rows)
    )
    rate = len(records) / max(watch.seconds, 1e-9)
    report.notes.append(
        f"wrong: {', '.join(outcomes['wrong']) or 'none'}; abstained: {', '.join(outcomes['abstained']) or 'none'}"
    )
    report.notes.append(f"{len(records)} resolutions in {watch.seconds:.2f} s after parsing: {rate:.1f} resolutions/s")
    report.metrics = {"outcomes": outcomes, "resolutions_per_second": rate, "seconds": watch.seconds}
    return report
