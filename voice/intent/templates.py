"""One random path through a hassil sentence template, shared by the intent corpus's sampler
(voice.data.homeassistant) and the assistant's command grammar (voice.intent.commands): text
as written, one alternative, a permutation's parts in random order, rules expanded. What a
slot-list reference says is the subclass's choice (`reference`)."""

from __future__ import annotations

import random
from typing import Any


class Unfillable(Exception):
    """The template names a rule or list that cannot be filled here."""


class TemplateWalk:
    def __init__(self, rules: dict[str, Any], rng: random.Random) -> None:
        self.rules, self.rng = rules, rng

    def text(self, expression: Any) -> str:
        parts: list[str] = []
        self.visit(expression, parts)
        return "".join(parts)

    def visit(self, expr: Any, out: list[str]) -> None:
        from hassil.expression import (
            Alternative,
            ListReference,
            Permutation,
            RuleReference,
            Sequence,
            TextChunk,
        )

        if isinstance(expr, TextChunk):
            out.append(expr.original_text or expr.text)
        elif isinstance(expr, Alternative):
            self.visit(self.rng.choice(expr.items), out)
        elif isinstance(expr, Permutation):
            items = list(expr.items)
            self.rng.shuffle(items)
            for item in items:
                out.append(" ")
                self.visit(item, out)
                out.append(" ")
        elif isinstance(expr, Sequence):
            for item in expr.items:
                self.visit(item, out)
        elif isinstance(expr, RuleReference):
            if expr.rule_name not in self.rules:
                raise Unfillable(expr.rule_name)
            self.visit(self.rules[expr.rule_name].expression, out)
        elif isinstance(expr, ListReference):
            out.append(self.reference(expr))
        else:
            raise Unfillable(type(expr).__name__)

    def reference(self, expr: Any) -> str:
        """What the walk says for a slot-list reference."""
        raise NotImplementedError
