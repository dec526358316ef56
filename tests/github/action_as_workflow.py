"""Print a composite action (action.yml) as a workflow, so actionlint checks its steps.

actionlint lints workflows, not action metadata: it reads action.yml only to check the inputs
of ``uses: ./``. Wrapping the composite steps in a ``workflow_call`` workflow whose inputs are
the action's inputs lets it check every expression, step reference, pinned action's inputs and
(with shellcheck) every ``run:`` script of the action too.

    python tests/github/action_as_workflow.py action.yml > /tmp/action-workflow.yml
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml


def action_as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        raise SystemExit("not a composite action (runs.using must be 'composite')")
    inputs = {
        name: {
            "type": "string",
            "required": bool(spec.get("required", False)),
            "description": spec.get("description", ""),
        }
        for name, spec in (action.get("inputs") or {}).items()
    }
    return {
        "name": f"action {action.get('name', '')}",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": runs.get("steps") or []}},
    }


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "action.yml")
    action = yaml.safe_load(path.read_text(encoding="utf-8"))
    sys.stdout.write(yaml.safe_dump(action_as_workflow(action), sort_keys=False, width=1000))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
