"""`voice bench serve`: N Wyoming clients stream a recording at real-time pace into one
server, as satellites would; how long each waits from audio-stop to its transcript, and how
much audio a real-time source would have lost."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from voice.audio import SAMPLE_RATE, load_audio
from voice.serve.audio import CHUNK_SAMPLES, pcm16
from voice.serve.wyoming import Service, background

# A source that cannot wait (a microphone) keeps this much unsent audio, then drops it.
BUFFER_SECONDS = 1.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # audio-stop -> transcript, s
    first_words: list[float] = field(default_factory=list)  # first audio -> first chunk, s
    dropped: float = 0.0  # seconds of audio sent over BUFFER_SECONDS late
    wrong: int = 0  # transcripts missing or unlike the recording's own (all must be equal)


async def _utterance(uri: str, pcm: bytes, expected: str, tally: Tally) -> None:
    chunk_seconds = CHUNK_SAMPLES / SAMPLE_RATE
    async with AsyncClient.from_uri(uri, read_timeout=60) as client:
        await client.write_event(Transcribe(language="es").event())
        await client.write_event(AudioStart(SAMPLE_RATE, 2, 1).event())
        began = time.perf_counter()
        heard: dict[str, float] = {}
        text = ""

        async def read() -> None:
            nonlocal text
            while (event := await client.read_event()) is not None:
                if TranscriptChunk.is_type(event.type):
                    heard.setdefault("first", time.perf_counter())
                elif Transcript.is_type(event.type):
                    heard["final"], text = time.perf_counter(), Transcript.from_event(event).text
                elif TranscriptStop.is_type(event.type) or event.type == "error":
                    return

        reading = asyncio.create_task(read())
        step = CHUNK_SAMPLES * 2
        for k, start in enumerate(range(0, len(pcm), step)):
            due = began + k * chunk_seconds
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await client.write_event(AudioChunk(SAMPLE_RATE, 2, 1, pcm[start:start + step])
                                     .event())
            if time.perf_counter() - due > BUFFER_SECONDS:
                tally.dropped += chunk_seconds
        stopped = time.perf_counter()
        await client.write_event(AudioStop().event())
        await reading
    if "final" in heard:
        tally.latencies.append(heard["final"] - stopped)
    if "first" in heard:
        tally.first_words.append(heard["first"] - began)
    tally.wrong += text != expected


def _ms(values: list[float], q: float) -> float | None:
    return round(1000 * float(np.percentile(values, q)), 1) if values else None


def bench_serve(offered: list[Service], recording: Path, clients: int = 1,
                rounds: int = 5) -> dict:
    """Each of `clients` sends the recording `rounds` times, all at once, at real-time pace,
    to a server of the services (the recogniser first, as `services.load` gives them)."""
    audio = load_audio(recording)
    pcm = pcm16(audio)
    # what the server must answer: the recogniser on the 16-bit audio it is sent
    expected = offered[0].recognizer.recognize(
        np.frombuffer(pcm, "<i2").astype(np.float32) / 32768).text
    tally = Tally()

    async def client(uri: str) -> None:
        for _ in range(rounds):
            await _utterance(uri, pcm, expected, tally)

    with background(offered) as uri:
        async def everyone() -> None:
            await asyncio.gather(*(client(uri) for _ in range(clients)))

        asyncio.run(everyone())
    return {"recording": str(recording), "seconds": round(len(audio) / SAMPLE_RATE, 2),
            "clients": clients, "utterances": clients * rounds,
            "latency_ms_p50": _ms(tally.latencies, 50), "latency_ms_p90": _ms(tally.latencies, 90),
            "latency_ms_max": _ms(tally.latencies, 100),
            "first_words_ms_p50": _ms(tally.first_words, 50),
            "dropped_seconds": round(tally.dropped, 2), "wrong_transcripts": tally.wrong}
