"""The staff domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from brokerguard.kernel.manifest import DomainManifest
from brokerguard.staff import models

MANIFEST = DomainManifest(
    name="staff",
    models=models,
)
