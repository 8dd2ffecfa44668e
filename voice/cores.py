"""How many CPU cores this process may use: the ones `taskset` (or a container) allows, not
all of the machine's, so that a job pinned to one core does not start threads for two."""

from __future__ import annotations

import os


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))
