"""A fake GitHub REST API on 127.0.0.1: the endpoints sesctl uses, state in memory.

It records every request (method, path, query, body, headers) so tests can assert what was
called, serves lists in small pages with ``Link`` headers (so pagination is exercised), checks
the bearer token, and can be told to fail the next N requests (5xx, secondary rate limit).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ghs_fake_token_for_tests"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeGitHub:
    page_size: int = 2
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment (with issue number)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)  # number -> issue or PR
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # repo labels by name
    pr_files: dict[int, list[str]] = field(default_factory=dict)
    commit_pulls: dict[str, list[int]] = field(default_factory=dict)  # sha -> PR numbers
    requests: list[Recorded] = field(default_factory=list)
    faults: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""
    _next_id: int = 1000

    # ------------------------------------------------------------ set-up helpers

    def add_pr(
        self, number: int, *, files: list[str], head_sha: str = "head1", merged_sha: str | None = None
    ) -> None:
        self.issues[number] = {
            "number": number,
            "title": f"PR {number}",
            "state": "closed" if merged_sha else "open",
            "labels": [],
            "pull_request": {"url": f"{self.url}/repos/o/r/pulls/{number}"},
            "head": {"sha": head_sha},
            "merged_at": "2026-01-01T00:00:00Z" if merged_sha else None,
            "merge_commit_sha": merged_sha,
            "body": "",
        }
        self.pr_files[number] = files
        if merged_sha:
            self.commit_pulls.setdefault(merged_sha, []).append(number)

    def fail_next(self, status: int, *, headers: dict[str, str] | None = None, message: str = "boom") -> None:
        self.faults.append((status, headers or {}, {"message": message}))

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue_number"] == number]

    def calls(self, method: str, pattern: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = urllib.parse.parse_qs(parsed.query)
        with self.server.lock:
            fake.requests.append(Recorded(method, parsed.path, query, body, dict(self.headers.items())))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Bad credentials"})
            if fake.faults:
                status, headers, payload = fake.faults.pop(0)
                return self._send(status, payload, headers)
            try:
                status, payload = _route(fake, method, parsed.path, query, body)
            except KeyError:
                status, payload = 404, {"message": "Not Found"}
        if isinstance(payload, list):
            return self._send_page(payload, query, parsed.path)
        self._send(status, payload)

    def _send_page(self, items: list[Any], query: dict[str, list[str]], path: str) -> None:
        fake = self.server.fake
        per_page = min(int(query.get("per_page", ["30"])[0]), fake.page_size)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            next_query = {k: v[0] for k, v in query.items()}
            next_query["page"] = str(page + 1)
            headers["Link"] = f'<{fake.url}{path}?{urllib.parse.urlencode(next_query)}>; rel="next"'
        self._send(200, chunk, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _route(
    fake: FakeGitHub, method: str, path: str, query: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    m = re.fullmatch(r"/repos/[^/]+/[^/]+(/.*)", path)
    if not m:
        raise KeyError(path)
    rest = urllib.parse.unquote(m.group(1))
    if match := re.fullmatch(r"/issues/(\d+)/comments", rest):
        number = int(match.group(1))
        if method == "GET":
            return 200, fake.comments_on(number)
        comment_id = fake.new_id()
        fake.comments[comment_id] = {
            "id": comment_id,
            "issue_number": number,
            "body": body["body"],
            "html_url": f"https://github.test/o/r/pull/{number}#issuecomment-{comment_id}",
        }
        return 201, fake.comments[comment_id]
    if match := re.fullmatch(r"/issues/comments/(\d+)", rest):
        comment = fake.comments[int(match.group(1))]
        if method == "PATCH":
            comment["body"] = body["body"]
            return 200, comment
        if method == "DELETE":
            del fake.comments[comment["id"]]
            return 204, None
    if rest == "/pulls" and method == "POST":
        if any(i.get("head", {}).get("ref") == body["head"] for i in fake.issues.values()):
            return 422, {"message": "Validation Failed", "errors": [{"message": "A pull request already exists"}]}
        number = max([*fake.issues, 0]) + 1
        fake.issues[number] = {
            "number": number,
            "title": body["title"],
            "body": body.get("body", ""),
            "state": "open",
            "labels": [],
            "head": {"ref": body["head"], "sha": ""},
            "base": {"ref": body["base"]},
            "pull_request": {"url": f"{fake.url}/repos/o/r/pulls/{number}"},
            "html_url": f"https://github.test/o/r/pull/{number}",
        }
        return 201, fake.issues[number]
    if match := re.fullmatch(r"/pulls/(\d+)/files", rest):
        return 200, [{"filename": f, "status": "modified"} for f in fake.pr_files[int(match.group(1))]]
    if match := re.fullmatch(r"/pulls/(\d+)", rest):
        return 200, fake.issues[int(match.group(1))]
    if match := re.fullmatch(r"/commits/([0-9a-zA-Z]+)/pulls", rest):
        return 200, [fake.issues[n] for n in fake.commit_pulls.get(match.group(1), [])]
    if match := re.fullmatch(r"/labels/(.+)", rest):
        return 200, fake.labels[match.group(1)]
    if rest == "/labels" and method == "POST":
        if body["name"] in fake.labels:
            return 422, {"message": "Validation Failed", "errors": [{"code": "already_exists"}]}
        fake.labels[body["name"]] = dict(body)
        return 201, fake.labels[body["name"]]
    if match := re.fullmatch(r"/issues/(\d+)/labels", rest):
        issue = fake.issues[int(match.group(1))]
        if method == "POST":
            for name in body["labels"]:
                if name not in fake.labels:  # GitHub creates unknown labels silently
                    fake.labels[name] = {"name": name, "color": "ededed"}
                if all(lab["name"] != name for lab in issue["labels"]):
                    issue["labels"].append({"name": name})
        return 200, list(issue["labels"])
    if match := re.fullmatch(r"/issues/(\d+)/labels/(.+)", rest):
        issue = fake.issues[int(match.group(1))]
        before = len(issue["labels"])
        issue["labels"] = [lab for lab in issue["labels"] if lab["name"] != match.group(2)]
        if len(issue["labels"]) == before:
            return 404, {"message": "Label does not exist"}
        return 200, issue["labels"]
    if rest == "/issues":
        if method == "GET":
            state = query.get("state", ["open"])[0]
            wanted = set(query.get("labels", [""])[0].split(",")) - {""}
            found = [
                i
                for i in fake.issues.values()
                if (state == "all" or i["state"] == state) and wanted <= {lab["name"] for lab in i["labels"]}
            ]
            return 200, sorted(found, key=lambda i: -i["number"])
        number = max([*fake.issues, 0]) + 1
        fake.issues[number] = {
            "number": number,
            "title": body["title"],
            "body": body.get("body", ""),
            "state": "open",
            "labels": [{"name": n} for n in body.get("labels", [])],
            "html_url": f"https://github.test/o/r/issues/{number}",
        }
        return 201, fake.issues[number]
    if match := re.fullmatch(r"/issues/(\d+)", rest):
        issue = fake.issues[int(match.group(1))]
        if method == "PATCH":
            issue.update(body)
        return 200, issue
    raise KeyError(rest)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeGitHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.lock = threading.Lock()


@contextmanager
def serve() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = _Server(fake)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def pr_event(number: int, head_sha: str = "head1") -> dict[str, Any]:
    """The part of a pull_request webhook payload that sesctl reads."""
    return {"pull_request": {"number": number, "head": {"sha": head_sha}}}
