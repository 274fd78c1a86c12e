"""STORIES stage: grouping canonical articles into event stories, online and order-independent.

An article is described by what tells one event from another of the same kind: a title+lead
embedding (what happened), the proper names and figures it mentions (who, where, how many),
its key phrases, its publication date, and whether its lead announces an event to come. Two
articles score by these alone (fixed term weights), and stories are the average-link clusters of
that score: the same articles give the same stories, ids and titles in any order and batches.

Modules: :mod:`.options` (``StoryOptions``), :mod:`.encoder` (sentence encoder),
:mod:`.features` (what is read from an article), :mod:`.codec` (index rows),
:mod:`.scoring` (pairwise score, average link), :mod:`.index` (``StoryIndex``).
Parameters were chosen out of sample on ECB+, BASIL and AllSides dev; see
``docs/benchmarks/clustering.md``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Article, Story
from .encoder import build_encoder, embed_leads, resolve_encoder
from .features import (
    ArticleFeatures,
    anchor_terms,
    article_features,
    content_phrases,
    first_sentence,
    is_opinion,
    is_preview,
    key_phrases,
    proper_names,
    term_weight,
)
from .index import StoryIndex, anchor_of, story_id
from .options import StoryOptions

__all__ = [
    "ArticleFeatures",
    "StoryIndex",
    "StoryOptions",
    "anchor_of",
    "anchor_terms",
    "article_features",
    "build_encoder",
    "cluster_stories",
    "content_phrases",
    "embed_leads",
    "first_sentence",
    "is_opinion",
    "is_preview",
    "key_phrases",
    "proper_names",
    "resolve_encoder",
    "story_id",
    "term_weight",
]


def cluster_stories(articles: Iterable[Article], *, options: StoryOptions | None = None) -> list[Story]:
    """Group canonical ``articles`` into stories (the result does not depend on input order).

    Pass canonical articles only (drop the duplicates :func:`newsdesk.dedup.find_copies` links).
    """
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    index = StoryIndex(options)
    index.add(unique.values())
    return index.stories()
