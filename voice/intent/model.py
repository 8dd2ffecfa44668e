"""The intent + slot network: word and character embeddings -> bidirectional RNN -> two heads:
attention-pooled intent classifier (many-to-one) and a BIO slot tagger (many-to-many)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass
class IntentModelConfig:
    words: int = 0  # vocabulary sizes, filled in from the data
    chars: int = 0
    intents: int = 0
    tags: int = 0
    word_dim: int = 96
    char_dim: int = 32
    char_channels: int = 64
    hidden: int = 128
    layers: int = 2
    cell: str = "gru"  # gru | lstm
    dropout: float = 0.25


class IntentNet(nn.Module):
    def __init__(self, config: IntentModelConfig) -> None:
        super().__init__()
        self.config = config
        self.words = nn.Embedding(config.words, config.word_dim, padding_idx=0)
        self.chars = nn.Embedding(config.chars, config.char_dim, padding_idx=0)
        # characters let the tagger read names and misspellings it never saw as whole words
        self.char_conv = nn.Conv1d(config.char_dim, config.char_channels, 3, padding=1)
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[config.cell]
        self.rnn = rnn(config.word_dim + config.char_channels, config.hidden, config.layers,
                       batch_first=True, bidirectional=True,
                       dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.attention = nn.Sequential(nn.Linear(2 * config.hidden, config.hidden), nn.Tanh(),
                                       nn.Linear(config.hidden, 1))
        self.intent_head = nn.Linear(2 * config.hidden, config.intents)
        self.tag_head = nn.Linear(2 * config.hidden, config.tags)

    def forward(self, words: torch.Tensor, chars: torch.Tensor,
                lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """words (B, T), chars (B, T, C), lengths (B,) -> intent logits (B, I), tags (B, T, K).
        Without lengths every row is T words long (one command at run time: the export)."""
        batch, steps, width = chars.shape
        c = self.chars(chars.reshape(batch * steps, width)).transpose(1, 2)
        c = self.char_conv(c).relu().max(-1).values.reshape(batch, steps, -1)
        x = self.dropout(torch.cat([self.words(words), c], -1))
        if lengths is None:
            h, _ = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            h, _ = self.rnn(packed)
            h, _ = pad_packed_sequence(h, batch_first=True, total_length=steps)
        h = self.dropout(h)
        scores = self.attention(h).squeeze(-1)
        if lengths is not None:
            mask = torch.arange(steps, device=lengths.device)[None] < lengths[:, None]
            scores = scores.masked_fill(~mask, float("-inf"))
        pooled = (scores.softmax(-1).unsqueeze(-1) * h).sum(1)
        return self.intent_head(pooled), self.tag_head(h)


def torch_logits(model: IntentNet):
    """The PyTorch model as voice.intent.parser.IntentParser's network (the export's check)."""
    @torch.no_grad()
    def logits(words, chars):
        return [t.numpy() for t in model.eval()(torch.from_numpy(words), torch.from_numpy(chars))]

    return logits
