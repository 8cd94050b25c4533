"""CSV/XLSX export of the video identity sessions (no codes, hashes of codes or destinations)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.deepfake.audit import record_read
from brokerguard.deepfake.service import list_sessions, session_summary
from brokerguard.kernel.audit import AuditSink
from brokerguard.registerkit.spec import table_file
from brokerguard.tabular import Column

SESSION_COLUMNS = (
    Column("id", ("編號", "id")),
    Column("customer_ref", ("客戶帳號", "customer ref")),
    Column("purpose", ("用途", "purpose")),
    Column("operator", ("核驗人員", "operator")),
    Column("started_at", ("開始時間", "started at")),
    Column("status", ("狀態", "status")),
    Column("otp_channel", ("驗證碼管道", "code channel")),
    Column("otp_verified", ("驗證碼已核對", "code verified")),
    Column("liveness", ("活體挑戰", "liveness")),
    Column("id_photo_result", ("證件照比對", "ID photo")),
    Column("recording_sha256", ("錄影 SHA-256", "recording SHA-256")),
    Column("detector_note", ("深偽偵測", "detector")),
    Column("reviewer", ("覆核人員", "reviewer")),
    Column("reviewed_at", ("覆核時間", "reviewed at")),
    Column("missing_steps", ("未完成步驟", "missing steps")),
)


def export_sessions(session: Session, fmt: str) -> tuple[bytes, str, str]:
    rows = []
    for row in list_sessions(session, limit=100_000):
        data = session_summary(row)
        challenges = data["challenges"]
        data["liveness"] = "; ".join(
            f"{c['kind']}={'pass' if c['passed'] else 'fail' if c['passed'] is False else '-'}"
            for c in challenges
        )
        data["missing_steps"] = ", ".join(data["missing_steps"])
        rows.append(data)
    return table_file(SESSION_COLUMNS, rows, fmt, "video-sessions")


def export_sessions_audited(
    session: Session, sink: AuditSink, clock: Clock, *, actor: str, fmt: str
) -> tuple[bytes, str, str]:
    """:func:`export_sessions`, with the A9.9 read of every exported customer recorded."""
    content, media_type, filename = export_sessions(session, fmt[:10])
    record_read(
        sink,
        clock,
        actor=actor,
        function="deepfake.sessions.export",
        query=f"export format={fmt[:10]}",
        customer_refs=[r.customer_ref for r in list_sessions(session, limit=100_000)],
        result=content,
    )
    return content, media_type, filename
