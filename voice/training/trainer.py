"""One trainer for every model: AdamW, warm-up + cosine schedule, clipping, an optional moving
average of the weights, checkpoints, resume, SIGTERM-safe stops, JSONL logs, a progress bar,
and torchrun data parallelism.

A task supplies the model, its batches, its loss, its dev evaluation and its export; the loop
here is the same for the recogniser, the translator and the intent parser.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from voice.checkpoint import load_model
from voice.cores import usable_cores
from voice.errors import VoiceError
from voice.files import atomic_path

T = TypeVar("T")


@dataclass
class TrainConfig:
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 200
    epochs: int = 10
    max_minutes: float = 0.0  # stop after this much wall time (0: no limit)
    anneal_by_time: bool = False  # the cosine ends at max_minutes if that comes first
    clip: float = 5.0
    ema: float = 0.0  # evaluate and export a moving average of the weights, this decay per step
    checkpoint_every: int = 100  # steps
    eval_every: int = 400  # steps
    eval_each_epoch: bool = True  # also at the end of each epoch (off when epochs are short)
    patience: int = 0  # evaluations without improvement before stopping (0: never stop early)
    threads: int = 0  # torch intra-op threads per process (0: usable cores / processes)
    seed: int = 0
    init: str = ""  # start from this exported model's weights (fine-tuning); "" = from scratch
    run_dir: str = "runs/model"
    export_dir: str = "runs/model"


class Task(Protocol):
    """What the trainer runs; every task is built as `Task(recipe, resume)`
    (voice/training/tasks.py)."""

    model: nn.Module

    def batches(self, epoch: int, rank: int, world: int) -> Iterator[Any]: ...
    def steps_per_epoch(self, world: int) -> int: ...
    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, int]: ...
    def evaluate(self, model: nn.Module) -> dict[str, float]: ...  # "score": higher is better
    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None: ...


def cut_batches(order: Iterable[T], size: Callable[[T], int], budget: int) -> list[list[T]]:
    """Items in their order, cut into batches whose padded size (items x the largest size)
    stays within budget; sorted by size first, batches hold similar lengths."""
    batches: list[list[T]] = []
    batch: list[T] = []
    longest = 0
    for item in order:
        if batch and max(longest, size(item)) * (len(batch) + 1) > budget:
            batches.append(batch)
            batch, longest = [], 0
        batch.append(item)
        longest = max(longest, size(item))
    if batch:
        batches.append(batch)
    return batches


def _world() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _schedule(step: int, total: int, warmup: int, spent: float = 0.0) -> float:
    """Warm-up, then cosine decay to 5 % over the steps, or over the time budget if that ends
    first (spent: the share of max_minutes used, with anneal_by_time): a run cut short by its
    budget then still anneals instead of stopping at a high learning rate."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, max((step - warmup) / max(1, total - warmup), spent))
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))


class _Stop:
    """SIGTERM/SIGINT ask for a checkpoint at the next step boundary, then a clean exit."""

    def __init__(self) -> None:
        self.requested = False
        self.previous = {sig: signal.signal(sig, self._handle)
                         for sig in (signal.SIGTERM, signal.SIGINT)}

    def _handle(self, *_: object) -> None:
        self.requested = True

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def train(task: Task, config: TrainConfig, resume: bool = False) -> dict[str, float]:
    """Train task.model; returns the best dev metrics (rank 0) and exports the best model."""
    if min(config.eval_every, config.checkpoint_every, config.epochs) <= 0:
        raise VoiceError("recipe [train]: eval_every, checkpoint_every and epochs must be > 0")
    if not 0 <= config.ema < 1:
        raise VoiceError(f"recipe [train]: ema must be 0 (off) or a decay below 1: {config.ema}")
    rank, world = _world()
    torch.set_num_threads(config.threads or max(1, usable_cores() // world))
    device = torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    run = Path(config.run_dir)
    checkpoint = run / "last.pt"
    if config.init and not (resume and checkpoint.exists()):
        _start_from(task.model, config.init)
    model = task.model.to(device)
    wrapped: nn.Module = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    optimizer = torch.optim.AdamW(_param_groups(model, config.weight_decay), lr=config.lr)
    steps_per_epoch = task.steps_per_epoch(world)
    total = steps_per_epoch * config.epochs
    run.mkdir(parents=True, exist_ok=True)
    state = {"step": 0, "epoch": 0, "batch": 0, "best": -math.inf, "bad_evals": 0,
             "best_metrics": {}, "seconds": 0.0}
    saved = torch.load(checkpoint, map_location=device, weights_only=False) \
        if resume and checkpoint.exists() else {}
    if saved:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        _log(rank, f"resumed from {checkpoint} at step {state['step']}")
    # every rank keeps the average (cheap); rank 0 evaluates and exports it. It starts as a copy
    # of the weights as they are now, unless the checkpoint holds one.
    averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema),
                             use_buffers=True) if config.ema else None
    if averaged is not None and saved.get("averaged"):
        averaged.load_state_dict(saved["averaged"])
    scored = averaged.module if averaged is not None else model  # evaluated and exported
    log = (run / "log.jsonl").open("a") if rank == 0 else None
    stop = _Stop()
    started = time.monotonic() - state.get("seconds", 0.0)  # the time budget spans resumes

    def save() -> None:
        state["seconds"] = time.monotonic() - started
        if rank == 0:
            with atomic_path(checkpoint) as tmp:
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "averaged": averaged.state_dict() if averaged is not None else None,
                            "state": state}, tmp)

    def evaluate() -> bool:
        """Dev evaluation on rank 0; export on improvement; True when patience ran out."""
        out_of_patience = torch.zeros(1, device=device)
        if rank == 0:
            scored.eval()
            with torch.no_grad():
                metrics = task.evaluate(scored)
            model.train()
            record = {"step": state["step"], "epoch": state["epoch"], "eval": metrics}
            log.write(json.dumps(record) + "\n")
            log.flush()
            _log(rank, f"step {state['step']}: " + " ".join(
                f"{k}={v:.4g}" for k, v in metrics.items()))
            if metrics["score"] > state["best"]:
                state.update(best=metrics["score"], bad_evals=0, best_metrics=metrics)
                task.export(scored, Path(config.export_dir), metrics)
            else:
                state["bad_evals"] += 1
            out_of_patience[0] = float(0 < config.patience <= state["bad_evals"])
        if world > 1:
            dist.broadcast(out_of_patience, 0)
        return bool(out_of_patience[0])

    if config.init and state["step"] == 0:
        evaluate()  # the starting model is the score to beat: a worse fine-tune never replaces it
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.fields[info]}"), TimeElapsedColumn())
    finished = False
    with Progress(*columns, console=Console(stderr=True), disable=rank != 0) as progress:
        bar = progress.add_task("train", total=total, completed=state["step"], info="")
        window_items, window_start = 0, time.monotonic()
        while state["epoch"] < config.epochs and not finished:
            for index, batch in enumerate(task.batches(state["epoch"], rank, world)):
                if index < state["batch"]:
                    continue  # resuming inside an epoch: these were already trained on
                spent = (time.monotonic() - started) / (config.max_minutes * 60) \
                    if config.max_minutes and config.anneal_by_time else 0.0
                lr = config.lr * _schedule(state["step"], total, config.warmup_steps, spent)
                for group in optimizer.param_groups:
                    group["lr"] = lr * group.get("scale", 1.0)
                loss, items = task.loss(wrapped, to_device(batch, device))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad = nn.utils.clip_grad_norm_(model.parameters(), config.clip)
                optimizer.step()
                if averaged is not None:
                    averaged.update_parameters(model)
                state["step"] += 1
                state["batch"] = index + 1
                window_items += items
                if rank == 0:
                    rate = window_items / max(1e-9, time.monotonic() - window_start)
                    info = f"epoch {state['epoch']} loss {loss.item():.3f} lr {lr:.2e} {rate:.0f}/s"
                    progress.update(bar, completed=state["step"], info=info)
                    log.write(json.dumps({"step": state["step"], "epoch": state["epoch"],
                                          "loss": round(loss.item(), 4), "lr": lr,
                                          "grad_norm": round(float(grad), 3),
                                          "items_per_s": round(rate, 1),
                                          "time": round(time.monotonic() - started, 1)}) + "\n")
                    if state["step"] % 20 == 0:
                        log.flush()
                        window_items, window_start = 0, time.monotonic()
                out_of_time = bool(config.max_minutes) and \
                    time.monotonic() - started > config.max_minutes * 60
                out_of_time, stop.requested = _agree(out_of_time, stop.requested, world, device)
                # evaluate on schedule, and once more when the time budget runs out, so the
                # last steps count towards the exported model
                if (state["step"] % config.eval_every == 0 or out_of_time) and evaluate():
                    finished = True
                if state["step"] % config.checkpoint_every == 0 or stop.requested or \
                        out_of_time or finished:
                    save()
                if stop.requested:
                    _log(rank, f"stopped at step {state['step']}; resume with --resume")
                    stop.restore()
                    sys.exit(143)
                if finished or out_of_time:
                    finished = True
                    break
            else:
                state.update(epoch=state["epoch"] + 1, batch=0)
                if config.eval_each_epoch and state["step"] % config.eval_every and evaluate():
                    finished = True
                save()
    stop.restore()
    if log:
        log.close()
    if world > 1:
        dist.destroy_process_group()
    return state["best_metrics"]


def _param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """AdamW groups: weight decay on matrices only, and each parameter's learning-rate scale
    from the model's `lr_scales` (name prefix -> scale; e.g. pretrained blocks tuned slowly)."""
    scales: dict[str, float] = getattr(model, "lr_scales", {})
    groups: dict[tuple[bool, float], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        scale = next((v for k, v in scales.items() if name.startswith(k)), 1.0)
        groups.setdefault((param.dim() > 1, scale), []).append(param)
    return [{"params": groups[decay, scale], "weight_decay": weight_decay if decay else 0.0,
             "scale": scale}  # decayed first: the order checkpoints saved before scales had
            for decay, scale in sorted(groups, key=lambda key: (not key[0], -key[1]))]


def _start_from(model: nn.Module, folder: str) -> None:
    """Fine-tuning: the weights of an exported model whose shapes match this recipe's model."""
    state, _ = load_model(folder)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        detail = str(error).splitlines()[1:2] or [str(error)]
        raise VoiceError(f"{folder}: [train] init does not fit this recipe's model "
                         f"({detail[0].strip()})") from None


def _agree(out_of_time: bool, stop: bool, world: int,
           device: torch.device) -> tuple[bool, bool]:
    """Every rank stops on the same step, or the others would wait forever in all-reduce."""
    if world == 1:
        return out_of_time, stop
    flags = torch.tensor([float(out_of_time), float(stop)], device=device)
    dist.all_reduce(flags, op=dist.ReduceOp.MAX)
    return bool(flags[0]), bool(flags[1])


def to_device(batch: Any, device: torch.device) -> Any:
    """A batch dataclass with its tensors (and numpy arrays, as tensors) on device."""
    def move(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        return value.to(device) if torch.is_tensor(value) else value

    return type(batch)(**{k: move(v) for k, v in vars(batch).items()})


def _log(rank: int, message: str) -> None:
    if rank == 0:
        print(message, file=sys.stderr, flush=True)
