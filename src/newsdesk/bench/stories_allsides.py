"""Stories of real coverage: AllSides roundups shuffled into one pile and run through ``ingest``.

Each AllSides story lists the left / center / right outlets' articles on one event. All the
articles of the split become one crawler-JSONL pile (url, title, source, date, text), shuffled,
and go through the pipeline's ingest (extraction, copies, stories) into a fresh store, exactly as
``newsdesk analyze`` would take them; the stored stories are scored against the AllSides story ids
with BCubed P/R/F1 (copies count in their canonical's story; articles extraction rejects are left
out, as the held-back scorer does). ``--undated`` drops the dates from the pile.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

HELP = "stories of an AllSides pile through ingest: BCubed P/R/F1 against the AllSides story ids"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="path to mds_allsides_stories/dev.jsonl")
    parser.add_argument("--seed", type=int, default=0, help="shuffle seed of the pile (default 0)")
    parser.add_argument("--undated", action="store_true", help="leave the dates out of the pile")
    parser.add_argument("--predictions", metavar="OUT.jsonl", help="write one {url, story, gold} per article")


def pile(path: str | Path, *, seed: int = 0, dated: bool = True) -> tuple[list[dict], dict[str, str]]:
    """The shuffled crawler records of an AllSides split and the gold story of each URL."""
    from . import read_jsonl

    records, gold = [], {}
    for story in read_jsonl(path):
        for item in story["articles"]:
            if item["url"] in gold:
                continue
            gold[item["url"]] = str(story["id"])
            record = {
                "url": item["url"],
                "title": item.get("title"),
                "source": item.get("source"),
                "text": item["text"],
            }
            if dated and story.get("date"):
                record["date"] = story["date"][:10]
            records.append(record)
    random.Random(seed).shuffle(records)
    return records, gold


def run(args):
    from ..options import PipelineOptions
    from ..pipeline import ingest
    from ..store import open_store
    from . import BenchReport, BenchTable, Stopwatch, write_jsonl
    from .clustering import scores

    records, gold = pile(args.dataset, seed=args.seed, dated=not args.undated)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pile.jsonl"
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        with open_store(Path(tmp) / "pile.db") as store, Stopwatch() as watch:
            summary = ingest([data], store=store, options=PipelineOptions())
            articles, stories, copies = store.articles(), store.stories(), store.copies()
    story_of = {aid: story.id for story in stories for aid in story.article_ids}
    for link in copies:
        story_of[link.duplicate] = story_of.get(link.canonical, link.canonical)
    predicted, truth = {}, {}
    for article in articles:
        url = article.provenance.url
        if url in gold:
            predicted[url] = story_of.get(article.id, f"single:{url}")
            truth[url] = gold[url]
    row = {"system": "newsdesk ingest", **scores(predicted, truth), "seconds": round(watch.seconds, 1)}
    notes = [
        f"{len(records)} articles of {len(set(gold.values()))} stories ({'undated' if args.undated else 'dated by their roundup'}), "
        f"shuffle seed {args.seed}; {len(predicted)} stored and scored, {len(summary.rejections)} rejected, {len(copies)} copies",
    ]
    if args.predictions:
        write_jsonl(args.predictions, ({"url": u, "story": predicted[u], "gold": truth[u]} for u in sorted(predicted)))
    table = BenchTable(
        title="AllSides stories through ingest",
        columns=["system", "bcubed_p", "bcubed_r", "bcubed_f1", "ari", "nmi", "clusters", "seconds"],
        rows=[row],
    )
    return BenchReport(
        name="stories_allsides", dataset=str(args.dataset), tables=[table], notes=notes, metrics={"newsdesk": row}
    )
