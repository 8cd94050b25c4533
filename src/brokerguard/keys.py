"""Key files generated at first run under ``<data_dir>/keys`` (mode 0600); none is in the repo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from brokerguard.errors import ConfigurationError


def key_dir(data_dir: Path) -> Path:
    path = data_dir / "keys"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def load_or_create_secret(data_dir: Path, name: str, nbytes: int = 32) -> bytes:
    """Return the secret in ``keys/<name>``, creating it with ``nbytes`` random bytes if absent.

    Creation is atomic (O_EXCL), so two processes starting together agree on one key.
    """
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigurationError(f"bad key name: {name!r}", field="name")
    path = key_dir(data_dir) / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        data = path.read_bytes()
        if len(data) < 16:
            raise ConfigurationError(f"key file {path} is too short ({len(data)} bytes)") from None
        return data
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(nbytes))
    return path.read_bytes()
