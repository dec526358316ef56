"""handlebars.js in node as a test oracle (tests/templates/hbs_oracle.js), many cases per
process. Unavailable (tests skip) where node or the npm module is missing; .ci/run installs it
with ``npm install --prefix tests/node handlebars@4``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "hbs_oracle.js"
MODULE = HERE.parent / "node" / "node_modules" / "handlebars"


def available() -> bool:
    return shutil.which("node") is not None and MODULE.is_dir()


def run(requests: list[dict[str, Any]], *, timeout: float = 60) -> list[dict[str, Any]]:
    """One answer per request: {"ok": output} or {"error": message}."""
    node = shutil.which("node")
    assert node is not None
    payload = "".join(json.dumps(r) + "\n" for r in requests)
    proc = subprocess.run(
        [node, str(SCRIPT)], input=payload, capture_output=True, text=True, timeout=timeout, check=True
    )
    # split on "\n" only: outputs may contain U+2028, which str.splitlines() would split on
    answers = [json.loads(line) for line in proc.stdout.split("\n") if line]
    assert len(answers) == len(requests), proc.stderr
    return answers
