"""Programs and files from Debian packages: find them, or say which package to install."""

from __future__ import annotations

import shutil
from pathlib import Path

from voice.errors import MissingPackageError


def require_program(program: str, package: str, what: str) -> str:
    """Path of an executable, or a one-line MissingPackageError naming the apt package."""
    found = shutil.which(program)
    if found is None:
        raise MissingPackageError(what, package)
    return found


def require_file(path: str | Path, package: str, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise MissingPackageError(what, package)
    return path
