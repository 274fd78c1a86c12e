"""Train the stance model on the FNC-1 training set: ``newsdesk train stance``.

Reads ``../shared/bench/stance_fnc1_train/train.jsonl.gz`` (the official FNC-1 training set without
the bodies whose text also appears in the competition test set), computes the features of
:mod:`newsdesk.analysis.stance`, fits two scikit-learn gradient-boosted tree ensembles (related vs
unrelated on all pairs; agree / disagree / discuss on the related pairs) and writes
``src/newsdesk/data/stance/stance_model.pkl``. The dev set (``stance_fnc1/dev.jsonl``) is only
scored, never fitted on; its figures are what the hyper-parameters below were chosen by.
Deterministic for a given seed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..bench import BenchReport, BenchTable, Stopwatch

log = logging.getLogger(__name__)

HELP = "train the FNC-1 stance model (features + gradient boosting) and write newsdesk/data/stance/"

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
DEFAULT_TRAIN = _SHARED / "stance_fnc1_train" / "train.jsonl.gz"
DEFAULT_DEV = _SHARED / "stance_fnc1" / "dev.jsonl"

# Chosen on dev (see docs/benchmarks/stance.md); the defaults of the command.
RELATED_PARAMS = dict(max_iter=300, learning_rate=0.08, max_leaf_nodes=31, min_samples_leaf=40, l2_regularization=1.0)
STANCE_PARAMS = dict(max_iter=200, learning_rate=0.05, max_leaf_nodes=7, min_samples_leaf=40, l2_regularization=1.0)


def add_arguments(parser) -> None:
    from ..analysis.stance import MODEL_DIR

    parser.add_argument(
        "--train", default=str(DEFAULT_TRAIN), help=f"FNC-1 training JSONL(.gz) (default: {DEFAULT_TRAIN})"
    )
    parser.add_argument(
        "--dev", default=str(DEFAULT_DEV), help="FNC-1 JSONL scored after training, never fitted on ('' to skip)"
    )
    parser.add_argument(
        "--out", default=str(MODEL_DIR), help=f"folder to write stance_model.pkl into (default: {MODEL_DIR})"
    )
    parser.add_argument(
        "--cache", metavar="DIR", help="keep MiniLM sentence embeddings here so a rerun skips the encoder"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N training bodies (quick trials)")
    parser.add_argument("--seed", type=int, default=13, help="random seed (default: 13)")
    parser.add_argument(
        "--disagree-weight",
        type=float,
        default=3.0,
        help="sample weight of disagree pairs in the stance stage (default: 3.0; the class is 6%% of related pairs)",
    )
    parser.add_argument(
        "--agree-weight",
        type=float,
        default=1.5,
        help="sample weight of agree pairs in the stance stage (default: 1.5)",
    )


def featurise(pairs, vectorizer, embedder, max_sentences: int = 80, cache_dir: str | None = None, name: str = ""):
    """Feature matrix of benchmark pairs (dicts with headline and body).

    With ``cache_dir`` the matrix is kept in ``features-<name>-<digest>.npy`` keyed by the pairs,
    the feature list and the vectorizer vocabulary, so tuning reruns skip the features.
    """
    import hashlib

    import numpy as np

    from ..analysis.stance import FEATURE_NAMES, build_matrix, prepare_texts

    path = None
    if cache_dir:
        digest = hashlib.sha256()
        digest.update(json.dumps(FEATURE_NAMES).encode())
        digest.update(json.dumps(sorted(vectorizer.vocabulary_)).encode())
        for p in pairs:
            digest.update((p["headline"] + "\x00" + p["body"] + "\x01").encode())
        path = Path(cache_dir) / f"features-{name}-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            log.info("features from %s", path)
            return np.load(path)

    claims = list(dict.fromkeys(p["headline"] for p in pairs))
    bodies = list(dict.fromkeys(p["body"] for p in pairs))
    claim_info = dict(zip(claims, prepare_texts(claims, split=False, embedder=embedder)))
    body_info = dict(zip(bodies, prepare_texts(bodies, max_sentences=max_sentences, embedder=embedder)))
    matrix = build_matrix([(p["headline"], p["body"]) for p in pairs], claim_info, body_info, vectorizer)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return matrix


def fit_vectorizer(pairs):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(dict.fromkeys(p["headline"] for p in pairs)) + list(dict.fromkeys(p["body"] for p in pairs))
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=2, max_features=20000, dtype=np.float32
    )
    vectorizer.fit(texts)
    vectorizer.stop_words_ = None  # only a diagnostic; dropping it keeps the shipped file small
    return vectorizer


def fit_models(matrix, gold, *, seed: int, disagree_weight: float, agree_weight: float):
    """The related/unrelated and agree/disagree/discuss classifiers."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    related = np.array([g != "unrelated" for g in gold], dtype=int)
    related_model = HistGradientBoostingClassifier(random_state=seed, early_stopping=False, **RELATED_PARAMS)
    related_model.fit(matrix, related)
    mask = related == 1
    stance_gold = np.array([["agree", "disagree", "discuss"].index(g) for g in np.asarray(gold)[mask]])
    weights = np.where(stance_gold == 1, disagree_weight, np.where(stance_gold == 0, agree_weight, 1.0))
    stance_model = HistGradientBoostingClassifier(random_state=seed, early_stopping=False, **STANCE_PARAMS)
    stance_model.fit(matrix[mask], stance_gold, sample_weight=weights)
    return related_model, stance_model


def best_cosine_threshold(cosines, gold) -> float:
    """The cosine threshold that best separates related from unrelated pairs (the baseline's)."""
    import numpy as np

    related = np.array([g != "unrelated" for g in gold])
    best, best_acc = 0.3, -1.0
    for threshold in np.arange(0.0, 0.9, 0.01):
        acc = float(((cosines >= threshold) == related).mean())
        if acc > best_acc:
            best, best_acc = float(threshold), acc
    return round(best, 2)


def run(args) -> BenchReport:
    import sklearn

    from ..analysis.stance import FEATURE_NAMES, StanceModel
    from ..bench.stance import load_pairs, summarise
    from ..resources import EmbeddingCache

    report = BenchReport(name="train stance", dataset=str(args.train))
    embedder = EmbeddingCache(args.cache)
    with Stopwatch() as watch:
        train = load_pairs(args.train, limit=args.limit)
        vectorizer = fit_vectorizer(train)
        matrix = featurise(train, vectorizer, embedder, cache_dir=args.cache, name="train")
        gold = [p["stance"] for p in train]
        related_model, stance_model = fit_models(
            matrix, gold, seed=args.seed, disagree_weight=args.disagree_weight, agree_weight=args.agree_weight
        )
    threshold = best_cosine_threshold(matrix[:, FEATURE_NAMES.index("emb_mean")], gold)
    model = StanceModel(
        vectorizer=vectorizer,
        related_model=related_model,
        stance_model=stance_model,
        meta={
            "baseline_threshold": threshold,
            "train": str(args.train),
            "train_pairs": len(train),
            "seed": args.seed,
            "related_params": RELATED_PARAMS,
            "stance_params": STANCE_PARAMS,
            "disagree_weight": args.disagree_weight,
            "agree_weight": args.agree_weight,
            "sklearn": sklearn.__version__,
            "features": FEATURE_NAMES,
        },
    )
    path = model.save(args.out)
    rows = []
    train_pred = model.labels_from_proba(model.proba_from_features(matrix))
    rows.append(_row("train (fitted on)", summarise(gold, train_pred)))
    if args.dev:
        dev = load_pairs(args.dev)
        dev_matrix = featurise(dev, vectorizer, embedder, cache_dir=args.cache, name="dev")
        dev_gold = [p["stance"] for p in dev]
        dev_pred = model.labels_from_proba(model.proba_from_features(dev_matrix))
        metrics = summarise(dev_gold, dev_pred)
        rows.append(_row("dev", metrics))
        report.metrics["dev"] = metrics
    report.tables.append(BenchTable(title="stance model", columns=list(rows[0]), rows=rows))
    report.notes.append(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB); trained on {len(train)} pairs in {watch.seconds:.0f} s; "
        f"baseline cosine threshold {threshold}"
    )
    return report


def _row(name: str, m: dict[str, float]) -> dict[str, Any]:
    return {
        "split": name,
        "FNC-1 % of max": f"{m['fnc_pct']:.2f}",
        "macro-F1": f"{m['macro_f1']:.3f}",
        "F1 agree": f"{m['f1_agree']:.3f}",
        "F1 disagree": f"{m['f1_disagree']:.3f}",
        "F1 discuss": f"{m['f1_discuss']:.3f}",
        "F1 unrelated": f"{m['f1_unrelated']:.3f}",
    }
