"""The login factors this service offers after the password: one registration each.

Adding a factor is its module (``factor_<name>.py``: a :class:`~brokerguard.auth.factors.
FactorBase` subclass with its submission body, verdict, challenge and enrolment calls)
and one line here. The login flow, ``/login/challenge``, ``/login/factor``, the
``/enroll/...`` routes, ``required_factor_types``, the credential steps
(``enroll_<name>``) and the reset of a lost factor are all derived from :data:`FACTORS`.
The order is the order ``next_factors`` offers them in.
"""

from __future__ import annotations

from brokerguard.auth.factor_certificate import CertificateFactor
from brokerguard.auth.factor_device import BiometricResultFactor, DeviceKeyFactor
from brokerguard.auth.factor_totp import TotpFactor
from brokerguard.auth.factor_webauthn import WebAuthnFactor
from brokerguard.auth.factors import FactorRegistry

FACTORS = FactorRegistry()
FACTORS.register(TotpFactor())
FACTORS.register(DeviceKeyFactor())
FACTORS.register(CertificateFactor())
FACTORS.register(WebAuthnFactor())
FACTORS.register(BiometricResultFactor())
