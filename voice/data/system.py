"""Kept for the corpus builders that still import it from here; the functions live in the
runtime module `voice.system` (speech out needs them, and runtime code never imports data)."""

from voice.system import require_file, require_program

__all__ = ["require_file", "require_program"]
