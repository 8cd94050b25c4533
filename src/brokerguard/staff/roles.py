"""Roles of the people who use brokerguard."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    security = "security"  # 資安專責單位
    compliance = "compliance"  # 法遵單位
    auditor = "auditor"  # 稽核 (read-only)
    app_team = "app_team"  # 行動應用程式開發團隊

    @property
    def label_zh(self) -> str:
        return ROLE_LABELS_ZH[self]

    @property
    def label_en(self) -> str:
        return ROLE_LABELS_EN[self]


ROLE_LABELS_ZH = {
    Role.admin: "系統管理者",
    Role.security: "資安專責單位",
    Role.compliance: "法遵單位",
    Role.auditor: "稽核（唯讀）",
    Role.app_team: "APP 開發團隊",
}

ROLE_LABELS_EN = {
    Role.admin: "Administrator",
    Role.security: "Cybersecurity unit",
    Role.compliance: "Compliance unit",
    Role.auditor: "Internal audit (read-only)",
    Role.app_team: "App team",
}

#: Roles that may change data. The auditor only reads.
WRITER_ROLES = frozenset({Role.admin, Role.security, Role.compliance, Role.app_team})
