"""plan/apply under hostile input, lost answers and concurrency (issue 15's plan/apply defects)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from engine_support import FAST, SESCTL, apply, cli_env, configuration_set, plan, project, sesctl, template
from fault_proxy import FaultProxy

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RateLimits, RetryPolicy
from reconciler.engine.applier import DONE, FAILED, apply_plan
from reconciler.engine.plan import Action, Plan, ResourceChange
from reconciler.errors import PlanError
from reconciler.kinds.registry import KINDS
from reconciler.testing import ACCOUNT_ID

TEMPLATE_ARN = "arn:aws:ses:us-east-1:123456789012:template/"


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A usage-style refusal: exit 1, no traceback, every needle in the output."""
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    for needle in needles:
        assert needle in out, out
    return out


@pytest.mark.parametrize("rate", ["nan", "inf", "0", "-2", "GetEmailTemplate=nan"])
def test_a_rate_that_would_switch_pacing_off_is_refused(
    tmp_path: Path, emulator: Any, ses: Any, rate: str
) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome")})
    refused(sesctl(root, emulator, "apply", "--auto-approve", "--rate", rate), "--rate", rate)
    assert ses.list_email_templates()["TemplatesMetadata"] == []


def two_environments(root: Path) -> Path:
    """Two environments in one region and account: only the plan's own environment may apply it."""
    text = (root / "sesctl.yaml").read_text()
    (root / "sesctl.yaml").write_text(
        text + "environments:\n  staging: {variables: {brand: S}}\n  production: {variables: {brand: P}}\n"
    )
    return root


def test_a_plan_made_for_another_environment_is_refused(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = two_environments(project(tmp_path, {"t.yaml": template("welcome", subject="Hi ${brand}")}))
    saved = plan(root, emulator, env="staging").plan
    (root / "plan.json").write_text(saved.to_json())
    with pytest.raises(PlanError, match=r"environment 'staging'.*environment 'production'"):
        apply(root, emulator, env="production", plan_file=root / "plan.json")
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    outcome = apply(root, emulator, env="staging", plan_file=root / "plan.json")
    assert outcome.result is not None and outcome.result.ok


def forge(saved: Plan, path: Path, change: ResourceChange, *, drop_live: bool = False) -> Path:
    """``saved`` with ``change`` added and its checksum recomputed, as a hostile editor would."""
    data = json.loads(saved.to_json())
    data["changes"].append(change.to_dict())
    if drop_live:
        data["live_objects"].pop(change.address)
    data["checksum"] = Plan.from_dict(data).checksum
    path.write_text(json.dumps(data))
    return path


def test_an_edited_plan_cannot_touch_what_the_stack_does_not_own(
    tmp_path: Path, emulator: Any, ses: Any
) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome")})
    for name, owner in (("theirs", None), ("other", "another-stack")):
        ses.create_email_template(TemplateName=name, TemplateContent={"Subject": "s", "Text": "t"})
        if owner:
            ses.tag_resource(ResourceArn=TEMPLATE_ARN + name, Tags=[{"Key": "sesctl:stack", "Value": owner}])
    saved = plan(root, emulator).plan
    assert saved.unmanaged == ("EmailTemplate/other", "EmailTemplate/theirs")
    welcome = saved.changes[0]
    assert welcome.after is not None
    overwrite = {**welcome.after, "subject": "pwned"}
    attempts = {
        "delete-unowned": (ResourceChange("EmailTemplate", "theirs", (Action.DELETE,), 50, before={}), False),
        "overwrite-other-stack": (
            replace(welcome, name="other", actions=(Action.UPDATE,), before={}, after=overwrite),
            False,
        ),
        "overwrite-undeclared": (
            replace(welcome, name="theirs", actions=(Action.UPDATE,), before={}, after=overwrite),
            False,
        ),
        "unread": (replace(welcome, name="theirs", actions=(Action.UPDATE,), after=overwrite), True),
    }
    for label, (change, drop_live) in attempts.items():
        path = forge(saved, tmp_path / f"{label}.json", change, drop_live=drop_live)
        with pytest.raises(PlanError, match="no plan of this stack could change") as caught:
            apply(root, emulator, plan_file=path)
        assert change.address in str(caught.value), label
    for name in ("theirs", "other"):
        assert ses.get_email_template(TemplateName=name)["TemplateContent"]["Subject"] == "s"
    assert "welcome" not in {t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]}

    # The plan as written still applies; and adopting a declared, unowned resource still works.
    (root / "plan.json").write_text(saved.to_json())
    outcome = apply(root, emulator, plan_file=root / "plan.json")
    assert outcome.result is not None and outcome.result.ok
    project(root, {"t.yaml": template("welcome") + template("theirs")})
    adopt = plan(root, emulator).plan
    (root / "adopt.json").write_text(adopt.to_json())
    outcome = apply(root, emulator, plan_file=root / "adopt.json")
    assert outcome.result is not None and outcome.result.ok


def apply_through(url: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `sesctl apply --auto-approve` against ``url`` (a proxy in front of the emulator)."""
    return subprocess.run(
        [SESCTL, "--no-color", "--endpoint-url", url, "apply", "--rate", FAST, "--auto-approve", *args],
        cwd=root,
        env=cli_env(None),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_create_whose_answer_was_lost_counts_as_done(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome"), "s.yaml": configuration_set("marketing")})
    lose = [("POST", "/v2/email/templates"), ("POST", "/v2/email/configuration-sets")]
    with FaultProxy(emulator.endpoint_url, lose=lose) as proxy:
        result = apply_through(proxy.url, root)
    assert proxy.lost == ["POST /v2/email/configuration-sets", "POST /v2/email/templates"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "EmailTemplate/welcome: create done: it already existed as planned" in result.stdout
    assert "ConfigurationSet/marketing: create done: it already existed as planned" in result.stdout
    assert "Apply complete! 2 done, 0 failed" in result.stdout
    assert plan(root, emulator).plan.has_changes is False


def test_a_delete_whose_answer_was_lost_counts_as_done(tmp_path: Path, emulator: Any, ses: Any) -> None:
    # SES deleted the template, the answer was lost, the gateway's retry meets NotFound: the
    # goal (no template) is reached, so the step is done, not failed.
    root = project(tmp_path, {"t.yaml": template("welcome") + template("old")})
    assert apply(root, emulator).result is not None
    project(root, {"t.yaml": template("welcome")})
    with FaultProxy(emulator.endpoint_url, lose=[("DELETE", "/v2/email/templates/old")]) as proxy:
        result = apply_through(proxy.url, root, "--prune")
    assert proxy.lost == ["DELETE /v2/email/templates/old"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "EmailTemplate/old: delete done: it was already gone" in result.stdout
    assert "old" not in {t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]}


def test_an_existing_object_is_taken_over_only_when_it_is_ours(
    tmp_path: Path, emulator: Any, ses: Any
) -> None:
    root = project(tmp_path, {"t.yaml": template("welcome") + template("other")})
    planned = plan(root, emulator).plan
    gateway = SesGateway(
        emulator.client("sesv2"),
        limits=RateLimits(default=10_000, burst=10_000),
        retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.01),
        account_id=ACCOUNT_ID,
    )
    # Made between plan and apply: "other" by hand (no owner tag), "welcome" by another apply
    # of this stack from other manifests.
    ses.create_email_template(TemplateName="other", TemplateContent={"Subject": "s", "Text": "t"})
    ses.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "old", "Text": "t"})
    ses.tag_resource(ResourceArn=TEMPLATE_ARN + "welcome", Tags=[{"Key": "sesctl:stack", "Value": "demo"}])
    result = apply_plan(planned, KINDS, gateway, {}, stack="demo")
    outcome = {o.address: o for o in result.outcomes}
    assert outcome["EmailTemplate/other"].status == FAILED
    assert "AlreadyExistsException" in outcome["EmailTemplate/other"].message
    assert "carries no sesctl owner tag" in outcome["EmailTemplate/other"].message
    assert outcome["EmailTemplate/welcome"].status == DONE
    assert "updated to the plan" in outcome["EmailTemplate/welcome"].message
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"]["Subject"] == "Hi {{name}}"
    assert ses.get_email_template(TemplateName="other")["TemplateContent"]["Subject"] == "s"


TEMPLATES = ("POST", "/v2/email/templates")


def start_apply(url: str, root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SESCTL, "--no-color", "--endpoint-url", url, "apply", "--rate", FAST, "--auto-approve"],
        cwd=root,
        env=cli_env(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def test_a_second_apply_of_the_stack_is_refused_while_one_runs(
    tmp_path: Path, emulator: Any, ses: Any
) -> None:
    root = project(tmp_path, {"t.yaml": template("a") + template("b")})
    with FaultProxy(emulator.endpoint_url, hold=TEMPLATES) as proxy:
        first = start_apply(proxy.url, root)
        try:
            assert proxy.wait_held(), "the first apply never reached its first create"
            second = apply_through(emulator.endpoint_url, root)  # the same checkout, not held
        finally:
            proxy.release()
            code, output = finish(first)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Traceback" not in second.stderr
    assert f"another sesctl apply (pid {first.pid}) is applying stack 'demo'" in second.stderr
    assert "nothing was applied" in second.stderr
    assert code == 0 and "Apply complete! 2 done" in output, output
    assert not list((root / ".sesctl" / "locks").iterdir())  # released (and removed) at the end
    assert apply_through(emulator.endpoint_url, root).returncode == 0  # the lock is free again


def test_two_applies_racing_from_two_checkouts_converge(tmp_path: Path, emulator: Any, ses: Any) -> None:
    """Two machines (two checkouts: the local lock cannot see across them) apply the same stack.
    Both plan every create, then their creates race: each template is made by one and found,
    owned by the stack, by the other, which counts it done."""
    names = [f"t{i}" for i in range(6)]
    roots = [project(tmp_path / side, {"t.yaml": "".join(template(n) for n in names)}) for side in "ab"]
    with FaultProxy(emulator.endpoint_url, rendezvous=TEMPLATES) as proxy:
        procs = [start_apply(proxy.url, root) for root in roots]
        results = [finish(proc) for proc in procs]
    for code, output in results:
        assert code == 0, output
        assert "Traceback" not in output
    found = sum(output.count("already existed as planned") for _, output in results)
    assert found == len(names)  # every template: made by one apply, found by the other
    assert plan(roots[0], emulator).plan.has_changes is False
