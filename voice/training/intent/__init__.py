"""Training the intent parser and calibrating its confidence."""
