"""Runtime code never imports training or corpus-building code: each command that users run
is run for real in a fresh interpreter, which then lists what it imported."""

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import needs

SAMPLE = "assets/samples/conf-waitforleader.wav"
# At exit (the command's own sys.exit included), name every training or corpus module loaded.
PROBE = """
import atexit, json, os, sys
def report():
    bad = sorted(m for m in sys.modules if m in ("voice.training", "voice.evaluation",
                                                 "voice.data")
                 or m.startswith(("voice.training.", "voice.evaluation.", "voice.data.",
                                  "experiments")))
    print("IMPORTED " + json.dumps(bad), file=sys.stderr, flush=True)
    engines = sorted(m for m in ("torch", "torchaudio") if m in sys.modules)
    print("ENGINES " + json.dumps(engines), file=sys.stderr, flush=True)
atexit.register(report)
sys.argv = ["voice", *sys.argv[1:]]
from voice.cli import main
main()
"""

with socket.socket() as _probe:  # `voice serve web` runs until BEFORE has fetched its page
    _probe.bind(("127.0.0.1", 0))
    WEB_PORT = _probe.getsockname()[1]
BEFORE = {"serve-web": f"""
import os, signal, threading, time, urllib.request
def stop():
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:{WEB_PORT}/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGTERM)  # the server's own clean stop
threading.Thread(target=stop, daemon=True).start()
"""}
COMMANDS = {
    "transcribe": ["transcribe", SAMPLE],
    "translate": ["translate", SAMPLE],
    "translate-text": ["translate-text", "buenos días"],
    "intent": ["intent", "enciende la luz de la cocina"],
    "assistant": ["assistant", "--no-speak"],
    "listen-translate": ["listen", "--mode", "translate", "--input", SAMPLE, "--no-speak"],
    "listen-assistant": ["listen", "--mode", "assistant", "--input", SAMPLE, "--no-speak"],
    "serve-wyoming": ["serve", "wyoming", "--uri", "stdio://"],  # answers stdin, ends at EOF
    "serve-web": ["serve", "web", "--port", str(WEB_PORT)],
}
STDIN = {"assistant": "apaga la luz de la cocina\n",
         "serve-wyoming": '{"type": "transcript", "data": {"text": "qué hora es"}}\n'}




def _imported(args: list[str], tmp_path, stdin: str = "", before: str = "",
              report: str = "IMPORTED") -> list[str]:
    result = subprocess.run([sys.executable, "-c", before + PROBE, *args], capture_output=True,
                            text=True, input=stdin, timeout=300,
                            env={**os.environ, "VOICE_STATE": str(tmp_path / "state.sqlite3")})
    assert result.returncode == 0, result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith(f"{report} ")]
    return json.loads(line.removeprefix(f"{report} "))


@pytest.mark.parametrize("name", COMMANDS)
def test_runtime_command_loads_no_training_or_corpus_code(name, tmp_path):
    assert _imported(COMMANDS[name], tmp_path, STDIN.get(name, ""), BEFORE.get(name, "")) == []


@pytest.mark.parametrize("name", COMMANDS)
def test_runtime_command_runs_without_torch(name, tmp_path):
    """The runtime runs on inference engines alone (onnxruntime, CTranslate2): torch and
    torchaudio are training's (the `train` extra)."""
    assert _imported(COMMANDS[name], tmp_path, STDIN.get(name, ""), BEFORE.get(name, ""),
                     report="ENGINES") == []


@needs("espeak-ng", "espeak-ng")
def test_speak_loads_no_corpus_code(tmp_path):
    assert _imported(["speak", "hello", "--out", str(tmp_path / "hello.wav")], tmp_path) == []
    assert _imported(["speak", "hola", "--out", str(tmp_path / "hola.wav")], tmp_path,
                     report="ENGINES") == []
    assert (tmp_path / "hello.wav").stat().st_size > 1000


def test_the_probe_catches_a_corpus_import(tmp_path):
    """The check can fail: a process that loads corpus code is caught."""
    loaded = _imported(["--help"], tmp_path, before="import voice.data.asterisk")
    assert "voice.data.asterisk" in loaded
    assert _imported(["--help"], tmp_path, before="import torch", report="ENGINES") == ["torch"]
