"""The live pipeline: audio source -> endpointer -> streaming recogniser -> translator or
intent parser -> speech, on three threads joined by bounded queues.

The source never waits: a block that finds the queue full is dropped and counted. While the
assistant speaks, input is gated: heard as silence, so it does not hear itself, an utterance
cut by a reply ends there, and utterance times stay true to the stream. Ctrl-C (or stop())
ends the run at once: utterances still queued are not answered. Partial
text comes from the streaming recogniser; the final text of each utterance is a whole-utterance
pass over its audio when the endpointer closes it (the same result `voice transcribe` gives).
"""

from __future__ import annotations

import queue
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice.asr.recognizer import Recognizer
from voice.asr.stream import StreamConfig, StreamingRecognizer
from voice.audio import SAMPLE_RATE, load_audio
from voice.endpoint import EndpointConfig, Endpointer
from voice.tts import Speaker, Speech

_END = None  # queue sentinel


@dataclass
class LiveConfig:
    block: float = 0.1  # seconds of audio per block from the source
    queue_seconds: float = 10.0  # audio that may wait for the recogniser before blocks drop
    beam: int = 5
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    # a shorter look-ahead than streaming evaluation's: partials come sooner, and the final
    # text is a whole-utterance pass when the endpointer closes the utterance anyway
    stream: StreamConfig = field(default_factory=lambda: StreamConfig(chunk=0.24, lookahead=0.64))


@dataclass
class Utterance:
    index: int
    start: float  # seconds into the stream
    end: float
    es: str = ""
    en: str | None = None
    command: dict | None = None  # the assistant's Reply.to_dict(): its text is es
    timings: dict[str, float] = field(default_factory=dict)  # ms after the endpoint

    def to_dict(self) -> dict:
        """Translate and transcribe: {"index","start","end","es"[,"en"],"timings_ms"}. The
        assistant: its reply's own line (the one typed commands get), plus these times."""
        times = {"index": self.index, "start": round(self.start, 2), "end": round(self.end, 2)}
        if self.command is not None:
            return {**self.command, **times, "timings_ms": self.timings}
        out = {**times, "es": self.es}
        if self.en is not None:
            out["en"] = self.en
        return {**out, "timings_ms": self.timings}


@dataclass
class Stats:
    utterances: int = 0
    dropped_blocks: int = 0
    gated_blocks: int = 0
    partial_gaps: list[float] = field(default_factory=list)  # seconds of audio between partials
    timings: list[dict[str, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"utterances": self.utterances,
                               "dropped_blocks": self.dropped_blocks,
                               "gated_blocks": self.gated_blocks}
        if self.partial_gaps:
            out["partial_gap_max_ms"] = round(1000 * max(self.partial_gaps))
        for key in sorted({k for t in self.timings for k in t}):
            out[f"{key}_median"] = round(statistics.median(t[key] for t in self.timings
                                                           if key in t), 1)
        return out


class Microphone:
    def __init__(self, device: Any = None) -> None:
        self.device = device

    def run(self, offer: Callable[[np.ndarray], None], stop: threading.Event,
            block: int) -> None:
        from voice.devices import input_stream

        with input_stream(SAMPLE_RATE, block, lambda data, *_: offer(data[:, 0].copy()),
                          self.device):
            stop.wait()


class Replay:
    """A recording played into the pipeline at real-time pace (speed > 1: faster)."""

    def __init__(self, audio: np.ndarray | str | Path, speed: float = 1.0) -> None:
        self.audio = load_audio(audio) if isinstance(audio, str | Path) else audio
        self.speed = speed

    def run(self, offer: Callable[[np.ndarray], None], stop: threading.Event,
            block: int) -> None:
        start = time.perf_counter()
        for i, offset in enumerate(range(0, len(self.audio), block)):
            due = start + (i + 1) * block / SAMPLE_RATE / self.speed
            if stop.wait(max(0.0, due - time.perf_counter())):
                return
            offer(self.audio[offset:offset + block])


class LivePipeline:
    """run(source) until the source ends or stop() is called; on_partial(text) and
    on_result(Utterance) are called from the worker threads."""

    def __init__(self, recognizer: Recognizer, config: LiveConfig | None = None,
                 respond: Callable[[Utterance], str | None] | None = None,
                 speaker: Speaker | None = None, play: Callable[[Speech], None] | None = None,
                 on_partial: Callable[[str], None] | None = None,
                 on_result: Callable[[Utterance], None] | None = None) -> None:
        self.config = config or LiveConfig()
        self.recognizer = recognizer
        self.respond = respond  # fills in en / intent / reply; returns the text to speak
        self.speaker, self.play = speaker, play
        self.on_partial = on_partial or (lambda text: None)
        self.on_result = on_result or (lambda utterance: None)
        self.block = round(self.config.block * SAMPLE_RATE)
        self.audio: queue.Queue = queue.Queue(
            max(1, round(self.config.queue_seconds / self.config.block)))
        self.texts: queue.Queue = queue.Queue(8)
        self.speaking = threading.Event()
        self.playing = threading.Lock()
        self.stopped = threading.Event()
        self.stats = Stats()
        self.errors: list[BaseException] = []

    def offer(self, block: np.ndarray) -> None:
        """Called by the source (PortAudio's thread for a microphone); never blocks."""
        if self.speaking.is_set():
            self.stats.gated_blocks += 1
            block = np.zeros_like(block)
        try:
            self.audio.put_nowait(block)
        except queue.Full:
            self.stats.dropped_blocks += 1

    def stop(self) -> None:
        self.stopped.set()

    def run(self, source: Microphone | Replay) -> Stats:
        workers = [threading.Thread(target=self._guard, args=(f,), daemon=True)
                   for f in (self._recognise, self._respond)]
        for worker in workers:
            worker.start()
        try:
            source.run(self.offer, self.stopped, self.block)
        except KeyboardInterrupt:
            self.stopped.set()
            raise
        finally:
            self._put(self.audio, _END)
            for worker in workers:
                while worker.is_alive():
                    worker.join(0.1)  # short joins keep Ctrl-C responsive
        if self.errors:
            raise self.errors[0]
        return self.stats

    def _guard(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # surfaced by run() in the main thread
            self.errors.append(error)
            self.stopped.set()

    def _put(self, channel: queue.Queue, item: Any) -> None:
        """Wait for room, unless the run is stopping (then nobody may ever read)."""
        while not self.stopped.is_set():
            try:
                channel.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _get(self, channel: queue.Queue) -> Any:
        """The next item; _END once the run is stopping (Ctrl-C, stop() or a failed worker)."""
        while not self.stopped.is_set():
            try:
                return channel.get(timeout=0.1)
            except queue.Empty:
                continue
        return _END

    def _recognise(self) -> None:
        endpointer = Endpointer(self.config.endpoint)
        streaming = StreamingRecognizer(self.recognizer, self.config.stream)
        parts: list[np.ndarray] = []
        index, start, last_partial = 0, 0.0, 0.0
        while True:
            block = self._get(self.audio)
            if self.stopped.is_set():
                return
            events = endpointer.flush() if block is _END else endpointer.feed(block)
            for event in events:
                if event.kind == "start":
                    streaming.reset()
                    parts, last_partial = [], event.time
                    start = event.time - len(event.samples) / SAMPLE_RATE
                if event.samples is not None:
                    parts.append(event.samples)
                    if streaming.feed(event.samples) is not None:
                        if streaming.done > streaming.chunk:  # the first partial waits
                            self.stats.partial_gaps.append(event.time - last_partial)
                        last_partial = event.time
                        self.on_partial(streaming.partial)
                if event.kind == "end":
                    endpoint = time.perf_counter()
                    transcript = self.recognizer.recognize(np.concatenate(parts))
                    utterance = Utterance(index, start, event.time, transcript.text)
                    utterance.timings["text"] = _ms_since(endpoint)
                    index += 1
                    streaming.reset()
                    self._put(self.texts, (utterance, endpoint))
            if block is _END:
                self._put(self.texts, _END)
                return

    def _respond(self) -> None:
        while (item := self._get(self.texts)) is not _END:
            utterance, endpoint = item
            said = self.respond(utterance) if self.respond and utterance.es else None
            if self.respond:
                utterance.timings["response"] = _ms_since(endpoint)
            if said and self.speaker is not None:
                speech = self.speaker.render(said)
                utterance.timings["first_audio"] = _ms_since(endpoint)
                self._play(speech)
            self.stats.utterances += 1
            self.stats.timings.append(utterance.timings)
            self.on_result(utterance)


    def say(self, text: str) -> None:
        """Speak outside the utterance flow (a timer that finished), with the same gating."""
        if self.speaker is not None:
            self._play(self.speaker.render(text))

    def _play(self, speech: Speech) -> None:
        """Play with the microphone gated, one speech at a time."""
        if self.play is None:
            return
        with self.playing:
            self.speaking.set()
            try:
                self.play(speech)
            finally:
                self.speaking.clear()


def _ms_since(start: float) -> float:
    return round(1000 * (time.perf_counter() - start), 1)
