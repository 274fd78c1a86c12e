"""Story clustering on ECB+ (gold ``event_cluster``) and BASIL (gold ``triplet_uuid``).

The whole split is one pile: every article is fed to :class:`newsdesk.stories.StoryIndex` in a
fixed order (date, then id) and the resulting stories are scored against the gold events with
BCubed precision/recall/F1, ARI and NMI. In the same run a TF-IDF + average-link agglomerative
baseline is scored with its distance threshold tuned on the same dev split (an optimistic
baseline), and shuffled-order runs check that arrival order changes nothing (agreement 1.0).
The threshold is chosen out of sample by ``newsdesk bench stories_selection``; real coverage
through the whole ingest is ``newsdesk bench stories_allsides``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

HELP = "story clustering: BCubed P/R/F1, ARI, NMI on ECB+ or BASIL (whole split as one pile)"

GOLD_FIELDS = ("event_cluster", "triplet_uuid")


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="path to clustering_ecbplus/dev.jsonl or clustering_basil/dev.jsonl")
    parser.add_argument("--predictions", metavar="OUT.jsonl", help="write one {id, cluster} per article")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N records (development)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF + agglomerative baseline")
    parser.add_argument("--shuffles", type=int, default=1, help="shuffled arrival orders to measure (default 1)")


def load_articles(path: str | Path, limit: int | None = None):
    """Articles and gold clusters of a clustering dataset file."""
    from ..errors import BenchmarkError
    from ..models import Article, Provenance
    from . import read_jsonl

    articles, gold = [], {}
    for number, record in enumerate(read_jsonl(path), 1):
        if limit is not None and len(articles) >= limit:
            break
        label = next((record[f] for f in GOLD_FIELDS if record.get(f) is not None), None)
        if label is None or not record.get("id") or not isinstance(record.get("text"), str):
            raise BenchmarkError(
                f"{path}:{number} lacks id, text or a gold cluster field ({' or '.join(GOLD_FIELDS)})",
                hint="pass clustering_ecbplus/dev.jsonl or clustering_basil/dev.jsonl",
            )
        title = record.get("title") or None
        text = record["text"]
        if title and text.startswith(title):  # BASIL repeats the title as the first line
            text = text[len(title) :].lstrip("\n")
        date = record.get("date") or None
        articles.append(
            Article(
                id=str(record["id"]),
                provenance=Provenance(str(path), number, record.get("url")),
                text=text,
                title=title,
                published=date[:10] if isinstance(date, str) else None,
                outlet=record.get("source"),
            )
        )
        gold[str(record["id"])] = str(label)
    return articles, gold


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of ``predicted`` clusters against ``gold`` (same keys)."""
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item in gold:
        by_pred[predicted[item]].add(item)
        by_gold[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        same_pred, same_gold = by_pred[predicted[item]], by_gold[gold[item]]
        both = len(same_pred & same_gold)
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    precision, recall = precision / len(gold), recall / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    items = sorted(gold)
    p, r, f = bcubed(predicted, gold)
    truth = [gold[i] for i in items]
    guess = [predicted[i] for i in items]
    return {
        "bcubed_p": round(p, 4),
        "bcubed_r": round(r, 4),
        "bcubed_f1": round(f, 4),
        "ari": round(adjusted_rand_score(truth, guess), 4),
        "nmi": round(normalized_mutual_info_score(truth, guess), 4),
        "clusters": len(set(guess)),
    }


def arrival_order(articles):
    return sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))


def cluster_features(features, options) -> dict[str, str]:
    """Article id -> story id after adding precomputed ``features`` in the given order."""
    from ..stories import StoryIndex

    index = StoryIndex(options)
    index.add_features(features)
    return {aid: story.id for story in index.stories() for aid in story.article_ids}


def tfidf_agglomerative(articles, gold, thresholds=None) -> tuple[dict[str, str], float, list]:
    """TF-IDF (title + text) + average-link cosine agglomerative clustering, threshold tuned on ``gold``."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [((a.title or "") + "\n" + a.text) for a in articles]
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1).fit_transform(texts)
    distances = 1.0 - (matrix @ matrix.T).toarray()
    np.clip(distances, 0.0, 2.0, out=distances)
    thresholds = thresholds or [round(0.5 + 0.02 * i, 2) for i in range(25)]
    sweep, best = [], None
    for threshold in thresholds:
        model = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
        )
        labels = model.fit_predict(distances)
        predicted = {a.id: str(label) for a, label in zip(articles, labels)}
        f1 = bcubed(predicted, gold)[2]
        sweep.append((threshold, round(f1, 4)))
        if best is None or f1 > best[0]:
            best = (f1, threshold, predicted)
    return best[2], best[1], sweep


def run(args):
    from ..stories import StoryOptions, article_features
    from . import BenchReport, BenchTable, Stopwatch, write_jsonl

    articles, gold = load_articles(args.dataset, args.limit)
    options = StoryOptions()
    ordered = arrival_order(articles)
    with Stopwatch() as features_time:
        features = article_features(ordered, options)
    with Stopwatch() as cluster_time:
        predicted = cluster_features(features, options)
    rows = [
        {
            "system": "newsdesk",
            **scores(predicted, gold),
            "seconds": round(features_time.seconds + cluster_time.seconds, 1),
        }
    ]
    notes = [
        f"{len(articles)} articles, {len(set(gold.values()))} gold events; newsdesk features {features_time.seconds:.1f}s, clustering {cluster_time.seconds:.2f}s",
        f"options: {options}",
    ]
    metrics: dict[str, Any] = {"newsdesk": rows[0]}

    shuffled_f1 = []
    for seed in range(args.shuffles):
        shuffled = list(features)
        random.Random(seed).shuffle(shuffled)
        other = cluster_features(shuffled, options)
        shuffled_f1.append(scores(other, gold)["bcubed_f1"])
        agreement = bcubed(other, predicted)[2]
        rows.append({"system": f"newsdesk, shuffled order #{seed}", **scores(other, gold), "seconds": None})
        notes.append(f"shuffled order #{seed}: BCubed F1 agreement with date order {agreement:.4f}")
    metrics["shuffled_bcubed_f1"] = shuffled_f1

    if not args.no_baseline:
        with Stopwatch() as baseline_time:
            base, threshold, sweep = tfidf_agglomerative(articles, gold)
        rows.append(
            {
                "system": f"tfidf+agglomerative (threshold {threshold} tuned on this split)",
                **scores(base, gold),
                "seconds": round(baseline_time.seconds, 1),
            }
        )
        metrics["baseline_threshold"] = threshold
        metrics["baseline_sweep"] = sweep

    if args.predictions:
        write_jsonl(args.predictions, ({"id": a.id, "cluster": predicted[a.id]} for a in articles))
        notes.append(f"predictions written to {args.predictions}")

    table = BenchTable(
        title="Story clustering (whole split as one pile)",
        columns=["system", "bcubed_p", "bcubed_r", "bcubed_f1", "ari", "nmi", "clusters", "seconds"],
        rows=rows,
    )
    return BenchReport(name="clustering", dataset=str(args.dataset), tables=[table], notes=notes, metrics=metrics)
