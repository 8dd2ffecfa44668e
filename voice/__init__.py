"""voice: offline Spanish speech -> English text/speech and voice commands, on recurrent nets.

    import voice
    v = voice.load()                  # the entry object (voice.app.Voice)
    v.transcribe("rec.wav").text
"""

from voice.app import Voice, load

__all__ = ["Voice", "load"]
__version__ = "0.1.0"
