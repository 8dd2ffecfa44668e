"""Servers that let other programs use voice's models: `voice serve wyoming` (Home Assistant),
`voice serve web` (the browser app)."""

MAX_TEXT = 2_000  # characters of text a client sends: a typed command, text to speak or act on
