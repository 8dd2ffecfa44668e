"""The assistant's wake phrase: the runtime detector (detector.py) apart from its training task
and evaluation (task.py), which no runtime path imports."""
