"""`voice translate`: recordings -> Spanish and English text, subtitles and English speech.

Each file is cut at pauses by the live endpointer, each segment recognised whole (word times)
and all segments translated in one batch. Outputs are written atomically, JSON last, so a
file whose outputs all exist is finished (`--resume` skips it) and a killed run loses nothing
that was finished. Several processes (`--jobs`) each load the models once.
"""

from __future__ import annotations

import io
import json
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import soundfile as sf

from voice.app import Options, Voice
from voice.audio import SAMPLE_RATE, load_audio
from voice.choices import Vad
from voice.cores import usable_cores, use_threads
from voice.endpoint import EndpointConfig, segments
from voice.errors import VoiceError, VoiceInputError
from voice.files import write_atomically
from voice.subtitles import Cue, srt, vtt
from voice.tts import Speech

FORMATS = ("txt", "srt", "vtt", "wav", "jsonl")  # jsonl last: its presence marks completion


@dataclass
class BatchConfig:
    formats: tuple[str, ...] = FORMATS
    beam: int = 5
    # WebRTC: in batch its 15x speed matters more than Silero's edge in babble
    endpoint: EndpointConfig = field(default_factory=lambda: EndpointConfig(vad=Vad.webrtc))


class FileTranslator:
    """The stages for one process, from the Voice: recogniser, translator and (for WAV
    output) speaker."""

    def __init__(self, voice: Voice, config: BatchConfig) -> None:
        self.config = config
        self.recognizer = voice.recognizer
        self.translator = voice.translator
        self.speaker = voice.speaker("en") if "wav" in config.formats else None

    def translate(self, path: Path) -> tuple[dict, dict[str, bytes]]:
        """(DESIGN section 5 result, {format: file content}) for one recording."""
        audio = load_audio(path)
        rows = []
        for segment in segments(audio, self.config.endpoint):
            transcript = self.recognizer.recognize(segment.samples)
            if not transcript.text:
                continue
            words = [(segment.start + w.start, segment.start + w.end) for w in transcript.words]
            start, end = (words[0][0], words[-1][1]) if words else (segment.start, segment.end)
            rows.append({"start": round(start, 2), "end": round(end, 2), "es": transcript.text})
        for row, english in zip(rows, self.translator.translate([r["es"] for r in rows],
                                                                self.config.beam), strict=True):
            row["en"] = english
        result = {"file": str(path), "es": " ".join(r["es"] for r in rows),
                  "en": " ".join(r["en"] for r in rows), "segments": rows,
                  "seconds": round(len(audio) / SAMPLE_RATE, 2)}
        return result, self._render(result)

    def _render(self, result: dict) -> dict[str, bytes]:
        cues = [Cue(r["start"], r["end"], r["en"]) for r in result["segments"]]
        makers = {
            "jsonl": lambda: json.dumps(result, ensure_ascii=False) + "\n",
            "txt": lambda: "".join(r["en"] + "\n" for r in result["segments"]),
            "srt": lambda: srt(cues),
            "vtt": lambda: vtt(cues),
            "wav": lambda: self._speech(result),
        }
        out = {}
        for name in self.config.formats:
            content = makers[name]()
            out[name] = content if isinstance(content, bytes) else content.encode("utf-8")
        return out

    def _speech(self, result: dict) -> bytes:
        """English speech, each segment starting at its Spanish start time (or right after the
        previous one, when that runs longer)."""
        pieces: list[tuple[float, Speech]] = []
        cursor = 0.0
        for row in result["segments"]:
            speech = self.speaker.render(row["en"])
            start = max(row["start"], cursor)
            pieces.append((start, speech))
            cursor = start + speech.seconds
        rate = pieces[0][1].rate if pieces else 22_050
        track = np.zeros(int(max(cursor, result["seconds"]) * rate) + 1, np.float32)
        for start, speech in pieces:
            at = int(start * rate)
            track[at:at + len(speech.samples)] = speech.samples
        buffer = io.BytesIO()
        sf.write(buffer, track, rate, format="WAV", subtype="PCM_16")
        return buffer.getvalue()


def outputs_for(path: Path, out: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    return {name: out / f"{path.stem}.{name}" for name in formats}


def write_outputs(files: dict[str, bytes], targets: dict[str, Path]) -> None:
    """Each output atomically, the JSON last: its presence marks the input finished."""
    for name in FORMATS:  # jsonl last
        if name in files:
            write_atomically(targets[name], files[name])


def check_names(paths: list[Path], out: Path | None, formats: tuple[str, ...]) -> None:
    """Outputs are named after the input's stem: two inputs must not share one, and no
    output may overwrite an input (`voice translate talk.wav -o .` would). Without an output
    folder nothing is written, so nothing can clash."""
    if out is None:
        return
    seen: dict[str, Path] = {}
    inputs = {p.resolve() for p in paths}
    for path in paths:
        if path.stem in seen and seen[path.stem].resolve() != path.resolve():
            raise VoiceError(f"{seen[path.stem]} and {path} would write the same outputs "
                             f"({path.stem}.*): translate them in separate runs or rename one")
        seen[path.stem] = path
        for target in outputs_for(path, out, formats).values():
            if target.resolve() in inputs:
                raise VoiceError(f"{target}: the output would overwrite an input; choose "
                                 "another -o folder")


def pending(paths: list[Path], out: Path | None, formats: tuple[str, ...],
            resume: bool) -> list[Path]:
    """The inputs still to translate (with resume, those whose outputs do not all exist yet),
    after checking that no two inputs write the same outputs."""
    check_names(paths, out, formats)
    if not resume or out is None:
        return list(paths)
    return [p for p in paths
            if not all(t.exists() for t in outputs_for(p, out, formats).values())]


_worker: FileTranslator | VoiceError | None = None


def _start_worker(options: Options, config: BatchConfig, threads: int,
                  pooled: bool = False) -> None:
    """Load the stages once per process. A start-up failure (a missing model or program) is
    kept and raised by the first file, so it reaches the user as one line, not as a broken
    pool. Pooled workers leave Ctrl-C to the parent, which cancels the queued files."""
    global _worker
    if pooled:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    use_threads(threads)
    try:
        _worker = FileTranslator(Voice(options), config)
    except VoiceError as error:
        _worker = error


def _work(path: Path, out: Path | None) -> tuple[Path, dict | None, str | None]:
    """(path, result, error); the outputs are on disk before this returns."""
    if isinstance(_worker, VoiceError):
        raise _worker
    try:
        result, files = _worker.translate(path)
    except VoiceError as error:  # a bad file, or a stage failing on it: report, go on
        message = str(error) if isinstance(error, VoiceInputError) else f"{path}: {error}"
        return path, None, message
    if out is not None:
        write_outputs(files, outputs_for(path, out, _worker.config.formats))
    return path, result, None


def translate_files(paths: list[Path], out: Path | None, options: Options, config: BatchConfig,
                    jobs: int = 1) -> Iterator[tuple[Path, dict | None, str | None]]:
    """(path, result or None, error or None) per file, as files finish."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    cores = usable_cores()
    if jobs <= 1 or len(paths) <= 1:
        _start_worker(options, config, cores)
        for path in paths:
            yield _work(path, out)
        return
    jobs = min(jobs, len(paths))
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                               initargs=(options, config, max(1, cores // jobs), True))
    try:
        futures = [pool.submit(_work, path, out) for path in paths]
        for future in futures:
            yield future.result()
    except BrokenProcessPool:
        raise VoiceError("a --jobs worker died (out of memory?); the finished files are kept: "
                         "rerun with --resume") from None
    finally:  # an error or Ctrl-C: files not yet started are dropped, running ones finish
        pool.shutdown(wait=False, cancel_futures=True)
