"""Content-addressed file store: ``<data_dir>/evidence/<aa>/<sha256>``, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from brokerguard.errors import NotFoundError, ValidationError


class EvidenceFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationError(f"not a SHA-256 hex digest: {sha256!r}", field="sha256")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_for(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).chmod(0o440)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The file's bytes; refuses a file whose content no longer matches its name."""
        path = self.path_for(sha256)
        if not path.exists():
            raise NotFoundError(f"evidence file {sha256} is missing from the store", field="sha256")
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValidationError(f"evidence file {sha256} was altered: its hash no longer matches")
        return content

    def verify(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        if not path.exists():
            return False
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() == sha256
