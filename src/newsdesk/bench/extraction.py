"""Article extraction: newsdesk vs trafilatura (HTML) or vs the raw dump and jusText (text dumps).

``newsdesk bench extraction DATASET [--from html|text] [--split dev] [--predictions OUT.jsonl] [--limit N]``

DATASET is a folder name under ../shared/bench (``extraction_scrapinghub`` or just
``scrapinghub``) or a path to a ``.jsonl[.gz]`` file. Every record with the input field is
extracted and written to the predictions file (``--predictions``, default
``out/bench/extraction.<dataset>.<split>.<source>.jsonl``), whether or not it carries gold, so a
held-back split can be scored independently. Two metrics, each on the records that have its gold:

* body (``gold_article_body``/``gold_text``/…): the Scrapinghub article extraction benchmark's
  (see its SOURCE.md): multiset 4-gram shingles of ``\\w+`` tokens; per page TP/FP/FN normalised
  by their sum; precision and recall macro-averaged over pages; F1 the harmonic mean of the two;
* snippets (``gold_with``/``gold_without``, trafilatura's evaluation corpus and WCXB):
  trafilatura's ``tests/eval_common.py``: a snippet counts as found when it is a substring of the
  whitespace-normalised output; TP/FN over must-appear snippets, FP/TN over must-not-appear
  ones, summed over the corpus; P, R, accuracy and F-score.

Baselines run on the same records in the same process, so the pages-per-second ratio is a fair
comparison on this machine.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

HELP = "article text extraction (HTML or flattened text) against gold bodies, with trafilatura/jusText baselines"

#: Gold body fields, in order of preference, across the staged extraction datasets.
GOLD_FIELDS = ("gold_article_body", "gold_text", "gold_main_content", "gold_main_text")
_TOKEN = re.compile(r"\w+", re.UNICODE)


def add_arguments(parser) -> None:
    parser.add_argument(
        "dataset", help="dataset folder under ../shared/bench (e.g. extraction_scrapinghub) or a .jsonl[.gz] file"
    )
    parser.add_argument(
        "--from",
        dest="source",
        choices=("html", "text"),
        default="html",
        help="extract from the raw HTML (default) or from the flattened page_text dump",
    )
    parser.add_argument("--split", default="dev", help="split file to read: dev (default) or test when you have it")
    parser.add_argument(
        "--predictions",
        metavar="OUT.jsonl",
        help="where to write one {id, text} line per record (default: out/bench/extraction.<dataset>.<split>.<source>.jsonl)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N records")
    parser.add_argument(
        "--no-templates", action="store_true", help="do not learn site templates from the other pages of the dataset"
    )
    parser.add_argument(
        "--paragraph-filter",
        action="store_true",
        help="HTML: drop the paragraphs the paragraph model scores as boilerplate (ExtractOptions(paragraph_filter=True))",
    )


# --- metric (Scrapinghub article-extraction-benchmark evaluate.py) --------------------------------


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(gold: str, pred: str) -> tuple[float, float, float]:
    """TP, FP, FN of one page, normalised by their sum (each page weighs the same)."""
    g, p = shingles(gold), shingles(pred)
    tp = sum(min(g[k], p[k]) for k in g.keys() & p.keys())
    fp = sum(p.values()) - tp
    fn = sum(g.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return 1.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def prf(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Macro precision, recall and their harmonic mean over (gold, predicted) pairs."""
    precisions, recalls = [], []
    for gold, pred in pairs:
        tp, fp, fn = page_counts(gold, pred)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}


# --- metric (trafilatura tests/eval_common.py: must / must-not snippets) ---------------------------

_SPACES = re.compile(r"\s+")


def _snippets(value: Any) -> list[str]:
    if isinstance(value, str):  # some staged files keep the list as its repr
        import ast

        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value = [value]
    return [s for s in (value or []) if isinstance(s, str) and s.strip()]


def has_snippets(record: dict[str, Any]) -> bool:
    return bool(_snippets(record.get("gold_with")) or _snippets(record.get("gold_without")))


def snippet_counts(record: dict[str, Any], pred: str) -> tuple[int, int, int, int]:
    """TP, FN, FP, TN of one page: must-appear snippets found / missed, must-not ones found / absent."""
    text = _SPACES.sub(" ", pred or "").strip()
    tp = fn = fp = tn = 0
    for snippet in _snippets(record.get("gold_with")):
        if _SPACES.sub(" ", snippet).strip() in text:
            tp += 1
        else:
            fn += 1
    for snippet in _snippets(record.get("gold_without")):
        if _SPACES.sub(" ", snippet).strip() in text:
            fp += 1
        else:
            tn += 1
    return tp, fn, fp, tn


def snippet_scores(pairs: Iterable[tuple[dict[str, Any], str]]) -> dict[str, float]:
    """Corpus-level precision, recall, accuracy and F-score of snippet counts (trafilatura's metric)."""
    tp = fn = fp = tn = 0
    for record, pred in pairs:
        a, b, c, d = snippet_counts(record, pred)
        tp, fn, fp, tn = tp + a, fn + b, fp + c, tn + d
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fn + fp + tn
    return {
        "precision": p,
        "recall": r,
        "accuracy": (tp + tn) / total if total else 0.0,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
    }


# --- data -------------------------------------------------------------------------------------


def dataset_path(name: str, split: str = "dev") -> Path:
    """Resolve a dataset name or file path to its ``<split>.jsonl[.gz]`` file."""
    direct = Path(name)
    if direct.is_file():
        return direct
    roots = [Path(__file__).resolve().parents[3].parent / "shared" / "bench", Path.cwd().parent / "shared" / "bench"]
    names = [name] if name.startswith("extraction_") else [name, f"extraction_{name}"]
    for root in roots:
        for candidate in names:
            folder = direct if direct.is_dir() else root / candidate
            for suffix in (".jsonl.gz", ".jsonl"):
                path = folder / f"{split}{suffix}"
                if path.is_file():
                    return path
    raise BenchmarkError(
        f"no {split}.jsonl[.gz] found for dataset {name!r}",
        hint="pass a folder name under ../shared/bench such as extraction_scrapinghub, or a path to a .jsonl.gz file",
    )


def gold_of(record: dict[str, Any]) -> str | None:
    for key in GOLD_FIELDS:
        if isinstance(record.get(key), str):
            return record[key]
    return None


def load_records(path: Path, limit: int | None, source: str) -> tuple[list[dict[str, Any]], int]:
    """Records holding the input field (at most ``limit``), and how many of them have no gold at all.

    Records without gold are kept: they are extracted and written to the predictions file (a
    held-back split may come without its gold); each metric scores only the records with its gold.
    """
    records = []
    without_gold = 0
    field = "html" if source == "html" else "page_text"
    for number, record in enumerate(read_jsonl(path), 1):
        if limit is not None and len(records) >= limit:
            break
        if not isinstance(record.get(field), str):
            raise BenchmarkError(
                f"{path}:{number} has no {field!r} field", hint="use --from html or --from text accordingly"
            )
        if not gold_of(record) and not has_snippets(record):
            without_gold += 1
        records.append(record)
    if not records:
        raise BenchmarkError(f"{path} holds no record", hint="pass a dataset file with at least one page")
    return records, without_gold


# --- systems ----------------------------------------------------------------------------------


def _documents(records: Sequence[dict[str, Any]], source: str, path: Path):
    from ..models import Provenance, RawDocument

    field = "html" if source == "html" else "page_text"
    docs = []
    for number, record in enumerate(records, 1):
        hints = {}
        if source == "text" and record.get("url"):
            # a dump carries no URL of its own; the record's site still groups pages of one site
            from urllib.parse import urlparse

            host = urlparse(record["url"]).hostname or ""
            hints["sitename"] = host.removeprefix("www.")
        url = record.get("url") if source == "html" else None
        docs.append(
            RawDocument(Provenance(str(path), record=number, url=url), source, record[field], "utf-8", hints=hints)
        )
    return docs


def _trafilatura_text(record: dict[str, Any]) -> str:
    import trafilatura

    try:
        return trafilatura.extract(record["html"], url=record.get("url"), include_comments=False) or ""
    except Exception:
        return ""


def run_systems(
    records, source: str, path: Path, use_templates: bool, with_trafilatura: bool, paragraph_filter: bool = False
):
    """Run newsdesk (and trafilatura on HTML) record by record, alternating, so both see the same
    machine load; the corpus-level template learning is timed and charged to newsdesk.

    Returns newsdesk texts (title excluded, as in the gold bodies), its seconds, its Article-or-None
    per record, and trafilatura's texts and seconds (empty, 0 when not run).
    """
    import time

    from ..errors import ExtractionError
    from ..extract import ExtractOptions, extract, learn_templates

    docs = _documents(records, source, path)
    # the sets are multilingual: every language is extracted and scored (the pipeline reads English)
    options = ExtractOptions(languages=(), paragraph_filter=paragraph_filter)
    texts, articles, base_texts = [], [], []
    ours = theirs = 0.0
    # warm both systems up (imports, regex caches) on the first record, untimed
    try:
        extract(docs[0], options=options)
    except ExtractionError:
        pass
    if with_trafilatura:
        _trafilatura_text(records[0])
    with Stopwatch() as watch:
        templates = learn_templates(docs) if use_templates else None
    ours += watch.seconds
    for record, doc in zip(records, docs):
        start = time.perf_counter()
        try:
            article = extract(doc, templates=templates, options=options)
        except ExtractionError:
            article = None
        ours += time.perf_counter() - start
        articles.append(article)
        texts.append(article.text if article else "")
        if with_trafilatura:
            start = time.perf_counter()
            base_texts.append(_trafilatura_text(record))
            theirs += time.perf_counter() - start
    return texts, ours, articles, base_texts, theirs


def run_justext_on_lines(records) -> tuple[list[str], float]:
    """jusText over the dump's own lines (each line given to it as one paragraph)."""
    import html as html_lib

    import justext

    stoplist = justext.get_stoplist("English")
    texts = []
    with Stopwatch() as watch:
        for record in records:
            lines = [line.strip() for line in record["page_text"].splitlines() if line.strip()]
            if not lines:
                texts.append("")
                continue
            page = "<html><body>" + "".join(f"<p>{html_lib.escape(line)}</p>" for line in lines) + "</body></html>"
            try:
                paragraphs = justext.justext(page, stoplist)
            except Exception:
                texts.append("")
                continue
            texts.append("\n\n".join(p.text for p in paragraphs if not p.is_boilerplate))
    return texts, watch.seconds


# --- metadata (WCXB gold_title / gold_author / gold_publish_date) -------------------------------------


def _norm_words(text: str | None) -> str:
    return " ".join(_TOKEN.findall((text or "").lower()))


def _author_words(text: str | None) -> frozenset[str]:
    return frozenset(w for w in _TOKEN.findall((text or "").lower()) if w not in {"and", "by"})


def metadata_scores(records, predicted: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy of title, author and date against gold, on pages with a gold value; also how often
    a value is produced where the gold has none (authors/dates that should not be there)."""
    out: dict[str, Any] = {}
    for field, gold_key in (("title", "gold_title"), ("author", "gold_author"), ("date", "gold_publish_date")):
        right = total = spurious = empty_gold = 0
        for record, pred in zip(records, predicted):
            gold = record.get(gold_key)
            value = pred.get(field)
            if not gold:
                empty_gold += 1
                spurious += bool(value)
                continue
            total += 1
            if field == "title":
                right += _norm_words(value) == _norm_words(gold)
            elif field == "author":
                right += bool(value) and _author_words(value) == _author_words(gold)
            else:
                right += (value or "")[:10] == str(gold)[:10]
        out[field] = {
            "accuracy": right / total if total else None,
            "pages_with_gold": total,
            "spurious_rate": spurious / empty_gold if empty_gold else None,
            "pages_without_gold": empty_gold,
        }
    return out


def trafilatura_metadata(records) -> list[dict[str, Any]]:
    import trafilatura

    out = []
    for record in records:
        try:
            meta = trafilatura.extract_metadata(record["html"], default_url=record.get("url"))
        except Exception:
            meta = None
        out.append({"title": meta.title, "author": meta.author, "date": meta.date} if meta else {})
    return out


#: Datasets whose gold body starts with the headline (see their SOURCE.md).
HEADLINE_IN_GOLD = frozenset({"extraction_l3s_gn1", "extraction_cleanportaleval"})


def _with_title(title: str | None, text: str) -> str:
    return f"{title}\n\n{text}" if title else text


# --- run --------------------------------------------------------------------------------------


def _row(system: str, scores: dict[str, float], seconds: float, pages: int) -> dict[str, Any]:
    return {
        "system": system,
        "precision": round(scores["precision"], 4),
        "recall": round(scores["recall"], 4),
        "f1": round(scores["f1"], 4),
        "pages/s": round(pages / seconds, 2) if seconds > 0 else None,
    }


def _snippet_row(system: str, scores: dict[str, float]) -> dict[str, Any]:
    return {"system": system, **{k: round(scores[k], 4) for k in ("precision", "recall", "accuracy", "f1")}}


def default_predictions_path(path: Path, split: str, source: str) -> Path:
    dataset = path.parent.name if path.name.startswith(split) else path.name.split(".")[0]
    return Path("out") / "bench" / f"extraction.{dataset}.{split}.{source}.jsonl"


def run(args) -> BenchReport:
    split = getattr(args, "split", "dev") or "dev"
    path = dataset_path(args.dataset, split)
    source = getattr(args, "source", "html") or "html"
    records, without_gold = load_records(path, args.limit, source)
    pages = len(records)
    use_templates = not getattr(args, "no_templates", False)

    texts, seconds, articles, base_texts, base_seconds = run_systems(
        records,
        source,
        path,
        use_templates,
        with_trafilatura=source == "html",
        paragraph_filter=getattr(args, "paragraph_filter", False),
    )
    body = [i for i, r in enumerate(records) if gold_of(r)]
    snippet = [i for i, r in enumerate(records) if has_snippets(r)]
    golds = [gold_of(records[i]) or "" for i in body]

    def body_scores(predicted: Sequence[str]) -> dict[str, float]:
        return prf(zip(golds, (predicted[i] for i in body)))

    # systems: name, texts, seconds (0 when not timed)
    systems: list[tuple[str, Sequence[str], float]] = [("newsdesk", texts, seconds)]
    notes = [
        f"{pages} records from {path}: {len(body)} with a gold body, {len(snippet)} with gold snippets"
        + (f", {without_gold} without gold (extracted, not scored)" if without_gold else "")
    ]
    metrics: dict[str, Any] = {
        "pages": pages,
        "pages_with_body": len(body),
        "pages_with_snippets": len(snippet),
        "source": source,
        "split": split,
    }
    headline_in_gold = path.parent.name in HEADLINE_IN_GOLD

    if source == "html":
        import trafilatura

        systems.append((f"trafilatura {trafilatura.__version__} (include_comments=False)", base_texts, base_seconds))
        if headline_in_gold and body:
            # this gold starts with the headline, which newsdesk keeps as Article.title:
            # score both systems with their headline put back in front (trafilatura's from its
            # metadata, computed untimed)
            ours_titled = [_with_title(a.title if a else None, t) for a, t in zip(articles, texts)]
            theirs_titled = [_with_title(m.get("title"), t) for m, t in zip(trafilatura_metadata(records), base_texts)]
            systems.append(("newsdesk, title + text", ours_titled, seconds))
            systems.append(("trafilatura, title + text", theirs_titled, base_seconds))
            notes.append("the gold body of this dataset includes the headline: compare the 'title + text' rows")
        speed_ratio = (base_seconds / seconds) if seconds > 0 else None
        metrics["speed_ratio_vs_trafilatura"] = speed_ratio
        notes.append(
            f"speed ratio newsdesk/trafilatura (pages per second): {speed_ratio:.2f}"
            if speed_ratio
            else "speed ratio: n/a"
        )
    else:
        import json as json_lib

        from ..extract.lines import MODEL_DIR, MODEL_RESOURCE

        try:
            trained_on = json_lib.loads((MODEL_DIR / MODEL_RESOURCE).read_text("utf-8")).get("trained_on", [])
        except (OSError, ValueError):
            trained_on = []
        if path.parent.name in trained_on:
            notes.append(
                f"WARNING: the bundled line model was trained on {path.parent.name} dev pages, so this "
                "figure is in-sample; use the leave-one-dataset-out figures of `newsdesk train extract_lines`"
            )
        elif trained_on:
            notes.append(f"line model trained on {', '.join(trained_on)}: these pages are held out")
        systems.append(("whole dump (no removal)", [r["page_text"] for r in records], 0.0))
        try:
            jt_texts, jt_seconds = run_justext_on_lines(records)
            import justext  # noqa: F401

            systems.append(("jusText 3 on the dump's lines", jt_texts, jt_seconds))
        except ImportError:
            notes.append("jusText is not installed (pip install justext): baseline skipped")

    tables = []
    rows: list[dict[str, Any]] = []
    if body:
        rows = [_row(name, body_scores(predicted), secs, pages) for name, predicted, secs in systems]
        tables.append(
            BenchTable(
                title=f"Extraction ({source}) on {path.parent.name}/{path.name}: gold body, 4-gram shingles",
                columns=["system", "precision", "recall", "f1", "pages/s"],
                rows=rows,
            )
        )
        metrics["newsdesk"] = rows[0]
    else:
        speeds = [
            {"system": name, "pages/s": round(pages / secs, 2) if secs > 0 else None} for name, _, secs in systems
        ]
        tables.append(
            BenchTable(
                title=f"Extraction ({source}) on {path.parent.name}/{path.name}: speed",
                columns=["system", "pages/s"],
                rows=speeds,
            )
        )
    if snippet:
        snippet_rows = [
            _snippet_row(name, snippet_scores((records[i], predicted[i]) for i in snippet))
            for name, predicted, _ in systems
            if "title + text" not in name
        ]
        tables.append(
            BenchTable(
                title=f"Must / must-not snippets ({len(snippet)} pages; trafilatura's eval_common metric)",
                columns=["system", "precision", "recall", "accuracy", "f1"],
                rows=snippet_rows,
            )
        )
        metrics["snippets"] = snippet_rows
        if not body:
            metrics["newsdesk"] = snippet_rows[0]
    metrics["rows"] = rows

    if source == "html" and any(
        r.get("gold_title") is not None or r.get("gold_publish_date") is not None for r in records
    ):
        ours = [
            {"title": a.title, "author": ", ".join(a.authors) or None, "date": a.published} if a else {}
            for a in articles
        ]
        ours_scores = metadata_scores(records, ours)
        theirs_scores = metadata_scores(records, trafilatura_metadata(records))
        meta_rows = []
        for system, scores in (("newsdesk", ours_scores), ("trafilatura extract_metadata", theirs_scores)):
            row: dict[str, Any] = {"system": system}
            for field in ("title", "author", "date"):
                acc = scores[field]["accuracy"]
                row[f"{field} acc"] = round(acc, 4) if acc is not None else None
                spur = scores[field]["spurious_rate"]
                row[f"{field} spurious"] = round(spur, 4) if spur is not None else None
            meta_rows.append(row)
        tables.append(
            BenchTable(
                title="Metadata accuracy (pages with a gold value); spurious = value given where gold has none",
                columns=list(meta_rows[0].keys()),
                rows=meta_rows,
            )
        )
        metrics["metadata"] = {"newsdesk": ours_scores, "trafilatura": theirs_scores}

    out = (
        Path(args.predictions) if getattr(args, "predictions", None) else default_predictions_path(path, split, source)
    )
    write_jsonl(out, ({"id": r.get("id"), "text": t} for r, t in zip(records, texts)))
    notes.append(f"predictions ({pages} records) written to {out}")
    return BenchReport(name="extraction", dataset=str(path), tables=tables, notes=notes, metrics=metrics)
