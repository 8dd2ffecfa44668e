"""Microphone and speaker streams through sounddevice, with one-line errors when there is no
PortAudio, no device, or a device that refuses the format."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from voice.errors import MissingPackageError, VoiceError


def _sounddevice():
    try:
        import sounddevice
    except OSError:  # the Python package is there; the PortAudio library is not
        raise MissingPackageError("audio input/output", "libportaudio2") from None
    return sounddevice


@contextlib.contextmanager
def _opened(kind: str, device: Any, factory: Callable[[Any], Any]) -> Iterator[Any]:
    sd = _sounddevice()
    try:
        stream = factory(sd)
        stream.start()
    except (sd.PortAudioError, ValueError) as error:
        name = "default" if device is None else repr(device)
        raise VoiceError(f"audio {kind} device {name}: {error} (list devices: "
                         "python -m sounddevice)") from None
    try:
        yield stream
    finally:
        stream.stop()
        stream.close()


def input_stream(rate: int, block: int, callback: Callable, device: Any = None):
    """A started mono float32 microphone stream that calls callback(indata, frames, time,
    status) from PortAudio's thread."""
    return _opened("input", device, lambda sd: sd.InputStream(
        samplerate=rate, blocksize=block, channels=1, dtype="float32", callback=callback,
        device=device))


def output_stream(rate: int, device: Any = None):
    """A started mono float32 output stream (blocking writes)."""
    return _opened("output", device, lambda sd: sd.OutputStream(
        samplerate=rate, channels=1, dtype="float32", device=device))


def check_output(rate: int = 22_050, device: Any = None) -> None:
    """Fail now, in one line, if speech could not be played later."""
    sd = _sounddevice()
    try:
        sd.check_output_settings(device=device, channels=1, samplerate=rate, dtype="float32")
    except (sd.PortAudioError, ValueError) as error:
        name = "default" if device is None else repr(device)
        raise VoiceError(f"audio output device {name}: {error} (list devices: "
                         "python -m sounddevice; or --no-speak)") from None
