"""Google's v3 CT log list: which logs to follow, their URLs and keys.

RFC 6962 logs (``logs``: ``url``) and static-ct-api logs (``tiled_logs``:
``monitoring_url``, and ``submission_url`` whose scheme-less form is the
checkpoint origin) are read. Logs in the states ``usable``, ``qualified`` and
``readonly`` are followed;
``pending``, ``rejected``, ``retired`` and logs without a state are skipped with
the reason. A log whose key is not a valid DER key (or whose ``log_id`` is not
the key's SHA-256) is refused with the reason; the others are still imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brokerguard.errors import ValidationError
from brokerguard.phishing.ct.verify import load_log_key

FOLLOWED_STATES = ("usable", "qualified", "readonly")
MAX_LOG_LIST_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ListedLog:
    name: str
    description: str
    url: str
    key_der_b64: str
    state: str
    api: str = "rfc6962"  # | "static"
    origin: str = ""  # a static log's checkpoint origin


@dataclass(frozen=True)
class SkippedLog:
    description: str
    reason: str


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64] or "log"


def _state(log: dict[str, Any]) -> str:
    state = log.get("state")
    if isinstance(state, dict) and len(state) == 1:
        return str(next(iter(state)))
    return "none"


def read_log_list(path: Path) -> tuple[list[ListedLog], list[SkippedLog]]:
    try:
        if path.stat().st_size > MAX_LOG_LIST_BYTES:
            raise ValidationError(f"log list {path} is larger than 8 MiB", field="log_list")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}", field="log_list") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(f"{path} is not JSON (UTF-8)", field="log_list") from None
    operators = data.get("operators") if isinstance(data, dict) else None
    if not isinstance(operators, list):
        raise ValidationError("log list: no 'operators' list (Google v3 format)", field="operators")
    listed: list[ListedLog] = []
    skipped: list[SkippedLog] = []
    for operator in operators:
        for api, field in (("rfc6962", "logs"), ("static", "tiled_logs")):
            logs = operator.get(field) if isinstance(operator, dict) else None
            for log in logs if isinstance(logs, list) else []:
                if isinstance(log, dict):
                    _read_log(log, api, listed, skipped)
    return listed, skipped


def _read_log(
    log: dict[str, Any], api: str, listed: list[ListedLog], skipped: list[SkippedLog]
) -> None:
    """Append ``log`` to ``listed``, or to ``skipped`` with the reason."""
    description = str(log.get("description", ""))[:256] or "(no description)"
    url = log.get("url" if api == "rfc6962" else "monitoring_url")
    key = log.get("key")
    origin = ""
    if api == "static":
        submission = log.get("submission_url")
        if not isinstance(submission, str) or not submission.startswith("https://"):
            skipped.append(SkippedLog(description, "submission_url is not an https URL"))
            return
        origin = submission.removeprefix("https://").rstrip("/")[:512]
    if not isinstance(key, str):
        skipped.append(SkippedLog(description, "no key"))
        return
    try:
        _, log_id = load_log_key(key.encode("ascii"))
    except (ValidationError, UnicodeEncodeError) as exc:
        reason = exc.message if isinstance(exc, ValidationError) else "key is not ASCII"
        skipped.append(SkippedLog(description, f"key refused: {reason}"))
        return
    if log.get("log_id") not in (None, log_id):
        skipped.append(SkippedLog(description, "log_id is not the SHA-256 of the key"))
        return
    if not isinstance(url, str) or not url.startswith("https://") or len(url) > 512:
        skipped.append(SkippedLog(description, "url is not an https URL"))
        return
    state = _state(log)
    if state not in FOLLOWED_STATES:
        skipped.append(SkippedLog(description, f"state {state!r} is not followed"))
        return
    listed.append(ListedLog(_slug(description), description, url, key, state, api, origin))
