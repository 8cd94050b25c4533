"""The demo firm: what every domain's ``demo.py`` receives.

``brokerguard demo`` calls each domain's ``load_demo(ctx)`` in ``ORDER`` (lower
first) inside one transaction. Demo data must look like a real firm's: real
Taiwanese unit names, plausible dates spread over the last year, some gaps so
the dashboard shows failures as well as passes. Randomness comes from
``ctx.rng`` (seeded), so two demo runs give the same firm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.kernel.audit import AuditSink
from brokerguard.staff.service import StaffIdentity


@dataclass
class DemoContext:
    session: Session
    settings: Settings
    clock: Clock
    rng: random.Random
    audit: AuditSink
    #: staff of the demo firm by role value: admin, security, compliance, auditor, app_team
    staff: dict[str, StaffIdentity] = field(default_factory=dict)
    #: lines printed to the person running the demo (report paths, accounts, ...)
    notes: list[str] = field(default_factory=list)
