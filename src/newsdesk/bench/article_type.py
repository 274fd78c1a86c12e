"""Article type: ``newsdesk bench article_type`` — how well the text tells an op-ed from a report.

Labels, all from dev data and none written by us:

* AllSides roundups (``mds_allsides_stories/dev.jsonl``): AllSides' own ``opinion_tag`` per
  article (OPINION → opinion; no tag → report; ANALYSIS/FACT CHECK/DATA left out). The texts are
  AllSides' leading paragraphs (~570 characters), not whole articles.
* News pages of the extraction datasets (Scrapinghub, L3S-GN1, trafilatura's evaluation set):
  weak labels from what each page declares (JSON-LD ``OpinionNewsArticle``, ``article:section``
  Opinion…) or its URL path (``/opinion/``, ``/columnists/``) → opinion; other pages → report.
  The text is the dataset's gold article text.
* Known reports: every 20th Reuters-21578 story of 150+ words and the BASIL dev articles.

Two systems are scored on each set: the transparent text rule newsdesk uses
(:func:`newsdesk.extract.origin.text_type`) and, as the alternative that was tried, a logistic
regression over the same cue rates (class-balanced, threshold by F0.5 inside the training part),
out of sample: leave one labelled set out, and 5-fold cross-validation over all of them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..bench import BenchReport, BenchTable, Stopwatch
from ..errors import BenchmarkError

log = logging.getLogger(__name__)

HELP = "article type from the text: opinion vs report on AllSides tags, pages' declared sections and known reports"

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
PAGE_SETS = ("extraction_scrapinghub", "extraction_l3s_gn1", "extraction_trafilatura_eval_en")


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset", nargs="?", default=str(_SHARED), help=f"the shared bench folder (default: {_SHARED})"
    )
    parser.add_argument(
        "--folds", type=int, default=5, help="cross-validation folds of the logistic alternative (default: 5)"
    )


@dataclass(frozen=True)
class Example:
    dataset: str
    key: str
    title: str | None
    text: str
    label: int  # 1 = opinion


def allsides_examples(path: Path) -> Iterator[Example]:
    if not path.exists():
        raise BenchmarkError(f"{path} does not exist", hint="pass --bench pointing at ../shared/bench")
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            story = json.loads(line)
            for index, article in enumerate(story.get("articles") or []):
                tag = article.get("opinion_tag")
                if tag not in (None, "OPINION") or not (article.get("text") or "").strip():
                    continue
                yield Example(
                    "allsides", f"{story['id']}/{index}", article.get("title"), article["text"], int(tag == "OPINION")
                )


def page_examples(bench: Path) -> Iterator[Example]:
    from ..extract.html import parse_html, shrink_html
    from ..extract.html_meta import page_metadata
    from ..extract.origin import type_from_declarations, type_from_url

    for name in PAGE_SETS:
        path = bench / name / "dev.jsonl.gz"
        if not path.exists():
            log.warning("%s is missing; training without it", path)
            continue
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                text = record.get("gold_text") or record.get("gold_article_body") or record.get("gold_main_text") or ""
                if len(text.split()) < 80 or not record.get("html"):
                    continue
                meta = page_metadata(parse_html(shrink_html(record["html"], 3_000_000)), latest="2100-01-01")
                declared = type_from_declarations(meta) or type_from_url(record.get("url"))
                if declared is not None and declared.value != "opinion":
                    continue  # a live blog or analysis is neither class
                yield Example(name, str(record.get("id")), meta.title, text, int(declared is not None))


def report_examples(bench: Path, *, every: int = 20) -> Iterator[Example]:
    """Known reports: every ``every``-th Reuters-21578 newswire story of 150+ words and the
    BASIL dev articles (straight news of Fox, NYT and HuffPost). Negatives only."""
    path = bench / "corpus_reuters21578" / "all.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for index, line in enumerate(handle):
                if index % every:
                    continue
                record = json.loads(line)
                if len((record.get("text") or "").split()) >= 150:
                    yield Example("reuters", f"reuters/{index}", record.get("title"), record["text"], 0)
    path = bench / "brief_basil" / "dev.jsonl"
    if path.exists():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                for article in json.loads(line).get("articles") or []:
                    yield Example(
                        "basil", article.get("url") or article["title"], article.get("title"), article["text"], 0
                    )


def _matrix(examples: list[Example]):
    import numpy as np

    from ..extract.origin import TYPE_FEATURES, type_features

    rows = []
    for example in examples:
        features = type_features(example.text, example.title)
        rows.append([features[name] for name in TYPE_FEATURES])
    return np.asarray(rows, dtype=float), np.asarray([e.label for e in examples], dtype=int)


def fit(x, y):
    """The logistic alternative: standardised, class-balanced, threshold by F0.5 on ``x`` itself."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)).fit(x, y)
    probabilities = model.predict_proba(x)[:, 1]

    def f_half(t: float) -> float:
        p, r, _ = f1(y, (probabilities >= t).astype(int))
        return 1.25 * p * r / (0.25 * p + r) if p + r else 0.0

    threshold = max((f_half(t), -abs(t - 0.5), t) for t in np.arange(0.2, 0.96, 0.05))[2]
    return lambda rows: (model.predict_proba(rows)[:, 1] >= threshold).astype(int)


def f1(y, predicted) -> tuple[float, float, float]:
    tp = int(((predicted == 1) & (y == 1)).sum())
    fp = int(((predicted == 1) & (y == 0)).sum())
    fn = int(((predicted == 0) & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _scores(y, predicted) -> dict[str, Any]:
    p, r, f = f1(y, predicted)
    return {"n": int(len(y)), "opinion": int(y.sum()), "predicted": int(predicted.sum()), "P": round(p, 3),
            "R": round(r, 3), "F1": round(f, 3), "false positive rate": round(float(((predicted == 1) & (y == 0)).sum() / max(1, (y == 0).sum())), 4)}  # fmt: skip


def run(args) -> BenchReport:
    import numpy as np

    from ..extract.origin import text_type

    bench = Path(args.dataset)
    report = BenchReport(name="article_type", dataset=str(bench))
    with Stopwatch() as watch:
        reports = list(report_examples(bench))
        sets = {
            "allsides": list(allsides_examples(bench / "mds_allsides_stories" / "dev.jsonl")),
            "pages": list(page_examples(bench)),
            "reuters": [e for e in reports if e.dataset == "reuters"],
            "basil": [e for e in reports if e.dataset == "basil"],
        }
        rows = []
        for name, examples in sets.items():
            y = np.asarray([e.label for e in examples])
            rule = np.asarray([int(text_type(e.text, e.title).value == "opinion") for e in examples])
            rows.append({"system": "text rule (shipped)", "tested on": name, **_scores(y, rule)})
        matrices = {name: _matrix(examples) for name, examples in sets.items()}
        for held in ("allsides", "pages"):
            train = [n for n in sets if n != held]
            predict = fit(np.vstack([matrices[n][0] for n in train]), np.concatenate([matrices[n][1] for n in train]))
            rows.append(
                {
                    "system": "logistic, other sets",
                    "tested on": held,
                    **_scores(matrices[held][1], predict(matrices[held][0])),
                }
            )
        everything = [e for examples in sets.values() for e in examples]
        x_all = np.vstack([matrices[n][0] for n in sets])
        y_all = np.concatenate([matrices[n][1] for n in sets])
        folds = np.asarray([int(hashlib.sha1(e.key.encode()).hexdigest(), 16) % args.folds for e in everything])
        predicted = np.zeros(len(everything), dtype=int)
        for fold in range(args.folds):
            predict = fit(x_all[folds != fold], y_all[folds != fold])
            predicted[folds == fold] = predict(x_all[folds == fold])
        rows.append(
            {"system": f"logistic, {args.folds}-fold CV", "tested on": "all (out of fold)", **_scores(y_all, predicted)}
        )
        rule_all = np.concatenate(
            [[int(text_type(e.text, e.title).value == "opinion") for e in examples] for examples in sets.values()]
        )
        rows.append({"system": "text rule (shipped)", "tested on": "all", **_scores(y_all, rule_all)})
    report.tables.append(
        BenchTable(
            title="opinion vs report from the text",
            columns=["system", "tested on", "n", "opinion", "predicted", "P", "R", "F1", "false positive rate"],
            rows=rows,
        )
    )
    report.notes.append(f"{len(everything)} texts ({int(y_all.sum())} opinion); {watch.seconds:.0f} s")
    report.notes.append(
        "declared types (metadata, URL, headline, record) come first in newsdesk; this measures the text fallback only"
    )
    report.metrics = {"rows": rows}
    return report
