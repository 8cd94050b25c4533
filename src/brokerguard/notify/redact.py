"""What a notice may carry: national ID numbers masked, no password, OTP or secret."""

from __future__ import annotations

import re
from collections.abc import Mapping

from brokerguard.errors import ValidationError

#: a Taiwan national ID (A123456789) or resident certificate number (A812345678, AB12345678)
_ID_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]\d{2})(\d{3})(\d{3})(?![A-Za-z0-9])")
_FORBIDDEN_KEY = re.compile(r"pass(word|wd|phrase)?|otp|totp|secret|pin|credential", re.IGNORECASE)


def mask_id_numbers(text: str) -> str:
    """``A123456789`` -> ``A123***789`` wherever an ID number appears in ``text``."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)


def clean_details(details: Mapping[str, str | int]) -> dict[str, str | int]:
    """The details with ID numbers masked; a key naming a password, OTP or secret is refused."""
    cleaned: dict[str, str | int] = {}
    for key, value in details.items():
        if _FORBIDDEN_KEY.search(key):
            raise ValidationError(
                f"a notice never carries a password, OTP or secret (details key {key!r})",
                field="details",
            )
        cleaned[key] = mask_id_numbers(value) if isinstance(value, str) else value
    return cleaned
