"""The wake phrase over Wyoming: `detect` + audio-start/chunk/stop -> a `detection` each time
"oye Zafira" is heard (then none for the refractory time), `not-detected` at audio-stop when
it never was. Each connection has its own detector state over the one shared model; the
network is small enough to run on the event loop (about 3 ms per 100 ms of audio)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Info, WakeModel, WakeProgram
from wyoming.wake import Detect, Detection, NotDetected

from voice import __version__
from voice.errors import VoiceError
from voice.serve.audio import Pcm16k
from voice.serve.wyoming import ATTRIBUTION, Receive, Send, Service
from voice.wake.check import RecentAudio
from voice.wake.detector import MODEL_NAME, PHRASE, WakeDetector

LANGUAGE = "es"


class Wake(Service):
    requests = frozenset({"detect"})
    takes_audio = True

    def __init__(self, detector: WakeDetector,
                 check: Callable[[np.ndarray], bool] | None = None) -> None:
        self.detector = detector  # its model is shared; each connection gets its own state
        self.check = check  # the second stage (voice.wake.check), shared

    def describe(self, info: Info) -> None:
        info.wake.append(WakeProgram(
            name="voice", attribution=ATTRIBUTION, installed=True, version=__version__,
            description="voice: Spanish wake phrase (a small GRU over log-mels)",
            models=[WakeModel(name=MODEL_NAME, attribution=ATTRIBUTION, installed=True,
                              description=f"the wake phrase \"{PHRASE}\"", version=__version__,
                              languages=[LANGUAGE], phrase=PHRASE)]))

    def open(self, send: Send) -> Receive:
        detector = WakeDetector(self.detector.network, self.detector.config,
                                self.detector.threshold, self.detector.refractory)
        return Listening(detector, send, self.check).receive


class Listening:
    """One connection's audio streams, each listened to from its start."""

    def __init__(self, detector: WakeDetector, send: Send,
                 check: Callable[[np.ndarray], bool] | None = None) -> None:
        self.detector, self.send, self.check = detector, send, check
        self.recent = RecentAudio()  # what the check reads
        self.stream: Pcm16k | None = None
        self.detected = False
        self.failed = False  # this stream was refused: its audio is dropped until a new one

    async def receive(self, event: Event) -> None:
        if Detect.is_type(event.type):
            names = Detect.from_event(event).names
            if names and not {MODEL_NAME, PHRASE} & set(names):
                raise VoiceError(f"no wake model named {', '.join(map(str, names))}; this "
                                 f"server has {MODEL_NAME} (\"{PHRASE}\")")
        elif AudioStart.is_type(event.type):
            self.start()
        elif AudioChunk.is_type(event.type):
            if not self.failed:
                await self.hear(AudioChunk.from_event(event))
        elif AudioStop.is_type(event.type):
            if not self.failed and not self.detected:
                await self.send(NotDetected().event())
            self.stream, self.failed = None, False

    def start(self) -> None:
        self.detector.reset()
        self.recent = RecentAudio()
        self.stream, self.detected, self.failed = None, False, False

    async def hear(self, chunk: AudioChunk) -> None:
        try:
            if self.stream is None:  # the first chunk (audio-start is optional) fixes the format
                self.stream = Pcm16k(chunk)
            block = self.stream.convert(chunk)
        except VoiceError:
            self.failed = True
            raise
        self.recent.add(block)
        if self.detector.feed(block) and (self.check is None
                                          or self.check(self.recent.audio())):
            self.detected = True
            heard_ms = round(1000 * self.detector.heard_at)
            await self.send(Detection(name=MODEL_NAME, timestamp=chunk.timestamp
                                      if chunk.timestamp is not None else heard_ms).event())
