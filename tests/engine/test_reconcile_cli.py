"""plan/apply through the real CLI (a subprocess) against the emulator over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine_support import (
    SESCTL,
    apply,
    cli_env,
    configuration_set,
    event_destination,
    plan,
    pool,
    project,
    sesctl,
    template,
)


def stack_docs() -> dict[str, str]:
    return {
        "pools.yaml": pool("bulk"),
        "sets.yaml": configuration_set("marketing", pool="bulk") + configuration_set("tx"),
        "destinations.yaml": event_destination("bounces", "marketing"),
        "templates.yaml": template("welcome") + template("reset", subject="Reset 🔑"),
    }


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> subprocess.CompletedProcess[str]:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def converge(root: Path, emulator: Any) -> None:
    """Set-up through the services in process (fast); the CLI is exercised where it is tested."""
    result = apply(root, emulator).result
    assert result is not None and result.ok


def test_plan_apply_then_nothing_to_do(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, stack_docs())
    first = ok(sesctl(root, emulator, "plan", "--detailed-exitcode"), 2)
    assert "+ DedicatedIpPool/bulk" in first.stdout
    assert "Plan: 6 to create, 0 to update, 0 to delete, 0 to replace." in first.stdout
    as_json = json.loads(ok(sesctl(root, emulator, "plan", "--json", "--out", "plan.json")).stdout)
    assert as_json["summary"]["create"] == 6 and as_json["format_version"] == "1"
    assert json.loads((root / "plan.json").read_text())["checksum"] == as_json["checksum"]

    applied = ok(sesctl(root, emulator, "apply", "--auto-approve"))
    order = [line.split(":")[0] for line in applied.stdout.splitlines() if line.endswith(" done")]
    assert order[:3] == ["DedicatedIpPool/bulk", "ConfigurationSet/marketing", "ConfigurationSet/tx"]
    assert "Apply complete! 6 done, 0 failed, 0 skipped, 0 not attempted." in applied.stdout
    again = ok(sesctl(root, emulator, "plan", "--detailed-exitcode"))
    assert "No changes. Live SES matches the manifests." in again.stdout
    assert "<!-- sesctl-plan:" in ok(sesctl(root, emulator, "plan", "--markdown")).stdout


def test_drift_made_with_the_aws_cli_shows_in_plan(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, stack_docs())
    converge(root, emulator)
    aws = [str(Path(sys.executable).parent / "aws"), "--endpoint-url", emulator.endpoint_url, "sesv2"]
    env = cli_env(emulator)
    for args in (
        ["put-configuration-set-sending-options", "--configuration-set-name", "tx", "--no-sending-enabled"],
        ["delete-email-template", "--template-name", "reset"],
    ):
        subprocess.run([*aws, *args], env=env, check=True, capture_output=True, timeout=60)
    drift = ok(sesctl(root, emulator, "plan", "--detailed-exitcode"), 2)
    assert "~ sending_options.sending_enabled: false -> true" in drift.stdout
    assert "+ EmailTemplate/reset" in drift.stdout
    assert "Plan: 1 to create, 1 to update, 0 to delete, 0 to replace." in drift.stdout
    converge(root, emulator)
    assert ses.get_configuration_set(ConfigurationSetName="tx")["SendingOptions"]["SendingEnabled"] is True


def test_prune_deletes_only_owned_resources(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, stack_docs())
    converge(root, emulator)
    ses.create_email_template(TemplateName="hand-made", TemplateContent={"Subject": "x", "Text": "y"})
    docs = stack_docs()
    docs["templates.yaml"] = template("welcome")
    docs["destinations.yaml"] = ""
    project(root, docs)
    without = ok(sesctl(root, emulator, "plan", "--detailed-exitcode"))
    assert "Would be pruned" in without.stdout and "EmailTemplate/reset" in without.stdout
    assert "Unmanaged" in without.stdout and "EmailTemplate/hand-made" in without.stdout

    pruned = ok(sesctl(root, emulator, "apply", "--prune", "--auto-approve"))
    assert "Plan: 0 to create, 0 to update, 2 to delete, 0 to replace." in pruned.stdout
    names = {t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]}
    assert names == {"welcome", "hand-made"}
    assert (
        ses.get_configuration_set_event_destinations(ConfigurationSetName="marketing")["EventDestinations"]
        == []
    )
    after = plan(root, emulator, prune=True).plan
    assert after.unmanaged == ("EmailTemplate/hand-made",) and not after.has_changes


def test_protect_and_max_destroy_refuse(tmp_path: Path, emulator: Any, ses: Any) -> None:
    docs = {
        "t.yaml": template("a") + template("b") + template("c"),
        "p.yaml": pool("managed", "MANAGED", protect=True),
    }
    root = project(tmp_path, docs)
    converge(root, emulator)

    # protect: true in the manifest blocks a replace (MANAGED -> STANDARD cannot be done in place)
    project(root, {**docs, "p.yaml": pool("managed", "STANDARD", protect=True)})
    refused = ok(sesctl(root, emulator, "apply", "--auto-approve"), 1)
    assert "DedicatedIpPool/managed would be replaced" in refused.stderr and "Hint:" in refused.stderr
    assert ses.get_dedicated_ip_pool(PoolName="managed")["DedicatedIpPool"]["ScalingMode"] == "MANAGED"

    # --max-destroy caps deletes; the sesctl:protect tag protects a resource whose manifest is gone
    project(root, {"p.yaml": docs["p.yaml"]})
    over = ok(sesctl(root, emulator, "apply", "--prune", "--max-destroy", "2", "--auto-approve"), 1)
    assert "would delete 3 resource(s), more than --max-destroy 2" in over.stderr
    arn = "arn:aws:ses:us-east-1:123456789012:template/a"
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "sesctl:protect", "Value": "true"}])
    protected = ok(sesctl(root, emulator, "apply", "--prune", "--auto-approve"), 1)
    assert "EmailTemplate/a would be deleted" in protected.stderr
    names = {t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]}
    assert names == {"a", "b", "c"}


def test_stale_saved_plan_is_refused(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, stack_docs())
    ok(sesctl(root, emulator, "apply", "--auto-approve"))
    project(
        root,
        {
            **stack_docs(),
            "templates.yaml": template("welcome", subject="Welcome!") + template("reset", subject="Reset 🔑"),
        },
    )
    saved = ok(sesctl(root, emulator, "plan", "--out", "plan.json"))
    assert "sesctl apply --plan plan.json" in saved.stdout
    ses.update_email_template(TemplateName="welcome", TemplateContent={"Subject": "sneaky", "Text": "x"})
    stale = ok(sesctl(root, emulator, "apply", "--plan", "plan.json", "--auto-approve"), 1)
    assert "Saved plan is stale" in stale.stderr and "EmailTemplate/welcome was changed" in stale.stderr
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"]["Subject"] == "sneaky"

    fresh = ok(sesctl(root, emulator, "plan", "--out", "plan.json"))
    assert "Plan: 0 to create, 1 to update" in fresh.stdout
    ok(sesctl(root, emulator, "apply", "--plan", "plan.json", "--auto-approve"))
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"]["Subject"] == "Welcome!"


def test_confirmation(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome")})
    refused = ok(sesctl(root, emulator, "apply"), 1)  # stdin is a pipe, not a terminal
    assert "--auto-approve" in refused.stderr
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    bad = ok(sesctl(root, emulator, "plan", "--target", "Nope/x"), 1)
    assert "unknown kind 'Nope'" in bad.stderr


def test_bad_manifest_stops_before_any_aws_call(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"t.yaml": "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: x}\nspec: {subjekt: 1}\n"},
    )
    # No endpoint at all: an AWS call would fail differently; the manifest error comes first.
    result = subprocess.run(
        [SESCTL, "--endpoint-url", "http://127.0.0.1:9", "plan"],
        cwd=root,
        env=cli_env(None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "manifests/t.yaml:4" in result.stderr and "subjekt" in result.stderr


def test_apply_asks_on_a_terminal(tmp_path: Path, emulator: Any, ses: Any) -> None:
    import os
    import pty

    root = project(tmp_path, {"t.yaml": template("welcome")})

    def answer(text: str) -> subprocess.CompletedProcess[str]:
        master, slave = pty.openpty()  # stdin is a terminal; stdout stays a pipe
        try:
            os.write(master, text.encode())
            return subprocess.run(
                [SESCTL, "--no-color", "--endpoint-url", emulator.endpoint_url, "apply", "--rate", "1000"],
                cwd=root,
                env=cli_env(emulator),
                stdin=slave,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            os.close(master)
            os.close(slave)

    declined = ok(answer("no\n"), 1)
    assert "Only 'yes' will be accepted" in declined.stdout and "Apply cancelled." in declined.stdout
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    accepted = ok(answer("yes\n"))
    assert "EmailTemplate/welcome: create done" in accepted.stdout


def test_a_throttled_plan_goes_on_and_says_how_often_on_stderr(tmp_path: Path, emulator: Any) -> None:
    root = project(tmp_path, {"templates.yaml": "".join(template(f"t{i}") for i in range(6))})
    converge(root, emulator)
    emulator.configure(fault_rate=0.5, fault_kind="throttle", fault_operations=["GetEmailTemplate"], seed=2)
    try:
        result = ok(sesctl(root, emulator, "plan", "--json"))
    finally:
        emulator.configure(fault_rate=0.0)
    assert json.loads(result.stdout)["summary"]["create"] == 0  # stdout is the JSON plan, unchanged
    assert "SES throttled" in result.stderr and "GetEmailTemplate" in result.stderr
    quiet = ok(sesctl(root, emulator, "plan"))
    assert "throttled" not in quiet.stderr
