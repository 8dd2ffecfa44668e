"""Run by torchrun from test_train.py: two CPU ranks train the toy task, each saves weights."""

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from tests.toy_task import ToyTask
from voice.training.trainer import TrainConfig, train

out = Path(sys.argv[1])
task = ToyTask()
config = TrainConfig(lr=0.01, epochs=2, warmup_steps=1, eval_every=1000, checkpoint_every=1000,
                     threads=1, run_dir=str(out / "run"), export_dir=str(out / "model"))
original = {k: v.clone() for k, v in task.model.state_dict().items()}
rank = int(__import__("os").environ["RANK"])
train(task, config)
torch.save({"trained": task.model.state_dict(), "original": original}, out / f"rank{rank}.pt")
assert not dist.is_initialized()
