"""Spanish sayings, quotes and jokes for the recogniser's word LM: everyday sentences, which
the other corpora (software strings, commands, the Bible, telephone prompts) lack.

Debian `fortunes-es` (the fortunes presumed public domain; the package's code GPL-2+) ships
about 180,000 words in `/usr/share/games/fortunes/es/*.fortunes`: entries separated by `%`
lines, each perhaps followed by an attribution (`-- Author. (dates) ...`). The offensive
set (`fortunes-es-off`) is not read: an LM learns what it is fed.
"""

from __future__ import annotations

import re
from pathlib import Path

from voice.manifest import write_jsonl
from voice.system import require_file

FOLDER = Path("/usr/share/games/fortunes/es")
PACKAGE = "fortunes-es"
_ATTRIBUTION = re.compile(r"^\s*--")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def entries(path: Path) -> list[str]:
    """The fortunes of one file, each on one line, attributions left out."""
    out, lines, attribution = [], [], False
    for line in [*path.read_text(encoding="utf-8", errors="replace").splitlines(), "%"]:
        if line.strip() == "%":
            if text := " ".join(" ".join(lines).split()):
                out.append(text)
            lines, attribution = [], False
        elif attribution or _ATTRIBUTION.match(line):  # it may go on for a line or two
            attribution = True
        else:
            lines.append(line)
    return out


def sentences(folder: Path = FOLDER) -> list[dict]:
    """One row per sentence ({"text", "source", "topic"}), in file order."""
    require_file(folder, PACKAGE, "Spanish fortunes")
    rows = []
    for path in sorted(folder.glob("*.fortunes")):
        for entry in entries(path):
            rows.extend({"text": s, "source": "fortunes-es", "topic": path.stem}
                        for s in _SENTENCE_END.split(entry) if s.strip())
    return rows


def build(out: Path) -> dict:
    """`voice data build lm`: OUT/lm/fortunes-es.jsonl (duplicates dropped)."""
    rows = list({row["text"]: row for row in sentences()}.values())
    write_jsonl(out / "lm" / "fortunes-es.jsonl", rows)
    return {"fortunes-es": len(rows), "words": sum(len(r["text"].split()) for r in rows)}
