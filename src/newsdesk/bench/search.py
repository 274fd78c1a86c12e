"""Search: latency and recall of ``newsdesk serve``'s search on Reuters-21578 (known-item queries).

The first N Reuters records with a text (default 2,000) become articles in a
:class:`~newsdesk.search.SearchIndex`, their search vectors made as the analysis makes them
(:func:`newsdesk.search.article_vectors`: the mean MiniLM vector of the first sentences). The query set is built from the data, not written by
hand: a sample of records whose title has at least four words; each title is a query whose one
relevant answer is its own article (or an article with the same text: Reuters repeats some
stories). The titles are not indexed (only the texts are), so a query can only find its article
through what the text says: the known-item task of a reader who remembers a headline.

Every retriever answers the same queries in the same run: BM25 alone (FTS5), the nearest
vectors by an exact scan (the brute-force anchor), the same through the approximate usearch
HNSW index, and the fusion the server answers with (BM25 + nearest vectors, reciprocal rank
fusion). Reported: recall@10 (the relevant article among the first 10), MRR@10, and the
latency per query (p50 / p95, query embedding included), plus the approximate index's overlap
with the exact top 10.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

HELP = "search: p50/p95 latency and known-item recall@10 on Reuters-21578 (BM25, vectors exact and ANN, fused)"

_DEFAULT = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "corpus_reuters21578" / "all.jsonl.gz"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(_DEFAULT), help="corpus_reuters21578/all.jsonl.gz")
    parser.add_argument("--limit", type=int, default=2000, help="index the first N records (default 2000; 0: all)")
    parser.add_argument("--queries", type=int, default=500, help="known-item queries sampled (default 500)")
    parser.add_argument("--seed", type=int, default=13, help="seed of the query sample")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(args):
    import numpy as np

    from ..models import Article, Provenance
    from ..search import SearchIndex, SearchOptions, article_vectors, load_query_encoder
    from . import BenchReport, BenchTable, read_jsonl

    options = SearchOptions()
    articles: list[Article] = []
    titles: dict[str, str] = {}
    for record in read_jsonl(args.dataset):
        text = (record.get("text") or "").strip()
        if not text:
            continue
        aid = str(record["id"])
        # the title stays out of the index: a query must find its article by what the text says
        articles.append(Article(id=aid, provenance=Provenance(f"reuters/{aid}"), text=text, title=None))
        titles[aid] = " ".join((record.get("title") or "").split())
        if args.limit and len(articles) >= args.limit:
            break
    same_text: dict[str, list[str]] = {}
    for article in articles:
        same_text.setdefault(article.text, []).append(article.id)
    relevant = {a.id: set(same_text[a.text]) for a in articles}
    eligible = [a.id for a in articles if len(titles[a.id].split()) >= 4]
    rng = random.Random(args.seed)
    queries = rng.sample(eligible, min(args.queries, len(eligible)))

    load_query_encoder()
    start = time.perf_counter()
    vectors = article_vectors(articles)
    embed_seconds = time.perf_counter() - start
    index = SearchIndex()
    start = time.perf_counter()
    index.sync(articles, lambda ids: {i: vectors[i] for i in ids})
    index_seconds = time.perf_counter() - start
    index.semantic("warm up", options, exact=True)
    index.semantic("warm up", options, exact=False)  # builds the HNSW index before timing

    retrievers = {
        "BM25 (FTS5)": lambda q: [aid for aid, _ in index.lexical(q, options)],
        "vectors, exact scan (anchor)": lambda q: [aid for aid, _ in index.semantic(q, options, exact=True)],
        "vectors, usearch HNSW": lambda q: [aid for aid, _ in index.semantic(q, options, exact=False)],
        "fused BM25 + vectors (RRF, served)": lambda q: [h.article_id for h in index.search(q, options)],
    }
    rows = []
    answers: dict[str, list[list[str]]] = {}
    for name, retrieve in retrievers.items():
        latencies, found, reciprocal, lists = [], 0, 0.0, []
        for aid in queries:
            began = time.perf_counter()
            ranked = retrieve(titles[aid])[:10]
            latencies.append((time.perf_counter() - began) * 1000)
            lists.append(ranked)
            hit = next((rank for rank, other in enumerate(ranked, 1) if other in relevant[aid]), None)
            if hit is not None:
                found += 1
                reciprocal += 1.0 / hit
        answers[name] = lists
        rows.append(
            {
                "retriever": name,
                "recall@10": round(100 * found / len(queries), 1),
                "MRR@10": round(reciprocal / len(queries), 3),
                "p50 ms": round(_percentile(latencies, 50), 1),
                "p95 ms": round(_percentile(latencies, 95), 1),
            }
        )
    exact, approximate = answers["vectors, exact scan (anchor)"], answers["vectors, usearch HNSW"]
    overlap = float(np.mean([len(set(a) & set(b)) / max(1, len(a)) for a, b in zip(exact, approximate)]))
    index.close()
    table = BenchTable(
        title=(
            f"Known-item search: {len(queries)} Reuters titles as queries over {len(articles)} article texts "
            "(titles neither indexed nor in the vectors)"
        ),
        columns=["retriever", "recall@10", "MRR@10", "p50 ms", "p95 ms"],
        rows=rows,
    )
    notes = [
        f"usearch HNSW top 10 = exact top 10 on {overlap:.1%} of results (approximate recall against the anchor)",
        f"article vectors: {embed_seconds:.1f} s for {len(articles)} articles (parse and MiniLM; the analysis "
        "makes the same vectors as a by-product and keeps them in the store); "
        f"FTS5 index and vectors loaded in {index_seconds:.1f} s",
        "latency per query, one thread, query embedding included; the server fuses the first "
        f"{options.candidates} of each ranking",
    ]
    return BenchReport(
        name="search",
        dataset=str(args.dataset),
        tables=[table],
        notes=notes,
        metrics={
            "articles": len(articles),
            "queries": len(queries),
            "rows": rows,
            "ann_overlap_at_10": round(overlap, 4),
            "embed_seconds": round(embed_seconds, 1),
        },
    )
