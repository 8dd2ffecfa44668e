"""Tux Paint's spoken stamp descriptions in Spanish: a real voice the other sets do not have.

Debian `tuxpaint-stamps-default` (GPL-2) ships, beside each stamp's picture, its description
in many languages (`X.txt`, a line `es.utf8=Un tejón.`) and the Spanish one read aloud
(`X_desc_es.ogg`): about 760 distinct clips, 22 minutes, one adult woman; the ten digits
(`symbols/math/N_es.ogg`) are a child's voice. The texts were sometimes edited after the
recording: parenthetical figures ("($0,10)") are not read, so they are dropped, and a clip
whose speaking rate says the text is not what it says is left out by the caller.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from voice.system import require_file
from voice.text import spell_numbers

STAMPS = Path("/usr/share/tuxpaint/stamps")
PACKAGE = "tuxpaint-stamps-default"
_UNREAD = re.compile(r"\s*\([^)]*\)|[«»\"“”]")  # parenthetical figures; quotation marks


@dataclass(frozen=True)
class Clip:
    audio: Path
    text: str
    speaker: str
    clip_id: str  # the stamp's path under the stamps folder


def spoken_text(description: str) -> str:
    """A description as the reader said it: figures in brackets left out, numbers in words."""
    return " ".join(spell_numbers(_UNREAD.sub("", description), "es").split())


def description(stamp: Path, language: str = "es") -> str | None:
    """The stamp's description line for the language, from its `.txt` (None without one)."""
    text = stamp.with_suffix(".txt")
    if not text.exists():
        return None
    prefix = f"{language}.utf8="
    for line in text.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip() or None
    return None


def clips(stamps: Path | None = None) -> list[Clip]:
    """Every distinct spoken Spanish description with its text, in path order (a recording
    several stamps share, such as the filled and outlined letters, once)."""
    stamps = stamps or require_file(STAMPS, PACKAGE, "Tux Paint's Spanish stamp descriptions")
    seen: set[str] = set()
    out = []
    for audio in sorted(stamps.rglob("*_es.ogg")):
        stamp = audio.with_name(re.sub(r"(_desc)?_es\.ogg$", "", audio.name))
        text = description(stamp)
        digest = hashlib.md5(audio.read_bytes()).hexdigest()
        if text is None or digest in seen:
            continue
        seen.add(digest)
        child = audio.parent.name == "math" and stamp.name.isdigit()
        out.append(Clip(audio, spoken_text(text), "tuxpaint-child" if child else "tuxpaint-woman",
                        str(stamp.relative_to(stamps))))
    return out
