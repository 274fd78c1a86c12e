"""Train the line classifier of the text-dump path (``newsdesk/data/extract/lines_model.json``).

    .venv/bin/newsdesk train extract_lines --limit 150
    (or: .venv/bin/python -m newsdesk.training.extract_lines --limit 150)

Training pages: the ``page_text`` dumps of the dev splits of extraction_l3s_gn1,
extraction_cleaneval, extraction_wcxb_articles and extraction_cleanportaleval (../shared/bench).
extraction_scrapinghub is held out entirely, so ``newsdesk bench extraction scrapinghub --from
text`` scores pages the model never saw. A line is labelled article text when most of its
4-gram shingles (or, for lines of fewer than 4 words, the whole line) occur in the gold body.

The shipped probability blends the logistic model with the hand-set rule score of
:func:`newsdesk.extract.lines.heuristic_score` in equal parts (``rules_weight`` 0.5, fixed a
priori, not tuned). The script reports leave-one-dataset-out figures (train on the others, score the end-to-end
text path with the Scrapinghub metric on the held-out one) for each candidate threshold, picks
the threshold with the best mean held-out F1, and then fits the shipped model on all training pages.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger(__name__)

TRAIN_DATASETS = (
    "extraction_l3s_gn1",
    "extraction_cleaneval",
    "extraction_wcxb_articles",
    "extraction_cleanportaleval",
)
THRESHOLDS = (0.35, 0.45, 0.5, 0.55, 0.65)


def label_lines(lines, gold: str) -> list[int]:
    """1 for lines whose text belongs to the gold body, else 0."""
    from ..bench.extraction import shingles
    from ..extract.lines import normalise_line

    gold_shingles = shingles(gold)
    gold_lines = {normalise_line(g) for g in gold.splitlines() if g.strip()}
    labels = []
    for line in lines:
        key = normalise_line(line.text)
        words = key.split()
        if len(words) < 4:
            labels.append(int(bool(key) and key in gold_lines))
            continue
        own = shingles(line.text)
        total = sum(own.values())
        hit = sum(min(c, gold_shingles[k]) for k, c in own.items())
        labels.append(int(total > 0 and hit / total >= 0.5))
    return labels


def page_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per page: lines, features (with the site's template learned from the other pages), labels."""
    from urllib.parse import urlparse

    from ..extract import learn_templates
    from ..extract.lines import line_features, split_lines
    from ..models import Provenance, RawDocument

    docs = []
    for number, record in enumerate(records, 1):
        host = (urlparse(record.get("url") or "").hostname or "").removeprefix("www.")
        docs.append(
            RawDocument(Provenance(f"train:{record.get('id')}", record=number), "text", record["page_text"], "utf-8",
                        hints={"sitename": host} if host else {})
        )
    templates = learn_templates(docs)
    rows = []
    for record, doc in zip(records, docs):
        lines = split_lines(record["page_text"])
        if not lines:
            continue
        feats = line_features(lines, template_lines=templates.for_document(doc))
        rows.append({"record": record, "doc": doc, "lines": lines, "feats": feats,
                     "labels": label_lines(lines, record["gold"]), "templates": templates})
    return rows


def fit(rows: Sequence[dict[str, Any]], c: float = 1.0):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from ..extract.lines import FEATURE_NAMES, LineModel

    x = np.array([[f[n] for n in FEATURE_NAMES] for row in rows for f in row["feats"]], dtype=float)
    y = np.array([label for row in rows for label in row["labels"]])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mean) / scale, y)
    return LineModel(
        names=FEATURE_NAMES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in clf.coef_[0]),
        intercept=float(clf.intercept_[0]),
    )


def score_text_path(rows, model, threshold: float) -> dict[str, float]:
    """End-to-end F1 of the text path (selection included) on ``rows`` with ``model``."""
    from ..bench.extraction import prf
    from ..extract.lines import select

    pairs = []
    for row in rows:
        selection = select(row["lines"], template_lines=row["templates"].for_document(row["doc"]),
                           model=model, threshold=threshold)
        text = "\n\n".join(row["lines"][i].text for i in selection.standfirst + selection.body)
        pairs.append((row["record"]["gold"], text))
    return prf(pairs)


def load(dataset: str, limit: int | None) -> list[dict[str, Any]]:
    from ..bench import read_jsonl
    from ..bench.extraction import dataset_path, gold_of

    records = []
    for record in read_jsonl(dataset_path(dataset)):
        gold = gold_of(record)
        if gold is None or not isinstance(record.get("page_text"), str):
            continue
        record = {"id": record.get("id"), "url": record.get("url"), "page_text": record["page_text"], "gold": gold}
        records.append(record)
        if limit and len(records) >= limit:
            break
    return records


HELP = "train the text-dump line classifier (logistic model + rules) and write newsdesk/data/extract/lines_model.json"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "extract" / "lines_model.json"


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model JSON (default: the bundled model)")
    parser.add_argument("--datasets", nargs="+", default=list(TRAIN_DATASETS), help="training datasets under ../shared/bench")
    parser.add_argument("--limit", type=int, help="pages per dataset (the shipped model used 150)")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")


def run(args):
    """Leave-one-dataset-out evaluation, threshold choice, final fit; returns a BenchReport."""
    from ..bench import BenchReport, BenchTable

    by_dataset = {name: page_rows(load(name, args.limit)) for name in args.datasets}
    for name, rows in by_dataset.items():
        counts = Counter(label for row in rows for label in row["labels"])
        log.info("%s: %d pages, %d lines (%d article)", name, len(rows), sum(counts.values()), counts[1])

    # leave one dataset out: never score a page with a model trained on it
    results: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    table_rows = []
    for held_out, test_rows in by_dataset.items():
        train_rows = [row for name, rows in by_dataset.items() if name != held_out for row in rows]
        model = fit(train_rows, args.C)
        for threshold in THRESHOLDS:
            scores = score_text_path(test_rows, model, threshold)
            results[threshold].append(scores["f1"])
            table_rows.append({"held out": held_out, "threshold": threshold, "precision": round(scores["precision"], 4),
                               "recall": round(scores["recall"], 4), "f1": round(scores["f1"], 4)})
            log.info("held out %-28s threshold %.2f  P %.3f R %.3f F1 %.3f", held_out, threshold,
                     scores["precision"], scores["recall"], scores["f1"])
    best = max(THRESHOLDS, key=lambda t: sum(results[t]) / len(results[t]))
    log.info("best threshold by mean held-out F1: %.2f (%.3f)", best, sum(results[best]) / len(results[best]))

    model = fit([row for rows in by_dataset.values() for row in rows], args.C)
    data = model.to_json()
    data["threshold"] = best
    data["trained_on"] = sorted(args.datasets)
    data["pages_per_dataset"] = args.limit
    data["heldout_f1"] = {name: round(results[best][i], 4) for i, name in enumerate(by_dataset)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    log.info("model written to %s", args.out)
    return BenchReport(
        name="extract_lines",
        dataset=", ".join(args.datasets),
        tables=[BenchTable(title="Text path, leave-one-dataset-out (Scrapinghub metric)",
                           columns=["held out", "threshold", "precision", "recall", "f1"], rows=table_rows)],
        notes=[f"threshold {best} chosen by mean held-out F1; model written to {args.out}"],
        metrics={"threshold": best, "heldout_f1": data["heldout_f1"]},
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
