"""Telephone copies of the real Spanish recordings: each clip through a phone codec and back.

People call in: a GSM or AMR mobile line, a G.711 landline, ADPCM voicemail. The log-mel
band-limit augmentation (voice.training.asr.augment) narrows the band, but not the codec's own
distortion: quantisation noise, the mobile vocoders' coarse spectral envelope. So the real
voices are also heard through the codecs themselves, one codec per clip (chosen from its id,
so a rebuild is the same), each copy a row of `<set>-phone.jsonl` beside the original's.
"""

from __future__ import annotations

import subprocess
import tempfile
import zlib
from pathlib import Path

import soundfile as sf

from voice.data.copies import build_copies
from voice.system import require_program

# sox arguments of each codec's 8 kHz file, and how to read it back
CODECS = {
    "gsm": (["-t", "gsm"], ["-t", "gsm", "-r", "8000", "-c", "1"]),  # GSM 06.10 full rate
    "amr-nb": (["-t", "amr-nb"], ["-t", "amr-nb"]),  # mobile narrowband (12.2 kbit/s)
    "ulaw": (["-e", "u-law", "-t", "wav"], ["-t", "wav"]),  # G.711, North America and Japan
    "alaw": (["-e", "a-law", "-t", "wav"], ["-t", "wav"]),  # G.711, elsewhere
    "adpcm": (["-e", "ima-adpcm", "-t", "wav"], ["-t", "wav"]),  # voicemail, answering machines
}


def codec_for(clip: str) -> str:
    names = sorted(CODECS)
    return names[zlib.crc32(clip.encode()) % len(names)]


def through_codec(job: tuple[Path, Path, str]) -> float:
    """source WAV -> the telephone band (300-3400 Hz) at 8 kHz -> codec -> 16 kHz WAV at
    target, once (a finished copy is kept); its duration."""
    source, target, codec = job
    if not target.exists():
        sox = require_program("sox", "sox", "Telephone copies of the recordings")
        encode, decode = CODECS[codec]
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(suffix=f".{codec}") as coded:
            subprocess.run([sox, "-V1", str(source), "-c", "1", "-r", "8000", *encode,
                            coded.name, "gain", "-3", "sinc", "300-3400"], check=True)
            subprocess.run([sox, "-V1", *decode, coded.name, "-r", "16000", "-b", "16",
                            "-e", "signed-integer", str(target)], check=True)
    return sf.info(str(target)).duration


def build(asr: Path, names: list[str], jobs: int | None = None) -> dict[str, int]:
    """asr/<name>-phone.jsonl for each manifest asr/<name>.jsonl, WAVs under asr/phone/<name>/."""
    counts = {}
    for name in names:
        counts.update(build_copies(asr, name, "phone", through_codec,
                                   lambda r: codec_for(r["audio"]),
                                   lambda _, codec: {"channel": codec}, jobs))
    return counts
