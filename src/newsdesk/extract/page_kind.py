"""Pages that are not an English article: told apart with a reason instead of extracted as garbage.

A flattened page dump always yields *some* run of prose-like lines. On four kinds of page that
run is not an article a reader wants analysed, and the extraction is rejected with a reason the
ingest reports (``NoArticleError``, one rejection per document):

* **another language** (both paths): the article's words are mostly the function words of
  another language (``data/extract/languages.json``) or of another script; newsdesk's analysis
  reads English. ``ExtractOptions(languages=())`` accepts every language.
* **link hub** (dumps): the page is a list of headlines; what the line model found holds no
  paragraph of prose.
* **forum thread** (dumps): posts framed by "Joined:", "Posts: 12", "Quote", "… wrote:" lines,
  and the chosen text sits among them.
* **paywall stub** (dumps): a few lines of article, then "Subscribe to continue reading".

Every rule is conservative: it is checked against the pages of the six extraction benchmark
sets (all of them articles), where it must (nearly) never fire — see
docs/benchmarks/extraction.md, "Pages that are not an article".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

DATA = Path(__file__).resolve().parents[1] / "data" / "extract"

_LETTERS = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?…\"'”’)]\s*$")

#: Fewest words for a language verdict: a short text's function words say too little.
LANGUAGE_MIN_WORDS = 40
#: Another language is named when its function words are at least this share of the words and
#: at least ``LANGUAGE_MARGIN`` times the English share (English prose: about 0.35).
LANGUAGE_MIN_SHARE = 0.15
LANGUAGE_MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class PageVerdict:
    """Why a page is not taken as an article: its kind and a sentence for the reader."""

    kind: str  # foreign_language | link_hub | forum_thread | paywall_stub
    reason: str


@lru_cache(maxsize=1)
def function_words() -> dict[str, frozenset[str]]:
    """Each language's commonest function words (``data/extract/languages.json``)."""
    data = json.loads((DATA / "languages.json").read_text(encoding="utf-8"))
    return {code: frozenset(words) for code, words in data.items() if not code.startswith("_")}


def detect_language(text: str, *, max_words: int = 1000) -> tuple[str | None, float]:
    """The language of ``text`` by function-word share, with that share: ("en", 0.41),
    ("de", 0.33); a script name for text mostly outside the Latin alphabet ("cyrillic", 0.9);
    (None, 0.0) when the text is too short to tell."""
    words = _LETTERS.findall(text[: max_words * 12].lower())[:max_words]
    # most words start with a Latin letter: only otherwise are scripts named (unicodedata is slow)
    outside = sum(w[0] >= "\u0250" for w in words)
    if outside * 2 > len(words) and sum(len(w) for w in words) >= 200:
        scripts = Counter(_script(w[0]) for w in words)
        script, count = max(scripts.items(), key=lambda item: item[1])
        if script != "latin":
            return script, count / len(words)
    if len(words) < LANGUAGE_MIN_WORDS:
        return None, 0.0
    counts = Counter(words)
    shares = {
        code: sum(counts[w] for w in listed if w in counts) / len(words) for code, listed in function_words().items()
    }
    english = shares.pop("en", 0.0)
    other, share = max(shares.items(), key=lambda item: item[1]) if shares else ("en", 0.0)
    if share >= LANGUAGE_MIN_SHARE and share >= LANGUAGE_MARGIN * english:
        return other, share
    return "en", english


def _script(ch: str) -> str:
    if ch < "\u0250":  # Basic Latin to Latin Extended-B
        return "latin"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "other"
    first = name.split()[0].lower()
    return "cjk" if first in ("cjk", "hiragana", "katakana") else first


def language_verdict(text: str, languages: Sequence[str]) -> tuple[str | None, PageVerdict | None]:
    """The text's language, and a verdict when it is detected and not among ``languages``."""
    language, share = detect_language(text)
    if language is None or not languages or language in languages:
        return language, None
    names = ", ".join(languages)
    evidence = (
        f"{share:.0%} of its words are {language} function words"
        if language in function_words()
        else f"{share:.0%} of its letters are {language.upper()} script"
    )
    return language, PageVerdict(
        "foreign_language", f"the article is not in {names}: it reads as {language} ({evidence})"
    )


# --- page dumps -------------------------------------------------------------------------------------

_FORUM_MARKER = re.compile(
    r"""^(
        (re|aw|sv):\s.{3,}|
        (quote|reply\s+with\s+quote|multi-?quote|report\s+post|quick\s+reply|thread\s+tools)|
        (joined|registered|member\s+since|join\s+date)\s*:\s*.{0,30}|
        (posts|messages|reputation|karma|thanks|likes\s+received)\s*:\s*[\d,.]+|
        (senior|junior|new|active|registered|regular|veteran|elite|super)\s+member|
        \#\d+|post\s+\#\d+
    )\s*$""",
    re.I | re.X,
)
_PAYWALL = re.compile(
    r"""(
        \b(subscribe|subscription|sign\s+in|log\s*in|register)\s+(now\s+)?to\s+(continue|keep)\s+reading|
        \bto\s+(continue|keep)\s+reading,?\s+(please\s+)?(subscribe|sign\s+in|log\s*in|register|become)|
        \bthis\s+(article|content|story|post)\s+is\s+(only\s+)?(available|reserved|exclusive)\s+(to|for)\s+(paying\s+)?(subscribers|members)|
        \byou\s*(have|'ve)\s+reached\s+(your|the)\s+(free\s+|monthly\s+)?(article|story|page)\s+limit|
        \b(read|unlock)\s+the\s+(full|rest\s+of\s+the)\s+(article|story)\s+(with|by\s+subscribing|for)|
        \bsubscribers?\s+only\b|\bfor\s+subscribers\s+only\b|\bpremium\s+(article|content)\b|
        \bstart\s+your\s+free\s+trial\b|\balready\s+a\s+(subscriber|member)\b
    )""",
    re.I | re.X,
)
#: A paywall stub shows fewer article words than this before the paywall prompt.
PAYWALL_MAX_WORDS = 150
#: A link hub: at least this many headline-like lines on the page, making up at least
#: ``HUB_MIN_HEADLINE_SHARE`` of its lines, while the chosen text is under ``HUB_MAX_WORDS``
#: words with no paragraph of prose. On the dev dumps of the five gold-body sets and
#: trafilatura_eval_en (1,339 pages, all articles) this fires on 10 pages, every one of whose
#: extractions was garbage (F1 ≤ 0.18 against the gold body where there is one); the forum rule
#: fires on one page, a real forum thread (nanowrimo.org, F1 0.24); the paywall rule on none.
HUB_MIN_HEADLINES = 12
HUB_MIN_HEADLINE_SHARE = 0.15
HUB_MAX_WORDS = 60
#: Post markers that make a dump a forum thread (when some frame the chosen text).
FORUM_MIN_MARKERS = 6


def _marker_kind(line: str) -> str:
    """The first word of a post marker, digits folded ("Posts: 240" → "posts", "#3" → "#")."""
    head = line.strip().lower()
    return "#" if head.startswith("#") else re.split(r"[\s:]", head, maxsplit=1)[0]


def _is_prose(text: str) -> bool:
    return len(text.split()) >= 25 and bool(_SENTENCE_END.search(text))


def _is_headline_like(text: str) -> bool:
    words = text.split()
    if not 4 <= len(words) <= 18 or text.rstrip().endswith((".", "!", ":", ",", ";")):
        return False
    return sum(w[:1].isupper() for w in words) >= 2


def judge_dump(lines: Sequence[str], body: Sequence[int], standfirst: Sequence[int] = ()) -> PageVerdict | None:
    """Why the chosen lines of a page dump are not an article, or None when they are one.

    ``lines``: the page's lines; ``body``/``standfirst``: indexes of the lines chosen as article.
    """
    chosen = sorted({*standfirst, *body})
    words = sum(len(lines[i].split()) for i in chosen)
    prose = [i for i in chosen if _is_prose(lines[i])]

    markers = [i for i, line in enumerate(lines) if len(line) <= 80 and _FORUM_MARKER.match(line.strip())]
    kinds = {_marker_kind(lines[i]) for i in markers}
    if len(markers) >= FORUM_MIN_MARKERS and len(kinds) >= 2 and chosen:
        first, last = chosen[0], chosen[-1]
        framing = [i for i in markers if first - 8 <= i <= last]
        if len(framing) >= 2:
            shown = "; ".join(sorted({lines[i].strip()[:20] for i in markers[:6]}))
            return PageVerdict(
                "forum_thread",
                f"a forum thread, not an article ({len(markers)} post markers such as {shown!r} around the text)",
            )

    if chosen and words < PAYWALL_MAX_WORDS:
        # the prompt stands among or just after the article's lines (a "Subscribe" button in
        # the page header does not count)
        around = range(chosen[0], min(len(lines), chosen[-1] + 12))
        prompt = next((lines[i] for i in around if _PAYWALL.search(lines[i])), None)
        if prompt:
            return PageVerdict(
                "paywall_stub",
                f"a paywall stub: {words} words of article, then {prompt.strip()[:60]!r}",
            )

    if not prose and words < HUB_MAX_WORDS:
        headlines = sum(_is_headline_like(line) for line in lines)
        if headlines >= HUB_MIN_HEADLINES and headlines >= HUB_MIN_HEADLINE_SHARE * len(lines):
            return PageVerdict(
                "link_hub",
                f"a list of links, not an article ({headlines} headline-like lines, "
                f"no paragraph of prose, {words} words found)",
            )
    return None
