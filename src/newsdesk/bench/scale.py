"""Scale: ingest Reuters-21578 at growing sizes into a fresh store (ingest + extract + copies + stories).

Each size runs in its own child process (so peak memory is that size's alone): the first N
records are written to a temporary JSONL (id/url/title/text/date/source) and ingested with
:func:`newsdesk.pipeline.ingest` into a new store. Reported: articles/s, seconds per document
relative to the smallest size (linear scaling = 1.0), peak resident memory, the time to
ingest one more article into the full store (``one_add_ms``: a fresh ``ingest`` call: read the
record, learn the site's templates, extract, open the copy and story indexes, index and commit),
and the parts of it that belong to the indexes: opening them (``index_open_ms``) and indexing one
stored article with the commit of the rows it changed (``index_add_ms``); plus the size of their
rows and postings in the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HELP = "scale: articles/s, per-document time ratio, peak memory and one-add latency on Reuters-21578"

_DEFAULT = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "corpus_reuters21578" / "all.jsonl.gz"


_ALLSIDES = _DEFAULT.parents[1] / "mds_allsides_stories" / "dev.jsonl"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(_DEFAULT), help="corpus_reuters21578/all.jsonl.gz")
    parser.add_argument(
        "--sizes", default="5000,10000,all", help="comma-separated record counts, 'all' for every record"
    )
    parser.add_argument("--limit", type=int, default=None, help="cap every size at N records (development)")
    deep = parser.add_argument_group("deep (the full analysis, every stage)")
    deep.add_argument(
        "--deep",
        action="store_true",
        help="also run the full analysis after ingest: articles/s, seconds per stage, the ratio to one "
        "spaCy pass over the same texts, peak memory, the time to add one article and get its story's brief",
    )
    deep.add_argument(
        "--allsides",
        default=str(_ALLSIDES),
        metavar="DEV.jsonl",
        help="the AllSides stories dev split, run as one more pile with --deep ('' to skip)",
    )
    deep.add_argument(
        "--scheduler", metavar="ADDRESS|local:N", help="analyse the stories on Dask (see newsdesk analyze)"
    )
    deep.add_argument(
        "--dask-workers",
        type=int,
        default=0,
        metavar="N",
        help="also analyse each pile again on a local Dask cluster of N workers (started and warmed "
        "first) and report its throughput against the single-process run and whether the output is identical",
    )


def _records(path: str, count: int | None) -> list[dict]:
    from . import read_jsonl

    records = []
    for record in read_jsonl(path):
        records.append(
            {
                "id": record["id"],
                "url": f"https://reuters.example/{record['id']}",
                "title": record.get("title") or "",
                "text": record.get("text") or "",
                "date": record.get("date") or "",
                "source": record.get("source") or "Reuters",
            }
        )
        if count is not None and len(records) >= count:
            break
    return records


def _child(path: str, count: int | None) -> dict:
    """Run one size in this process; returns its measurements."""
    import resource
    import time

    from ..pipeline import ingest
    from ..store import open_store

    records = _records(path, None)
    size = len(records) if count is None else min(count, len(records))
    # the one more article: the next record long enough to be an article (short ones are rejected
    # by extraction and would time a rejection), or an edited copy of the first when none is left
    extra = next((r for r in records[size:] if len(r["text"].split()) >= 80), None)
    if extra is None:
        extra = {**records[0], "id": "extra", "text": records[0]["text"] + " Extra."}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "reuters.jsonl"
        with open(data, "w", encoding="utf-8") as handle:
            for record in records[:size]:
                handle.write(json.dumps(record) + "\n")
        one = Path(tmp) / "one.jsonl"
        one.write_text(json.dumps(extra) + "\n", encoding="utf-8")
        store = open_store(Path(tmp) / "store.sqlite")
        from ..stories import embed_leads

        embed_leads(["warm up"], "auto")  # loading the story encoder is not ingest time
        start = time.perf_counter()
        summary = ingest([data], store=store)
        seconds = time.perf_counter() - start
        index_times = _index_times(store, extra)
        start = time.perf_counter()
        ingest([one], store=store)
        one_add = time.perf_counter() - start
        counts = store.counts()
        store_mb = round(sum(f.stat().st_size for f in Path(tmp).glob("store.sqlite*")) / 2**20, 1)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "records": size,
        "articles": summary.new_articles,
        "seconds": round(seconds, 1),
        "articles_per_s": round(summary.new_articles / seconds, 1) if seconds else None,
        "records_per_s": round(size / seconds, 1) if seconds else None,
        "peak_rss_mb": round(peak_kb / 1024),
        "one_add_ms": round(one_add * 1000),
        **index_times,
        "store_mb": store_mb,
        "copies": counts.get("copies"),
        "stories": counts.get("stories"),
        "rejected": len(summary.rejections),
    }


def _index_times(store, record: dict) -> dict:
    """The copy and story indexes of the full store: opening them, and indexing one more article
    (stored first, as ingest does) with the commit of the rows it changed; plus their size."""
    import time

    from ..models import Provenance, RawDocument
    from ..options import PipelineOptions
    from ..pipeline import Indexes

    start = time.perf_counter()
    indexes = Indexes.open(store, PipelineOptions())
    opened = time.perf_counter() - start
    text = (record.get("text") or "extra") + " Indexed alone."
    doc = RawDocument(Provenance("one-index.jsonl", 1), "text", text, "utf-8", {})
    from ..models import Article

    article = Article(
        id=doc.digest,
        provenance=doc.provenance,
        text=text,
        title=record.get("title") or None,
        published=(record.get("date") or "")[:10] or None,
    )
    with store.transaction():
        store.add_document(doc)
        store.add_article(article)
    start = time.perf_counter()
    indexes.add(article, store)
    indexes.commit(store)
    added = time.perf_counter() - start
    sizes = store.index_sizes()
    rows_bytes, postings = sizes["rows_bytes"], sizes["postings"]
    return {
        "index_open_ms": round(opened * 1000, 1),
        "index_add_ms": round(added * 1000, 1),
        "index_rows_mb": round(rows_bytes / 2**20, 1),
        "index_postings": postings,
    }


def _deep_records(kind: str, path: str, count: int | None) -> list[dict]:
    if kind == "allsides":
        from .stories_allsides import pile

        records, _ = pile(path)
        return records if count is None else records[:count]
    return _records(path, count)


def _warm_worker() -> None:
    """Load the models on a Dask worker before the timed run."""
    from .. import resources

    resources.nlp()
    resources.embed(["warm up"])
    resources.stance_model()


def _on_dask(store, workers: int, single: dict) -> dict:
    """The same analysis again on a warmed local cluster of ``workers`` processes."""
    import time

    from dask.distributed import Client, LocalCluster

    from ..analysis.cache import SPACE, sentence_space
    from ..distributed import _WORKER_ENV
    from ..pipeline import AnalysisProfile, build_analysis

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=_WORKER_ENV
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_worker)
        with store.transaction():
            store.index_state(SPACE).clear()
            # and the sentence vectors: the workers would read them, the single run had none
            store.delete_embeddings(sentence_space())
        profile = AnalysisProfile()
        start = time.perf_counter()
        document = build_analysis(store, save=False, scheduler=cluster.scheduler_address, profile=profile).to_json()
        seconds = time.perf_counter() - start
    same = {**document, "run": None} == {**single, "run": None}
    return {
        "dask_workers": workers,
        "dask_s": round(seconds, 1),
        "dask_identical": same,
        "dask_load_avg_1m": round(os.getloadavg()[0], 1),
    }


def _deep_child(kind: str, path: str, count: int | None, scheduler: str | None, dask_workers: int = 0) -> dict:
    """The full analysis of one pile in this process: ingest, then one spaCy pass over the
    stored articles' texts (the anchor), then every stage on every story; then one more article
    and the time until its story's updated brief is written."""
    import resource
    import time

    from .. import resources
    from ..pipeline import AnalysisProfile, analysis_document, ingest
    from ..store import open_store

    records = _deep_records(kind, path, None if count is None else count + 2)
    # the articles added one at a time afterwards: the two records after the pile (the last two
    # held out when the pile is all of them)
    held = min(2, max(0, len(records) - (count if count is not None else len(records) - 2)), len(records) - 1)
    extras = records[len(records) - held :]
    records = records[: len(records) - held]
    while len(extras) < 2:
        extras.append(
            {**records[len(extras)], "text": records[len(extras)]["text"] + " One more sentence, added later."}
        )
    extras = [{**e, "url": (e.get("url") or "https://extra.example/") + f"#extra{n}"} for n, e in enumerate(extras)]
    with tempfile.TemporaryDirectory() as tmp:
        data, one, two = Path(tmp) / "pile.jsonl", Path(tmp) / "one.jsonl", Path(tmp) / "two.jsonl"
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        for target, extra in zip((one, two), extras):
            target.write_text(json.dumps(extra, ensure_ascii=False) + "\n", encoding="utf-8")
        store = open_store(Path(tmp) / "store.sqlite")
        from ..stories import embed_leads

        embed_leads(["warm up"], "auto")
        resources.nlp()
        resources.embed(["warm up"])
        start = time.perf_counter()
        summary = ingest([data], store=store)
        ingest_seconds = time.perf_counter() - start
        copies = {link.duplicate for link in store.copies()}
        texts = [a.text for a in store.articles() if a.id not in copies]

        def spacy_pass() -> float:
            start = time.perf_counter()
            for _ in resources.nlp().pipe(texts, batch_size=16):
                pass
            return time.perf_counter() - start

        spacy_before = spacy_pass()
        profile = AnalysisProfile()
        start = time.perf_counter()
        document = analysis_document(store, profile=profile, scheduler=scheduler)
        analysis_seconds = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # the anchor again after the analysis: on a shared machine the load moves in minutes, so
        # the ratio is taken to the mean of the passes before and after
        spacy_after = spacy_pass()
        spacy_seconds = (spacy_before + spacy_after) / 2
        load = os.getloadavg()[0]
        # one more article, in a fresh process as `newsdesk analyze ONE --db STORE` would run (the
        # heap this process grew during the analysis slows everything after it)
        store.close()
        add = _in_child(f"_one_add_child({str(Path(tmp) / 'store.sqlite')!r}, {[str(one), str(two)]!r}, {scheduler!r})")
        store = open_store(Path(tmp) / "store.sqlite")
        # last: it clears the store's findings to analyse every story again on the cluster
        dask = _on_dask(store, dask_workers, analysis_document(store)) if dask_workers else {}
        store.close()
    return {
        "pile": kind if count is None else f"{kind} {count}",
        "records": len(records),
        "articles": len(texts),
        "stories": len(document["stories"]),
        "ingest_s": round(ingest_seconds, 1),
        "spacy_s": round(spacy_seconds, 1),
        "spacy_before_after_s": f"{spacy_before:.1f} / {spacy_after:.1f}",
        "analysis_s": round(analysis_seconds, 1),
        "ratio_to_spacy": round(analysis_seconds / spacy_seconds, 2) if spacy_seconds else None,
        # the analysis's own spaCy parse of the same texts is timed inside it: a ratio that the load
        # cannot move between anchor and analysis (parse ≈ one spaCy pass when both run alike)
        "ratio_to_own_parse": round(analysis_seconds / profile.stages["parse"], 2)
        if profile.stages.get("parse")
        else None,
        "load_avg_1m": round(load, 1),
        "articles_per_s": round(len(texts) / analysis_seconds, 1) if analysis_seconds else None,
        "peak_rss_mb": round(peak_kb / 1024),
        **add,
        "stage_seconds": {name: round(seconds, 1) for name, seconds in profile.stages.items()},
        "rejected": len(summary.rejections),
        "scheduler": scheduler or "single process",
        **dask,
        **({"dask_speedup": round(analysis_seconds / dask["dask_s"], 2)} if dask else {}),
    }


def _one_add_child(db: str, ones: list[str], scheduler: str | None) -> dict:
    """Records added one at a time to an analysed store, each followed by its updated analysis
    document, in this fresh process with the models loaded first. The first add pays what a
    new process pays once (`newsdesk analyze ONE --db STORE`: digests of the models and code,
    the extraction models); the last one is what a running process pays (a server, a
    long-running ingester) and is the one split into the ingest, the re-analysis of the
    stories it touched, and the rest (reading every other story's findings, the whole store's
    articles and stories, writing the document)."""
    import time

    from .. import resources
    from ..analysis import AnalysisOptions, analyse_stories
    from ..pipeline import AnalysisProfile, analysis_document, ingest
    from ..store import open_store
    from ..stories import embed_leads

    embed_leads(["warm up"], "auto")
    resources.nlp()
    resources.embed(["warm up"])
    resources.stance_model()
    adds = []
    with open_store(db) as store:
        # every model a stage loads lazily, loaded before the timing: the first story analysed once, nothing kept
        first = store.stories()[0]
        members = [a for a in (store.article(aid) for aid in first.article_ids) if a is not None]
        list(analyse_stories([(first, members)], AnalysisOptions()))
        for one in ones:
            before = {story.id: len(story.article_ids) for story in store.stories()}
            start = time.perf_counter()
            ingest([one], store=store)
            ingest_seconds = time.perf_counter() - start
            touched = [len(s.article_ids) for s in store.stories() if before.get(s.id) != len(s.article_ids)]
            profile = AnalysisProfile()
            start = time.perf_counter()
            analysis_document(store, profile=profile, scheduler=scheduler)
            document_seconds = time.perf_counter() - start
            stages = sum(seconds for name, seconds in profile.stages.items() if name not in {"embeddings", "models"})
            adds.append((ingest_seconds, document_seconds, stages, profile.analysed, max(touched, default=0)))
    ingest_seconds, document_seconds, stages, analysed, size = adds[-1]
    return {
        "one_add_cold_s": round(adds[0][0] + adds[0][1], 2),
        "one_add_s": round(ingest_seconds + document_seconds, 2),
        "one_add_ingest_s": round(ingest_seconds, 2),
        "one_add_story_s": round(stages, 2),
        "one_add_rest_s": round(document_seconds - stages, 2),
        "one_add_stories_analysed": analysed,
        "one_add_story_articles": size,
    }


def _in_child(call: str) -> dict:
    code = (
        "import json,sys; from newsdesk.bench.scale import _child, _deep_child, _one_add_child; "
        f"print('RESULT'+json.dumps({call}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next((out for out in proc.stdout.splitlines() if out.startswith("RESULT")), None)
    if proc.returncode != 0 or line is None:
        from ..errors import BenchmarkError

        raise BenchmarkError(f"scale run {call} failed: {proc.stderr[-2000:]}")
    result: dict = json.loads(line[len("RESULT") :])
    return result


def _run_deep(args, sizes):
    from . import BenchReport, BenchTable

    piles = [("reuters", str(args.dataset), count) for count in sizes]
    if args.allsides:
        piles.append(("allsides", str(args.allsides), args.limit))
    rows = [
        _in_child(f"_deep_child({kind!r}, {path!r}, {count!r}, {args.scheduler!r}, {args.dask_workers!r})")
        for kind, path, count in piles
    ]
    reuters = [row for row in rows if row["pile"].startswith("reuters")]
    if reuters:
        base = reuters[0]["analysis_s"] / max(1, reuters[0]["articles"])
        for row in reuters:
            row["per_article_ratio"] = round(row["analysis_s"] / max(1, row["articles"]) / base, 2) if base else None
    stages = sorted(
        {name for row in rows for name in row["stage_seconds"]},
        key=lambda name: (_STAGE_ORDER.index(name) if name in _STAGE_ORDER else len(_STAGE_ORDER), name),
    )
    main = BenchTable(
        title="Full analysis (every stage) after ingest into a fresh store; the anchor is one spaCy pass (nlp.pipe) over the same texts",
        columns=[
            "pile",
            "records",
            "articles",
            "stories",
            "ingest_s",
            "spacy_s",
            "spacy_before_after_s",
            "analysis_s",
            "ratio_to_spacy",
            "ratio_to_own_parse",
            "load_avg_1m",
            "articles_per_s",
            "per_article_ratio",
            "peak_rss_mb",
            "one_add_cold_s",
            "one_add_s",
            "one_add_ingest_s",
            "one_add_story_s",
            "one_add_rest_s",
            "one_add_stories_analysed",
            "one_add_story_articles",
            "scheduler",
            *(
                ["dask_workers", "dask_s", "dask_speedup", "dask_identical", "dask_load_avg_1m"]
                if args.dask_workers
                else []
            ),
        ],
        rows=rows,
    )
    per_stage = BenchTable(
        title="Seconds per stage, summed over the stories (encode: the MiniLM pass over each chunk's sentences "
        "and titles; embeddings: all MiniLM encoding, encode included)",
        columns=["pile", *stages],
        rows=[{"pile": row["pile"], **row["stage_seconds"]} for row in rows],
    )
    notes = [
        "each pile runs in a fresh process; model loading excluded (the 'models' column is the loading the analysis "
        "itself did); one_add_s: ingest one more record and write the updated analysis (only its story analysed "
        "again), in a fresh process after a first such add (one_add_cold_s: that first one) = one_add_ingest_s + one_add_story_s (the stages on the stories it touched, "
        "one_add_story_articles their size) + one_add_rest_s (every other story's findings read, the whole "
        "store's articles and stories, the document built and saved)"
    ]
    return BenchReport(
        name="scale", dataset=str(args.dataset), tables=[main, per_stage], notes=notes, metrics={"rows": rows}
    )


_STAGE_ORDER = [
    "models",
    "parse",
    "sentences",
    "encode",
    "entities",
    "quotes",
    "positions",
    "claims",
    "timeline",
    "summary",
    "embeddings",
]


def run(args):
    from . import BenchReport, BenchTable

    sizes = []
    for item in str(args.sizes).split(","):
        item = item.strip()
        if not item:  # --sizes '' with --deep: only the AllSides pile
            continue
        count = None if item == "all" else int(item)
        if args.limit is not None:
            count = args.limit if count is None else min(count, args.limit)
        sizes.append(count)
    if getattr(args, "deep", False):
        return _run_deep(args, sizes)
    rows = []
    for count in sizes:
        code = (
            "import json,sys; from newsdesk.bench.scale import _child; "
            f"print('RESULT'+json.dumps(_child({str(args.dataset)!r}, {count!r})))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        line = next((out for out in proc.stdout.splitlines() if out.startswith("RESULT")), None)
        if proc.returncode != 0 or line is None:
            from ..errors import BenchmarkError

            raise BenchmarkError(f"scale run for size {count or 'all'} failed: {proc.stderr[-2000:]}")
        rows.append(json.loads(line[len("RESULT") :]))
    base = rows[0]["seconds"] / max(1, rows[0]["records"]) if rows else None
    for row in rows:
        per_doc = row["seconds"] / max(1, row["records"])
        row["per_doc_ratio"] = round(per_doc / base, 2) if base else None
    table = BenchTable(
        title="Reuters-21578 ingest into a fresh store (ingest + extract + copies + stories)",
        columns=[
            "records",
            "articles",
            "seconds",
            "articles_per_s",
            "per_doc_ratio",
            "peak_rss_mb",
            "one_add_ms",
            "index_open_ms",
            "index_add_ms",
            "index_rows_mb",
            "index_postings",
            "store_mb",
            "copies",
            "stories",
            "rejected",
        ],
        rows=rows,
    )
    return BenchReport(
        name="scale",
        dataset=str(args.dataset),
        tables=[table],
        notes=["each size runs in a fresh process; model loading excluded"],
        metrics={"rows": rows},
    )
