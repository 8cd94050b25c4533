"""Android network security config (``res/xml/...``): where cleartext HTTP is permitted.

The config is binary XML referenced by ``android:networkSecurityConfig``. A
``base-config`` or ``domain-config`` with ``cleartextTrafficPermitted="true"``
permits cleartext for the app or for the listed domains; a missing
``base-config`` attribute takes the platform default (permitted below API 28).
``debug-overrides`` apply to debuggable builds only and are ignored here.
"""

from __future__ import annotations

from typing import Any

from androguard.core.axml import AXMLPrinter


class NetworkConfigError(ValueError):
    """The network security config is not readable binary XML."""


def _permitted(element: Any) -> bool | None:
    value = element.get("cleartextTrafficPermitted")
    if value is None:
        return None
    return str(value).strip().lower() in ("true", "1")


def cleartext_scopes(data: bytes, target_sdk: int | None) -> list[str]:
    """``"base"`` and/or domain names for which the config permits cleartext."""
    try:
        printer = AXMLPrinter(data)
        root = printer.get_xml_obj() if printer.is_valid() else None
    except Exception as exc:  # androguard raises anything on malformed XML
        raise NetworkConfigError(
            f"unreadable network security config ({type(exc).__name__})"
        ) from None
    if root is None or root.tag != "network-security-config":
        raise NetworkConfigError("not a <network-security-config> document")
    scopes: list[str] = []
    base = root.find("base-config")
    base_permitted = _permitted(base) if base is not None else None
    if base_permitted is None:
        base_permitted = target_sdk is None or target_sdk < 28
    if base_permitted:
        scopes.append("base")
    for config in root.iter("domain-config"):
        if _permitted(config):
            for domain in config.findall("domain"):
                if domain.text and domain.text.strip():
                    scopes.append(domain.text.strip())
    return scopes
