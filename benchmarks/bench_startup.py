"""Whole-process cost of sesctl commands: `validate` of 2,000 templates, `validate` and
`--local plan` on the example stack. CPU time (user + system) of each run from the operating
system's accounting (as /usr/bin/time -v reports it), median over --runs after a warm-up.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]

Targets (issue 13): validate of 2,000 templates under 0.6 s; validate on the example stack under
0.2 s; --local plan on it under 0.8 s. Write the bytecode caches first (`python -m compileall
reconciler`) when PYTHONDONTWRITEBYTECODE is set, or every run compiles the project first.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_plan import write_stack

ROOT = Path(__file__).resolve().parents[1]
SESCTL = [sys.executable, "-c", "import sys; from reconciler.cli import main; sys.exit(main())"]


def cpu_seconds(args: list[str], cwd: Path) -> float:
    """User + system CPU seconds of one run of ``sesctl args`` (its output thrown away)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [*SESCTL, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(args: list[str], cwd: Path, runs: int) -> tuple[float, float, float]:
    cpu_seconds(args, cwd)  # warm-up: file caches, the emulator's state directory
    times = [cpu_seconds(args, cwd) for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        large = Path(tmp) / "large"
        large.mkdir()
        write_stack(large, 2000, 0, 0)
        example = Path(tmp) / "example"
        example.mkdir()
        shutil.copy(ROOT / "sesctl.yaml", example)
        shutil.copytree(ROOT / "manifests", example / "manifests")
        cases = [
            ("validate, 2,000 templates", ["validate"], large, 0.6),
            ("validate, example stack", ["validate"], example, 0.2),
            ("--local plan, example stack", ["--local", "plan"], example, 0.8),
        ]
        print(f"CPU seconds (user + system), median of {args.runs} runs after a warm-up")
        for name, command, cwd, target in cases:
            median, low, high = median_cpu(command, cwd, args.runs)
            verdict = "met" if median < target else "missed"
            print(f"  {name:30} {median:6.3f} s  ({low:.3f}-{high:.3f})  target {target} s: {verdict}")


if __name__ == "__main__":
    main()
