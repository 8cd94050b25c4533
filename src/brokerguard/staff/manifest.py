"""The staff domain's parts (see :mod:`brokerguard.kernel.manifest`)."""

from __future__ import annotations

from brokerguard.kernel.manifest import DomainManifest
from brokerguard.staff import api, models, views
from brokerguard.staff.settings import StaffSettings

MANIFEST = DomainManifest(
    name="staff",
    api_routers=(api.router,),
    page_routers=(views.router,),
    models=models,
    settings=StaffSettings,
)
