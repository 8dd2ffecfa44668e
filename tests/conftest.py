"""Shared fixtures and markers: tests that read Debian data packages skip when one is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from voice.audio import SAMPLE_RATE


@pytest.fixture(autouse=True, scope="session")
def _no_personal_profiles(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests see the recogniser as shipped, never the developer's own `voice enroll` profile
    (subprocesses inherit the variable)."""
    import os

    os.environ["VOICE_PROFILES"] = str(tmp_path_factory.mktemp("profiles"))


def needs(path_or_program: str, package: str):
    present = shutil.which(path_or_program) or Path(path_or_program).exists()
    return pytest.mark.skipif(not present, reason=f"needs Debian package {package} (make test "
                                                  "installs it)")


@pytest.fixture
def tone() -> np.ndarray:
    """One second of a 440 Hz tone at 16 kHz."""
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
