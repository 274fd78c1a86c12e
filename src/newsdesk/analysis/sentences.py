"""The one sentence splitter: sentences with character offsets, from the spaCy parse.

Every stage that works sentence by sentence (positions, claims, timeline, summary) reads the
sentences of :attr:`newsdesk.analysis.context.StoryContext.sentences`, made here: spaCy's
sentences, never across a blank line, nor across a line break unless the text is hard-wrapped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

__all__ = ["Sentence", "article_sentences", "looks_hard_wrapped", "sentence_spans"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article: ``text == article.text[start:end]`` (whitespace trimmed)."""

    start: int
    end: int
    text: str


def article_sentences(text: str, doc: "Doc") -> tuple[Sentence, ...]:
    """The sentences of ``text`` (whose parse is ``doc``), in text order."""
    return tuple(Sentence(start, end, text[start:end]) for start, end in sentence_spans(text, doc))


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")


def sentence_spans(text: str, doc: "Doc") -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` given its parse ``doc``.

    spaCy's sentences, never across a blank line, nor across a line break unless the text is
    hard-wrapped (page dumps put headlines, captions and menu items on lines of their own
    without a full stop: a sentence would otherwise glue them to the next one); surrounding
    whitespace trimmed, empty spans dropped.
    """
    blocks = _block_spans(text)
    block_ends = [b for _, b in blocks]
    spans: list[tuple[int, int]] = []
    for sent in doc.sents:
        k = bisect.bisect_right(block_ends, sent.start_char)  # first block ending after the start
        while k < len(blocks) and blocks[k][0] < sent.end_char:
            start, end = max(blocks[k][0], sent.start_char), min(blocks[k][1], sent.end_char)
            if end > start:
                start, end = _trim(text, start, end)
                if end > start:
                    spans.append((start, end))
            k += 1
    return sorted(spans)


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, begin = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def looks_hard_wrapped(text: str) -> bool:
    """Plain text wrapped at a fixed width: most lines are long and end mid-sentence."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if len(lines) < 4:
        return False
    lengths = sorted(len(line) for line in lines)
    median = lengths[len(lengths) // 2]
    open_ended = sum(1 for line in lines if not line.endswith((".", "!", "?", '"', "”", ":")))
    return 50 <= median <= 100 and open_ended > len(lines) / 2


def _block_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs; and lines too, unless the text is hard-wrapped."""
    spans = _paragraph_spans(text)
    if looks_hard_wrapped(text):
        return spans
    lines = []
    for a, b in spans:
        begin = a
        for match in re.finditer(r"\n", text[a:b]):
            lines.append((begin, a + match.start()))
            begin = a + match.end()
        lines.append((begin, b))
    return [(a, b) for a, b in lines if text[a:b].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
