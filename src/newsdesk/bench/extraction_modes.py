"""Per-page choice of trafilatura's precision or recall mode on HTML pages, validated out of set.

``newsdesk bench extraction_modes [--limit N] [--cache DIR]``

For every page of the six extraction sets (dev splits in ../shared/bench), the HTML path runs
once with each first mode (``precision``, the default until session 4, ``recall``, the default since, and ``balanced``). A
logistic model predicts from the page's own signals (words and paragraphs of the precision and
recall outputs, what recall adds and drops: its sentence-final share, chrome share, stop-word
share, short-paragraph share; tag counts of the page) whether recall scores better; it is
trained on the other five sets (pages weighted by the F1 gap) and scored on the held-out set,
with the Scrapinghub metric or, for trafilatura_eval_en, trafilatura's snippet metric. The
oracle row picks the better mode per page with the gold: the ceiling of any chooser.

A second table scores the simplest rule of the kind trafilatura itself uses (keep the
precision text unless the recall text is over ``k`` times longer), ``k`` chosen on the other
five sets. Both are experiments, not wired into :func:`newsdesk.extract.extract`: neither beat
the precision-first default held out on Scrapinghub, and both need a second pass on every page
(see docs/benchmarks/extraction.md).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from . import BenchReport, BenchTable, read_jsonl
from .extraction import dataset_path, gold_of, has_snippets, page_counts, prf, snippet_counts, snippet_scores

HELP = "experiment: per-page precision/recall mode choice on HTML, leave-one-dataset-out"

SETS = ("scrapinghub", "wcxb_articles", "l3s_gn1", "cleaneval", "cleanportaleval", "trafilatura_eval_en")
MODES = {
    "precision": ("precision", "balanced", "recall", "baseline"),
    "recall": ("recall", "balanced", "precision", "baseline"),
    "balanced": ("balanced", "precision", "recall", "baseline"),
    "baseline": ("baseline",),
}
_WORD = re.compile(r"\w+")
_STOPS = frozenset(
    "the a an of to in and or is are was were for on with that this it as by at from be has have had not but".split()
)


def add_arguments(parser) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help="pages per set (default: all dev pages)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path("out/bench/extraction_modes"),
        help="folder for the per-mode outputs (reused when present for the same --limit)",
    )
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the chooser")


def mode_outputs(name: str, limit: int | None, cache: Path) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Records of one set and newsdesk's text for each first mode (cached as JSON)."""
    from ..errors import ExtractionError
    from ..extract import ExtractOptions, extract, learn_templates
    from .extraction import _documents

    path = dataset_path(name)
    records = list(read_jsonl(path))[:limit] if limit else list(read_jsonl(path))
    cached = cache / f"{name}.{limit or 'all'}.json"
    if cached.is_file():
        return records, json.loads(cached.read_text("utf-8"))
    docs = _documents(records, "html", path)
    templates = learn_templates(docs)
    out: dict[str, list[str]] = {mode: [] for mode in MODES}
    for doc in docs:
        for mode, modes in MODES.items():
            try:
                text = extract(doc, templates=templates, options=ExtractOptions(html_modes=modes, languages=())).text
            except ExtractionError:
                text = ""
            out[mode].append(text)
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(out), encoding="utf-8")
    return records, out


def _words(text: str) -> int:
    return len(_WORD.findall(text or ""))


def _paragraphs(text: str) -> list[str]:
    return [p for p in (text or "").split("\n\n") if p.strip()]


def _difference(base: list[str], other: list[str]) -> list[float]:
    """What ``other`` has that ``base`` lacks: how much, how prose-like, how chrome-like."""
    from ..extract.lines import normalise_line
    from ..extract.patterns import CHROME_PHRASES, is_appeal, is_caption

    keys = {normalise_line(p) for p in base}
    added = [p for p in other if normalise_line(p) not in keys]
    n = len(added)
    sizes = [_words(p) for p in added]
    tokens = [w.lower() for p in added for w in _WORD.findall(p)]
    return [
        math.log1p(n),
        math.log1p(sum(sizes)),
        sum(bool(re.search(r"[.!?\"\u201d]\s*$", p)) for p in added) / max(n, 1),
        sum(sizes) / n if n else 0.0,
        sum(bool(CHROME_PHRASES.search(p)) or is_appeal(p) or is_caption(p) for p in added) / max(n, 1),
        sum(t in _STOPS for t in tokens) / max(len(tokens), 1),
        sum(s < 6 for s in sizes) / max(n, 1),
    ]


def page_signals(html: str, precise: str, recalled: str) -> list[float]:
    """The page's own signals for the choice (no gold)."""
    pw, rw = _words(precise), _words(recalled)
    pp, rp = _paragraphs(precise), _paragraphs(recalled)

    def count(tag: str) -> float:
        return math.log1p(len(re.findall(rf"<{tag}[\s>]", html, re.I)))

    return (
        [
            math.log1p(pw),
            math.log1p(rw),
            math.log1p(rw) - math.log1p(pw),
            float(rw > pw * 1.05),
            sum(_words(p) < 8 for p in rp) / max(len(rp), 1),
            sum(_words(p) < 8 for p in pp) / max(len(pp), 1),
            math.log1p(len(rp)) - math.log1p(len(pp)),
            count("li"),
            count("p"),
            count("table"),
            math.log1p(len(html)),
            count("a"),
        ]
        + _difference(pp, rp)
        + _difference(rp, pp)
    )


def _page_quality(record: dict[str, Any], text: str) -> float:
    gold = gold_of(record)
    if gold:
        tp, fp, fn = page_counts(gold, text)
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    a, b, c, d = snippet_counts(record, text)
    return (a + d) / max(a + b + c + d, 1)


def _set_score(records: list[dict[str, Any]], texts: list[str]) -> float:
    body = [(gold_of(r), t) for r, t in zip(records, texts) if gold_of(r)]
    if body:
        return prf(body)["f1"]
    return snippet_scores((r, t) for r, t in zip(records, texts) if has_snippets(r))["f1"]


def run(args) -> BenchReport:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    data = {name: mode_outputs(name, args.limit, args.cache) for name in SETS}
    x, y, weight, group, index = [], [], [], [], []
    for name, (records, out) in data.items():
        for i, record in enumerate(records):
            if not (gold_of(record) or has_snippets(record)):
                continue
            fp, fr = _page_quality(record, out["precision"][i]), _page_quality(record, out["recall"][i])
            x.append(page_signals(record["html"], out["precision"][i], out["recall"][i]))
            y.append(int(fr > fp))
            weight.append(abs(fr - fp))
            group.append(name)
            index.append(i)
    xs, ys, ws, gs = np.array(x), np.array(y), np.array(weight), np.array(group)
    rows = []
    for name in SETS:
        records, out = data[name]
        train = (gs != name) & (ws > 0)
        test = np.where(gs == name)[0]
        mean, scale = xs[train].mean(axis=0), xs[train].std(axis=0) + 1e-9
        chooser = LogisticRegression(C=args.C, max_iter=2000).fit(
            (xs[train] - mean) / scale, ys[train], sample_weight=ws[train]
        )
        wants_recall = chooser.predict_proba((xs[test] - mean) / scale)[:, 1] > 0.5
        chosen = list(out["precision"])
        oracle = list(out["precision"])
        for j, recall in zip(test, wants_recall):
            if recall:
                chosen[index[j]] = out["recall"][index[j]]
            if ys[j]:
                oracle[index[j]] = out["recall"][index[j]]
        rows.append(
            {
                "held out": name,
                "precision first (wave-1 default)": round(_set_score(records, out["precision"]), 4),
                "recall first": round(_set_score(records, out["recall"]), 4),
                "balanced first": round(_set_score(records, out["balanced"]), 4),
                "chooser (LODO)": round(_set_score(records, chosen), 4),
                "recall chosen": f"{int(wants_recall.sum())}/{len(test)}",
                "oracle": round(_set_score(records, oracle), 4),
            }
        )
    fallback = length_fallback_rows(data)
    return BenchReport(
        name="extraction_modes",
        dataset=", ".join(SETS),
        tables=[
            BenchTable(
                title="HTML first mode per page: F1 (snippet F for trafilatura_eval_en), chooser trained on the other sets",
                columns=list(rows[0].keys()),
                rows=rows,
            ),
            BenchTable(
                title="Length fallback: recall when its text is over k x the precision text's words, k chosen on the other five sets",
                columns=list(fallback[0].keys()),
                rows=fallback,
            ),
        ],
        notes=[
            "the chooser and the fallback need both passes (about 1.8x the time of one); neither is wired into extract()"
        ],
        metrics={"rows": rows, "fallback": fallback},
    )


#: Ratios tried by the length fallback (recall words over precision words); inf = never.
FALLBACK_RATIOS = (1.05, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0, 5.0, math.inf)


def length_fallback_rows(data: dict[str, tuple[list[dict[str, Any]], dict[str, list[str]]]]) -> list[dict[str, Any]]:
    """trafilatura's own kind of fallback, validated leave-one-dataset-out: keep the precision
    text unless the recall text is over ``k`` times longer (in words). ``k`` is chosen on the
    other five sets by their worst gain over precision-first, then their mean gain."""
    gains: dict[str, dict[float, float]] = {}
    scores: dict[str, dict[float, float]] = {}
    for name, (records, out) in data.items():
        base = _set_score(records, out["precision"])
        scores[name], gains[name] = {}, {}
        for k in FALLBACK_RATIOS:
            chosen = [r if _words(r) > k * max(_words(p), 1) else p for p, r in zip(out["precision"], out["recall"])]
            scores[name][k] = _set_score(records, chosen)
            gains[name][k] = scores[name][k] - base
    rows = []
    for held in data:
        train = [name for name in data if name != held]
        best = max(
            FALLBACK_RATIOS,
            key=lambda k: (min(gains[n][k] for n in train), sum(gains[n][k] for n in train) / len(train)),
        )
        records, out = data[held]
        rows.append(
            {
                "held out": held,
                "precision first (wave-1 default)": round(scores[held][math.inf], 4),
                "k chosen on the other sets": best,
                "fallback (LODO)": round(scores[held][best], 4),
                "gain": round(gains[held][best], 4),
                "recall taken": sum(
                    _words(r) > best * max(_words(p), 1) for p, r in zip(out["precision"], out["recall"])
                ),
                "best k in set": max(FALLBACK_RATIOS, key=lambda k: gains[held][k]),
            }
        )
    return rows
