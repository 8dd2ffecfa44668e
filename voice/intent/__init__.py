"""Spanish voice commands: intent classification and slot tagging with a bidirectional GRU."""
