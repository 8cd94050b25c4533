"""Typed errors of the mobile domain: each names the artifact and the reason."""

from __future__ import annotations

from brokerguard.errors import PayloadTooLargeError, ValidationError


class ArtifactError(ValidationError):
    """An APK or IPA that cannot be analysed safely (bad archive, hostile content, bad manifest).

    ``code`` is one of ``artifact_not_zip``, ``artifact_corrupt``, ``artifact_truncated``,
    ``artifact_zip_bomb``, ``artifact_path_traversal``, ``artifact_manifest_invalid``,
    ``artifact_empty``, ``artifact_unsupported``.
    """

    code = "artifact_invalid"

    def __init__(self, artifact: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(f"{artifact}: {reason}", field="artifact", code=code)
        self.artifact = artifact
        self.reason = reason


class ArtifactTooLargeError(PayloadTooLargeError):
    """An artifact or one of its entries is over the configured size limits."""

    code = "artifact_too_large"

    def __init__(self, artifact: str, reason: str) -> None:
        super().__init__(f"{artifact}: {reason}", field="artifact")
        self.artifact = artifact
        self.reason = reason
