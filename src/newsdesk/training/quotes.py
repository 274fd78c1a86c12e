"""Train the attribution decision of the quotes stage on PolNeAR: ``newsdesk train quotes``.

Reads ``../shared/bench/quotes_polnear/dev.jsonl`` (the only PolNeAR split staged here; the
benchmark scores the same file by 5-fold cross-validation, so its figures never come from a model
that saw the article), parses it with the pipeline's spaCy model (``--parses`` caches the parses),
and writes the two files the stage reads:

* ``data/quotes/cues.json`` — cue lemmas learned from the annotated cues
  (:func:`newsdesk.analysis.quotes.learn_cue_lemmas`);
* ``data/quotes/model.json`` — a logistic regression over sparse features of every verb with a
  complement (cue lemma and frame, syntactic path, the source's entity type, what the content is:
  :func:`newsdesk.analysis.quotes.candidate_features`), with its acceptance ``threshold`` (a verb
  outside the cue lexicon is an attribution from this probability on) and its ``veto`` (a cue-lexicon
  verb whose unquoted content scores below it is not one: "Trump demonstrated his views were …").

The model card is ``data/quotes/MODEL_CARD.md``; the figures are in docs/benchmarks/quotes.md.
Deterministic for a given input (liblinear-free lbfgs on a fixed feature order).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..bench import BenchReport, BenchTable, Stopwatch
from ..errors import BenchmarkError

log = logging.getLogger(__name__)

HELP = "train the quote attribution model (cue lexicon + logistic decision) on PolNeAR and write newsdesk/data/quotes/"

_SHARED = Path(__file__).resolve().parents[4] / "shared" / "bench"
DEFAULT_DATA = _SHARED / "quotes_polnear" / "dev.jsonl"

#: Chosen by 5-fold CV on PolNeAR dev (docs/benchmarks/quotes.md); the defaults of the command.
THRESHOLD = 0.4
VETO = 0.2
C = 0.5


def add_arguments(parser) -> None:
    from ..resources import QUOTE_MODEL

    parser.add_argument("--data", default=str(DEFAULT_DATA), help=f"PolNeAR JSONL (default: {DEFAULT_DATA})")
    parser.add_argument(
        "--out",
        default=str(QUOTE_MODEL.parent),
        help=f"folder to write cues.json and model.json into (default: {QUOTE_MODEL.parent})",
    )
    parser.add_argument(
        "--parses",
        metavar="DOCS.spacy",
        default=None,
        help="reuse spaCy parses saved as a DocBin (written when absent)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N articles (quick trials)")
    parser.add_argument(
        "--threshold", type=float, default=THRESHOLD, help=f"acceptance probability (default {THRESHOLD})"
    )
    parser.add_argument("--veto", type=float, default=VETO, help=f"veto probability for cue verbs (default {VETO})")
    parser.add_argument(
        "--noun-threshold",
        type=float,
        default=None,
        help="also learn noun and preposition cues, accepted from this probability on (default: off)",
    )
    parser.add_argument("--c", type=float, default=C, help=f"inverse L2 strength of the regression (default {C})")


def cue_spans(record: dict[str, Any]) -> list[tuple[int, int]]:
    """The character spans of a PolNeAR record's annotated cues."""
    return [(s["start"], s["end"]) for a in record.get("attributions") or [] for s in a.get("cue") or []]


def cue_sources(record: dict[str, Any]) -> list[tuple[int, int, bool]]:
    """(cue start, cue end, whether the attribution names a source) of a PolNeAR record's
    attributions (their first cue segment)."""
    return [
        (a["cue"][0]["start"], a["cue"][0]["end"], bool(a.get("source")))
        for a in record.get("attributions") or []
        if a.get("cue") and a.get("content")
    ]


def train(
    examples: Sequence[tuple[Any, Sequence[tuple[int, int]]]],
    *,
    sources: Sequence[Sequence[tuple[int, int, bool]]] | None = None,
    threshold: float = THRESHOLD,
    veto: float = VETO,
    c: float = C,
    source: str = "",
    noun_threshold: float | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """(learned cue lemmas, model dict) from (spaCy Doc, gold cue spans) pairs. With
    ``noun_threshold`` the model also learns noun and preposition cues ("X's claim that …") and
    accepts them from that probability on (off by default: no gain by CV, docs/benchmarks/quotes.md).
    ``sources`` (one list per example, :func:`cue_sources`) also learns the cue lemmas whose subject
    is no source ("X seemed to …"; the model's ``sourceless``)."""
    from ..analysis.quotes import CUE_VERBS, learn_cue_lemmas, learn_sourceless_lemmas, train_candidate_model

    cues = sorted(learn_cue_lemmas(examples))
    model = train_candidate_model(examples, CUE_VERBS | frozenset(cues), c=c, nouns=noun_threshold is not None)
    model.update({"threshold": threshold, "veto": veto, "source": source})
    if sources is not None:
        model["sourceless"] = sorted(learn_sourceless_lemmas((d, s) for (d, _), s in zip(examples, sources)))
    if noun_threshold is not None:
        model["noun_threshold"] = noun_threshold
    return cues, model


def write(out: str | Path, cues: Iterable[str], model: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``cues.json`` and ``model.json`` into ``out``; returns their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    cues_path, model_path = folder / "cues.json", folder / "model.json"
    cues_path.write_text(
        json.dumps({"source": model.get("source", ""), "cues": list(cues)}, indent=1) + "\n", encoding="utf-8"
    )
    model_path.write_text(json.dumps(model, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return cues_path, model_path


def run(args) -> BenchReport:
    from ..bench.quotes import _load_docs, load_polnear

    records = load_polnear(args.data, args.limit)
    if not 0.0 < args.threshold < 1.0 or not 0.0 <= args.veto < 1.0:
        raise BenchmarkError(
            f"threshold={args.threshold}, veto={args.veto} must be probabilities",
            hint="e.g. --threshold 0.4 --veto 0.2",
        )
    with Stopwatch() as parse_time:
        docs = _load_docs([r["text"] for r in records], args.parses)
    source = (
        f"trained on {Path(args.data).parent.name}/{Path(args.data).name} ({len(records)} articles) "
        "by `newsdesk train quotes`"
    )
    with Stopwatch() as train_time:
        cues, model = train(
            [(d, cue_spans(r)) for r, d in zip(records, docs)],
            sources=[cue_sources(r) for r in records],
            threshold=args.threshold,
            veto=args.veto,
            c=args.c,
            source=source,
            noun_threshold=args.noun_threshold,
        )
    cues_path, model_path = write(args.out, cues, model)
    report = BenchReport(name="train quotes", dataset=str(args.data))
    report.tables.append(
        BenchTable(
            "Quote attribution model",
            ["articles", "cue lemmas", "weights", "threshold", "veto", "model KB"],
            [
                {
                    "articles": len(records),
                    "cue lemmas": len(cues),
                    "weights": len(model["weights"]),
                    "threshold": model["threshold"],
                    "veto": model["veto"],
                    "model KB": round(model_path.stat().st_size / 1024),
                }
            ],
        )
    )
    report.notes.append(f"wrote {cues_path} and {model_path}")
    report.notes.append(f"spaCy parse {parse_time.seconds:.1f}s, training {train_time.seconds:.1f}s")
    report.notes.append("cross-validated figures: `newsdesk bench quotes …/quotes_polnear/dev.jsonl`")
    report.metrics = {"articles": len(records), "cues": len(cues), "weights": len(model["weights"])}
    return report
