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
import subprocess
import sys
import tempfile
from pathlib import Path

HELP = "scale: articles/s, per-document time ratio, peak memory and one-add latency on Reuters-21578"

_DEFAULT = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "corpus_reuters21578" / "all.jsonl.gz"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(_DEFAULT), help="corpus_reuters21578/all.jsonl.gz")
    parser.add_argument("--sizes", default="5000,10000,all", help="comma-separated record counts, 'all' for every record")
    parser.add_argument("--limit", type=int, default=None, help="cap every size at N records (development)")


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

    article = Article(id=doc.digest, provenance=doc.provenance, text=text, title=record.get("title") or None,
                      published=(record.get("date") or "")[:10] or None)
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


def run(args):
    from . import BenchReport, BenchTable

    sizes = []
    for item in str(args.sizes).split(","):
        item = item.strip()
        count = None if item == "all" else int(item)
        if args.limit is not None:
            count = args.limit if count is None else min(count, args.limit)
        sizes.append(count)
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
        columns=["records", "articles", "seconds", "articles_per_s", "per_doc_ratio", "peak_rss_mb", "one_add_ms", "index_open_ms", "index_add_ms", "index_rows_mb", "index_postings", "store_mb", "copies", "stories", "rejected"],
        rows=rows,
    )
    return BenchReport(name="scale", dataset=str(args.dataset), tables=[table], notes=["each size runs in a fresh process; model loading excluded"], metrics={"rows": rows})
