"""Streaming recognition with a latency-controlled bidirectional RNN (LC-BLSTM).

The forward direction of every layer carries its state from chunk to chunk. The backward
direction runs over each chunk plus a short look-ahead, starting from a zero state, so each
chunk is final once its look-ahead has been heard. Partial text (chunk and look-ahead) comes
every chunk; the final text and word times come from `finish()` when the endpointer closes the
utterance. With a look-ahead longer than the utterance this is exactly offline decoding.

The encoder recogniser reads the whole utterance, so it streams in two passes (Google's
two-pass design): its streaming pass, the small log-mel model, writes the partials while
someone speaks, and at the endpoint the encoder recogniser writes the final text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from voice.asr.frontend import (
    HOP_LENGTH,
    PADDED_MELS,
    SLICE_MARGIN,
    WIN_LENGTH,
    Subsample,
    stable_frames,
)
from voice.asr.model import CtcRecognizer
from voice.asr.recognizer import FRAME_SECONDS, Recognizer, Transcript
from voice.audio import SAMPLE_RATE


@dataclass
class StreamConfig:
    chunk: float = 0.32  # seconds committed per step: partials come at least this often
    # seconds of future audio the backward direction sees: 1.28 s keeps streamed dev WER within
    # a point of whole-utterance decoding (0.96 s did not, on an earlier model; README figures)
    lookahead: float = 1.28


def _split_directions(rnn: nn.RNNBase) -> list[tuple[nn.RNNBase, nn.RNNBase]]:
    """One single-layer forward and backward RNN per layer, sharing the trained weights."""
    layers = []
    for k in range(rnn.num_layers):
        pair = []
        for suffix in ("", "_reverse"):
            size = rnn.input_size if k == 0 else 2 * rnn.hidden_size
            single = type(rnn)(size, rnn.hidden_size, batch_first=True)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                setattr(single, f"{name}_l0", getattr(rnn, f"{name}_l{k}{suffix}"))
            pair.append(single.eval())
        layers.append(tuple(pair))
    return layers


class StreamingRecognizer:
    """feed(block) -> partial text or None; finish() -> final Transcript; then reuse."""

    def __init__(self, recognizer: Recognizer, config: StreamConfig | None = None) -> None:
        self.final = recognizer  # writes the text at the endpoint
        self.recognizer = recognizer.streaming_pass()  # writes the partials
        self.model: CtcRecognizer = self.recognizer.model
        self.config = config or StreamConfig()
        self.chunk = max(1, round(self.config.chunk / FRAME_SECONDS))
        self.lookahead = max(0, round(self.config.lookahead / FRAME_SECONDS))
        self.layers = _split_directions(self.model.rnn)
        self.reset()

    def reset(self) -> None:
        self.audio: list[np.ndarray] = []
        self.samples = 0
        self.committed: list[torch.Tensor] = []  # log-probs of final frames
        self.states: list[torch.Tensor | tuple | None] = [None] * len(self.layers)
        self.mels = torch.zeros(0, self.model.config.n_mels)  # final mel frames (causal norm)
        self.done = 0  # output frames committed
        self.partial = ""
        self.compute_seconds = 0.0

    @torch.no_grad()
    def _frontend(self, start: int) -> torch.Tensor:
        """Subsampled frames from output frame `start` to the end of what was heard.

        Only the audio those frames depend on is processed, so the cost per chunk does not
        grow with the utterance: a slice that starts on an output-frame boundary gives exactly
        the frames of the whole utterance, except for its first SLICE_MARGIN frames (the window
        and the convolutions see padding there), which are computed and dropped.
        """
        first = max(0, start - SLICE_MARGIN)
        audio = np.concatenate(self.audio)[first * Subsample.STRIDE * HOP_LENGTH:]
        feats = torch.from_numpy(self.recognizer.features(audio))[None]
        if self.model.config.norm == "causal":
            feats = self._causal(feats[0], first * Subsample.STRIDE)
        else:
            feats = self.model.normalise(feats)
        x, _ = self.model.frontend(feats, torch.tensor([feats.shape[1]]))
        return x[0, start - first:]

    def _causal(self, slice_mels: torch.Tensor, offset: int) -> torch.Tensor:
        """Running normalisation needs every frame since the start: the slice's frames (from
        mel frame `offset`) join the kept history, which then keeps what no later audio can
        change. Returns the slice normalised, as one batch."""
        exact = PADDED_MELS if offset else 0
        history = torch.cat([self.mels[:offset + exact], slice_mels[exact:]])
        final = (self.samples - WIN_LENGTH // 2) // HOP_LENGTH + 1 - PADDED_MELS
        self.mels = history[:max(len(self.mels), final)]
        return self.model.normalise(history[None])[:, offset:]

    @torch.no_grad()
    def _run(self, window: torch.Tensor, commit: int) -> torch.Tensor:
        """Log-probs of window's frames; forward states advance by `commit` frames."""
        x = window[None]
        for k, (forward, backward) in enumerate(self.layers):
            head, state = forward(x[:, :commit], self.states[k])
            tail, _ = forward(x[:, commit:], state) if commit < x.shape[1] else (head[:, :0], None)
            self.states[k] = state
            back, _ = backward(x.flip(1))
            x = torch.cat([torch.cat([head, tail], 1), back.flip(1)], -1)
        return self.model.head(x)[0].log_softmax(-1)

    def feed(self, block: np.ndarray) -> str | None:
        """Add audio; returns the new partial text whenever a chunk was committed."""
        start = time.perf_counter()
        self.audio.append(np.asarray(block, dtype=np.float32))
        self.samples += len(block)
        stable = stable_frames(self.samples)
        if stable - self.done < self.chunk + self.lookahead:
            return None
        offset = self.done
        frames = self._frontend(offset)
        while stable - self.done >= self.chunk + self.lookahead:
            window = frames[self.done - offset:self.done - offset + self.chunk + self.lookahead]
            log_probs = self._run(window, self.chunk)
            self.committed.append(log_probs[: self.chunk])
            self.done += self.chunk
        self.partial = self.recognizer.greedy(torch.cat([*self.committed, log_probs[self.chunk:]]))
        self.compute_seconds += time.perf_counter() - start
        return self.partial

    def finish(self) -> Transcript:
        """Decode what is left (the endpoint has no future); returns the final transcript."""
        start = time.perf_counter()
        if not self.audio:
            return Transcript("")
        if self.final is not self.recognizer:  # the second pass reads the whole utterance
            result = self.final.recognize(np.concatenate(self.audio))
            seconds = self.samples / SAMPLE_RATE
            self.compute_seconds += time.perf_counter() - start
            result.rtf = round(self.compute_seconds / max(seconds, 1e-9), 4)
            self.reset()
            return result
        rest = self._frontend(self.done)
        if len(rest):
            self.committed.append(self._run(rest, len(rest)))
        log_probs = torch.cat(self.committed)
        text = self.recognizer.decode(log_probs)
        words = self.recognizer.align(log_probs, text)
        self.compute_seconds += time.perf_counter() - start
        seconds = self.samples / SAMPLE_RATE
        result = Transcript(text, words, round(seconds, 3),
                            round(self.compute_seconds / max(seconds, 1e-9), 4))
        self.reset()
        return result
