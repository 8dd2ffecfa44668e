"""SRT and WebVTT subtitles from timed cues."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Cue:
    start: float  # seconds
    end: float
    text: str


def _stamp(seconds: float, separator: str) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _ordered(cues: list[Cue]) -> list[Cue]:
    """Cues with text, in time order, never overlapping and never zero length."""
    out: list[Cue] = []
    for cue in sorted((c for c in cues if c.text.strip()), key=lambda c: c.start):
        start = max(cue.start, out[-1].end) if out else cue.start
        out.append(Cue(start, max(cue.end, start + 0.2), cue.text.strip()))
    return out


def srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n{c.text}\n\n"
                   for i, c in enumerate(_ordered(cues), 1))


def vtt(cues: list[Cue]) -> str:
    return "WEBVTT\n\n" + "".join(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n{c.text}\n\n"
                                  for c in _ordered(cues))
