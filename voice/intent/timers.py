"""Timers that really run: kept in State, so they survive a restart, and checked with `due`
against an injectable clock, so a running assistant can announce them and tests need no sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from voice.intent.hass import error, sentence
from voice.intent.home import key
from voice.intent.state import State, Timer

LIVE = ("running", "paused")


def spoken_duration(seconds: float) -> str:
    """ "1 hora y 5 minutos", "30 segundos": the largest two units."""
    seconds = round(seconds)
    parts = []
    for size, one, many in ((3600, "hora", "horas"), (60, "minuto", "minutos"),
                            (1, "segundo", "segundos")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    return " y ".join(parts[:2]) or "0 segundos"


def title(timer: Timer) -> str:
    """How a timer is named aloud: "el temporizador de pizza", "el temporizador de 5 minutos"."""
    return f"el temporizador de {timer.name or spoken_duration(timer.duration)}"


def announcement(timer: Timer) -> str:
    return sentence(f"{title(timer)} ha terminado")


class Timers:
    def __init__(self, state: State, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock

    def live(self) -> list[Timer]:
        return self.state.timers(*LIVE)

    def left(self, timer: Timer) -> float:
        """Seconds to go."""
        if timer.state == "paused":
            return timer.remaining or 0.0
        return max(0.0, (timer.ends_at or 0.0) - self.clock())

    def start(self, seconds: float, name: str | None = None) -> Timer:
        return self.state.add_timer(name, seconds, self.clock())

    def find(self, name: str | None = None, duration: float | None = None) -> Timer:
        """The live timer a command means: by name, by the duration it was started with, or the
        only one there is. Raises the Home Assistant error when none or several match."""
        found = self.live()
        if name:
            found = [t for t in found if t.name and key(t.name) == key(name)]
        if duration:
            found = [t for t in found if round(t.duration) == round(duration)]
        if not found:
            raise error("timer_not_found")
        if len(found) > 1:
            raise error("multiple_timers_matched")
        return found[0]

    def pause(self, timer: Timer) -> None:
        if timer.state == "running":
            timer.remaining, timer.ends_at, timer.state = self.left(timer), None, "paused"
            self.state.save_timer(timer)

    def resume(self, timer: Timer) -> None:
        if timer.state == "paused":
            timer.ends_at, timer.remaining = self.clock() + (timer.remaining or 0.0), None
            timer.state = "running"
            self.state.save_timer(timer)

    def adjust(self, timer: Timer, seconds: float) -> None:
        """Add (or, negative, take away) time; never below zero left."""
        if timer.state == "paused":
            timer.remaining = max(0.0, (timer.remaining or 0.0) + seconds)
        else:
            timer.ends_at = max(self.clock(), (timer.ends_at or 0.0) + seconds)
        self.state.save_timer(timer)

    def cancel(self, timer: Timer) -> None:
        timer.state = "cancelled"
        self.state.save_timer(timer)

    def due(self, now: float | None = None) -> list[Timer]:
        """Running timers whose time is up, marked finished: each is returned only once."""
        now = self.clock() if now is None else now
        finished = [t for t in self.state.timers("running") if (t.ends_at or 0.0) <= now]
        for timer in finished:
            timer.state = "finished"
            self.state.save_timer(timer)
        return finished
