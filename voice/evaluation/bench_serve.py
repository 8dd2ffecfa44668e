"""`voice bench serve`: N clients stream a recording at real-time pace into one server, as
satellites (Wyoming) or browsers (the web app's WebSocket) would; how long each waits from the
end of its audio to the final text, and how much audio a real-time source would have lost.

One timing loop drives every protocol; a protocol is a small client adapter (`Client`) that
sends audio frames, says the stream ended, and reports what comes back."""

from __future__ import annotations

import asyncio
import json
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from voice.audio import SAMPLE_RATE, load_audio
from voice.choices import Mode
from voice.pipeline import Utterance
from voice.serve import web, wyoming
from voice.serve.audio import CHUNK_SAMPLES, pcm16
from voice.serve.stages import Stages

# A source that cannot wait (a microphone) keeps this much unsent audio, then drops it.
BUFFER_SECONDS = 1.0
TIMEOUT = 60.0  # seconds a client waits for any reply


@dataclass(frozen=True)
class Final:
    """The answer to one utterance: the Spanish, and the English where the protocol sends it."""

    es: str
    en: str | None = None


class Client(ABC):
    """One utterance's connection as a protocol's client makes it."""

    frame: int  # samples per audio message
    dropped = 0.0  # seconds of audio the server says it dropped

    @abstractmethod
    async def send(self, pcm: bytes) -> None:
        """One frame of 16 kHz mono 16-bit PCM."""

    @abstractmethod
    async def stop(self) -> None:
        """The audio has ended."""

    @abstractmethod
    def replies(self) -> AsyncIterator[Final | None]:
        """None for each streamed partial, the Final when it comes; ends with the stream."""


Connect = Callable[[], AbstractAsyncContextManager[Client]]


class WyomingClient(Client):
    """Home Assistant's way: transcribe, audio-start, chunks, audio-stop -> transcript."""

    frame = CHUNK_SAMPLES

    def __init__(self, connection: AsyncClient) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def connect(cls, uri: str) -> AsyncIterator[Client]:
        async with AsyncClient.from_uri(uri, read_timeout=TIMEOUT) as connection:
            await connection.write_event(Transcribe(language="es").event())
            await connection.write_event(AudioStart(SAMPLE_RATE, 2, 1).event())
            yield cls(connection)

    async def send(self, pcm: bytes) -> None:
        await self.connection.write_event(AudioChunk(SAMPLE_RATE, 2, 1, pcm).event())

    async def stop(self) -> None:
        await self.connection.write_event(AudioStop().event())

    async def replies(self) -> AsyncIterator[Final | None]:
        while (event := await self.connection.read_event()) is not None:
            if TranscriptChunk.is_type(event.type):
                yield None
            elif Transcript.is_type(event.type):
                yield Final(Transcript.from_event(event).text)
            elif TranscriptStop.is_type(event.type) or event.type == "error":
                return


class WebClient(Client):
    """The page's way: /ws?mode=translate, PCM frames, {"type": "stop"} -> the utterance
    message (Spanish and English together), then the end message with the dropped blocks."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, ready: dict) -> None:
        self.socket = socket
        self.frame = ready["frame"]

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str) -> AsyncIterator[Client]:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"{url}/ws?mode={Mode.translate.value}",
                                   timeout=aiohttp.ClientWSTimeout(ws_receive=TIMEOUT)) as socket:
            yield cls(socket, await socket.receive_json())

    async def send(self, pcm: bytes) -> None:
        await self.socket.send_bytes(pcm)

    async def stop(self) -> None:
        await self.socket.send_str(json.dumps({"type": "stop"}))

    async def replies(self) -> AsyncIterator[Final | None]:
        async for message in self.socket:  # until the server closes it
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue  # the English, spoken (WAV)
            content = json.loads(message.data)
            if content["type"] == "partial":
                yield None
            elif content["type"] == "utterance":
                yield Final(content["es"], content.get("en"))
            elif content["type"] == "end":
                self.dropped = content.get("dropped_blocks", 0) * self.frame / SAMPLE_RATE
                return


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # end of audio -> final text, s
    first_words: list[float] = field(default_factory=list)  # first audio -> first partial, s
    dropped: float = 0.0  # seconds of audio sent over BUFFER_SECONDS late, or dropped by the server
    wrong: int = 0  # answers missing or unlike the recording's own (all must be equal)


async def _utterance(connect: Connect, pcm: bytes, expected: Final, tally: Tally) -> None:
    async with connect() as client:
        heard: dict[str, float] = {}
        final: Final | None = None

        async def read() -> None:
            nonlocal final
            async for reply in client.replies():
                if reply is None:
                    heard.setdefault("first", time.perf_counter())
                else:
                    heard["final"], final = time.perf_counter(), reply

        reading = asyncio.create_task(read())
        frame_seconds = client.frame / SAMPLE_RATE
        step = client.frame * 2
        began = time.perf_counter()
        for k, start in enumerate(range(0, len(pcm), step)):
            due = began + k * frame_seconds
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await client.send(pcm[start:start + step])
            if time.perf_counter() - due > BUFFER_SECONDS:
                tally.dropped += frame_seconds
        stopped = time.perf_counter()
        await client.stop()
        await reading
    if "final" in heard:
        tally.latencies.append(heard["final"] - stopped)
    if "first" in heard:
        tally.first_words.append(heard["first"] - began)
    tally.dropped += client.dropped
    tally.wrong += final != expected


def _ms(values: list[float], q: float) -> float | None:
    return round(1000 * float(np.percentile(values, q)), 1) if values else None


def _run(protocol: str, connect: Connect, pcm: bytes, expected: Final, clients: int,
         rounds: int) -> dict:
    """Each of `clients` sends the recording `rounds` times, all at once, at real-time pace."""
    tally = Tally()

    async def client() -> None:
        for _ in range(rounds):
            await _utterance(connect, pcm, expected, tally)

    async def everyone() -> None:
        await asyncio.gather(*(client() for _ in range(clients)))

    asyncio.run(everyone())
    return {"protocol": protocol, "final": "es" if expected.en is None else "es+en",
            "clients": clients, "utterances": clients * rounds,
            "latency_ms_p50": _ms(tally.latencies, 50), "latency_ms_p90": _ms(tally.latencies, 90),
            "latency_ms_max": _ms(tally.latencies, 100),
            "first_words_ms_p50": _ms(tally.first_words, 50),
            "dropped_seconds": round(tally.dropped, 2), "wrong_answers": tally.wrong}


def _recording(recording: Path) -> tuple[bytes, np.ndarray, dict]:
    """The PCM every client sends, the samples the server hears from it, and their labels."""
    audio = load_audio(recording)
    pcm = pcm16(audio)
    heard = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768
    return pcm, heard, {"recording": str(recording), "seconds": round(len(audio) / SAMPLE_RATE, 2)}


def bench_wyoming(offered: list[wyoming.Service], recording: Path, clients: int = 1,
                  rounds: int = 5) -> dict:
    """A Wyoming server of the services (the recogniser first, as `services.load` gives
    them); the answer must be the recogniser's on the whole recording."""
    pcm, heard, labels = _recording(recording)
    expected = Final(offered[0].recognizer.recognize(heard).text)
    with wyoming.background(offered) as uri:
        return {**labels, **_run("wyoming", lambda: WyomingClient.connect(uri), pcm, expected,
                                 clients, rounds)}


def bench_web(stages: Stages, recording: Path, clients: int = 1, rounds: int = 5) -> dict:
    """The browser app's server, its live translate stream; the answer must be the
    recogniser's Spanish and the translate mode's English of it."""
    pcm, heard, labels = _recording(recording)
    utterance = Utterance(0, 0.0, 0.0, stages.recognizer.recognize(heard).text)
    stages.respond_for(Mode.translate)(utterance)  # fills in the English, as the stream does
    expected = Final(utterance.es, utterance.en)
    with web.background(stages) as url:
        return {**labels, **_run("web", lambda: WebClient.connect(url), pcm, expected, clients,
                                 rounds)}
