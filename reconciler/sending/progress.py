"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from reconciler.sending.report import SendReport


class ProgressBar:
    def __init__(
        self, total: int | None, stream: TextIO | None = None, width: int = 30, label: str = ""
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = self.stream.isatty()
        self._started = time.monotonic()
        self._last = 0.0

    def __call__(self, report: SendReport) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._draw(report, now)

    def _draw(self, report: SendReport, now: float) -> None:
        done = report.processed
        counted = done if report.dry_run else report.sent
        rate = counted / max(now - self._started, 1e-6)
        if self.total:
            filled = int(self.width * min(done, self.total) / self.total)
            bar = "#" * filled + "-" * (self.width - filled)
            head = f"[{bar}] {done}/{self.total}"
        else:
            head = f"{done} rows"
        verb = "ok" if report.dry_run else "sent"
        line = (
            f"\r{self.label}{head}  {verb} {report.sent}  skipped {report.skipped_suppressed + report.skipped_duplicate}  "
            f"refused {report.refused_render + report.refused_invalid}  failed {report.failed_permanent}  "
            f"{rate:.0f}/s\x1b[K"
        )
        self.stream.write(line)
        self.stream.flush()

    def close(self, report: SendReport) -> None:
        if self.enabled:
            self._draw(report, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
