"""JSONL manifests: one JSON object per line, written atomically."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from voice.errors import VoiceInputError
from voice.files import atomic_path


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> int:
    """Write rows to path via a temp file + rename; returns the number of rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: str | Path) -> Iterator[dict]:
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise VoiceInputError(path, f"line {number} is not JSON ({error})") from None


SENTENCE_HOLDOUT = 20  # 1 in 20 synthetic sentences is dev only; the LM never sees them either


def held_out(key: str, every: int) -> bool:
    """Deterministic 1-in-`every` hold-out by content, stable across runs and machines."""
    return zlib.crc32(key.encode("utf-8")) % every == 0
