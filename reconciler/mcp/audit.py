"""One JSON audit line per ``tools/call`` request, with the arguments masked.

    {"ts": "2026-11-28T07:02:11.123Z", "tool": "send_email", "client": "claude-ai/0.1",
     "principal": "stdio", "args": {"request": {"to": ["s***s@simulator.amazonses.com"],
     "template": "welcome", "template_data": ["name"]}}, "status": "ok", "duration_ms": 41.2,
     "result": {"sent": 1}}

Masking (``mask_arguments``): every email address anywhere becomes ``a***e@example.com``;
message bodies (``subject``, ``html``, ``text``, ``body``) become their length
(``"[312 chars]"``); template data (``template_data``, ``data``, ``default_data``) becomes its
key names only; secrets (``token``, ``password``...) are dropped. Lines go to stderr (never
stdout: on stdio that is the protocol) or are appended to a file.

With a trail (the project's audit trail, reconciler.audit: the server wires it from
sesctl.yaml), each call is also written there as an ``mcp`` operation: a "started" entry
before the tool runs (a call whose entry cannot be written is refused before it does
anything) and a "finished" entry with the same masked fields and the status.
"""

from __future__ import annotations

import contextvars
import json
import sys
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
from mcp_types import MISSING_REQUIRED_CLIENT_CAPABILITY

from reconciler.audit.operation import Operation
from reconciler.audit.trail import AuditError, AuditTrail
from reconciler.errors import UsageError
from reconciler.sending.masking import mask_email, mask_text

BODY_KEYS = frozenset({"subject", "html", "text", "body"})
DATA_KEYS = frozenset({"template_data", "data", "default_data"})
SECRET_KEYS = frozenset({"token", "password", "secret", "authorization"})
# Members that hold one address each: masked whole, even when not shaped like one
# ("ada@localhost", "ada@example.com\r\nBcc: ..."), since a malformed address is still personal.
ADDRESS_KEYS = frozenset({"to", "email", "addresses", "address", "recipient", "email_address"})
# Hostile arguments must neither break the audit line nor flood the log: deeper values, longer
# lists and longer strings are summarised.
MAX_DEPTH = 32
MAX_ITEMS = 50
MAX_CHARS = 256

# What a tool adds to its own audit line (counts, run id, confirmation outcome). The
# middleware sets a fresh dict per request; sync tools run in a worker thread that gets a copy
# of the context, so writes to the (shared) dict are seen by the middleware.
_NOTE: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "sesctl_mcp_audit", default=None
)


def note(**fields: Any) -> None:
    """Add ``fields`` (already masked!) to the current call's audit line."""
    current = _NOTE.get()
    if current is not None:
        current.update(fields)


def mask_arguments(value: Any, key: str = "", depth: int = 0) -> Any:
    lowered = key.lower()
    if depth > MAX_DEPTH:
        return "[nested too deeply]"
    if lowered in SECRET_KEYS:
        return "[redacted]"
    if lowered in DATA_KEYS and isinstance(value, Mapping):
        return sorted(mask_text(str(k)) for k in value)  # a key can be an address too
    if lowered in BODY_KEYS and isinstance(value, str):
        return f"[{len(value)} chars]"
    if lowered in ADDRESS_KEYS and isinstance(value, str):
        masked = mask_text(value[:MAX_CHARS])  # keeps a display name: "Bob <b***h@corp.example>"
        return masked if masked != value[:MAX_CHARS] else mask_email(masked)
    if isinstance(value, Mapping):
        return {mask_text(str(k)): mask_arguments(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        shown = [mask_arguments(v, key, depth + 1) for v in value[:MAX_ITEMS]]
        return shown + ([f"[... {len(value) - MAX_ITEMS} more]"] if len(value) > MAX_ITEMS else [])
    if isinstance(value, str):
        if len(value) > MAX_CHARS:
            return mask_text(value)[:MAX_CHARS] + f"[... {len(value)} chars]"  # masked, then cut
        return mask_text(value)
    return value


class AuditLog:
    """A sink for audit lines: ``"-"`` (stderr) or a file path, appended, one flush per line."""

    def __init__(
        self,
        target: str = "-",
        stream: IO[str] | None = None,
        *,
        trail: AuditTrail | None = None,
        actor: Mapping[str, Any] | None = None,
        git: Mapping[str, Any] | None = None,
    ) -> None:
        self.target = target
        self.trail = trail
        # Who runs the server is read once (git and the environment do not change under it).
        self.actor = dict(actor or {})
        self.git = dict(git or {})
        self._lock = threading.Lock()
        self._owned: IO[str] | None = None
        if stream is not None:
            self._stream: IO[str] | None = stream
        elif target == "-":
            self._stream = None  # resolved at write time, so a replaced sys.stderr is honoured
        else:
            path = Path(target)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._owned = self._stream = path.open("a", encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"cannot open the audit log {target}: {exc.strerror}",
                    hint="Set audit_log (SESCTL_MCP_AUDIT_LOG) to a writable file, or '-' for stderr.",
                ) from None

    @classmethod
    def for_project(cls, target: str, project_dir: Path) -> AuditLog:
        """The stderr/file log plus the trail of the sesctl project at ``project_dir``."""
        from reconciler.audit.actor import git_facts, who
        from reconciler.audit.setup import project_at, trail_for

        project = project_at(project_dir)
        root = project.root if project is not None else project_dir.resolve()
        trail = trail_for(project, root)
        git = {k: v for k, v in git_facts(root).items() if k != "author"}
        return cls(target, trail=trail, actor=who(root), git=git)

    def write(self, line: Mapping[str, Any]) -> None:
        text = json.dumps(line, sort_keys=True, default=str, ensure_ascii=False)
        with self._lock:
            stream = self._stream or sys.stderr
            stream.write(text + "\n")
            stream.flush()

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None


def _now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _client(ctx: Any) -> str:
    params = getattr(getattr(ctx, "session", None), "client_params", None)
    info = getattr(params, "client_info", None)
    if info is None:
        return "unknown"
    return f"{info.name}/{info.version}" if getattr(info, "version", None) else str(info.name)


def _principal() -> str:
    from mcp.server.auth.middleware.auth_context import get_access_token

    token = get_access_token()
    return f"token:{token.client_id}" if token is not None else "local"


def _status(result: Any) -> str:
    if isinstance(result, Mapping):
        if "inputRequests" in result:
            return "confirmation_requested"
        return "error" if result.get("isError") else "ok"
    if getattr(result, "is_error", False):
        return "error"
    return "ok"


class AuditMiddleware:
    """Server middleware writing one line per ``tools/call`` request (other methods pass through)."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        params = ctx.params or {}
        extra: dict[str, Any] = {}
        token = _NOTE.set(extra)
        started = time.monotonic()
        line: dict[str, Any] = {
            "ts": _now(),
            "tool": str(params.get("name", "")),
            "client": _client(ctx),
            "principal": _principal(),
            "args": mask_arguments(params.get("arguments") or {}),
        }
        operation: Operation | None = None
        if self.log.trail is not None:
            operation = Operation(
                self.log.trail,
                "mcp",
                {k: line[k] for k in ("tool", "client", "principal", "args")},
                actor={**self.log.actor, "mcp_principal": line["principal"]},
                git=self.log.git,
            )
            try:
                await anyio.to_thread.run_sync(operation.__enter__)
            except AuditError as exc:
                _NOTE.reset(token)
                line["status"] = "refused_unaudited"
                self.log.write(line)
                return {
                    "content": [{"type": "text", "text": f"refused: the audit trail cannot be written ({exc})"}],
                    "isError": True,
                }
        try:
            result = await call_next(ctx)
            line["status"] = _status(result)
            return result
        except BaseException as exc:
            code = getattr(getattr(exc, "error", None), "code", None)
            # -32021: the client cannot elicit, so the send failed closed before anything left.
            line["status"] = (
                "failed_closed" if code == MISSING_REQUIRED_CLIENT_CAPABILITY else "protocol_error"
            )
            line["error"] = f"{type(exc).__name__}{f' {code}' if code is not None else ''}"
            raise
        finally:
            _NOTE.reset(token)
            line["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            if extra:
                line["result"] = extra
            self.log.write(line)
            if operation is not None:
                await _finish(operation, line)


async def _finish(operation: Operation, line: Mapping[str, Any]) -> None:
    operation.outcome = str(line.get("status", "ok"))
    operation.set(**{k: line[k] for k in ("duration_ms", "result", "error") if k in line})
    try:
        await anyio.to_thread.run_sync(operation.__exit__, None, None, None)
    except AuditError as exc:
        # The call already ran; say so loudly where the operator looks (the stderr/file line).
        sys.stderr.write(f"sesctl mcp: {exc}\n")
