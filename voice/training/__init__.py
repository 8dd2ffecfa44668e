"""Training: one trainer (trainer.py), a task per model; never imported at run time."""
