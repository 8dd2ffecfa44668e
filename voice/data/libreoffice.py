"""LibreOffice's Spanish UI catalogues (Debian `libreoffice-l10n-es`): msgid English,
msgstr Spanish, in GNU `.mo` files, read here directly (the format is a table of offsets)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from voice.data.ui_strings import clean_pair
from voice.errors import VoiceError
from voice.system import require_file

CATALOGUES = Path("/usr/lib/libreoffice/program/resource/es/LC_MESSAGES")
PACKAGE = "libreoffice-l10n-es"
PRODUCT, NAME = "%PRODUCTNAME", "LibreOffice"
_MAGIC = {0x950412DE: "<", 0xDE120495: ">"}


def read_mo(data: bytes) -> dict[str, str]:
    """msgid -> msgstr of a .mo file; the message context and plural forms dropped."""
    endian = _MAGIC.get(struct.unpack("<I", data[:4])[0]) if len(data) >= 20 else None
    if endian is None:
        raise VoiceError("not a GNU .mo catalogue")
    count, originals, translations = struct.unpack(f"{endian}3I", data[8:20])
    out = {}
    for i in range(count):
        entries = []
        for table in (originals, translations):
            length, offset = struct.unpack_from(f"{endian}2I", data, table + 8 * i)
            entries.append(data[offset:offset + length].decode("utf-8", "replace"))
        msgid, msgstr = (e.split("\0")[0] for e in entries)
        msgid = msgid.split("\x04")[-1]
        if msgid and msgstr:
            out[msgid] = msgstr
    return out


def pairs(folder: Path = CATALOGUES) -> Iterator[tuple[str, str, str]]:
    """(catalogue, Spanish, English) for every translated message, cleaned."""
    require_file(folder, PACKAGE, "LibreOffice's Spanish catalogues")
    for path in sorted(folder.glob("*.mo")):
        for en, es in read_mo(path.read_bytes()).items():
            if en.isupper() and " " not in en:
                continue  # a Calc function name (ESAÑOBISIESTO), not a sentence
            pair = clean_pair(es.replace(PRODUCT, NAME), en.replace(PRODUCT, NAME))
            if pair:
                yield path.stem, *pair
