"""Apertium, the rule-based translator: the baseline every evaluation prints, the source of
back-translations, and the draft that a post-editing translator reads beside the Spanish."""

from __future__ import annotations

import subprocess

from voice.errors import VoiceError


def apertium(sentences: list[str], pair: str = "spa-eng") -> list[str]:
    """Rule-based translations from `apertium <pair>` (unknown words unmarked), one call for
    all sentences: one line in, one line out (a line break inside a sentence is a space)."""
    if not sentences:
        return []
    text = "\n".join(" ".join(s.split()) for s in sentences)
    try:
        done = subprocess.run(["apertium", "-u", pair], input=text,
                              capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise VoiceError("apertium is not installed: apt-get install apertium-eng-spa") from None
    except subprocess.CalledProcessError as error:
        raise VoiceError(f"apertium {pair} failed: {error.stderr.strip()[:200]}") from None
    lines = done.stdout.split("\n")
    if len(lines) < len(sentences):
        raise VoiceError(f"apertium {pair} returned fewer lines than it was given")
    return [line.strip() for line in lines[: len(sentences)]]
