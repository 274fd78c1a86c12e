"""``newsdesk bench positions``: positions against hand labels on BASIL dev sentences.

The labels (``tests/fixtures/positions/basil_dev_labels.jsonl``) hold offsets only; the sentence
text is read from the BASIL dev split. See ``tests/fixtures/positions/README.md`` for how they
were drawn and labelled, and which half (``heldout``) was never used for tuning.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Iterable

from ..analysis import positions
from ..analysis.context import StoryContext, build_context
from ..analysis.positions import KINDS, Position, PositionOptions
from ..errors import BenchmarkError
from ..models import Article, Provenance, Story
from . import BenchReport, BenchTable, read_jsonl

HELP = "positions (actor, kind, content) against hand labels on BASIL dev sentences"

_DEFAULT_LABELS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "positions" / "basil_dev_labels.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset", help="BASIL split the labels were made on: ../shared/bench/clustering_basil/dev.jsonl"
    )
    parser.add_argument("--labels", default=str(_DEFAULT_LABELS), help="hand labels (JSONL of offsets)")
    parser.add_argument(
        "--split", choices=["dev", "heldout", "all"], default="all", help="which labelled half to score"
    )
    parser.add_argument(
        "--no-rules-row",
        action="store_true",
        help="skip the comparison row that resolves pronouns by the nearest-mention rule",
    )


def run(args: argparse.Namespace) -> BenchReport:
    articles = {record["id"]: record for record in read_jsonl(args.dataset)}
    rows = []
    systems = {"speaker coreference": PositionOptions()}
    if not getattr(args, "no_rules_row", False):
        systems["nearest-mention rule"] = PositionOptions(coref=False)
    contexts: dict[str, StoryContext] = {}
    for split in ["dev", "heldout"] if args.split == "all" else [args.split]:
        for system, options in systems.items():
            result = evaluate(list(read_jsonl(args.labels)), articles, split=split, options=options, contexts=contexts)
            for scope in ("overall", "any_kind"):
                figures = result[scope]
                rows.append(
                    {
                        "split": split,
                        "pronouns": system,
                        "match": "same kind" if scope == "overall" else "any kind",
                        "sentences": result["sentences"],
                        "gold": result["gold_positions"],
                        "precision": figures["precision"],
                        "recall": figures["recall"],
                        "f1": figures["f1"],
                    }
                )
    report = BenchReport(name="positions", dataset=str(args.dataset))
    report.tables.append(
        BenchTable(
            "newsdesk positions vs hand labels (heldout = never used for tuning)",
            ["split", "pronouns", "match", "sentences", "gold", "precision", "recall", "f1"],
            rows,
        )
    )
    report.metrics = {"rows": rows}
    return report


# --- scoring ------------------------------------------------------------------------------------


def evaluate(
    labels: Iterable[dict],
    articles: dict[str, dict],
    *,
    split: str | None = None,
    options: PositionOptions | None = None,
    contexts: dict[str, StoryContext] | None = None,
) -> dict:
    """Precision/recall of positions against hand labels on sentences of whole articles.

    ``labels``: records ``{"article", "sentence", "split", "positions": [{"kind", "actor":
    [names], "content": [start, end]}, …]}`` where offsets are in the labelled sentence;
    ``articles``: BASIL-format records by id (``text`` with one paragraph per line,
    ``sentences``). Each article is analysed whole, as the pipeline does (one story of one
    article: its parse, entities and speaker resolution, :func:`positions.run`); predictions
    count for a labelled sentence when their evidence overlaps it by at least half.
    ``contexts`` caches the story contexts by article id between calls.

    A prediction matches a gold position when one of the gold actor names occurs in its actor
    text and it covers at least half of the gold content's words while at least a third of its
    own content words are gold (so neither a fragment nor a whole paragraph passes). ``overall``
    also requires the same kind; ``any_kind`` does not (was the position found at all).
    """
    labels = [r for r in labels if split is None or r.get("split") == split]
    if not labels:
        raise BenchmarkError(
            f"no labelled sentences{f' in split {split!r}' if split else ''}",
            hint="use split 'dev', 'heldout' or None (all), and the labels file of tests/fixtures/positions",
        )
    by_article: dict[str, list[dict]] = {}
    for record in labels:
        by_article.setdefault(record["article"], []).append(record)
    totals = {"tp": 0, "fp": 0, "fn": 0}
    any_kind = {"tp": 0, "fp": 0, "fn": 0}
    per_kind = {k: {"tp": 0, "fp": 0, "fn": 0} for k in KINDS}
    errors: list[dict] = []
    for article_id, records in sorted(by_article.items()):
        source = articles.get(article_id)
        if source is None:
            raise BenchmarkError(
                f"labelled article {article_id} is not in the articles given",
                hint="pass the BASIL split the labels were made on (clustering_basil/dev.jsonl)",
            )
        text = "\n\n".join(line for line in source["text"].split("\n") if line.strip())
        article = Article(id=article_id, provenance=Provenance(path="<labelled>"), text=text)
        context = (contexts or {}).get(article_id)
        if context is None or context.articles[0].text != text:
            context = build_context(Story(id=article_id, title="", article_ids=(article_id,)), [article])
            if contexts is not None:
                contexts[article_id] = context
        predicted = list(positions.run(context, options or PositionOptions()).positions)
        for record in records:
            sentence = source["sentences"][record["sentence"]]
            at = text.find(sentence)
            if at < 0:
                raise BenchmarkError(f"sentence {record['sentence']} of {article_id} not found in its text")
            lo, hi = at, at + len(sentence)
            mine = [p for p in predicted if min(hi, p.end) - max(lo, p.start) >= 0.5 * min(hi - lo, p.end - p.start)]
            gold = [{**g, "content_text": sentence[g["content"][0] : g["content"][1]]} for g in record["positions"]]
            for strict, counts in ((True, totals), (False, any_kind)):
                used: set[int] = set()
                for pos in mine:
                    hit = next((n for n, g in enumerate(gold) if n not in used and _matches(pos, g, strict)), None)
                    if hit is None:
                        counts["fp"] += 1
                        if strict:
                            per_kind[pos.kind]["fp"] += 1
                            errors.append({"sentence": sentence, "type": "fp", "predicted": pos.to_json()})
                    else:
                        used.add(hit)
                        counts["tp"] += 1
                        if strict:
                            per_kind[pos.kind]["tp"] += 1
                for n, g in enumerate(gold):
                    if n not in used:
                        counts["fn"] += 1
                        if strict:
                            per_kind[g["kind"]]["fn"] += 1
                            errors.append({"sentence": sentence, "type": "fn", "gold": g})
    return {
        "sentences": len(labels),
        "gold_positions": sum(len(r["positions"]) for r in labels),
        "overall": _prf(totals),
        "any_kind": _prf(any_kind),
        "per_kind": {k: _prf(v) for k, v in per_kind.items()},
        "errors": errors,
    }


def _matches(pos: Position, gold: dict, strict: bool) -> bool:
    if strict and pos.kind != gold["kind"]:
        return False
    who = f"{pos.actor_text} {pos.actor_name or ''}".lower()
    if not any(name.lower() in who for name in gold["actor"]):
        return False
    gold_words = _content_words(gold["content_text"])
    mine = _content_words(pos.content)
    if not gold_words or not mine:
        return False
    shared = len(gold_words & mine)
    return shared >= 0.5 * len(gold_words) and shared >= len(mine) / 3


_STOP = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "and",
    "or",
    "in",
    "on",
    "for",
    "that",
    "it",
    "its",
    "be",
    "is",
    "are",
    "was",
    "were",
    "with",
    "by",
    "as",
    "at",
    "from",
    "this",
    "their",
    "his",
    "her",
}


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def _prf(c: dict) -> dict:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {**c, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}
