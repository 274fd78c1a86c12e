"""Disputes per annotated event: ``newsdesk bench disputes [DATASET] [--set NAME=VALUE ...]``.

Runs the claims stage on each event of a hand-annotated brief dataset (``brief_basil`` dev:
events of three articles, every contradiction annotated), the event's articles as one story,
and scores the disputes it finds as ``../shared/tools/score_brief.py`` does (a dispute is right
when its evidence sentences cover both sides of one annotated contradiction, by words). Faster
than ``newsdesk bench brief`` (no ingest, no story grouping, no other stage) and lists every
dispute, right or wrong, and every contradiction missed; ``--set`` overrides one
:class:`~newsdesk.analysis.claims.ClaimOptions` field (a threshold sweep).

``--unannotated`` is the held-out precision probe: the BASIL dev events that brief_basil does not
annotate (``clustering_basil`` dev triplets, the same three outlets and full articles as the
held-back test), each event's articles as one story; it lists every dispute with its sides and
sources for reading by hand (no gold: precision is counted by a reader).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Article

HELP = "disputes per annotated event (claims stage only): precision, recall, every dispute and every miss"

_SHARED = Path(__file__).resolve().parents[3].parent / "shared"
DEFAULT_DATASET = _SHARED / "bench" / "brief_basil" / "dev.jsonl"
BASIL_ARTICLES = _SHARED / "bench" / "clustering_basil" / "dev.jsonl"
_WORD = re.compile(r"\w+", re.UNICODE)


def add_arguments(parser) -> None:
    parser.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET), help="a brief dataset (.jsonl)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a ClaimOptions field, e.g. --set negation_similarity=0.05 (repeatable)",
    )
    parser.add_argument(
        "--unannotated",
        action="store_true",
        help="the held-out probe: BASIL dev events brief_basil does not annotate; list every dispute to read by hand",
    )


def event_articles(event: dict[str, Any]) -> list["Article"]:
    """A brief dataset event's articles, with ids ``<story[:8]>-<key>`` (the key is the id's last part)."""
    from ..models import Article, Provenance

    story = str(event["story"])
    return [
        Article(
            id=f"{story[:8]}-{a['key']}",
            provenance=Provenance(a["url"]),
            text=a["text"],
            title=a.get("title"),
            outlet=a.get("outlet"),
            published=a.get("date"),
        )
        for a in event["articles"]
    ]


def covers(sentence: str, gold: str) -> bool:
    """The scorer's rule: a sentence covers a gold span holding at least half of its words."""
    wanted = [w.lower() for w in _WORD.findall(gold)]
    have = {w.lower() for w in _WORD.findall(sentence)}
    return bool(wanted) and sum(1 for w in wanted if w in have) >= 0.5 * len(wanted)


def run(args) -> Any:
    import dataclasses

    from ..analysis import claims
    from ..analysis.context import build_context
    from ..errors import BenchmarkError
    from ..models import Story
    from . import BenchReport, BenchTable, read_jsonl

    overrides: dict[str, Any] = {}
    fields = {f.name: f for f in dataclasses.fields(claims.ClaimOptions)}
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in fields:
            raise BenchmarkError(f"--set {item!r}: ClaimOptions has no field {name!r}", hint=", ".join(fields))
        overrides[name] = int(value) if fields[name].type in ("int", int) else float(value)
    options = claims.ClaimOptions(**overrides)
    if getattr(args, "unannotated", False):
        return _unannotated(args, options)
    report = BenchReport(name="disputes", dataset=str(args.dataset))
    predicted = correct = gold = found = 0
    rows: list[dict[str, Any]] = []
    for event in read_jsonl(args.dataset):
        story = str(event["story"])
        articles = event_articles(event)
        key = {a.id: a.id.rsplit("-", 1)[1] for a in articles}
        context = build_context(Story(story, event.get("main_event") or "", tuple(a.id for a in articles)), articles)
        result = claims.run(context, options)
        contradictions = event.get("contradictions", [])
        hit: set[int] = set()
        for dispute in result.disagreements:
            evidence = [(key[e.article_id], e.sentence) for e in dispute.evidence]
            hits = [
                i
                for i, c in enumerate(contradictions)
                if all(
                    any(k == side["article"] and covers(s, side["text"]) for k, s in evidence)
                    for side in (c["a"], c["b"])
                )
            ]
            hit.update(hits)
            predicted += 1
            correct += bool(hits)
            rows.append(
                {
                    "event": story[:8],
                    "": "right" if hits else "WRONG",
                    "kind": dispute.kind,
                    "sides": " vs ".join(s.actor for s in dispute.sides),
                    "why": dispute.explanation,
                }
            )
        for i, c in enumerate(contradictions):
            if i not in hit:
                rows.append(
                    {
                        "event": story[:8],
                        "": "missed",
                        "kind": c["type"],
                        "sides": f"{c['a']['text'][:60]} | {c['b']['text'][:60]}",
                        "why": "",
                    }
                )
        gold += len(contradictions)
        found += len(hit)
    precision = correct / predicted if predicted else 0.0
    recall = found / gold if gold else 0.0
    report.tables.append(
        BenchTable(
            title=f"disputes, claims stage per event ({', '.join(args.set) or 'shipped options'})",
            columns=["P", "R", "predicted", "correct", "gold", "found"],
            rows=[
                {
                    "P": f"{100 * precision:.1f}",
                    "R": f"{100 * recall:.1f}",
                    "predicted": predicted,
                    "correct": correct,
                    "gold": gold,
                    "found": found,
                }
            ],
        )
    )
    report.tables.append(
        BenchTable(title="every dispute and every miss", columns=["event", "", "kind", "sides", "why"], rows=rows)
    )
    report.metrics.update(
        {"P": precision, "R": recall, "predicted": predicted, "correct": correct, "gold": gold, "found": found}
    )
    return report


def _unannotated(args, options) -> Any:
    """Every dispute the claims stage finds on the BASIL dev events that ``args.dataset`` does not
    annotate (gold events as stories), with each side's actor, words and sources."""
    from ..analysis import claims
    from ..analysis.context import build_context
    from ..models import Article, Provenance, Story
    from . import BenchReport, BenchTable, read_jsonl

    annotated = {str(event["story"]) for event in read_jsonl(args.dataset)}
    events: dict[str, list[dict[str, Any]]] = {}
    for row in read_jsonl(BASIL_ARTICLES):
        if str(row["triplet_uuid"]) not in annotated:
            events.setdefault(str(row["triplet_uuid"]), []).append(row)
    report = BenchReport(name="disputes", dataset=f"{BASIL_ARTICLES} (events not in {args.dataset})")
    rows: list[dict[str, Any]] = []
    by_kind: dict[str, int] = {}
    for key in sorted(events):
        members = sorted(events[key], key=lambda r: str(r["source"]))
        articles = [
            Article(
                id=f"{key[:8]}-{r['source']}",
                provenance=Provenance(r.get("url") or str(r["id"])),
                text=r["text"],
                title=r.get("title"),
                outlet=r["source"],
                published=r.get("date"),
            )
            for r in members
        ]
        story = Story(key, members[0].get("main_event") or "", tuple(a.id for a in articles))
        for dispute in claims.run(build_context(story, articles), options).disagreements:
            by_kind[dispute.kind] = by_kind.get(dispute.kind, 0) + 1
            rows.append(
                {
                    "event": key[:8],
                    "kind": dispute.kind,
                    "why": dispute.explanation,
                    "sides": "\n".join(
                        f"[{side.actor}] {side.words[:240]} ({', '.join(side.article_ids)})" for side in dispute.sides
                    ),
                }
            )
    report.tables.append(
        BenchTable(
            title=f"disputes on {len(events)} unannotated BASIL dev events (read each by hand)",
            columns=["events", "disputes", *sorted(by_kind)],
            rows=[{"events": len(events), "disputes": len(rows), **by_kind}],
        )
    )
    report.tables.append(BenchTable(title="every dispute", columns=["event", "kind", "why", "sides"], rows=rows))
    report.metrics.update({"events": len(events), "disputes": len(rows), "by_kind": by_kind, "rows": rows})
    return report
