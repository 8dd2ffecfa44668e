"""`voice serve wyoming`: a real server on a free port, spoken to with the wyoming package's
own client, the way Home Assistant speaks to it."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from tests.conftest import needs
from voice.app import load
from voice.audio import load_audio
from voice.evaluation.bench_serve import bench_wyoming
from voice.serve import services
from voice.serve.audio import Pcm16k
from voice.serve.wyoming import MAX_EVENT_BYTES, background

speech = needs("espeak-ng", "espeak-ng")
SAMPLE = Path("assets/samples/conf-waitforleader.wav")
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def offered(tmp_path_factory):
    """The services of `voice serve wyoming`, loaded once."""
    return services.load(load(state=tmp_path_factory.mktemp("serve") / "state.sqlite3"))


@pytest.fixture(scope="module")
def server(offered):
    """The server of `voice serve wyoming`, on its own thread and event loop, as in use."""
    with background(offered) as uri:
        yield int(uri.rsplit(":", 1)[1]), offered[0].recognizer


def client(port: int) -> AsyncTcpClient:
    return AsyncTcpClient("127.0.0.1", port, read_timeout=TIMEOUT)


async def until(connection: AsyncTcpClient, *types: str) -> list[Event]:
    """Events read up to and including the first of one of types."""
    events = []
    while True:
        event = await connection.read_event()
        assert event is not None, f"connection closed before {types}: {events}"
        events.append(event)
        if event.type in types:
            return events


def pcm_chunks(path: Path, samples: int = 1024) -> tuple[AudioStart, list[AudioChunk]]:
    with wave.open(str(path), "rb") as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        frames = wav.readframes(wav.getnframes())
    step = samples * width * channels
    return (AudioStart(rate, width, channels),
            [AudioChunk(rate, width, channels, frames[i:i + step])
             for i in range(0, len(frames), step)])


async def transcribe(port: int, path: Path) -> tuple[str, list[Event]]:
    """Send a recording as Home Assistant does; (final text, every event received)."""
    start, chunks = pcm_chunks(path)
    async with client(port) as connection:
        await connection.write_event(Transcribe(language="es").event())
        await connection.write_event(start.event())
        for chunk in chunks:
            await connection.write_event(chunk.event())
        await connection.write_event(AudioStop().event())
        events = await until(connection, TranscriptStop().event().type)
    [final] = [Transcript.from_event(e).text for e in events if Transcript.is_type(e.type)]
    return final, events


def describe(port: int) -> Info:
    async def talk():
        async with client(port) as connection:
            await connection.write_event(Describe().event())
            return Info.from_event((await until(connection, "info"))[-1])

    return asyncio.run(talk())


@speech
def test_describe_lists_spanish_asr_voices_and_commands(server):
    info = describe(server[0])
    assert [m.languages for m in info.asr[0].models] == [["es"]]
    assert info.asr[0].supports_transcript_streaming
    assert sorted(v.languages[0] for v in info.tts[0].voices) == ["en", "es"]
    assert [m.languages for m in info.handle[0].models] == [["es"]]


def test_transcript_is_what_voice_transcribe_gives(server):
    port, recognizer = server
    expected = recognizer.recognize(load_audio(SAMPLE)).text
    text, events = asyncio.run(transcribe(port, SAMPLE))
    assert text == expected and text
    types = [e.type for e in events]
    assert types[0] == TranscriptStart().event().type and types[-1] == "transcript-stop"
    chunks = [TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk"]
    # every word once: as streamed while speaking, then the final text's remaining words
    streamed = "".join(chunks).split()
    assert len(chunks) >= 2 and len(streamed) == len(text.split())
    assert streamed[-1] == text.split()[-1]


def test_words_stream_while_audio_still_comes(server):
    """transcript-chunk events arrive before the client has sent audio-stop."""
    start, chunks = pcm_chunks(SAMPLE)

    async def talk():
        async with client(server[0]) as connection:
            await connection.write_event(Transcribe().event())
            await connection.write_event(start.event())
            for chunk in chunks:
                await connection.write_event(chunk.event())
            early = await until(connection, "transcript-chunk")
            await connection.write_event(AudioStop().event())
            return early, await until(connection, "transcript-stop")

    early, rest = asyncio.run(talk())
    assert TranscriptChunk.from_event(early[-1]).text.strip()
    assert "transcript" in [e.type for e in rest]


def test_any_rate_width_and_channels_become_16k_mono(server, tmp_path):
    """44.1 kHz stereo int16 is heard as `voice transcribe` hears that file, and (the encoder
    recogniser being the default) gets the transcript of the original recording."""
    port, recognizer = server
    mono = load_audio(SAMPLE)
    high = soxr.resample(mono, 16_000, 44_100)
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.stack([high, 0.5 * high], axis=1), 44_100, subtype="PCM_16")
    expected = recognizer.recognize(load_audio(stereo)).text
    text, _ = asyncio.run(transcribe(port, stereo))
    assert text == expected and text
    assert text == recognizer.recognize(mono).text


def test_converter_matches_the_file_reader(tmp_path):
    stereo = tmp_path / "stereo.wav"
    t = np.arange(22_050 * 2) / 22_050
    sf.write(stereo, np.stack([np.sin(440 * t), np.cos(300 * t)], 1) * 0.4, 22_050,
             subtype="PCM_24")
    start, chunks = pcm_chunks(stereo, samples=1000)
    converter = Pcm16k(start)
    heard = np.concatenate([*(converter.convert(c) for c in chunks), converter.flush()])
    read = load_audio(stereo)
    assert abs(len(heard) - len(read)) <= 1
    n = min(len(heard), len(read))
    assert np.abs(heard[:n] - read[:n]).max() < 1e-3


@speech
def test_synthesize_speaks_spanish_or_english(server):
    async def speak(voice: SynthesizeVoice | None) -> tuple[AudioStart, bytes]:
        async with client(server[0]) as connection:
            await connection.write_event(Synthesize("hola, buenos días", voice).event())
            events = await until(connection, "audio-stop", "error")
        assert events[0].type == "audio-start", events
        audio = b"".join(AudioChunk.from_event(e).audio for e in events if e.type == "audio-chunk")
        return AudioStart.from_event(events[0]), audio

    start, spanish = asyncio.run(speak(None))
    _, english = asyncio.run(speak(SynthesizeVoice(language="en-US")))
    assert (start.width, start.channels) == (2, 1)
    assert len(spanish) / 2 / start.rate > 0.5  # over half a second of speech
    assert spanish != english and len(english) > 0

    async def unknown():
        async with client(server[0]) as connection:
            await connection.write_event(Synthesize("bonjour", SynthesizeVoice(
                language="fr")).event())
            return (await until(connection, "error", "audio-stop"))[-1]

    assert "fr" in Error.from_event(asyncio.run(unknown())).text


async def handle(port: int, text: str) -> Event:
    """The handle service's answer to one Spanish transcript."""
    async with client(port) as connection:
        await connection.write_event(Transcript(text, language="es").event())
        return (await until(connection, "handled", "not-handled", "error"))[-1]


def test_handle_acts_on_a_command_and_declines_the_rest(server):
    done = asyncio.run(handle(server[0], "pon un temporizador de cinco minutos"))
    assert Handled.is_type(done.type) and Handled.from_event(done).text
    declined = asyncio.run(handle(server[0], "cuéntame un chiste sobre gatos"))
    assert NotHandled.is_type(declined.type) and NotHandled.from_event(declined).text


def test_a_timer_set_over_wyoming_is_announced_on_stderr_when_it_ends(server, caplog):
    caplog.set_level(logging.WARNING, logger="voice.serve.handle")
    started = asyncio.run(handle(server[0], "pon un temporizador de dos segundos"))
    assert Handled.is_type(started.type)
    for _ in range(100):  # it ends two seconds later; the announcer looks every second
        if any("terminado" in r.getMessage() for r in caplog.records):
            break
        time.sleep(0.1)
    assert any("temporizador" in r.getMessage() and "terminado" in r.getMessage()
               for r in caplog.records)


async def raw(port: int, data: bytes) -> list[Event]:
    """Send raw bytes; the events the server answers with until it closes (or goes quiet)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    events = []
    try:
        while (event := await asyncio.wait_for(async_read_event(reader), 5)) is not None:
            events.append(event)
    except TimeoutError:
        pass
    writer.close()
    return events


@pytest.mark.parametrize("data, code", [
    (b"this is not json\n", "malformed"),
    (b'{"data": {"text": "no type"}}\n', "malformed"),
    (b'{"type": "audio-chunk", "payload_length": %d}\n' % (MAX_EVENT_BYTES + 1), "too-large"),
])
def test_broken_events_get_an_error_and_a_closed_connection(server, data, code, caplog):
    events = asyncio.run(raw(server[0], data))
    assert [(e.type, e.data.get("code")) for e in events] == [("error", code)]
    [line] = [r.getMessage() for r in caplog.records if r.name == "voice.serve.wyoming"]
    assert line.startswith("voice: 127.0.0.1:") and "\n" not in line
    assert describe(server[0]).asr  # the next client is answered


def test_bad_requests_get_an_error_and_the_connection_goes_on(server):
    start, chunks = pcm_chunks(SAMPLE)

    async def talk():
        async with client(server[0]) as connection:
            replies = []
            for bad in (AudioStop().event(),
                        AudioStart(rate=16_000, width=5, channels=1).event(),
                        Event("synthesize", {"no": "text"}),
                        Transcribe(language="en").event()):
                await connection.write_event(bad)
                replies.append((await until(connection, "error"))[-1])
            for event in (start, *chunks[:20], AudioStop()):  # the refused request's audio
                await connection.write_event(event.event())
            await connection.write_event(Describe().event())
            answered = await until(connection, "info")
            return [Error.from_event(e) for e in replies], [e.type for e in answered]

    (stop, width, missing, english), answered = asyncio.run(talk())
    assert "without" in stop.text and "width" in width.text and missing.code == "malformed"
    assert "'en'" in english.text
    assert answered == ["info"]  # the refused request's audio got no transcript


def test_a_client_vanishing_mid_stream_leaves_the_server_answering(server, caplog):
    start, chunks = pcm_chunks(SAMPLE)

    async def vanish():
        reader, writer = await asyncio.open_connection("127.0.0.1", server[0])
        for event in (start.event(), chunks[0].event()):
            writer.write(b'{"type": "%s", "data": {"rate": 16000, "width": 2, "channels": 1}'
                         b', "payload_length": %d}\n' % (event.type.encode(),
                                                          len(event.payload or b"")))
            writer.write(event.payload or b"")
        writer.write(b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, '
                     b'"channels": 1}, "payload_length": 2048}\n' + b"\0" * 100)
        await writer.drain()
        writer.transport.abort()

    asyncio.run(vanish())
    expected = server[1].recognize(load_audio(SAMPLE)).text
    assert asyncio.run(transcribe(server[0], SAMPLE))[0] == expected
    assert any("connection lost" in r.getMessage() for r in caplog.records)


def test_bench_streams_clients_in_real_time(offered):
    result = bench_wyoming(offered, SAMPLE, clients=2, rounds=1)
    assert result["protocol"] == "wyoming" and result["final"] == "es"
    assert result["utterances"] == 2 and result["wrong_answers"] == 0
    assert result["dropped_seconds"] == 0 and 0 < result["latency_ms_p50"] < 5_000
    assert result["first_words_ms_p50"] < 1000 * result["seconds"]  # words came while speaking


def test_a_missing_profile_is_one_line_before_the_models_load(tmp_path):
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "voice", "serve", "wyoming", "--profile",
                             "nobody"], env={**os.environ, "VOICE_PROFILES": str(tmp_path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"voice: error: no profile 'nobody' in {tmp_path} ")
    assert time.perf_counter() - started < 20  # refused before the models load


@pytest.mark.parametrize("server", ["wyoming", "web"])
def test_a_port_in_use_is_one_line_before_the_models_load(server):
    """Both servers (`serve web` checks its port the same way)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        address = ["--uri", f"tcp://127.0.0.1:{port}"] if server == "wyoming" else \
            ["--port", str(port)]
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "voice", "serve", server, *address],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == f"voice: error: cannot listen on 127.0.0.1:{port}: Address " \
                            "already in use\n"
    assert time.perf_counter() - started < 20  # refused before the models load
