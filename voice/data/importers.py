"""Manifests for speech corpora that users already have: Common Voice and audio<TAB>text lists.

Audio is referenced where it lies (any format `load_audio` reads); nothing is copied.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

from voice.audio import SAMPLE_RATE, load_audio
from voice.errors import VoiceInputError
from voice.manifest import write_jsonl

CV_SPLITS = ("train", "dev", "test")
LIST_HEADERS = {"audio", "file", "path", "wav"}


def _rows(pairs: list[tuple[Path, str, str]], out: Path, source: str) -> list[dict]:
    """Manifest rows for the readable files; unreadable ones are reported and skipped."""
    rows, skipped = [], 0
    for audio, text, speaker in pairs:
        try:
            seconds = len(load_audio(audio)) / SAMPLE_RATE
        except VoiceInputError as error:
            print(f"voice: skipped {error}", file=sys.stderr, flush=True)
            skipped += 1
            continue
        rows.append({"audio": os.path.relpath(audio.resolve(), out.resolve()),
                     "text": text, "duration": round(seconds, 3), "speaker": speaker,
                     "source": source})
    if skipped:
        print(f"voice: {skipped} of {len(pairs)} listed file(s) skipped", file=sys.stderr)
    return rows


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise VoiceInputError(path, "no such file")
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark is not text
    except UnicodeDecodeError:
        raise VoiceInputError(path, "not UTF-8 text") from None


def import_common_voice(folder: Path, out: Path, name: str = "cv") -> dict:
    """A Common Voice language folder (train.tsv, dev.tsv, test.tsv, clips/) -> NAME-SPLIT.jsonl."""
    if not (folder / "clips").is_dir():
        raise VoiceInputError(folder, "not a Common Voice language folder (no clips/)")
    counts = {}
    for split in CV_SPLITS:
        tsv = folder / f"{split}.tsv"
        if not tsv.exists():
            continue
        table = list(csv.DictReader(_read_text(tsv).splitlines(), delimiter="\t",
                                    quoting=csv.QUOTE_NONE))
        if table and not {"path", "sentence"} <= table[0].keys():
            raise VoiceInputError(tsv, "has no `path` and `sentence` columns")
        pairs = [(folder / "clips" / r["path"], r["sentence"].strip(), r.get("client_id", ""))
                 for r in table if r.get("sentence", "").strip()]
        rows = _rows(pairs, out, f"commonvoice/{split}")
        counts[f"{name}-{split}"] = write_jsonl(out / f"{name}-{split}.jsonl", rows)
    if not counts:
        raise VoiceInputError(folder, "no train.tsv, dev.tsv or test.tsv found")
    return counts


def import_list(listing: Path, out: Path, name: str) -> dict:
    """Lines of `audio<TAB>text` (paths relative to the list's folder) -> NAME.jsonl.
    Further columns (a translation, say) are ignored and a header line (first field `audio`,
    `file`, `path` or `wav`, before any entry) is skipped: our samples' list imports as is."""
    pairs = []
    for number, line in enumerate(_read_text(listing).splitlines(), 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise VoiceInputError(listing, f"line {number} is not `audio<TAB>text`")
        audio, text, *_ = line.split("\t")
        if not pairs and audio.strip().lower() in LIST_HEADERS:
            continue
        if not text.strip():
            raise VoiceInputError(listing, f"line {number} has no text after the tab")
        pairs.append((listing.parent / audio, text.strip(), ""))
    return {name: write_jsonl(out / f"{name}.jsonl", _rows(pairs, out, f"list/{name}"))}
