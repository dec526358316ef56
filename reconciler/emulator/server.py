"""The emulator: our SES v2 backend and moto's other services on one local endpoint.

    /v2/email/...        SES v2 (signed for "ses" or unsigned): our handlers, via router.py
    /_sesctl/...         the emulator's own admin API (below)
    CloudWatch alarms    PutMetricAlarm, DescribeAlarms, DeleteAlarms, the tags of alarms, ...
                         (cloudwatch_alarms.py) in any of CloudWatch's protocols
                         (cloudwatch_protocol.py): our handlers, over the emulator's state
    everything else      moto's server dispatcher (SNS, SQS, CloudWatch's metrics, S3,
                         Firehose, EventBridge, STS, ...), which picks the service from the
                         SigV4 Authorization header; imported on the first such request

Admin API (JSON in and out, no authentication: the server binds to loopback):
    GET  /_sesctl/health             {"status": "ok", "pid", "state_file", "operations", ...}
    GET  /_sesctl/config             the running configuration (throttling, faults, strict)
    POST /_sesctl/config             change some of it: {"throttle_rps": 5, "fault_rate": 0.1}
    GET  /_sesctl/state              the whole SES state as saved to the state file
    POST /_sesctl/reset              forget all SES state (and moto's services)
    GET  /_sesctl/admin              the names of the admin actions
    POST /_sesctl/admin/<name>       run registry.ADMIN_ACTIONS[name] (see registry.py)

One lock serializes every SES and CloudWatch alarm call and admin action, so handlers need no
locking of their own. moto's services keep their state in moto's process-wide backends.
``make_app``'s ``app`` is the one place that decides who answers a request.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import pkgutil
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from pydantic import TypeAdapter, ValidationError

from reconciler import __version__
from reconciler.emulator import cbor, cloudwatch_alarms, cloudwatch_protocol, registry
from reconciler.emulator.errors import BadRequestException, SesApiError
from reconciler.emulator.faults import FaultConfig, FaultInjector, InternalFailure
from reconciler.emulator.persistence import StateStore
from reconciler.emulator.registry import OperationContext
from reconciler.emulator.request_guard import (
    MAX_BODY_BYTES,
    check_body_length,
    check_json_content_type,
    check_origin,
    check_region,
    is_loopback_host,
)
from reconciler.emulator.router import (
    ContractViolation,
    NotImplementedByEmulator,
    Response,
    UnknownOperationError,
    error_response,
    is_read_only,
    match,
    parse_input,
    serialize_output,
)
from reconciler.emulator.state import EmulatorState
from reconciler.errors import UsageError

if TYPE_CHECKING:  # enforcement is opt-in (--iam-policy): its evaluator is imported by who enables it
    from reconciler.emulator.iam import IamEnforcer

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
COVERAGE_DOC = "docs/emulator-coverage.md"

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


@dataclass
class EmulatorConfig(FaultConfig):
    # Strict mode checks every SES response against the model's output shape and answers a
    # violation with HTTP 500 (recorded in Emulator.violations); the test fixtures turn it on.
    strict: bool = False
    # DNS-backed verification (reconciler/emulator/dns_verification.py): domain identities are
    # verified by resolving their records through ``nameserver`` ("HOST[:PORT]"; None: the
    # system's resolver) instead of by the verify_identity admin action.
    verify_dns: bool = False
    nameserver: str | None = None

    def validate(self) -> None:
        super().validate()
        if self.nameserver is not None:
            from reconciler.dns.check import make_resolver

            try:
                make_resolver(self.nameserver)
            except UsageError as exc:
                raise ValueError(f"nameserver: {exc}") from None

    def update(self, changes: dict[str, Any]) -> EmulatorConfig:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise BadRequestException(f"Unknown configuration keys: {', '.join(unknown)}")
        try:
            merged = TypeAdapter(EmulatorConfig).validate_python({**asdict(self), **changes})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BadRequestException(f"Invalid configuration {where}: {first['msg']}") from None
        try:
            merged.validate()
        except ValueError as exc:
            raise BadRequestException(str(exc)) from None
        return merged


# --- loading the handlers -------------------------------------------------------------------

_load_lock = threading.Lock()
LOAD_ERRORS: dict[str, str] = {}


@cache
def _load_operations_once() -> None:
    from reconciler.emulator import hooks, operations

    modules = [
        info
        for package in (operations, hooks)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    ]
    for info in modules:
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # one broken module must not take the other operations down
            LOAD_ERRORS[info.name] = f"{exc.__class__.__name__}: {exc}"
            log.warning("emulator: cannot import %s: %s", info.name, exc)


def load_operations() -> None:
    """Import every module of ``reconciler.emulator.operations`` (SES's operations) and
    ``reconciler.emulator.hooks`` (the admin actions) so their handlers register."""
    with _load_lock:
        _load_operations_once()


# --- services for handlers ------------------------------------------------------------------


class Services:
    """What handlers reach through ``ctx.services``: moto's neighbouring services and the config."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self.account_id = ACCOUNT_ID

    @property
    def config(self) -> EmulatorConfig:
        return self._emulator.config

    def moto_backend(self, service: str, region: str) -> Any:
        """moto's backend for ``service`` ("sns", "sqs", "firehose", "events", "cloudwatch",
        "s3", ...) in ``region`` and our account: the same objects the HTTP side serves."""
        from moto.backends import get_backend

        backends = get_backend(service)  # type: ignore[call-overload]
        # Partition-wide and global services are keyed by "aws" / "global" rather than a region.
        key = {"s3": "aws", "iam": "global", "organizations": "global"}.get(service, region)
        return backends[self.account_id][key]


# --- the emulator ---------------------------------------------------------------------------


# Sends change only the persisted 24-hour quota window. Writing (and fsyncing) the whole state
# file on every SendBulkEmail cost more than the send itself (14 ms of a 47 ms call, under the
# lock that every request takes), so sends mark the state dirty and a timer saves it within
# SEND_SAVE_DELAY seconds; close() saves at once. A crash loses at most that much quota count.
DEFERRED_SAVE_OPERATIONS = frozenset({"SendEmail", "SendBulkEmail"})
SEND_SAVE_DELAY = 0.5


class Emulator:
    """SES state, handlers, faults and persistence; independent of HTTP (see make_app)."""

    def __init__(self, config: EmulatorConfig | None = None, state_file: Path | None = None) -> None:
        load_operations()
        self.config = config or EmulatorConfig()
        self.faults = FaultInjector(self.config)
        self.store = StateStore(state_file) if state_file is not None else None
        if self.store is not None:
            self.store.open()
            try:
                self.state = self.store.load()
            except BaseException:
                self.store.close()
                raise
        else:
            self.state = EmulatorState()
        self.lock = threading.RLock()
        self.clock: Callable[[], datetime] | None = None  # tests may set a fixed clock
        self.services = Services(self)
        self.violations: list[str] = []
        # An IAM policy to enforce on SES requests (reconciler/emulator/iam.py); None: allow all.
        self.iam: IamEnforcer | None = None
        self._save_timer: threading.Timer | None = None

    @property
    def state_file(self) -> Path | None:
        return self.store.path if self.store else None

    def now(self) -> datetime:
        return self.clock() if self.clock is not None else datetime.now(UTC)

    def context(self, region: str) -> OperationContext:
        return OperationContext(
            state=self.state.region(region),
            region=region,
            account_id=ACCOUNT_ID,
            services=self.services,
            clock=self.now,
            regions=self.state.region,
        )

    def configure(self, **changes: Any) -> EmulatorConfig:
        with self.lock:
            self.config = self.config.update(changes)
            self.faults.reconfigure(self.config)
            return self.config

    def enter_sandbox(self) -> None:
        """Every account in SES's sandbox, now and in regions made later (persisted)."""
        with self.lock:
            self.state.enter_sandbox()
            self.save()

    def save(self) -> None:
        if self.store is not None:
            if self._save_timer is not None:  # this save covers what the timer was due to write
                self._save_timer.cancel()
                self._save_timer = None
            self.store.save(self.state)

    def saved_after(self, operation: str) -> None:
        """Persist what ``operation`` changed: now, or soon for sends (DEFERRED_SAVE_OPERATIONS)."""
        if is_read_only(operation) or self.store is None:
            return
        if operation not in DEFERRED_SAVE_OPERATIONS:
            self.save()
        elif self._save_timer is None:
            self._save_timer = threading.Timer(SEND_SAVE_DELAY, self._deferred_save)
            self._save_timer.daemon = True
            self._save_timer.start()

    def _deferred_save(self) -> None:
        with self.lock:
            if self._save_timer is not None and self.store is not None:
                self._save_timer = None
                self.store.save(self.state)

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                self.save()
                self.store.close()
                self.store = None

    def reset(self) -> None:
        with self.lock:
            self.state = EmulatorState(sandbox=self.state.sandbox)  # --sandbox outlives a reset
            self.save()
            reset_moto()

    def call(self, operation: str, params: dict[str, Any], region: str = DEFAULT_REGION) -> dict[str, Any]:
        """Run one SES operation in-process (no HTTP, no faults); errors raise SesApiError."""
        handler = registry.OPERATIONS.get(operation)
        if handler is None:
            raise not_implemented(operation)
        with self.lock:
            result = handler(self.context(region), params)
            self.saved_after(operation)
            return result

    def handle_ses(
        self, method: str, raw_path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        region = signing_region(headers.get("Authorization")) or DEFAULT_REGION
        operation = "?"
        try:
            check_region(region)
            operation, uri_params = match(method, raw_path)
            handler = registry.OPERATIONS.get(operation)
            if handler is None:
                raise not_implemented(operation)
            params = parse_input(
                operation, uri_params, parse_qs(query, keep_blank_values=True), headers, body
            )
            fault = self.faults.check(operation, region)
            if fault is not None:
                raise fault
            with self.lock:
                if self.iam is not None:
                    self.iam.check(operation, params, self.state.region(region), region, ACCOUNT_ID)
                result = handler(self.context(region), params)
                response = serialize_output(operation, result, strict=self.config.strict)
                self.saved_after(operation)
            return response
        except SesApiError as exc:
            return error_response(exc)
        except RecursionError:  # a body nested beyond what the checks recurse through
            return error_response(BadRequestException("The request nests too deeply."))
        except ContractViolation as exc:
            self.violations.append(str(exc))
            log.error("emulator contract violation: %s", exc)
            return error_response(InternalFailure(f"Emulator contract violation: {exc}"))
        except Exception as exc:
            log.exception("emulator: %s failed", operation)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{exc.__class__.__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
            return error_response(InternalFailure(f"Emulator error in {operation}: {detail}"))

    def handle_cloudwatch(
        self, protocol: str, path: str, target: str | None, authorization: str | None, body: bytes, query: str = ""
    ) -> Response | None:
        """A CloudWatch request in ``protocol``: refused here when the enforced IAM policy does
        not allow it, answered here when it is an alarm operation (cloudwatch_alarms.served_here),
        else None (moto's)."""
        request_id = str(uuid.uuid4())
        region = signing_region(authorization) or DEFAULT_REGION
        try:
            operation, params = cloudwatch_protocol.decode(protocol, path, target, body, query)
            if self.iam is not None:  # alarm operations and moto's metric ones alike
                refused = self.iam.check_cloudwatch(operation, params, region, ACCOUNT_ID)
                if refused is not None:
                    raise cloudwatch_alarms.CloudWatchError("AccessDenied", refused, 403)
            if not cloudwatch_alarms.served_here(operation, params):
                if operation not in cloudwatch_protocol.operations():  # moto would answer with a traceback
                    raise cloudwatch_alarms.CloudWatchError("InvalidAction", f"CloudWatch has no operation {operation!r}.")
                return None
            check_region(region)
            with self.lock:
                now = self.now()  # CloudWatch keeps times to the millisecond
                now = now.replace(microsecond=now.microsecond // 1000 * 1000)
                ctx = cloudwatch_alarms.AlarmContext(self.state.region(region).cloudwatch, region, ACCOUNT_ID, now)
                result = cloudwatch_alarms.OPERATIONS[operation](ctx, params)
                if operation not in cloudwatch_alarms.READS:
                    self.save()
            return cloudwatch_protocol.encode_result(protocol, operation, result, request_id)
        except cloudwatch_alarms.CloudWatchError as exc:
            return cloudwatch_protocol.encode_error(protocol, exc, request_id)
        except SesApiError as exc:  # check_region's
            error = cloudwatch_alarms.CloudWatchError("InvalidParameterValue", exc.message)
            return cloudwatch_protocol.encode_error(protocol, error, request_id)
        except RecursionError:
            error = cloudwatch_alarms.CloudWatchError("SerializationException", "The request nests too deeply.")
            return cloudwatch_protocol.encode_error(protocol, error, request_id)
        except Exception as exc:
            log.exception("emulator: CloudWatch request failed")
            error = cloudwatch_alarms.CloudWatchError(
                "InternalServiceError", f"Emulator error: {exc.__class__.__name__}: {exc}", 500, sender=False
            )
            return cloudwatch_protocol.encode_error(protocol, error, request_id)

    def run_admin(self, name: str, kwargs: dict[str, Any]) -> Any:
        action = registry.ADMIN_ACTIONS.get(name)
        if action is None:
            known = ", ".join(sorted(registry.ADMIN_ACTIONS)) or "none"
            raise UnknownOperationError(f"No admin action {name!r} (known: {known})")
        region = kwargs.pop("region", None) or DEFAULT_REGION
        if not isinstance(region, str):
            raise BadRequestException(f"Admin action {name}: region must be a string.")
        check_region(region)
        kwargs = registry.admin_arguments(name, kwargs)
        ctx = self.context(region)
        with self.lock:
            result = action(ctx, **kwargs)
            self.save()
            return result

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "pid": os.getpid(),
            "state_file": str(self.state_file.resolve()) if self.state_file else None,
            "operations": len(registry.OPERATIONS),
            "admin_actions": sorted(registry.ADMIN_ACTIONS),
            "load_errors": dict(LOAD_ERRORS),
        }


def not_implemented(operation: str) -> NotImplementedByEmulator:
    broken = "; ".join(f"{m} failed to import ({e})" for m, e in LOAD_ERRORS.items())
    note = f" Note: {broken}." if broken else ""
    return NotImplementedByEmulator(
        f"The sesctl emulator does not implement {operation}. "
        f"See {COVERAGE_DOC} for the operations it covers.{note}"
    )


def signing_region(authorization: str | None) -> str | None:
    """The region of a SigV4 ``Authorization`` header's credential scope."""
    scope = _credential_scope(authorization)
    return scope[2] if scope else None


def signing_service(authorization: str | None) -> str | None:
    scope = _credential_scope(authorization)
    return scope[3] if scope else None


def _credential_scope(authorization: str | None) -> list[str] | None:
    if not authorization or "Credential=" not in authorization:
        return None
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip()
    parts = credential.split("/")
    return parts if len(parts) == 5 else None


# --- moto -----------------------------------------------------------------------------------


@cache
def moto_app() -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    # One dispatcher per process: its per-service Flask apps are costly to build, and moto's
    # backends are process-wide anyway.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app: Callable[[Environ, StartResponse], Iterable[bytes]] = DomainDispatcherApplication(create_backend_app)
    return app


def _moto_in_cbor(environ: Environ, path: str, body: bytes) -> Response:
    """A CloudWatch request in CBOR that moto answers (the metric operations): asked of moto in
    CloudWatch's JSON protocol, its answer given back in CBOR."""
    try:
        operation, params = cloudwatch_protocol.decode(cloudwatch_protocol.CBOR, path, None, body)
    except cloudwatch_alarms.CloudWatchError as exc:
        return cloudwatch_protocol.encode_error(cloudwatch_protocol.CBOR, exc, str(uuid.uuid4()))
    payload = json.dumps(params, default=cloudwatch_protocol.json_default).encode()
    request = {
        **environ,
        "PATH_INFO": "/",
        "RAW_URI": "/",
        "REQUEST_URI": "/",
        "CONTENT_TYPE": cloudwatch_protocol.JSON_TYPE,
        "CONTENT_LENGTH": str(len(payload)),
        "HTTP_X_AMZ_TARGET": cloudwatch_protocol.TARGET_PREFIX + operation,
        "wsgi.input": io.BytesIO(payload),
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer.update(status=int(status.split()[0]), headers=headers)
        return lambda data: None

    chunks = moto_app()(request, start_response)
    try:
        text = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    try:
        document = json.loads(text) if text.strip() else {}
    except ValueError:
        document = {"__type": "InternalServiceError", "message": text.decode("utf-8", "replace")[:500]}
    status = int(answer.get("status", 500))
    if status == 200:
        document = cloudwatch_protocol.typed_output(operation, document)
    kept = [(k, v) for k, v in answer.get("headers", []) if k.lower() == "x-amzn-query-error"]
    headers = [("Content-Type", cloudwatch_protocol.CBOR_TYPE), ("smithy-protocol", "rpc-v2-cbor"), *kept]
    return Response(status, headers, cbor.encode(document))


def reset_moto() -> None:
    """Forget the state of every moto service in this process."""
    if "moto.core.base_backend" not in sys.modules:  # never imported: no state to forget
        return
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


# --- WSGI -----------------------------------------------------------------------------------


def _raw_path(environ: Environ) -> str:
    # The path as the client sent it (still percent-encoded), so "%2F" in a parameter stays one
    # parameter; werkzeug's server provides RAW_URI/REQUEST_URI.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = str(raw).split("?", 1)[0]
        if "://" in path:  # an absolute-form request line
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path
    return quote(environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")


def _headers(environ: Environ) -> dict[str, str]:
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = str(value)
    if environ.get("CONTENT_TYPE"):
        out["Content-Type"] = environ["CONTENT_TYPE"]
    return out


def _body(environ: Environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequestException("Content-Length is not a number.") from None
    check_body_length(length)
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if length > 0:
        try:
            data: bytes = stream.read(length)
        except Exception:  # werkzeug's ClientDisconnected: the client sent less and hung up
            data = b""
        if len(data) < length:
            raise BadRequestException(
                f"The request body is shorter than its Content-Length ({len(data)} of {length} bytes)."
            )
        return data
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get("wsgi.input_terminated"):
        data = stream.read(MAX_BODY_BYTES + 1)
        check_body_length(len(data))
        return data
    return b""


def _send(start_response: StartResponse, response: Response) -> list[bytes]:
    reason = _REASONS.get(response.status, "Error")
    headers = [*response.headers, ("Content-Length", str(len(response.body)))]
    headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
    start_response(f"{response.status} {reason}", headers)
    return [response.body]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def _json(status: int, document: Any) -> Response:
    body = json.dumps(document, default=_json_default, indent=1).encode()
    return Response(status, [("Content-Type", "application/json")], body)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | set | frozenset):
        return list(value) if not isinstance(value, bytes) else value.decode("latin-1")
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def _admin(emulator: Emulator, method: str, path: str, body: bytes) -> Response:
    try:
        kwargs: dict[str, Any] = {}
        if body.strip():
            try:
                loaded = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequestException(f"Invalid JSON: {exc}") from None
            except RecursionError:
                raise BadRequestException("Invalid JSON: nested too deeply.") from None
            if not isinstance(loaded, dict):
                raise BadRequestException("The admin request body must be a JSON object")
            kwargs = loaded
        return _admin_route(emulator, method, path.rstrip("/"), kwargs)
    except SesApiError as exc:
        return error_response(exc)
    except Exception as exc:
        log.exception("emulator admin %s failed", path)
        return error_response(InternalFailure(f"Emulator error in {path}: {exc.__class__.__name__}: {exc}"))


def _admin_route(emulator: Emulator, method: str, route: str, kwargs: dict[str, Any]) -> Response:
    if route == "/_sesctl/health":
        return _json(200, emulator.health())
    if route == "/_sesctl/config":
        if method == "POST":
            emulator.configure(**kwargs)
        return _json(200, asdict(emulator.config))
    if route == "/_sesctl/state" and method == "GET":
        with emulator.lock:
            return Response(200, [("Content-Type", "application/json")], emulator.state.to_json().encode())
    if route == "/_sesctl/reset" and method == "POST":
        emulator.reset()
        return _json(200, {"reset": True})
    if route == "/_sesctl/admin" and method == "GET":
        return _json(200, {"actions": sorted(registry.ADMIN_ACTIONS)})
    if route.startswith("/_sesctl/admin/") and method == "POST":
        result = emulator.run_admin(route.removeprefix("/_sesctl/admin/"), kwargs)
        return _json(200, {"result": result})
    raise UnknownOperationError(f"{method} {route}: no such emulator admin endpoint")


def _check_sqs(emulator: Emulator, environ: Environ) -> Response | None:
    """SQS's 403 AccessDenied when the enforced IAM policy refuses the request (the body is
    read here and given back to moto)."""
    assert emulator.iam is not None
    try:
        body = _body(environ)
    except SesApiError as exc:
        return error_response(exc)
    environ["wsgi.input"] = io.BytesIO(body)
    region = signing_region(environ.get("HTTP_AUTHORIZATION")) or DEFAULT_REGION
    refused = emulator.iam.check_sqs(environ.get("HTTP_X_AMZ_TARGET"), body, region, ACCOUNT_ID)
    if refused is None:
        return None
    document = {"__type": "com.amazonaws.sqs#AccessDenied", "message": refused}
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "AccessDenied;Sender")]
    return Response(403, headers, json.dumps(document).encode())


def make_app(
    emulator: Emulator, *, loopback_only: bool = True
) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """The WSGI app serving ``emulator`` and moto's services on one endpoint. With
    ``loopback_only`` (any loopback bind), requests must be addressed to a loopback host
    (request_guard.py: no DNS rebinding, no cross-site requests)."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        is_admin = path.startswith("/_sesctl/") or path == "/_sesctl"
        authorization = environ.get("HTTP_AUTHORIZATION")
        target = environ.get("HTTP_X_AMZ_TARGET")
        cloudwatch = cloudwatch_protocol.protocol_of(method, path, target, signing_service(authorization))
        try:
            if loopback_only:
                check_origin(environ.get("HTTP_HOST"), environ.get("HTTP_ORIGIN"))
            if is_admin and method not in ("GET", "HEAD", "OPTIONS"):
                check_json_content_type(environ.get("CONTENT_TYPE"))
            body = _body(environ) if is_admin or path.startswith("/v2/email") or cloudwatch else b""
        except SesApiError as exc:
            return _send(start_response, error_response(exc))
        if is_admin:
            return _send(start_response, _admin(emulator, method, path, body))
        if path.startswith("/v2/email") and signing_service(authorization) in (None, "ses"):
            response = emulator.handle_ses(
                method, _raw_path(environ), environ.get("QUERY_STRING", ""), _headers(environ), body
            )
            return _send(start_response, response)
        if cloudwatch is not None:
            query = environ.get("QUERY_STRING", "")
            answered = emulator.handle_cloudwatch(cloudwatch, path, target, authorization, body, query)
            if answered is not None:
                return _send(start_response, answered)
            if cloudwatch == cloudwatch_protocol.CBOR:  # moto speaks CloudWatch's JSON, not CBOR
                return _send(start_response, _moto_in_cbor(environ, path, body))
        if path.startswith("/v2/email") or cloudwatch is not None:  # moto reads the body itself
            environ["wsgi.input"] = io.BytesIO(body)
        if emulator.iam is not None and signing_service(authorization) == "sqs":
            refused = _check_sqs(emulator, environ)
            if refused is not None:
                return _send(start_response, refused)
        return moto_app()(environ, start_response)

    return app


# --- the HTTP server ------------------------------------------------------------------------


class EmulatorServer:
    """A threaded HTTP server for an Emulator, run in a background thread.

    ``port=0`` picks a free port; ``url`` tells which after ``start()``.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False):
        self.emulator = emulator
        self.host = host
        self.port = port
        self.verbose = verbose
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator server is not started")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> EmulatorServer:
        from werkzeug.serving import WSGIRequestHandler, make_server

        verbose = self.verbose

        class Handler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                if verbose:
                    super().log_request(code, size)

        app = make_app(self.emulator, loopback_only=is_loopback_host(self.host))
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=Handler)
        # A short poll interval makes stop() take milliseconds, not half a second per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sesctl-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
