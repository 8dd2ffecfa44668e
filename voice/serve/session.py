"""One browser's live stream: 16 kHz PCM frames from a WebSocket -> the `LivePipeline` of
`voice listen` (on threads of its own) -> partials, results and speech back to the socket.

The socket side runs on the event loop; the pipeline calls back from its worker threads, so
every message goes through the loop (`call_soon_threadsafe`) to one sender. Times in the
messages are seconds of this stream (its first sample is 0), so the page can tell how long
after the audio it sent each message came.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import soundfile as sf

from voice.audio import SAMPLE_RATE
from voice.choices import Mode
from voice.errors import VoiceError
from voice.pipeline import LivePipeline, Utterance
from voice.serve.stages import Stages
from voice.tts import Speech

log = logging.getLogger(__name__)
MAX_FRAME_BYTES = 64 * 1024  # 2 s of 16-bit audio; the page sends 32 ms frames
_END = None


class SocketSource:
    """The pipeline's audio source: the socket's blocks, in order, until the stream ends."""

    def __init__(self) -> None:
        self.blocks: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()

    def put(self, block: np.ndarray | None) -> None:
        self.blocks.put(block)

    def run(self, offer: Callable[[np.ndarray], None], stop: threading.Event,
            block: int) -> None:
        while not stop.is_set():
            try:
                item = self.blocks.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _END:
                return
            offer(item)


def pcm16_samples(frame: bytes) -> np.ndarray:
    """16-bit little-endian mono PCM -> float32 in [-1, 1]; VoiceError when it is not."""
    if len(frame) % 2:
        raise VoiceError(f"audio frame of {len(frame)} bytes: 16-bit PCM has an even length")
    return np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32768.0


def wav_bytes(speech: Speech) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, speech.samples, speech.rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class Session:
    """feed(frame) while audio comes, end() when the client says it stopped, stop() when it
    left; `done` finishes with the pipeline's stats once its threads have ended."""

    def __init__(self, stages: Stages, mode: Mode, send: Callable[[str | bytes], None],
                 loop: asyncio.AbstractEventLoop) -> None:
        self.mode = mode
        self.loop = loop
        self._send = send
        self.source = SocketSource()
        self.pipeline = LivePipeline(
            stages.recognizer_for(mode), stages.config, self._responding(stages.respond_for(mode)),
            stages.speaker_for(mode), self._play, self._partial, self._result)
        self.hangover = stages.config.endpoint.hangover
        self.block = self.pipeline.block
        self.pending = np.zeros(0, np.float32)
        self.offered = 0  # samples handed to the pipeline
        self.done: asyncio.Future[dict] = loop.create_future()
        threading.Thread(target=self._run, name=f"voice-web-{mode.value}", daemon=True).start()

    def feed(self, frame: bytes) -> None:
        """Re-block to the pipeline's block size, so a block's place in the stream is exact."""
        self.pending = np.concatenate([self.pending, pcm16_samples(frame)])
        whole = len(self.pending) // self.block * self.block
        for start in range(0, whole, self.block):
            self.source.put(self.pending[start:start + self.block])
            self.offered += self.block
        self.pending = self.pending[whole:]

    def end(self) -> None:
        """The client stopped: what it sent is finished (an open utterance is closed)."""
        if len(self.pending):
            self.source.put(self.pending)
            self.offered += len(self.pending)
            self.pending = self.pending[:0]
        self.source.put(_END)

    def stop(self) -> None:
        """The client left: stop at once; queued utterances go unanswered."""
        self.pipeline.stop()
        self.source.put(_END)

    def announce(self, text: str) -> None:
        """Say something outside the utterance flow (a finished timer): its text, then its
        speech; called from the assistant's announcer thread."""
        self._message("announcement", announcement=text)
        self.pipeline.say(text)

    def _run(self) -> None:
        try:
            summary = {"ok": True, **self.pipeline.run(self.source).summary()}
        except Exception as error:  # a stage failed: this stream ends, the server goes on
            log.warning("voice: live %s stream failed (%s: %s)", self.mode.value,
                        type(error).__name__, error)
            summary = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        self._call(self._settle, summary)

    def _settle(self, summary: dict) -> None:
        if not self.done.done():
            self.done.set_result(summary)

    def _call(self, function: Callable[..., Any], *args: Any) -> None:
        """Run on the event loop; a loop that has closed (server stopping) drops it."""
        try:
            self.loop.call_soon_threadsafe(function, *args)
        except RuntimeError:
            pass

    def _message(self, kind: str, **fields: Any) -> None:
        self._call(self._send, json.dumps({"type": kind, **fields}, ensure_ascii=False))

    def heard(self) -> float:
        """Seconds of stream the recogniser has taken in (to a block): what the client sent,
        less what still waits in the pipeline's queue."""
        return (self.offered - self.pipeline.audio.qsize() * self.block) / SAMPLE_RATE

    def _partial(self, text: str) -> None:
        self._message("partial", text=text, audio=round(self.heard(), 3))

    def _responding(self, respond: Callable[[Utterance], str] | None
                    ) -> Callable[[Utterance], str] | None:
        """The mode's response, with its text sent as soon as it exists (before speech)."""
        if respond is None:
            return None

        def answer(utterance: Utterance) -> str:
            said = respond(utterance)
            self._message("utterance", speech_end=round(utterance.end - self.hangover, 3),
                          **utterance.to_dict())
            return said

        return answer

    def _play(self, speech: Speech) -> None:
        """The speech goes to the page, which plays it (the pipeline gates the input
        meanwhile only for as long as sending takes: the browser cancels its own echo)."""
        self._call(self._send, wav_bytes(speech))

    def _result(self, utterance: Utterance) -> None:
        if self.pipeline.respond is None and utterance.es:  # transcribe: the text is all
            self._message("utterance", speech_end=round(utterance.end - self.hangover, 3),
                          **utterance.to_dict())
        self._message("timings", index=utterance.index, timings_ms=utterance.timings)
