"""Run a worker over many jobs on all usable cores with a progress bar on stderr."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from multiprocessing import get_context
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from voice.cores import usable_cores

J = TypeVar("J")
R = TypeVar("R")


def parallel_map(fn: Callable[[J], R], jobs: Sequence[J], description: str,
                 processes: int | None = None) -> list[R]:
    """fn over jobs in worker processes; results in job order."""
    processes = processes or usable_cores()
    results: list[R] = [None] * len(jobs)  # type: ignore[list-item]
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(description, total=len(jobs))
        if processes == 1:  # no worker process to start (nor to fork from a threaded parent)
            for i, job in enumerate(jobs):
                results[i] = fn(job)
                progress.advance(task)
            return results
        with get_context("fork").Pool(processes) as pool:
            indexed = pool.imap_unordered(_call, [(fn, i, job) for i, job in enumerate(jobs)],
                                          chunksize=8)
            for i, result in indexed:
                results[i] = result
                progress.advance(task)
    return results


def _call(args: tuple[Callable, int, object]) -> tuple[int, object]:
    fn, i, job = args
    return i, fn(job)
