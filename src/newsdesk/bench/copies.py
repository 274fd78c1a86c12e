"""Copy detection: precision and recall of copy pairs.

Two test sets, both printed by one run:

* **reuters** — Reuters-21578 (every record with a body). Gold copy groups are
  (1) records with the same body (the corpus's known exact duplicates), (2) synthetic copies of
  a seeded sample of records — page chrome added around the text, small wire edits (a word
  changed, a sentence dropped, an update line added) or truncation to the first 35–70 % — and
  (3) the corpus's own near-duplicates, labelled by an independent rule: a token alignment
  (difflib, blocks of 3+ tokens) of headline + body covers at least 80 % of the shorter one and
  every figure in it (digits and spelled-out numbers).
  Candidate pairs for (3) are all pairs sharing a word 8-gram that occurs in at most 50 records.
* **extraction** — for every page of the extraction datasets, the trafilatura extraction of its
  HTML and the page's flattened ``page_text`` dump (all chrome left in) must be found to be one
  article; every other pair is a non-copy. The same is measured after running the dump through
  newsdesk's own text extractor, as the pipeline does.

Pairs are scored on the transitive closure of the predicted groups.
"""

from __future__ import annotations

import difflib
import random
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable

HELP = "copy detection: precision/recall of copy pairs on Reuters-21578 and extraction-dataset page pairs"

_BENCH = Path(__file__).resolve().parents[3].parent / "shared" / "bench"
EXTRACTION_SETS = (
    "extraction_l3s_gn1",
    "extraction_scrapinghub",
    "extraction_cleanportaleval",
    "extraction_trafilatura_eval_en",
    "extraction_wcxb_articles",
    "extraction_cleaneval",
)

_CHROME_HEAD = [
    "Home | World | Business | Markets | Sport | Opinion",
    "Advertisement",
    "Share this article: Facebook Twitter Email",
    "Subscribe to our newsletter",
]
_CHROME_TAIL = [
    "Related coverage",
    "Most read",
    "Sign up for our daily briefing and get the top stories in your inbox.",
    "All rights reserved. Terms of use | Privacy policy | Cookie settings",
]


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset",
        nargs="?",
        default=str(_BENCH),
        help="the ../shared/bench directory (holds corpus_reuters21578 and the extraction_* sets)",
    )
    parser.add_argument("--part", choices=("all", "reuters", "extraction"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N Reuters records / pages per set")
    parser.add_argument("--synthetic", type=int, default=1500, help="synthetic Reuters copies to make (default 1500)")
    parser.add_argument("--predictions", metavar="OUT.jsonl", help="write the predicted copy links")
    parser.add_argument("--seed", type=int, default=13)


# -- metrics ---------------------------------------------------------------------------------------


def _closure_pairs(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    pairs = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(combinations(members, 2))
    return pairs


def _groups_from_links(links) -> list[list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for link in links:
        groups[link.canonical].append(link.duplicate)
    return [[canonical, *dups] for canonical, dups in groups.items()]


def _union_groups(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    return list(groups.values())


def pair_scores(predicted: set, gold: set) -> dict[str, Any]:
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "gold_pairs": len(gold),
        "predicted_pairs": len(predicted),
        "true_pairs": tp,
    }


# -- Reuters -------------------------------------------------------------------------------------


_SPLIT_WORDS = re.compile(r"\S+")
_FIGURE = re.compile(
    r"\d|^(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|half)$"
)


def _variant(text: str, kind: str, rng: random.Random) -> str:
    lines = text.split("\n")
    if kind == "chrome":
        head = rng.sample(_CHROME_HEAD, 2)
        tail = rng.sample(_CHROME_TAIL, 2)
        return "\n".join(head + lines + tail)
    if kind == "edit":
        words = text.split(" ")
        editable = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 3]
        for i in rng.sample(editable, min(2, len(editable))):
            words[i] = words[i].upper() if rng.random() < 0.5 else words[i][:-1]
        edited = " ".join(words)
        sentences = re.split(r"(?<=\.)\s+", edited)
        if len(sentences) > 4:
            del sentences[rng.randrange(1, len(sentences))]
        return "(Updates with analyst comment) " + " ".join(sentences)
    # truncation: keep the first 35-70 % of the words
    words = text.split(" ")
    keep = max(1, int(len(words) * rng.uniform(0.35, 0.7)))
    return " ".join(words[:keep]) + " ... Read more"


def _tokens(text: str) -> list[str]:
    from ..dedup import normalise_tokens

    return normalise_tokens(text)


def _aligned_copy(a: list[str], b: list[str]) -> bool:
    """Independent gold rule: an alignment covers >= 80 % of the shorter text and all its figures."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    matcher = difflib.SequenceMatcher(None, short, long, autojunk=False)
    covered = [False] * len(short)
    for block in matcher.get_matching_blocks():
        if block.size >= 3:
            for i in range(block.a, block.a + block.size):
                covered[i] = True
    if sum(covered) < 0.8 * len(short):
        return False
    return all(covered[i] for i, token in enumerate(short) if _FIGURE.search(token))


def reuters_gold(records: list[dict], synthetic: dict[str, str]) -> tuple[set, dict[str, int]]:
    """Gold copy pairs of the Reuters part (see the module docstring)."""
    by_body: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_body[record["text"]].append(record["id"])
    exact_groups = [ids for ids in by_body.values() if len(ids) > 1]
    body_group = {rid: ids for ids in by_body.values() for rid in ids}

    pairs: set[tuple[str, str]] = set()
    for ids in exact_groups:
        pairs.update(combinations(sorted(ids), 2))
    for copy_id, original in synthetic.items():
        for rid in body_group[original]:
            pairs.add(tuple(sorted((copy_id, rid))))

    # natural near-duplicates: candidates share a rare word 8-gram; labelled by alignment
    tokens = {r["id"]: _tokens((r.get("title") or "") + "\n" + r["text"]) for r in records}
    postings: dict[str, list[str]] = defaultdict(list)
    for rid, toks in tokens.items():
        for gram in {" ".join(toks[i : i + 8]) for i in range(max(0, len(toks) - 7))}:
            postings[gram].append(rid)
    candidates: set[tuple[str, str]] = set()
    for ids in postings.values():
        if 1 < len(ids) <= 50:
            candidates.update(combinations(sorted(ids), 2))
    natural = 0
    for a, b in candidates:
        if (a, b) in pairs or body_group[a] is body_group[b]:
            continue
        if _aligned_copy(tokens[a], tokens[b]):
            pairs.add((a, b))
            natural += 1
    closed = _closure_pairs(_union_groups(pairs))
    stats = {
        "exact_groups": len(exact_groups),
        "synthetic_copies": len(synthetic),
        "natural_near_pairs": natural,
        "gold_pairs_closed": len(closed),
    }
    return closed, stats


def run_reuters(args, options) -> tuple[dict, dict, list]:
    from ..dedup import find_copies
    from ..models import Article, Provenance
    from . import Stopwatch, read_jsonl

    path = Path(args.dataset) / "corpus_reuters21578" / "all.jsonl.gz"
    records = []
    for record in read_jsonl(path):
        if isinstance(record.get("text"), str) and record["text"].strip():
            records.append(record)
        if args.limit and len(records) >= args.limit:
            break
    rng = random.Random(args.seed)
    eligible = [r for r in records if len(r["text"].split()) >= 40]
    sample = rng.sample(eligible, min(args.synthetic, len(eligible)))
    kinds = ("chrome", "edit", "truncate")
    synthetic: dict[str, str] = {}
    synthetic_records = []
    for number, record in enumerate(sample):
        kind = kinds[number % 3]
        copy_id = f"{record['id']}~{kind}"
        synthetic[copy_id] = record["id"]
        synthetic_records.append({**record, "id": copy_id, "text": _variant(record["text"], kind, rng)})
    gold, stats = reuters_gold(records, synthetic)

    articles = [
        Article(
            id=r["id"],
            provenance=Provenance(str(path)),
            text=r["text"],
            title=r.get("title"),
            published=(r.get("date") or "")[:10] or None,
        )
        for r in records + synthetic_records
    ]
    with Stopwatch() as watch:
        links = find_copies(articles, options=options)
    predicted = _closure_pairs(_groups_from_links(links))
    row = {"test": "reuters-21578", **pair_scores(predicted, gold)}
    row["docs"] = len(articles)
    row["seconds"] = round(watch.seconds, 1)
    by_kind = {}
    for kind in kinds:
        kind_gold = {p for p in gold if any(x.endswith("~" + kind) for x in p)}
        found = len(kind_gold & predicted)
        by_kind[kind] = round(found / len(kind_gold), 4) if kind_gold else None
    corpus_gold = {p for p in gold if "~" not in p[0] + p[1]}
    corpus_predicted = {p for p in predicted if "~" not in p[0] + p[1]}
    stats = {
        **stats,
        "recall_by_synthetic_kind": by_kind,
        "corpus_pairs_only": pair_scores(corpus_predicted, corpus_gold),
    }
    return row, stats, links


# -- extraction pages ------------------------------------------------------------------------------


def run_extraction(args, options) -> tuple[list[dict], dict]:
    import trafilatura

    from ..dedup import find_copies
    from ..errors import NewsdeskError
    from ..extract import extract
    from ..models import Article, Provenance, RawDocument
    from . import Stopwatch, read_jsonl

    pages = []
    for name in EXTRACTION_SETS:
        path = Path(args.dataset) / name / "dev.jsonl.gz"
        if not path.exists():
            continue
        for number, record in enumerate(read_jsonl(path)):
            if args.limit and number >= args.limit:
                break
            if record.get("html") and record.get("page_text"):
                pages.append((f"{name}:{record.get('id', number)}", record))
    raw_articles, extracted_articles, gold_groups, skipped = [], [], [], 0
    for key, record in pages:
        html_text = trafilatura.extract(record["html"], url=record.get("url"), favor_recall=True) or ""
        if len(html_text.split()) < 20:
            skipped += 1
            continue
        dump = record["page_text"]
        raw_articles.append(Article(id=f"{key}#html", provenance=Provenance(key), text=html_text))
        raw_articles.append(Article(id=f"{key}#dump", provenance=Provenance(key), text=dump))
        try:
            dump_article = extract(RawDocument(Provenance(key), "text", dump, "utf-8"))
            dump_text = dump_article.text
        except NewsdeskError:
            dump_text = ""
        extracted_articles.append(Article(id=f"{key}#html", provenance=Provenance(key), text=html_text))
        extracted_articles.append(Article(id=f"{key}#dump", provenance=Provenance(key), text=dump_text))
        gold_groups.append([f"{key}#html", f"{key}#dump"])
    gold = _closure_pairs(gold_groups)
    rows = []
    for label, articles in (
        ("pages: html vs raw dump", raw_articles),
        ("pages: html vs extracted dump", extracted_articles),
    ):
        with Stopwatch() as watch:
            links = find_copies(articles, options=options)
        predicted = _closure_pairs(_groups_from_links(links))
        rows.append(
            {"test": label, **pair_scores(predicted, gold), "docs": len(articles), "seconds": round(watch.seconds, 1)}
        )
    return rows, {"pages": len(gold_groups), "pages_skipped_no_html_text": skipped}


def run(args):
    from ..dedup import DedupOptions
    from . import BenchReport, BenchTable, write_jsonl

    options = DedupOptions()
    rows, metrics, notes = [], {}, [f"options: {options}"]
    if args.part in ("all", "reuters"):
        row, stats, links = run_reuters(args, options)
        rows.append(row)
        metrics["reuters"] = {**row, **stats}
        notes.append(f"reuters gold: {stats}")
        if args.predictions:
            write_jsonl(
                args.predictions,
                (
                    {"canonical": link.canonical, "duplicate": link.duplicate, "similarity": link.similarity}
                    for link in links
                ),
            )
    if args.part in ("all", "extraction"):
        page_rows, stats = run_extraction(args, options)
        rows.extend(page_rows)
        metrics["extraction"] = {"rows": page_rows, **stats}
        notes.append(f"extraction pages: {stats}")
    table = BenchTable(
        title="Copy pairs (transitive closure of predicted groups)",
        columns=["test", "precision", "recall", "f1", "gold_pairs", "predicted_pairs", "true_pairs", "docs", "seconds"],
        rows=rows,
    )
    return BenchReport(name="copies", dataset=str(args.dataset), tables=[table], notes=notes, metrics=metrics)
