"""Every SES call sesctl makes goes through a SesGateway: per-operation token buckets, retries
with full-jitter backoff, errors mapped to AwsError with what to do next, and counters.

    gateway = SesGateway.from_aws(aws_context(settings), rates=5)   # or rates={"GetEmailTemplate": 2}
    template = gateway.call("GetEmailTemplate", TemplateName="welcome")
    names = gateway.paginate("ListConfigurationSets", "ConfigurationSets")
    results = gateway.read_many(lambda n: gateway.call("GetConfigurationSet", ConfigurationSetName=n), names)
    gateway.calls        # Counter: API requests per operation (retries included)

Commands get theirs from reconciler.app.connect (``conn.gateway``).

Reads made inside ``with gateway.reading():`` through ``call_cached`` are memoized for the
block (one request per distinct operation + parameters, even from concurrent threads), so
kinds that need the same read (ListConfigurationSets, GetConfigurationSet) share it. Outside
the block nothing is cached, so an apply never acts on a stale read.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from reconciler.aws.ratelimit import (
    DeadlineExceeded,
    RateLimits,
    RatesInput,
    RetryBudget,
    RetryPolicy,
    TokenBucket,
)
from reconciler.errors import AwsError, RetryableAwsError, UsageError
from reconciler.redact import mask_url

if TYPE_CHECKING:
    from reconciler.aws.clients import AwsContext

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_WORKERS = 8

NOT_FOUND = "NotFoundException"
THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
    }
)
SERVER_CODES = frozenset(
    {
        "InternalFailure",
        "InternalServiceErrorException",
        "ServiceUnavailable",
        "ConcurrentModificationException",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ExpiredToken",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
    }
)
# A signature AWS refuses because the machine's clock is off ("Signature expired: ... is now
# earlier than ...", "The difference between the request time and the current time is too large").
CLOCK_CODES = frozenset({"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException"})
# SES's own refusal of a value, and the AWS front door's (a request outside the model's
# constraints, "1 validation error detected: Value ... at 'pageSize' failed to satisfy ...").
VALIDATION_CODES = frozenset({"BadRequestException", "ValidationException", "InvalidParameterValue"})
ACCESS_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "Forbidden"})
# Request members that name the resource a call is about, shown in error messages.
_NAME_MEMBERS = (
    "TemplateName",
    "ConfigurationSetName",
    "EventDestinationName",
    "PoolName",
    "Ip",
    "ResourceArn",
)

CREDENTIALS_HINT = (
    "No usable AWS credentials. Use --local for the embedded emulator, or configure credentials: "
    "`aws configure --profile NAME` then `sesctl --profile NAME ...` (or set AWS_PROFILE). "
    "Against `sesctl local serve` any keys do: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local."
)


class SesGateway:
    def __init__(
        self,
        client: Any,
        *,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        account_id: str | None = None,
        sts_client: Any = None,
        timeout: float | None = None,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        clients: Callable[[str], Any] | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.client = client
        self.limits = limits or RateLimits(clock=clock, sleep=sleep)
        self.retry = retry or RetryPolicy()
        self.max_workers = max_workers
        self.region: str = getattr(getattr(client, "meta", None), "region_name", None) or "us-east-1"
        self._account_id = account_id
        self._caller_arn: str | None = None
        self._sts = sts_client
        self._clients = clients
        self._clock = clock
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.deadline: float | None = None if timeout is None else clock() + timeout
        self.calls: Counter[str] = Counter()  # requests sent, per operation (retries included)
        self.retries: Counter[str] = Counter()  # of which retries
        self.throttles: Counter[str] = Counter()  # answers that were throttling refusals
        self._budget = RetryBudget(self.retry)  # retries past max_attempts, for the whole run
        self.call_log: list[tuple[str, float]] = []  # (operation, clock time) of every request
        self._stats_lock = threading.Lock()
        self._cache: dict[str, Future[dict[str, Any]]] | None = None
        self._cache_depth = 0
        self._cache_lock = threading.Lock()

    @classmethod
    def from_aws(
        cls,
        aws: AwsContext,
        *,
        rates: RatesInput = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        **kwargs: Any,
    ) -> SesGateway:
        """A gateway on ``aws``'s sesv2 client; ``rates`` as in RateLimits.parse (``--rate``)."""
        try:
            # Enough pooled connections for every reader thread (kinds x workers), so none is
            # dropped and re-opened under load.
            client = aws.client("sesv2", max_pool_connections=max(10, 6 * max_workers))
        except NoRegionError as exc:
            raise AwsError(
                "No AWS region configured.",
                code="NoRegion",
                hint="Pass --region (or set AWS_REGION), or use --local.",
            ) from exc
        except InvalidRegionError as exc:
            raise UsageError(
                f"{exc}", hint="--region (or AWS_REGION) takes a region code such as us-east-1 or eu-west-1."
            ) from exc
        except BotoCoreError as exc:
            raise AwsError(str(exc), code=type(exc).__name__, hint=CREDENTIALS_HINT) from exc
        except ValueError as exc:  # botocore refuses an endpoint that is not a URL
            raise UsageError(
                mask_url(f"{exc}: the endpoint must be a URL"),
                hint="For example --endpoint-url http://127.0.0.1:4566 (a running `sesctl local serve`).",
            ) from exc
        return cls(
            client,
            limits=RateLimits.parse(rates),
            max_workers=max_workers,
            sts_client=_LazySts(aws),
            clients=aws.client,
            **kwargs,
        )

    # -- calls -------------------------------------------------------------------------------

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One SES operation (botocore name, e.g. ``GetEmailTemplate``) under its bucket and
        retry policy. Raises AwsError (RetryableAwsError when retrying might still help)."""
        return self._paced(self.client, "ses", operation, operation, params)

    def call_service(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One operation of another service on the same session and endpoint (CloudWatch for
        AlertPolicy's alarms), paced, retried, counted (as ``service:Operation`` in ``calls``)
        and its errors mapped like SES's."""
        return self._paced(self.client_for(service), service, operation, f"{service}:{operation}", params)

    def _paced(
        self, client: Any, service: str, operation: str, key: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        method = getattr(client, xform_name(operation))
        bucket = self.limits.bucket(key)
        started = self._clock()
        retry = 0
        while True:
            try:
                bucket.enter(self.deadline)
            except DeadlineExceeded as exc:
                raise RetryableAwsError(
                    f"{operation}{_about(params)}: the client-side rate limit of "
                    f"{bucket.rate:g}/s cannot fit this call before the deadline.",
                    code="RateLimitDeadline",
                    operation=operation,
                    hint="Raise --rate if your SES quota allows more requests per second, or allow more time.",
                ) from exc
            self._count(key, retry > 0)
            try:
                try:
                    response: dict[str, Any] = method(**params)
                finally:
                    bucket.leave()  # answered (or failed): the operation's next request may follow
                response.pop("ResponseMetadata", None)
                bucket.succeeded()
                self._budget.earn()
                return response
            except (ClientError, BotoCoreError) as exc:
                error = map_error(exc, operation, params, client, service=service)
                if not isinstance(error, RetryableAwsError):
                    raise error from exc
                throttled = error.code in THROTTLING_CODES
                if throttled:
                    bucket.throttled()
                    with self._stats_lock:
                        self.throttles[key] += 1
                delay = self.retry.delay(retry, self._rng)
                now = self._clock()
                past_deadline = self.deadline is not None and now + delay > self.deadline
                spent = retry + 1 >= self.retry.max_attempts or now + delay - started > self.retry.max_elapsed
                # A throttled read goes on past its own limits while the run's budget lasts.
                if past_deadline or (spent and not (throttled and self._budget.spend())):
                    raise _exhausted(error, retry + 1, now - started) from exc
                retry += 1
                self._sleep(delay)

    def call_once(
        self,
        operation: str,
        *,
        tokens: int = 1,
        bucket: TokenBucket | None = None,
        before: Callable[[], None] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """One request and never a second: for calls that are not idempotent (a SendBulkEmail
        retried after a lost answer mails its recipients twice), whose caller journals and
        decides retries itself. Paced (``tokens`` from ``bucket``, by default the operation's
        own), counted, errors mapped like ``call``; the SDK's own retries are switched off.
        ``before`` runs after the wait, right before the request (to journal the intent)."""
        _without_sdk_retries(self.client)
        pacing = bucket or self.limits.bucket(operation)
        wait = max(pacing.reserve() for _ in range(max(1, tokens)))
        if wait > 0:
            pacing.sleep(wait)
        if before is not None:
            before()
        self._count(operation, False)
        try:
            response: dict[str, Any] = getattr(self.client, xform_name(operation))(**params)
        except (ClientError, BotoCoreError) as exc:
            error = map_error(exc, operation, params, self.client)
            if error.code in THROTTLING_CODES:
                pacing.throttled()
                with self._stats_lock:
                    self.throttles[operation] += 1
            raise error from exc
        response.pop("ResponseMetadata", None)
        pacing.succeeded()
        return response

    def call_cached(self, operation: str, **params: Any) -> dict[str, Any]:
        """A read that is shared within ``with reading():`` (see module docstring)."""
        key = operation + json.dumps(params, sort_keys=True, default=str)
        with self._cache_lock:
            if self._cache is None:
                future: Future[dict[str, Any]] | None = None
                owner = False
            else:
                future = self._cache.get(key)
                owner = future is None
                if future is None:
                    future = self._cache[key] = Future()
        if future is None:
            return self.call(operation, **params)
        if not owner:
            return future.result()
        try:
            future.set_result(self.call(operation, **params))
        except BaseException as exc:
            future.set_exception(exc)
            raise
        return future.result()

    def get_or_none(self, operation: str, *, cached: bool = False, **params: Any) -> dict[str, Any] | None:
        """A Get that answers None for NotFoundException: a missing object is absent, not an
        error. ``cached``: through ``call_cached`` (shared inside ``with reading():``)."""
        try:
            return (self.call_cached if cached else self.call)(operation, **params)
        except AwsError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise

    @contextmanager
    def reading(self) -> Iterator[SesGateway]:
        """Memoize ``call_cached`` reads for the duration of the block (nestable)."""
        with self._cache_lock:
            if self._cache_depth == 0:
                self._cache = {}
            self._cache_depth += 1
        try:
            yield self
        finally:
            with self._cache_lock:
                self._cache_depth -= 1
                if self._cache_depth == 0:
                    self._cache = None

    def paginate(self, operation: str, result_key: str, *, cached: bool = True, **params: Any) -> list[Any]:
        """Every item of a NextToken-paged List operation (each page is one rate-limited call).

        Most SES List operations state no PageSize cap in the model. If SES refuses the size
        asked for (BadRequestException naming PageSize), the listing starts again with SES's
        default page size instead of failing the whole plan."""
        try:
            return self._pages(operation, result_key, cached, params)
        except AwsError as exc:
            if exc.code != "BadRequestException" or "PageSize" not in params or "pagesize" not in str(exc).lower():
                raise
            return self._pages(operation, result_key, cached, {k: v for k, v in params.items() if k != "PageSize"})

    def _pages(self, operation: str, result_key: str, cached: bool, params: Mapping[str, Any]) -> list[Any]:
        items: list[Any] = []
        token: str | None = None
        seen: set[str] = set()
        fetch = self.call_cached if cached else self.call
        while True:
            # A page may be empty and still carry a NextToken (SES filters after paging).
            page = fetch(operation, **params, **({"NextToken": token} if token else {}))
            items.extend(page.get(result_key) or [])
            token = page.get("NextToken")
            if not token:
                return items
            if token in seen:
                # Following it would loop for ever; stopping would pass a partial list off as
                # the whole (a plan would then create or prune what it did not see).
                raise RetryableAwsError(
                    f"{operation}: the endpoint answered the same NextToken twice after {len(items)} items.",
                    code="RepeatedNextToken",
                    operation=operation,
                    hint="The listing cannot be completed; retry later (if it persists, the endpoint is at fault).",
                )
            seen.add(token)

    def read_many(self, fn: Callable[[T], R], items: Iterable[T], max_workers: int | None = None) -> list[R]:
        """``[fn(item) for item in items]``, run on a bounded thread pool; results in input order.
        Each call still waits for its own operation's bucket, so calls to different operations
        overlap and one operation runs at its full rate. The first exception is raised."""
        work = list(items)
        if not work:
            return []
        workers = max(1, min(max_workers or self.max_workers, self.max_workers, len(work)))
        if workers == 1:
            return [fn(item) for item in work]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ses-read") as pool:
            futures = [pool.submit(fn, item) for item in work]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    # -- identity and bookkeeping ------------------------------------------------------------

    def account_id(self) -> str:
        """The caller's AWS account (for resource ARNs), asked of STS once."""
        if self._account_id is None:
            if self._sts is None:
                raise AwsError(
                    "The AWS account id is unknown (needed for resource ARNs).",
                    code="NoAccountId",
                    hint="Build the gateway with SesGateway.from_aws(...) or pass account_id=.",
                )
            try:
                identity = self._sts.get_caller_identity()
            except (ClientError, BotoCoreError) as exc:
                raise map_error(exc, "GetCallerIdentity", {}, None) from exc
            self._account_id = str(identity["Account"])
            self._caller_arn = str(identity.get("Arn", "")) or None
        return self._account_id

    def caller_arn(self) -> str | None:
        """The caller's ARN (for the audit trail), or None when STS cannot say."""
        try:
            self.account_id()
        except AwsError:
            return None
        return self._caller_arn

    def arn(self, resource: str) -> str:
        """``arn:aws:ses:<region>:<account>:<resource>``, e.g. resource ``template/welcome``."""
        return f"arn:aws:ses:{self.region}:{self.account_id()}:{resource}"

    def client_for(self, service: str) -> Any:
        """A boto3 client of another service on the same session and endpoint (Secrets Manager
        for a BYODKIM key); its calls are not paced or counted like SES's."""
        if self._clients is None:
            raise AwsError(
                f"No AWS session to reach {service} with.",
                code="NoSession",
                hint="Build the gateway with SesGateway.from_aws(...).",
            )
        return self._clients(service)

    def reset_counters(self) -> None:
        with self._stats_lock:
            self.calls.clear()
            self.retries.clear()
            self.throttles.clear()
            self.call_log.clear()

    def _count(self, operation: str, is_retry: bool) -> None:
        with self._stats_lock:
            self.calls[operation] += 1
            if is_retry:
                self.retries[operation] += 1
            self.call_log.append((operation, self._clock()))


class _LazySts:
    """An STS client made on first use (most plans never need the account id)."""

    def __init__(self, aws: AwsContext) -> None:
        self._aws = aws

    def get_caller_identity(self) -> dict[str, Any]:
        result: dict[str, Any] = self._aws.client("sts").get_caller_identity()
        return result


# -- error mapping ---------------------------------------------------------------------------


def map_error(
    exc: Exception, operation: str, params: Mapping[str, Any], client: Any, *, service: str = "ses"
) -> AwsError:
    """A botocore exception as an AwsError saying what went wrong and what to do next
    (``service``: whose IAM action a refusal names)."""
    about = _about(params)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AwsError(
            f"{operation}: {exc}", code="NoCredentials", operation=operation, hint=CREDENTIALS_HINT
        )
    if isinstance(exc, NoRegionError):
        return AwsError(
            f"{operation}: {exc}", code="NoRegion", operation=operation, hint="Pass --region or use --local."
        )
    if isinstance(exc, EndpointConnectionError):
        return AwsError(
            mask_url(f"{operation}: cannot reach the SES endpoint: {exc}"),
            code="EndpointConnectionError",
            operation=operation,
            hint="Check --endpoint-url / --region and your network; for the emulator start `sesctl local serve` or use --local.",
        )
    if isinstance(exc, ReadTimeoutError | ConnectionClosedError):
        return RetryableAwsError(f"{operation}{about}: {exc}", code=type(exc).__name__, operation=operation)
    if isinstance(exc, ParamValidationError):
        return AwsError(
            f"{operation}{about}: the request was refused before sending: {exc}",
            code="ParamValidation",
            operation=operation,
            hint="A manifest value is out of SES's range; run `sesctl validate` to find it.",
        )
    if not isinstance(exc, ClientError):
        return AwsError(mask_url(f"{operation}{about}: {exc}"), code=type(exc).__name__, operation=operation)

    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "").strip() or code
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    text = f"{operation}{about} failed: {code}: {message}"
    if code in THROTTLING_CODES or status == 429:
        return RetryableAwsError(text, code=code, operation=operation, hint=None)
    if code in SERVER_CODES or status >= 500:
        return RetryableAwsError(text, code=code, operation=operation, hint=None)
    if code in ACCESS_CODES:
        hint = access_hint(f"{service}:{operation}", message)
    elif code == "NotFoundException":
        hint = "It does not exist in this account and region: check the name and --region; it may have been deleted out of band (run plan again)."
    elif code == "AlreadyExistsException":
        hint = "A resource with this name already exists. If sesctl should manage it, add the ownership tag or pick another name; run plan again."
    elif code == "LimitExceededException":
        hint = "An SES quota is reached (e.g. 10,000 configuration sets, 20,000 templates, 50 pools). Delete unused resources or ask AWS for more."
    elif code in CLOCK_CODES and any(w in message.lower() for w in ("signature expired", "time", "skew")):
        hint = "The machine's clock is off: AWS refuses signatures more than 5 minutes from its time. Sync the clock (NTP) and retry."
    elif code in CREDENTIAL_CODES:
        hint = CREDENTIALS_HINT
    elif code in VALIDATION_CODES:
        field = _field_in(message, operation, client)
        where = f"the field {field}" if field else "a field"
        hint = f"SES refused {where} of this request. Correct it in the manifest; `sesctl validate` checks most values."
    elif code == "ConflictException" and operation == "PutAccountDetails":
        hint = (
            "AWS is still reviewing the account details submitted earlier: apply again once the review "
            "is answered (the SES console's account dashboard shows it), or leave details out until then."
        )
    elif code in {"AccountSuspendedException", "SendingPausedException"}:
        hint = "Sending is paused or the account is suspended; see the SES console's account dashboard."
    else:
        hint = None
    return AwsError(text, code=code, operation=operation, hint=hint)


def access_hint(action: str, message: str) -> str:
    """What to do about an AccessDenied, from AWS's own message, which says which policy
    refused: an explicit Deny (an Allow added elsewhere never overrides it), a service control
    policy, a permissions boundary or session policy, or simply no Allow."""
    lowered = message.lower()
    if "service control policy" in lowered:
        return (
            f"A service control policy of your AWS Organization denies {action}: adding an Allow to the "
            "identity's policy cannot help. Ask the organization's administrators, or use another account."
        )
    if "explicit deny" in lowered:
        where = "a resource-based policy" if "resource-based policy" in lowered else "a policy of the identity"
        return (
            f"A Deny statement in {where} refuses {action}, and an Allow never overrides a Deny: remove "
            "or narrow that statement (its conditions may name tags, regions or addresses)."
        )
    if "permissions boundary" in lowered:
        return (
            f"The identity's permissions boundary does not allow {action}: the boundary must allow it as "
            "well as the identity's policy (docs/kinds.md lists every action sesctl needs)."
        )
    if "session policy" in lowered:
        return (
            f"The session policy of the assumed role does not allow {action}: assume the role without it, "
            "or add the action to it."
        )
    return (
        f"The AWS identity in use is not allowed to call {action}. Add the IAM action "
        f"{action} to its policy (docs/kinds.md lists every action sesctl needs)."
    )


def _without_sdk_retries(client: Any) -> None:
    """botocore would retry a call that got a 5xx or lost its connection, possibly after SES
    acted on it: a duplicate nobody journaled. Its retry handler is removed (idempotently)."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    name = client.meta.service_model.service_id.hyphenize()
    events.unregister(f"needs-retry.{name}", unique_id=f"retry-config-{name}")


def _exhausted(error: RetryableAwsError, attempts: int, elapsed: float) -> RetryableAwsError:
    if error.code in THROTTLING_CODES:
        hint = (
            f"SES kept throttling ses:{error.operation} ({attempts} attempts over {elapsed:.1f}s): another client "
            "may be using this account's quota. Retry later, lower the concurrency, or lower --rate to stay under "
            "SES's limit (raise --rate only if AWS raised your quota)."
        )
    else:
        hint = f"SES failed {attempts} times ({elapsed:.1f}s). This is usually temporary: retry later."
    return RetryableAwsError(
        f"{error} (gave up after {attempts} attempts)", code=error.code, operation=error.operation, hint=hint
    )


def _about(params: Mapping[str, Any]) -> str:
    named = [f"{key}={params[key]}" for key in _NAME_MEMBERS if isinstance(params.get(key), str)]
    return f" ({', '.join(named)})" if named else ""


def _field_in(message: str, operation: str, client: Any) -> str | None:
    """The request member (possibly nested) that SES's message names, if any."""
    try:
        shape = client.meta.service_model.operation_model(operation).input_shape
    except Exception:  # no model at hand: the message alone must do
        return None
    lowered = message.lower()
    found: list[str] = []

    def walk(shape: Any, path: str, depth: int) -> None:
        if depth > 4 or shape is None or shape.type_name != "structure":
            return
        for name, member in shape.members.items():
            full = f"{path}.{name}" if path else name
            if name.lower() in lowered:
                found.append(full)
            target = member.member if member.type_name == "list" else member
            walk(target, full, depth + 1)

    walk(shape, "", 0)
    # The most specific member named in the message wins: the deepest, then the longest name.
    return max(found, key=lambda path: (path.count("."), len(path))) if found else None


__all__ = ["DEFAULT_MAX_WORKERS", "SesGateway", "access_hint", "map_error"]
