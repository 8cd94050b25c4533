"""OCSF 1.3 export of stored audit records (mapping documented in docs/audit.md).

- login functions (``*.login.*``, ``*.session.*``, ``*.logout``) -> Authentication (3002)
- a ``query`` that is SQL -> Datastore Activity (6005)
- everything else -> API Activity (6003)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

OCSF_VERSION = "1.3.0"
SQL = re.compile(r"^\s*(select|insert|update|delete|merge|with|call|exec)\b", re.IGNORECASE)
LOGIN = re.compile(r"(^|\.)(login|logon|session|logout|logoff|signin|credential)(\.|$)")
DATASTORE_ACTIVITY = {"select": 2, "with": 2, "insert": 1, "update": 3, "delete": 4, "merge": 3}
API_ACTIVITY_WORDS = {"create": 1, "add": 1, "update": 3, "delete": 4, "remove": 4}


def _epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _class_of(record: dict[str, Any]) -> tuple[int, str, int, str]:
    """(class_uid, class_name, activity_id, activity_name)."""
    function = str(record.get("function", "")).lower()
    query = record.get("query") or ""
    if LOGIN.search(function):
        if "logout" in function or "logoff" in function:
            return 3002, "Authentication", 2, "Logoff"
        if "session" in function:
            return 3002, "Authentication", 3, "Authentication Ticket"
        return 3002, "Authentication", 1, "Logon"
    match = SQL.match(query)
    if match:
        verb = match.group(1).lower()
        activity = DATASTORE_ACTIVITY.get(verb, 99)
        return 6005, "Datastore Activity", activity, verb.title() if activity != 99 else "Other"
    last = function.rsplit(".", 1)[-1]
    activity = API_ACTIVITY_WORDS.get(last, 2)
    names = {1: "Create", 2: "Read", 3: "Update", 4: "Delete"}
    return 6003, "API Activity", activity, names[activity]


def to_ocsf(record: dict[str, Any]) -> dict[str, Any]:
    """One stored record (as returned by :func:`brokerguard.audit.search.search`) in OCSF."""
    class_uid, class_name, activity_id, activity_name = _class_of(record)
    outcome = record.get("outcome")
    status_id = {"success": 1, "failure": 2}.get(str(outcome), 0)
    user = {"name": record["account"]}
    event: dict[str, Any] = {
        "class_uid": class_uid,
        "class_name": class_name,
        "category_uid": class_uid // 1000,
        "category_name": "Identity & Access Management"
        if class_uid == 3002
        else "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": class_uid * 100 + activity_id,
        "severity_id": 1 if status_id != 2 else 3,
        "status_id": status_id,
        "status": {1: "Success", 2: "Failure"}.get(status_id, "Unknown"),
        "time": _epoch_ms(record["time"]),
        "metadata": {
            "version": OCSF_VERSION,
            "uid": record["event_id"],
            "sequence": record["seq"],
            "logged_time": _epoch_ms(record["recorded_at"]),
            "product": {"name": record["system"], "vendor_name": "brokerguard audit trail"},
            "correlation_uid": record.get("correlation_id"),
        },
        "src_endpoint": {"ip": record.get("source_ip")},
        "http_request": {"user_agent": record.get("user_agent")},
        "unmapped": {
            "function": record["function"],
            "customer_ids": record.get("customer_ids", []),
            "result_digest": record.get("result_digest"),
            "leaf_hash": record.get("leaf_hash"),
            "attributes": record.get("attributes", {}),
        },
    }
    if class_uid == 3002:
        event["user"] = user
        event["service"] = {"name": record["system"]}
        reason = (record.get("attributes") or {}).get("reason")
        if reason and status_id == 2:
            event["status_detail"] = reason
    elif class_uid == 6005:
        event["actor"] = {"user": user}
        event["database"] = {"name": record["system"]}
        event["query_info"] = {"query_string": record.get("query")}
    else:
        event["actor"] = {"user": user}
        event["api"] = {
            "operation": record["function"],
            "service": {"name": record["system"]},
            "request": {"data": {"query": record.get("query")}},
        }
    if record.get("actor"):
        event.setdefault("actor", {})["invoked_by"] = record["actor"]
    return event
