"""Back-translation: English-only text made into synthetic Spanish sources by Apertium.

The synthetic Spanish is rule-based and often wrong, the English is real: the pairs teach the
decoder fluent modern English. They are tagged (`bt: true`, source `bt-<name>`) so the trainer
can mark them on the model input and a recipe can weight or leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable

from voice.mt.apertium import apertium


def back_translate(english: Iterable[tuple[str, str]]) -> list[dict]:
    """Rows {es, en, source: "bt-<name>", bt: true} for (name, English sentence) pairs, all
    through one `apertium eng-spa` call (a few thousand lines a minute); Apertium's '#'
    marks on words it could not inflect are dropped."""
    items = list(english)
    spanish = apertium([en for _, en in items], "eng-spa") if items else []
    return [{"es": es.replace("#", ""), "en": en, "source": f"bt-{name}", "bt": True}
            for (name, en), es in zip(items, spanish, strict=True)
            if es and es.lower() != en.lower()]
