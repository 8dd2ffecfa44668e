"""What the assistant remembers between runs, in one SQLite file: device states, timers and
the items of the shopping and to-do lists.

The file is `VOICE_STATE` when set, else state.sqlite3 in the user data directory; a path given
to State wins over both (tests use a temporary one).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from platformdirs import user_data_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, brightness INTEGER, color TEXT,
    color_temp INTEGER, position INTEGER, temperature REAL, percentage INTEGER, volume INTEGER,
    muted INTEGER NOT NULL, media TEXT NOT NULL, track INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, duration REAL NOT NULL,
    started_at REAL NOT NULL, ends_at REAL, remaining REAL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, list TEXT NOT NULL, item TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0);
"""


@dataclass
class EntityState:
    """One device as the assistant left it; fields that do not apply to its domain stay None."""

    id: str
    state: str = "off"  # on/off, open/closed, locked/unlocked, cleaning/docked
    brightness: int | None = None  # percent
    color: str | None = None  # Home Assistant colour name: "red"
    color_temp: int | None = None  # kelvin
    position: int | None = None  # percent open
    temperature: float | None = None  # target, °C
    percentage: int | None = None  # fan speed
    volume: int | None = None  # percent
    muted: bool = False
    media: str = "idle"  # idle, playing, paused
    track: int = 0  # moves with next/previous


@dataclass
class Timer:
    id: int
    name: str | None
    duration: float  # seconds asked for: how the user refers to it ("el de cinco minutos")
    started_at: float
    ends_at: float | None  # while running
    remaining: float | None  # while paused
    state: str  # running, paused, finished, cancelled


@dataclass
class Item:
    id: int
    list: str
    item: str
    done: bool


def default_path() -> Path:
    env = os.environ.get("VOICE_STATE")
    return Path(env) if env else Path(user_data_dir("voice")) / "state.sqlite3"


class State:
    """Reads and writes go through one lock, so a thread announcing timers can share it."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._tx() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def close(self) -> None:
        self._db.close()

    # devices
    def get(self, entity_id: str) -> EntityState:
        with self._tx() as db:
            row = db.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if row is None:
            return EntityState(entity_id)
        return EntityState(**{**dict(row), "muted": bool(row["muted"])})

    def put(self, entity: EntityState) -> None:
        names = [f.name for f in fields(EntityState)]
        with self._tx() as db:
            db.execute(f"INSERT OR REPLACE INTO entities ({', '.join(names)}) "
                       f"VALUES ({', '.join('?' * len(names))})",
                       [asdict(entity)[n] for n in names])

    # timers
    def add_timer(self, name: str | None, duration: float, now: float) -> Timer:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO timers (name, duration, started_at, ends_at, state) "
                "VALUES (?, ?, ?, ?, 'running')", (name, duration, now, now + duration))
        return Timer(int(cursor.lastrowid or 0), name, duration, now, now + duration, None,
                     "running")

    def timers(self, *states: str) -> list[Timer]:
        """Timers in any of states, oldest first."""
        marks = ", ".join("?" * len(states))
        with self._tx() as db:
            rows = db.execute(f"SELECT * FROM timers WHERE state IN ({marks}) ORDER BY id",
                              states).fetchall()
        return [Timer(**dict(r)) for r in rows]

    def save_timer(self, timer: Timer) -> None:
        with self._tx() as db:
            db.execute("UPDATE timers SET ends_at = ?, remaining = ?, state = ? WHERE id = ?",
                       (timer.ends_at, timer.remaining, timer.state, timer.id))

    # lists
    def add_item(self, list_id: str, item: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO list_items (list, item) VALUES (?, ?)", (list_id, item))

    def items(self, list_id: str) -> list[Item]:
        with self._tx() as db:
            rows = db.execute("SELECT * FROM list_items WHERE list = ? ORDER BY id",
                              (list_id,)).fetchall()
        return [Item(**{**dict(r), "done": bool(r["done"])}) for r in rows]

    def set_done(self, item_id: int, done: bool = True) -> None:
        with self._tx() as db:
            db.execute("UPDATE list_items SET done = ? WHERE id = ?", (int(done), item_id))

    def remove_item(self, item_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM list_items WHERE id = ?", (item_id,))
