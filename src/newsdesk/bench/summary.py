"""Multi-document summary benchmark: ROUGE-1/2/L F1 of newsdesk's extractive summary and of
lead-1, LexRank and TextRank baselines, all at the same word budget, on AllSides data.

Datasets: ``mds_allsides_neus`` (``source_articles``: 3 × {title, text}) and
``mds_allsides_stories`` (``articles``: {source, title, text, …}), each with ``reference_summary``.
The word budget is the references' mean length in ``\\w+`` tokens over the whole file; every
system's summary is cut to that many words, so all compete at the same length.
ROUGE is computed here: lower-cased ``\\w+`` tokens, no stemming, no stop-word removal, F1;
ROUGE-L is the LCS of the whole token sequences (summary-level, sentence boundaries ignored).
newsdesk runs the summary stage as ``newsdesk analyze`` does (:func:`newsdesk.analysis.runner.analyse_story`
on the story's context, its coreference naming pronouns) with its shipped learned sentence scorer
(``--scorer heuristic`` for the untrained one). ``--as-reader`` adds the row "newsdesk as read": the
claims and summary stages run on the story, and the text is the brief's summary
(:func:`newsdesk.report.reader_summary`: agreed facts and the stage's sentences in one budget, then the
named disputes), cut to the same budget. The shipped model was fitted on these dev files, so its rows
are in-sample (a note says so); ``--fold-models DIR`` (written by ``newsdesk train summary
--fold-models DIR``) summarises each story with the cross-validation fold model that never saw it:
the honest dev figure.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import Sequence

from ..errors import BenchmarkError
from . import BenchReport, BenchTable, Stopwatch, read_jsonl, write_jsonl

HELP = "ROUGE-1/2/L of the cited story summary vs lead-1, LexRank, TextRank on AllSides MDS data"

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\w+")


def add_arguments(parser) -> None:
    parser.add_argument("dataset", help="…/mds_allsides_neus/dev.jsonl or …/mds_allsides_stories/dev.jsonl")
    parser.add_argument("--predictions", metavar="OUT.jsonl", help='write {"id","summary"} lines of newsdesk')
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N stories")
    parser.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="WORDS",
        help="word budget (default: mean reference length in the file)",
    )
    parser.add_argument(
        "--scorer",
        choices=["learned", "heuristic"],
        default="learned",
        help="newsdesk's sentence scorer (default: learned, the shipped model)",
    )
    parser.add_argument("--model", metavar="MODEL.json", help="learned scorer file instead of the shipped one")
    parser.add_argument(
        "--fold-models",
        metavar="DIR",
        help="out of fold: summarise each story with the cross-validation fold model that never saw it "
        "(written by `newsdesk train summary --fold-models DIR`)",
    )
    parser.add_argument(
        "--as-reader",
        action="store_true",
        help="also score the summary as the brief shows it: the claims and summary stages run as in "
        "`newsdesk analyze`, and the agreed facts and named disputes lead (report.reader_summary); slow",
    )
    parser.add_argument(
        "--documents",
        metavar="OUT.jsonl",
        help="with --as-reader: write each story's analysis document (claims, summary, disputes) and its "
        "reference, so another version of the report code can be scored on the same stage outputs",
    )


# --- ROUGE ----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if overlap == 0 or candidate == 0 or reference == 0:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1 with clipped n-gram counts."""
    cand = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
    ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
    overlap = sum((cand & ref).values())
    return _f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (bit-parallel, Hyyrö 2004)."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    return _f1(lcs_length(candidate, reference), len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> dict[str, float]:
    c, r = tokens(candidate), tokens(reference)
    return {"R1": rouge_n(c, r, 1), "R2": rouge_n(c, r, 2), "RL": rouge_l(c, r)}


def truncate_words(text: str, budget: int) -> str:
    """``text`` up to the end of its ``budget``-th word."""
    for count, match in enumerate(TOKEN.finditer(text), 1):
        if count == budget:
            return text[: match.end()]
    return text


# --- data -----------------------------------------------------------------------------------


def load_stories(path: str | Path) -> tuple[list[tuple[str, list, str]], list[str]]:
    """(id, articles, reference) per usable record, and a message per skipped record."""
    from ..models import Article, Provenance

    stories, skipped = [], []
    for number, record in enumerate(read_jsonl(path), 1):
        try:
            sources = record.get("source_articles", record.get("articles"))
            reference = record["reference_summary"]
            story_id = str(record["id"])
            if not isinstance(sources, list) or not isinstance(reference, str):
                raise KeyError("source_articles/articles or reference_summary")
            articles = []
            for k, source in enumerate(sources):
                text = (source.get("text") or "").strip()
                if not text:
                    continue
                # The stories crawl separates paragraphs by single newlines; Article.text uses blank lines.
                text = re.sub(r"\s*\n\s*", "\n\n", text)
                articles.append(
                    Article(
                        id=f"{story_id}#{k}",
                        provenance=Provenance(path=str(path), record=number, url=source.get("url")),
                        text=text,
                        title=(source.get("title") or None),
                        outlet=(source.get("source") or None),
                    )
                )
            if not articles:
                raise ValueError("no article has text")
            stories.append((story_id, articles, reference))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            skipped.append(f"{path}:{number}: skipped ({exc})")
    if not stories:
        raise BenchmarkError(f"{path} holds no usable story", hint="expected mds_allsides_* dev.jsonl records")
    return stories, skipped


# --- baselines ------------------------------------------------------------------------------


def _pagerank(weights, damping: float = 0.85, iterations: int = 100):
    import numpy as np

    n = weights.shape[0]
    rows = weights.sum(axis=1, keepdims=True)
    transition = np.where(rows > 0, weights / np.where(rows > 0, rows, 1), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * transition.T @ rank
        if np.abs(updated - rank).sum() < 1e-8:
            return updated
        rank = updated
    return rank


def lexrank_scores(sentences: Sequence[str], vectorizer, threshold: float = 0.1):
    """LexRank (Erkan & Radev 2004) with threshold: PageRank over the TF-IDF cosine > 0.1 graph."""
    import numpy as np

    matrix = vectorizer.transform(sentences)
    cosine = (matrix @ matrix.T).toarray()
    graph = (cosine > threshold).astype(float)
    np.fill_diagonal(graph, 0.0)
    return _pagerank(graph)


def textrank_scores(sentences: Sequence[str], stop_words: frozenset[str]):
    """TextRank (Mihalcea & Tarau 2004): PageRank over word-overlap / (log|a| + log|b|) weights."""
    import numpy as np

    bags = [[t for t in tokens(s) if t not in stop_words] for s in sentences]
    n = len(bags)
    weights = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if len(bags[i]) < 2 or len(bags[j]) < 2:
                continue
            overlap = len(set(bags[i]) & set(bags[j]))
            if overlap:
                weights[i, j] = weights[j, i] = overlap / (math.log(len(bags[i])) + math.log(len(bags[j])))
    return _pagerank(weights)


def ranked_to_summary(order: Sequence[int], units: Sequence[tuple[int, int, str]], budget: int) -> str:
    """Take units (article, position, text) in ``order`` until ``budget`` words; join in document order."""
    chosen, words = [], 0
    for i in order:
        if words >= budget:
            break
        chosen.append(i)
        words += len(TOKEN.findall(units[i][2]))
    chosen.sort(key=lambda i: units[i][:2])
    return truncate_words(" ".join(units[i][2] for i in chosen), budget)


# --- the summary as the stage makes it and as the brief shows it --------------------------------


def analysed_summaries(
    story_id: str, articles: Sequence, options, *, reader: bool, keep: list | None = None
) -> tuple[str, str | None]:
    """The story's summary as the summary stage makes it in ``newsdesk analyze`` (run through
    :func:`newsdesk.analysis.runner.analyse_story` on the story's context, pronouns resolved by its
    coreference) and, with ``reader``, as report.md shows it (:func:`newsdesk.report.reader_summary`,
    from the claims and summary stages of the same run). The analysis document is appended to ``keep``
    when given."""
    from ..analysis.runner import AnalysisOptions, analyse_story
    from ..models import Story
    from ..report import ReportView, reader_summary

    story = Story(story_id, articles[0].title or story_id, tuple(a.id for a in articles))
    stages = frozenset({"claims", "summary"} if reader else {"summary"})
    analysis = analyse_story(story, articles, AnalysisOptions(stages=stages, summary=options))
    for error in analysis.errors:
        log.warning("%s: stage %s failed: %s", story_id, error.stage, error.message)
    document: dict = {
        "articles": [{"id": a.id, "outlet": a.outlet, "title": a.title, "text": a.text} for a in articles]
    }
    document["stories"] = [{"id": story_id, "title": story.title, "articles": list(story.article_ids)}]
    for findings in analysis.findings.values():
        for section, items in findings.sections().items():
            document.setdefault(section, []).extend({"story": story_id, **item.to_json()} for item in items)
    if keep is not None:
        keep.append(document)
    view = ReportView(document)
    stage = " ".join(s["text"] for s in view.section(view.stories[0], "summary"))
    if not reader:
        return stage, None
    return stage, " ".join(text for _, text, _ in reader_summary(view, view.stories[0]))


def fold_options(options, fold_models: str | None, story_id: str):
    """``options`` with the scorer that never saw ``story_id`` when fold models are given."""
    if not fold_models:
        return options
    import dataclasses

    from ..training.summary import fold_model_name, fold_of

    folder = Path(fold_models)
    found = sorted(folder.glob("summary_model.fold*of*.json"))
    if not found:
        raise BenchmarkError(
            f"{folder} holds no fold model", hint="write them with `newsdesk train summary --fold-models DIR`"
        )
    folds = int(found[0].stem.rsplit("of", 1)[1])
    path = folder / fold_model_name(fold_of(story_id, folds), folds)
    return dataclasses.replace(options, model_path=str(path))


# --- run ------------------------------------------------------------------------------------


def run(args) -> BenchReport:
    import numpy as np
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    from ..analysis.sentences import article_sentences
    from ..analysis.summary import SummaryOptions
    from ..resources import parse

    path = Path(args.dataset)
    all_stories, skipped = load_stories(path)
    budget = args.budget or round(sum(len(tokens(r)) for _, _, r in all_stories) / len(all_stories))
    stories = all_stories[: args.limit] if args.limit else all_stories
    options = SummaryOptions(word_budget=budget, scorer=args.scorer, model_path=args.model)

    # IDF from every article of the file (unsupervised, no reference seen).
    vectorizer = TfidfVectorizer(lowercase=True, token_pattern=r"\w+")
    vectorizer.fit([a.text for _, articles, _ in all_stories for a in articles])
    stop_words = frozenset(ENGLISH_STOP_WORDS)

    systems = ["newsdesk", "lead-1", "LexRank", "TextRank", "lead (round-robin)"]
    if args.as_reader:
        systems.insert(1, "newsdesk as read")
    scores: dict[str, list[dict[str, float]]] = {s: [] for s in systems}
    predictions = []
    documents: list[dict] = []
    seconds = 0.0
    for story_id, articles, reference in stories:
        sentences = {
            a.id: article_sentences(a.text, doc) for a, doc in zip(articles, parse([a.text for a in articles]))
        }
        units = [(k, p, s.text) for k, article in enumerate(articles) for p, s in enumerate(sentences[article.id])]
        outputs: dict[str, str] = {}
        story_options = fold_options(options, args.fold_models, story_id)
        with Stopwatch() as watch:
            kept: list[dict] = []
            stage, read = analysed_summaries(story_id, articles, story_options, reader=args.as_reader, keep=kept)
        seconds += watch.seconds
        if getattr(args, "documents", None) and args.as_reader:
            documents += [{"id": story_id, "budget": budget, "reference": reference, "document": d} for d in kept]
        outputs["newsdesk"] = truncate_words(stage, budget)
        if read is not None:
            outputs["newsdesk as read"] = truncate_words(read, budget)
        leads = [i for i, u in enumerate(units) if u[1] == 0]
        outputs["lead-1"] = truncate_words(" ".join(units[i][2] for i in leads), budget)
        round_robin = sorted(range(len(units)), key=lambda i: (units[i][1], units[i][0]))
        outputs["lead (round-robin)"] = ranked_to_summary(round_robin, units, budget)
        texts = [u[2] for u in units]
        if texts:
            lex = lexrank_scores(texts, vectorizer)
            outputs["LexRank"] = ranked_to_summary(list(np.argsort(-lex, kind="stable")), units, budget)
            tex = textrank_scores(texts, stop_words)
            outputs["TextRank"] = ranked_to_summary(list(np.argsort(-tex, kind="stable")), units, budget)
        for system in systems:
            scores[system].append(rouge(outputs.get(system, ""), reference))
        predictions.append({"id": story_id, "summary": outputs["newsdesk"]})

    if args.predictions:
        write_jsonl(args.predictions, predictions)
    if getattr(args, "documents", None) and args.as_reader:
        write_jsonl(args.documents, documents)

    rows, metrics = [], {}
    for system in systems:
        mean = {m: 100 * sum(s[m] for s in scores[system]) / len(scores[system]) for m in ("R1", "R2", "RL")}
        metrics[system] = {m: round(v, 2) for m, v in mean.items()}
        rows.append(
            {
                "system": system,
                "ROUGE-1": f"{mean['R1']:.2f}",
                "ROUGE-2": f"{mean['R2']:.2f}",
                "ROUGE-L": f"{mean['RL']:.2f}",
            }
        )
    best_baseline = max(metrics[s]["R2"] for s in ("lead-1", "LexRank", "TextRank"))
    if args.as_reader:
        metrics["reader_minus_stage_r2"] = round(metrics["newsdesk as read"]["R2"] - metrics["newsdesk"]["R2"], 2)
    metrics["stories"] = len(stories)
    metrics["word_budget"] = budget
    metrics["r2_margin_over_best_baseline"] = round(metrics["newsdesk"]["R2"] - best_baseline, 2)
    metrics["newsdesk_seconds_per_story"] = round(seconds / max(len(stories), 1), 3)
    notes = [
        f"{len(stories)} stories, word budget {budget} (mean reference length in \\w+ tokens over the file)",
        "ROUGE F1 x100: lower-cased \\w+ tokens, no stemming; ROUGE-L = LCS over whole token sequences",
        f"newsdesk R-2 minus best of lead-1/LexRank/TextRank: {metrics['r2_margin_over_best_baseline']:+.2f}",
        f"newsdesk analysis time {metrics['newsdesk_seconds_per_story']} s/story (parse, context and the "
        + ("claims and summary stages)" if args.as_reader else "summary stage)"),
    ]
    if args.fold_models:
        notes.append(f"out of fold: each story summarised by the fold model of {args.fold_models} that never saw it")
        metrics["out_of_fold"] = True
    elif args.scorer == "learned":
        from ..analysis.summary import load_scorer

        scorer = load_scorer(args.model)
        trained_on = scorer.meta.get("trained_on", []) if scorer else []
        fitted_here = f"{path.resolve().parent.name}/{path.name}" in trained_on
        if fitted_here:
            notes.append(
                "the learned scorer was fitted on this file: the newsdesk row is in-sample; the honest "
                "figure is the out-of-fold ROUGE printed by `newsdesk train summary`"
            )
        metrics["scorer_fitted_on_this_file"] = fitted_here
    notes.extend(skipped[:20])
    if len(skipped) > 20:
        notes.append(f"… {len(skipped) - 20} more skipped records")
    return BenchReport(
        name="summary",
        dataset=str(path),
        tables=[BenchTable(title="ROUGE F1 (x100)", columns=["system", "ROUGE-1", "ROUGE-2", "ROUGE-L"], rows=rows)],
        notes=notes,
        metrics=metrics,
    )
