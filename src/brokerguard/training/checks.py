"""A7.4 and A10.2: the required audience is trained within each course's period."""

from __future__ import annotations

from brokerguard.assessment.registry import CheckContext, CheckResult, check
from brokerguard.clock import today
from brokerguard.training.service import TOPIC_LABELS, course_statuses, overdue


def audience_trained(ctx: CheckContext, topic: str) -> CheckResult:
    """Fail when no active course covers ``topic``, nobody is in its audience, or anyone is late."""
    day = today(ctx.clock)
    label_zh, label_en = TOPIC_LABELS[topic]
    statuses = course_statuses(ctx.session, day, topic=topic)
    if not statuses:
        return CheckResult.failed(
            f"尚無「{label_zh}」課程或課程對象為空",
            f"No active '{label_en}' course with a non-empty audience",
        )
    late = overdue(statuses, day)
    courses = sorted({s.course_code for s in statuses})
    evidence = [f"record:training_courses:{code}" for code in courses]
    if late:
        names = ", ".join(f"{s.employee_id} {s.name}（{s.course_code}）" for s in late[:10])
        more = f" … +{len(late) - 10}" if len(late) > 10 else ""
        return CheckResult.failed(
            f"{len(late)}/{len(statuses)} 人次未於期限內完成「{label_zh}」訓練：{names}{more}",
            f"{len(late)} of {len(statuses)} required completions of '{label_en}' are overdue: "
            f"{names}{more}",
            evidence=evidence,
            overdue=len(late),
            required=len(statuses),
        )
    return CheckResult.passed(
        f"「{label_zh}」課程對象 {len(statuses)} 人次均於期限內完成訓練",
        f"All {len(statuses)} required completions of '{label_en}' are current",
        evidence=evidence,
        required=len(statuses),
    )


@check(
    "A7.4",
    id="training.iot_audience_trained",
    title_zh="物聯網設備使用及管理人員定期完成資安教育訓練",
    title_en="People who use and manage IoT devices are trained within the period",
)
def iot_audience_trained(ctx: CheckContext) -> CheckResult:
    return audience_trained(ctx, "iot")


@check(
    "A10.2",
    id="training.deepfake_audience_trained",
    title_zh="深偽辨識與防範教育訓練於期限內完成",
    title_en="Deepfake recognition and prevention training is current for its audience",
)
def deepfake_audience_trained(ctx: CheckContext) -> CheckResult:
    return audience_trained(ctx, "deepfake")
