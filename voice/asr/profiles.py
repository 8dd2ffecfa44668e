"""Personal recogniser profiles: the weights `voice enroll` adapted to one speaker.

A profile holds only the tensors enrolment changed (the upper layers and the output), plus a
fingerprint of the model it was adapted from: it is applied over that model when loading, and
refused with one line for any other. Profiles live in the user data folder
($VOICE_PROFILES, else e.g. ~/.local/share/voice/profiles/NAME/); the shipped model is never
written. The profile called "default" is used whenever it exists, unless a command names
another (or `--profile none`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from voice.choices import DEFAULT_PROFILE
from voice.errors import VoiceError
from voice.files import atomic_path, write_atomically
from voice.models import WEIGHTS

DEFAULT = DEFAULT_PROFILE
NONE = "none"
_META, _WEIGHTS = "profile.json", "adapted.safetensors"


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _folder(name: str) -> Path:
    """A profile's folder; one line for a name that is not a plain file name."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise VoiceError(f"profile name {name!r}: use letters, digits, '-', '_' and '.' only")
    return profiles_dir() / name


def profiles_dir() -> Path:
    if os.environ.get("VOICE_PROFILES"):
        return Path(os.environ["VOICE_PROFILES"])
    from platformdirs import user_data_path

    return user_data_path("voice") / "profiles"


def fingerprint(model_dir: Path) -> str:
    """What a profile was adapted from: the hash of the base model's weights file."""
    digest = hashlib.sha256()
    with (model_dir / WEIGHTS).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def save_profile(name: str, model, names: list[str], model_dir: Path, info: dict) -> Path:
    """Write the adapted tensors `names` of model (a CtcRecognizer), made from the model in
    model_dir. Enrolment then writes the adapted model's ONNX graphs beside them."""
    from safetensors.torch import save_file

    folder = _folder(name)
    folder.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    with atomic_path(folder / _WEIGHTS) as tmp:
        save_file({k: state[k].half().contiguous() for k in names}, str(tmp))
    write_atomically(folder / _META, json.dumps(
        {"base": str(model_dir), "fingerprint": fingerprint(model_dir), **info}, indent=2) + "\n")
    return folder


def resolve(name: str | None, model_dir: Path | None = None) -> Path | None:
    """The folder of the profile to use: None for no profile (none asked, or the default one
    absent, or made for another recogniser than model_dir's: enrolment adapts one of them);
    a one-line error when a named profile does not exist."""
    if name in (None, "", NONE):
        return None
    folder = _folder(name)
    if (folder / _META).is_file():
        if name == DEFAULT and model_dir is not None and not _made_for(folder, model_dir):
            return None
        return folder
    if name == DEFAULT:
        return None
    raise VoiceError(f"no profile {name!r} in {profiles_dir()} (run `voice enroll --profile "
                     f"{name}`)")


def _made_for(folder: Path, model_dir: Path) -> bool:
    try:
        return json.loads((folder / _META).read_text()).get("fingerprint") == \
            fingerprint(model_dir)
    except (OSError, ValueError, AttributeError):
        return True  # a damaged default profile is reported by apply_profile


def check_profile(folder: Path, model_dir: Path) -> None:
    """One line when a profile is unreadable or was adapted from another model."""
    try:
        meta = json.loads((folder / _META).read_text())
        if not isinstance(meta, dict):
            raise ValueError("profile.json is not an object")
    except (OSError, ValueError) as error:
        raise VoiceError(f"{folder}: unreadable profile ({error}); run `voice enroll` "
                         "again") from None
    if meta.get("fingerprint") != fingerprint(model_dir):
        raise VoiceError(f"{folder}: profile made for another recogniser ({meta.get('base')}); "
                         f"run `voice enroll --profile {folder.name}` again")


def apply_profile(model, folder: Path, model_dir: Path) -> None:
    """Load a profile's tensors over model (a CtcRecognizer: the PyTorch path, for a profile
    without ONNX graphs); one line when it is corrupt or was adapted from another model."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    check_profile(folder, model_dir)
    try:
        adapted = load_file(str(folder / _WEIGHTS))
    except (OSError, SafetensorError) as error:
        raise VoiceError(f"{folder}: unreadable profile ({error}); run `voice enroll` "
                         "again") from None
    state = model.state_dict()
    if unknown := [k for k in adapted if k not in state or state[k].shape != adapted[k].shape]:
        raise VoiceError(f"{folder}: profile tensors do not fit the model ({unknown[0]})")
    with torch.no_grad():
        for key, value in adapted.items():
            state[key].copy_(value.float())
