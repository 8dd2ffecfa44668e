"""Every trainable model in one registry: its recipe, its task and the corpus it trains on, so
`voice train` treats them alike. Each task is built as `Task(recipe, resume)`; each recipe
names the manifests it reads (`recipe.manifests()`, which also says when [data] is unusable).
Training code: no runtime path imports this."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Trainable:
    module: str  # where the recipe and task classes live (imported when chosen)
    recipe: str
    task: str
    corpus: str  # `voice data build CORPUS` writes its manifests

    def classes(self) -> tuple[type, type]:
        """(recipe class, task class)."""
        module = importlib.import_module(self.module)
        return getattr(module, self.recipe), getattr(module, self.task)


TASKS = {
    "asr": Trainable("voice.training.asr.task", "AsrRecipe", "AsrTask", "asr"),
    "mt": Trainable("voice.training.mt.task", "MtRecipe", "MtTask", "mt"),
    "intent": Trainable("voice.training.intent.task", "IntentRecipe", "IntentTask", "intent"),
    "wake": Trainable("voice.training.wake", "WakeRecipe", "WakeTask", "wake"),
}
