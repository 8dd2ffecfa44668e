"""Spanish -> English translation: GRU encoder-decoder with attention."""
