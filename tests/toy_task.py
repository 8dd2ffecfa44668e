"""A tiny regression task for exercising the shared trainer quickly (not a project model)."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from voice.checkpoint import save_model


@dataclass
class ToyBatch:
    x: torch.Tensor
    y: torch.Tensor


class ToyTask:
    def __init__(self, stop_after: int | None = None) -> None:
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
        generator = torch.Generator().manual_seed(1)
        self.x = torch.randn(64, 4, generator=generator)
        self.y = self.x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
        self.stop_after = stop_after
        self.served = 0

    def batches(self, epoch: int, rank: int, world: int):
        order = torch.randperm(64, generator=torch.Generator().manual_seed(epoch))
        for start in range(rank * 8, 64, 8 * world):
            if self.stop_after is not None and self.served == self.stop_after:
                os.kill(os.getpid(), signal.SIGTERM)
            self.served += 1
            index = order[start:start + 8]
            yield ToyBatch(self.x[index], self.y[index])

    def steps_per_epoch(self, world: int) -> int:
        return 8 // world

    def loss(self, model: nn.Module, batch: ToyBatch):
        return nn.functional.mse_loss(model(batch.x), batch.y), len(batch.x)

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        return {"score": -nn.functional.mse_loss(model(self.x), self.y).item()}

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        save_model(out, model, {"kind": "toy", "dev": metrics})
