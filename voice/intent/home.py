"""The home the assistant acts on: floors, areas and devices from a home TOML file, and the
fuzzy resolution of spoken names ("la luz de la cocina", "luces", "lampara de pie") to devices.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from importlib.resources import files
from pathlib import Path

from voice.errors import VoiceError
from voice.intent.hass import Sorry, spoken_list
from voice.text import fold_accents

HOME = files("voice.intent") / "home.toml"  # the example home, installed with the package
MATCH = 0.8  # SequenceMatcher ratio a spoken name needs to count as a device or area name
_LEADING = {"el", "la", "los", "las", "mi", "mis"}
_LINKS = {"de", "del", "en"}  # "luz de la cocina": what joins a device word to an area
# Words that name every device of a domain; plurals address all of them at once.
GENERIC = {
    "luz": "light", "luces": "light", "lampara": "light", "lamparas": "light",
    "bombilla": "light", "bombillas": "light",
    "ventilador": "fan", "ventiladores": "fan",
    "persiana": "cover", "persianas": "cover", "cortina": "cover", "cortinas": "cover",
    "enchufe": "switch", "enchufes": "switch", "interruptor": "switch", "interruptores": "switch",
    "altavoz": "media_player", "altavoces": "media_player", "musica": "media_player",
    "valvula": "valve", "valvulas": "valve", "termostato": "climate",
}


def key(text: str) -> str:
    """Comparable form of a spoken name: folded accents, lowercase, no leading article."""
    words = re.findall(r"\w+", fold_accents(text.lower()))
    while words[:1] and words[0] in _LEADING:
        words.pop(0)
    return " ".join(words)


class NotFound(Sorry):
    """A spoken name that matches nothing in the home."""

    def __init__(self, name: str | None, place: str | None = None) -> None:
        what = f"«{name}»" if name else "nada así"
        where = f" en {place}" if place else ""
        super().__init__(f"No encuentro {what}{where}.")


class Ambiguous(Sorry):
    """A singular name ("la luz") that fits several devices."""

    def __init__(self, devices: list[Device]) -> None:
        super().__init__(f"¿Cuál? Hay varios: {spoken_list([d.name for d in devices])}.")


@dataclass(frozen=True)
class Named:
    """Anything a command can name: Spanish names (the first is the one spoken back, the
    rest are aliases) and the English name."""

    id: str
    names: tuple[str, ...]
    en: str = ""

    @property
    def name(self) -> str:
        return self.names[0]

    def spoken(self, lang: str) -> tuple[str, ...]:
        """The names a speaker of lang uses: the Spanish aliases, or the English name."""
        return self.names if lang == "es" else (self.en or self.name,)


@dataclass(frozen=True)
class Place(Named):
    """A floor or an area; areas know their floor."""

    floor: str | None = None


@dataclass(frozen=True)
class Device(Named):
    domain: str = ""
    area: str | None = None


def _names(item: dict) -> tuple[str, ...]:
    return tuple(item["es"]) if isinstance(item["es"], list) else (item["es"],)


def _english(item: dict) -> str:
    return item.get("en") or _names(item)[0]


def _exact(text: str, candidates: Iterable[Place | Device]) -> list:
    wanted = key(text)
    return [c for c in candidates if wanted in (key(n) for n in c.names)]


def _closest(text: str, candidates: Iterable[Place | Device]) -> list:
    """The candidate whose name is most like text, if it is alike enough (MATCH)."""
    wanted = key(text)
    scored = [(max(SequenceMatcher(None, wanted, key(n)).ratio() for n in c.names), c)
              for c in candidates]
    score, best = max(scored, key=lambda s: s[0], default=(0.0, None))
    return [best] if score >= MATCH else []


def _best(text: str, candidates: list[Place]) -> list[Place]:
    return _exact(text, candidates) or _closest(text, candidates)


@dataclass
class Home:
    """[[floors]], [[areas]] (with `floor`) and [[devices]] (with `domain`, `area`): each has an
    `id` and Spanish names `es` (a name or a list of aliases); [assistant] modules = [...]."""

    floors: list[Place] = field(default_factory=list)
    areas: list[Place] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)  # [assistant] modules: user actions

    @classmethod
    def load(cls, path: str | Path | None = None) -> Home:
        """The home file at path (default: the example home shipped with the package)."""
        where = Path(path) if path else HOME
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
            return cls(
                floors=[Place(f["id"], _names(f), _english(f)) for f in data.get("floors", [])],
                areas=[Place(a["id"], _names(a), _english(a), a.get("floor"))
                       for a in data.get("areas", [])],
                devices=[Device(d["id"], _names(d), _english(d), d["domain"], d.get("area"))
                         for d in data.get("devices", [])],
                modules=list(data.get("assistant", {}).get("modules", [])),
            )
        except FileNotFoundError:
            raise VoiceError(f"{where}: no such home file") from None
        except tomllib.TOMLDecodeError as error:
            raise VoiceError(f"{where}: not valid TOML ({error})") from None
        except KeyError as error:
            raise VoiceError(f"{where}: an entry has no {error.args[0]!r}") from None

    def spoken_name(self, slot: str, text: str) -> str | None:
        """The home's own name for what a name, area or floor slot says (accents, case and
        close misspellings aside: "lampara de pie" -> "lámpara de pie"); None if nothing fits."""
        pool = {"name": self.devices, "area": self.areas, "floor": self.floors}.get(slot, [])
        found = _best(text, pool)
        return found[0].name if found else None

    def spoken_slots(self, slots: dict) -> dict:
        """slots with each name, area and floor as the home spells it, where one fits."""
        return {slot: self.spoken_name(slot, value) or value if isinstance(value, str) else value
                for slot, value in slots.items()}

    def _places(self, area: str | None, floor: str | None) -> set[str] | None:
        """Ids of the areas a command is limited to; None for the whole home."""
        if area:
            found = _best(area, self.areas)
            if not found:
                raise NotFound(area)
            return {found[0].id}
        if floor:
            found = _best(floor, self.floors)
            if not found:
                raise NotFound(floor)
            return {a.id for a in self.areas if a.floor == found[0].id}
        return None

    def _split(self, name: str) -> tuple[str, Place] | None:
        """("luz", kitchen) for "luz de la cocina": a name that ends with an area."""
        words = key(name).split()
        for i in range(1, len(words) - 1):
            if words[i] in _LINKS:
                found = _best(" ".join(words[i + 1:]), self.areas)
                if found:
                    return " ".join(words[:i]), found[0]
        return None

    def resolve(self, name: str | None = None, area: str | None = None,
                floor: str | None = None, domains: Iterable[str] = ()) -> list[Device]:
        """The devices a command means: by name (accent-insensitive, fuzzy), by a generic word
        ("luces", plural: all of them) or, without a name, everything in area/floor; all of
        them limited to domains when given. Raises NotFound or Ambiguous."""
        domains = set(domains)
        places = self._places(area, floor)
        pool = [d for d in self.devices if (not domains or d.domain in domains)
                and (places is None or d.area in places)]
        if name is None:
            if not pool:
                raise NotFound(None, area or floor)
            return pool
        found = _exact(name, pool)
        if found:
            return found
        generic = GENERIC.get(key(name))
        found = [d for d in pool if d.domain == generic]
        if len(found) > 1 and not key(name).endswith("s"):
            raise Ambiguous(found)
        split = self._split(name) if places is None and not found else None
        if split:
            return self.resolve(split[0], split[1].name, None, domains)
        found = found or _closest(name, pool)
        if not found:
            raise NotFound(name, area or floor)
        return found
