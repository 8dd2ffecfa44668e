"""The assistant's command language: sentences sampled from Home Assistant's Spanish templates
(home-assistant-intents, hassil syntax) over the home's own areas, floors and device names,
written as the recogniser writes them. The command grammar (`voice.asr.grammar`) is counted
from them and cached, keyed by what they depend on, so a changed home file rebuilds it.

Templates with a free-text slot (a timer's name, a shopping-list item) cannot be spelled out
from the home, so they are left out: such commands are decoded open.
"""

from __future__ import annotations

import hashlib
import random
from importlib.metadata import version

from voice.asr.grammar import cached_grammar
from voice.asr.lm import WordLM
from voice.intent.home import Home
from voice.intent.templates import TemplateWalk, Unfillable
from voice.text import normalize_es

VERSION = 2  # of the sampling below: a change rebuilds every cached grammar
PER_TEMPLATE = 60  # random walks per template sentence


def _intents():
    from hassil.intents import Intents
    from home_assistant_intents import get_intents

    return Intents.from_dict(get_intents("es"))


def grammar_key(home: Home, per_template: int = PER_TEMPLATE) -> str:
    """What the command language depends on: the home's names and the template packages."""
    parts = (VERSION, per_template, version("hassil"), version("home-assistant-intents"),
             home.floors, home.areas, home.devices)
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]


def command_grammar(home: Home) -> WordLM:
    """The home's command grammar, from the user cache folder (built there the first time)."""
    from platformdirs import user_cache_path

    return cached_grammar(user_cache_path("voice") / "grammar", grammar_key(home),
                          lambda: command_sentences(home))


def command_sentences(home: Home, per_template: int = PER_TEMPLATE, seed: int = 0) -> list[str]:
    """Distinct normalised sentences of every template that the home can fill, sorted."""
    intents = _intents()
    rng = random.Random(seed)
    out: set[str] = set()
    for intent in intents.intents.values():
        for data in intent.data:
            walk = _Walk(intents, data, home, rng)
            for sentence in data.sentences:
                for _ in range(per_template):
                    try:
                        out.add(normalize_es(walk.text(sentence.expression)))
                    except Unfillable:
                        break
    return sorted(out)


class _Walk(TemplateWalk):
    """One random path through a template: an alternative at every branch, a value for every
    slot list (the home's names for area, floor and name; a number for a range)."""

    def __init__(self, intents, data, home: Home, rng: random.Random) -> None:
        super().__init__({**intents.expansion_rules, **data.expansion_rules}, rng)
        self.lists = {**intents.slot_lists, **data.slot_lists}
        wanted = data.slots.get("domain") or (data.requires_context or {}).get("domain") or []
        domains = {wanted} if isinstance(wanted, str) else set(wanted)
        devices = [d for d in home.devices if not domains or d.domain in domains]
        self.names = {"area": [n for a in home.areas for n in a.names],
                      "floor": [n for f in home.floors for n in f.names],
                      "name": [n for d in devices for n in d.names]}

    def reference(self, expr) -> str:
        return f" {self._value(expr.list_name)} "

    def _value(self, list_name: str) -> str:
        from hassil.intents import RangeSlotList, TextSlotList

        slot_list = self.lists.get(list_name)
        if isinstance(slot_list, TextSlotList) and slot_list.values:
            return self.text(self.rng.choice(slot_list.values).text_in)
        if isinstance(slot_list, RangeSlotList):
            top = min(slot_list.stop, slot_list.start + 100)
            return str(self.rng.randrange(slot_list.start, top + 1, slot_list.step))
        names = self.names.get(list_name) if slot_list is None else None
        if not names:
            raise Unfillable
        return self.rng.choice(names)
