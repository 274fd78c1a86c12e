"""Train the event-word model: ``newsdesk train events``.

Which tokens are events (TimeML EVENTs: "exploded", "talks", "said", "expected")? Learned from
the TimeBank and AQUAINT news of ``../shared/bench/temporal_matres`` (train and dev files: 255
documents, 11,115 annotated events), parsed by the bundled spaCy model; a token is positive when
an annotated event starts at it. Features: :func:`newsdesk.analysis.events._trigger_features` (lemma,
part of speech, dependency role, head, suffix, children's roles). A logistic regression
(scikit-learn, L2) is cross-validated by document (5 folds, the honest figure) and then fitted on
all documents; weights below 0.01 in magnitude are dropped to keep the JSON small.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from ..bench import BenchReport, BenchTable, Stopwatch, read_jsonl

log = logging.getLogger(__name__)

HELP = (
    "train the event-word model on MATRES (TimeBank/AQUAINT events; document-level CV) and write newsdesk/data/events/"
)

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
DEFAULT_DATA = [_SHARED / "temporal_matres" / "train.jsonl", _SHARED / "temporal_matres" / "dev.jsonl"]


def add_arguments(parser) -> None:
    from ..analysis.events import DATA

    parser.add_argument(
        "--data",
        action="append",
        metavar="FILE.jsonl",
        help="MATRES-format files (default: temporal_matres train and dev)",
    )
    parser.add_argument(
        "--out", default=str(DATA), help=f"folder to write trigger_model.json into (default: {DATA}); '' to skip"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N documents (quick trials)")


def examples(paths: list[Path], limit: int | None) -> tuple[list[dict[str, float]], list[int], list[str]]:
    from ..analysis.events import _EVENT_POS, _trigger_features
    from ..resources import nlp

    records = [r for path in paths for r in read_jsonl(path)]
    if limit:
        records = records[:limit]
    features, labels, groups = [], [], []
    for record, doc in zip(records, nlp().pipe([r["text"] for r in records], batch_size=8)):
        starts = {int(e["span"][0]) for e in record.get("events") or [] if e.get("span")}
        for token in doc:
            if token.pos_ not in _EVENT_POS or not token.is_alpha:
                continue  # never an event in newsdesk's use; keeps the classes balanced enough
            features.append(_trigger_features(token))
            labels.append(int(token.idx in starts))
            groups.append(record["id"])
    return features, labels, groups


def run(args) -> BenchReport:
    import numpy as np
    import sklearn
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from ..analysis.events import TRIGGER_MODEL_FILE

    paths = [Path(p) for p in (args.data or DEFAULT_DATA)]
    report = BenchReport(name="train events", dataset=", ".join(str(p) for p in paths))
    with Stopwatch() as watch:
        features, labels, groups = examples(paths, args.limit)
        y = np.asarray(labels)
        folds = np.asarray([int(hashlib.sha1(g.encode()).hexdigest(), 16) % args.folds for g in groups])
        probabilities = np.zeros(len(y))
        for fold in range(args.folds):
            vectorizer = DictVectorizer()
            x_train = vectorizer.fit_transform([f for f, k in zip(features, folds) if k != fold])
            model = LogisticRegression(C=1.0, max_iter=3000).fit(x_train, y[folds != fold])
            probabilities[folds == fold] = model.predict_proba(
                vectorizer.transform([f for f, k in zip(features, folds) if k == fold])
            )[:, 1]
        rows: list[dict[str, Any]] = []
        for threshold in (0.3, 0.4, 0.5, 0.6):
            predicted = probabilities >= threshold
            tp = int((predicted & (y == 1)).sum())
            p = tp / max(1, int(predicted.sum()))
            r = tp / max(1, int(y.sum()))
            rows.append(
                {
                    "threshold": threshold,
                    "P": round(p, 4),
                    "R": round(r, 4),
                    "F1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
                }
            )
        best = max(rows, key=lambda row: row["F1"])
        vectorizer = DictVectorizer()
        model = LogisticRegression(C=1.0, max_iter=3000).fit(vectorizer.fit_transform(features), y)
        weights = {
            name: round(float(w), 4)
            for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0])
            if abs(w) >= 0.01
        }
    payload = {
        "model": {"weights": weights, "bias": round(float(model.intercept_[0]), 4), "threshold": best["threshold"]},
        "meta": {"trained_on": [f"{p.parent.name}/{p.name}" for p in paths], "documents": len(set(groups)), "tokens": len(y),
                 "events": int(y.sum()), "cv_folds": args.folds, "cv": rows, "sklearn": sklearn.__version__},
    }  # fmt: skip
    if args.out:
        out = Path(args.out) / TRIGGER_MODEL_FILE
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(payload, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
        report.notes.append(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(weights)} weights)")
    report.tables.append(
        BenchTable(
            title=f"event words, {args.folds}-fold CV by document (candidate tokens: verbs, nouns, adjectives)",
            columns=["threshold", "P", "R", "F1"],
            rows=rows,
        )
    )
    report.notes.append(
        f"{len(set(groups))} documents, {len(y)} candidate tokens, {int(y.sum())} events; {watch.seconds:.0f} s"
    )
    report.metrics = {"cv": rows, "threshold": best["threshold"]}
    return report
