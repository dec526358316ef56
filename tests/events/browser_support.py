"""Open a page in a real headless Chromium (Debian's package) and report what it drew and what
it complained about, over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages ended by NUL on file descriptors 3 and 4), so no port and no websocket library.

    seen = render(Path("report.html").as_uri())
    seen.errors      # console errors, uncaught exceptions, CSP refusals, failed loads
    seen.page        # what PAGE_PROBE measured in the page (SVG elements and their sizes)
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

CHROMIUM = shutil.which("chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
# Measured in the page after its load event: every <svg> with its drawn size, and the marks
# inside (lines, bars, points). DevTools' evaluation is not subject to the page's CSP.
PAGE_PROBE = """JSON.stringify({
  svgs: Array.from(document.querySelectorAll('svg')).map(s => {
    const box = s.getBoundingClientRect();
    return {width: box.width, height: box.height,
            marks: s.querySelectorAll('polyline, path, rect, circle, line').length};
  }),
  polylines: document.querySelectorAll('svg polyline').length,
  title: document.title,
})"""


@dataclass
class Rendered:
    page: dict[str, Any]
    errors: list[str] = field(default_factory=list)


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int, deadline: float) -> None:
        self.proc, self.write_fd, self.read_fd, self.deadline = proc, write_fd, read_fd, deadline
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 16)
                if not chunk:
                    raise EOFError(f"chromium closed the pipe (exit {self.proc.poll()})")
                self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        request: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        os.write(self.write_fd, json.dumps(request).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            message = self._message()
            self.events.append(message)
            if message.get("method") == method:
                return


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            found.append(f"{entry.get('source')} {entry['level']}: {entry.get('text')}")
    return found


def render(url: str, timeout: float = 90.0) -> Rendered:
    """Load ``url`` in a fresh headless Chromium (its own empty profile) and return what
    PAGE_PROBE measured and every console error, exception and refused load on the way."""
    assert CHROMIUM, "chromium is not installed"
    deadline = time.monotonic() + timeout
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()
    with tempfile.TemporaryDirectory(prefix="sesctl-chromium-") as profile:

        def wire() -> None:  # in the child: the pipe ends Chromium expects on fds 3 and 4
            # Copied first, so that neither lands on the other's number before it is read.
            reading, writing = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),  # kept open after wire() put the pipes there
            preexec_fn=wire,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        pipe = _Pipe(proc, to_browser_write, from_browser_read, deadline)
        try:
            target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
            session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                pipe.call(domain, session)
            pipe.events.clear()  # what about:blank said is not the page's
            pipe.call("Page.navigate", session, url=url)
            pipe.wait_for("Page.loadEventFired")
            probe = pipe.call("Runtime.evaluate", session, expression=PAGE_PROBE, returnByValue=True)
            page = json.loads(probe["result"]["value"])
            # Messages that arrive just after the load event (late CSP reports) still count.
            pipe.call("Runtime.evaluate", session, expression="1")
            return Rendered(page=page, errors=_errors(pipe.events))
        finally:
            try:
                pipe.call("Browser.close")
            except (OSError, EOFError, TimeoutError, RuntimeError):
                pass
            os.close(to_browser_write)
            os.close(from_browser_read)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
