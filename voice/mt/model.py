"""GRU (or LSTM) encoder-decoder with multiplicative attention (Luong et al., 2015).

The decoder runs without input feeding, so teacher-forced training is one recurrent call over
the whole target, and attention is computed for all steps at once: fast on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from voice.mt.network import Encoded, Shortlist, State
from voice.mt.tokenizer import PAD


@dataclass
class MtModelConfig:
    vocab: int = 0  # set from the tokenizer
    cell: str = "gru"  # gru | lstm
    dim: int = 256  # embeddings (shared by source, target and output layer)
    hidden: int = 256  # per encoder direction; the decoder has 2 * hidden
    encoder_layers: int = 2
    decoder_layers: int = 1
    dropout: float = 0.2
    draft: bool = False  # the source is followed by EOS and Apertium's English of it (post-editing)
    copy: bool = False  # a pointer-generator: each output token may be copied from the input


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence of a right-padded batch (B, T, ...) within its own length."""
    steps = torch.arange(x.size(1), device=x.device)
    index = (lengths[:, None] - 1 - steps).clamp(min=0)
    index = torch.where(steps < lengths[:, None], index, steps)
    return x.gather(1, index[:, :, None].expand_as(x))


class Encoder(nn.Module):
    """Bidirectional: the backward direction reads each sequence reversed within its length,
    so right padding never reaches a real token's state (and no packing is needed)."""

    def __init__(self, c: MtModelConfig) -> None:
        super().__init__()
        rnn = nn.GRU if c.cell == "gru" else nn.LSTM
        sizes = [c.dim] + [2 * c.hidden] * (c.encoder_layers - 1)
        self.forward_rnns = nn.ModuleList(rnn(s, c.hidden, batch_first=True) for s in sizes)
        self.backward_rnns = nn.ModuleList(rnn(s, c.hidden, batch_first=True) for s in sizes)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(memory (B, T, 2H), summary (B, 2H): last forward and first backward states)."""
        for fwd, bwd in zip(self.forward_rnns, self.backward_rnns, strict=True):
            x = self.dropout(x)
            ahead, _ = fwd(x)
            behind, _ = bwd(reverse_padded(x, lengths))
            x = torch.cat([ahead, reverse_padded(behind, lengths)], -1)
        last = ahead.gather(1, (lengths - 1)[:, None, None].expand(-1, 1, ahead.size(-1)))
        return x, torch.cat([last[:, 0], x[:, 0, ahead.size(-1):]], -1)


class Seq2Seq(nn.Module):
    def __init__(self, c: MtModelConfig) -> None:
        super().__init__()
        self.config = c
        self.embed = nn.Embedding(c.vocab, c.dim, padding_idx=PAD)
        self.encoder = Encoder(c)
        width = 2 * c.hidden
        self.bridge = nn.Linear(width, width * c.decoder_layers)
        rnn = nn.GRU if c.cell == "gru" else nn.LSTM
        self.decoder = rnn(c.dim, width, c.decoder_layers, batch_first=True,
                           dropout=c.dropout if c.decoder_layers > 1 else 0.0)
        self.attend = nn.Linear(width, width, bias=False)  # Luong "general" score
        self.combine = nn.Linear(2 * width, c.dim)
        # pointer-generator (See et al., 2017): the chance of generating rather than copying
        self.copy_gate = nn.Linear(2 * width + c.dim, 1) if c.copy else None
        self.dropout = nn.Dropout(c.dropout)
        self.register_load_state_dict_pre_hook(_fresh_gate)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor):
        """(memory, key, source ids, initial decoder state) for a right-padded source batch."""
        memory, summary = self.encoder(self.embed(src), lengths)
        h0 = torch.tanh(self.bridge(summary)).view(src.size(0), self.config.decoder_layers, -1)
        h0 = h0.transpose(0, 1).contiguous()
        state = (h0, torch.zeros_like(h0)) if self.config.cell == "lstm" else h0
        return memory, self.attend(memory), src, state

    def decode(self, tokens: torch.Tensor, memory: torch.Tensor, key: torch.Tensor,
               src: torch.Tensor, state, weight: torch.Tensor | None = None,
               columns: torch.Tensor | None = None):
        """Scores (B, U, V) for target tokens (B, U), whose log-softmax is the next token's
        log-probability (with copying, they are those log-probabilities), and the new state.
        With a shortlist's output weights (dim, K) and each source token's column in it
        (B, T), scores (B, U, K) for its tokens only."""
        embedded = self.dropout(self.embed(tokens))
        out, state = self.decoder(embedded, state)
        scores = out @ key.transpose(1, 2)  # (B, U, T)
        weights = scores.masked_fill((src == PAD)[:, None, :], -1e4).softmax(-1)
        context = weights @ memory
        hidden = torch.tanh(self.combine(self.dropout(torch.cat([out, context], -1))))
        hidden = self.dropout(hidden)
        logits = F.linear(hidden, self.embed.weight) if weight is None else hidden @ weight
        if self.copy_gate is None:
            return logits, state
        generate = torch.sigmoid(self.copy_gate(torch.cat([out, context, embedded], -1)))
        columns = src if columns is None else columns
        copied = torch.zeros_like(logits).scatter_add(
            2, columns[:, None, :].expand(-1, tokens.size(1), -1), weights)
        mixed = generate * logits.float().softmax(-1) + (1 - generate) * copied.float()
        return mixed.clamp(min=1e-9).log().to(logits.dtype), state

    def forward(self, src: torch.Tensor, lengths: torch.Tensor,
                tgt_in: torch.Tensor) -> torch.Tensor:
        memory, key, src, state = self.encode(src, lengths)
        logits, _ = self.decode(tgt_in, memory, key, src, state)
        return logits


def _fresh_gate(model: Seq2Seq, state: dict, prefix: str, *_) -> None:
    """Fine-tuning a model trained without copying: the copy gate starts as initialised."""
    if model.copy_gate is not None:
        for key, value in model.copy_gate.state_dict().items():
            state.setdefault(f"{prefix}copy_gate.{key}", value)


def _state(state) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


class EncoderGraph(nn.Module):
    """The encoder as exported: (src, lengths, output token ids) -> memory, attention keys, the
    output layer's weights for those tokens (dim, K), and the decoder's first state."""

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = model

    def forward(self, src: torch.Tensor, lengths: torch.Tensor, ids: torch.Tensor):
        memory, key, _, state = self.model.encode(src, lengths)
        return memory, key, self.model.embed.weight[ids].t().contiguous(), *_state(state)


class DecoderGraph(nn.Module):
    """One decoder step as exported: scores (B, 1, K) and the new state."""

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, memory: torch.Tensor, key: torch.Tensor,
                src: torch.Tensor, columns: torch.Tensor, weight: torch.Tensor, *state):
        state = state if self.model.config.cell == "lstm" else state[0]
        scores, state = self.model.decode(tokens, memory, key, src, state, weight, columns)
        return scores, *_state(state)


class TorchNetwork:
    """A PyTorch Seq2Seq as a voice.mt.network.Network: what training scores its dev sets
    with, through the same graphs that export writes."""

    def __init__(self, model: Seq2Seq) -> None:
        self.model = model
        self.vocab = model.config.vocab
        self.draft = model.config.draft
        self.encoder, self.decoder = EncoderGraph(model), DecoderGraph(model)

    @torch.no_grad()
    def encode(self, src: np.ndarray, lengths: np.ndarray,
               shortlist: Shortlist | None) -> tuple[Encoded, State]:
        self.model.eval()
        ids = np.arange(self.vocab) if shortlist is None else shortlist.ids
        memory, key, weight, *state = map(_numpy, self.encoder(*map(self._tensor,
                                                                     (src, lengths, ids))))
        columns = src if shortlist is None else shortlist.column[src]
        return Encoded(memory, key, src, columns, weight), tuple(state)

    @torch.no_grad()
    def decode(self, tokens: np.ndarray, encoded: Encoded,
               state: State) -> tuple[np.ndarray, State]:
        scores, *state = self.decoder(
            self._tensor(tokens[:, None]), *map(self._tensor, (
                encoded.memory, encoded.key, encoded.src, encoded.columns, encoded.weight)),
            *map(self._tensor, state))
        return _numpy(scores[:, 0]), tuple(map(_numpy, state))

    def _tensor(self, x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x)).to(next(self.model.parameters()).device)


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.float().cpu().numpy()
