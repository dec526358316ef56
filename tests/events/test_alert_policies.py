"""`sesctl alerts check` takes its thresholds from the manifests' AlertPolicy documents (the
same ones apply turns into CloudWatch alarms), the defaults without any, flags over both."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_analytics import store_file  # noqa: F401  (the module's store: spring bounces and complains)
from test_consume import ENV, SESCTL


def _project(root: Path, policies: str) -> Path:
    (root / "manifests").mkdir(parents=True)
    (root / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    (root / "manifests" / "alerts.yaml").write_text(policies)
    return root


def _policy(name: str, spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {{name: {name}}}\nspec: {spec}\n---\n"


def _check(store: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "alerts", "check", "--store", str(store), "--since", "3d", "--filter", "campaign=spring",
         "--no-record", "--project", str(project), *args],
        capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def test_the_manifests_policies_are_the_thresholds(store_file: Path, tmp_path: Path) -> None:  # noqa: F811
    lenient = _project(tmp_path / "lenient", _policy("lenient", "{bounceRate: 0.5, complaintRate: 0.5}"))
    calm = _check(store_file, lenient, "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    alerts = json.loads(calm.stdout)["alerts"]
    assert {(a["policy"], a["name"], a["threshold"]) for a in alerts} >= {
        ("lenient", "bounce_rate", 0.5),
        ("lenient", "complaint_rate", 0.5),
    }
    # A flag wins over the policy.
    strict = _check(store_file, lenient, "--bounce-rate", "0.01")
    assert strict.returncode == 3 and "FIRED  lenient/bounce_rate" in strict.stdout, strict.stdout

    two = _project(
        tmp_path / "two",
        _policy("lenient", "{bounceRate: 0.5, complaintRate: 0.5}")
        + _policy("volume", "{disabled: [bounceRate, complaintRate, renderingFailures], dailyVolume: 10, dailyCost: 0.005}"),
    )
    both = _check(store_file, two, "--json")
    assert both.returncode == 3
    fired = sorted((a["policy"], a["name"]) for a in json.loads(both.stdout)["alerts"] if a["fired"])
    assert fired == [("volume", "daily_cost"), ("volume", "daily_volume")]  # 100 sends: USD 0.01
    only = _check(store_file, two, "--policy", "lenient")
    assert only.returncode == 0 and "volume" not in only.stdout
    unknown = _check(store_file, two, "--policy", "nope")
    assert unknown.returncode == 1 and "policies: lenient, volume" in unknown.stderr


def test_without_policies_the_defaults_apply(store_file: Path, tmp_path: Path) -> None:  # noqa: F811
    empty = _project(tmp_path / "none", "")
    (empty / "manifests" / "alerts.yaml").unlink()
    (empty / "manifests" / "templates.yaml").write_text(
        'apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\nspec: {subject: "s", text: "x"}\n'
    )
    answer = _check(store_file, empty, "--json")
    assert answer.returncode == 3
    alerts = json.loads(answer.stdout)["alerts"]
    assert [(a["name"], a["threshold"], a["policy"]) for a in alerts if a["fired"]] == [
        ("bounce_rate", 0.05, None),
        ("complaint_rate", 0.001, None),
    ]


def test_a_broken_policy_is_named_not_a_traceback(store_file: Path, tmp_path: Path) -> None:  # noqa: F811
    broken = _project(tmp_path / "broken", _policy("bad", "{bounceRate: 5}"))
    answer = _check(store_file, broken)
    assert answer.returncode == 1, answer.stdout + answer.stderr
    assert "alerts.yaml:4" in answer.stderr and "bounceRate" in answer.stderr
    assert "Traceback" not in answer.stderr
