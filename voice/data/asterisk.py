"""Asterisk core prompts: one real es-MX speaker, and the prompt texts in en, fr, it and ru."""

from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path

from voice.files import atomic_path
from voice.system import require_file, require_program

SOUNDS_ES = Path("/usr/share/asterisk/sounds/es_MX_f_Allison")
DOCS = Path("/usr/share/doc")
TRANSCRIPTS = {lang: DOCS / f"asterisk-core-sounds-{lang}" / f"core-sounds-{lang}.txt.gz"
               for lang in ("es", "en", "fr", "it", "ru")}
SPLITS = Path(__file__).resolve().parents[2] / "assets" / "splits"
_ANNOTATION = re.compile(r"\[[^\]]*\]")


def split_ids(name: str, splits_dir: Path = SPLITS) -> list[str]:
    """Prompt ids of the 'train' or 'dev' split; all others are reserved for final evaluation."""
    path = splits_dir / f"asterisk-es-{name}.ids"
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def transcripts(lang: str) -> dict[str, str]:
    """id -> prompt text, without bracketed sound annotations; prompts that are only sounds go."""
    path = require_file(TRANSCRIPTS[lang], f"asterisk-core-sounds-{lang}", "Asterisk transcripts")
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            key, text = line.split(":", 1)
            text = " ".join(_ANNOTATION.sub(" ", text).split())
            if text and any(c.isalpha() for c in text):
                out[key.strip()] = text
    return out


def recording(prompt_id: str) -> Path:
    require_file(SOUNDS_ES, "asterisk-core-sounds-es-g722", "Asterisk Spanish recordings")
    return SOUNDS_ES / f"{prompt_id}.g722"


def decode(source: Path, target: Path) -> None:
    """G.722 (16 kHz) -> 16-bit WAV; written to a temp name first so a kill leaves no half file."""
    ffmpeg = require_program("ffmpeg", "ffmpeg", "Decoding Asterisk G.722 prompts")
    with atomic_path(target, ".wav") as tmp:
        subprocess.run(
            [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "g722", "-i", str(source),
             "-ar", "16000", "-ac", "1", str(tmp)],
            check=True,
        )
