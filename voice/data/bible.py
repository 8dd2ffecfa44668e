"""Verse-aligned Bible text (Reina-Valera 1909 / King James) read through diatheke."""

from __future__ import annotations

import re
import subprocess

from voice.data.system import require_program
from voice.errors import MissingPackageError

MODULES = {"es": ("spaRV1909eb", "sword-text-sparv"), "en": ("engKJV2006eb", "sword-text-kjv")}
_VERSE = re.compile(r"^\s*(.+? \d+:\d+): (.*)$")
_STRONGS = re.compile(r"<[GH]\d+>")


def verses(lang: str, key: str = "Genesis-Revelation") -> dict[str, str]:
    """'Book C:V' -> verse text for a range of the Bible (all of it by default)."""
    module, package = MODULES[lang]
    diatheke = require_program("diatheke", "diatheke", "Reading the Bible corpus")
    result = subprocess.run(
        [diatheke, "-b", module, "-f", "plain", "-k", key],
        capture_output=True, text=True, check=False,
    )
    out: dict[str, str] = {}
    for line in result.stdout.splitlines():
        match = _VERSE.match(line)
        if match:
            text = " ".join(_STRONGS.sub(" ", match.group(2)).split())
            if text:
                out[match.group(1)] = text
    if not out:
        raise MissingPackageError(f"The {module} Bible text", package)
    return out


def verse_pairs(key: str = "Genesis-Revelation") -> list[tuple[str, str, str]]:
    """(reference, Spanish, English) for every verse present in both translations."""
    es, en = verses("es", key), verses("en", key)
    return [(ref, es[ref], en[ref]) for ref in es if ref in en]
