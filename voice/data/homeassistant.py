"""Labelled voice commands sampled from the Home Assistant intent templates (hassil syntax).

A random walk over each template's expression tree picks one alternative at every branch and
one value for every slot, so each sample comes with its slot spans. The same slot values can be
forced on the English templates of the same intent, which yields parallel es/en command pairs.
"""

from __future__ import annotations

import random
import re
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hassil.expression import (
    Expression,
    ListReference,
)
from hassil.intents import IntentData, Intents, RangeSlotList, TextSlotList
from home_assistant_intents import get_intents
from num2words import num2words

from voice.intent.home import HOME, Device, Home, Named, Place
from voice.intent.templates import TemplateWalk, Unfillable

VALUES = Path(__file__).resolve().parents[2] / "assets" / "intent" / "values.toml"
_OPEN, _CLOSE = "\x01", "\x02"
_SLOT_MARK = re.compile(f"{_OPEN}(.*?){_CLOSE}")


@dataclass
class Entities:
    """Everything a template slot can be filled with that the intent package does not ship:
    the home's areas, floors and devices (the assistant's own `Home`), plus random-home pools."""

    areas: list[Place] = field(default_factory=list)
    floors: list[Place] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    wildcards: dict[str, list[Named]] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Path | None = None, values: Path | None = VALUES) -> Entities:
        """The home file's entities, plus the random-home pools of values.toml when given."""
        house = Home.load(home or HOME)
        ents = cls(list(house.areas), list(house.floors), list(house.devices))
        if values is not None:
            pools = tomllib.loads(values.read_text(encoding="utf-8"))
            ents.areas += [Place(*_pair(p)) for p in pools["areas"]]
            ents.floors += [Place(*_pair(p)) for p in pools["floors"]]
            for domain, pairs in pools["devices"].items():
                ents.devices += [Device(*_pair(p, domain), domain) for p in pairs]
            ents.wildcards = {k: [Named(*_pair(p)) for p in v]
                              for k, v in pools["wildcards"].items()}
        return ents


def _pair(text: str, domain: str = "") -> tuple[str, tuple[str, ...], str]:
    """(id, Spanish names, English name) of a pool entry "es|en"."""
    es, en = text.split("|")
    return f"{domain}:{en}", (es,), en


@dataclass(frozen=True)
class Slot:
    name: str
    start: int
    end: int
    value: Any
    key: str


@dataclass
class Command:
    text: str
    intent: str
    slots: list[Slot]
    context: dict[str, Any]
    template: str

    def to_row(self) -> dict:
        return {
            "text": self.text,
            "intent": self.intent,
            "slots": [
                {"slot": s.name, "start": s.start, "end": s.end, "value": s.value}
                for s in self.slots
            ],
            "context": self.context,
            "template": self.template,
        }


@dataclass(frozen=True)
class Template:
    intent: str
    data: IntentData
    expression: Expression
    id: str

    @property
    def fixed_slots(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.slots.items() if isinstance(v, (str, int, float))}

    @property
    def domains(self) -> set[str]:
        wanted = self.data.slots.get("domain") or self.data.requires_context.get("domain") or []
        return {wanted} if isinstance(wanted, str) else set(wanted)


class CommandSampler:
    """Random labelled commands from the Home Assistant templates of one language."""

    def __init__(self, lang: str, entities: Entities, number_words: float = 0.5) -> None:
        self.lang = lang
        self.entities = entities
        self.number_words = number_words  # how often numbers are written as words, not digits
        self.intents = Intents.from_dict(get_intents(lang))
        self.templates = [
            Template(name, data, sentence.expression, f"{name}/{i}/{j}")
            for name, intent in self.intents.intents.items()
            for i, data in enumerate(intent.data)
            for j, sentence in enumerate(data.sentences)
        ]

    def dev_templates(self, share: float = 0.15) -> set[str]:
        """Template ids held out for dev: a share of each intent that has three or more."""
        by_intent: dict[str, list[str]] = {}
        for t in self.templates:
            by_intent.setdefault(t.intent, []).append(t.id)
        dev: set[str] = set()
        for ids in by_intent.values():
            if len(ids) >= 3:
                ids = sorted(ids, key=lambda i: zlib.crc32(i.encode()))
                dev.update(ids[: max(1, round(share * len(ids)))])
        return dev

    def sample(
        self, template: Template, rng: random.Random, forced: dict[str, str] | None = None
    ) -> Command | None:
        """One command from template; None when a slot cannot be filled (or forced)."""
        walker = _Walk(self, template, rng, forced or {})
        try:
            walker.visit(template.expression, walker.parts)
        except Unfillable:
            return None
        return walker.command()


class _Walk(TemplateWalk):
    def __init__(self, sampler: CommandSampler, template: Template, rng: random.Random,
                 forced: dict[str, str]) -> None:
        super().__init__({**sampler.intents.expansion_rules, **template.data.expansion_rules},
                         rng)
        self.s, self.t, self.forced = sampler, template, forced
        self.lists = {**sampler.intents.slot_lists, **template.data.slot_lists}
        self.parts: list[str] = []
        self.slots: list[tuple[str, Any, str]] = []

    def reference(self, expr: ListReference) -> str:
        text, value, key = self.fill(expr)
        self.slots.append((expr.slot_name, value, key))
        return f"{_OPEN}{text}{_CLOSE}"

    def _choose(self, slot: str, candidates: list[tuple[str, Any, str]]) -> tuple[str, Any, str]:
        if slot in self.forced:
            candidates = [c for c in candidates if c[2] == self.forced[slot]]
        if not candidates:
            raise Unfillable
        return self.rng.choice(candidates)

    def fill(self, ref: ListReference) -> tuple[str, Any, str]:
        """(text spoken, slot value, language-independent key) for one list reference."""
        lang, ents, slot = self.s.lang, self.s.entities, ref.slot_name
        if ref.list_name in ("area", "floor", "name") and ref.list_name not in self.lists:
            pool = {"area": ents.areas, "floor": ents.floors}.get(ref.list_name)
            if pool is None:
                domains = self.t.domains
                pool = [d for d in ents.devices if not domains or d.domain in domains]
            if slot in self.forced:
                pool = [e for e in pool if e.id == self.forced[slot]]
            if not pool:
                raise Unfillable
            entry = self.rng.choice(pool)
            name = self.rng.choice(entry.spoken(lang))
            return name, name, entry.id
        slot_list = self.lists.get(ref.list_name)
        if isinstance(slot_list, TextSlotList):
            options = [(v, str(v.value_out)) for v in slot_list.values]
            value, key = self._choose(slot, [(v, v.value_out, k) for v, k in options])[0::2]
            parts: list[str] = []
            self.visit(value.text_in, parts)
            return " ".join("".join(parts).split()), value.value_out, key
        if isinstance(slot_list, RangeSlotList):
            # A negative multiplier is a direction ("baja el volumen un 43 %" is -43): the key
            # keeps it ("-43"), so a forced pair never turns "up" into "down".
            down = (slot_list.multiplier or 1) < 0
            if slot in self.forced:
                if self.forced[slot].startswith("-") != down:
                    raise Unfillable
                number = int(self.forced[slot].lstrip("-"))
            else:
                top = min(slot_list.stop, slot_list.start + 100)
                number = self.rng.randrange(slot_list.start, top + 1, slot_list.step)
            words = self.rng.random() < self.s.number_words
            text = num2words(number, lang=lang) if words else str(number)
            value = number * slot_list.multiplier if slot_list.multiplier else number
            return text, value, f"-{number}" if down else str(number)
        pool = ents.wildcards.get(ref.list_name)
        if not pool:
            raise Unfillable
        entry = self._choose(slot, [(e, e.id, e.id) for e in pool])[0]
        name = self.rng.choice(entry.spoken(lang))
        return name, name, entry.id

    def command(self) -> Command:
        raw = " ".join("".join(self.parts).split())
        raw = re.sub(rf"\s*{_CLOSE}", _CLOSE, re.sub(rf"{_OPEN}\s*", _OPEN, raw))
        text, spans, cursor = [], [], 0
        for match, (name, value, key) in zip(_SLOT_MARK.finditer(raw), self.slots, strict=True):
            text.append(raw[cursor:match.start()])
            start = sum(map(len, text))
            text.append(match.group(1))
            spans.append(Slot(name, start, start + len(match.group(1)), value, key))
            cursor = match.end()
        text.append(raw[cursor:])
        return Command("".join(text).strip(), self.t.intent, spans, self.t.fixed_slots, self.t.id)
