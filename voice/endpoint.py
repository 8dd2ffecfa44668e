"""Endpointing: voice-activity detection per frame, then utterance start/end with a minimum
onset, a hangover, a pre-roll and a maximum utterance length.

Two detectors (`voice bench vad` scores both on noisy real speech): Silero VAD (a small neural
network, ONNX; the default) and WebRTC's GMM VAD (much cheaper, much worse in noise).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from voice.audio import SAMPLE_RATE
from voice.choices import Vad
from voice.engine import session
from voice.models import SHIPPED


class SileroVad:
    """Silero VAD v6 (MIT; its ONNX graph ships in voice/models/vad, from the silero-vad
    package) on onnxruntime: each 512-sample frame is read after the last 64 samples of the one
    before, with the recurrent state carried, as the package's own wrapper does."""

    frame = 512  # 32 ms: the model's fixed window at 16 kHz
    context = 64

    def __init__(self, threshold: float = 0.5) -> None:
        self.session = session(SHIPPED / "vad" / "silero_vad.onnx")
        self.threshold = threshold
        self.rate = np.array(SAMPLE_RATE, np.int64)
        self.reset()

    def probability(self, frame: np.ndarray) -> float:
        x = np.concatenate([self.before, np.asarray(frame, np.float32)])[None]
        probability, self.state = self.session.run(
            None, {"input": x, "state": self.state, "sr": self.rate})
        self.before = x[0, -self.context:]
        return float(probability[0, 0])

    def __call__(self, frame: np.ndarray) -> bool:
        return self.probability(frame) >= self.threshold

    def reset(self) -> None:
        self.state = np.zeros((2, 1, 128), np.float32)
        self.before = np.zeros(self.context, np.float32)


class WebrtcVad:
    frame = 480  # 30 ms, the longest frame WebRTC accepts

    def __init__(self, aggressiveness: int = 2) -> None:
        import webrtcvad

        self.vad = webrtcvad.Vad(aggressiveness)

    def __call__(self, frame: np.ndarray) -> bool:
        pcm = (np.clip(frame, -1, 1) * 32767).astype(np.int16).tobytes()
        return self.vad.is_speech(pcm, SAMPLE_RATE)

    def reset(self) -> None:
        pass


@dataclass
class EndpointConfig:
    vad: Vad = Vad.silero
    threshold: float = 0.5  # silero speech probability
    aggressiveness: int = 2  # webrtc, 0-3
    onset: float = 0.1  # seconds of continuous speech that open an utterance
    hangover: float = 0.5  # seconds of silence that close it
    pre_roll: float = 0.3  # audio kept from before the onset
    max_utterance: float = 15.0  # seconds; longer speech is cut here


def make_vad(config: EndpointConfig) -> SileroVad | WebrtcVad:
    if Vad(config.vad) is Vad.silero:
        return SileroVad(config.threshold)
    return WebrtcVad(config.aggressiveness)


@dataclass
class Event:
    kind: str  # "start": samples are the pre-roll and onset; "audio": more speech; "end"
    time: float  # seconds of stream at the end of this event's samples
    samples: np.ndarray | None = None


class Endpointer:
    """feed(block) -> events, in stream order; any block size."""

    def __init__(self, config: EndpointConfig | None = None) -> None:
        self.config = config or EndpointConfig()
        self.vad = make_vad(self.config)
        self.frame = self.vad.frame
        seconds = self.frame / SAMPLE_RATE
        self.onset = max(1, round(self.config.onset / seconds))
        self.hangover = max(1, round(self.config.hangover / seconds))
        self.max_frames = max(1, round(self.config.max_utterance / seconds))
        self.pre_roll: deque[np.ndarray] = deque(
            maxlen=max(self.onset, round(self.config.pre_roll / seconds)))
        self.pending = np.zeros(0, np.float32)
        self.samples = 0  # stream position, in samples, of the frames judged so far
        self.in_speech = False
        self.run = 0  # speech frames in a row (outside) or silent frames in a row (inside)
        self.length = 0  # frames in the current utterance

    @property
    def now(self) -> float:
        return self.samples / SAMPLE_RATE

    def feed(self, block: np.ndarray) -> list[Event]:
        self.pending = np.concatenate([self.pending, np.asarray(block, np.float32)])
        events = []
        while len(self.pending) >= self.frame:
            frame, self.pending = self.pending[: self.frame], self.pending[self.frame:]
            self.samples += self.frame
            events += self._judge(frame, self.vad(frame))
        return events

    def _judge(self, frame: np.ndarray, speech: bool) -> list[Event]:
        if not self.in_speech:
            self.pre_roll.append(frame)
            self.run = self.run + 1 if speech else 0
            if self.run < self.onset:
                return []
            self.in_speech, self.run, self.length = True, 0, len(self.pre_roll)
            audio = np.concatenate(self.pre_roll)
            self.pre_roll.clear()
            return [Event("start", self.now, audio)]
        self.length += 1
        self.run = 0 if speech else self.run + 1
        events = [Event("audio", self.now, frame)]
        if self.run >= self.hangover or self.length >= self.max_frames:
            events.append(self._close())
        return events

    def _close(self) -> Event:
        self.in_speech, self.run, self.length = False, 0, 0
        return Event("end", self.now)

    def flush(self) -> list[Event]:
        """End of input: close an open utterance."""
        return [self._close()] if self.in_speech else []


@dataclass
class Segment:
    start: float
    end: float
    samples: np.ndarray


def segments(audio: np.ndarray, config: EndpointConfig | None = None,
             block: int = 4096) -> Iterator[Segment]:
    """The utterances of a whole recording (batch mode runs the live endpointer over it)."""
    endpointer = Endpointer(config)
    parts: list[np.ndarray] = []
    start = 0.0
    for offset in range(0, len(audio) + block, block):
        chunk = audio[offset:offset + block]
        events = endpointer.feed(chunk) if len(chunk) else endpointer.flush()
        for event in events:
            if event.kind == "start":
                start = event.time - len(event.samples) / SAMPLE_RATE
            if event.samples is not None:
                parts.append(event.samples)
            if event.kind == "end":
                yield Segment(round(start, 3), round(event.time, 3), np.concatenate(parts))
                parts = []
