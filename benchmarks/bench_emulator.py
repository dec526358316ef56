"""Emulator figures: start-up, per-call latency over HTTP, persistence cost, state size.

    .venv/bin/python benchmarks/bench_emulator.py [--templates N]

Prints figures; asserts nothing (timed assertions belong nowhere near a shared CI box).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reconciler.emulator.persistence import StateStore
from reconciler.emulator.server import Emulator
from reconciler.testing import local_emulator

CONTENT = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}


def per_second(n: int, seconds: float) -> str:
    return f"{n / seconds:8.0f}/s  {1000 * seconds / n:6.2f} ms/call"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--templates", type=int, default=5000, help="state size for the save/load figures")
    args = parser.parse_args()
    n = args.calls

    with local_emulator():  # warm: imports, botocore model, moto dispatcher
        pass
    t = time.perf_counter()
    for _ in range(20):
        with local_emulator() as emu:
            emu.client("sesv2").list_email_templates()
    print(f"emulator start + client + 1 call + stop: {1000 * (time.perf_counter() - t) / 20:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        for label, state_file in (("in memory", None), ("persisted", Path(tmp) / "state.json")):
            with local_emulator(state_file=state_file) as emu:
                ses = emu.client("sesv2")
                t = time.perf_counter()
                for i in range(n):
                    ses.create_email_template(TemplateName=f"t{i}", TemplateContent=CONTENT)
                print(f"CreateEmailTemplate over HTTP, {label:9}: {per_second(n, time.perf_counter() - t)}")
                t = time.perf_counter()
                for _ in range(n):
                    ses.get_email_template(TemplateName="t0")
                print(f"GetEmailTemplate over HTTP, {label:9}:    {per_second(n, time.perf_counter() - t)}")

        emulator = Emulator()
        for i in range(args.templates):
            emulator.call("CreateEmailTemplate", {"TemplateName": f"t{i}", "TemplateContent": CONTENT})
        path = Path(tmp) / "big.json"
        store = StateStore(path)
        t = time.perf_counter()
        store.save(emulator.state)
        saved = time.perf_counter() - t
        t = time.perf_counter()
        store.load()
        loaded = time.perf_counter() - t
        size = path.stat().st_size / 1e6
        print(
            f"state with {args.templates} templates: {size:.1f} MB; "
            f"save {1000 * saved:.0f} ms (paid after each change), load {1000 * loaded:.0f} ms"
        )


if __name__ == "__main__":
    main()
