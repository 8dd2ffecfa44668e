"""Speech to text over Wyoming: `transcribe`, audio-start/chunk/stop -> `transcript`.

The final text is the recogniser's on the whole utterance, exactly what `voice transcribe`
gives for the same audio. While audio comes in, the streaming recogniser's words are sent as
`transcript-chunk` events as soon as they no longer change, and the final text's remaining
words close them; the final text (beam search with the word LM) may spell a streamed word
differently, and the `transcript` event is the one to trust. The order is the protocol's:
transcript-start, chunks, transcript, transcript-stop; clients that do not stream read only
the transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

import numpy as np
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Info

from voice import __version__
from voice.asr.recognizer import Recognizer
from voice.asr.stream import StreamingRecognizer
from voice.audio import SAMPLE_RATE
from voice.errors import VoiceError
from voice.pipeline import LiveConfig
from voice.serve.audio import Pcm16k
from voice.serve.wyoming import ATTRIBUTION, Receive, Send, Service, language_of

LANGUAGE = "es"
MAX_SECONDS = 60.0  # one utterance; a voice command is a few seconds
T = TypeVar("T")


class Asr(Service):
    requests = frozenset({"transcribe"})
    takes_audio = True

    def __init__(self, recognizer: Recognizer, executor: Executor) -> None:
        self.recognizer = recognizer
        self.executor = executor  # the models' one thread: requests take turns

    def describe(self, info: Info) -> None:
        info.asr.append(AsrProgram(
            name="voice", attribution=ATTRIBUTION, installed=True, version=__version__,
            description="voice: Spanish speech recogniser (BiLSTM-CTC, word LM)",
            models=[AsrModel(name="asr-es", attribution=ATTRIBUTION, installed=True,
                             description="Spanish BiLSTM-CTC with beam search over a word LM",
                             version=__version__, languages=[LANGUAGE])],
            supports_transcript_streaming=True))

    def open(self, send: Send) -> Receive:
        return Transcription(self, send).receive

    async def run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


class Transcription:
    """One connection's utterances, one at a time."""

    def __init__(self, asr: Asr, send: Send) -> None:
        self.asr = asr
        self.send = send
        self.streaming: StreamingRecognizer | None = None  # made at the first audio (50 ms)
        self.failed = False  # the current stream was refused: drop its audio until a new one
        self.refused = False  # the request was refused (its language): drop all its audio
        self.reset()

    def reset(self) -> None:
        self.stream: Pcm16k | None = None
        self.blocks: list[np.ndarray] = []
        self.samples = 0
        if self.streaming is not None:
            self.streaming.reset()
        self.sent = 0  # words sent as transcript-chunk events

    async def receive(self, event: Event) -> None:
        if Transcribe.is_type(event.type):
            language = Transcribe.from_event(event).language
            self.reset()
            self.refused = bool(language) and language_of(language) != LANGUAGE
            self.failed = self.refused
            if self.refused:
                raise VoiceError(f"voice recognises Spanish ({LANGUAGE}), not {language!r}")
        elif AudioStart.is_type(event.type):
            self.reset()
            self.failed = self.refused  # the audio of a refused request is dropped
            if not self.failed:
                await self.start(AudioStart.from_event(event))
        elif AudioChunk.is_type(event.type):
            if not self.failed:
                await self.hear(AudioChunk.from_event(event))
        elif AudioStop.is_type(event.type):
            if self.failed:
                self.failed = self.refused = False
            elif self.stream is None:
                raise VoiceError("audio-stop without audio")
            else:
                await self.finish()

    async def start(self, audio: AudioStart | AudioChunk) -> None:
        try:
            self.stream = Pcm16k(audio)
        except VoiceError:
            self.failed = True
            raise
        if self.streaming is None:
            self.streaming = await self.asr.run(StreamingRecognizer, self.asr.recognizer,
                                                LiveConfig().stream)  # `voice listen`'s
        await self.send(TranscriptStart(language=LANGUAGE).event())

    async def hear(self, chunk: AudioChunk) -> None:
        if self.stream is None:  # a client that skips audio-start: its chunks say the format
            await self.start(chunk)
        try:
            block = self.stream.convert(chunk)
            if self.samples + len(block) > MAX_SECONDS * SAMPLE_RATE:
                raise VoiceError(f"utterance over {MAX_SECONDS:.0f} s; send audio-stop sooner")
        except VoiceError:
            self.reset()
            self.failed = True
            raise
        self.blocks.append(block)
        self.samples += len(block)
        words = await self.asr.run(self._stable_words, block)
        if words is not None:
            await self.extend(words)

    def _stable_words(self, block: np.ndarray) -> list[str] | None:
        """On the models' thread: the block fed to the streaming recogniser, then, when it
        committed frames, the whole words of all committed frames: their best path only grows
        as frames are committed, so each word is sent once, as the streaming recogniser first
        heard it."""
        if self.streaming.feed(block) is None:
            return None
        heard = self.asr.recognizer.greedy(np.concatenate(self.streaming.committed))
        return heard[:heard.rfind(" ") + 1].split()

    async def extend(self, words: list[str]) -> None:
        """Send the words past those sent so far: the chunks, joined, have every word once."""
        new = words[self.sent:]
        if new:
            await self.send(TranscriptChunk(text=" " * bool(self.sent) + " ".join(new)).event())
            self.sent += len(new)

    async def finish(self) -> None:
        audio = np.concatenate([*self.blocks, self.stream.flush()])
        text = ""
        if len(audio):
            text = (await self.asr.run(self.asr.recognizer.recognize, audio)).text
        await self.extend(text.split())
        self.reset()
        await self.send(Transcript(text=text, language=LANGUAGE).event())
        await self.send(TranscriptStop().event())
