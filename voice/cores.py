"""How many CPU cores this process may use: the ones `taskset` (or a container) allows, not
all of the machine's, so that a job pinned to one core does not start threads for two; and how
many threads each engine (onnxruntime, CTranslate2, torch) runs, set once per process."""

from __future__ import annotations

import os
import sys

_threads = 0


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))


def use_threads(count: int) -> None:
    """Threads for this process's engines from now on (0: one per usable core): onnxruntime
    sessions made after this call, and torch where it is loaded."""
    global _threads
    _threads = count
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads())


def threads() -> int:
    return _threads or usable_cores()
