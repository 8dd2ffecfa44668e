"""Apertium, the rule-based translator: the baseline every evaluation prints, the source of
back-translations, and the draft that the post-editing translator reads beside the Spanish.

A fresh `apertium` loads its transducers on every call (0.3 s), too slow for a live
translation. Here each language pair's pipeline runs once, in null-flush mode: a call sends
its text, ended by a NUL, and reads up to the NUL that comes back (tens of milliseconds).
The text (de)formatters, small programs, run per call as `apertium -f txt` runs them.
"""

from __future__ import annotations

import os
import subprocess
import threading
from functools import cache
from pathlib import Path

from voice.errors import VoiceError

MODES = Path("/usr/share/apertium/modes")
_MISSING = "apertium is not installed: apt-get install apertium apertium-eng-spa"


def _run(command: list[str], data: bytes) -> bytes:
    try:
        return subprocess.run(command, input=data, capture_output=True, check=True).stdout
    except FileNotFoundError:
        raise VoiceError(_MISSING) from None
    except subprocess.CalledProcessError as error:
        raise VoiceError(f"{command[0]} failed: {error.stderr.decode().strip()[:200]}") from None


class Pipeline:
    """One language pair's Apertium pipeline, kept running; calls from several threads take
    turns. A pipeline that dies is started again by the next call."""

    def __init__(self, pair: str) -> None:
        self.pair = pair
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        mode = MODES / f"{self.pair}.mode"
        if not mode.exists():
            raise VoiceError(f"{_MISSING} (no {mode})")
        # -z: every stage flushes at a NUL; -n: unknown words unmarked; "": no tagger option
        script = _run(["apertium-wblank-mode", "-z", str(mode)], b"").decode().strip()
        self._process = subprocess.Popen(["bash", "-c", script, "apertium", "-n", ""],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
        return self._process

    def translate(self, text: bytes) -> bytes:
        """Deformatted text in, translated stream out (a writer thread feeds long inputs
        while this one reads, so neither pipe fills up and blocks the other)."""
        with self._lock:
            process = self._start()
            writer = threading.Thread(target=_write, args=(process, text + b"\0"), daemon=True)
            writer.start()
            out = bytearray()
            while not out.endswith(b"\0"):
                chunk = os.read(process.stdout.fileno(), 1 << 16)
                if not chunk:
                    self._process = None
                    raise VoiceError(f"apertium {self.pair} stopped while translating")
                out += chunk
            writer.join()
        return bytes(out[:-1])


def _write(process: subprocess.Popen, data: bytes) -> None:
    try:
        process.stdin.write(data)
        process.stdin.flush()
    except BrokenPipeError:
        pass  # the reader reports the pipeline's end


@cache
def pipeline(pair: str) -> Pipeline:
    return Pipeline(pair)


def apertium(sentences: list[str], pair: str = "spa-eng") -> list[str]:
    """Rule-based translations from Apertium (unknown words unmarked): one line in, one line
    out (a line break inside a sentence is a space)."""
    if not sentences:
        return []
    text = "".join(" ".join(s.split()) + "\n" for s in sentences).encode()
    translated = pipeline(pair).translate(_run(["apertium-destxt"], text))
    lines = _run(["apertium-retxt"], translated).decode().split("\n")
    if len(lines) < len(sentences):
        raise VoiceError(f"apertium {pair} returned fewer lines than it was given")
    return [line.strip() for line in lines[: len(sentences)]]
