"""COPIES stage: exact and near-duplicate articles, merged under one canonical article.

Every article is reduced to a set of word 5-gram shingles (hashed to 64 bits) over its normalised
text. Candidates come from MinHash LSH (datasketch MinHash, banded here so that the buckets can
live as rows of the store):

* the *whole-text* MinHash finds pairs whose shingle sets overlap (wire copies with small edits,
  copies whose page chrome was not fully removed);
* the *lead* MinHash (of the first ``lead_shingles`` shingles) finds truncated copies,
  which keep the lead but lose most of the body, so their whole-text Jaccard is low; its bands
  share the whole-text buckets' namespace;
* a content-defined *sample* of the shingles (those whose hash is divisible by
  ``sample_modulus``) finds texts contained in much longer ones (an article inside a page dump
  that kept all its chrome), whose Jaccard is too low for MinHash LSH.

Each candidate is then verified on the exact shingle sets, never on the MinHash estimate:
a pair is a copy when its Jaccard similarity reaches ``jaccard_threshold`` or when the smaller
text is contained in the larger one at ``containment_threshold`` (truncation, added chrome).
Nothing is thrown away: a copy becomes a :class:`~newsdesk.models.CopyLink` to the canonical
article of its group.

:class:`CopyIndex` is the incremental form (the pipeline's): its state is rows and postings of an
:class:`~newsdesk.store.IndexState`, so adding one article costs the same in a store of any size.
:func:`find_copies` is the batch form, whose result does not depend on input order. See
``docs/benchmarks/copies.md`` for the measured precision and recall that justify the defaults.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import struct
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from .errors import DedupError, OptionsError
from .models import Article, CopyLink
from .store import IndexState, MemoryIndexState

log = logging.getLogger(__name__)

#: Version of the row layout and of the text normalisation the rows were computed with.
_STATE_VERSION = 3
#: Options the stored rows depend on: a state written with other values cannot be reused.
_LAYOUT_OPTIONS = (
    "shingle_words",
    "num_perm",
    "lsh_bands",
    "lsh_rows",
    "lead_shingles",
    "lead_bands",
    "sample_modulus",
)
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
        lsh_bands, lsh_rows: LSH banding; ``lsh_bands * lsh_rows <= num_perm``. The default 20
            bands of 2 rows retrieve a pair with Jaccard 0.5 with probability 0.997 and one with
            0.3 with probability 0.85; candidates are verified exactly, so a loose index costs
            only time. Pairs of long texts are also found through the sampled shingles.
        lead_shingles: shingles forming the lead MinHash used to find truncated copies
            (default 40, about the first 45 words).
        lead_bands: how many of the LSH bands are also computed over the lead (default 10,
            ``<= lsh_bands``). Whole-text and lead bands share one bucket namespace, so a short
            truncated copy also meets its original's lead with its whole-text bands, and a text
            shorter than the lead posts each bucket once.
        sample_modulus: every shingle whose hash is divisible by this is also posted
            (default 16, about one shingle in sixteen; 0 turns it off). The sample depends only
            on the shingle, so a text contained in a longer one (an article inside a page dump
            full of chrome, Jaccard 0.05-0.4) shares all its sampled shingles with it: the
            containment candidates that MinHash, an estimate of Jaccard, misses.
        jaccard_threshold: exact shingle Jaccard at or above which two texts are copies
            (default 0.5).
        containment_threshold: share of the smaller text's shingles found in the larger one at
            or above which two texts are copies (default 0.7): truncated copies, copies with
            extra chrome or an added paragraph, copies with many small edits.
        min_containment_shingles: the smaller text must have at least this many shingles for
            containment alone to count (default 10), so a one-line brief is not "contained" in
            every long story that repeats its sentence.
        max_missing_numbers: share of the figures of the text with fewer figures that may be
            missing from the other (default 0.0: copies report the same figures). Recurring
            template reports ("Fed adds reserves via repurchases", price tables stamped 10:31 and
            11:31, money market forecasts), corrected figures and updates share most of their
            wording but not their figures; copies share both.
    """

    shingle_words: int = 5
    num_perm: int = 128
    lsh_bands: int = 20
    lsh_rows: int = 2
    lead_shingles: int = 40
    lead_bands: int = 10
    sample_modulus: int = 16
    jaccard_threshold: float = 0.5
    containment_threshold: float = 0.7
    min_containment_shingles: int = 10
    max_missing_numbers: float = 0.0

    def __post_init__(self) -> None:
        if self.shingle_words < 1:
            raise OptionsError(f"shingle_words={self.shingle_words} must be at least 1", hint="the default is 5")
        if self.num_perm < 16:
            raise OptionsError(
                f"num_perm={self.num_perm} is too small for a stable estimate", hint="use 128 (the default)"
            )
        if self.lsh_bands < 1 or self.lsh_rows < 1 or self.lsh_bands * self.lsh_rows > self.num_perm:
            raise OptionsError(
                f"lsh_bands={self.lsh_bands} x lsh_rows={self.lsh_rows} must be positive and use at most num_perm={self.num_perm} permutations",
                hint="the default is 20 bands of 2 rows with 128 permutations",
            )
        if not 0 <= self.lead_bands <= self.lsh_bands:
            raise OptionsError(
                f"lead_bands={self.lead_bands} must be between 0 and lsh_bands={self.lsh_bands}",
                hint="the default is 10",
            )
        if self.sample_modulus < 0:
            raise OptionsError(
                f"sample_modulus={self.sample_modulus} must be 0 (off) or positive", hint="the default is 16"
            )
        if self.lead_shingles < 1:
            raise OptionsError(f"lead_shingles={self.lead_shingles} must be at least 1", hint="the default is 40")
        for name in ("jaccard_threshold", "containment_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise OptionsError(f"{name}={value} must be in (0, 1]", hint="similarities are shares of shingles")
        if not 0.0 <= self.max_missing_numbers <= 1.0:
            raise OptionsError(
                f"max_missing_numbers={self.max_missing_numbers} must be in [0, 1]", hint="the default is 0.0"
            )
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


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _identity(value: int) -> int:
    return value


@lru_cache(maxsize=4)
def _permutations(num_perm: int):
    """The MinHash permutations (seed 1), made once: datasketch draws them anew for every sketch."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=1, hashfunc=_identity, scheme="affine64").permutations


def _minhash(hashes: np.ndarray, num_perm: int, permutations=None):
    from datasketch import MinHash

    sketch = MinHash(
        num_perm=num_perm,
        seed=1,
        hashfunc=_identity,
        scheme="affine64",
        permutations=permutations if permutations is not None else _permutations(num_perm),
    )
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


@dataclass(frozen=True)
class _Signature:
    """What an article is compared by, computed once from its text."""

    id: str
    ordered: np.ndarray  # shingle hashes in text order (repeats kept)
    shingles: np.ndarray  # sorted unique shingle hashes
    digest: str  # of the normalised token stream: identical texts share it
    figures: Counter


@dataclass(frozen=True)
class _Record:
    """An indexed article as read back from its ``sig/`` row."""

    seq: int
    id: str
    canonical: str
    shingles: np.ndarray
    figures: Counter


def _encode_record(seq: int, article_id: str, canonical: str, shingles: np.ndarray, numbers: Counter) -> bytes:
    header = json.dumps({"seq": seq, "id": article_id, "canonical": canonical, "figures": dict(numbers)}).encode(
        "utf-8"
    )
    return struct.pack("<I", len(header)) + header + shingles.astype("<u8", copy=False).tobytes()


def _decode_record(key: str, blob: bytes) -> _Record:
    try:
        (size,) = struct.unpack_from("<I", blob)
        header = json.loads(blob[4 : 4 + size].decode("utf-8"))
        shingles = np.frombuffer(blob, dtype="<u8", offset=4 + size).astype(np.uint64, copy=False)
        return _Record(int(header["seq"]), header["id"], header["canonical"], shingles, Counter(header["figures"]))
    except (struct.error, ValueError, KeyError, TypeError) as exc:
        raise DedupError(
            f"the copy index row {key!r} cannot be read: {exc}",
            hint="clear the copy index state (CopyIndex.reset()) and add the stored articles again",
        ) from exc


def _decode_json(key: str, blob: bytes) -> dict:
    try:
        value = json.loads(bytes(blob).decode("utf-8"))
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    except ValueError as exc:
        raise DedupError(
            f"the copy index row {key!r} cannot be read: {exc}",
            hint="clear the copy index state (CopyIndex.reset()) and add the stored articles again",
        ) from exc


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True).encode("utf-8")


class CopyIndex:
    """Incremental copy detection: :meth:`add` one article at a time, state kept row by row.

    All state lives in an :class:`~newsdesk.store.IndexState` (the store's
    ``index_state("copies")`` in the pipeline, memory by default), laid out so that adding one
    article reads and writes only a few rows whatever the size of the index:

    * ``meta``: format version, the options the rows depend on, the number of indexed articles;
    * ``id/<article id>``: the article's sequence number, its canonical article and similarity;
    * ``sig/<seq>``: its exact shingle set and figures (what candidates are verified on) and its
      canonical;
    * ``exact/<digest>``: the first article with that normalised text;
    * ``link/<seq>``: one copy link, in order of creation;
    * postings ``<band>:<hash> -> seq`` (the LSH buckets of the whole-text and lead MinHash, in
      one namespace) and ``s:<hash> -> seq`` (sampled shingles): about 35 per Reuters story.

    Every :meth:`add` writes its rows through the state before returning, so the state is
    complete after each call: call it inside the store transaction that commits the article,
    and the index commits (or rolls back) with it. The object itself keeps nothing but the links
    made since :meth:`drain_new_links` was last called, so any number of ``CopyIndex`` objects
    opened over the same state, one after the other, behave as one.

    The first article of a group to arrive stays its canonical article, so links never change
    once made (stories are built on canonical articles and must not be reshuffled). For a
    result that does not depend on arrival order, use :func:`find_copies`.
    """

    def __init__(self, options: DedupOptions | None = None, state: IndexState | None = None) -> None:
        self.options = options or DedupOptions()
        self.state: IndexState = state if state is not None else MemoryIndexState()
        self._new_links: list[CopyLink] = []
        self._layout = {
            "version": _STATE_VERSION,
            **{name: getattr(self.options, name) for name in _LAYOUT_OPTIONS},
        }
        self._permutations = _permutations(self.options.num_perm)
        self._meta()  # refuse a state written with other shingling or banding at once

    # -- reading -------------------------------------------------------------------------------

    def _meta(self, rows: dict[str, bytes] | None = None) -> dict:
        """The ``meta`` row (from ``rows`` when already read), checked against these options."""
        blob = (rows if rows is not None else self.state.get(["meta"])).get("meta")
        if blob is None:
            return {**self._layout, "count": 0}
        meta = _decode_json("meta", blob)
        stored = {name: meta.get(name) for name in self._layout}
        if stored != self._layout:
            raise DedupError(
                f"the stored copy index was built with {stored}, these options need {self._layout}",
                hint="clear the copy index state (CopyIndex.reset()) and add the stored articles again",
            )
        return meta

    def _entries(self, article_ids: Iterable[str]) -> dict[str, dict]:
        keys = [f"id/{article_id}" for article_id in article_ids]
        return {key[3:]: _decode_json(key, blob) for key, blob in self.state.get(keys).items()}

    def _records(self, seqs: Iterable[int]) -> dict[int, _Record]:
        rows = self.state.get(f"sig/{seq}" for seq in seqs)
        records = (_decode_record(key, blob) for key, blob in rows.items())
        return {record.seq: record for record in records}

    def __len__(self) -> int:
        return int(self._meta()["count"])

    def __contains__(self, article_id: str) -> bool:
        return bool(self._entries([article_id]))

    def canonical_of(self, article_id: str) -> str | None:
        """The canonical article of ``article_id``'s group (itself when it is canonical); ``None`` if not indexed."""
        entry = self._entries([article_id]).get(article_id)
        return entry["canonical"] if entry else None

    def link_of(self, article_id: str) -> CopyLink | None:
        """The link of ``article_id`` to its canonical, ``None`` when it is canonical or not indexed."""
        entry = self._entries([article_id]).get(article_id)
        if not entry or entry["canonical"] == article_id:
            return None
        return CopyLink(canonical=entry["canonical"], duplicate=article_id, similarity=entry["similarity"])

    def links(self) -> list[CopyLink]:
        """Every copy link in the state, in the order they were made."""
        found = []
        for key, blob in self.state.items("link/"):
            value = _decode_json(key, blob)
            found.append(
                CopyLink(canonical=value["canonical"], duplicate=value["duplicate"], similarity=value["similarity"])
            )
        return found

    def drain_new_links(self) -> list[CopyLink]:
        """The links this object made since the last call (oldest first), then forgets them.

        The pipeline writes them with ``store.add_copies`` in the transaction of the articles
        they link, instead of rewriting every link.
        """
        new, self._new_links = self._new_links, []
        return new

    def similarity(self, a: str, b: str) -> float:
        """Exact Jaccard similarity of two indexed articles' shingle sets (0.0 if one is not indexed or empty)."""
        entries = self._entries([a, b])
        if a not in entries or b not in entries:
            return 0.0
        records = self._records([entries[a]["seq"], entries[b]["seq"]])
        if entries[a]["seq"] not in records or entries[b]["seq"] not in records:
            return 0.0
        return round(
            float(_overlap(records[entries[a]["seq"]].shingles, records[entries[b]["seq"]].shingles).jaccard), 4
        )

    def _jaccard_with(self, signature: _Signature, article_id: str) -> float:
        entry = self._entries([article_id]).get(article_id)
        record = self._records([entry["seq"]]).get(entry["seq"]) if entry else None
        return _overlap(signature.shingles, record.shingles).jaccard if record else 0.0

    # -- writing -------------------------------------------------------------------------------

    def add(self, article: Article) -> CopyLink | None:
        """Index ``article``; return its link when it copies an indexed article, else ``None``.

        Reads the article's LSH buckets and the rows of its candidates, writes its own rows
        (and its link) through the state before returning. Adding an id already indexed changes
        nothing and returns its existing link (or ``None``); it is not reported again by
        :meth:`drain_new_links`.
        """
        signature = self._signature(article)
        keys = ["meta", f"id/{article.id}"] + ([f"exact/{signature.digest}"] if signature else [])
        rows = self.state.get(keys)
        if f"id/{article.id}" in rows:
            return self.link_of(article.id)
        meta = self._meta(rows)
        seq = int(meta["count"])
        if signature is None:  # nothing to compare: an empty article is its own group
            self._write_entry(article.id, seq, article.id, None, meta)
            return None
        exact = rows.get(f"exact/{signature.digest}")
        matches = self._match(signature, int(exact) if exact is not None else None)
        if not matches:
            self._write_signature(signature, seq, canonical=article.id, exact=exact is not None)
            self._write_entry(article.id, seq, article.id, None, meta)
            return None
        best, overlap = matches[0]
        canonical = best.canonical
        similarity = overlap.jaccard if canonical == best.id else self._jaccard_with(signature, canonical)
        link = CopyLink(canonical=canonical, duplicate=article.id, similarity=round(float(similarity), 4))
        self._write_signature(signature, seq, canonical=canonical, exact=exact is not None)
        self._write_entry(article.id, seq, canonical, link, meta)
        self._new_links.append(link)
        log.debug("%s is a copy of %s (jaccard %.3f)", article.id, canonical, link.similarity)
        return link

    def reset(self) -> None:
        """Forget everything indexed (clears the state), e.g. to rebuild with other options."""
        self.state.clear()
        self._new_links = []

    def _write_entry(self, article_id: str, seq: int, canonical: str, link: CopyLink | None, meta: dict) -> None:
        rows = {
            "meta": _json_bytes({**meta, **self._layout, "count": seq + 1}),
            f"id/{article_id}": _json_bytes(
                {"seq": seq, "canonical": canonical, "similarity": link.similarity if link else 1.0}
            ),
        }
        if link is not None:
            rows[f"link/{seq:010d}"] = _json_bytes(
                {"canonical": link.canonical, "duplicate": link.duplicate, "similarity": link.similarity}
            )
        self.state.put(rows)

    def _write_signature(self, signature: _Signature, seq: int, *, canonical: str, exact: bool) -> None:
        """Store the rows ``signature`` is found by. A text identical to an indexed one is found
        through that one (``exact/``), so it gets no LSH postings of its own."""
        rows = {f"sig/{seq}": _encode_record(seq, signature.id, canonical, signature.shingles, signature.figures)}
        if not exact:
            rows[f"exact/{signature.digest}"] = str(seq).encode("ascii")
            member = str(seq)
            self.state.post((term, member) for term in self._terms(signature))
        self.state.put(rows)

    # -- matching ------------------------------------------------------------------------------

    def _signature(self, article: Article) -> _Signature | None:
        # The headline is part of the copy: it tells apart short template items (dividend notices,
        # price lines) whose bodies are identical but which are about different companies.
        tokens = normalise_tokens(((article.title or "") + "\n" + (article.text or "")).strip())
        if not tokens:
            return None
        ordered = shingle_hashes(tokens, self.options.shingle_words)
        digest = hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=16).hexdigest()
        return _Signature(article.id, ordered, np.unique(ordered), digest, figures(article.text or ""))

    def _terms(self, signature: _Signature) -> list[str]:
        """The posting terms of ``signature``: its LSH buckets (whole-text and lead bands in one
        namespace, each bucket once) and its sampled shingles (``s:<hash>``)."""
        options = self.options
        terms: dict[str, None] = {}
        lead = np.unique(signature.ordered[: options.lead_shingles])
        for hashes, bands_wanted in ((signature.shingles, options.lsh_bands), (lead, options.lead_bands)):
            if not bands_wanted:
                continue
            values = _minhash(hashes, options.num_perm, self._permutations).hashvalues.astype("<u8", copy=False)
            bands = values[: bands_wanted * options.lsh_rows].reshape(bands_wanted, options.lsh_rows)
            for band, row in enumerate(bands):
                terms.setdefault(f"{band}:{_b64(hashlib.blake2b(row.tobytes(), digest_size=8).digest())}")
        if options.sample_modulus:
            sampled = signature.shingles[signature.shingles % np.uint64(options.sample_modulus) == 0]
            for value in sampled.astype("<u8", copy=False):
                terms.setdefault(f"s:{_b64(value.tobytes())}")
        return list(terms)

    def _match(self, signature: _Signature, exact_seq: int | None) -> list[tuple[_Record, _Overlap]]:
        """The indexed articles ``signature`` copies, best first (reads only its candidates' rows)."""
        options = self.options
        if exact_seq is not None:
            record = self._records([exact_seq])[exact_seq]
            return [(record, _Overlap(1.0, 1.0, signature.shingles.size))]
        found = self.state.lookup(self._terms(signature))
        candidates = sorted({int(member) for members in found.values() for member in members})
        matches = []
        for record in self._records(candidates).values():
            overlap = _overlap(signature.shingles, record.shingles)
            if self._is_copy(overlap) and figures_agree(signature.figures, record.figures, options.max_missing_numbers):
                matches.append((record, overlap))
        matches.sort(key=lambda item: (-item[1].jaccard, -item[1].containment, item[0].id))
        return matches

    def _verified(self, a: _Record, b: _Record) -> bool:
        """Whether two indexed articles are copies of each other (the test :meth:`_match` applies)."""
        return self._is_copy(_overlap(a.shingles, b.shingles)) and figures_agree(
            a.figures, b.figures, self.options.max_missing_numbers
        )

    def _is_copy(self, overlap: _Overlap) -> bool:
        options = self.options
        if overlap.jaccard >= options.jaccard_threshold:
            return True
        return (
            overlap.containment >= options.containment_threshold and overlap.smaller >= options.min_containment_shingles
        )


def canonical_order(article: Article) -> tuple:
    """Sort key making the canonical of a group deterministic: earliest dated, then longest, then smallest id."""
    return (article.published is None, article.published or "", -len(article.text or ""), article.id)


def find_copies(articles: Iterable[Article], *, options: DedupOptions | None = None) -> list[CopyLink]:
    """Links from every copy to the canonical article of its group; the result does not depend on input order.

    Every verified pair joins the two articles' groups (so a group is a connected component of
    the copy graph) — except that an article matching several articles that are not copies of
    one another joins only its best match's group — and the canonical of a group is its first member in :func:`canonical_order`:
    the earliest dated, then the longest. Repeated ids are indexed once. Runs in memory.
    """
    index = CopyIndex(options)
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    ordered = sorted(unique.values(), key=canonical_order)
    rank = {article.id: position for position, article in enumerate(ordered)}
    parent = {article.id: article.id for article in ordered}
    shingles: dict[str, np.ndarray] = {}

    def root(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    exact_seq: dict[str, int] = {}
    for seq, article in enumerate(ordered):
        signature = index._signature(article)
        if signature is None:
            continue
        shingles[article.id] = signature.shingles
        matches = index._match(signature, exact_seq.get(signature.digest))
        index._write_signature(signature, seq, canonical=article.id, exact=signature.digest in exact_seq)
        exact_seq.setdefault(signature.digest, seq)
        best = matches[0][0] if matches else None
        for other, _ in matches:
            # An article matching several reports that are not copies of each other (a lead
            # truncated before the figures of recurring template reports) joins only its best
            # match's group: joining them all would chain different reports together.
            if other is not best and root(other.id) != root(best.id) and not index._verified(other, best):
                continue
            a, b = root(article.id), root(other.id)
            if a != b:  # the earlier-ranked root stays the canonical
                if rank[a] < rank[b]:
                    a, b = b, a
                parent[a] = b
    links = []
    for article in ordered:
        canonical = root(article.id)
        if canonical != article.id:
            similarity = _overlap(shingles[article.id], shingles[canonical]).jaccard
            links.append(CopyLink(canonical=canonical, duplicate=article.id, similarity=round(float(similarity), 4)))
    return links


def led_by_canonical_order(
    articles: Sequence[Article], links: Iterable[CopyLink], *, options: DedupOptions | None = None
) -> list[CopyLink]:
    """The copy groups of ``links``, each led by its first member in :func:`canonical_order`.

    :class:`CopyIndex` keeps the first article of a group to arrive as its canonical, so that
    links made online never change; what the brief shows must not depend on arrival order
    either, so it regroups the same groups under the earliest dated, then longest, then
    smallest-id member. A similarity is measured again only for a pair the index never compared.
    """
    by_id = {article.id: article for article in articles}
    groups: dict[str, list[str]] = {}
    stored: dict[frozenset[str], float] = {}  # Jaccard is symmetric: a stored pair needs no new measure
    for link in links:
        groups.setdefault(link.canonical, [link.canonical]).append(link.duplicate)
        stored[frozenset((link.canonical, link.duplicate))] = link.similarity
    index: CopyIndex | None = None
    regrouped: list[CopyLink] = []
    for members in groups.values():
        present = sorted((by_id[m] for m in dict.fromkeys(members) if m in by_id), key=canonical_order)
        if len(present) < 2:
            continue
        leader = present[0]
        for article in present[1:]:
            similarity = stored.get(frozenset((leader.id, article.id)))
            if similarity is None:  # two copies of a larger group that were never compared directly
                index = index or CopyIndex(options)
                a, b = index._signature(article), index._signature(leader)
                similarity = round(float(_overlap(a.shingles, b.shingles).jaccard), 4) if a and b else 0.0
            regrouped.append(CopyLink(canonical=leader.id, duplicate=article.id, similarity=similarity))
    return sorted(regrouped, key=lambda link: (canonical_order(by_id[link.canonical]), link.duplicate))
