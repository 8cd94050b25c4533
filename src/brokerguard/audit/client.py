"""A small Python client for systems that send their audit events to brokerguard.

    client = AuditClient("https://brokerguard.example.tw", api_key="bgk_...")
    client.record(account="teller01", function="crm.customer.view", system="crm",
                  query="SELECT ... WHERE id = 'A123'", customer_ids=["A123"])
    client.flush()              # or use it as a context manager

Events are buffered and sent in batches (``POST /api/v1/audit/events``); a batch that
cannot be delivered raises :class:`AuditDeliveryError` and stays buffered, so the
caller can fail closed (refuse the read) or retry. Re-sending is harmless: the server
refuses duplicates by ``event_id``. Only the standard library is used.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from brokerguard.audit.canonical import event_to_json
from brokerguard.kernel.audit import AuditEvent

Transport = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]


class AuditDeliveryError(RuntimeError):
    """The server did not accept a batch (network error or an error status)."""


def urllib_transport(timeout: float) -> Transport:
    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read()
        except (urllib.error.URLError, OSError) as error:
            raise AuditDeliveryError(f"audit server unreachable: {error}") from None

    return send


class AuditClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        batch_size: int = 500,
        timeout: float = 10.0,
        transport: Transport | None = None,
    ) -> None:
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("use https:// (plain http only to the local machine)")
        self.url = base_url.rstrip("/") + "/api/v1/audit/events"
        self.api_key = api_key
        self.batch_size = max(1, min(batch_size, 10_000))
        self.transport = transport or urllib_transport(timeout)
        self.pending: list[AuditEvent] = []
        self.rejected: list[dict[str, Any]] = []

    def record(
        self,
        *,
        account: str,
        function: str,
        system: str,
        query: str | None = None,
        result_digest: str | None = None,
        customer_ids: Sequence[str] = (),
        when: datetime | None = None,
        **optional: Any,
    ) -> AuditEvent:
        """Validate and buffer one event (sent when the batch is full or on flush)."""
        event = AuditEvent(
            event_id=uuid.uuid4(),
            time=when or datetime.now(UTC),
            account=account,
            function=function,
            system=system,
            query=query,
            result_digest=result_digest,
            customer_ids=tuple(customer_ids),
            **optional,
        )
        self.pending.append(event)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return event

    def flush(self) -> int:
        """Send everything buffered; returns how many the server accepted."""
        accepted = 0
        while self.pending:
            batch = self.pending[: self.batch_size]
            body = json.dumps({"events": [event_to_json(e) for e in batch]}).encode("utf-8")
            status, answer = self.transport(
                self.url,
                body,
                {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"},
            )
            if status != 200:
                raise AuditDeliveryError(f"audit server answered {status}: {answer[:300]!r}")
            result = json.loads(answer)
            accepted += int(result.get("accepted", 0))
            self.rejected += [e for e in result.get("errors", []) if e.get("reason") != "duplicate"]
            del self.pending[: len(batch)]
        return accepted

    def __enter__(self) -> AuditClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.flush()
