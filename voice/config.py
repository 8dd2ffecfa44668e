"""Recipes: TOML files loaded into nested dataclasses, so every option is typed and documented."""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from voice.errors import VoiceError

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build dataclass cls from a dict; unknown keys are an error (typos must not pass)."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise VoiceError(f"{where or cls.__name__}: unknown option(s) {', '.join(sorted(unknown))}")
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if isinstance(hint, types.UnionType):  # X | None
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            value = from_dict(hint, value, f"{where}[{key}]")
        kwargs[key] = value
    return cls(**kwargs)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """base with override's values; tables are merged key by key."""
    out = dict(base)
    for key, value in override.items():
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merge(base[key], value) if both else value
    return out


def read_recipe(path: str | Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A recipe's TOML as a dict. `base = "other.toml"` (relative to the recipe) starts from
    another recipe, so a variant states only what it changes."""
    path = Path(path)
    if not path.exists():
        raise VoiceError(f"{path}: no such recipe")
    if path.resolve() in seen:
        raise VoiceError(f"{path}: recipes name each other as base")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise VoiceError(f"{path}: not valid TOML ({error})") from None
    base = data.pop("base", None)
    if base is None:
        return data
    return _merge(read_recipe(path.parent / base, (*seen, path.resolve())), data)


def load_recipe(path: str | Path, cls: type[T]) -> T:
    return from_dict(cls, read_recipe(path), str(path))
