"""Paragraph filter of the HTML path: drop the boilerplate a recall-first extraction lets through.

trafilatura's recall mode keeps the article's lists, tables and short paragraphs that its
precision mode prunes, and with them some chrome (teasers, bylines, share prompts, related
links). Each paragraph of the (cleaned) recall output is scored by a logistic model over the
line features of :mod:`.lines` (length, sentence punctuation, stop words, chrome phrases,
neighbours, position), a few paragraph-level ones (list item, share of the page's words
before and after it, size of the page) and the features of the page elements it came from
(:data:`DOM_FEATURES`: class/id keywords, block kind, link density, container); paragraphs
under the model's threshold are dropped.
The model and its threshold are fitted leave-one-dataset-out over five extraction sets
(``newsdesk train extract_paragraphs``; figures in docs/benchmarks/extraction.md) and shipped as
``data/extract/paragraphs_model.json``. When the kept paragraphs fall under ``min_words`` the
page keeps every paragraph (a short page is better whole than empty).
"""

from __future__ import annotations

import bisect
import math
import re
from functools import lru_cache
from typing import Sequence

from .blocks import BLOCK_KINDS, GROUP_NAMES, Block
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


#: Features of the page element(s) each paragraph came from (:func:`dom_features`): the keyword
#: groups of the class/id tokens of its four innermost elements (:mod:`.blocks`), its block kind,
#: link density, depth, position among the page's blocks, and its container's size, link density
#: and share of the extracted text. They are fractions in [0, 1] (or small logs) and the model
#: reads them unstandardised: standardising a rare flag (``<header>`` around one site's article)
#: by its tiny spread made it decide alone, and held-out WCXB lost 0.006 F1 (figures in
#: docs/benchmarks/extraction.md). The ancestors' keyword groups and the structural elements
#: around the block (header, nav, list, table…) were tried and did worse out of set (unstandardised
#: too: trafilatura_eval_en fell below the unfiltered text); they are not features.
DOM_FEATURES = (
    ("dom_found", "dom_blocks", "link_density", "depth_rel", "block_position")
    + ("container_log_words", "container_log_blocks", "container_link_density", "container_share")
    + tuple(f"near_{g}" for g in GROUP_NAMES)
    + tuple(f"kind_{k}" for k in BLOCK_KINDS)
)
_KEY_TOKEN = re.compile(r"\w+")


def _key(text: str) -> str:
    return " ".join(_KEY_TOKEN.findall(text.lower()))


def align_blocks(paragraphs: Sequence[str], blocks: Sequence[Block]) -> list[list[int]]:
    """For each paragraph, the indices of the page blocks its text came from ([] when not found).

    trafilatura's paragraphs are page elements' text, sometimes several blocks joined (a table row
    becomes one line ``| cell | cell |``); the blocks' words are laid end to end and each
    paragraph's words are searched in that stream, forward from where the previous one matched
    (then from the start: trafilatura may reorder), so a sentence repeated in a menu does not
    steal the article's paragraph.
    """
    keys = [_key(b.text) for b in blocks]
    starts: list[int] = []
    pieces: list[str] = []
    offset = 1
    for k in keys:
        starts.append(offset)
        pieces.append(k)
        offset += len(k) + 1
    stream = " " + " ".join(pieces) + " "
    found: list[list[int]] = []
    pos = 0
    for para in paragraphs:
        words = _KEY_TOKEN.findall(para.lower())
        if not words:
            found.append([])
            continue
        probe = " " + " ".join(words[:12]) + " "
        at = stream.find(probe, pos)
        if at < 0:
            at = stream.find(probe)
        if at < 0:
            found.append([])
            continue
        end = at + 1 + len(" ".join(words))
        first = bisect.bisect_right(starts, at + 1) - 1
        last = bisect.bisect_left(starts, end) - 1
        found.append([i for i in range(max(first, 0), max(last, first) + 1) if keys[i]])
        pos = at + 1
    return found


def dom_features(paragraphs: Sequence[str], blocks: Sequence[Block]) -> list[dict[str, float]]:
    """:data:`DOM_FEATURES` of every paragraph, from the page blocks it came from (weighted by
    their length); all zero for a paragraph not found among the blocks."""
    spans = align_blocks(paragraphs, blocks)
    n_blocks = max(len(blocks), 1)
    container_chars: dict[int, int] = {}
    container_links: dict[int, int] = {}
    container_count: dict[int, int] = {}
    for b in blocks:
        container_chars[b.container] = container_chars.get(b.container, 0) + len(b.text)
        container_links[b.container] = container_links.get(b.container, 0) + b.link_chars
        container_count[b.container] = container_count.get(b.container, 0) + 1
    # the share of the extracted text that sits in each container: the article's container
    # holds most of it, a stray teaser's holds little
    extracted: dict[int, int] = {}
    for span in spans:
        for i in span:
            extracted[blocks[i].container] = extracted.get(blocks[i].container, 0) + len(blocks[i].text)
    extracted_total = max(sum(extracted.values()), 1)
    depths = sorted(blocks[span[0]].depth for span in spans if span)
    median_depth = depths[len(depths) // 2] if depths else 0
    group_bits = [(f"near_{g}", 1 << i) for i, g in enumerate(GROUP_NAMES)]
    out = []
    for span in spans:
        f = dict.fromkeys(DOM_FEATURES, 0.0)
        if span:
            chars = [max(len(blocks[i].text), 1) for i in span]
            total = sum(chars)
            f["dom_found"] = 1.0
            f["dom_blocks"] = math.log1p(len(span))
            f["link_density"] = sum(blocks[i].link_chars for i in span) / total
            first = blocks[span[0]]
            f["depth_rel"] = max(min(first.depth - median_depth, 10), -10) / 10
            f["block_position"] = span[0] / n_blocks
            c = first.container
            f["container_log_words"] = math.log1p(container_chars[c] / 6)
            f["container_log_blocks"] = math.log1p(container_count[c])
            f["container_link_density"] = container_links[c] / max(container_chars[c], 1)
            f["container_share"] = extracted.get(c, 0) / extracted_total
            for i, w in zip(span, chars):
                b = blocks[i]
                share = w / total
                for near, bit in group_bits:
                    if b.near_flags & bit:
                        f[near] += share
                f[f"kind_{b.kind}"] += share
        out.append(f)
    return out


def paragraph_features(
    paragraphs: Sequence[str],
    *,
    template_lines: frozenset[str] = frozenset(),
    blocks: Sequence[Block] | None = None,
) -> list[dict[str, float]]:
    """Feature dictionaries of every paragraph of one page's extracted text (with
    :data:`DOM_FEATURES` when the page's ``blocks`` are given)."""
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
    if blocks is not None:
        for f, dom in zip(out, dom_features(paragraphs, blocks)):
            f.update(dom)
    return out


def uses_dom(model: LineModel) -> bool:
    """Whether ``model`` reads :data:`DOM_FEATURES` (then the page's blocks must be computed)."""
    return "dom_found" in model.names


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
    blocks: Sequence[Block] | None = None,
) -> list[str]:
    """The paragraphs the model scores at or above its threshold (all of them when the kept ones
    hold fewer than ``min_words`` words)."""
    if not paragraphs:
        return paragraphs
    cut = model.threshold if threshold is None else threshold
    scores = model.score_page(paragraph_features(paragraphs, template_lines=template_lines, blocks=blocks))
    kept = [p for p, s in zip(paragraphs, scores) if s >= cut]
    if sum(len(WORD.findall(p)) for p in kept) < min_words:
        return paragraphs
    return kept
