"""Apertium, the rule-based translator: the baseline every evaluation prints, the source of
back-translations, and the draft that the post-editing translator reads beside the Spanish.

A fresh `apertium` loads its transducers on every call (0.3 s), too slow for a live
translation. Here each language pair's pipeline runs once, in null-flush mode: a call sends
each sentence ended by a NUL and reads as many NUL-ended answers back (a few milliseconds a
sentence). Every NUL resets the pipeline, so a sentence translates as it would alone: sent as
lines of one text, a line without a full stop runs into the next one, which changes its
capitals, its pronouns and even its words ("unas" after another line reads as "join").
Plain lines are (de)formatted here, as apertium-destxt and apertium-retxt would (specials
escaped, line breaks as blanks, the end mark); other text goes through those two programs, which
cost a process start each (about 25 ms together, most of a short sentence's draft).
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

    def translate(self, texts: list[bytes]) -> list[bytes]:
        """Deformatted texts in, each translated on its own, their streams out (a writer
        thread feeds long inputs while this one reads, so neither pipe fills up and blocks
        the other)."""
        if not texts:
            return []
        with self._lock:
            process = self._start()
            data = b"".join(text + b"\0" for text in texts)
            writer = threading.Thread(target=_write, args=(process, data), daemon=True)
            writer.start()
            out = bytearray()
            while out.count(b"\0") < len(texts):
                chunk = os.read(process.stdout.fileno(), 1 << 16)
                if not chunk:
                    self._process = None
                    raise VoiceError(f"apertium {self.pair} stopped while translating")
                out += chunk
            writer.join()
        return bytes(out).split(b"\0")[: len(texts)]


def _write(process: subprocess.Popen, data: bytes) -> None:
    try:
        process.stdin.write(data)
        process.stdin.flush()
    except BrokenPipeError:
        pass  # the reader reports the pipeline's end


@cache
def pipeline(pair: str) -> Pipeline:
    return Pipeline(pair)


_SPECIAL = frozenset("\\[]^$<>{}@/")
_END = ".[][\n]"  # what apertium-destxt writes after the last line


def _plain(lines: list[str]) -> bool:
    """Lines that the in-process formatter writes exactly as apertium-destxt: single-spaced,
    not empty, without control characters or "~" (which destxt turns into a blank)."""
    return all(line and "~" not in line and min(line) >= " " for line in lines)


def deformat(lines: list[str]) -> str:
    """apertium-destxt of plain lines (see _plain), each ended by a line break."""
    escaped = ("".join("\\" + c if c in _SPECIAL else c for c in line) for line in lines)
    return "[\n]".join(escaped) + _END


def reformat(stream: str) -> str | None:
    """apertium-retxt of a translated stream: escapes undone, each blank's text restored, the
    "." that destxt put before an empty blank dropped. None for what only retxt should read
    (word-bound blanks, an unclosed blank)."""
    if "[[" in stream:
        return None
    out: list[str] = []
    i, blank = 0, False
    while i < len(stream):
        c = stream[i]
        if c == "\\" and i + 1 < len(stream) and stream[i + 1] in _SPECIAL:
            out.append(stream[i + 1])
            i += 2
            continue
        if not blank and c == "." and stream.startswith("[]", i + 1):
            i += 3
            continue
        if c == "[" and not blank:
            blank = True
        elif c == "]" and blank:
            blank = False
        else:
            out.append(c)
        i += 1
    return None if blank else "".join(out)


def apertium(sentences: list[str], pair: str = "spa-eng") -> list[str]:
    """Rule-based translations from Apertium (unknown words unmarked), each sentence on its
    own, whatever the others: one line in, one line out (a line break inside a sentence is a
    space; an empty sentence stays empty)."""
    lines = [" ".join(s.replace("\0", " ").split()) for s in sentences]  # NUL ends a chunk
    out = [""] * len(lines)
    plain = [i for i, line in enumerate(lines) if _plain([line])]
    streams = pipeline(pair).translate([deformat([lines[i]]).encode() for i in plain])
    for i, stream in zip(plain, streams, strict=True):
        text = reformat(stream.decode())
        out[i] = (_run(["apertium-retxt"], stream).decode() if text is None else text).strip()
    for i in {i for i, line in enumerate(lines) if line} - set(plain):
        # the rare rest ("~", control characters): through Apertium's own formatters
        stream, = pipeline(pair).translate([_run(["apertium-destxt"], lines[i].encode())])
        out[i] = _run(["apertium-retxt"], stream).decode().strip()
    return out
