"""Training the translator."""
