"""`pip install .` into a fresh virtual environment, then every kind of runtime command from
another folder with no VOICE_* variable: the shipped models travel inside the package, no
runtime path needs an extra's package, and the runtime installs without torch (issue 39)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "assets" / "samples" / "conf-waitforleader.wav"


@pytest.mark.slow
def test_a_fresh_install_runs_from_any_folder(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)],
                               capture_output=True, text=True, timeout=2400)
    assert installed.returncode == 0, installed.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("VOICE_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # no enrolment profile, a fresh state

    def voice(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "voice"), *args], cwd=elsewhere, env=env,
                              input=stdin, capture_output=True, text=True, timeout=600)

    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import voice; print(voice.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True)
    assert str(venv) in where.stdout, where.stdout + where.stderr  # not the checkout's
    translated = voice("translate", str(SAMPLE))
    assert translated.returncode == 0, translated.stderr
    result = json.loads(translated.stdout)
    assert "conferencia" in result["es"] and "conference" in result["en"].lower()
    said = voice("assistant", "--no-speak", "--state", str(tmp_path / "state.sqlite3"),
                 stdin="enciende la luz de la cocina\n")
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["intent"] == "HassTurnOn"
    parsed = voice("intent", "--json", "apaga la luz del salón")
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["intent"] == "HassTurnOff"
    heard = voice("transcribe", "--json", str(SAMPLE))
    assert heard.returncode == 0, heard.stderr
    assert "conferencia" in json.loads(heard.stdout)["text"]
    # no training framework: torch is not installed, and a training command says what to add
    python = str(venv / "bin" / "python")
    missing = subprocess.run([python, "-c", "import torch"], capture_output=True, text=True)
    assert missing.returncode != 0 and "No module named 'torch'" in missing.stderr
    exported = voice("export", str(tmp_path / "any-model"))
    assert exported.returncode == 2 and "pip install 'voice[train]'" in exported.stderr
    assert len(exported.stderr.strip().splitlines()) == 1
