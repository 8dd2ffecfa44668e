"""AhoTTS (PyPI pyahotts): Aholab's HTS engine and its native Spanish female voice.

A third synthesizer, and the only native Spanish one: statistical-parametric speech from a real
speaker's recordings. Speaking-rate and vocal-tract shifts (resampling) vary its one timbre.

The bundled x86-64 library was linked against glibc 2.38, which asks for C23 `strtol`, `strtoul`
and `sscanf` and a newer `fmod`. On an older glibc a patched copy (in the user cache folder)
asks for the classic versions of the same functions instead; nothing else changes.
"""

from __future__ import annotations

import ctypes
import os
import platform
import re
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.synth import peak_normalise, trim_silence
from voice.errors import VoiceError
from voice.files import write_atomically

_C23 = "__isoc23_"  # glibc 2.38's C23 variants: the same functions for our inputs
# The engine says only the first sentence of a text and keeps the rest for the next call, so
# each clause is said on its own; it reads ISO-8859-1, so anything else becomes a space.
_CLAUSE_END = re.compile(r"[.;:?!…]+")
_NOT_LATIN1 = re.compile(r"[^\x20-\xff]|[¿¡«»\"“”]")
_PAUSE = np.zeros(int(0.15 * SAMPLE_RATE), np.float32)


def _glibc_older_than(major: int, minor: int) -> bool:
    name = os.confstr("CS_GNU_LIBC_VERSION") or "glibc 0.0"
    found = tuple(int(x) for x in name.split()[-1].split(".")[:2])
    return found < (major, minor)


def patch_for_old_glibc(source: Path, target: Path) -> None:
    """Copy the library, making every glibc 2.38 requirement one that glibc 2.7 meets:
    C23 imports become the classic functions and version 2.38 becomes 2.2.5 (2.7 for
    sscanf, as __isoc99_sscanf)."""
    from elftools.elf.elffile import ELFFile

    data = bytearray(source.read_bytes())
    with source.open("rb") as handle:
        elf = ELFFile(handle)
        dynsym, dynstr = elf.get_section_by_name(".dynsym"), elf.get_section_by_name(".dynstr")
        versym = elf.get_section_by_name(".gnu.version")
        needs = _version_needs(data, elf.get_section_by_name(".gnu.version_r"), dynstr)
        for versions in needs.values():
            if "GLIBC_2.38" in versions and "GLIBC_2.2.5" in versions:
                at, _, _, _ = versions["GLIBC_2.38"]
                _, hash_, _, name = versions["GLIBC_2.2.5"]
                struct.pack_into("<I", data, at, hash_)  # vna_hash
                struct.pack_into("<I", data, at + 8, name)  # vna_name
        libc_2_7 = needs["libc.so.6"]["GLIBC_2.7"][2]
        for index, symbol in enumerate(dynsym.iter_symbols()):
            if not symbol.name.startswith(_C23):
                continue
            if symbol.name == f"{_C23}sscanf":
                at = dynstr["sh_offset"] + symbol["st_name"]
                data[at:at + len(symbol.name)] = b"__isoc99_sscanf"
                struct.pack_into("<H", data, versym["sh_offset"] + 2 * index, libc_2_7)
            else:  # st_name points past the prefix: "strtol", "strtoul"
                entry = dynsym["sh_offset"] + index * dynsym["sh_entsize"]
                struct.pack_into("<I", data, entry, symbol["st_name"] + len(_C23))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, bytes(data))  # build workers may patch at once


def _version_needs(data: bytes, section, dynstr) -> dict[str, dict[str, tuple[int, ...]]]:
    """{library: {version: (file offset, vna_hash, vna_other, vna_name)}} from the
    Verneed/Vernaux chains of .gnu.version_r (pyelftools does not give the offsets)."""
    needs: dict[str, dict[str, tuple[int, ...]]] = {}
    at = section["sh_offset"]
    while True:
        count, file, aux, following = struct.unpack_from("<2xHIII", data, at)
        versions = needs.setdefault(dynstr.get_string(file), {})
        entry = at + aux
        for _ in range(count):
            hash_, other, name, step = struct.unpack_from("<I2xHII", data, entry)
            versions[dynstr.get_string(name)] = (entry, hash_, other, name)
            entry += step
        if not following:
            return needs
        at += following


@cache
def _engine():
    """(library, engine handle, data path) for this process."""
    try:
        import pyahotts
    except ImportError:
        raise VoiceError("AhoTTS voices need `pip install pyahotts pyelftools`") from None
    package = Path(pyahotts.__file__).parent
    library = package / f"libhtts_{platform.machine()}.so"
    if not library.exists():
        raise VoiceError(f"AhoTTS has no library for {platform.machine()}")
    if _glibc_older_than(2, 38):
        from importlib.metadata import version

        from platformdirs import user_cache_dir

        patched = Path(user_cache_dir("voice")) / f"pyahotts-{version('pyahotts')}" / library.name
        if not patched.exists():
            patch_for_old_glibc(library, patched)
        library = patched
    lib = ctypes.cdll.LoadLibrary(str(library))
    lib.create_tts.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.create_tts.restype = ctypes.c_void_p
    lib.synthesize_text.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.c_char_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_short)),
                                    ctypes.POINTER(ctypes.c_int)]
    lib.synthesize_text.restype = ctypes.c_int
    lib.free_samples.argtypes = [ctypes.POINTER(ctypes.c_short)]
    data = str(package / "data_tts").encode()
    handle = lib.create_tts(data, b"es")
    if not handle:
        raise VoiceError("AhoTTS could not load its Spanish voice")
    return lib, handle, data


@dataclass(frozen=True)
class AhoVoice:
    """The Aholab voice with its vocal tract and pace scaled by `shift` (> 1: shorter tract,
    higher and faster), as resampling does."""

    shift: float = 1.0

    @property
    def name(self) -> str:
        return f"ahotts:aholab_es_female@{self.shift:.2f}"

    @property
    def speed(self) -> float:
        return self.shift

    def synthesize(self, text: str) -> np.ndarray:
        clauses = [c.strip() for c in _CLAUSE_END.split(_NOT_LATIN1.sub(" ", text))]
        pieces = [piece for c in clauses if c for piece in (_say(c), _PAUSE)][:-1]
        if not pieces:
            raise VoiceError(f"AhoTTS: nothing to say in {text!r}")
        audio = soxr.resample(np.concatenate(pieces), SAMPLE_RATE * self.shift, SAMPLE_RATE)
        return peak_normalise(trim_silence(audio, before=0.05, after=0.1))


def _say(clause: str) -> np.ndarray:
    lib, handle, data = _engine()
    samples, length = ctypes.POINTER(ctypes.c_short)(), ctypes.c_int()
    if not lib.synthesize_text(handle, f"{clause}.".encode("latin-1"), data, b"es",
                               ctypes.byref(samples), ctypes.byref(length)) or length.value <= 0:
        raise VoiceError(f"AhoTTS could not say {clause!r}")
    audio = np.ctypeslib.as_array(samples, shape=(length.value,)).astype(np.float32) / 32768
    lib.free_samples(samples)
    return audio
