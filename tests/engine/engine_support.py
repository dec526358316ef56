"""Helpers for the engine's behaviour tests: write a project, run the real CLI against the
emulator, call the services in process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.app import apply as applying
from reconciler.app import plan as planning
from reconciler.settings import Settings
from reconciler.testing import dummy_aws_env

SESCTL = str(Path(sys.executable).parent / "sesctl")
FAST = "1000"  # --rate for tests: the emulator is not throttled


def project(root: Path, documents: Mapping[str, str], stack: str = "demo") -> Path:
    """A sesctl.yaml naming ``stack`` plus manifests/<file> for each document text."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sesctl.yaml").write_text(
        f"apiVersion: sesctl/v1\nkind: Project\nstack: {stack}\nmanifests: manifests\n"
    )
    manifests = root / "manifests"
    if manifests.exists():
        for old in manifests.glob("*.yaml"):
            old.unlink()
    manifests.mkdir(exist_ok=True)
    for name, text in documents.items():
        (manifests / name).write_text(textwrap.dedent(text))
    return root


def template(
    name: str, subject: str = "Hi {{name}}", html: str = "<p>Hello {{name}}</p>", **extra: str
) -> str:
    lines = "".join(f"  {k}: {v}\n" for k, v in extra.items())
    return (
        "apiVersion: sesctl/v1\nkind: EmailTemplate\n"
        f"metadata: {{name: {name}}}\n"
        f"spec:\n  subject: {subject!r}\n  html: {html!r}\n  text: 'Hello {{{{name}}}}'\n"
        f"  defaults: {{name: there}}\n{lines}---\n"
    )


def configuration_set(name: str, sending: bool = True, pool: str | None = None, protect: bool = False) -> str:
    delivery = f"  deliveryOptions: {{sendingPoolName: {pool}}}\n" if pool else ""
    return (
        "apiVersion: sesctl/v1\nkind: ConfigurationSet\n"
        f"metadata: {{name: {name}{', protect: true' if protect else ''}}}\n"
        f"spec:\n  sendingOptions: {{sendingEnabled: {str(sending).lower()}}}\n{delivery}---\n"
    )


def event_destination(name: str, configuration_set: str, events: str = "[BOUNCE, COMPLAINT]") -> str:
    return (
        "apiVersion: sesctl/v1\nkind: EventDestination\n"
        f"metadata: {{name: {name}}}\n"
        f"spec:\n  configurationSet: {configuration_set}\n  matchingEventTypes: {events}\n"
        "  cloudWatchDestination:\n    dimensionConfigurations:\n"
        "      - {dimensionName: campaign, dimensionValueSource: MESSAGE_TAG, defaultDimensionValue: none}\n---\n"
    )


def pool(name: str, mode: str = "STANDARD", protect: bool = False) -> str:
    return (
        "apiVersion: sesctl/v1\nkind: DedicatedIpPool\n"
        f"metadata: {{name: {name}{', protect: true' if protect else ''}}}\n"
        f"spec:\n  scalingMode: {mode}\n---\n"
    )


def cli_env(emulator: Any) -> dict[str, str]:
    return dummy_aws_env()


def sesctl(
    root: Path, emulator: Any, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, against ``emulator`` (or --local when it is None)."""
    prefix = ["--endpoint-url", emulator.endpoint_url] if emulator is not None else ["--local"]
    command = args[0]
    extra = ["--rate", FAST] if command in ("plan", "apply") else []
    return subprocess.run(
        [SESCTL, "--no-color", *prefix, command, *extra, *args[1:]],
        cwd=root,
        env=cli_env(emulator),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings(emulator: Any) -> Settings:
    return Settings(endpoint_url=emulator.endpoint_url, region="us-east-1", color=False)


def plan(root: Path, emulator: Any, **request: Any) -> planning.PlanResult:
    return planning.plan(settings(emulator), planning.PlanRequest(path=root, rate=1000, **request))


def apply(root: Path, emulator: Any, **request: Any) -> applying.ApplyOutcome:
    return applying.apply(
        settings(emulator), applying.ApplyRequest(path=root, rate=1000, **request), confirm=lambda plan: True
    )
