"""Servers that let other programs use voice's models: `voice serve wyoming` (Home Assistant),
`voice serve web` (the browser app)."""
