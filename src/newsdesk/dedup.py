"""COPIES stage: exact and near-duplicate articles, merged under one canonical article.

Every article is reduced to a set of word 5-gram shingles (hashed to 64 bits) over its normalised
text. Candidates come from two datasketch MinHash LSH indexes:

* the *whole-text* index finds pairs whose shingle sets overlap (wire copies with small edits,
  copies whose page chrome was not fully removed);
* the *lead* index (MinHash of the first ``lead_shingles`` shingles) finds truncated copies,
  which keep the lead but lose most of the body, so their whole-text Jaccard is low.

Each candidate is then verified on the exact shingle sets, never on the MinHash estimate:
a pair is a copy when its Jaccard similarity reaches ``jaccard_threshold`` or when the smaller
text is contained in the larger one at ``containment_threshold`` (truncation, added chrome).
Nothing is thrown away: a copy becomes a :class:`~newsdesk.models.CopyLink` to the canonical
article of its group. See ``docs/benchmarks/copies.md`` for the measured precision and recall
that justify the defaults.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import unicodedata
from dataclasses import dataclass
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from .errors import DedupError, OptionsError
from .models import Article, CopyLink

log = logging.getLogger(__name__)

_STATE_VERSION = 1
# Numbers stay whole ("1,234.5") so that two reports built on one template but with different
# figures (earnings tables, price lists) do not look like copies of each other.
_TOKEN = re.compile(r"\w+(?:[.,'’]\w+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand half quarter".split()
)


@dataclass(frozen=True, kw_only=True)
class DedupOptions:
    """How copies are found.

    Attributes:
        shingle_words: words per shingle (default 5). Shorter shingles make unrelated texts
            on one topic share more shingles; longer ones make a single edited word cost more.
        num_perm: MinHash permutations (default 128).
        lsh_bands, lsh_rows: LSH banding; ``lsh_bands * lsh_rows <= num_perm``. The default 42
            bands of 3 rows retrieves a pair with Jaccard 0.5 with probability 0.996 and one with
            0.3 with probability 0.68; candidates are verified exactly, so a loose index costs
            only time.
        lead_shingles: shingles forming the lead MinHash used to find truncated copies
            (default 40, about the first 45 words).
        jaccard_threshold: exact shingle Jaccard at or above which two texts are copies
            (default 0.5).
        containment_threshold: share of the smaller text's shingles found in the larger one at
            or above which two texts are copies (default 0.7): truncated copies, copies with
            extra chrome or an added paragraph, copies with many small edits.
        min_containment_shingles: the smaller text must have at least this many shingles for
            containment alone to count (default 10), so a one-line brief is not "contained" in
            every long story that repeats its sentence.
        max_missing_numbers: share of the figures of the text with fewer figures that may be
            missing from the other (default 0.1, i.e. none below ten figures). Recurring
            template reports ("Fed adds reserves via repurchases", price tables, money market
            forecasts) share most of their wording but not their figures; copies share both.
    """

    shingle_words: int = 5
    num_perm: int = 128
    lsh_bands: int = 42
    lsh_rows: int = 3
    lead_shingles: int = 40
    jaccard_threshold: float = 0.5
    containment_threshold: float = 0.7
    min_containment_shingles: int = 10
    max_missing_numbers: float = 0.1

    def __post_init__(self) -> None:
        if self.shingle_words < 1:
            raise OptionsError(f"shingle_words={self.shingle_words} must be at least 1", hint="the default is 5")
        if self.num_perm < 16:
            raise OptionsError(f"num_perm={self.num_perm} is too small for a stable estimate", hint="use 128 (the default)")
        if self.lsh_bands < 1 or self.lsh_rows < 1 or self.lsh_bands * self.lsh_rows > self.num_perm:
            raise OptionsError(
                f"lsh_bands={self.lsh_bands} x lsh_rows={self.lsh_rows} must be positive and use at most num_perm={self.num_perm} permutations",
                hint="the default is 42 bands of 3 rows with 128 permutations",
            )
        if self.lead_shingles < 1:
            raise OptionsError(f"lead_shingles={self.lead_shingles} must be at least 1", hint="the default is 40")
        for name in ("jaccard_threshold", "containment_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise OptionsError(f"{name}={value} must be in (0, 1]", hint="similarities are shares of shingles")
        if not 0.0 <= self.max_missing_numbers <= 1.0:
            raise OptionsError(f"max_missing_numbers={self.max_missing_numbers} must be in [0, 1]", hint="the default is 0.1")
        if self.min_containment_shingles < 1:
            raise OptionsError(
                f"min_containment_shingles={self.min_containment_shingles} must be at least 1", hint="the default is 10"
            )


def normalise_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` after Unicode compatibility normalisation."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return _TOKEN.findall(text)


def figures(text: str) -> Counter:
    """The figures a text reports (numbers and spelled-out small numbers), with their counts."""
    text = unicodedata.normalize("NFKC", text).lower()
    found = Counter(_NUMBER.findall(text))
    found.update(word for word in re.findall(r"[a-z]+", text) if word in _NUMBER_WORDS)
    return found


def figures_agree(a: Counter, b: Counter, max_missing: float) -> bool:
    """Whether the text with fewer figures reports (almost) only figures the other one reports too."""
    fewer, more = (a, b) if sum(a.values()) <= sum(b.values()) else (b, a)
    total = sum(fewer.values())
    if total == 0:
        return True
    missing = sum((fewer - more).values())
    return missing <= int(max_missing * total)


def shingle_hashes(tokens: Sequence[str], width: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the ``width``-word shingles of ``tokens``, in text order of first use."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    if len(tokens) < width:
        grams = [" ".join(tokens)]
    else:
        grams = [" ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1)]
    values = [int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams]
    ordered = np.array(values, dtype=np.uint64)
    return ordered


def _identity(value: int) -> int:
    return value


def _minhash(hashes: np.ndarray, num_perm: int):
    from datasketch import MinHash

    sketch = MinHash(num_perm=num_perm, seed=1, hashfunc=_identity, scheme="affine64")
    sketch.update_batch(hashes.tolist())
    return sketch


@dataclass(frozen=True)
class _Overlap:
    jaccard: float
    containment: float
    smaller: int


def _overlap(a: np.ndarray, b: np.ndarray) -> _Overlap:
    common = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - common
    smaller = min(a.size, b.size)
    return _Overlap(common / union if union else 0.0, common / smaller if smaller else 0.0, smaller)


class CopyIndex:
    """Incremental copy detection: :meth:`add` one article at a time.

    The first article of a group to arrive stays its canonical article, so links never change
    once made (stories are built on canonical articles and must not be reshuffled). For a
    result that does not depend on arrival order, use :func:`find_copies`.
    """

    def __init__(self, options: DedupOptions | None = None) -> None:
        from datasketch import MinHashLSH

        self.options = options or DedupOptions()
        params = (self.options.lsh_bands, self.options.lsh_rows)
        self._lsh = MinHashLSH(num_perm=self.options.num_perm, params=params)
        self._lead_lsh = MinHashLSH(num_perm=self.options.num_perm, params=params)
        self._shingles: dict[str, np.ndarray] = {}  # id -> sorted unique shingle hashes
        self._figures: dict[str, Counter] = {}  # id -> figures reported
        self._exact: dict[str, str] = {}  # digest of normalised text -> first article id
        self._canonical: dict[str, str] = {}  # every indexed id -> canonical id of its group
        self._links: dict[str, CopyLink] = {}  # duplicate id -> link

    def __len__(self) -> int:
        return len(self._canonical)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._canonical

    def canonical_of(self, article_id: str) -> str | None:
        """The canonical article of ``article_id``'s group (itself when it is canonical)."""
        return self._canonical.get(article_id)

    def links(self) -> list[CopyLink]:
        """Every copy link made so far, in the order they were made."""
        return list(self._links.values())

    def add(self, article: Article) -> CopyLink | None:
        """Index ``article``; return its link when it copies an indexed article, else ``None``.

        Adding an id already indexed changes nothing and returns its existing link (or ``None``).
        """
        if article.id in self._canonical:
            return self._links.get(article.id)
        matches = self._index(article)
        if not matches:
            self._canonical[article.id] = article.id
            return None
        best_id = matches[0][0]
        canonical = self._canonical[best_id]
        self._canonical[article.id] = canonical
        link = CopyLink(canonical=canonical, duplicate=article.id, similarity=self.similarity(article.id, canonical))
        self._links[article.id] = link
        log.debug("%s is a copy of %s (jaccard %.3f)", article.id, canonical, link.similarity)
        return link

    def similarity(self, a: str, b: str) -> float:
        """Exact Jaccard similarity of two indexed articles' shingle sets."""
        if a not in self._shingles or b not in self._shingles:
            return 0.0
        return round(float(_overlap(self._shingles[a], self._shingles[b]).jaccard), 4)

    def _index(self, article: Article) -> list[tuple[str, _Overlap]]:
        """Store ``article``'s sketches; return the indexed articles it copies, best first."""
        options = self.options
        # The headline is part of the copy: it tells apart short template items (dividend notices,
        # price lines) whose bodies are identical but which are about different companies.
        tokens = normalise_tokens(((article.title or "") + "\n" + (article.text or "")).strip())
        if not tokens:
            return []  # nothing to compare: an empty article is its own group (extraction rejects these)
        ordered = shingle_hashes(tokens, options.shingle_words)
        shingles = np.unique(ordered)
        digest = hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=16).hexdigest()
        numbers = figures(article.text or "")

        matches: list[tuple[str, _Overlap]] = []
        if digest in self._exact:
            matches.append((self._exact[digest], _Overlap(1.0, 1.0, shingles.size)))
        else:
            whole = _minhash(shingles, options.num_perm)
            lead = _minhash(np.unique(ordered[: options.lead_shingles]), options.num_perm)
            candidates = set(self._lsh.query(whole)) | set(self._lead_lsh.query(lead))
            for candidate in sorted(candidates):
                overlap = _overlap(shingles, self._shingles[candidate])
                if self._is_copy(overlap) and figures_agree(numbers, self._figures[candidate], options.max_missing_numbers):
                    matches.append((candidate, overlap))
            self._lsh.insert(article.id, whole, check_duplication=False)
            self._lead_lsh.insert(article.id, lead, check_duplication=False)
            self._exact[digest] = article.id
        self._shingles[article.id] = shingles
        self._figures[article.id] = numbers
        matches.sort(key=lambda item: (-item[1].jaccard, -item[1].containment, item[0]))
        return matches

    def _is_copy(self, overlap: _Overlap) -> bool:
        options = self.options
        if overlap.jaccard >= options.jaccard_threshold:
            return True
        return overlap.containment >= options.containment_threshold and overlap.smaller >= options.min_containment_shingles

    def to_bytes(self) -> bytes:
        """The whole index as bytes (the store keeps it as a blob)."""
        state = {
            "version": _STATE_VERSION,
            "options": self.options,
            "lsh": self._lsh,
            "lead_lsh": self._lead_lsh,
            "shingles": self._shingles,
            "figures": self._figures,
            "exact": self._exact,
            "canonical": self._canonical,
            "links": self._links,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "CopyIndex":
        """Rebuild an index saved with :meth:`to_bytes`."""
        try:
            state = pickle.loads(blob)
        except Exception as exc:  # a truncated or foreign blob
            raise DedupError(
                f"the saved copy index cannot be read: {exc}",
                hint="delete the store's index state to rebuild it from the stored articles",
            ) from exc
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise DedupError(
                f"the saved copy index has version {state.get('version') if isinstance(state, dict) else '?'}, expected {_STATE_VERSION}",
                hint="delete the store's index state to rebuild it from the stored articles",
            )
        index = cls.__new__(cls)
        index.options = state["options"]
        index._lsh = state["lsh"]
        index._lead_lsh = state["lead_lsh"]
        index._shingles = state["shingles"]
        index._figures = state["figures"]
        index._exact = state["exact"]
        index._canonical = state["canonical"]
        index._links = state["links"]
        return index


def canonical_order(article: Article) -> tuple:
    """Sort key making the canonical of a group deterministic: earliest dated, then longest, then smallest id."""
    return (article.published is None, article.published or "", -len(article.text or ""), article.id)


def find_copies(articles: Iterable[Article], *, options: DedupOptions | None = None) -> list[CopyLink]:
    """Links from every copy to the canonical article of its group; the result does not depend on input order.

    Every verified pair joins the two articles' groups (so a group is a connected component of
    the copy graph), and the canonical of a group is its first member in :func:`canonical_order`:
    the earliest dated, then the longest. Repeated ids are indexed once.
    """
    index = CopyIndex(options)
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    ordered = sorted(unique.values(), key=canonical_order)
    rank = {article.id: position for position, article in enumerate(ordered)}
    parent = {article.id: article.id for article in ordered}

    def root(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for article in ordered:
        for other, _ in index._index(article):
            a, b = root(article.id), root(other)
            if a != b:  # the earlier-ranked root stays the canonical
                if rank[a] < rank[b]:
                    a, b = b, a
                parent[a] = b
    links = []
    for article in ordered:
        canonical = root(article.id)
        if canonical != article.id:
            links.append(CopyLink(canonical=canonical, duplicate=article.id, similarity=index.similarity(article.id, canonical)))
    return links
