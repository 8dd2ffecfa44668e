"""Manifests for speech corpora that users already have: Common Voice and audio<TAB>text lists.

Audio is referenced where it lies (any format `load_audio` reads); nothing is copied.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import soundfile as sf

from voice.data.manifest import write_jsonl
from voice.errors import VoiceInputError

CV_SPLITS = ("train", "dev", "test")


def _duration(path: Path) -> float:
    try:
        return round(sf.info(str(path)).duration, 3)
    except (sf.LibsndfileError, RuntimeError) as error:
        raise VoiceInputError(path, f"not a readable audio file ({error})") from None


def _rows(pairs: list[tuple[Path, str, str]], out: Path, source: str) -> list[dict]:
    rows, missing = [], 0
    for audio, text, speaker in pairs:
        if not audio.exists():
            missing += 1
            continue
        rows.append({"audio": os.path.relpath(audio.resolve(), out.resolve()),
                     "text": text, "duration": _duration(audio), "speaker": speaker,
                     "source": source})
    if missing:
        print(f"voice: {missing} listed audio file(s) missing, skipped", flush=True)
    return rows


def import_common_voice(folder: Path, out: Path, name: str = "cv") -> dict:
    """A Common Voice language folder (train.tsv, dev.tsv, test.tsv, clips/) -> NAME-SPLIT.jsonl."""
    if not (folder / "clips").is_dir():
        raise VoiceInputError(folder, "not a Common Voice language folder (no clips/)")
    counts = {}
    for split in CV_SPLITS:
        tsv = folder / f"{split}.tsv"
        if not tsv.exists():
            continue
        with tsv.open(encoding="utf-8", newline="") as f:
            table = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        pairs = [(folder / "clips" / r["path"], r["sentence"].strip(), r.get("client_id", ""))
                 for r in table if r.get("sentence", "").strip()]
        rows = _rows(pairs, out, f"commonvoice/{split}")
        counts[f"{name}-{split}"] = write_jsonl(out / f"{name}-{split}.jsonl", rows)
    if not counts:
        raise VoiceInputError(folder, "no train.tsv, dev.tsv or test.tsv found")
    return counts


def import_list(listing: Path, out: Path, name: str) -> dict:
    """Lines of `audio<TAB>text` (paths relative to the list's folder) -> NAME.jsonl."""
    if not listing.exists():
        raise VoiceInputError(listing, "no such file")
    pairs = []
    for number, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise VoiceInputError(listing, f"line {number} is not `audio<TAB>text`")
        audio, text = line.split("\t", 1)
        pairs.append((listing.parent / audio, text.strip(), ""))
    return {name: write_jsonl(out / f"{name}.jsonl", _rows(pairs, out, f"list/{name}"))}
