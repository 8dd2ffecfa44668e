"""Text command -> action -> spoken Spanish reply, for `voice assistant` and the live pipeline.

The assistant never acts on a command it is unsure of, and no failing action stops it: every
problem becomes a reply the user hears.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Protocol

from voice.errors import VoiceError
from voice.intent.actions import Context, handler, load_extensions
from voice.intent.hass import Sorry, error
from voice.intent.home import Home
from voice.intent.parser import Parse
from voice.intent.state import State
from voice.intent.timers import Timers, announcement
from voice.numbers import spoken_number

log = logging.getLogger(__name__)
REPEAT = "No te he entendido, ¿puedes repetirlo?"
UNKNOWN = "Todavía no sé hacer eso."
THRESHOLD = 0.5
NUMBER_SLOTS = frozenset({
    "hours", "minutes", "seconds", "start_hours", "start_minutes", "start_seconds",
    "brightness", "temperature", "position", "percentage", "volume_level", "volume_step",
})


class Parser(Protocol):
    def parse(self, text: str) -> Parse: ...


@dataclass
class Reply:
    """What the assistant made of one command: the JSON line `voice assistant` prints, for
    typed and spoken commands alike (a spoken one adds its times: `Utterance.to_dict`)."""

    text: str  # the command, as typed or as recognised
    intent: str | None
    slots: dict[str, str | float]
    confidence: float
    reply: str  # what to say
    ok: bool  # False: nothing was done (not understood, unknown device, failure...)

    def to_dict(self) -> dict:
        return asdict(self)


def numeric(slots: dict[str, str]) -> dict[str, str | float]:
    """Number slots as numbers ("cinco" -> 5.0, "25 %" -> 25.0); the rest, and number slots
    with no number in them ("tope", "blanco cálido"), stay as said."""
    out: dict[str, str | float] = {}
    for name, value in slots.items():
        number = spoken_number(value) if name in NUMBER_SLOTS else None
        out[name] = value if number is None else number
    return out


class Assistant:
    def __init__(self, parser: Parser, home: Home, state: State,
                 clock: Callable[[], float] = time.time, threshold: float = THRESHOLD) -> None:
        self.parser = parser
        self.home = home
        self.state = state
        self.clock = clock
        self.threshold = threshold
        self.timers = Timers(state, clock)
        load_extensions(home.modules)

    def handle(self, text: str) -> Reply:
        if not text.strip():
            return Reply(text, None, {}, 0.0, REPEAT, False)
        parse = self.parser.parse(text)
        slots = numeric(parse.slots)

        def reply(message: str, ok: bool) -> Reply:
            return Reply(text, parse.intent, slots, parse.confidence, message, ok)

        if parse.intent is None or parse.confidence < self.threshold:
            return reply(REPEAT, False)
        act = handler(parse.intent)
        if act is None:
            return reply(UNKNOWN, False)
        context = Context(parse.intent, slots, text, self.home, self.state, self.timers,
                          self.clock)
        try:
            return reply(act(context), True)
        except Sorry as sorry:
            return reply(str(sorry), False)
        except Exception:
            log.exception("action for %s failed on %r", parse.intent, text)
            return reply(str(error("handle_error")), False)

    def announcements(self) -> list[str]:
        """What to say about the timers that finished since the last call."""
        return [announcement(t) for t in self.timers.due()]

    @contextmanager
    def announcing(self, say: Callable[[str], None], every: float = 1.0) -> Iterator[None]:
        """While the block runs, say each finished timer once (checked every second, on a
        thread of its own); a failure to say one is logged and the announcer goes on."""
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(every):
                for message in self.announcements():
                    try:
                        say(message)
                    except VoiceError as failure:
                        log.warning("voice: error: %s", failure)

        announcer = threading.Thread(target=poll, daemon=True)
        announcer.start()
        try:
            yield
        finally:
            stop.set()
            announcer.join()
