"""A small GitHub REST client on the standard library (no third-party HTTP stack).

- base URL from ``GITHUB_API_URL`` (GitHub Enterprise, or the fake server of the tests);
- token from ``GITHUB_TOKEN``; it goes into the Authorization header and nowhere else
  (never into an error message, a log line or a repr);
- pagination by following ``Link: <...>; rel="next"``;
- retries with backoff on 5xx, 429 and the secondary rate limit (a 403 that says so or carries
  ``Retry-After``), honouring ``Retry-After`` and ``X-RateLimit-Reset``;
- errors as :class:`GitHubError` saying what to do next (a 403 names the workflow permission).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcilerError

DEFAULT_API_URL = "https://api.github.com"
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_MAX_WAIT_SECONDS = 60.0


class GitHubError(ReconcilerError):
    """A GitHub API call failed; ``status`` is the HTTP status (0 when no response came)."""

    def __init__(self, message: str, *, status: int = 0, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


@dataclass
class GitHubClient:
    """``client.request("GET", "/repos/o/r/pulls/1")``; ``client.paginate(path)`` for lists."""

    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    max_attempts: int = 4
    backoff_base: float = 1.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    user_agent: str = "sesctl"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitHubClient:
        env = os.environ if env is None else env
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise GitHubError(
                "GITHUB_TOKEN is not set",
                hint="In a workflow pass `env: GITHUB_TOKEN: ${{ github.token }}`; locally export a token "
                "with the pull-requests and issues scopes.",
            )
        api_url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        if urllib.parse.urlsplit(api_url).scheme not in ("http", "https"):
            raise GitHubError(
                f"GITHUB_API_URL {api_url!r} is not an http(s) URL",
                hint=f"Unset it for github.com ({DEFAULT_API_URL}), or give the full URL of your server's API.",
            )
        return cls(token=token, api_url=api_url)

    # ------------------------------------------------------------------ public

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        return self._send(method, self._url(path, params), json_body).data

    def paginate(self, path: str, *, params: Mapping[str, str | int] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, page after page (100 per page)."""
        query: dict[str, str | int] = {"per_page": 100, **(params or {})}
        url: str | None = self._url(path, query)
        while url is not None:
            response = self._send("GET", url, None)
            items = response.data
            if not isinstance(items, list):
                raise GitHubError(f"GET {_path_of(url)} returned {type(items).__name__}, expected a list")
            yield from items
            url = _next_link(response.headers.get("Link", ""))

    # ------------------------------------------------------------------ internals

    def _url(self, path: str, params: Mapping[str, str | int] | None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.api_url + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def _send(self, method: str, url: str, json_body: Any) -> Response:
        data = None if json_body is None else json.dumps(json_body).encode("utf-8")
        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(url, data=data, method=method)
            request.add_header("Accept", "application/vnd.github+json")
            request.add_header("X-GitHub-Api-Version", "2022-11-28")
            request.add_header("User-Agent", self.user_agent)
            request.add_header("Authorization", f"Bearer {self.token}")
            if data is not None:
                request.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as raw:
                    return Response(raw.status, dict(raw.headers.items()), _decode(raw.read()))
            except urllib.error.HTTPError as exc:
                headers = dict(exc.headers.items()) if exc.headers else {}
                payload = _decode(exc.read())
                wait = _retry_wait(exc.code, headers, payload, attempt, self.backoff_base)
                if wait is None or attempt == self.max_attempts:
                    raise _error(method, url, exc.code, payload, attempt) from None
                self.sleep(wait)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt == self.max_attempts:
                    reason = getattr(exc, "reason", exc)
                    raise GitHubError(
                        f"{method} {_path_of(url)}: cannot reach the GitHub API at {self.api_url} ({reason})",
                        hint="Check GITHUB_API_URL and the network of the runner.",
                    ) from None
                self.sleep(_backoff(attempt, self.backoff_base))
        raise AssertionError("unreachable")  # the loop returns or raises


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", "replace")


def _next_link(header: str) -> str | None:
    match = _LINK_NEXT.search(header)
    return match.group(1) if match else None


def _path_of(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    return parsed.path


def _message(payload: Any) -> str:
    if isinstance(payload, dict):
        text = str(payload.get("message", ""))
        errors = payload.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(
                str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e) for e in errors
            )
            text = f"{text} ({details})" if text else details
        return text
    return str(payload or "")[:200]


def _is_secondary_limit(status: int, headers: Mapping[str, str], payload: Any) -> bool:
    if status == 429:
        return True
    if status != 403:
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after" in lowered or lowered.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in _message(payload).lower()


def _retry_wait(
    status: int, headers: Mapping[str, str], payload: Any, attempt: int, base: float
) -> float | None:
    """Seconds to wait before retrying, or None when retrying cannot help."""
    if not (status >= 500 or _is_secondary_limit(status, headers, payload)):
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after is not None:
        try:
            return min(float(retry_after), _MAX_WAIT_SECONDS)
        except ValueError:
            pass
    reset = lowered.get("x-ratelimit-reset")
    if reset is not None and lowered.get("x-ratelimit-remaining") == "0":
        try:
            wait = max(float(reset) - time.time(), 0.0)
        except ValueError:
            wait = 0.0
        # The hourly quota is spent: waiting minutes inside a CI step helps nobody.
        return wait if wait <= _MAX_WAIT_SECONDS else None
    return _backoff(attempt, base)


def _backoff(attempt: int, base: float) -> float:
    # Exponential with full jitter, so parallel jobs do not retry in lockstep.
    return float(min(base * (2 ** (attempt - 1)), _MAX_WAIT_SECONDS) * random.uniform(0.5, 1.0))


def _error(method: str, url: str, status: int, payload: Any, attempts: int) -> GitHubError:
    where = f"{method} {_path_of(url)}"
    detail = _message(payload)
    text = f"GitHub API {where} failed with HTTP {status}" + (f": {detail}" if detail else "")
    if attempts > 1:
        text += f" (after {attempts} attempts)"
    hint: str | None
    if status == 401:
        hint = "The token was rejected: check GITHUB_TOKEN (expired, revoked, or for another host)."
    elif status == 403 and "rate limit" in detail.lower():
        hint = "GitHub rate-limited this token; wait and re-run the job, or space out the workflow's runs."
    elif status == 403:
        hint = (
            "The token lacks a permission. In the workflow add `permissions: pull-requests: write` "
            "(comments, labels) and `issues: write` (drift issues), plus `contents: read`; a fine-grained "
            "token needs the same. Pull requests from forks get a read-only token: run the plan with "
            "`pull_request_target` only if you trust the code."
        )
    elif status == 404:
        hint = (
            "Not found: check --repo / GITHUB_REPOSITORY and the pull request number, and that the token "
            "can see the repository (private repositories answer 404 to tokens without access)."
        )
    elif status == 422:
        hint = "GitHub refused the content of the request; the message above says which field."
    elif status >= 500:
        hint = "GitHub had a server error; re-run the job in a few minutes."
    else:
        hint = None
    return GitHubError(text, status=status, hint=hint)
