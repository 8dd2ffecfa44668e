"""Whisper base's encoder as a PyTorch module (openai-whisper's AudioEncoder shape), its weights
read from faster-whisper's `model.bin`.

CTranslate2 (voice.asr.encoder) is the fast way to the last layer, and all it returns. This
port gives the output of any block, so a recogniser can train the top blocks on Spanish
characters (`tune_blocks` in the recipe's [model]) while the blocks below stay frozen and
their output is cached once per manifest.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.asr.encoder import BLOCKS, DIM
from voice.errors import VoiceError

HEADS = 8
N_MELS = 80  # Whisper base's log-mel bins
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}  # CTranslate2's


def read_ctranslate2(path: str | Path, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 model file whose names start with prefix (the format
    CTranslate2's ModelSpec._serialize writes: a header, then name, shape, type and bytes)."""
    out: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        def read(fmt: str):
            return struct.unpack(fmt, f.read(struct.calcsize(fmt)))

        def string() -> str:
            (size,) = read("H")
            return f.read(size)[:-1].decode("utf-8")

        read("I")  # binary version
        string()  # spec name
        read("I")  # revision
        (count,) = read("I")
        for _ in range(count):
            name = string()
            (rank,) = read("B")
            shape = read(f"{rank}I") if rank else ()
            (dtype,) = read("B")
            (size,) = read("I")
            if name.startswith(prefix) and dtype in _DTYPES:
                out[name[len(prefix):]] = np.frombuffer(f.read(size), _DTYPES[dtype]).reshape(shape)
            else:
                f.seek(size, 1)
    if "conv1/weight" not in out:
        raise VoiceError(f"{path}: no Whisper encoder in this model file")
    return out


class Block(nn.Module):
    """One pre-norm transformer block: self-attention, then a 4x MLP (exact GELU)."""

    def __init__(self, dim: int = DIM, heads: int = HEADS) -> None:
        super().__init__()
        self.heads = heads
        self.attn_ln = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)  # Whisper's key has no bias: its third stays zero
        self.out = nn.Linear(dim, dim)
        self.mlp_ln = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, T, dim); mask: (B, T), True for real frames (padding is never attended)."""
        b, t, d = x.shape
        q, k, v = self.qkv(self.attn_ln(x)).view(b, t, 3, self.heads, d // self.heads) \
            .permute(2, 0, 3, 1, 4)
        attn_mask = None if mask is None else mask[:, None, None, :]
        a = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        x = x + self.out(a.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.mlp_ln(x))

    def load(self, weights: dict[str, np.ndarray], index: int) -> Block:
        """This block's tensors from read_ctranslate2's dict (layer `index`)."""
        names = {"attn_ln": "self_attention/layer_norm", "qkv": "self_attention/linear_0",
                 "out": "self_attention/linear_1", "mlp_ln": "ffn/layer_norm",
                 "mlp.0": "ffn/linear_0", "mlp.2": "ffn/linear_1"}
        state = {}
        for ours, theirs in names.items():
            norm = theirs.endswith("layer_norm")
            weight, bias = ("gamma", "beta") if norm else ("weight", "bias")
            state[f"{ours}.weight"] = weights[f"layer_{index}/{theirs}/{weight}"]
            state[f"{ours}.bias"] = weights[f"layer_{index}/{theirs}/{bias}"]
        self.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in state.items()})
        return self


class Top(nn.Module):
    """The top blocks of the encoder and its final layer norm: the part a recogniser trains
    (`tune_blocks`), reading the cached output of the blocks below."""

    def __init__(self, blocks: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block() for _ in range(blocks))
        self.ln_post = nn.LayerNorm(DIM)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = torch.arange(x.shape[1], device=x.device)[None] < lengths[:, None]
        for block in self.blocks:
            x = block(x, mask)
        return self.ln_post(x)

    def load(self, weights: dict[str, np.ndarray]) -> Top:
        first = BLOCKS - len(self.blocks)
        for n, block in enumerate(self.blocks):
            block.load(weights, first + n)
        _load_norm(self.ln_post, weights, "layer_norm")
        return self


class AudioEncoder(nn.Module):
    """Whisper log-mel (B, 80, 2T) -> (B, T, 512): the output of the first `blocks` blocks, or
    with all of them the final layer (after its layer norm), as CTranslate2 returns it. Only
    the blocks asked for are built."""

    def __init__(self, blocks: int = BLOCKS) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(N_MELS, DIM, 3, padding=1)
        self.conv2 = nn.Conv1d(DIM, DIM, 3, stride=2, padding=1)
        self.register_buffer("positions", torch.zeros(1500, DIM))
        self.blocks = nn.ModuleList(Block() for _ in range(blocks))
        self.ln_post = nn.LayerNorm(DIM) if blocks == BLOCKS else None

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = nn.functional.gelu(self.conv1(mel))
        x = nn.functional.gelu(self.conv2(x)).transpose(1, 2)
        x = x + self.positions[:x.shape[1]]
        for block in self.blocks:
            x = block(x)
        return x if self.ln_post is None else self.ln_post(x)

    @classmethod
    def from_weights(cls, weights: dict[str, np.ndarray], blocks: int = BLOCKS) -> AudioEncoder:
        model = cls(blocks)
        for name in ("conv1", "conv2"):
            conv = getattr(model, name)
            conv.weight.data = torch.from_numpy(weights[f"{name}/weight"].astype(np.float32))
            conv.bias.data = torch.from_numpy(weights[f"{name}/bias"].astype(np.float32))
        model.positions.copy_(torch.from_numpy(
            weights["position_encodings/encodings"].astype(np.float32)))
        for n, block in enumerate(model.blocks):
            block.load(weights, n)
        if model.ln_post is not None:
            _load_norm(model.ln_post, weights, "layer_norm")
        return model.eval()


def _load_norm(norm: nn.LayerNorm, weights: dict[str, np.ndarray], name: str) -> None:
    norm.weight.data = torch.from_numpy(weights[f"{name}/gamma"].astype(np.float32))
    norm.bias.data = torch.from_numpy(weights[f"{name}/beta"].astype(np.float32))
