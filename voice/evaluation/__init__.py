"""Evaluation and benchmarks (`voice eval`, `voice bench`): never imported at run time."""
