"""A Wyoming client's PCM in (any rate, 8-32 bit, any channels) and speech out as PCM chunks.

Incoming audio becomes 16 kHz mono float32 the way `voice.audio.load_audio` reads a file
(channels averaged, soxr HQ resampling), so the server hears what `voice transcribe` hears.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import soxr
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioFormat

from voice.audio import SAMPLE_RATE
from voice.errors import VoiceError
from voice.tts import Speech

RATES = (8_000, 192_000)  # Hz accepted from clients
MAX_CHANNELS = 8
CHUNK_SAMPLES = 1024  # per audio-chunk sent: what Wyoming's own servers send


def check_format(audio: AudioFormat) -> None:
    """VoiceError naming the problem when a client's audio format cannot be PCM we read."""
    if not isinstance(audio.rate, int) or not RATES[0] <= audio.rate <= RATES[1]:
        raise VoiceError(f"audio rate {audio.rate!r}: {RATES[0]}-{RATES[1]} Hz supported")
    if audio.width not in (1, 2, 3, 4):
        raise VoiceError(f"audio width {audio.width!r}: 1-4 bytes (8-32 bit PCM) supported")
    if not isinstance(audio.channels, int) or not 1 <= audio.channels <= MAX_CHANNELS:
        raise VoiceError(f"audio channels {audio.channels!r}: 1-{MAX_CHANNELS} supported")


class Pcm16k:
    """One stream of a client's PCM -> 16 kHz mono float32 blocks; the stream's format is
    fixed by its first event, since the resampler carries state from chunk to chunk."""

    def __init__(self, audio: AudioFormat) -> None:
        check_format(audio)
        self.format = AudioFormat(audio.rate, audio.width, audio.channels)
        self.widen = AudioChunkConverter(width=4)  # any width -> int32, full precision
        self.resampler = (None if audio.rate == SAMPLE_RATE else
                          soxr.ResampleStream(audio.rate, SAMPLE_RATE, 1, "float32", "HQ"))

    def convert(self, chunk: AudioChunk) -> np.ndarray:
        if AudioFormat(chunk.rate, chunk.width, chunk.channels) != self.format:
            raise VoiceError(f"audio format changed mid-stream ({chunk.rate} Hz, {chunk.width} "
                             f"bytes, {chunk.channels} channels; the stream started as "
                             f"{self.format.rate} Hz, {self.format.width} bytes, "
                             f"{self.format.channels} channels)")
        if len(chunk.audio) % (chunk.width * chunk.channels):
            raise VoiceError(f"audio chunk of {len(chunk.audio)} bytes is not whole "
                             f"{chunk.width}-byte samples on {chunk.channels} channels")
        wide = np.frombuffer(self.widen.convert(chunk).audio, dtype="<i4")
        mono = (wide.astype(np.float32) / 2**31).reshape(-1, chunk.channels).mean(axis=1)
        return self._resample(mono, last=False)

    def flush(self) -> np.ndarray:
        """What the resampler still holds, at the end of the stream."""
        return self._resample(np.zeros(0, np.float32), last=True)

    def _resample(self, mono: np.ndarray, last: bool) -> np.ndarray:
        if self.resampler is None:
            return np.ascontiguousarray(mono, dtype=np.float32)
        return self.resampler.resample_chunk(mono, last=last)


def pcm16(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1] -> 16-bit little-endian PCM."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def speech_chunks(speech: Speech) -> Iterator[AudioChunk]:
    """Speech as 16-bit mono PCM chunks."""
    pcm = pcm16(speech.samples)
    step = CHUNK_SAMPLES * 2
    for start in range(0, len(pcm), step):
        yield AudioChunk(rate=speech.rate, width=2, channels=1, audio=pcm[start:start + step])
