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
    store = parser.add_argument_group("at corpus scale, through a store")
    store.add_argument(
        "--store",
        metavar="DB",
        help="search the canonical articles of this store instead (made first if it does not exist: the "
        "records ingested through the index tier, then every article's search vector kept in it, timed)",
    )
    store.add_argument(
        "--no-make-vectors",
        action="store_true",
        help="with --store: use the search vectors the store keeps as they are (an article without one is "
        "found by its words alone, as `newsdesk serve` finds it) instead of making the missing ones",
    )
    store.add_argument(
        "--serve",
        action="store_true",
        help="with --store: also time `newsdesk serve` requests (p50/p95 per page) before and while an "
        "update runs (one more record ingested by another process, the server's analysis and index refreshed)",
    )
    store.add_argument(
        "--serve-stages",
        choices=("none", "all"),
        default="none",
        help="the analysis the server shows: 'none' (articles, copies, stories: a store never analysed) or "
        "'all' (every stage; only for a store whose analysis is kept, else the server analyses it all)",
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(args):
    if args.store:
        return _run_on_store(args)
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

    rows, overlap = _evaluate(index, options, queries, titles, relevant)
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


def _evaluate(index, options, queries: list[str], titles: dict[str, str], relevant: dict[str, set[str]]):
    """Every retriever on the same queries: rows of recall@10, MRR@10, p50/p95 ms, and the
    approximate index's overlap with the exact top 10."""
    import numpy as np

    retrievers = {
        "BM25 (FTS5)": lambda q: [aid for aid, _ in index.lexical(q, options)],
        "BM25, every word looked up (before session 6)": lambda q: [
            aid for aid, _ in index.lexical(q, options, every_word=True)
        ],
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
    return rows, overlap


def _run_on_store(args):
    """The same evaluation over the canonical articles of a store (made first when missing:
    the records through the index tier, then the search vectors kept), and optionally the
    latency of `newsdesk serve` on that store while an update runs."""
    import json
    import os
    import tempfile
    from dataclasses import replace

    from ..pipeline import ingest
    from ..search import SearchIndex, SearchOptions, keep_search_vectors, load_query_encoder, vector_space
    from ..store import open_store
    from . import BenchReport, BenchTable
    from .scale import _records

    options = SearchOptions()
    records = _records(str(args.dataset), None)
    # the record --serve ingests as the update: the next one long enough to be an article after
    # the first --limit records, or (every record) the last such record, held out of the store
    long_enough = [i for i, r in enumerate(records) if len(r["text"].split()) >= 80]
    if args.limit:
        held = next((i for i in long_enough if i >= args.limit), None)
        stored_records = records[: args.limit]
    else:
        held = long_enough[-1] if long_enough else None
        stored_records = [r for i, r in enumerate(records) if i != held]
    held_out = None if held is None else records[held]
    count = len(stored_records)
    notes: list[str] = []
    metrics: dict = {}
    created = not os.path.exists(args.store)
    load_query_encoder()
    with open_store(args.store) as store:
        if created:
            with tempfile.TemporaryDirectory() as tmp:
                data = os.path.join(tmp, "records.jsonl")
                with open(data, "w", encoding="utf-8") as handle:
                    handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in stored_records)
                start = time.perf_counter()
                ingest([data], store=store)
                metrics["ingest_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        made = 0 if args.no_make_vectors else keep_search_vectors(store)
        metrics["vectors_made"] = made
        metrics["vectors_s"] = round(time.perf_counter() - start, 1)
        duplicates = {link.duplicate for link in store.copies()}
        stored = [a for a in store.articles() if a.id not in duplicates]
        space = vector_space()
        vectors = store.embeddings(space, [a.id for a in stored])
        stories = len(store.stories())
    titles = {a.id: " ".join((a.title or "").split()) for a in stored}
    articles = [replace(a, title=None) for a in stored]  # found by what the text says, not the title
    same_text: dict[str, list[str]] = {}
    for article in articles:
        same_text.setdefault(article.text, []).append(article.id)
    relevant = {a.id: set(same_text[a.text]) for a in articles}
    eligible = [a.id for a in articles if len(titles[a.id].split()) >= 4]
    queries = random.Random(args.seed).sample(eligible, min(args.queries, len(eligible)))
    index = SearchIndex()
    start = time.perf_counter()
    index.sync(articles, lambda ids: {i: vectors[i] for i in ids if i in vectors})
    index_seconds = time.perf_counter() - start
    index.semantic("warm up", options, exact=True)
    index.semantic("warm up", options, exact=False)
    rows, overlap = _evaluate(index, options, queries, titles, relevant)
    with_vector = [q for q in queries if q in vectors]
    if len(with_vector) < len(queries):  # recall where the vectors can take part at all
        rows += [
            {**row, "retriever": row["retriever"] + f" [the {len(with_vector)} queries whose article has a vector]"}
            for row in _evaluate(index, options, with_vector, titles, relevant)[0]
        ]
    index.close()
    tables = [
        BenchTable(
            title=(
                f"Known-item search in the store {args.store}: {len(queries)} stored titles as queries over "
                f"{len(articles)} canonical articles ({stories} stories; titles neither indexed nor in the vectors)"
            ),
            columns=["retriever", "recall@10", "MRR@10", "p50 ms", "p95 ms"],
            rows=rows,
        )
    ]
    notes.append(f"usearch HNSW top 10 = exact top 10 on {overlap:.1%} of results")
    notes.append(
        (f"store made: {count} records through the index tier in {metrics['ingest_s']} s; " if created else "")
        + f"search vectors made and kept: {made} in {metrics['vectors_s']} s "
        f"({sum(1 for a in articles if a.id in vectors)} of {len(articles)} articles have one); "
        f"FTS5 index and vectors loaded in {index_seconds:.1f} s"
    )
    metrics.update(
        {
            "articles": len(articles),
            "articles_with_vector": sum(1 for a in articles if a.id in vectors),
            "stories": stories,
            "queries": len(queries),
            "rows": rows,
            "ann_overlap_at_10": round(overlap, 4),
            "load_avg_1m": round(os.getloadavg()[0], 1),
        }
    )
    if args.serve:
        if held_out is None:
            from ..errors import BenchmarkError

            raise BenchmarkError("--serve needs one record after the store's records to ingest as the update")
        serve_rows, serve_metrics = _serve_during_update(
            args.store, held_out, [titles[q] for q in queries[:50]], [a.id for a in articles[:200]], args.serve_stages
        )
        tables.append(
            BenchTable(
                title=f"`newsdesk serve` on the store (analysis shown: {args.serve_stages}), one request at a time",
                columns=["phase", "page", "requests", "p50 ms", "p95 ms", "max ms"],
                rows=serve_rows,
            )
        )
        metrics["serve"] = serve_metrics
        notes.append(
            f"serve: first page after start {serve_metrics['first_page_s']} s; update = `newsdesk ingest` of one "
            f"record by another process ({serve_metrics['ingest_s']} s) then the server's refresh "
            f"({serve_metrics['update_s']} s from the ingest's start until the pages no longer say 'being updated')"
        )
    return BenchReport(name="search", dataset=str(args.dataset), tables=tables, notes=notes, metrics=metrics)


def _serve_during_update(db: str, record: dict, queries: list[str], article_ids: list[str], stages: str):
    """Start `newsdesk serve` on ``db`` in a child process, time requests one at a time while
    idle, then while another process ingests ``record`` and the server refreshes its analysis
    and search index; per page and phase, p50 / p95 / max milliseconds."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import tempfile
    import urllib.parse
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    analysis = "AnalysisOptions()" if stages == "all" else "AnalysisOptions(stages=frozenset())"
    code = (
        "from newsdesk.serve import run, ServeOptions; from newsdesk.options import PipelineOptions; "
        "from newsdesk.analysis import AnalysisOptions; "
        f"run({db!r}, port={port}, options=ServeOptions(pipeline=PipelineOptions(analysis={analysis})), "
        "log_level='warning')"
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[float, str]:
        began = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=600) as response:
            body = response.read().decode("utf-8", "replace")
        return (time.perf_counter() - began) * 1000, body

    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        began = time.perf_counter()
        while True:
            if server.poll() is not None:
                from ..errors import BenchmarkError

                raise BenchmarkError(f"serve exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                get("/")
                break
            except OSError:
                time.sleep(0.5)
        first_page = time.perf_counter() - began
        stories = json.loads(get("/api/stories")[1])
        story_ids = [s["id"] for s in stories[:200]]
        pages = {
            "story list /": lambda i: "/",
            "story page": lambda i: "/stories/" + urllib.parse.quote(story_ids[i % len(story_ids)]),
            "article page": lambda i: "/articles/" + urllib.parse.quote(article_ids[i % len(article_ids)]),
            "search API": lambda i: "/api/search?q=" + urllib.parse.quote(queries[i % len(queries)]),
            "story API": lambda i: "/api/stories/" + urllib.parse.quote(story_ids[i % len(story_ids)]),
        }
        timings: dict[tuple[str, str], list[float]] = {}

        def one_round(phase: str, i: int) -> bool:
            updating = False
            for page, path in pages.items():
                ms, body = get(path(i))
                timings.setdefault((phase, page), []).append(ms)
                if page == "story list /":
                    updating = "being updated" in body
            return updating

        for i in range(40):
            one_round("idle", i)
        with tempfile.TemporaryDirectory() as tmp:
            one = os.path.join(tmp, "one.jsonl")
            with open(one, "w", encoding="utf-8") as handle:
                handle.write(json.dumps({**record, "url": record["url"] + "#update"}, ensure_ascii=False) + "\n")
            start = time.perf_counter()
            writer = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from newsdesk.cli import main; sys.exit(main(sys.argv[1:]))",
                    "ingest",
                    one,
                    "--db",
                    db,
                    "-q",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            i, seen_update, ingest_s = 0, False, None
            while True:
                updating = one_round("during update", i)
                i += 1
                seen_update = seen_update or updating
                if ingest_s is None and writer.poll() is not None:
                    ingest_s = time.perf_counter() - start
                    if writer.returncode != 0:
                        from ..errors import BenchmarkError

                        raise BenchmarkError(f"the update's ingest failed: {writer.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                if ingest_s is not None and seen_update and not updating:
                    break
                if time.perf_counter() - start > 1800:
                    break
            update_s = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(30)
    rows = []
    for (phase, page), values in timings.items():
        rows.append(
            {
                "phase": phase,
                "page": page,
                "requests": len(values),
                "p50 ms": round(_percentile(values, 50), 1),
                "p95 ms": round(_percentile(values, 95), 1),
                "max ms": round(max(values), 1),
            }
        )
    for phase in ("idle", "during update"):
        values = [v for (p, _), vs in timings.items() if p == phase for v in vs]
        rows.append(
            {
                "phase": phase,
                "page": "all pages",
                "requests": len(values),
                "p50 ms": round(_percentile(values, 50), 1),
                "p95 ms": round(_percentile(values, 95), 1),
                "max ms": round(max(values), 1),
            }
        )
    return rows, {
        "first_page_s": round(first_page, 1),
        "ingest_s": round(ingest_s or 0.0, 1),
        "update_s": round(update_s, 1),
        "update_seen": seen_update,
        "rows": rows,
    }
