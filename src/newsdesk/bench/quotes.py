"""Quote attribution benchmark on PolNeAR (``quotes_polnear``): content-span P/R/F1 and speaker
accuracy of newsdesk's quote finder, beside textacy's direct-quotation finder, in one run.

Scoring (after the SFU Gender Gap Tracker evaluation): a gold attribution is *matched* by a
predicted quote when the prediction covers more than ``t`` of the gold content's characters
(t = 0.3 and 0.8); predictions and gold are paired one-to-one, best coverage first. Precision
is matched predictions / predictions, recall matched gold / gold. *Speaker accuracy* is the
share of matched pairs (at 0.3) whose predicted speaker span overlaps the gold source span
(or both are empty). *Direct* rows restrict gold to attributions whose content lies mostly
(≥ 50 % of its characters) between quotation marks (``"…"``, ``“…”``, ``«…»`` or the NYT's
``''…''``, within one line) and predictions to those flagged direct.

PolNeAR attributions include indirect speech, beliefs ("X thinks …") and "according to X", so
the all-attributions rows measure more than quotation marks can find.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Iterable

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

HELP = "quote content P/R/F1 and speaker accuracy on PolNeAR, newsdesk vs textacy direct quotations"

log = logging.getLogger(__name__)
THRESHOLDS = (0.3, 0.8)
_MARKS = '"“”«»„'
_QUOTED = re.compile(r"(?:[\"“«]|'')([^\"“”«»\n]+?)(?:[\"”»]|'')")


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="…/quotes_polnear/dev.jsonl")
    parser.add_argument(
        "--predictions",
        metavar="OUT.jsonl",
        help='write newsdesk\'s {"id","quotes":[{speaker_start,speaker_end,content_start,content_end}]}',
    )
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N articles")
    parser.add_argument("--no-textacy", action="store_true", help="skip the textacy baseline")
    parser.add_argument(
        "--folds", type=int, default=5, metavar="K", help="folds (by article) for the learned cue lexicon (default 5)"
    )
    parser.add_argument(
        "--write-model",
        action="store_true",
        help="also train the cue lexicon and attribution model on the whole file and write "
        "data/quotes/cues.json and model.json, as `newsdesk train quotes` does (scores stay cross-validated)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.4,
        metavar="P",
        help="probability above which the candidate model accepts an attribution (default 0.4)",
    )
    parser.add_argument(
        "--veto",
        type=float,
        default=0.2,
        metavar="P",
        help="probability below which the model vetoes an unquoted attribution of a cue verb (default 0.2; 0 = off)",
    )
    parser.add_argument(
        "--noun-threshold",
        type=float,
        default=None,
        metavar="P",
        help="also train and use noun and preposition cue candidates ('X's claim that …', 'criticism of …'), "
        "accepted from this probability on (default: off; 0.5 moved all-attributions F1 by +0.0001, "
        "see docs/benchmarks/quotes.md)",
    )
    parser.add_argument(
        "--parses",
        metavar="DOCS.spacy",
        default=None,
        help="reuse spaCy parses saved as a DocBin (written there when the file is absent)",
    )


# --- scoring --------------------------------------------------------------------------------


def _chars(segments: Iterable[tuple[int, int]]) -> frozenset[int]:
    out: set[int] = set()
    for start, end in segments:
        out.update(range(start, end))
    return frozenset(out)


def gold_attributions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Gold attributions of one PolNeAR record as character sets, with a ``direct`` flag."""
    text = record["text"]
    quoted = _chars((m.start(), m.end()) for m in _QUOTED.finditer(text))
    gold = []
    for attribution in record.get("attributions") or []:
        content = _chars((s["start"], s["end"]) for s in attribution.get("content") or [])
        content = frozenset(i for i in content if i < len(text) and not text[i].isspace())
        if not content:
            continue
        source = _chars((s["start"], s["end"]) for s in attribution.get("source") or [])
        gold.append({"content": content, "source": source, "direct": len(content & quoted) >= 0.5 * len(content)})
    return gold


def match(gold: list[dict[str, Any]], predicted: list[dict[str, Any]], threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) whose coverage of the gold exceeds ``threshold``."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            coverage = len(g["content"] & p["content"]) / len(g["content"])
            if coverage > threshold:
                pairs.append((coverage, gi, pi))
    pairs.sort(reverse=True)
    used_g, used_p, result = set(), set(), []
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            result.append((gi, pi))
    return result


class Scorer:
    """Accumulates counts over articles for one system and one subset (all or direct)."""

    def __init__(self) -> None:
        self.gold = 0
        self.predicted = 0
        self.matched = {t: 0 for t in THRESHOLDS}
        self.speaker_ok = 0

    def add(self, gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> None:
        self.gold += len(gold)
        self.predicted += len(predicted)
        for t in THRESHOLDS:
            pairs = match(gold, predicted, t)
            self.matched[t] += len(pairs)
            if t == THRESHOLDS[0]:
                for gi, pi in pairs:
                    g, p = gold[gi]["source"], predicted[pi]["source"]
                    if (not g and not p) or (g & p):
                        self.speaker_ok += 1

    def row(self, system: str) -> dict[str, Any]:
        row: dict[str, Any] = {"system": system, "gold": self.gold, "predicted": self.predicted}
        for t in THRESHOLDS:
            p = self.matched[t] / self.predicted if self.predicted else 0.0
            r = self.matched[t] / self.gold if self.gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            row.update({f"P@{t}": round(p, 4), f"R@{t}": round(r, 4), f"F1@{t}": round(f, 4)})
        m = self.matched[THRESHOLDS[0]]
        row["speaker_acc"] = round(self.speaker_ok / m, 4) if m else 0.0
        return row


# --- systems --------------------------------------------------------------------------------


def newsdesk_predictions(
    record: dict[str, Any], doc, options=None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(scoring dicts, predictions-file dicts) of newsdesk on one record."""
    from ..analysis.quotes import QuoteOptions, find_quotes, normalise_quote_marks, quotation_spans, quoted_share
    from ..models import Article, Provenance

    options = options or QuoteOptions(learned_cues=False, classifier=False, coref=False)

    article = Article(id=record["id"], provenance=Provenance(path=record["id"]), text=record["text"])
    text = record["text"]
    merged: list[list] = []  # [start, end, source, direct, cue, kind]
    spans = quotation_spans(normalise_quote_marks(text), options.max_paragraphs)
    for quote in find_quotes(article, doc=doc, options=options):
        if quote.reported_by:
            continue  # an attribution inside a quotation: PolNeAR rarely annotates those
        start, end = quote.start, quote.end
        # PolNeAR's direct attribution: at least half of the content quoted (``Quote.direct`` is
        # stricter: the content is one quotation, as the brief shows it)
        direct = quote.direct or quoted_share(text, (start, end), spans) >= 0.5
        # the gold content spans include the quotation marks
        if text[max(0, start - 2) : start] == "''":
            start -= 2
        elif start and text[start - 1] in _MARKS:
            start -= 1
        if text[end : end + 2] == "''":
            end += 2
        elif text[end : end + 1] and text[end] in _MARKS:
            end += 1
        source = (quote.speaker_start, quote.speaker_end) if quote.speaker_start is not None else None
        # PolNeAR annotates “A,” he said. “B.” as one attribution with two content segments: join
        # the quotations of one reporting clause that follow each other.
        last = merged[-1] if merged else None
        if (
            last
            and direct
            and last[3]
            and source
            and last[2] == source
            and last[4] == quote.cue
            and 0 <= start - last[1] <= 1000
        ):
            last[1] = max(last[1], end)
            continue
        merged.append([start, end, source, direct, quote.cue, quote.kind])
    scored, written = [], []
    for start, end, source, direct, _, kind in merged:
        scored.append(
            {"content": _chars([(start, end)]), "source": _chars([source]) if source else frozenset(), "direct": direct}
        )
        written.append(
            {
                "speaker_start": source[0] if source else None,
                "speaker_end": source[1] if source else None,
                "content_start": start,
                "content_end": end,
                "direct": direct,
                "kind": kind,
            }
        )
    return scored, written


def textacy_predictions(doc) -> tuple[list[dict[str, Any]], bool]:
    """textacy's direct quotations of one parse; (predictions, failed)."""
    from textacy.extract.triples import direct_quotations

    try:
        triples = list(direct_quotations(doc))
    except Exception as exc:  # textacy raises on unbalanced or odd quotation marks
        log.debug("textacy failed on a document: %s", exc)
        return [], True
    out = []
    for triple in triples:
        content = triple.content
        source = _chars((t.idx, t.idx + len(t.text)) for t in triple.speaker)
        out.append({"content": _chars([(content.start_char, content.end_char)]), "source": source, "direct": True})
    return out, False


# --- run ------------------------------------------------------------------------------------


def _load_docs(texts: list[str], parses: str | None):
    from spacy.tokens import DocBin

    from ..resources import nlp, parse

    model = nlp()
    if parses and Path(parses).exists():
        docs = list(DocBin().from_disk(parses).get_docs(model.vocab))
        if len(docs) >= len(texts) and all(d.text == t for d, t in zip(docs, texts)):
            return docs[: len(texts)]
        log.warning("%s does not hold the parses of these articles; parsing again", parses)
    docs = parse(texts)
    if parses:
        bin_ = DocBin(store_user_data=False)
        for d in docs:
            bin_.add(d)
        bin_.to_disk(parses)
    return docs


def load_polnear(path, limit: int | None = None) -> list[dict]:
    """The PolNeAR records of ``path`` (at most ``limit``), each checked to hold a text and its
    attributions; :class:`BenchmarkError` names the first bad line, or an empty file."""
    records = []
    for number, record in enumerate(read_jsonl(path), 1):
        if not isinstance(record.get("text"), str) or not isinstance(record.get("attributions"), list):
            raise BenchmarkError(f"{path}:{number} has no text or attributions", hint="pass …/quotes_polnear/dev.jsonl")
        records.append(record)
        if limit and len(records) >= limit:
            break
    if not records:
        raise BenchmarkError(f"{path} holds no articles", hint="pass …/quotes_polnear/dev.jsonl")
    return records


def run(args) -> BenchReport:
    records = load_polnear(args.dataset, args.limit)
    with Stopwatch() as parse_time:
        docs = _load_docs([r["text"] for r in records], args.parses)

    from ..analysis.quotes import (
        CUE_VERBS,
        QuoteOptions,
        learn_cue_lemmas,
        learn_sourceless_lemmas,
        train_candidate_model,
    )
    from ..training.quotes import cue_sources

    def cue_spans(record):
        return [(s["start"], s["end"]) for a in record["attributions"] for s in a.get("cue") or []]

    # Cross-validated cue lexicon: an article is scored with cues learned on the other folds only.
    import hashlib

    fold_of = [int(hashlib.sha1(r["id"].encode()).hexdigest(), 16) % args.folds for r in records]
    fold_cues, fold_models = {}, {}
    with Stopwatch() as train_time:
        for k in range(args.folds):
            fold_cues[k] = learn_cue_lemmas((d, cue_spans(r)) for r, d, f in zip(records, docs, fold_of) if f != k)
            fold_models[k] = train_candidate_model(
                ((d, cue_spans(r)) for r, d, f in zip(records, docs, fold_of) if f != k),
                CUE_VERBS | fold_cues[k],
                nouns=args.noun_threshold is not None,
            )
            fold_models[k]["threshold"] = args.threshold
            fold_models[k]["sourceless"] = sorted(
                learn_sourceless_lemmas((d, cue_sources(r)) for r, d, f in zip(records, docs, fold_of) if f != k)
            )
            fold_models[k]["veto"] = args.veto
            if args.noun_threshold is not None:
                fold_models[k]["noun_threshold"] = args.noun_threshold
    if args.write_model:
        from ..resources import QUOTE_MODEL
        from ..training.quotes import train, write

        source = (
            f"trained on {Path(args.dataset).parent.name}/{Path(args.dataset).name} ({len(records)} articles) "
            "by `newsdesk bench quotes DATASET --write-model`"
        )
        cues, model = train(
            [(d, cue_spans(r)) for r, d in zip(records, docs)],
            sources=[cue_sources(r) for r in records],
            threshold=args.threshold,
            veto=args.veto,
            source=source,
            noun_threshold=args.noun_threshold,
        )
        write(QUOTE_MODEL.parent, cues, model)

    systems = {"newsdesk": (Scorer(), Scorer()), "newsdesk rules only": (Scorer(), Scorer())}
    use_textacy = not args.no_textacy
    textacy_version = None
    if use_textacy:
        try:
            import textacy

            textacy_version = textacy.__version__
            systems["textacy direct_quotations"] = (Scorer(), Scorer())
        except ImportError:
            use_textacy = False
    textacy_failures = 0
    written = []
    with Stopwatch() as newsdesk_time:
        for record, doc, fold in zip(records, docs, fold_of):
            gold = gold_attributions(record)
            gold_direct = [g for g in gold if g["direct"]]
            # coref only names the entity behind a speaker span; PolNeAR scores the span as written
            options = QuoteOptions(learned_cues=False, extra_cues=fold_cues[fold], model=fold_models[fold], coref=False)
            scored, lines = newsdesk_predictions(record, doc, options)
            written.append({"id": record["id"], "quotes": lines})
            systems["newsdesk"][0].add(gold, scored)
            systems["newsdesk"][1].add(gold_direct, [p for p in scored if p["direct"]])
            base, _ = newsdesk_predictions(record, doc, QuoteOptions(learned_cues=False, classifier=False, coref=False))
            systems["newsdesk rules only"][0].add(gold, base)
            systems["newsdesk rules only"][1].add(gold_direct, [p for p in base if p["direct"]])
    if use_textacy:
        for record, doc in zip(records, docs):
            gold = gold_attributions(record)
            predicted, failed = textacy_predictions(doc)
            textacy_failures += failed
            systems["textacy direct_quotations"][0].add(gold, predicted)
            systems["textacy direct_quotations"][1].add([g for g in gold if g["direct"]], predicted)
    if args.predictions:
        write_jsonl(args.predictions, written)

    columns = ["system", "gold", "predicted", "P@0.3", "R@0.3", "F1@0.3", "P@0.8", "R@0.8", "F1@0.8", "speaker_acc"]
    all_rows = [scorers[0].row(name) for name, scorers in systems.items()]
    direct_rows = [scorers[1].row(name) for name, scorers in systems.items()]
    report = BenchReport(name="quotes", dataset=str(args.dataset))
    report.tables.append(BenchTable("All attributions (direct, indirect, beliefs, according to)", columns, all_rows))
    report.tables.append(BenchTable("Direct quotations only", columns, direct_rows))
    report.notes.append(
        f"cue lexicon and candidate model: {args.folds}-fold cross-validation by article "
        f"(training {train_time.seconds:.1f}s); no article is scored by a model trained on it"
    )
    report.notes.append(
        f"{len(records)} articles; spaCy parse {parse_time.seconds:.1f}s, newsdesk quotes {newsdesk_time.seconds:.1f}s"
    )
    if use_textacy:
        report.notes.append(
            f"textacy {textacy_version}: direct_quotations raised on {textacy_failures} articles (scored as no quotes)"
        )
    report.metrics = {
        "articles": len(records),
        "all": all_rows,
        "direct": direct_rows,
        "textacy_version": textacy_version,
        "textacy_failures": textacy_failures,
    }
    return report
