"""Verse-aligned Bible text (Reina-Valera 1909 / World English Bible) read through diatheke.

The English is the World English Bible (modern English, public domain) rather than the King
James Version, whose archaic English the translator otherwise learns to write. Text is read in
OSIS form: the plain form of the WEB module glues words ("Godcreated") where its OSIS form has
word elements to split at.
"""

from __future__ import annotations

import html
import re
import subprocess

from voice.errors import MissingPackageError
from voice.system import require_program

MODULES = {"es": ("spaRV1909eb", "sword-text-sparv"), "en": ("engWEB2015eb", "sword-text-web")}
# A chapter heading ("A Psalm by David.  Psalms 3:1: ...") may precede the reference.
_VERSE = re.compile(r"^(?:.*\s{2,})?(\S.*? \d+:\d+): (.*)$")
_TITLE = re.compile(r"<title[^>]*>.*?</title>")
_GLUED = re.compile(r"</w>(?=<w[ >]|\w)|(?<=\w)(?=<w[ >])")  # word elements with no space
_TAG = re.compile(r"<[^>]*>")


def verses(lang: str, key: str = "Genesis-Revelation") -> dict[str, str]:
    """'Book C:V' -> verse text for a range of the Bible (all of it by default)."""
    module, package = MODULES[lang]
    diatheke = require_program("diatheke", "diatheke", "Reading the Bible corpus")
    result = subprocess.run(
        [diatheke, "-b", module, "-f", "OSIS", "-k", key],
        capture_output=True, text=True, check=False,
    )
    out: dict[str, str] = {}
    for line in result.stdout.splitlines():
        match = _VERSE.match(_TITLE.sub(" ", line))
        if match:
            spaced = _GLUED.sub(lambda m: m.group() + " ", match.group(2))
            text = " ".join(html.unescape(_TAG.sub("", spaced)).split())
            if text:
                out[match.group(1)] = text
    if not out:
        raise MissingPackageError(f"The {module} Bible text", package)
    return out


def verse_pairs(key: str = "Genesis-Revelation") -> list[tuple[str, str, str]]:
    """(reference, Spanish, English) for every verse present in both translations."""
    es, en = verses("es", key), verses("en", key)
    return [(ref, es[ref], en[ref]) for ref in es if ref in en]
