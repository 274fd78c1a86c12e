"""Paragraph filter of the HTML path: drop the boilerplate a recall-first extraction lets through.

trafilatura's recall mode keeps the article's lists, tables and short paragraphs that its
precision mode prunes, and with them some chrome (teasers, bylines, share prompts, related
links). Each paragraph of the (cleaned) recall output is scored by a logistic model over the
line features of :mod:`.lines` (length, sentence punctuation, stop words, chrome phrases,
neighbours, position) and a few paragraph-level ones (list item, share of the page's words
before and after it, size of the page); paragraphs under the model's threshold are dropped.
The model and its threshold are fitted leave-one-dataset-out over five extraction sets
(``newsdesk train extract_paragraphs``; figures in docs/benchmarks/extraction.md) and shipped as
``data/extract/paragraphs_model.json``. When the kept paragraphs fall under ``min_words`` the
page keeps every paragraph (a short page is better whole than empty).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

from .lines import Line, LineModel, heuristic_score, line_features, load_bundled
from .patterns import WORD

MODEL_RESOURCE = "paragraphs_model.json"

#: Paragraphs of at least this many words skip the phrase searches of the line features (a long
#: paragraph is prose; the searches cost most of the filter's time on long pages).
LONG_WORDS = 40

#: Paragraph-level features added to :data:`newsdesk.extract.lines.FEATURE_NAMES`.
EXTRA_FEATURES = (
    "list_item",
    "before_share",
    "after_share",
    "page_log_words",
    "page_log_paras",
    "first",
    "last",
    "heur",
)


def paragraph_features(
    paragraphs: Sequence[str], *, template_lines: frozenset[str] = frozenset()
) -> list[dict[str, float]]:
    """Feature dictionaries of every paragraph of one page's extracted text."""
    lines = [Line(i, " ".join(p.split())) for i, p in enumerate(paragraphs)]
    feats = line_features(lines, template_lines=template_lines, long_words=LONG_WORDS)
    sizes = [len(WORD.findall(p)) for p in paragraphs]
    total = max(sum(sizes), 1)
    before = 0
    out = []
    for i, (para, f) in enumerate(zip(paragraphs, feats)):
        f = dict(f)
        # trafilatura renders list items as "- item"
        f["list_item"] = float(para.startswith("- "))
        f["before_share"] = before / total
        f["after_share"] = (total - before - sizes[i]) / total
        before += sizes[i]
        f["page_log_words"] = math.log1p(total)
        f["page_log_paras"] = math.log1p(len(paragraphs))
        f["first"] = float(i == 0)
        f["last"] = float(i == len(paragraphs) - 1)
        f["heur"] = heuristic_score(f)
        out.append(f)
    return out


@lru_cache(maxsize=1)
def bundled_paragraph_model() -> LineModel | None:
    """The trained paragraph model shipped in ``newsdesk/data/extract``, or None when absent."""
    return load_bundled(MODEL_RESOURCE)


def filter_paragraphs(
    paragraphs: list[str],
    model: LineModel,
    *,
    min_words: int,
    threshold: float | None = None,
    template_lines: frozenset[str] = frozenset(),
) -> list[str]:
    """The paragraphs the model scores at or above its threshold (all of them when the kept ones
    hold fewer than ``min_words`` words)."""
    if not paragraphs:
        return paragraphs
    cut = model.threshold if threshold is None else threshold
    scores = model.score_page(paragraph_features(paragraphs, template_lines=template_lines))
    kept = [p for p, s in zip(paragraphs, scores) if s >= cut]
    if sum(len(WORD.findall(p)) for p in kept) < min_words:
        return paragraphs
    return kept
