"""Train the summary sentence scorer: ``newsdesk train summary``.

Reads the AllSides dev files (``../shared/bench/mds_allsides_neus/dev.jsonl`` and
``mds_allsides_stories/dev.jsonl``; never a test split), builds every story's candidate sentences
exactly as :func:`newsdesk.analysis.summary.extractive_summary` does (same spaCy sentences, filters and
MiniLM vectors), labels each with its ROUGE-2 bigram precision against the story's reference
summary (the share of its bigrams found in the reference: what a sentence brings per word of the
budget), and fits a scikit-learn gradient-boosted regression tree ensemble on
:func:`newsdesk.analysis.summary.story_relative_features`.

The honest figure is the k-fold cross-validated ROUGE (folds by sha1 of the story id, both files
pooled): every story is summarised by a model that never saw it, with the same selection
(:func:`newsdesk.analysis.summary.select_within_budget`) and the same word budget and cut as
``newsdesk bench summary``. The shipped model (``src/newsdesk/data/summary/summary_model.json``,
plain JSON trees, no pickle) is then fitted on all stories of both files. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bench import BenchReport, BenchTable, Stopwatch
from ..errors import BenchmarkError

log = logging.getLogger(__name__)

HELP = "train the summary sentence scorer on the AllSides dev files (k-fold CV ROUGE) and write newsdesk/data/summary/"

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
DEFAULT_DATA = [_SHARED / "mds_allsides_neus" / "dev.jsonl", _SHARED / "mds_allsides_stories" / "dev.jsonl"]

# Fixed a priori (a common small configuration), not tuned on the folds: see docs/benchmarks/summary.md.
GBM_PARAMS = dict(n_estimators=200, max_depth=3, learning_rate=0.05, subsample=0.8, min_samples_leaf=20)


def add_arguments(parser) -> None:
    from ..analysis.summary import MODEL_DIR

    parser.add_argument(
        "--data",
        action="append",
        metavar="DEV.jsonl",
        help="an mds_allsides_* dev file (repeatable; default: the NeuS and the stories dev files)",
    )
    parser.add_argument(
        "--out",
        default=str(MODEL_DIR),
        help=f"folder to write summary_model.json into (default: {MODEL_DIR}); '' to skip",
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="keep sentence splits and MiniLM vectors here so a rerun skips spaCy and the encoder",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="use only the first N stories of each file (quick trials)"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the tree ensemble (default: 0)")
    parser.add_argument(
        "--fold-models",
        metavar="DIR",
        help="also write each cross-validation fold's model here, for out-of-fold benchmarks "
        "(`newsdesk bench summary --fold-models DIR`)",
    )
    parser.add_argument(
        "--citations",
        action="store_true",
        help="train the citation support decision instead (support_qags + support_wice dev; grouped CV "
        "and leave-one-dataset-out figures) and store it in the summary model file",
    )
    parser.add_argument(
        "--fact-coverage",
        action="store_true",
        help="check the agreed-fact rule instead (an article states a fact when one of its sentences holds "
        "FACT_COVERAGE of its content words): grouped CV and leave-one-dataset-out on support_qags + "
        "support_wice dev; writes nothing",
    )


@dataclass
class Example:
    """One story prepared for training: its candidates, their features and labels."""

    story_id: str
    dataset: str
    budget: int
    articles: list
    pool: list
    vectors: Any
    features: Any
    worth: Any  # ROUGE-2 bigram precision of each candidate against the reference
    reference: str


def _parse(stories, cache_dir: str | None, name: str):
    """Sentence spans and MiniLM vectors (of every sentence and title) per story, cached if asked."""
    import numpy as np

    from ..analysis.sentences import sentence_spans
    from ..resources import embed, parse

    path = None
    if cache_dir:
        digest = hashlib.sha256()
        for story_id, articles, _ in stories:
            digest.update(story_id.encode())
            for a in articles:
                digest.update((a.text + "\x00" + (a.title or "") + "\x01").encode())
        path = Path(cache_dir) / f"summary-{name}-{digest.hexdigest()[:16]}.pkl"
        if path.exists():
            log.info("sentences and vectors from %s", path)
            with open(path, "rb") as handle:
                return pickle.load(handle)
    parsed = {}
    for number, (story_id, articles, _) in enumerate(stories, 1):
        spans = [sentence_spans(a.text, doc) for a, doc in zip(articles, parse([a.text for a in articles]))]
        texts = [articles[k].text[a:b] for k, article_spans in enumerate(spans) for a, b in article_spans]
        titles = [a.title.strip() for a in articles if a.title and a.title.strip()]
        unique = list(dict.fromkeys(texts + titles))
        vectors = embed(unique) if unique else np.zeros((0, 384), dtype=np.float32)
        parsed[story_id] = (spans, dict(zip(unique, vectors)))
        if number % 50 == 0:
            log.info("%s: %d/%d stories parsed", name, number, len(stories))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            pickle.dump(parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return parsed


def prepare(path: str | Path, *, limit: int | None, cache_dir: str | None) -> list[Example]:
    """The stories of one dev file as training examples (same candidates as the summariser sees)."""
    from collections import Counter

    import numpy as np

    from ..analysis.summary import Candidate, SummaryOptions, candidate_features, rejection_reason
    from ..bench.summary import load_stories, tokens

    all_stories, skipped = load_stories(path)
    for message in skipped:
        log.warning("%s", message)
    budget = round(sum(len(tokens(r)) for _, _, r in all_stories) / len(all_stories))
    stories = all_stories[:limit] if limit else all_stories
    name = Path(path).parent.name or Path(path).stem
    parsed = _parse(stories, cache_dir, f"{name}-{len(stories)}")
    options = SummaryOptions(word_budget=budget)
    examples = []
    for story_id, articles, reference in stories:
        spans, vector_of = parsed[story_id]
        everything = [
            Candidate(
                article_index=k,
                article_id=articles[k].id,
                start=a,
                end=b,
                text=articles[k].text[a:b],
                position=p,
                rejection=rejection_reason(
                    articles[k].text[a:b], min_words=options.min_words, max_words=options.max_words
                ),
            )
            for k, article_spans in enumerate(spans)
            for p, (a, b) in enumerate(article_spans)
        ]
        # Same rule as summarize.summary_pool (filters, then the fallback when nothing passes).
        pool = [c for c in everything if c.rejection is None] or [
            c for c in everything if c.words >= 4 and c.rejection not in ("question", "boilerplate")
        ]
        if not pool:
            log.warning("%s: story %s has no candidate sentence; left out", path, story_id)
            continue
        vectors = np.stack([vector_of[c.text] for c in pool])
        title_vectors = np.zeros((len(articles), vectors.shape[1]), dtype=np.float32)
        for k, article in enumerate(articles):
            if article.title and article.title.strip():
                title_vectors[k] = vector_of[article.title.strip()]
        features = candidate_features(articles, pool, vectors, title_vectors)
        reference_tokens = tokens(reference)
        reference_bigrams = Counter(zip(reference_tokens, reference_tokens[1:]))
        worth = []
        for c in pool:
            t = tokens(c.text)
            bigrams = Counter(zip(t, t[1:]))
            worth.append(sum((bigrams & reference_bigrams).values()) / max(sum(bigrams.values()), 1))
        examples.append(
            Example(
                story_id=story_id,
                dataset=name,
                budget=budget,
                articles=articles,
                pool=pool,
                vectors=vectors,
                features=features,
                worth=np.array(worth),
                reference=reference,
            )
        )
    return examples


def fold_of(story_id: str, folds: int) -> int:
    return int(hashlib.sha1(story_id.encode("utf-8")).hexdigest(), 16) % folds


def fold_model_name(fold: int, folds: int) -> str:
    """The file name of the scorer fitted without fold ``fold`` of ``folds`` (``--fold-models``)."""
    return f"summary_model.fold{fold}of{folds}.json"


def fit(examples: list[Example], seed: int):
    import numpy as np
    from sklearn.ensemble import GradientBoostingRegressor

    from ..analysis.summary import story_relative_features

    matrix = np.concatenate([story_relative_features(e.features) for e in examples])
    target = np.concatenate([e.worth for e in examples])
    return GradientBoostingRegressor(random_state=seed, **GBM_PARAMS).fit(matrix, target)


def summary_text(example: Example, relevance, *, learned: bool) -> str:
    """The summary as ``newsdesk bench summary`` scores it: chosen sentences in reading order, cut to the budget."""
    from ..analysis.summary import SummaryOptions, reading_order, select, select_within_budget
    from ..bench.summary import truncate_words

    options = SummaryOptions(word_budget=example.budget)
    choose = select_within_budget if learned else select
    chosen = choose(example.articles, example.pool, relevance, example.vectors, options)
    order = reading_order(example.articles, example.pool, chosen)
    return truncate_words(" ".join(example.pool[i].text for i in order), example.budget)


def cross_validate(
    examples: list[Example], folds: int, seed: int, fitted: dict[int, Any] | None = None
) -> dict[str, list[dict[str, float]]]:
    """ROUGE per story of the out-of-fold learned scorer and of the heuristic scorer (each fold's
    model is kept in ``fitted`` when given)."""
    from ..analysis.summary import SentenceScorer, SummaryOptions, score_candidates
    from ..bench.summary import rouge

    results: dict[str, list[dict[str, float]]] = {"learned": [], "heuristic": []}
    predictions: dict[int, Any] = {}
    for fold in range(folds):
        train = [e for e in examples if fold_of(e.story_id, folds) != fold]
        held = [i for i, e in enumerate(examples) if fold_of(e.story_id, folds) == fold]
        if not train or not held:
            continue
        model = fit(train, seed)
        if fitted is not None:
            fitted[fold] = model
        scorer = SentenceScorer.from_sklearn(model)
        for i in held:
            predictions[i] = scorer.score(examples[i].features)
    for i, example in enumerate(examples):
        if i not in predictions:  # fewer stories than folds
            continue
        results["learned"].append(rouge(summary_text(example, predictions[i], learned=True), example.reference))
        heuristic = score_candidates(
            example.articles, example.pool, example.vectors, SummaryOptions(word_budget=example.budget)
        )
        results["heuristic"].append(rouge(summary_text(example, heuristic, learned=False), example.reference))
    return results


def run(args) -> BenchReport:
    import sklearn

    from ..analysis.summary import MODEL_DIR, MODEL_FILE, SentenceScorer, scorer_payload

    if args.citations:
        return train_citation_support(args)
    if getattr(args, "fact_coverage", False):
        return check_fact_coverage(args)

    paths = [Path(p) for p in (args.data or DEFAULT_DATA)]
    report = BenchReport(name="train summary", dataset=", ".join(str(p) for p in paths))
    if args.folds < 2:
        raise BenchmarkError(f"--folds must be at least 2, got {args.folds}", hint="the default is 5")
    with Stopwatch() as watch:
        by_dataset = {}
        for path in paths:
            by_dataset[str(path)] = prepare(path, limit=args.limit, cache_dir=args.cache)
        examples = [e for batch in by_dataset.values() for e in batch]
        rows = []
        fold_models: dict[int, Any] = {}
        results = cross_validate(examples, args.folds, args.seed, fold_models)
        offset = 0
        for path, batch in by_dataset.items():
            span = slice(offset, offset + len(batch))
            offset += len(batch)
            name = batch[0].dataset if batch else Path(path).parent.name
            name = name.removeprefix("mds_allsides_")
            row_metrics = {}
            for system, label in (
                ("learned", f"learned, out-of-fold ({args.folds}-fold CV)"),
                ("heuristic", "heuristic (untrained)"),
            ):
                scores = results[system][span]
                if not scores:
                    continue
                mean = {m: 100 * sum(s[m] for s in scores) / len(scores) for m in ("R1", "R2", "RL")}
                row_metrics[system] = {m: round(v, 2) for m, v in mean.items()}
                rows.append(
                    {
                        "dataset": name,
                        "stories": len(scores),
                        "budget": batch[0].budget if batch else "",
                        "system": label,
                        "ROUGE-1": f"{mean['R1']:.2f}",
                        "ROUGE-2": f"{mean['R2']:.2f}",
                        "ROUGE-L": f"{mean['RL']:.2f}",
                    }
                )
            report.metrics[name] = row_metrics
        model = fit(examples, args.seed)
    meta = {
        "trained_on": [f"{p.parent.name}/{p.name}" for p in paths],
        "stories": len(examples),
        "limit": args.limit,
        "sentences": int(sum(len(e.pool) for e in examples)),
        "label": "ROUGE-2 bigram precision vs reference",
        "params": GBM_PARAMS,
        "seed": args.seed,
        "sklearn": sklearn.__version__,
        "cv_folds": args.folds,
        "cv": {k: v for k, v in report.metrics.items()},
    }
    payload = scorer_payload(model, meta)
    # The citation support decision lives in the same file (trained apart, on support data): keep the
    # one of the file being replaced, else the shipped one, so a fresh --out or fold model still cites.
    citation_support = (_kept_citation_support(Path(args.out) / MODEL_FILE) if args.out else {}) or (
        _kept_citation_support(MODEL_DIR / MODEL_FILE)
    )
    if args.out:
        payload.update(citation_support)
    SentenceScorer(payload)  # the file must load before it is written
    if args.out:
        out = Path(args.out) / MODEL_FILE
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
        report.notes.append(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    if args.fold_models:
        for fold, fold_model in sorted(fold_models.items()):
            held = sum(1 for e in examples if fold_of(e.story_id, args.folds) == fold)
            fold_meta = {**meta, "stories": len(examples) - held, "held_out_fold": fold, "cv": {}}
            fold_payload = {**scorer_payload(fold_model, fold_meta)}
            fold_payload.update(citation_support)
            out = Path(args.fold_models) / fold_model_name(fold, args.folds)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(fold_payload, separators=(",", ":")) + "\n", encoding="utf-8")
        report.notes.append(
            f"wrote {len(fold_models)} fold models to {args.fold_models} "
            "(`newsdesk bench summary --fold-models DIR` summarises each story with the one that never saw it)"
        )
    report.tables.append(
        BenchTable(
            title="ROUGE F1 (x100), word budget and cut as in `newsdesk bench summary`",
            columns=["dataset", "stories", "budget", "system", "ROUGE-1", "ROUGE-2", "ROUGE-L"],
            rows=rows,
        )
    )
    report.notes.append(
        f"{len(examples)} stories, {meta['sentences']} candidate sentences; "
        f"{watch.seconds:.0f} s; shipped model fitted on all of them"
    )
    return report


# --- the citation support decision (``newsdesk train summary --citations``) ------------------

SUPPORT_DATA = [_SHARED / "support_qags" / "dev.jsonl", _SHARED / "support_wice" / "dev.jsonl"]
#: Fixed before any run: a wrong citation is worse than a missing one.
SUPPORT_TARGET_PRECISION = 0.9
_SENTENCE_END = re.compile(r"(?<=[.!?])['\"”’]?\s+")


def _kept_citation_support(path: Path) -> dict[str, Any]:
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {"citation_support": old["citation_support"]} if isinstance(old, dict) and "citation_support" in old else {}


@dataclass
class SupportExample:
    """One (claim, article) pair of a support dataset: does the article state the claim?"""

    dataset: str
    group: str  # examples of one article (QAGS) or one claim (WiCE) stay in one fold
    claim: str
    sentences: list[str]
    label: int


def support_examples(paths: list[Path]) -> list[SupportExample]:
    """QAGS summary sentences against their article (supported = the annotators' majority) and WiCE
    claims against their cited page (supported only when ``supported``; partially and not supported
    are negatives, since a citation must state the whole sentence). QAGS articles are split at
    sentence ends by a regular expression (spaCy on them would take most of the run)."""
    from ..bench import read_jsonl

    out = []
    for path in paths:
        for record in read_jsonl(path):
            if "summary_sentences" in record:
                sentences = [t.strip() for t in _SENTENCE_END.split(record["article"]) if len(t.split()) >= 3]
                for item in record["summary_sentences"]:
                    label = int(item["label"] == "supported")
                    out.append(SupportExample("support_qags", record["id"], item["sentence"], sentences, label))
            elif "evidence" in record:
                sentences = [e for e in record["evidence"] if e.strip()]
                label = int(record["label"] == "supported")
                out.append(SupportExample("support_wice", record["id"], record["claim"], sentences, label))
    if not out:
        raise BenchmarkError("no support example found", hint="expected support_qags / support_wice dev.jsonl files")
    return out


def support_matrix(examples: list[SupportExample], cache_dir: str | None = None):
    """:func:`newsdesk.analysis.summary.support_features` of every example (MiniLM on the claims and
    on the sentences the features read, nothing else; vectors kept in ``cache_dir`` if given)."""
    import numpy as np

    from ..analysis.summary import support_candidates, support_features
    from ..resources import embed

    tops = [support_candidates(e.claim, e.sentences) for e in examples]
    texts = list(dict.fromkeys(t for e, top in zip(examples, tops) for t in [e.claim, *(e.sentences[i] for i in top)]))
    cache = None
    if cache_dir:
        digest = hashlib.sha256("\x00".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        cache = Path(cache_dir) / f"citation-support-{digest}.pkl"
    if cache is not None and cache.exists():
        with open(cache, "rb") as handle:
            vector_of = pickle.load(handle)
    else:
        vector_of = dict(zip(texts, embed(texts)))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            with open(cache, "wb") as handle:
                pickle.dump(vector_of, handle, protocol=pickle.HIGHEST_PROTOCOL)
    rows = []
    for e, top in zip(examples, tops):
        vectors = np.zeros((len(e.sentences), 384), dtype=np.float32)
        for i in top:
            vectors[i] = vector_of[e.sentences[i]]
        rows.append(support_features(e.claim, vector_of[e.claim], e.sentences, vectors))
    return np.asarray(rows, dtype=np.float64)


def _fit_support(matrix, labels, weights):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(matrix)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(matrix), labels, sample_weight=weights)
    return scaler, model


def _support_proba(fitted, matrix):
    scaler, model = fitted
    return model.predict_proba(scaler.transform(matrix))[:, 1]


def _vetoed(matrix):
    from ..analysis.summary import SUPPORT_FEATURES, SUPPORT_VETOES

    return (matrix[:, [SUPPORT_FEATURES.index(v) for v in SUPPORT_VETOES]] > 0).any(axis=1)


def _precise_threshold(proba, labels, target: float, vetoed) -> float:
    """The lowest threshold whose decisions (at least 10, vetoes applied) reach ``target``
    precision (1.0 if none)."""
    import numpy as np

    for threshold in np.sort(np.unique(proba)):
        chosen = (proba >= threshold) & ~vetoed
        if chosen.sum() >= 10 and labels[chosen].mean() >= target:
            return float(threshold)
    return 1.0


def _grouped_folds(groups, folds: int):
    import numpy as np

    fold = np.array([fold_of(g, folds) for g in groups])
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(folds)]


def _oof_threshold(matrix, labels, weights, groups, folds: int) -> float:
    """The threshold reaching the target precision on out-of-fold predictions (never in-sample)."""
    import numpy as np

    proba = np.zeros(len(labels))
    for train, held in _grouped_folds(groups, folds):
        proba[held] = _support_proba(_fit_support(matrix[train], labels[train], weights[train]), matrix[held])
    return _precise_threshold(proba, labels, SUPPORT_TARGET_PRECISION, _vetoed(matrix))


def _pr(decided, labels) -> dict[str, float]:
    true = int((decided & (labels == 1)).sum())
    return {
        "precision": round(true / max(int(decided.sum()), 1), 3),
        "recall": round(true / max(int((labels == 1).sum()), 1), 3),
        "decided": int(decided.sum()),
        "examples": int(len(labels)),
        "positives": int((labels == 1).sum()),
    }


def train_citation_support(args) -> BenchReport:
    """Grouped k-fold CV over both datasets pooled (threshold nested: chosen on the training folds'
    own out-of-fold predictions), then leave-one-dataset-out; the shipped decision is fitted on all
    examples with its threshold chosen on their out-of-fold predictions."""
    import numpy as np
    import sklearn
    from sklearn.metrics import roc_auc_score

    from ..analysis.summary import MODEL_FILE, SUPPORT_FEATURES, SUPPORT_FORMAT, CitationSupport, SentenceScorer

    paths = [Path(p) for p in (args.data or SUPPORT_DATA)]
    report = BenchReport(name="train summary --citations", dataset=", ".join(str(p) for p in paths))
    with Stopwatch() as watch:
        examples = support_examples(paths)
        matrix = support_matrix(examples, args.cache)
    labels = np.array([e.label for e in examples])
    datasets = np.array([e.dataset for e in examples])
    groups = [e.dataset + ":" + e.group for e in examples]
    # Each dataset weighs the same, whatever its size.
    weights = np.array([0.5 / float((datasets == d).mean()) for d in datasets])
    names = sorted(set(datasets.tolist()))

    proba = np.zeros(len(labels))
    decided = np.zeros(len(labels), dtype=bool)
    for train, held in _grouped_folds(groups, args.folds):
        threshold = _oof_threshold(
            matrix[train], labels[train], weights[train], [groups[i] for i in train], args.folds - 1
        )
        proba[held] = _support_proba(_fit_support(matrix[train], labels[train], weights[train]), matrix[held])
        decided[held] = (proba[held] >= threshold) & ~_vetoed(matrix[held])
    rows, figures = [], {}
    for name in [*names, "all"]:
        mask = datasets == name if name != "all" else np.ones(len(labels), dtype=bool)
        result = _pr(decided[mask], labels[mask])
        result["auc"] = round(float(roc_auc_score(labels[mask], proba[mask])), 3)
        figures[f"cv/{name}"] = result
        rows.append({"evaluation": f"{args.folds}-fold grouped CV", "test": name, **result})
    if len(names) > 1:
        for name in names:
            train, held = np.flatnonzero(datasets != name), np.flatnonzero(datasets == name)
            threshold = _oof_threshold(
                matrix[train], labels[train], weights[train], [groups[i] for i in train], args.folds
            )
            held_proba = _support_proba(_fit_support(matrix[train], labels[train], weights[train]), matrix[held])
            result = _pr((held_proba >= threshold) & ~_vetoed(matrix[held]), labels[held])
            result["auc"] = round(float(roc_auc_score(labels[held], held_proba)), 3)
            figures[f"lodo/{name}"] = result
            rows.append({"evaluation": "leave one dataset out", "test": name, **result})
    threshold = _oof_threshold(matrix, labels, weights, groups, args.folds)
    scaler, model = _fit_support(matrix, labels, weights)
    payload = {
        "format": SUPPORT_FORMAT,
        "features": list(SUPPORT_FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "threshold": threshold,
        "meta": {
            "trained_on": [f"{p.parent.name}/{p.name}" for p in paths],
            "examples": len(examples),
            "target_precision": SUPPORT_TARGET_PRECISION,
            "cv_folds": args.folds,
            "figures": figures,
            "sklearn": sklearn.__version__,
        },
    }
    CitationSupport(payload)  # must load before it is written
    payload["meta"]["vetoes"] = int(_vetoed(matrix).sum())
    report.metrics.update(figures)
    report.metrics["threshold"] = round(threshold, 4)
    if args.out:
        out = Path(args.out) / MODEL_FILE
        try:
            model_file = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BenchmarkError(
                f"{out} cannot be read ({exc}): the citation decision is stored beside the sentence scorer",
                hint="run `newsdesk train summary` first",
            ) from exc
        model_file["citation_support"] = payload
        SentenceScorer(model_file, source=str(out))
        out.write_text(json.dumps(model_file, separators=(",", ":")) + "\n", encoding="utf-8")
        report.notes.append(f"wrote the citation support decision into {out}")
    report.tables.append(
        BenchTable(
            title=f"Does the article state the sentence? Decision at precision >= {SUPPORT_TARGET_PRECISION} "
            "(threshold chosen on training folds only)",
            columns=["evaluation", "test", "precision", "recall", "decided", "examples", "positives", "auc"],
            rows=rows,
        )
    )
    report.notes.append(
        f"{len(examples)} examples ({', '.join(f'{n}: {int((datasets == n).sum())}' for n in names)}); "
        f"shipped threshold {threshold:.3f} (out-of-fold on all); {watch.seconds:.0f} s"
    )
    return report


# --- the agreed-fact rule (``newsdesk train summary --fact-coverage``) -----------------------

#: Thresholds the check chooses among (share of the fact's content words one sentence holds).
COVERAGE_GRID = tuple(round(0.5 + 0.05 * k, 2) for k in range(11))
#: The criterion: F-beta with beta 0.5 (precision weighs twice recall: citing an article for a fact
#: it does not state is worse than leaving one citation out).
COVERAGE_BETA = 0.5


def _f_beta(decided, labels, beta: float = COVERAGE_BETA) -> float:
    true = float((decided & (labels == 1)).sum())
    if true == 0:
        return 0.0
    precision, recall = true / float(decided.sum()), true / float((labels == 1).sum())
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def _best_coverage(coverage, labels) -> float:
    """The grid threshold with the best F-beta on these examples (ties: the higher, more precise one)."""
    return max(COVERAGE_GRID, key=lambda t: (round(_f_beta(coverage >= t, labels), 4), t))


def check_fact_coverage(args) -> BenchReport:
    """The agreed-fact rule of the brief (:func:`newsdesk.analysis.summary.states`, threshold
    :data:`~newsdesk.analysis.summary.FACT_COVERAGE`) judged as a decision "does this article state
    this sentence?" on support_qags (summary sentences vs their article) and support_wice (claims vs
    their evidence sentences): each example's best single-sentence coverage, the threshold chosen by
    F0.5 on the training folds only (grouped by article / claim), then leave one dataset out."""
    import numpy as np

    from ..analysis.summary import FACT_COVERAGE, fact_coverage

    paths = [Path(p) for p in (args.data or SUPPORT_DATA)]
    report = BenchReport(name="train summary --fact-coverage", dataset=", ".join(str(p) for p in paths))
    with Stopwatch() as watch:
        examples = support_examples(paths)
        coverage = np.array([max((fact_coverage(e.claim, s) for s in e.sentences), default=0.0) for e in examples])
    labels = np.array([e.label for e in examples])
    datasets = np.array([e.dataset for e in examples])
    groups = [e.dataset + ":" + e.group for e in examples]
    names = sorted(set(datasets.tolist()))
    rows: list[dict[str, Any]] = []
    chosen: list[float] = []
    for name in names:
        mask = np.flatnonzero(datasets == name)
        decided = np.zeros(len(mask), dtype=bool)
        for train, held in _grouped_folds([groups[i] for i in mask], args.folds):
            threshold = _best_coverage(coverage[mask][train], labels[mask][train])
            chosen.append(threshold)
            decided[held] = coverage[mask][held] >= threshold
        rows.append(
            {
                "evaluation": f"{args.folds}-fold grouped CV",
                "test": name,
                "threshold": "per fold",
                **_pr(decided, labels[mask]),
            }
        )
        rows.append(
            {
                "evaluation": f"shipped {FACT_COVERAGE}",
                "test": name,
                "threshold": FACT_COVERAGE,
                **_pr(coverage[mask] >= FACT_COVERAGE, labels[mask]),
            }
        )
    if len(names) > 1:
        for name in names:
            train, held = datasets != name, datasets == name
            threshold = _best_coverage(coverage[train], labels[train])
            rows.append(
                {
                    "evaluation": "leave one dataset out",
                    "test": name,
                    "threshold": threshold,
                    **_pr(coverage[held] >= threshold, labels[held]),
                }
            )
    report.metrics["rows"] = rows
    report.metrics["fold_thresholds"] = chosen
    report.tables.append(
        BenchTable(
            title="Does one sentence of the article state the sentence? Content-word coverage >= threshold "
            f"(threshold chosen by F{COVERAGE_BETA} on training folds only)",
            columns=["evaluation", "test", "threshold", "precision", "recall", "decided", "examples", "positives"],
            rows=rows,
        )
    )
    report.notes.append(
        f"{len(examples)} examples; thresholds chosen per fold: {', '.join(f'{t:.2f}' for t in chosen)}; "
        f"shipped FACT_COVERAGE = {FACT_COVERAGE}; {watch.seconds:.0f} s"
    )
    return report
