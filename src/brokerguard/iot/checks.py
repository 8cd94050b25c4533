"""Checks for Art. 7 (A7.1.1-A7.1.7, A7.2, A7.3) on the IoT register's content.

A7.4 (training) is checked by the training register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import as_utc, today
from brokerguard.iot import scans, service
from brokerguard.iot.schemas import (
    AssessmentRecord,
    AssetRecord,
    AssetStatus,
    ExceptionRecord,
    ExceptionStatus,
)

MAX_LISTED = 10


@dataclass
class IotState:
    day: date
    assets: list[AssetRecord]
    latest: dict[str, AssessmentRecord]
    exceptions: list[ExceptionRecord]

    def excepted(self, asset_id: str, control: str) -> bool:
        return any(e.covers(asset_id, control, self.day) for e in self.exceptions)

    def expired(self, asset_id: str, control: str) -> list[ExceptionRecord]:
        return [
            e
            for e in self.exceptions
            if e.asset_id == asset_id and e.control == control and e.is_expired(self.day)
        ]


def load_state(session: Session, day: date) -> IotState:
    return IotState(
        day=day,
        assets=service.list_assets(session, status=AssetStatus.active),
        latest=service.latest_assessments(session),
        exceptions=service.list_exceptions(session),
    )


def _names(assets: list[AssetRecord]) -> str:
    shown = "、".join(f"{a.asset_tag} {a.name}" for a in assets[:MAX_LISTED])
    return shown + (f" 等 {len(assets)} 台" if len(assets) > MAX_LISTED else "")


def _names_en(assets: list[AssetRecord]) -> str:
    shown = ", ".join(f"{a.asset_tag} {a.name}" for a in assets[:MAX_LISTED])
    return shown + (f" and {len(assets) - MAX_LISTED} more" if len(assets) > MAX_LISTED else "")


def _refs(assets: list[AssetRecord]) -> list[str]:
    return [f"record:iot_assets:{a.id}" for a in assets[:MAX_LISTED]]


def _state(ctx: CheckContext) -> IotState:
    return load_state(ctx.session, today(ctx.clock))


@check(
    "A7.1.1",
    id="iot.inventory_assessed",
    title_zh="物聯網設備已盤點且均有評估紀錄",
    title_en="IoT devices inventoried, each with an assessment",
)
def inventory_assessed(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    if not state.assets:
        return CheckResult.failed("物聯網設備清冊為空", "The IoT register is empty")
    missing = [a for a in state.assets if a.id not in state.latest]
    incomplete = [
        a for a in state.assets if not (a.location and a.administrator and a.network_segment)
    ]
    if missing:
        return CheckResult.failed(
            f"{len(missing)} 台設備尚無評估紀錄：{_names(missing)}",
            f"{len(missing)} device(s) have no assessment: {_names_en(missing)}",
            evidence=_refs(missing),
        )
    if incomplete:
        return CheckResult.failed(
            f"{len(incomplete)} 台設備缺放置地點、網段或管理人員：{_names(incomplete)}",
            f"{len(incomplete)} device(s) lack location, network segment or administrator: "
            f"{_names_en(incomplete)}",
            evidence=_refs(incomplete),
        )
    return CheckResult.passed(
        f"{len(state.assets)} 台設備均已登錄並評估",
        f"All {len(state.assets)} devices registered and assessed",
        devices=len(state.assets),
    )


@check(
    "A7.1.1",
    id="iot.scan_unregistered",
    title_zh="網路掃描未發現未登錄之設備",
    title_en="Network scan finds no unregistered devices",
)
def scan_unregistered(ctx: CheckContext) -> CheckResult:
    scan = scans.latest_scan(ctx.session)
    if scan is None:
        return CheckResult.manual(
            "尚未匯入物聯網網段之 nmap 掃描結果", "No nmap scan of the IoT network imported yet"
        )
    ref = [f"record:iot_scans:{scan.id}"]
    max_days = ctx.settings.iot.scan_max_age_days
    if scan.scanned_at is None:
        return CheckResult.failed(
            f"最近一次掃描（{scan.filename}）未載明掃描時間，無法證明清冊現況",
            f"The latest scan ({scan.filename}) has no scan time: it cannot prove the register "
            "is current",
            evidence=ref,
        )
    age_days = (ctx.clock.now() - as_utc(scan.scanned_at)).days
    if age_days > max_days:
        return CheckResult.failed(
            f"最近一次掃描（{scan.filename}）已 {age_days} 天，超過 {max_days} 天",
            f"The latest scan ({scan.filename}) is {age_days} days old, more than {max_days}",
            evidence=ref,
            scan_age_days=age_days,
            max_days=max_days,
        )
    open_hosts = scans.open_unregistered(ctx.session, scan.id)
    if open_hosts:
        shown = ", ".join(h.ip_address for h in open_hosts[:MAX_LISTED])
        return CheckResult.failed(
            f"最近一次掃描（{scan.filename}）發現 {len(open_hosts)} 台未登錄設備：{shown}",
            f"The latest scan ({scan.filename}) found {len(open_hosts)} unregistered host(s): "
            f"{shown}",
            evidence=[f"record:iot_scans:{scan.id}"],
        )
    return CheckResult.passed(
        f"最近一次掃描（{age_days} 天前）之 {scan.hosts_up} 台主機均已登錄或已說明",
        f"All {scan.hosts_up} hosts of the latest scan ({age_days} days old) are registered "
        "or explained",
        evidence=ref,
        scan_age_days=age_days,
        max_days=max_days,
    )


def _control_check(ctx: CheckContext, control: str, label_zh: str, label_en: str) -> CheckResult:
    state = _state(ctx)
    in_scope = [a for a in state.assets if control == "A7.1.4" or not a.reduced_scope]
    if not in_scope:
        return CheckResult.not_applicable("無適用本款之設備", "No device falls under this control")
    unassessed = [a for a in in_scope if a.id not in state.latest]
    failing: list[AssetRecord] = []
    expired: list[AssetRecord] = []
    excepted = 0
    for asset in in_scope:
        record = state.latest.get(asset.id)
        held = None if record is None else record.control_ok(control)
        if record is None or held is True:
            continue  # no record at all: already in ``unassessed``
        if state.excepted(asset.id, control):
            excepted += 1
        elif state.expired(asset.id, control):
            expired.append(asset)
        elif held is None:  # assessed, but this control's state is unknown: never a pass
            unassessed.append(asset)
        else:
            failing.append(asset)
    if expired:
        return CheckResult.failed(
            f"{len(expired)} 台設備之{label_zh}例外已逾期：{_names(expired)}",
            f"The {label_en} exception of {len(expired)} device(s) has expired: "
            f"{_names_en(expired)}",
            evidence=_refs(expired),
        )
    if failing:
        return CheckResult.failed(
            f"{len(failing)} 台設備未落實{label_zh}且無核准之例外：{_names(failing)}",
            f"{len(failing)} device(s) fail {label_en} without an approved exception: "
            f"{_names_en(failing)}",
            evidence=_refs(failing),
        )
    if unassessed:
        return CheckResult.failed(
            f"{len(unassessed)} 台設備未評估{label_zh}：{_names(unassessed)}",
            f"{len(unassessed)} device(s) not assessed for {label_en}: {_names_en(unassessed)}",
            evidence=_refs(unassessed),
        )
    return CheckResult.passed(
        f"{len(in_scope)} 台設備均落實{label_zh}（其中 {excepted} 台依核准之例外控管）",
        f"{len(in_scope)} devices meet {label_en} ({excepted} under an approved exception)",
        devices=len(in_scope),
        excepted=excepted,
    )


@check(
    "A7.1.2",
    id="iot.software_controls",
    title_zh="設備軟體（韌體）為最新或有核准之例外",
    title_en="Device software (firmware) current or excepted",
)
def software_controls(ctx: CheckContext) -> CheckResult:
    return _control_check(ctx, "A7.1.2", "軟體控管", "software control")


@check(
    "A7.1.3",
    id="iot.permission_controls",
    title_zh="設備預設帳密已變更且權限已限縮",
    title_en="Default credentials changed and permissions restricted",
)
def permission_controls(ctx: CheckContext) -> CheckResult:
    return _control_check(ctx, "A7.1.3", "權限控管", "permission control")


@check(
    "A7.1.4",
    "A7.1.7",
    id="iot.connection_controls",
    title_zh="設備網路隔離且遠端存取受控",
    title_en="Devices network-isolated with controlled remote access",
)
def connection_controls(ctx: CheckContext) -> CheckResult:
    return _control_check(ctx, "A7.1.4", "連線控管", "connection control")


@check(
    "A7.1.5",
    "A7.1.7",
    id="iot.vendor_management",
    title_zh="設備供應商合約含資安條款且仍在支援期內",
    title_en="Vendors bound by security clauses and still supporting the devices",
)
def vendor_management(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    if not state.assets:
        return CheckResult.not_applicable("物聯網設備清冊為空", "The IoT register is empty")
    vendors = {v.name: v for v in service.list_vendors(ctx.session)}
    problems: list[tuple[AssetRecord, str, str]] = []
    for asset in state.assets:
        vendor = vendors.get(asset.vendor)
        if vendor is None:
            problems.append((asset, "供應商未登錄", "vendor not registered"))
        elif not vendor.security_clauses:
            problems.append(
                (asset, f"{vendor.name} 合約無資安條款", f"{vendor.name}: no security clauses")
            )
        elif (
            vendor.support_end is not None
            and vendor.support_end < state.day
            and not state.excepted(asset.id, "A7.1.5")
        ):
            problems.append(
                (
                    asset,
                    f"{vendor.name} 支援已於 {vendor.support_end} 終止",
                    f"{vendor.name} support ended {vendor.support_end}",
                )
            )
    if problems:
        zh = "；".join(f"{a.asset_tag} {why}" for a, why, _ in problems[:MAX_LISTED])
        en = "; ".join(f"{a.asset_tag} {why}" for a, _, why in problems[:MAX_LISTED])
        return CheckResult.failed(
            f"{len(problems)} 台設備之供應商管理不足：{zh}",
            f"{len(problems)} device(s) with vendor-management gaps: {en}",
            evidence=_refs([a for a, _, _ in problems]),
        )
    return CheckResult.passed(
        f"{len(state.assets)} 台設備之供應商均已登錄、含資安條款且在支援期內",
        f"Vendors of all {len(state.assets)} devices registered, bound and supporting",
    )


@check(
    "A7.1.6",
    "A7.1.7",
    id="iot.exceptions_in_date",
    title_zh="例外控管經他人核准且未逾期",
    title_en="Exceptions approved by someone else and not expired",
)
def exceptions_in_date(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    active_ids = {a.id for a in state.assets}
    relevant = [
        e
        for e in state.exceptions
        if e.asset_id in active_ids
        and e.status in (ExceptionStatus.approved, ExceptionStatus.requested)
    ]
    if not relevant:
        return CheckResult.not_applicable("目前無例外控管", "No exceptions recorded")
    expired = [e for e in relevant if e.is_expired(state.day)]
    self_approved = [
        e
        for e in relevant
        if e.status is ExceptionStatus.approved
        and (e.approver or "").lower() == e.requested_by.lower()
    ]
    if expired:
        return CheckResult.failed(
            f"{len(expired)} 件例外已逾期仍未重新核准或結案"
            f"（最早到期 {min(e.expires_on for e in expired)}）",
            f"{len(expired)} exception(s) expired without renewal or closure "
            f"(earliest {min(e.expires_on for e in expired)})",
            evidence=[f"record:iot_exceptions:{e.id}" for e in expired[:MAX_LISTED]],
        )
    if self_approved:
        return CheckResult.failed(
            f"{len(self_approved)} 件例外由申請人自行核准",
            f"{len(self_approved)} exception(s) approved by their requester",
            evidence=[f"record:iot_exceptions:{e.id}" for e in self_approved[:MAX_LISTED]],
        )
    approved = [e for e in relevant if e.status is ExceptionStatus.approved]
    pending = [e for e in relevant if e.status is ExceptionStatus.requested]
    return CheckResult.passed(
        f"{len(approved)} 件例外均經他人核准且在有效期內（待核 {len(pending)} 件）",
        f"{len(approved)} exception(s) approved by someone else and in date "
        f"({len(pending)} pending)",
        evidence=[f"record:iot_exceptions:{e.id}" for e in approved[:MAX_LISTED]],
    )


@check(
    "A7.1.7",
    id="iot.sensor_reduced_scope",
    title_zh="無管理功能之感測器依第一、四、五、六款辦理",
    title_en="Sensors without management functions meet A7.1.1, 4, 5 and 6",
)
def sensor_reduced_scope(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    sensors = [a for a in state.assets if a.reduced_scope]
    if not sensors:
        return CheckResult.not_applicable(
            "無不具管理功能之感測器", "No sensors without management functions"
        )
    vendors = {v.name: v for v in service.list_vendors(ctx.session)}
    gaps: list[AssetRecord] = []
    for sensor in sensors:
        record = state.latest.get(sensor.id)
        network_ok = record is not None and (
            record.control_ok("A7.1.4") or state.excepted(sensor.id, "A7.1.4")
        )
        vendor = vendors.get(sensor.vendor)
        vendor_ok = vendor is not None and vendor.security_clauses
        if not (network_ok and vendor_ok):
            gaps.append(sensor)
    if gaps:
        return CheckResult.failed(
            f"{len(gaps)} 台感測器未完成盤點評估、連線控管或供應商管理：{_names(gaps)}",
            f"{len(gaps)} sensor(s) lack assessment, connection control or vendor management: "
            f"{_names_en(gaps)}",
            evidence=_refs(gaps),
        )
    return CheckResult.passed(
        f"{len(sensors)} 台感測器均已評估、網路隔離且供應商受管理（第二、三款不適用）",
        f"{len(sensors)} sensor(s) assessed, isolated and vendor-managed (A7.1.2/3 not applicable)",
        sensors=len(sensors),
    )


@check(
    "A7.2",
    id="iot.reassessment_due",
    title_zh="評估作業與控管措施依期重新辦理",
    title_en="Assessments and controls renewed on time",
)
def reassessment_due(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    if not state.assets:
        return CheckResult.not_applicable("物聯網設備清冊為空", "The IoT register is empty")
    overdue = [
        a for a in state.assets if a.id in state.latest and state.latest[a.id].next_due < state.day
    ]
    never = [a for a in state.assets if a.id not in state.latest]
    late = overdue + never
    if late:
        return CheckResult.failed(
            f"{len(late)} 台設備已逾重新評估期限或從未評估：{_names(late)}",
            f"{len(late)} device(s) past their reassessment date or never assessed: "
            f"{_names_en(late)}",
            evidence=_refs(late),
        )
    soonest = min(state.latest[a.id].next_due for a in state.assets)
    return CheckResult.passed(
        f"所有設備均在評估有效期內，最近一次到期日 {soonest}",
        f"Every device is within its assessment period; next due {soonest}",
    )


@check(
    "A7.3",
    id="iot.label_or_reason",
    title_zh="採購未具資安標章之設備已記錄原因",
    title_en="Devices bought without a cybersecurity label have a recorded reason",
)
def label_or_reason(ctx: CheckContext) -> CheckResult:
    state = _state(ctx)
    if not state.assets:
        return CheckResult.not_applicable("物聯網設備清冊為空", "The IoT register is empty")
    labelled = [a for a in state.assets if a.security_label]
    unexplained = [a for a in state.assets if not a.security_label and not a.no_label_reason]
    if unexplained:
        return CheckResult.failed(
            f"{len(unexplained)} 台設備未具資安標章亦未記錄原因：{_names(unexplained)}",
            f"{len(unexplained)} device(s) have no label and no recorded reason: "
            f"{_names_en(unexplained)}",
            evidence=_refs(unexplained),
        )
    return CheckResult.passed(
        f"{len(labelled)} 台具資安標章，其餘 {len(state.assets) - len(labelled)} 台均已記錄原因",
        f"{len(labelled)} labelled; the other {len(state.assets) - len(labelled)} have a reason",
    )
