"""Copies of a recorded set, each clip transformed once (telephone codecs, re-voicing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from voice.manifest import read_jsonl, write_jsonl
from voice.parallel import parallel_map


def build_copies(asr: Path, name: str, kind: str, convert: Callable[[tuple], float],
                 setting: Callable[[dict], Any], fields: Callable[[dict, Any], dict],
                 jobs: int | None = None) -> dict[str, int]:
    """asr/<name>-<kind>.jsonl beside asr/<name>.jsonl, the WAVs under asr/<kind>/<name>/:
    convert((source, target, setting)) writes one copy (keeping a finished one) and returns
    its duration; setting(row) fixes each clip's transform; fields(row, setting) are the
    copy's changed or added manifest fields."""
    rows = list(read_jsonl(asr / f"{name}.jsonl"))
    targets = [asr / kind / name / Path(r["audio"]).name for r in rows]
    settings = [setting(r) for r in rows]
    durations = parallel_map(convert, [(asr / r["audio"], t, s) for r, t, s
                                       in zip(rows, targets, settings, strict=True)],
                             f"{kind} {name}", jobs)
    copies = [{**r, "audio": str(t.relative_to(asr)), "duration": round(d, 3), **fields(r, s)}
              for r, t, s, d in zip(rows, targets, settings, durations, strict=True)]
    return {f"{name}-{kind}": write_jsonl(asr / f"{name}-{kind}.jsonl", copies)}
