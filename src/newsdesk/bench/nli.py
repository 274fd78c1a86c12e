"""The sentence-pair model (:mod:`newsdesk.nli`), out of sample, dataset by dataset.

* ``basil`` — brief_basil dev, the data annotated as the brief uses the model. Events are split
  into groups; each group is scored by a model fitted without any pair of its events, with
  thresholds chosen on the other groups' scores only (nested). Two readings: the labelled pairs
  (agreement mentions = same; annotated contradictions; two sentences of one article = related)
  and every candidate pair of an event (MiniLM cosine >= 0.35), where the contradiction
  annotation is exhaustive, so contradiction precision there is exact. Also: the same model
  fitted with no brief_basil-derived pair at all.
* ``rte`` — GLUE RTE dev (never trained on): entailment read as ``same``.
* ``anli`` — ANLI dev rounds 1–3: the shipped model (trained without ANLI) and a 5-fold grouped CV
  with ANLI added to the training pairs; 3-way accuracy (same = entailment, contradiction,
  related / unrelated = neutral).
* ``fnc`` — FNC-1 competition dev pairs (never trained on; training used the official training set),
  headline against the body sentence sharing most of its words.
* ``speed`` — sentences/s of :meth:`PairModel.encode` and pairs/s of :meth:`PairModel.classify`
  with the encodings precomputed, against plain MiniLM sentence embeddings in the same run.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

from . import BenchReport, BenchTable

log = logging.getLogger(__name__)

HELP = "sentence-pair model: brief_basil grouped CV (nested thresholds), RTE dev, ANLI, FNC-1 dev, speed"

PARTS = ("basil", "rte", "anli", "fnc", "speed")


def add_arguments(parser) -> None:
    from ..training.nli import SHARED

    parser.add_argument(
        "--parts",
        default="basil,rte,anli,speed",
        help=f"comma-separated parts: {', '.join(PARTS)} (default: basil,rte,anli,speed)",
    )
    parser.add_argument("--shared", default=str(SHARED), help=f"the benchmark folder (default: {SHARED})")
    parser.add_argument(
        "--model",
        metavar="DIR",
        help="a model folder written by `newsdesk train nli --out DIR` (default: the shipped model)",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="the encoding/feature cache of `newsdesk train nli --cache DIR` (same vectors, faster)",
    )
    parser.add_argument("--folds", type=int, default=8, help="brief_basil event groups (default: 8)")
    parser.add_argument("--fnc-pairs", type=int, default=2000, help="FNC-1 dev pairs sampled (default: 2000)")


def run(args) -> BenchReport:
    from ..errors import BenchmarkError
    from ..nli import PairModel

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise BenchmarkError(f"unknown part(s) {', '.join(unknown)}", hint=f"choose from {', '.join(PARTS)}")
    model = PairModel.load(args.model) if args.model else PairModel.load()
    report = BenchReport(name="nli", dataset=args.shared)
    report.notes.append(
        f"shipped thresholds: same {model.thresholds.get('same')}, contradiction {model.thresholds.get('contradiction')}; "
        f"training sources: {', '.join(model.meta.get('sources', []))}"
    )
    shared = Path(args.shared)
    for part in parts:
        started = time.perf_counter()
        {"basil": _basil, "rte": _rte, "anli": _anli, "fnc": _fnc, "speed": _speed}[part](args, model, shared, report)
        log.info("part %s took %.0f s", part, time.perf_counter() - started)
    return report


# --- brief_basil ------------------------------------------------------------------------------


def _basil(args, model, shared: Path, report: BenchReport) -> None:
    from ..training import nli as training

    sources = model.meta.get("sources") or list(training.DEFAULT_SOURCES)
    data = training.prepare(sources, shared=shared, cache_dir=args.cache, seed=model.meta.get("seed", 13))
    targets = model.meta.get("targets", {"same": 0.9, "contradiction": 0.75})
    block = [([c.story for c in data.candidates], data.candidate_matrix)]
    proba, (cand_proba,) = training.grouped_predictions(
        data.matrix, data.pairs, data.stories, folds=args.folds, targets=block
    )
    nested = training.nested_thresholds(
        proba,
        data.pairs,
        cand_proba,
        data.candidates,
        data.stories,
        folds=args.folds,
        same_target=targets["same"],
        contradiction_target=targets["contradiction"],
    )
    with_basil = training.basil_figures(proba, data.pairs, cand_proba, data.candidates, lambda story: nested[story])
    proba_x, (cand_x,) = training.grouped_predictions(
        data.matrix, data.pairs, data.stories, folds=1, targets=block, exclude_basil=True
    )
    without = training.basil_figures(proba_x, data.pairs, cand_x, data.candidates, model.thresholds)
    rows = []
    for name, figures in (
        ("grouped CV, nested thresholds", with_basil),
        ("no brief_basil pair in training, shipped thresholds", without),
    ):
        for key, label in (
            ("labelled_same", "same (labelled pairs)"),
            ("labelled_contradiction", "contradiction (labelled pairs)"),
            ("candidates_all_contradiction", "contradiction (all candidate pairs)"),
            ("candidates_cross_article_contradiction", "contradiction (cross-article candidates)"),
        ):
            f = figures[key]
            rows.append(
                {
                    "setting": name,
                    "label": label,
                    "P": f"{f['P']:.3f}",
                    "R": f"{f['R']:.3f}",
                    "predicted": f["predicted"],
                    "correct": f["correct"],
                    "AP": f"{f['AP']:.3f}",
                }
            )
    report.tables.append(
        BenchTable(
            title=f"brief_basil dev ({len(data.events)} events, {len(data.candidates)} candidate pairs)",
            columns=list(rows[0]),
            rows=rows,
        )
    )
    same_all = with_basil["candidates_cross_article_same"]
    report.notes.append(
        f"brief_basil cross-article candidates called same (nested): {same_all['predicted']}, of which {same_all['gold_same_found']} "
        f"cover an annotated agreed fact (of {same_all['gold_same']}; agreements list only 3-6 key facts per event, so the rest "
        f"are not all wrong); gold contradictions called same: {same_all['gold_contradiction_called_same']}"
    )
    report.notes.append("labelled pairs: " + ", ".join(f"{k} {v}" for k, v in with_basil["labelled_pairs"].items()))
    report.metrics["basil"] = {"nested": with_basil, "without_basil": without, "thresholds_by_event": nested}


# --- RTE --------------------------------------------------------------------------------------


def _rte(args, model, shared: Path, report: BenchReport) -> None:
    from ..training import nli as training

    pairs = training.rte_pairs(shared / "nli_rte" / "dev.jsonl")
    proba = _proba(model, [(p.a, p.b) for p in pairs], args.cache)
    gold = [p.label == "same" for p in pairs]
    labels = model.labels_from_proba(proba)
    at_threshold = sum((label == "same") == g for label, g in zip(labels, gold)) / len(gold)
    at_half = sum((row[0] >= 0.5 * (1 - row[3])) == g for row, g in zip(proba, gold)) / len(gold)
    report.tables.append(
        BenchTable(
            title=f"RTE dev ({len(pairs)} pairs, never trained on): entailment read as same",
            columns=["decision", "accuracy"],
            rows=[
                {
                    "decision": f"label == same (shipped threshold {model.thresholds.get('same')})",
                    "accuracy": f"{at_threshold:.4f}",
                },
                {"decision": "P(same) >= P(not same)", "accuracy": f"{at_half:.4f}"},
                {"decision": "majority class (entailment)", "accuracy": f"{sum(gold) / len(gold):.4f}"},
            ],
        )
    )
    report.metrics["rte"] = {"accuracy_at_threshold": at_threshold, "accuracy_binary": at_half, "pairs": len(pairs)}


# --- ANLI -------------------------------------------------------------------------------------


def _anli_accuracy(proba, gold: list[str]) -> float:
    import numpy as np

    three = np.stack([proba[:, 0], proba[:, 1], proba[:, 2] + proba[:, 3]], axis=1)
    predicted = [("same", "contradiction", "related")[k] for k in three.argmax(axis=1)]
    return sum(p == g for p, g in zip(predicted, gold)) / len(gold)


def _anli(args, model, shared: Path, report: BenchReport) -> None:
    import numpy as np

    from ..training import nli as training

    anli = training.anli_pairs(shared / "nli_anli" / "dev.jsonl")
    gold = [p.label for p in anli]
    proba = _proba(model, [(p.a, p.b) for p in anli], args.cache)
    rows = [{"setting": "shipped model (no ANLI in training)", "accuracy": f"{_anli_accuracy(proba, gold):.4f}"}]
    # 5-fold grouped CV with ANLI added to the training pairs
    sources = [s for s in (model.meta.get("sources") or training.DEFAULT_SOURCES) if s != "anli"]
    data = training.prepare(sources + ["anli"], shared=shared, cache_dir=args.cache, seed=model.meta.get("seed", 13))
    rows_anli = [i for i, p in enumerate(data.pairs) if p.source == "anli"]
    premises = sorted({data.pairs[i].group for i in rows_anli})
    random.Random(13).shuffle(premises)
    fold_of = {g: k % 5 for k, g in enumerate(premises)}
    cv = np.zeros((len(data.pairs), 4))
    from ..nli import PairModel

    for k in range(5):
        train = [i for i, p in enumerate(data.pairs) if not (p.source == "anli" and fold_of[p.group] == k)]
        fitted = PairModel(
            stages=training.fit_stages(data.matrix[train], [data.pairs[i] for i in train]), thresholds={}
        )
        test = [i for i in rows_anli if fold_of[data.pairs[i].group] == k]
        cv[test] = fitted.proba_from_features(data.matrix[test])
    cv_gold = [data.pairs[i].label for i in rows_anli]
    rows.append(
        {
            "setting": "5-fold CV by premise, ANLI added to training",
            "accuracy": f"{_anli_accuracy(cv[rows_anli], cv_gold):.4f}",
        }
    )
    rows.append({"setting": "majority class", "accuracy": f"{max(gold.count(x) for x in set(gold)) / len(gold):.4f}"})
    report.tables.append(
        BenchTable(
            title=f"ANLI dev R1-R3 ({len(anli)} pairs), 3-way accuracy", columns=["setting", "accuracy"], rows=rows
        )
    )
    report.metrics["anli"] = {
        "shipped": _anli_accuracy(proba, gold),
        "cv": _anli_accuracy(cv[rows_anli], cv_gold),
        "pairs": len(anli),
    }


# --- FNC-1 ------------------------------------------------------------------------------------


def _fnc(args, model, shared: Path, report: BenchReport) -> None:
    from ..training import nli as training
    from .stance import load_pairs

    raw = load_pairs(shared / "stance_fnc1" / "dev.jsonl")
    rng = random.Random(13)
    sample = rng.sample(raw, min(args.fnc_pairs, len(raw)))
    pairs, gold = [], []
    mapping = {"agree": "same", "disagree": "contradiction", "discuss": "related", "unrelated": "unrelated"}
    for p in sample:
        sentence = training._best_sentence(p["headline"], training.split_sentences(p["body"])[:60])
        if sentence:
            pairs.append((p["headline"], sentence))
            gold.append(mapping[p["stance"]])
    proba = _proba(model, pairs, args.cache)
    predicted = model.labels_from_proba(proba)
    argmax = [("same", "contradiction", "related", "unrelated")[k] for k in proba.argmax(axis=1)]
    rows = []
    for name, labels in (("shipped thresholds", predicted), ("argmax", argmax)):
        f1 = {}
        for label in ("same", "contradiction", "related", "unrelated"):
            tp = sum(1 for g, p in zip(gold, labels) if g == p == label)
            fp = sum(1 for g, p in zip(gold, labels) if p == label != g)
            fn = sum(1 for g, p in zip(gold, labels) if g == label != p)
            f1[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        rows.append(
            {
                "decision": name,
                "accuracy": f"{sum(g == p for g, p in zip(gold, labels)) / len(gold):.4f}",
                **{f"F1 {k}": f"{v:.3f}" for k, v in f1.items()},
            }
        )
    report.tables.append(
        BenchTable(
            title=f"FNC-1 dev, {len(pairs)} sampled pairs (headline vs best-matching body sentence; "
            "agree = same, disagree = contradiction, discuss = related)",
            columns=list(rows[0]),
            rows=rows,
        )
    )
    report.metrics["fnc"] = rows


# --- speed ------------------------------------------------------------------------------------


def _speed(args, model, shared: Path, report: BenchReport) -> None:
    import numpy as np
    import torch

    from ..resources import embed, sentence_encoder
    from ..training import nli as training

    events = training.basil_events(shared / "brief_basil" / "dev.jsonl")[:4]
    sentences = list(
        dict.fromkeys(
            s for e in events for a in e["articles"] for s in training.split_sentences(a["text"]) if len(s.split()) >= 6
        )
    )
    sentence_encoder()
    embed(sentences[:8])  # warm up
    started = time.perf_counter()
    embed(sentences)
    anchor = time.perf_counter() - started
    started = time.perf_counter()
    encoded = model.encode(sentences)
    encode_seconds = time.perf_counter() - started
    vectors = encoded.embeddings
    similar = np.argwhere(np.triu(vectors @ vectors.T, k=1) >= 0.35)
    pairs = [(int(i), int(j)) for i, j in similar]
    started = time.perf_counter()
    model.classify(pairs, encoded)
    classify_seconds = time.perf_counter() - started
    rows = [
        {
            "step": "MiniLM sentence embeddings (resources.embed, the anchor)",
            "items": len(sentences),
            "seconds": f"{anchor:.2f}",
            "per second": f"{len(sentences) / anchor:.1f}",
            "ratio to anchor": "1.00",
        },
        {
            "step": "PairModel.encode (embeddings + word vectors + word facts)",
            "items": len(sentences),
            "seconds": f"{encode_seconds:.2f}",
            "per second": f"{len(sentences) / encode_seconds:.1f}",
            "ratio to anchor": f"{encode_seconds / anchor:.2f}",
        },
        {
            "step": "PairModel.classify, encodings precomputed (cosine >= 0.35 pairs)",
            "items": len(pairs),
            "seconds": f"{classify_seconds:.2f}",
            "per second": f"{len(pairs) / max(classify_seconds, 1e-9):.0f}",
            "ratio to anchor": f"{classify_seconds / anchor:.2f}",
        },
    ]
    report.tables.append(
        BenchTable(
            title=f"speed on {len(events)} brief_basil events (torch threads: {torch.get_num_threads()})",
            columns=list(rows[0]),
            rows=rows,
        )
    )
    report.metrics["speed"] = {
        "sentences": len(sentences),
        "pairs": len(pairs),
        "embed_seconds": anchor,
        "encode_seconds": encode_seconds,
        "classify_seconds": classify_seconds,
    }


def _proba(model, pairs: list[tuple[str, str]], cache_dir: str | None):
    """Probabilities of (text, text) pairs, through the encoding cache when one is given."""
    if not cache_dir:
        return model.predict_proba(pairs)
    from ..nli import features_of
    from ..training.nli import EncodingCache

    cache = EncodingCache(Path(cache_dir) / "pieces")
    texts = list(dict.fromkeys([a for a, _ in pairs] + [b for _, b in pairs]))
    encoded = cache.encoded(texts)
    index = {t: i for i, t in enumerate(texts)}
    return model.proba_from_features(features_of(encoded, [(index[a], index[b]) for a, b in pairs])[0])
