"""Atomic file writes: a reader never sees half a file, and a killed writer leaves none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """A hidden temporary path beside target, for the block to write (suffix: an extension a
    writer needs, such as ".wav"); it replaces target when the block ends without error.
    The name carries the process id, so processes writing one target do not collide."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp{suffix}")
    try:
        yield tmp
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(target: str | Path, content: bytes | str) -> None:
    """Replace target's content in one step (text is written as UTF-8)."""
    with atomic_path(target) as tmp:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
