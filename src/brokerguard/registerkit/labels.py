"""Labels of the coded values the house registers store (zh-TW, English).

Kept here rather than in the shared message catalogue: single words such as
``open`` or ``approved`` mean different things in different registers, and the
catalogue has one translation per word.
"""

from __future__ import annotations

VALUE_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "low": ("低", "low"),
    "medium": ("中", "medium"),
    "high": ("高", "high"),
    "owner": ("擁有者", "owner"),
    "admin": ("管理者", "administrator"),
    "editor": ("編輯者", "editor"),
    "analyst": ("分析者", "analyst"),
    "routine": ("例行監看", "routine check"),
    "discussion": ("討論", "discussion"),
    "incident": ("異常事件", "incident"),
    "complaint": ("客訴", "complaint"),
    "open": ("待處理", "open"),
    "in_progress": ("處理中", "in progress"),
    "closed": ("已結案", "closed"),
    "iot": ("物聯網設備", "IoT devices"),
    "deepfake": ("深偽", "deepfake"),
    "phishing": ("釣魚", "phishing"),
    "social_media": ("社群媒體", "social media"),
    "general": ("一般資安", "general security"),
}

#: video identity session states
SESSION_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "in_progress": ("核驗中", "in progress"),
    "approved": ("已核准", "approved"),
    "rejected": ("已退件", "rejected"),
}

#: publishing workflow states
POST_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "draft"),
    "approved": ("已核准待發布", "approved"),
    "published": ("已發布", "published"),
    "rejected": ("已退回", "rejected"),
}

#: disclosure check outcomes
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("已揭露", "all shown"),
    "fail": ("有缺漏", "items missing"),
    "error": ("無法讀取", "could not read"),
}
