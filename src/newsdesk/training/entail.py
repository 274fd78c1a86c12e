"""Train the same-fact cross-encoder (:mod:`newsdesk.entail`) and measure it out of sample.

An experiment (session 5): out of sample it ranked same-fact pairs worse than the plain cosine, so
the pipeline does not use it (docs/benchmarks/nli.md). ``newsdesk train entail`` fits a LoRA adapter on the top layer(s) of the bundled MiniLM and a
logistic head, reading two sentences together, to tell "B states the same fact as A" (paraphrase
or entailment) from everything else. Training pairs (all from ``../shared/bench``; the same
loaders as ``newsdesk train nli``): RTE train (entailment), Emergent (claim / headline "for"),
FNC-1 train (agree; discuss, unrelated and two sentences of one body as negatives), WiCE (supported),
edited copies (a figure, day or polarity changed: not the same) and brief_basil dev (mentions of one
agreed fact in two articles; other cross-article pairs of the event at MiniLM cosine >= 0.45 and
two sentences of one article as negatives).

Out of sample on brief_basil (what ``--cv`` measures): the events are split into ``--folds``
groups; each group's cross-article candidate pairs are scored by an adapter trained without any
pair of that group's events; AP and recall at precision >= 0.9 of "same" among those candidates,
against the plain MiniLM cosine. The decision threshold saved with a model is chosen on these
out-of-fold scores (``--fold-dir``: each fold's adapter, with a threshold chosen on the other folds).
"""

from __future__ import annotations

import logging
import math
import pickle
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bench import BenchReport, BenchTable

log = logging.getLogger(__name__)

HELP = "the same-fact cross-encoder (LoRA on MiniLM's top layer): grouped CV on brief_basil, or fit and write --out (experiment)"

EXTERNAL = ("rte", "emergent", "fnc", "wice")
#: pairs kept of each external source by default (CPU time: a fit reads about 6 pairs/s on a loaded machine)
PER_SOURCE = {"rte": 400, "emergent": 100, "fnc": 150, "wice": 100}


@dataclass(frozen=True)
class Example:
    """A training pair: ``y`` 1 = the same fact; ``group`` a brief_basil story or the source's own."""

    a: str
    b: str
    y: int
    source: str
    group: str


@dataclass(frozen=True)
class CandidatePair:
    """A cross-article sentence pair of one brief_basil event as the claims stage meets it."""

    story: str
    a: str
    b: str
    gold: str  # same / contradiction / other
    cosine: float


class StateCache:
    """Per-sentence lower-layer states (:func:`newsdesk.entail.sentence_states`), kept in a pickle."""

    def __init__(self, directory: str | Path | None, split: int) -> None:
        self.path = Path(directory) / f"states-{split}.pkl" if directory else None
        self.split = split
        self.items: dict[str, tuple[Any, Any]] = {}
        if self.path and self.path.exists():
            with open(self.path, "rb") as handle:
                self.items = pickle.load(handle)
        self._base: tuple[Any, Any] | None = None

    @property
    def base(self) -> tuple[Any, Any]:
        if self._base is None:
            from ..entail import base_model

            self._base = base_model()
        return self._base

    def ensure(self, texts: Sequence[str], *, chunk: int = 1000) -> None:
        from ..entail import sentence_states

        missing = [t for t in dict.fromkeys(texts) if t not in self.items]
        for start in range(0, len(missing), chunk):
            part = missing[start : start + chunk]
            started = time.perf_counter()
            self.items.update(zip(part, sentence_states(*self.base, part, self.split)))
            log.info(
                "states: %d of %d new texts (%.0f/s)",
                start + len(part),
                len(missing),
                len(part) / (time.perf_counter() - started),
            )
        if missing and self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as handle:
                pickle.dump(self.items, handle, protocol=pickle.HIGHEST_PROTOCOL)


# --- data -------------------------------------------------------------------------------------


def external_examples(shared: Path, *, seed: int = 13, per_source: dict[str, int] | None = None) -> list[Example]:
    """Pairs of the sources other than brief_basil, binary (half same when there are enough), at most
    ``per_source[name]`` of each (default :data:`PER_SOURCE`)."""
    from . import nli as pairs_training

    rng = random.Random(seed)
    out: list[Example] = []
    sizes = per_source or PER_SOURCE
    for name in EXTERNAL:
        if not sizes.get(name):
            continue
        found = pairs_training.load_sources([name], seed=seed, shared=shared)
        items = [Example(p.a, p.b, int(p.label == "same"), p.source, p.group) for p in found if p.label != "no_clash"]
        rng.shuffle(items)
        positives = [e for e in items if e.y][: sizes[name] // 2]
        out += positives + [e for e in items if not e.y][: sizes[name] - len(positives)]
    return out


def basil_examples(
    shared: Path,
    candidates: Sequence[CandidatePair],
    *,
    seed: int = 13,
    candidate_negatives: int = 1000,
    within: int = 250,
) -> list[Example]:
    """brief_basil pairs, each with its event as group: agreed-fact mentions in two articles and
    candidates covering two of them (1); annotated contradictions, edited copies (0 unless unchanged),
    ``within`` pairs of two sentences of one article and ``candidate_negatives`` cross-article
    candidates that are not two mentions of one key fact (0: mostly different facts of the story)."""
    from . import nli as pairs_training

    rng = random.Random(seed)
    found = pairs_training.basil_pairs(pairs_training.basil_events(shared / "brief_basil" / "dev.jsonl"), seed=seed)
    kept = [
        Example(p.a, p.b, int(p.label == "same"), p.source, p.group.split("|")[0])
        for p in found
        if p.label in ("same", "related", "contradiction") and p.source in ("basil", "within", "synthetic")
    ]
    same_article = [e for e in kept if e.source == "within"]
    out = [e for e in kept if e.source != "within"] + rng.sample(same_article, min(within, len(same_article)))
    negatives = [c for c in candidates if c.gold != "same"]
    out += [Example(c.a, c.b, 1, "candidate", c.story) for c in candidates if c.gold == "same"]
    out += [
        Example(c.a, c.b, 0, "candidate", c.story)
        for c in rng.sample(negatives, min(candidate_negatives, len(negatives)))
    ]
    return out


def basil_candidate_pairs(shared: Path, cache: StateCache, *, min_cosine: float = 0.45) -> list[CandidatePair]:
    """Every cross-article pair of sentences (6+ words) of one event with MiniLM cosine >= ``min_cosine``."""
    from . import nli as pairs_training

    events = pairs_training.basil_events(shared / "brief_basil" / "dev.jsonl")
    out: list[CandidatePair] = []
    for event in events:
        sentences = [
            (a["key"], s)
            for a in event["articles"]
            for s in pairs_training.split_sentences(a["text"])
            if len(s.split()) >= 6
        ]
        cache.ensure([s for _, s in sentences])
        for i in range(len(sentences)):
            for j in range(i + 1, len(sentences)):
                (ka, sa), (kb, sb) = sentences[i], sentences[j]
                if ka == kb or sa == sb:
                    continue
                cosine = float(cache.items[sa][1] @ cache.items[sb][1])
                if cosine < min_cosine:
                    continue
                if pairs_training._clashes(event, ka, sa, kb, sb):
                    gold = "contradiction"
                elif any(
                    any(m["article"] == ka and pairs_training.covers(sa, m["text"]) for m in fact["mentions"])
                    and any(m["article"] == kb and pairs_training.covers(sb, m["text"]) for m in fact["mentions"])
                    for fact in event.get("agreements", [])
                ):
                    gold = "same"
                else:
                    gold = "other"
                out.append(CandidatePair(event["story"], sa, sb, gold, cosine))
    return out


# --- fitting ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FitOptions:
    """How an adapter is fitted. Defaults: one adapted layer, rank 8, 2 epochs, AdamW 1e-3."""

    trained_layers: int = 1
    rank: int = 8
    alpha: float = 16.0
    epochs: int = 2
    batch_size: int = 16
    learning_rate: float = 1e-3
    max_seconds: float = 900.0
    seed: int = 13

    def __post_init__(self) -> None:
        if not 1 <= self.trained_layers <= 6:
            raise ValueError(f"trained_layers must be 1..6, got {self.trained_layers}")
        if self.rank < 1 or self.epochs < 1 or self.batch_size < 1 or self.max_seconds <= 0:
            raise ValueError("rank, epochs, batch_size and max_seconds must be positive")


def fit(examples: Sequence[Example], cache: StateCache, options: FitOptions) -> Any:
    """An :class:`newsdesk.entail.Adapter` fitted on ``examples`` (balanced classes, each pair read in a
    random order), stopped after ``options.max_seconds``."""
    import torch

    from ..entail import Adapter, pair_tensors

    _, model = cache.base
    adapter = Adapter.fresh(
        model, trained_layers=options.trained_layers, rank=options.rank, alpha=options.alpha, seed=options.seed
    )
    texts = list(dict.fromkeys(t for e in examples for t in (e.a, e.b)))
    cache.ensure(texts)
    index = {t: k for k, t in enumerate(texts)}
    states = [cache.items[t] for t in texts]
    positives = sum(e.y for e in examples)
    weight_of = {
        1: len(examples) / (2.0 * max(positives, 1)),
        0: len(examples) / (2.0 * max(len(examples) - positives, 1)),
    }
    optimizer = torch.optim.AdamW(list(adapter.tensors.values()), lr=options.learning_rate, weight_decay=0.01)
    rng = random.Random(options.seed)
    steps = options.epochs * math.ceil(len(examples) / options.batch_size)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warmup, max(0.0, (steps - k) / max(steps - warmup, 1)))
    )
    started = time.perf_counter()
    step = 0
    for epoch in range(options.epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), options.batch_size):
            rows = [examples[k] for k in order[start : start + options.batch_size]]
            pairs = [(index[e.a], index[e.b]) if rng.random() < 0.5 else (index[e.b], index[e.a]) for e in rows]
            target = torch.tensor([float(e.y) for e in rows])
            weight = torch.tensor([weight_of[e.y] for e in rows])
            logits = adapter.logits(model, *pair_tensors(states, pairs))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, weight=weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            total += float(loss.detach()) * len(rows)
            if time.perf_counter() - started > options.max_seconds:
                log.warning(
                    "fit stopped at the time bound (%.0f s), epoch %d, step %d of %d",
                    options.max_seconds,
                    epoch,
                    step,
                    steps,
                )
                return adapter
        log.info("epoch %d: loss %.4f (%.0f s)", epoch + 1, total / len(examples), time.perf_counter() - started)
    return adapter


def score(adapter: Any, cache: StateCache, pairs: Sequence[tuple[str, str]]) -> Any:
    """P(same) of text pairs (both orders averaged) with a fitted adapter."""
    from ..entail import EntailModel

    model = EntailModel(adapter, threshold=0.5)
    model._base = cache.base
    texts = list(dict.fromkeys(t for pair in pairs for t in pair))
    cache.ensure(texts)
    index = {t: k for k, t in enumerate(texts)}
    return model.proba_states([cache.items[t] for t in texts], [(index[a], index[b]) for a, b in pairs])


# --- measuring --------------------------------------------------------------------------------


def recall_at_precision(scores: Any, gold: Any, target: float = 0.9) -> tuple[float, float]:
    """(best recall with precision >= ``target``, the lowest score threshold giving it)."""
    import numpy as np

    order = np.argsort(-np.asarray(scores, float), kind="stable")
    hits = np.cumsum(np.asarray(gold, bool)[order])
    counts = np.arange(1, len(order) + 1)
    total = max(int(np.asarray(gold, bool).sum()), 1)
    best, threshold = 0.0, float("inf")
    for k in range(len(order)):
        if hits[k] / counts[k] >= target and hits[k] / total > best:
            best, threshold = hits[k] / total, float(np.asarray(scores, float)[order[k]])
    return best, threshold


def ranking_figures(scores: Any, gold: Any) -> dict[str, float]:
    from sklearn.metrics import average_precision_score

    recall, threshold = recall_at_precision(scores, gold)
    return {"AP": float(average_precision_score(gold, scores)), "R@P0.9": recall, "threshold": threshold}


def cross_validate(
    external: Sequence[Example],
    basil: Sequence[Example],
    candidates: Sequence[CandidatePair],
    cache: StateCache,
    options: FitOptions,
    *,
    folds: int,
) -> tuple[Any, list[tuple[set[str], Any]]]:
    """Out-of-fold P(same) of every candidate: each event group scored by an adapter fitted on the
    external pairs and the brief_basil pairs of the OTHER groups (folds = 0: no brief_basil pair at all). Also returns each fold's (events, adapter)."""
    import numpy as np

    stories = list(dict.fromkeys(c.story for c in candidates))
    proba = np.zeros(len(candidates))
    groups = [set(stories[k::folds]) for k in range(folds)] if folds else [set(stories)]
    adapters: list[tuple[set[str], Any]] = []
    for number, group in enumerate(groups, 1):
        train = list(external) + ([e for e in basil if e.group not in group] if folds else [])
        started = time.perf_counter()
        adapter = fit(train, cache, options)
        rows = [k for k, c in enumerate(candidates) if c.story in group]
        proba[rows] = score(adapter, cache, [(candidates[k].a, candidates[k].b) for k in rows])
        adapters.append((group, adapter))
        log.info(
            "fold %d of %d: %d training pairs, %d candidates scored, %.0f s",
            number,
            len(groups),
            len(train),
            len(rows),
            time.perf_counter() - started,
        )
    return proba, adapters


# --- the command ------------------------------------------------------------------------------


def add_arguments(parser) -> None:
    from .nli import SHARED

    parser.add_argument("--shared", default=str(SHARED), help=f"the benchmark folder (default: {SHARED})")
    parser.add_argument(
        "--out",
        metavar="FILE.npz",
        help="the adapter file to write (required unless --cv-only; the pipeline uses none)",
    )
    parser.add_argument("--cache", metavar="DIR", help="keep the per-sentence lower-layer states here")
    parser.add_argument(
        "--folds",
        type=int,
        default=4,
        help="brief_basil event groups for the out-of-fold figures and threshold (default: 4)",
    )
    parser.add_argument("--cv-only", action="store_true", help="measure out of fold only; write no model")
    parser.add_argument("--no-basil", action="store_true", help="train without any brief_basil pair")
    parser.add_argument(
        "--per-source",
        default=",".join(f"{k}={v}" for k, v in PER_SOURCE.items()),
        help="pairs kept of each external source, NAME=N,... (default: %(default)s)",
    )
    parser.add_argument("--trained-layers", type=int, default=1, help="top MiniLM layers with an adapter (default: 1)")
    parser.add_argument("--rank", type=int, default=8, help="adapter rank (default: 8)")
    parser.add_argument("--epochs", type=int, default=2, help="passes over the training pairs (default: 2)")
    parser.add_argument("--fold-dir", metavar="DIR", help="also write each fold's adapter here (fold-K.npz)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="time bound of each fit (default: 900)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: 2)")
    parser.add_argument("--seed", type=int, default=13, help="random seed (default: 13)")


def run(args) -> BenchReport:
    import numpy as np
    import torch

    from ..entail import EntailModel
    from ..errors import BenchmarkError

    if not args.cv_only and not args.out:
        raise BenchmarkError("no --out file given", hint="pass --out FILE.npz, or --cv-only to measure only")
    torch.set_num_threads(args.threads)
    shared = Path(args.shared)
    options = FitOptions(
        trained_layers=args.trained_layers,
        rank=args.rank,
        epochs=args.epochs,
        max_seconds=args.max_seconds,
        seed=args.seed,
    )
    cache = StateCache(args.cache, 6 - options.trained_layers)
    candidates = basil_candidate_pairs(shared, cache)
    sizes = {k: int(v) for k, _, v in (item.partition("=") for item in args.per_source.split(",") if item)}
    external = external_examples(shared, seed=args.seed, per_source=sizes)
    basil = [] if args.no_basil else basil_examples(shared, candidates, seed=args.seed)
    report = BenchReport(name="train entail", dataset=str(shared))
    report.notes.append(
        f"{len(external)} external pairs ({sum(e.y for e in external)} same), {len(basil)} brief_basil pairs "
        f"({sum(e.y for e in basil)} same); {len(candidates)} cross-article candidates "
        f"({sum(c.gold == 'same' for c in candidates)} same, {sum(c.gold == 'contradiction' for c in candidates)} contradiction)"
    )
    gold = np.array([c.gold == "same" for c in candidates])
    cosine = np.array([c.cosine for c in candidates])
    proba, adapters = cross_validate(
        external, basil, candidates, cache, options, folds=0 if args.no_basil else args.folds
    )
    band = (cosine >= 0.5) & (cosine < 0.69)
    if args.fold_dir:
        for number, (group, adapter) in enumerate(adapters, 1):
            # the fold's threshold is chosen on the OTHER folds' out-of-fold scores (nested)
            other = band & np.array([c.story not in group for c in candidates])
            _, chosen = recall_at_precision(proba[other], gold[other]) if other.any() else (0.0, float("inf"))
            path = Path(args.fold_dir) / f"fold-{number}.npz"
            EntailModel(
                adapter,
                threshold=round(chosen, 3) if math.isfinite(chosen) else 0.99,
                meta={"held_out": sorted(group), "seed": args.seed},
            ).save(path)
            report.notes.append(f"wrote {path} (held out: {len(group)} events, threshold {chosen:.3f})")
    rows = []
    for scope, mask in (("cosine >= 0.45", np.ones(len(candidates), bool)), ("0.50 <= cosine < 0.69", band)):
        for name, values in (("MiniLM cosine", cosine), ("cross-encoder P(same)", proba)):
            figures = ranking_figures(values[mask], gold[mask])
            rows.append(
                {
                    "pairs": scope,
                    "scorer": name,
                    "n": int(mask.sum()),
                    "same": int(gold[mask].sum()),
                    "AP": round(figures["AP"], 3),
                    "recall at P>=0.9": round(figures["R@P0.9"], 3),
                }
            )
    report.tables.append(
        BenchTable(
            title="brief_basil cross-article candidates, out of fold: same fact vs the rest",
            columns=["pairs", "scorer", "n", "same", "AP", "recall at P>=0.9"],
            rows=rows,
        )
    )
    report.metrics["candidates"] = [
        {"story": c.story, "gold": c.gold, "cosine": c.cosine, "proba": float(p)} for c, p in zip(candidates, proba)
    ]
    if args.cv_only:
        return report
    adapter = fit(list(external) + list(basil), cache, options)
    _, threshold = recall_at_precision(proba[band], gold[band])
    model = EntailModel(
        adapter,
        threshold=round(threshold, 3) if math.isfinite(threshold) else 0.99,
        meta={"seed": args.seed, "pairs": len(external) + len(basil), "brief_basil": not args.no_basil},
    )
    path = model.save(args.out)
    report.notes.append(f"wrote {path} (threshold {model.threshold}, chosen out of fold for precision >= 0.9)")
    return report
