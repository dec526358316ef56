"""Each generated policy is sufficient (the use case runs with no AccessDenied against the
enforcing emulator) and minimal: every action it grants was requested by the run (so taking
it out would refuse that request; the evaluator is deterministic and the generated policies
have no wildcards), and taking out a sample of them end to end makes the use case fail.

The emulator enforces SES's actions only: CloudWatch (AlertPolicy's alarms) is moto's, which
checks no IAM. The CloudWatch actions a policy grants are therefore proved by recording the
calls the run made (every one goes through SesGateway.call_service), not by being refused:
each granted one was called, and each call was granted."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.app import apply as applying
from reconciler.app import plan as planning
from reconciler.aws.gateway import SesGateway
from reconciler.emulator.iam import IamEnforcer
from reconciler.errors import AwsError
from reconciler.iam.evaluate import Policy
from reconciler.iam.policy import policy_for, scope_from_state
from reconciler.manifest import load_manifests
from reconciler.settings import Settings
from reconciler.testing import ACCOUNT_ID, LocalEmulator, local_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")
BASE = {
    "pools.yaml": "kind: DedicatedIpPool\nmetadata: {name: bulk}\nspec: {scalingMode: STANDARD}\n",
    "sets.yaml": (
        "kind: ConfigurationSet\nmetadata: {name: marketing}\n"
        "spec: {sendingOptions: {sendingEnabled: true}, deliveryOptions: {sendingPoolName: bulk}}\n---\n"
        "kind: ConfigurationSet\nmetadata: {name: tx}\nspec: {sendingOptions: {sendingEnabled: true}}\n"
    ),
    "destinations.yaml": (
        "kind: EventDestination\nmetadata: {name: bounces}\n"
        "spec:\n  configurationSet: marketing\n  matchingEventTypes: [BOUNCE, COMPLAINT]\n"
        "  cloudWatchDestination:\n    dimensionConfigurations:\n"
        "      - {dimensionName: campaign, dimensionValueSource: MESSAGE_TAG, defaultDimensionValue: none}\n"
    ),
    "templates.yaml": (
        'kind: EmailTemplate\nmetadata: {name: welcome}\nspec: {subject: "Hi {{name}}", text: "Hello {{name}}"}\n---\n'
        'kind: EmailTemplate\nmetadata: {name: old}\nspec: {subject: "Old", text: "Old"}\n'
    ),
    "suppression.yaml": "kind: SuppressionPolicy\nmetadata: {name: account}\nspec: {suppressedReasons: [BOUNCE]}\n",
    "contacts.yaml": (
        "kind: ContactList\nmetadata: {name: newsletter}\n"
        "spec: {topics: [{name: weekly, displayName: Weekly, defaultSubscriptionStatus: OPT_IN}]}\n"
    ),
    "alerts.yaml": (
        "kind: AlertPolicy\nmetadata: {name: reputation}\n"
        "spec: {snsTopics: ['arn:aws:sns:us-east-1:123456789012:alerts'], dailyVolume: 1000, tags: {team: mail, tier: a}}\n"
    ),
    "identities.yaml": (
        "kind: EmailIdentity\nmetadata: {name: example.net}\n"
        "spec: {mailFrom: {domain: mail.example.net}, feedbackForwarding: false}\n"
    ),
}
# The second apply updates every kind in place; the third prunes what left the manifests.
UPDATED = {  # the identity leaves the manifests: pruned
    **{name: text for name, text in BASE.items() if name != "identities.yaml"},
    "sets.yaml": BASE["sets.yaml"].replace("sendingEnabled: true}, delivery", "sendingEnabled: false}, delivery"),
    "destinations.yaml": BASE["destinations.yaml"].replace("[BOUNCE, COMPLAINT]", "[BOUNCE]"),
    "templates.yaml": BASE["templates.yaml"].replace("Hello {{name}}", "Hello again {{name}}"),
    "suppression.yaml": BASE["suppression.yaml"].replace("[BOUNCE]", "[BOUNCE, COMPLAINT]"),
    "contacts.yaml": BASE["contacts.yaml"].replace("displayName: Weekly", "displayName: Weekly digest"),
    "alerts.yaml": BASE["alerts.yaml"].replace("dailyVolume: 1000", "dailyVolume: 2000").replace(", tier: a", "").replace("team: mail", "team: ops"),
}
PRUNED = {
    **UPDATED,
    "sets.yaml": UPDATED["sets.yaml"].split("---\n")[0],
    "templates.yaml": UPDATED["templates.yaml"].split("---\n")[0],
    "destinations.yaml": "",
    "contacts.yaml": "",
    "alerts.yaml": "",
}


def _write(root: Path, documents: dict[str, str]) -> Path:
    manifests = root / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    (root / "sesctl.yaml").write_text("stack: demo\nmanifests: manifests\nprune: true\n", encoding="utf-8")
    for old in manifests.glob("*.yaml"):
        old.unlink()
    for name, text in documents.items():
        if text:
            (manifests / name).write_text("apiVersion: sesctl/v1\n" + text.replace("---\n", "---\napiVersion: sesctl/v1\n"))
    return root


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        yield emulator


def _settings(emu: LocalEmulator) -> Settings:
    return Settings(endpoint_url=emu.endpoint_url, region="us-east-1", color=False)


def _policy(use: str, root: Path, **scope: Any) -> dict[str, Any]:
    state = load_manifests(root)
    return policy_for(use, scope_from_state(state, region="us-east-1", account=ACCOUNT_ID, **scope))


def _without(document: dict[str, Any], action: str) -> dict[str, Any]:
    trimmed = copy.deepcopy(document)
    for statement in trimmed["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    trimmed["Statement"] = [s for s in trimmed["Statement"] if s["Action"]]
    return trimmed


def _actions(document: dict[str, Any]) -> list[str]:
    return sorted({a for s in document["Statement"] for a in s["Action"]})


def _denied(emu: LocalEmulator, document: dict[str, Any], run: Callable[[], bool], used: set[str] | None = None) -> bool:
    """Run with ``document`` enforced; True when the run failed on an AccessDenied.
    ``used`` collects the actions the run requested and was allowed, and the other services'
    calls it made (not enforced: see the module docstring)."""
    enforcer = IamEnforcer(Policy(document))
    emu.emulator.iam = enforcer
    others: set[str] = set()
    original = SesGateway.call_service

    def recorded(self: SesGateway, service: str, operation: str, **params: Any) -> dict[str, Any]:
        others.add(f"{service}:{operation}")
        return original(self, service, operation, **params)

    SesGateway.call_service = recorded  # type: ignore[method-assign]
    try:
        ok = run()
    except AwsError as exc:
        assert "AccessDenied" in (exc.code + str(exc)), exc
        return True
    finally:
        emu.emulator.iam = None
        SesGateway.call_service = original  # type: ignore[method-assign]
    granted = set(_actions(document))
    assert others <= granted, f"calls the policy does not grant (not enforced by the emulator): {sorted(others - granted)}"
    if used is not None:
        used.update(d.action for d in enforcer.decisions if d.allowed)
        used.update(others)
    refused = [d for d in enforcer.decisions if not d.allowed]
    assert ok or refused, "the run failed for another reason than IAM"
    return bool(refused) or not ok


def _apply(emu: LocalEmulator, root: Path) -> bool:
    result = applying.apply(_settings(emu), applying.ApplyRequest(path=root, rate=1000), confirm=lambda plan: True)
    return result.result is None or result.result.ok


def test_plan_policy_is_sufficient_and_minimal(emu: LocalEmulator, tmp_path: Path) -> None:
    emu.reset()
    root = _write(tmp_path, BASE)
    assert _apply(emu, root)  # live objects of every kind for plan to read
    document = _policy("plan", root)
    assert all(a.startswith(("ses:Get", "ses:List", "cloudwatch:Describe", "cloudwatch:List")) for a in _actions(document))

    def run() -> bool:
        planning.plan(_settings(emu), planning.PlanRequest(path=root, rate=1000))
        return True

    used: set[str] = set()
    assert not _denied(emu, document, run, used), "the plan policy is not sufficient"
    assert set(_actions(document)) - used == set(), "the plan policy grants actions plan never needs"
    for action in ("ses:ListEmailTemplates", "ses:GetConfigurationSetEventDestinations"):
        assert _denied(emu, _without(document, action), run), action


# Write actions the kinds declare that this scenario does not reach (they are needed only by
# changes it does not make); every other action is proved needed.
NOT_EXERCISED = {
    "ses:DeleteDedicatedIpPool",  # pools are protected from pruning here: deleting one is a replace
    "ses:PutConfigurationSetArchivingOptions",
    "ses:PutConfigurationSetDeliveryOptions",  # the pool is set at create time here
    "ses:PutConfigurationSetReputationOptions",
    "ses:PutConfigurationSetSuppressionOptions",
    "ses:PutConfigurationSetTrackingOptions",
    "ses:PutConfigurationSetVdmOptions",
    "ses:PutDedicatedIpInPool",
    "ses:PutDedicatedIpPoolScalingAttributes",
    "ses:PutDedicatedIpWarmupAttributes",
    "ses:TagResource",
    "ses:UntagResource",
    "ses:PutEmailIdentityDkimAttributes",  # the identity keeps SES's DKIM defaults here
    "ses:PutEmailIdentityDkimSigningAttributes",
    "ses:PutEmailIdentityConfigurationSetAttributes",
    "ses:CreateEmailIdentityPolicy",  # policies need a verified identity
    "ses:UpdateEmailIdentityPolicy",
    "ses:DeleteEmailIdentityPolicy",
    "ses:ReplicateEmailIdentityDkimSigningKey",  # permission-only: a DEED replica's create
}


def test_apply_policy_is_sufficient_and_minimal(emu: LocalEmulator, tmp_path: Path) -> None:
    root = tmp_path / "project"
    _write(root, BASE)
    document = _policy("apply", root, prune=True)

    def scenario() -> bool:
        emu.reset()
        ok = True
        for documents in (BASE, UPDATED, PRUNED):
            _write(root, documents)
            ok = _apply(emu, root) and ok
        return ok

    used: set[str] = set()
    assert not _denied(emu, document, scenario, used), "the apply policy is not sufficient"
    assert [t["TemplateName"] for t in emu.client("sesv2").list_email_templates()["TemplatesMetadata"]] == ["welcome"]
    assert set(_actions(document)) - used == NOT_EXERCISED
    for action in ("ses:CreateEmailTemplate", "ses:DeleteConfigurationSet", "ses:PutAccountSuppressionAttributes"):
        assert _denied(emu, _without(document, action), scenario), action


def test_send_policy_is_sufficient_and_minimal(emu: LocalEmulator, tmp_path: Path) -> None:
    emu.reset()
    root = _write(tmp_path, BASE)
    assert _apply(emu, root)
    emu.admin("verify_identity", identity="example.com")
    recipients = tmp_path / "to.csv"
    recipients.write_text("email,name\nsuccess@simulator.amazonses.com,Ada\n", encoding="utf-8")
    document = _policy(
        "send", root, senders=["news@example.com"], templates=["welcome"], configuration_sets=["marketing"]
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
    }

    def run() -> bool:
        done = subprocess.run(
            [SESCTL, "--endpoint-url", emu.endpoint_url, "send", "--template", "welcome", "--from", "news@example.com",
             "--configuration-set", "marketing", "--recipients", str(recipients), "--yes", "--json"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        if done.returncode != 0 and "AccessDenied" in done.stdout + done.stderr:
            raise AwsError("AccessDenied", code="AccessDeniedException")
        return done.returncode == 0 and json.loads(done.stdout)["sent"] == 1

    used: set[str] = set()
    assert not _denied(emu, document, run, used), "the send policy is not sufficient"
    assert set(_actions(document)) - used == set()
    for action in ("ses:GetEmailTemplate", "ses:SendBulkEmail"):
        assert _denied(emu, _without(document, action), run), action
    # and the sender condition holds: another From address of the same domain is refused
    other = copy.deepcopy(document)
    for statement in other["Statement"]:
        if "Condition" in statement:
            statement["Condition"]["StringLike"]["ses:FromAddress"] = ["ceo@example.com"]
    assert _denied(emu, other, run)
