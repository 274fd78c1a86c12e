"""The score of two articles, and average-link clustering on it.

Everything here is a function of the articles given, never of the order they came in: scores
use fixed term weights and are rounded (so that a one-to-many and a matrix computation of one
pair agree), and clustering sorts its input first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .codec import ArticleRow
from .options import StoryOptions

#: Scores are rounded to this many decimals: sums taken in another order must not tip a decision.
_DECIMALS = 9
#: Score of a pair that may never be one story (too far apart in time, a preview and a report
#: the dates do not tie).
APART = -1.0


def _sparse_dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return math.fsum([weight * b[term] for term, weight in a.items() if term in b])


class PairScorer:
    """``score(a, b) = (we·e + wn·n + wp·p) / (we + wn + wp) - date penalty``, or :data:`APART`."""

    def __init__(self, options: StoryOptions) -> None:
        self.options = options
        total = options.embedding_weight + options.names_weight + options.phrases_weight
        self._weights = (options.embedding_weight / total, options.names_weight / total, options.phrases_weight / total)

    def against(self, row: ArticleRow, others: Sequence[ArticleRow]) -> np.ndarray:
        """Scores of ``row`` with each of ``others``."""
        if not others:
            return np.zeros(0)
        we, wn, wp = self._weights
        vectors = np.stack([other.vector for other in others]).astype(np.float64)
        embedding = np.einsum("ij,j->i", vectors, row.vector.astype(np.float64))
        names = np.array([_sparse_dot(row.names, other.names) for other in others])
        phrases = np.array([_sparse_dot(row.phrases, other.phrases) for other in others])
        score = we * embedding + wn * names + wp * phrases
        return self._adjust(score, [row] * len(others), list(others))

    def matrix(self, rows: Sequence[ArticleRow]) -> np.ndarray:
        """Symmetric matrix of the scores of every pair of ``rows`` (1 on the diagonal)."""
        from scipy.sparse import csr_matrix

        we, wn, wp = self._weights
        size = len(rows)
        vectors = np.stack([row.vector for row in rows]).astype(np.float64)
        score = we * np.einsum("ik,jk->ij", vectors, vectors)
        for weight, attribute in ((wn, "names"), (wp, "phrases")):
            vocabulary: dict[str, int] = {}
            data, columns, pointers = [], [], [0]
            for row in rows:
                for term, value in getattr(row, attribute).items():
                    columns.append(vocabulary.setdefault(term, len(vocabulary)))
                    data.append(value)
                pointers.append(len(columns))
            if vocabulary:
                terms = csr_matrix((data, columns, pointers), shape=(size, len(vocabulary)))
                score = score + weight * (terms @ terms.T).toarray()
        left, right = np.triu_indices(size, 1)
        upper = self._adjust(score[left, right], [rows[i] for i in left], [rows[j] for j in right])
        result = np.eye(size)
        result[left, right] = upper
        result[right, left] = upper
        return result

    def _adjust(self, score: np.ndarray, first: list[ArticleRow], second: list[ArticleRow]) -> np.ndarray:
        """Date penalty, and the pairs that may never be one story (:data:`APART`)."""
        options = self.options
        days_a = np.array([np.nan if row.day is None else row.day for row in first], dtype=np.float64)
        days_b = np.array([np.nan if row.day is None else row.day for row in second], dtype=np.float64)
        preview_a = np.array([row.preview for row in first], dtype=bool)
        preview_b = np.array([row.preview for row in second], dtype=bool)
        with np.errstate(invalid="ignore"):
            gap = np.abs(days_a - days_b)  # NaN when either is undated: no penalty, never too far
            penalty = np.where(
                np.isnan(gap), 0.0, options.date_penalty_per_day * np.maximum(0.0, gap - options.date_grace_days)
            )
            too_far = gap > options.max_gap_days
            # a preview belongs to the event it anticipates only when the dates say so: the report is
            # dated the preview's day or up to preview_days later
            lag = np.where(preview_a, days_b - days_a, days_a - days_b)
            fits = (lag >= 0) & (lag <= options.preview_days)
        apart = too_far | ((preview_a != preview_b) & ~fits)
        if options.max_event_gap_days is not None:
            # the leads date their events too far apart: two events of one kind, not one story
            event_a = np.array([row.event or (np.nan, np.nan) for row in first], dtype=np.float64).reshape(-1, 2)
            event_b = np.array([row.event or (np.nan, np.nan) for row in second], dtype=np.float64).reshape(-1, 2)
            with np.errstate(invalid="ignore"):
                between = np.maximum(event_b[:, 0] - event_a[:, 1], event_a[:, 0] - event_b[:, 1])
                apart = apart | (between >= options.max_event_gap_days)
        score = np.round(np.round(score, _DECIMALS) - penalty, _DECIMALS)
        return np.where(apart, APART, score)


def average_link(scores: np.ndarray, threshold: float) -> list[int]:
    """Average-link agglomerative clusters of a score matrix, cut where the average link falls
    below ``threshold``: cluster number per row (rows in a fixed order give a fixed result)."""
    size = len(scores)
    if size == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - scores, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, 1.0 - threshold + 1e-12, criterion="distance")
    return [int(label) for label in labels]
