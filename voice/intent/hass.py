"""What home-assistant-intents ships for Spanish besides the sentences: the response templates,
the error messages and the slot value lists, so the assistant answers as Home Assistant would.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from home_assistant_intents import get_intents
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from voice.text import fold_accents

log = logging.getLogger(__name__)
_ENV = SandboxedEnvironment()
_SPACES = re.compile(r"\s+")


class Sorry(Exception):
    """A request that cannot be carried out; the message is the spoken reply."""


@cache
def _data() -> dict[str, Any]:
    return get_intents("es")


def sentence(text: str) -> str:
    """One spoken sentence: single spaces, capital first letter, final full stop."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?»" else text + "."


def spoken_list(names: list[str]) -> str:
    """ "a", "a y b", "a, b y c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" y {names[-1]}"


def _render(template: str, context: dict[str, Any]) -> str | None:
    try:
        return sentence(_ENV.from_string(template).render(**context)) or None
    except TemplateError:
        log.warning("response template failed", exc_info=True)
        return None


def response(intent: str, key: str, fallback: str, **context: Any) -> str:
    """The package's response `key` for intent rendered with context (slots=..., state=...);
    fallback when the package has none or it needs data this assistant does not keep."""
    template = _data()["responses"]["intents"].get(intent, {}).get(key)
    rendered = _render(template, context) if template else None
    return rendered or sentence(fallback)


def error(key: str, **context: Any) -> Sorry:
    """The package's error message `key` (e.g. "timer_not_found") as a Sorry to raise."""
    rendered = _render(_data()["responses"]["errors"][key], context)
    return Sorry(rendered or "Lo siento, no puedo hacerlo.")


def _pattern(text_in: str) -> re.Pattern[str]:
    """A hassil value ("(encendid|prendid)(o|a)[s]") as a regex on accent-folded text."""
    regex = re.escape(fold_accents(text_in.lower()))
    for old, new in (("\\(", "(?:"), ("\\)", ")"), ("\\[", "(?:"), ("\\]", ")?"), ("\\|", "|")):
        regex = regex.replace(old, new)
    return re.compile(regex)


@cache
def _values(list_name: str) -> list[tuple[re.Pattern[str], Any]]:
    return [(_pattern(v["in"]), v["out"]) for v in _data()["lists"][list_name]["values"]]


def value(list_name: str, text: str) -> Any | None:
    """What a slot list maps a spoken value to: value("color", "Rojo") -> "red"."""
    folded = _SPACES.sub(" ", fold_accents(text.lower())).strip()
    return next((out for pattern, out in _values(list_name) if pattern.fullmatch(folded)), None)
