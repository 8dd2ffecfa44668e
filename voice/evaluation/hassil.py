"""Home Assistant's own template matcher (hassil) as a baseline for the neural intent parser.

hassil gets the same Spanish templates (home-assistant-intents) the commands were sampled from
and slot lists filled from the same home and name pools (`Entities.load()`), so it knows every
name, area and floor of the dev set. It sees the same tokenised words as `IntentParser.label`
and answers in the same shape, so `voice.training.intent.task.scores` scores both alike.
"""

from __future__ import annotations

from typing import Any

from hassil.expression import TextChunk
from hassil.intents import Intents, TextSlotList, TextSlotValue
from hassil.recognize import recognize_best

from voice.data.homeassistant import CommandSampler, Entities
from voice.intent.data import tokenize
from voice.intent.home import Device, Named


def _values(entries: list[Named]) -> list[TextSlotValue]:
    """One hassil value per Spanish name (aliases included), spoken name in and out; device
    names carry their domain as context, as Home Assistant exposes its entities."""
    out, seen = [], set()
    for entry in entries:
        domain = entry.domain if isinstance(entry, Device) else ""
        context = {"domain": domain} if domain else None
        for name in entry.names:
            if (name, domain) not in seen:
                seen.add((name, domain))
                out.append(TextSlotValue(TextChunk(name), name, context=context))
    return out


def slot_lists(entities: Entities) -> dict[str, TextSlotList]:
    """The lists Home Assistant builds from the home at run time: area, floor and name. The
    package ships the rest (states, colours, number ranges, wildcards such as timer_name)."""
    return {
        "area": TextSlotList(name="area", values=_values(entities.areas)),
        "floor": TextSlotList(name="floor", values=_values(entities.floors)),
        "name": TextSlotList(name="name", values=_values(entities.devices)),
    }


class HassilParser:
    """Words -> (intent or "", confidence 1.0 or 0.0, one BIO tag per word), like
    `IntentParser.label`, by hassil's best template match."""

    def __init__(self, entities: Entities | None = None, satellite_area: str | None = None,
                 intents: Intents | None = None) -> None:
        entities = entities or Entities.load()
        self.intents = intents or CommandSampler("es", entities).intents
        self.lists = slot_lists(entities)
        # Home Assistant tells hassil which area the voice satellite is in; the templates that
        # act "here" ("enciende la luz") require it. Only fills a slot, never tags a word.
        area = satellite_area or (entities.areas[0].name if entities.areas else None)
        self.context: dict[str, Any] = {"area": {"value": area}} if area else {}

    def label(self, words: list[str]) -> tuple[str, float, list[str]]:
        tags = ["O"] * len(words)
        if not words:
            return "", 0.0, tags
        text = " ".join(words)
        result = recognize_best(text, self.intents, slot_lists=self.lists,
                                intent_context=self.context, language="es")
        if result is None:
            return "", 0.0, tags
        starts, cursor = [], 0
        for word in words:
            starts.append(cursor)
            cursor += len(word) + 1
        # Fixed slots (domain=light) and slots copied from the context have no text and tag
        # nothing. hassil's text_span drifts after number words ("un", "una"), so an entity is
        # placed where its own text occurs, the occurrence nearest the span hassil reported:
        # whole words first, else inside words ("11" of "11%", "ventanas" of "elventanas").
        for entity in result.entities_list:
            near = entity.text_span[0] if entity.text_span else 0
            for place in (self._as_words, self._inside_words):
                found = [ws for ws in place(words, starts, (entity.text or "").strip().lower())
                         if all(tags[i] == "O" for i in ws)]
                if found:
                    best = min(found, key=lambda ws: abs(starts[ws[0]] - near))
                    for k, i in enumerate(best):
                        tags[i] = f"{'I' if k else 'B'}-{entity.name}"
                    break
        return result.intent.name, 1.0, tags

    @staticmethod
    def _as_words(words: list[str], starts: list[int], text: str) -> list[range]:
        """Word ranges that spell text exactly (as `tokenize` splits it)."""
        target = [w for w, _, _ in tokenize(text)]
        return [range(i, i + len(target)) for i in range(len(words) - len(target) + 1)
                if target and words[i:i + len(target)] == target]

    @staticmethod
    def _inside_words(words: list[str], starts: list[int], text: str) -> list[range]:
        """Word ranges whose characters contain text."""
        joined, out = " ".join(words), []
        at = joined.find(text) if text else -1
        while at >= 0:
            first = max(i for i, s in enumerate(starts) if s <= at)
            last = max(i for i, s in enumerate(starts) if s < at + len(text))
            out.append(range(first, last + 1))
            at = joined.find(text, at + 1)
        return out


def subsample(rows: list[dict], limit: int) -> list[dict]:
    """At most limit rows, evenly spaced over the file: the manifest is grouped by template,
    so its first rows would cover a handful of intents only. Deterministic."""
    if limit <= 0 or limit >= len(rows):
        return rows
    return [rows[i * len(rows) // limit] for i in range(limit)]
