"""What game characters say to each other, from the Spanish gettext catalogues Debian ships:
everyday talk (asking, buying, the way, food, injuries) that software strings, commands and
the Bible lack.

- Cataclysm: Dark Days Ahead (`cataclysm-dda-data`, CC-BY-SA-3.0): its characters' talk and
  the messages that tell the player what happens, Spanish of Spain (`es_ES`).
- FreedroidRPG (`freedroidrpg-data`, GPL-2+): its characters' dialogue.

The catalogues hold menus, item names and long descriptions too: a pair is kept when its
English is a sentence (4-25 words, ending in . ! or ?) and ui_strings.clean_pair keeps it
(no markup, the same placeholders on both sides, filled alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from voice.data.libreoffice import read_mo
from voice.data.ui_strings import clean_pair
from voice.system import require_file

CATALOGUES = {  # source -> (catalogue, Debian package)
    "cataclysm": (Path("/usr/share/locale/es_ES/LC_MESSAGES/cataclysm-dda.mo"),
                  "cataclysm-dda-data"),
    "freedroid": (Path("/usr/share/locale/es/LC_MESSAGES/freedroidrpg-dialogs.mo"),
                  "freedroidrpg-data"),
}
_SENTENCE_END = re.compile(r"[.!?]['\"]?$")
_GENDER = re.compile(r"^\w+\^")  # Wesnoth-style "female^" context prefixes
_TAGS = re.compile(r"\[/?\w+\]")  # FreedroidRPG's [b]...[/b]


def is_sentence(english: str) -> bool:
    """An English string that reads as something said: 4-25 words, ending in . ! or ?"""
    return 4 <= len(english.split()) <= 25 and bool(_SENTENCE_END.search(english))


def pairs(source: str, catalogue: Path | None = None) -> Iterator[tuple[str, str]]:
    """(Spanish, English) sentence pairs of one game's catalogue (in catalogue order)."""
    default, package = CATALOGUES[source]
    path = require_file(catalogue or default, package, f"{source}'s Spanish catalogue")
    for en, es in read_mo(path.read_bytes()).items():
        en, es = _GENDER.sub("", en), _GENDER.sub("", es)
        if is_sentence(en) and not _TAGS.search(en + es) and (pair := clean_pair(es, en)):
            yield pair
