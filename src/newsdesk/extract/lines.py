"""Boilerplate removal for whole web pages flattened to text, one block per line.

A page dump mixes the article with menus, teasers of other articles, captions, appeals and
footers. Each non-empty line is scored as article prose or chrome from shallow features (length,
sentence punctuation, stop-word share, link-like tokens, general chrome vocabulary, repetition
inside the page and across pages of the same site); the article is then the contiguous run of
lines with the best total score, so that teasers with prose of their own, which sit behind a
wall of captions and short chrome lines, stay out; comment sections and "Related" link blocks are
walls no run crosses. A small logistic model trained on benchmark dev pages (see
:mod:`newsdesk.training.extract_lines`) is blended half and half with the hand-set rule score
when present.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .patterns import (
    CHROME_PHRASES,
    COMMENTS_START,
    COMMENTS_WALL,
    LINKLIKE,
    META_LINE,
    RELATED_WALL,
    SENTENCE_END,
    STOPWORDS,
    WORD,
    is_appeal,
    is_caption,
)

log = logging.getLogger(__name__)

MODEL_RESOURCE = "lines_model.json"
MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "extract"


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty line of a dump, with its position among the page's lines."""

    index: int
    text: str


@dataclass(frozen=True, slots=True)
class LineSelection:
    """The outcome of boilerplate removal on one dump."""

    lines: tuple[Line, ...]
    scores: tuple[float, ...]  # probability that each line is article text
    body: tuple[int, ...]  # indexes (into ``lines``) of the kept article lines, in order
    title: int | None  # index of the headline line, if one was found before the body
    standfirst: tuple[int, ...]  # indexes of summary lines between headline and body

    def to_json(self) -> dict:
        return {
            "lines": len(self.lines),
            "body": list(self.body),
            "title": self.title,
            "standfirst": list(self.standfirst),
        }


def split_lines(text: str) -> list[Line]:
    """Non-empty, whitespace-normalised lines of a dump (hard-wrapped paragraphs joined first)."""
    raw_lines = text.splitlines()
    width = wrap_width(raw_lines)
    if width is not None:
        raw_lines = unwrap(raw_lines, width)
    lines = []
    for raw in raw_lines:
        clean = " ".join(raw.split())
        if clean:
            lines.append(Line(len(lines), clean))
    return lines


_SENTENCE_CLOSE = (".", "!", "?", '"', "\u201d", ":", ";")


def wrap_width(raw_lines: Sequence[str]) -> int | None:
    """The width text was wrapped at (wire copy, e-mail), or None when lines are not wrapped.

    Wrapped text has a ceiling: no line is longer than ~100 characters, most lines come close to
    the longest, and many of those stop mid-sentence. A page dump has one line per block instead
    (long paragraphs next to short menu items), so it is left alone.
    """
    lines = [line.rstrip() for line in raw_lines if line.strip()]
    if len(lines) < 3:
        return None
    width = max(len(line) for line in lines)
    if not 40 <= width <= 100:
        return None
    long = [line for line in lines if len(line) >= 0.7 * width]
    open_ended = sum(1 for line in long if not line.endswith(_SENTENCE_CLOSE))
    if len(long) >= 0.5 * len(lines) and open_ended >= 0.5 * len(long):
        return width
    return None


def unwrap(raw_lines: Sequence[str], width: int) -> list[str]:
    """Join the lines of each wrapped paragraph. A paragraph ends at a blank line, before an
    indented line (wire copy indents paragraphs and table rows) and after a line well short of
    the wrap width."""
    joined: list[str] = []
    open_paragraph = False
    for raw in raw_lines:
        line = raw.rstrip()
        if not line.strip():
            open_paragraph = False
            continue
        indented = line[:1].isspace()
        if open_paragraph and not indented:
            joined[-1] = joined[-1] + " " + line.strip()
        else:
            joined.append(line.strip())
        open_paragraph = len(line) >= 0.7 * width
    return joined


def normalise_line(text: str) -> str:
    """Key used to recognise the same line on other pages: lower case, words only."""
    return " ".join(WORD.findall(text.lower()))


# --- features ---------------------------------------------------------------------------------

FEATURE_NAMES = (
    "log_words",
    "short",
    "very_short",
    "sentence_end",
    "stop_ratio",
    "comma_rate",
    "capital_ratio",
    "digit_ratio",
    "linklike",
    "chrome_phrase",
    "chrome_phrase_short",
    "appeal",
    "caption",
    "meta_line",
    "repeated_in_page",
    "template",
    "position",
    "position_sq",
    "prev_words",
    "next_words",
    "prev_sentence",
    "next_sentence",
    "window_words",
    "window_stop",
    "after_chrome_run",
    "words_x_sentence",
    "words_x_stop",
    "log_words_sq",
    "prose_distance",
    "relative_length",
    "headline_like",
    "comments_start",
    "after_comments_start",
    "comments_wall",
    "shape_repeated",
    "window_headline_share",
    "related_wall",
)


def _line_basics(text: str, stops: frozenset[str], long_words: int | None = None) -> dict[str, float]:
    words = WORD.findall(text)
    n = len(words)
    lower = [w.lower() for w in words]
    letters = [w for w in words if w[:1].isalpha()]
    # ``long_words``: lines of at least that many words skip the phrase searches (chrome,
    # appeal, caption, link marks: 0) and test sentence punctuation on their tail only; the
    # HTML paragraph filter uses it (its model is trained so), the dump path does not
    long = long_words is not None and n >= long_words
    chrome = not long and bool(CHROME_PHRASES.search(text))
    ends = bool(SENTENCE_END.search(text[-64:] if long else text))
    return {
        "n": n,
        "log_words": math.log1p(n),
        "short": float(n < 8),
        "very_short": float(n < 4),
        "sentence_end": float(ends),
        "stop_ratio": sum(w in stops for w in lower) / n if n else 0.0,
        "comma_rate": text.count(",") / max(n, 1),
        "capital_ratio": sum(w[0].isupper() for w in letters) / len(letters) if letters else 1.0,
        "digit_ratio": sum(map(str.isdigit, text)) / max(len(text), 1),
        "linklike": float(not long and bool(LINKLIKE.search(text))),
        "chrome_phrase": float(chrome),
        "chrome_phrase_short": float(chrome and n < 15),
        "appeal": float(not long and is_appeal(text)),
        "caption": float(not long and is_caption(text)),
        "meta_line": float(n < 16 and bool(META_LINE.search(text))),
        "headline_like": float(n < 20 and not ends),
        "comments_start": float(n < 12 and bool(COMMENTS_START.match(text))),
        "comments_wall": float(n < 20 and bool(COMMENTS_WALL.match(text))),
        "related_wall": float(n < 10 and bool(RELATED_WALL.match(text))),
    }


def line_features(
    lines: Sequence[Line],
    *,
    template_lines: frozenset[str] = frozenset(),
    stops: frozenset[str] = STOPWORDS,
    long_words: int | None = None,
) -> list[dict[str, float]]:
    """Feature dictionaries (see :data:`FEATURE_NAMES`) for every line of one page
    (``long_words``: see :func:`_line_basics`; None for dumps)."""
    basics = [_line_basics(line.text, stops, long_words) for line in lines]
    keys = [normalise_line(line.text) for line in lines]
    counts = Counter(keys)
    shapes = [_shape(line.text) if b["n"] <= 10 else "" for line, b in zip(lines, basics)]
    shape_counts = Counter(s for s in shapes if s)
    total = max(len(lines) - 1, 1)
    feats: list[dict[str, float]] = []
    chrome_run = 0
    prose = [i for i, b in enumerate(basics) if b["n"] >= 15 and b["sentence_end"]]
    seen_comments_start = False
    longest = max((b["n"] for b in basics), default=1) or 1
    for i, (_line, base) in enumerate(zip(lines, basics)):
        prev = basics[i - 1] if i > 0 else None
        nxt = basics[i + 1] if i + 1 < len(basics) else None
        window = basics[max(0, i - 2) : i + 3]
        window_words = sum(b["n"] for b in window)
        f = {k: base[k] for k in FEATURE_NAMES if k in base}
        # A repeated line inside one page is a menu entry, a teaser title shown twice or a
        # widget; a short line ("-", "|") repeats by chance and says little.
        f["repeated_in_page"] = float(counts[keys[i]] > 1 and base["n"] >= 2)
        f["template"] = float(bool(keys[i]) and keys[i] in template_lines)
        # "2 days ago at 07:52 am", "Rating: 25 Votes": a short line whose shape recurs with
        # other numbers is the skeleton of a list of comments or teasers
        f["shape_repeated"] = float(bool(shapes[i]) and shape_counts[shapes[i]] >= 3 and keys[i] != shapes[i])
        pos = i / total
        f["position"] = pos
        f["position_sq"] = pos * pos
        f["prev_words"] = prev["log_words"] if prev else 0.0
        f["next_words"] = nxt["log_words"] if nxt else 0.0
        f["prev_sentence"] = prev["sentence_end"] if prev else 0.0
        f["next_sentence"] = nxt["sentence_end"] if nxt else 0.0
        f["window_words"] = math.log1p(window_words)
        # teaser lists alternate headline and snippet; an article has a sub-heading every few
        # paragraphs at most
        around = basics[max(0, i - 4) : i] + basics[i + 1 : i + 5]
        f["window_headline_share"] = (
            sum(b["headline_like"] and b["n"] >= 4 for b in around) / len(around) if around else 0.0
        )
        f["window_stop"] = sum(b["stop_ratio"] * b["n"] for b in window) / window_words if window_words else 0.0
        f["after_chrome_run"] = min(chrome_run, 5) / 5
        f["after_comments_start"] = float(seen_comments_start)
        seen_comments_start = seen_comments_start or bool(base["comments_wall"])
        f["words_x_sentence"] = base["log_words"] * base["sentence_end"]
        f["words_x_stop"] = base["log_words"] * base["stop_ratio"]
        f["log_words_sq"] = base["log_words"] ** 2
        nearest = _nearest_other(prose, i)
        f["prose_distance"] = math.log1p(min(nearest, 50))
        f["relative_length"] = base["n"] / longest
        is_prose = base["n"] >= 12 and base["sentence_end"] and not base["appeal"]
        chrome_run = 0 if is_prose else chrome_run + 1
        feats.append(f)
    return feats


_DIGITS = re.compile(r"\d+")


def _shape(text: str) -> str:
    """A short line with its numbers masked (only lines that contain numbers have a shape)."""
    key = normalise_line(text)
    return _DIGITS.sub("0", key) if _DIGITS.search(key) else ""


def _nearest_other(sorted_positions: list[int], i: int) -> int:
    """Distance from ``i`` to the nearest other position in a sorted list (50 when none)."""
    k = bisect.bisect_left(sorted_positions, i)
    best = 50
    for j in (k - 1, k, k + 1):
        if 0 <= j < len(sorted_positions) and sorted_positions[j] != i:
            best = min(best, abs(sorted_positions[j] - i))
    return best


# --- scoring ----------------------------------------------------------------------------------


def heuristic_score(f: dict[str, float]) -> float:
    """Probability-like score that a line is article prose, from hand-set rules.

    Used when no trained model is bundled, and as a sanity floor for hard chrome evidence.
    """
    z = -1.0
    z += 1.1 * f["log_words"]
    z += 1.2 * f["sentence_end"]
    # a short line without sentence punctuation is a heading, a teaser title or a menu entry
    z -= 1.5 * (1.0 - f["sentence_end"]) * f["short"]
    z -= 0.0 * f["headline_like"]
    z += 4.0 * (f["stop_ratio"] - 0.25)
    z += 1.0 * min(f["comma_rate"] * 10, 1.0)
    z -= 1.5 * max(f["capital_ratio"] - 0.5, 0.0)
    z -= 1.0 * f["linklike"]
    z -= 0.6 * f["chrome_phrase"] + 2.5 * f["chrome_phrase_short"]
    z -= 6.0 * f["appeal"]
    z -= 3.0 * f["caption"]
    z -= 3.0 * f["meta_line"]
    z -= 3.0 * f["comments_start"]
    z -= 2.0 * f["shape_repeated"]
    z -= 4.0 * max(f.get("window_headline_share", 0.0) - 0.3, 0.0)
    z -= 2.5 * f["repeated_in_page"]
    z -= 3.0 * f["template"]
    z -= 2.0 * f["very_short"]
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True, slots=True)
class LineModel:
    """Logistic regression over standardised :data:`FEATURE_NAMES` (shipped as JSON)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5
    # share of the hand-set rule score (:func:`heuristic_score`) blended into the probability:
    # the rules encode page chrome of today's sites that the older training pages lack
    rules_weight: float = 0.5

    def score(self, f: dict[str, float]) -> float:
        """The probability that the line with features ``f`` is article text (one line of :meth:`score_page`)."""
        return self.score_page([f])[0]

    def score_page(self, feats: Sequence[dict[str, float]]) -> list[float]:
        """:meth:`score` of every line (the same arithmetic, with the model's terms read once)."""
        terms = [(name, mu, sd, w) for name, mu, sd, w in zip(self.names, self.mean, self.scale, self.coef)]
        rules, exp = self.rules_weight, math.exp
        out = []
        for f in feats:
            z = self.intercept
            get = f.get
            for name, mu, sd, w in terms:
                z += w * (get(name, 0.0) - mu) / sd
            z = max(min(z, 30.0), -30.0)
            learned = 1.0 / (1.0 + exp(-z))
            out.append((1.0 - rules) * learned + rules * heuristic_score(f) if rules else learned)
        return out

    def to_json(self) -> dict:
        return {
            "names": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "rules_weight": self.rules_weight,
        }

    @classmethod
    def from_json(cls, data: dict) -> "LineModel":
        return cls(
            names=tuple(data["names"]),
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) if float(x) else 1.0 for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)),
            rules_weight=float(data.get("rules_weight", 0.5)),
        )


def load_bundled(resource: str) -> LineModel | None:
    """A trained model (line or paragraph) shipped in ``newsdesk/data/extract`` as ``resource``,
    or None when it is absent or unreadable (logged: extraction then falls back to the heuristics)."""
    try:
        text = (MODEL_DIR / resource).read_text("utf-8")
    except OSError:
        return None
    try:
        return LineModel.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable extraction model %s: %s", resource, exc)
        return None


@lru_cache(maxsize=1)
def bundled_model() -> LineModel | None:
    """The trained line model shipped in ``newsdesk/data/extract``, or None when absent."""
    return load_bundled(MODEL_RESOURCE)


def score_lines(feats: Sequence[dict[str, float]], model: LineModel | None) -> list[float]:
    """Article probability per line; hard chrome evidence always wins.

    Appeals and site-template lines are chrome; captions and lines printed twice on the page
    (teaser titles, widgets) nearly always are.
    """
    raw = model.score_page(feats) if model is not None else [heuristic_score(f) for f in feats]
    scores = []
    for f, p in zip(feats, raw):
        if f["appeal"] or f["template"]:
            p = min(p, 0.05)
        elif f["caption"] or f["repeated_in_page"]:
            p = min(p, 0.15)
        scores.append(p)
    return scores


# --- selection --------------------------------------------------------------------------------


def _weight(p: float, words: int, threshold: float) -> float:
    """Contribution of a line to a run's total: long lines count more, chrome counts double."""
    mass = max(min(words, 80), 3) ** 0.7
    gain = p - threshold
    return gain * mass * (2.0 if gain < 0 else 1.0)


def best_run(weights: Sequence[float]) -> tuple[int, int]:
    """Bounds ``[start, end)`` of the contiguous run with the largest sum (empty: (0, 0))."""
    best, best_bounds = 0.0, (0, 0)
    running, start = 0.0, 0
    for i, w in enumerate(weights):
        if running <= 0:
            running, start = w, i
        else:
            running += w
        if running > best:
            best, best_bounds = running, (start, i + 1)
    return best_bounds


def _looks_like_headline(text: str, words: int) -> bool:
    return (
        3 <= words <= 25
        and not text.rstrip().endswith((".", ",", ";"))
        and not is_caption(text)
        and not is_appeal(text)
        and not (words < 12 and CHROME_PHRASES.search(text))
        and not META_LINE.search(text)
        and not LINKLIKE.search(text)
    )


def select(
    lines: Sequence[Line],
    *,
    template_lines: frozenset[str] = frozenset(),
    model: LineModel | None = None,
    threshold: float | None = None,
    keep_standfirst: bool = True,
    known_title: str | None = None,
) -> LineSelection:
    """Pick the article lines, the headline and the standfirst of one flattened page."""
    if not lines:
        return LineSelection((), (), (), None, ())
    feats = line_features(lines, template_lines=template_lines)
    scores = score_lines(feats, model)
    cut = threshold if threshold is not None else (model.threshold if model else 0.5)
    words = [len(WORD.findall(line.text)) for line in lines]
    weights = [_weight(p, n, cut) for p, n in zip(scores, words)]
    # the start of a comment section is a wall no run crosses (readers' posts are prose too)
    seen_prose = after_wall = False
    for i, f in enumerate(feats):
        if f["comments_wall"] or f["related_wall"] or (f["shape_repeated"] and f["meta_line"]):
            weights[i] = -1e6
            after_wall = after_wall or seen_prose
        elif after_wall and weights[i] > 0:
            # past the first wall that follows prose come readers' comments: a long comment
            # must not outweigh a short article
            weights[i] *= 0.25
        seen_prose = seen_prose or (words[i] >= 15 and scores[i] >= cut)
    start, end = best_run(weights)
    title_key = normalise_line(known_title) if known_title else None

    # Inside the run, drop what is chrome on its own evidence (a caption between paragraphs,
    # an inline "Advertisement"), but keep short lines such as sub-headings and list items.
    body = [
        i
        for i in range(start, end)
        if scores[i] >= cut
        or (
            scores[i] >= cut * 0.5
            and not (feats[i]["appeal"] or feats[i]["caption"] or feats[i]["template"])
            and not feats[i]["repeated_in_page"]
            and not feats[i]["chrome_phrase_short"]
        )
    ]

    body = _keep_subheadings(body, feats, words, start, end)

    title: int | None = None
    standfirst: list[int] = []
    if title_key:
        for i in range(0, min(end, len(lines))):
            if normalise_line(lines[i].text) == title_key:
                title = i
                break
    if title is None and start < len(lines):
        title = _find_headline(lines, words, feats, start, body)
    if title is not None:
        if title in body:
            body.remove(title)
        # A line identical to the headline elsewhere in the header is the same headline shown twice.
        key = normalise_line(lines[title].text)
        body = [i for i in body if normalise_line(lines[i].text) != key]
        if keep_standfirst and title < start:
            for i in range(title + 1, start):
                f = feats[i]
                if (
                    words[i] >= 10
                    and not (f["caption"] or f["appeal"] or f["template"] or f["meta_line"])
                    and f["stop_ratio"] >= 0.2
                    and normalise_line(lines[i].text) != key
                ):
                    standfirst.append(i)
    return LineSelection(tuple(lines), tuple(scores), tuple(body), title, tuple(standfirst))


def _keep_subheadings(
    body: list[int], feats: Sequence[dict[str, float]], words: Sequence[int], start: int, end: int
) -> list[int]:
    """Put back short unflagged lines between two kept paragraphs: the article's sub-headings."""
    kept = set(body)
    for i in range(start + 1, end - 1):
        f = feats[i]
        if (
            i not in kept
            and i - 1 in kept
            and i + 1 in kept
            and 1 <= words[i] <= 12
            and words[i - 1] >= 12
            and words[i + 1] >= 12
            and not (f["appeal"] or f["caption"] or f["template"] or f["repeated_in_page"])
            and not (f["chrome_phrase"] or f["linklike"] or f["meta_line"])
        ):
            kept.add(i)
    return sorted(kept)


def _find_headline(
    lines: Sequence[Line], words: Sequence[int], feats: Sequence[dict[str, float]], start: int, body: list[int]
) -> int | None:
    """The headline: the first headline-shaped line of the header before the article run.

    Without a headline before the run, the run's own first line counts when it is
    headline-shaped and followed by prose (a dump that starts with its title).
    """
    header = range(max(0, start - 15), start)
    candidates = [
        i
        for i in header
        if _looks_like_headline(lines[i].text, words[i])
        and not feats[i]["template"]
        # the headline itself is often printed twice (page title and <h1>), teasers' titles
        # are repeated elsewhere on the page
        and (not feats[i]["repeated_in_page"] or _repeated_only_in_header(lines, i, start))
    ]
    for low, high in ((6, 18), (4, 25)):
        for i in candidates:
            if low <= words[i] <= high:
                return i
    if body:
        first = body[0]
        if (
            (first == 0 or first == start)
            and _looks_like_headline(lines[first].text, words[first])
            and len(body) > 1
            and words[first] <= 25
        ):
            nxt = body[1]
            if words[nxt] >= 15 and feats[nxt]["sentence_end"]:
                return first
    return None


def _repeated_only_in_header(lines: Sequence[Line], i: int, start: int) -> bool:
    key = normalise_line(lines[i].text)
    positions = [j for j, line in enumerate(lines) if normalise_line(line.text) == key]
    return all(j < start for j in positions)
