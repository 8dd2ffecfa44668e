"""voice: offline Spanish speech -> English text/speech and voice commands, on recurrent nets."""

__version__ = "0.1.0"
