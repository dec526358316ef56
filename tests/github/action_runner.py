"""Run the composite action's shell steps here, as a GitHub runner would, without GitHub.

Only what action.yml uses is supported: ``${{ }}`` with inputs/github/steps/runner paths and
``||`` defaults, ``if:`` with ==, !=, &&, ||, always(), failure(), success(); ``uses:`` steps are
recorded and skipped (setup-python, OIDC credentials, artifact upload need GitHub itself).
Each ``run:`` goes to ``bash --noprofile --norc -eo pipefail``, like ``shell: bash`` on a runner,
with GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and step outputs read back.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NAME = re.compile(r"\b(inputs|github|steps|runner)\.[A-Za-z0-9_.-]*[A-Za-z0-9_]")
_STRING = re.compile(r"'([^']*)'")


@dataclass
class StepResult:
    name: str
    skipped: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class ActionRun:
    results: list[StepResult] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def failed(self) -> bool:
        return any(r.returncode != 0 for r in self.results)

    def step(self, name: str) -> StepResult:
        return next(r for r in self.results if r.name == name)

    def log(self) -> str:
        return "\n".join(
            f"## {r.name} (rc={r.returncode})\n{r.stdout}\n{r.stderr}" for r in self.results if not r.skipped
        )


def run_action(
    action_path: Path,
    *,
    inputs: dict[str, str],
    env: dict[str, str],
    workspace: Path,
    skip: frozenset[str] = frozenset(),
) -> ActionRun:
    action = yaml.safe_load(action_path.read_text(encoding="utf-8"))
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    temp = workspace / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = temp / "summary.md"
    summary.write_text("")
    context: dict[str, Any] = {
        "inputs": values,
        "github": {
            "event_name": env.get("GITHUB_EVENT_NAME", ""),
            "action_path": str(action_path.parent),
            "run_id": env.get("GITHUB_RUN_ID", "1"),
            "token": env.get("GITHUB_TOKEN", ""),
        },
        "steps": {},
    }
    for key, spec in action["inputs"].items():  # defaults may be expressions (github.token)
        if values[key] == str(spec.get("default", "")):
            values[key] = _interpolate(values[key], context)
    run = ActionRun()
    failed = False
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        condition = step.get("if", "success()")
        if not _condition(condition, context, failed) or name in skip:
            run.results.append(StepResult(name, skipped=True))
            continue
        if "uses" in step:
            run.uses.append(step["uses"])
            run.results.append(StepResult(name, skipped=True))
            continue
        output_file = temp / f"output-{index}"
        output_file.write_text("")
        step_env = {**os.environ, **env, "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output_file)}
        step_env["GITHUB_STEP_SUMMARY"] = str(summary)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = _interpolate(str(value), context)
        script = _interpolate(step["run"], context)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        run.results.append(StepResult(name, False, done.returncode, done.stdout, done.stderr))
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": _read_outputs(output_file)}
        failed = failed or done.returncode != 0
    run.summary = summary.read_text()
    for name, spec in (action.get("outputs") or {}).items():
        run.outputs[name] = _interpolate(str(spec["value"]), context)
    return run


def _read_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def _lookup(name: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in name.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def _evaluate(expr: str, context: dict[str, Any], failed: bool = False) -> Any:
    """Translate the expression to Python: literals and names become placeholders first."""
    values: list[Any] = []

    def hold(value: Any) -> str:
        values.append(value)
        return f" __v{len(values) - 1}__ "

    code = _STRING.sub(lambda m: hold(m.group(1)), expr)
    code = _NAME.sub(lambda m: hold(_lookup(m.group(0), context)), code)
    code = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", code))
    code = code.replace("&&", " and ").replace("||", " or ")
    code = code.replace("always()", "True").replace("failure()", repr(failed))
    code = code.replace("success()", repr(not failed))
    code = re.sub(r"__v(\d+)__", lambda m: repr(values[int(m.group(1))]), code)
    return eval(code, {"__builtins__": {}}, {})


def _condition(condition: str, context: dict[str, Any], failed: bool) -> bool:
    text = condition.strip()
    if text.startswith("${{"):
        text = _EXPR.sub(lambda m: m.group(1), text)
    status_given = any(f in text for f in ("always()", "failure()", "success()"))
    result = bool(_evaluate(text, context, failed))
    return result if status_given else result and not failed


def _interpolate(text: str, context: dict[str, Any]) -> str:
    return _EXPR.sub(lambda m: str(_evaluate(m.group(1), context)), text)
