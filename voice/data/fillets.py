"""Fish Fillets NG dialogues (Debian `fillets-ng-data`, GPL-2): conversational en/es lines.

Each level folder has `dialogs_<lang>.lua` (and `demo_dialogs_<lang>.lua`) of calls
`dialogId("id", font, "English")` followed, in translations, by `dialogStr("translation")`;
the English files have the bare `dialogId` calls. Lines align by dialogue id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from voice.system import require_file

SCRIPTS = Path("/usr/share/games/fillets-ng/script")
_STRING = r'"((?:[^"\\]|\\.)*)"'
_DIALOG = re.compile(rf"dialogId\(\s*{_STRING}\s*,\s*(?:nil|{_STRING})\s*,\s*{_STRING}\s*\)"
                     rf"(?:\s*dialogStr\(\s*{_STRING}\s*\))?")
_ESCAPE = re.compile(r"\\(.)")


def _text(lua: str) -> str:
    return " ".join(_ESCAPE.sub(r"\1", lua).split())


def dialogues(path: Path) -> dict[str, str]:
    """dialogue id -> text of one dialogs file: the dialogStr translation where there is one,
    else the English of dialogId."""
    out = {}
    for match in _DIALOG.finditer(path.read_text(encoding="utf-8", errors="replace")):
        dialogue_id, _, english, translation = match.groups()
        out[dialogue_id] = _text(translation if translation is not None else english)
    return out


def pairs(scripts: Path = SCRIPTS) -> Iterator[tuple[str, str, str]]:
    """(level, Spanish, English) for every dialogue id both languages have."""
    require_file(scripts, "fillets-ng-data", "Fish Fillets NG dialogues")
    for es_path in sorted(scripts.glob("*/*dialogs_es.lua")):
        en_path = es_path.with_name(es_path.name.replace("_es.lua", "_en.lua"))
        if not en_path.exists():
            continue
        es, en = dialogues(es_path), dialogues(en_path)
        for dialogue_id in sorted(es.keys() & en.keys()):
            if es[dialogue_id] and en[dialogue_id] and es[dialogue_id] != en[dialogue_id]:
                yield es_path.parent.name, es[dialogue_id], en[dialogue_id]
