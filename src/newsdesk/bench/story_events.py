"""Story timelines on dated coverage: ``newsdesk bench story_events DATASET``.

Runs :func:`newsdesk.analysis.events.story_events` on every story of a multi-outlet dataset and reports
how many of the story's events (kind ``event``) get a calendar date, how many are told by
several outlets (merged into one entry), and how many entries are set apart as background or
planned. Datasets:

* ``brief_basil/dev.jsonl``: three outlets per event, each article with its own date;
* ``mds_allsides_stories/dev.jsonl``: AllSides roundups (leading paragraphs of two or three
  outlets). Articles carry no date of their own: ``--dates url`` dates them only from their URL
  (``/2021/10/18/``), ``--dates story`` takes the roundup's date for each article (what a desk
  would pass with ``--date``).

``--sample OUT.jsonl`` writes a random sample of entries (fixed seed) for checking by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from pathlib import Path
from typing import Any

from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

HELP = "story timelines on dated multi-outlet coverage (BASIL, AllSides): share of events with a resolved date, merges"


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="brief_basil/dev.jsonl or mds_allsides_stories/dev.jsonl")
    parser.add_argument(
        "--dates",
        choices=("record", "url", "story"),
        default="record",
        help="where articles' dates come from: their record (BASIL), their URL only, or the roundup's date (AllSides)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N stories")
    parser.add_argument("--sample", metavar="OUT.jsonl", help="write a sample of entries for checking by hand")
    parser.add_argument("--sample-size", type=int, default=30, help="entries in the sample (default 30)")
    parser.add_argument("--no-embeddings", action="store_true", help="merge mentions by word overlap only")


def stories(path: str, dates: str, limit: int | None) -> list[tuple[str, list[Any]]]:
    from ..extract.origin import date_from_url, host_of, outlet_from_host
    from ..models import Article, Provenance, content_digest

    out: list[tuple[str, list[Any]]] = []
    for record in read_jsonl(path):
        if limit is not None and len(out) >= limit:
            break
        articles = []
        for index, item in enumerate(record.get("articles") or []):
            text = item.get("text") or ""
            if not text.strip():
                continue
            url = item.get("url")
            published = None
            if dates == "record":
                published = (item.get("date") or "")[:10] or None
            elif dates == "url":
                found = date_from_url(url, latest=dt.date.today())
                published = found.value if found else None
            else:
                published = (record.get("date") or "")[:10] or None
            host = host_of(url)
            articles.append(Article(
                id=content_digest(f"{record.get('story') or record.get('id')}/{index}/{text}"),
                provenance=Provenance(path, record=index, url=url), text=text, title=item.get("title"),
                outlet=outlet_from_host(host).value if host else item.get("outlet") or item.get("source"),
                published=published,
            ))  # fmt: skip
        out.append((str(record.get("story") or record.get("id")), articles))
    return out


def run(args) -> BenchReport:
    from ..analysis.events import EventOptions, story_events
    from ..resources import nlp

    options = EventOptions(use_embeddings=not args.no_embeddings)
    data = stories(args.dataset, args.dates, args.limit)
    counts = {"stories": len(data), "articles": 0, "dated_articles": 0, "entries": 0, "event": 0, "background": 0, "planned": 0,
              "event_dated": 0, "event_day": 0, "event_multi_source": 0, "mentions": 0}  # fmt: skip
    sample_pool: list[dict[str, Any]] = []
    with Stopwatch() as watch:
        for story_id, articles in data:
            counts["articles"] += len(articles)
            counts["dated_articles"] += sum(1 for a in articles if a.published)
            docs = list(nlp().pipe([a.text for a in articles], batch_size=16))
            entries = story_events(articles, docs, options)
            by_id = {a.id: a for a in articles}
            for entry in entries:
                counts["entries"] += 1
                counts[entry.kind] += 1
                counts["mentions"] += len(entry.mentions)
                if entry.kind == "event":
                    counts["event_dated"] += entry.date is not None
                    counts["event_day"] += entry.precision == "day"
                    counts["event_multi_source"] += len(entry.sources) > 1
                sample_pool.append({"story": story_id, **entry.to_json(), "outlets": [by_id[s].outlet for s in entry.sources],
                                    "article_dates": [by_id[s].published for s in entry.sources],
                                    "sentences": [by_id[m.article].text[m.start:m.end] for m in entry.mentions]})  # fmt: skip
    share = counts["event_dated"] / counts["event"] if counts["event"] else 0.0
    if args.sample:
        rng = random.Random(17)
        events = [e for e in sample_pool if e["kind"] == "event"]
        write_jsonl(args.sample, rng.sample(events, min(args.sample_size, len(events))))
    rows = [
        {"dataset": Path(args.dataset).parent.name, "dates": args.dates, **counts, "event_dated_share": round(share, 4)}
    ]
    return BenchReport(
        name="story_events",
        dataset=str(args.dataset),
        tables=[
            BenchTable(
                title="story timelines",
                columns=[
                    "dataset",
                    "dates",
                    "stories",
                    "articles",
                    "dated_articles",
                    "entries",
                    "event",
                    "background",
                    "planned",
                ],
                rows=rows,
            ),
            BenchTable(
                title="the story's events",
                columns=["event", "event_dated", "event_dated_share", "event_day", "event_multi_source", "mentions"],
                rows=rows,
            ),
        ],
        notes=[
            f"{watch.seconds:.0f} s; merges with {'word overlap only' if args.no_embeddings else 'MiniLM + word overlap'}"
        ],
        metrics={**counts, "event_dated_share": share},
    )
