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

from voice.asr.mel import HOP_LENGTH, SUBSAMPLING, WIN_LENGTH, LogMel
from voice.asr.network import States
from voice.asr.recognizer import FRAME_SECONDS, Recognizer, Transcript
from voice.audio import SAMPLE_RATE
from voice.errors import VoiceError

# Mel frames needed after an output frame before it no longer changes: the STFT half window
# (rounded up) and the two stride-2, kernel-3 convolutions.
STREAM_DELAY = -(-(WIN_LENGTH // 2) // HOP_LENGTH) + 3
# Output frames at the start of an audio slice that differ from the whole utterance's: the
# STFT's reflect padding touches two mel frames, which reach two output frames (+1 to spare).
SLICE_MARGIN = 3


def stable_frames(samples: int) -> int:
    """Output frames of the log-mel recogniser that no later audio can change."""
    return max(0, -(-(LogMel.num_frames(samples) - STREAM_DELAY) // SUBSAMPLING))


@dataclass
class StreamConfig:
    chunk: float = 0.32  # seconds committed per step: partials come at least this often
    # seconds of future audio the backward direction sees: 1.28 s keeps streamed dev WER within
    # a point of whole-utterance decoding (0.96 s did not, on an earlier model; README figures)
    lookahead: float = 1.28


class StreamingRecognizer:
    """feed(block) -> partial text or None; finish() -> final Transcript; then reuse."""

    def __init__(self, recognizer: Recognizer, config: StreamConfig | None = None) -> None:
        self.final = recognizer  # writes the text at the endpoint
        self.recognizer = recognizer.streaming_pass()  # writes the partials
        self.network = self.recognizer.network
        if self.network.config.get("norm", "global") != "global":
            raise VoiceError("a recogniser with running (causal) normalisation does not stream")
        self.config = config or StreamConfig()
        self.chunk = max(1, round(self.config.chunk / FRAME_SECONDS))
        self.lookahead = max(0, round(self.config.lookahead / FRAME_SECONDS))
        self.reset()

    def reset(self) -> None:
        self.audio: list[np.ndarray] = []
        self.samples = 0
        self.committed: list[np.ndarray] = []  # log-probs of final frames
        self.states: States | None = None  # the forward directions', after the committed frames
        self.done = 0  # output frames committed
        self.partial = ""
        self.compute_seconds = 0.0

    def _frontend(self, start: int) -> np.ndarray:
        """The RNN's frames from output frame `start` to the end of what was heard.

        Only the audio those frames depend on is processed, so the cost per chunk does not
        grow with the utterance: a slice that starts on an output-frame boundary gives exactly
        the frames of the whole utterance, except for its first SLICE_MARGIN frames (the window
        and the convolutions see padding there), which are computed and dropped.
        """
        first = max(0, start - SLICE_MARGIN)
        audio = np.concatenate(self.audio)[first * SUBSAMPLING * HOP_LENGTH:]
        return self.network.frames(self.recognizer.features(audio))[start - first:]

    def _run(self, window: np.ndarray, commit: int) -> np.ndarray:
        """Log-probs of window's frames; forward states advance by `commit` frames."""
        log_probs, self.states = self.network.window(window, commit, self.states)
        return log_probs

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
        self.partial = self.recognizer.greedy(np.concatenate([*self.committed,
                                                              log_probs[self.chunk:]]))
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
        log_probs = np.concatenate(self.committed)
        text = self.recognizer.decode(log_probs)
        words = self.recognizer.align(log_probs, text)
        self.compute_seconds += time.perf_counter() - start
        seconds = self.samples / SAMPLE_RATE
        result = Transcript(text, words, round(seconds, 3),
                            round(self.compute_seconds / max(seconds, 1e-9), 4))
        self.reset()
        return result
