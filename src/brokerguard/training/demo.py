"""Demo firm training: people in real-sounding units, courses per topic, a year of attendance
with a few people overdue."""

from __future__ import annotations

from datetime import timedelta

from brokerguard.clock import today
from brokerguard.demodata import DemoContext
from brokerguard.registerkit.spec import create_item
from brokerguard.training.service import ATTENDANCE, COURSES, PEOPLE

PEOPLE_ROWS = [
    ("A10231", "陳志明", "資訊部", "網路管理員"),
    ("A10245", "林佳蓉", "資訊部", "系統工程師"),
    ("A10302", "黃建華", "資訊部", "資訊主管"),
    ("A10417", "張雅婷", "資安專責單位", "資安工程師"),
    ("A10420", "李冠廷", "資安專責單位", "資訊安全長"),
    ("A10533", "王淑芬", "總務部", "總務專員"),
    ("A10534", "吳俊傑", "總務部", "門禁及監視系統管理"),
    ("A10611", "劉怡君", "客戶服務部", "客服專員"),
    ("A10612", "蔡宗翰", "客戶服務部", "客服專員"),
    ("A10613", "楊惠雯", "客戶服務部", "客服主管"),
    ("A10702", "許家豪", "經紀業務部", "開戶審核員"),
    ("A10703", "鄭美玲", "經紀業務部", "開戶審核員"),
    ("A10801", "謝孟儒", "數位金融部", "社群小編"),
    ("A10802", "郭子軒", "數位金融部", "數位行銷主管"),
    ("A10901", "周文華", "法令遵循部", "法遵主管"),
    ("A11001", "曾雅琪", "稽核室", "稽核人員"),
]

COURSE_ROWS = [
    ("IOT-115", "物聯網設備資安管理與使用", "iot", "資訊部;總務部", "", 12),
    (
        "DF-115",
        "深偽影音辨識與視訊身分核驗防範",
        "deepfake",
        "客戶服務部;經紀業務部;數位金融部",
        "",
        12,
    ),
    ("PH-115", "社交工程與釣魚郵件防範", "phishing", "", "", 12),
    ("SM-115", "官方帳號經營與社群媒體使用安全", "social_media", "數位金融部;客戶服務部", "", 12),
    ("GEN-115", "年度資通安全教育訓練（三小時）", "general", "", "", 12),
]

#: (employee, course, days ago); people missing here are overdue
ATTENDED = [
    ("A10231", "IOT-115", 120),
    ("A10245", "IOT-115", 120),
    ("A10302", "IOT-115", 300),
    ("A10533", "IOT-115", 410),  # lapsed
    # A10534 never took the IoT course
    ("A10611", "DF-115", 90),
    ("A10612", "DF-115", 90),
    ("A10613", "DF-115", 200),
    ("A10702", "DF-115", 45),
    ("A10703", "DF-115", 45),
    ("A10801", "DF-115", 380),  # lapsed
    ("A10802", "DF-115", 60),
    ("A10801", "SM-115", 30),
    ("A10802", "SM-115", 30),
    ("A10611", "SM-115", 150),
    ("A10612", "SM-115", 150),
    ("A10613", "SM-115", 150),
]


def load_demo(ctx: DemoContext) -> None:
    actor = ctx.staff["security"].username if "security" in ctx.staff else "demo"
    day = today(ctx.clock)
    for employee_id, name, unit, role in PEOPLE_ROWS:
        create_item(
            ctx.session,
            ctx.clock,
            PEOPLE,
            {"employee_id": employee_id, "name": name, "unit": unit, "role": role},
            actor,
        )
    for code, title, topic, units, roles, months in COURSE_ROWS:
        create_item(
            ctx.session,
            ctx.clock,
            COURSES,
            {
                "code": code,
                "title": title,
                "topic": topic,
                "audience_units": units,
                "audience_roles": roles,
                "frequency_months": months,
            },
            actor,
        )
    rows = list(ATTENDED)
    for employee_id, *_ in PEOPLE_ROWS:
        if ctx.rng.random() < 0.9:
            rows.append((employee_id, "PH-115", ctx.rng.randint(20, 330)))
        rows.append((employee_id, "GEN-115", ctx.rng.randint(20, 300)))
    for employee_id, code, days_ago in rows:
        create_item(
            ctx.session,
            ctx.clock,
            ATTENDANCE,
            {
                "employee_id": employee_id,
                "course_code": code,
                "completed_on": day - timedelta(days=days_ago),
                "hours": 3 if code == "GEN-115" else 2,
            },
            actor,
        )
