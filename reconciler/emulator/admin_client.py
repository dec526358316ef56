"""The one client of the emulator's admin API (``/_sesctl/...``), for sesctl's own commands
(``local status/reset``, ``--local``, the send engine's in-doubt resolver, the MCP server) and
for tests (``reconciler.testing``).

Standard library only: importing it costs nothing and needs neither moto nor the emulator's
server. Every call sends JSON (the server refuses state-changing admin calls that are not
``application/json``, see request_guard.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any


class AdminError(Exception):
    """An emulator admin endpoint answered with an error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} (HTTP {status}): {message}")
        self.status = status
        self.code = code
        self.message = message


def admin_request(
    base_url: str, path: str, payload: dict[str, Any] | None = None, *, timeout: float = 10
) -> Any:
    """Call the emulator's admin API: GET without a payload, POST (JSON) with one. Raises
    AdminError for an error answer, OSError/URLError when nothing answers."""
    data = None if payload is None else json.dumps(payload, default=str).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=data,
        method="GET" if payload is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            message = json.loads(body).get("message", "")
        except (ValueError, AttributeError):
            message = body.decode(errors="replace")
        raise AdminError(exc.code, exc.headers.get("x-amzn-ErrorType", "Error"), message) from None


def health(base_url: str, *, timeout: float = 5) -> dict[str, Any] | None:
    """The emulator's health document, or None if ``base_url`` is not a running sesctl emulator."""
    try:
        answer = admin_request(base_url, "/_sesctl/health", timeout=timeout)
    except (OSError, AdminError, ValueError):
        return None
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        return None
    return answer


def run_action(base_url: str, name: str, *, timeout: float = 10, **kwargs: Any) -> Any:
    """Run admin action ``name`` (registry.ADMIN_ACTIONS) and return its result."""
    return admin_request(base_url, f"/_sesctl/admin/{name}", kwargs, timeout=timeout)["result"]


def sent_messages(
    base_url: str,
    *,
    tag_name: str | None = None,
    tag_values: Iterable[str] | None = None,
    recipient: str | None = None,
    limit: int | None = None,
    include_body: bool = False,
    timeout: float = 10,
) -> list[dict[str, Any]]:
    """The messages the emulator accepted (its last 10,000), filtered as asked."""
    filters: dict[str, Any] = {"include_body": include_body}
    if tag_name is not None:
        filters["tag_name"] = tag_name
    if tag_values is not None:
        filters["tag_values"] = sorted(tag_values)
    if recipient is not None:
        filters["recipient"] = recipient
    if limit is not None:
        filters["limit"] = limit
    return list(run_action(base_url, "sent_messages", timeout=timeout, **filters) or [])
