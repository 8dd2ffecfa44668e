"""User-facing errors: the CLI prints these as one line, never as a traceback."""

from __future__ import annotations

from pathlib import Path


class VoiceError(Exception):
    """A problem the user can fix (bad input, missing package, missing model)."""


class VoiceInputError(VoiceError):
    """An input file that cannot be used, named together with the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # raised in worker processes: must survive pickling
        return type(self), (self.path, self.reason)


class MissingPackageError(VoiceError):
    """A Debian package the command needs is not installed."""

    def __init__(self, what: str, package: str) -> None:
        self.what = what
        self.package = package
        super().__init__(f"{what} needs the Debian package {package}: "
                         f"run `sudo apt-get install -y {package}`")

    def __reduce__(self):
        return type(self), (self.what, self.package)
