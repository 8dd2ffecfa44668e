"""Software UI strings (Home Assistant, LibreOffice) made into plain sentences and pairs.

Catalogues carry accelerators ("_Guardar", "~Save"), placeholders ("{entity_name}", "%1",
"$(ARG1)") and markup that never reach a speech translator. A pair is kept only when both sides
have the same placeholders, which are then filled with the same name or number on both sides
(a name passes through translation unchanged, a number becomes a `<n0>` placeholder later).
"""

from __future__ import annotations

import re
import zlib

MAX_CHARS = 200  # longer strings are help paragraphs, not sentences anyone says
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\$\([A-Za-z0-9_]+\)|%[A-Za-z_0-9]+%?|%\d|\$\w+\$")
_ACCELERATOR = re.compile(r"[~_&](?=\w)")
_MARKUP = re.compile(r"<[^>]*>|\]\(|`|\[%|\\n|\n|https?://|&\w+;")
_NUMERIC = re.compile(r"count|number|num|temp|percent|value|min|max|second|minute|hour|day|"
                      r"port|size|level|%\d|ARG|%d", re.IGNORECASE)
NAMES = ("Ana", "Luis", "Marta", "Sonos", "Tado", "Carlos", "Netatmo", "Elena")
_LETTER = re.compile(r"[^\W\d_]")


def _stand_in(placeholder: str) -> str:
    """The same stand-in for a placeholder wherever it is: a number or a name."""
    seed = zlib.crc32(placeholder.encode("utf-8"))
    return str(2 + seed % 58) if _NUMERIC.search(placeholder) else NAMES[seed % len(NAMES)]


def _fill(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: _stand_in(m.group()), text)


def clean(text: str) -> str | None:
    """One string as plain text (accelerators gone, placeholders kept), or None for markup,
    over-long strings and strings without letters."""
    if _MARKUP.search(text):
        return None
    text = " ".join(_ACCELERATOR.sub("", text).split())
    return text if len(text) <= MAX_CHARS and _LETTER.search(_fill(text)) else None


def clean_sentence(text: str) -> str | None:
    """An English-only string, placeholders filled (for back-translation)."""
    text = clean(text)
    return _fill(text) if text else None


def clean_pair(es: str, en: str) -> tuple[str, str] | None:
    """(es, en) as plain text, or None when the pair cannot be a sentence pair: markup,
    placeholders that differ between the sides, no letters, too long, untranslated."""
    es, en = clean(es) or "", clean(en) or ""
    if not (es and en) or sorted(_PLACEHOLDER.findall(es)) != sorted(_PLACEHOLDER.findall(en)):
        return None
    es, en = _fill(es), _fill(en)
    return (es, en) if es.lower() != en.lower() else None
