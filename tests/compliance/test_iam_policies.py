"""Each generated policy (plan, drift, apply, import, send, mcp, analytics, gdpr, events) is sufficient and
minimal, proved per action against the enforcing emulator (docs/security.md):

* sufficient: the use case runs to success with the policy enforced;
* nothing unused: every action the policy grants is requested by the run;
* minimal: for each action in turn, the policy without it makes the use case fail (an
  AccessDenied that the use case reports as a failure, not one it swallows).

The emulator enforces SES's, SQS's and CloudWatch's actions (``cloudwatch:<Operation>`` on the
alarm's ARN, or "*" for the metric reads), each refused as AWS refuses it.

Use cases run in-process on one emulator per module; each run starts from the same SES state
(a snapshot taken after the scenario's setup). apply's scenario is three applies per run, so
its per-action proof is the marked test `test_apply_policy_is_minimal_per_action`: CI runs it
on APPLY_CI_ACTIONS; `tests/compliance/prove_iam_minimality.sh` (SESCTL_IAM_PROOF=full) runs it
on every action.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.app import apply as applying
from reconciler.app import drift as drifting
from reconciler.app import import_ as importing
from reconciler.app import plan as planning
from reconciler.app import send as sending
from reconciler.emulator.iam import IamEnforcer
from reconciler.errors import AwsError
from reconciler.iam.evaluate import Policy
from reconciler.iam.policy import OPTIONAL_ACTIONS, Scope, policy_for, scope_from_state
from reconciler.kinds.base import OWNER_TAG
from reconciler.manifest import load_manifests
from reconciler.sending.job import SendJob
from reconciler.sending.list_management import ListManagement
from reconciler.settings import Settings
from reconciler.testing import ACCOUNT_ID, LocalEmulator, dummy_aws_env, local_emulator

FULL_PROOF = os.environ.get("SESCTL_IAM_PROOF") == "full"

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
        "spec:\n  configurationSet: marketing\n  matchingEventTypes: [SEND, BOUNCE, COMPLAINT]\n"
        "  cloudWatchDestination:\n    dimensionConfigurations:\n"
        "      - {dimensionName: campaign, dimensionValueSource: MESSAGE_TAG, defaultDimensionValue: none}\n"
        # what the campaign breaker's CloudWatch source reads (send), the rates MCP judges
        "      - {dimensionName: sesctl-campaign, dimensionValueSource: MESSAGE_TAG, defaultDimensionValue: none}\n"
    ),
    "templates.yaml": (
        'kind: EmailTemplate\nmetadata: {name: welcome}\nspec: {subject: "Hi {{name}}", text: "Hello {{name}}"}\n---\n'
        'kind: EmailTemplate\nmetadata: {name: old}\nspec: {subject: "Old", text: "Old"}\n'
    ),
    "suppression.yaml": "kind: SuppressionPolicy\nmetadata: {name: account}\nspec: {suppressedReasons: [BOUNCE]}\n",
    "account.yaml": (
        "kind: AccountSettings\nmetadata: {name: account}\n"
        "spec: {vdmAttributes: {vdmEnabled: ENABLED}, details: {mailType: TRANSACTIONAL, websiteUrl: https://example.net}}\n"
    ),
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
    "tenants.yaml": (
        "kind: Tenant\nmetadata: {name: acme}\n"
        "spec: {identities: [example.net], configurationSets: [tx], templates: [welcome]}\n"
    ),
    "endpoints.yaml": (
        "kind: MultiRegionEndpoint\nmetadata: {name: global}\nspec: {details: {routesDetails: [{region: eu-west-1}]}}\n"
    ),
}
# The second apply updates every kind in place; the third prunes what left the manifests.
UPDATED = {  # the identity leaves the manifests: pruned
    **{name: text for name, text in BASE.items() if name != "identities.yaml"},
    "sets.yaml": BASE["sets.yaml"].replace("sendingEnabled: true}, delivery", "sendingEnabled: false}, delivery"),
    "destinations.yaml": BASE["destinations.yaml"].replace("[SEND, BOUNCE, COMPLAINT]", "[BOUNCE]"),
    "templates.yaml": BASE["templates.yaml"].replace("Hello {{name}}", "Hello again {{name}}"),
    "suppression.yaml": BASE["suppression.yaml"].replace("[BOUNCE]", "[BOUNCE, COMPLAINT]"),
    "contacts.yaml": BASE["contacts.yaml"].replace("displayName: Weekly", "displayName: Weekly digest"),
    "alerts.yaml": BASE["alerts.yaml"].replace("dailyVolume: 1000", "dailyVolume: 2000").replace(", tier: a", "").replace("team: mail", "team: ops"),
    "account.yaml": BASE["account.yaml"].replace("spec: {", "spec: {sendingEnabled: false, dedicatedIpAutoWarmupEnabled: true, "),
    # the identity leaves the tenant (and the manifests); the tenant's policy tightens
    "tenants.yaml": BASE["tenants.yaml"].replace("identities: [example.net], ", "").replace("[welcome]}", "[welcome], reputationPolicy: strict}"),
}
PRUNED = {
    **UPDATED,
    "sets.yaml": UPDATED["sets.yaml"].split("---\n")[0],
    "templates.yaml": UPDATED["templates.yaml"].split("---\n")[0],
    "destinations.yaml": "",
    "contacts.yaml": "",
    "alerts.yaml": "",
    "account.yaml": "",  # left as it is (sending stays paused): a singleton is never reset
    "tenants.yaml": "",  # pruned before "tx", the configuration set it used
    "endpoints.yaml": "",
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


def _fails(
    emu: LocalEmulator,
    document: dict[str, Any],
    run: Callable[[], bool],
    used: set[str] | None = None,
    setup: Callable[[], None] | None = None,
) -> bool:
    """``setup()`` unchecked, then ``run()`` with ``document`` enforced; True when the use case
    failed because of IAM (it raised AccessDenied or reported failure, and the policy refused
    something). ``used`` collects the actions the run requested and was allowed."""
    if setup is not None:
        setup()
    enforcer = IamEnforcer(Policy(document))
    emu.emulator.iam = enforcer
    try:
        ok = run()
    except AwsError as exc:
        assert "AccessDenied" in (exc.code + str(exc)), exc
        ok = False
    finally:
        emu.emulator.iam = None
    decisions = enforcer.decisions
    if used is not None:
        used.update(d.action for d in decisions if d.allowed)
    refused = [d for d in decisions if not d.allowed]
    assert ok or refused, "the run failed for another reason than IAM"
    return not ok


class Snapshot:
    """The emulator's SES state after a scenario's setup, restored before each run."""

    def __init__(self, emu: LocalEmulator) -> None:
        self.emu = emu
        with emu.emulator.lock:
            self.state = emu.emulator.state.model_copy(deep=True)

    def restore(self) -> None:
        with self.emu.emulator.lock:
            self.emu.emulator.state = self.state.model_copy(deep=True)


def _prove(
    emu: LocalEmulator,
    document: dict[str, Any],
    run: Callable[[], bool],
    *,
    not_exercised: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
    removals: Iterable[str] | None = None,
    setup: Callable[[], None] | None = None,
) -> None:
    """Sufficient, nothing unused but ``not_exercised``, and each action of ``removals``
    (default: every exercised action but the ``optional`` ones, OPTIONAL_ACTIONS) needed."""
    used: set[str] = set()
    assert not _fails(emu, document, run, used, setup), "the policy is not sufficient"
    granted = set(_actions(document))
    assert granted - used == set(not_exercised), "the policy grants actions the use case never requests"
    assert {f"ses:{a}" for a in OPTIONAL_ACTIONS} >= optional
    chosen = removals if removals is not None else granted - not_exercised - optional
    needless = [a for a in sorted(chosen) if not _fails(emu, _without(document, a), run, setup=setup)]
    assert needless == [], f"the use case succeeds without {needless}"
    # an optional action is optional indeed (else it belongs with the needed ones)
    assert all(not _fails(emu, _without(document, a), run, setup=setup) for a in optional)


def _apply(emu: LocalEmulator, root: Path) -> bool:
    result = applying.apply(_settings(emu), applying.ApplyRequest(path=root, rate=1000), confirm=lambda plan: True)
    return result.result is None or result.result.ok


@pytest.fixture
def live(emu: LocalEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose BASE manifests are applied (every kind live), cwd in it (the audit trail)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SESCTL_AUDIT_LOG", raising=False)
    emu.reset()
    root = _write(tmp_path, BASE)
    assert _apply(emu, root)
    return root


def test_plan_and_drift_policies_are_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    document = _policy("plan", live)
    assert all(a.startswith(("ses:Get", "ses:List", "cloudwatch:Describe", "cloudwatch:List")) for a in _actions(document))
    assert _policy("drift", live) == document
    snapshot = Snapshot(emu)

    def plan() -> bool:
        snapshot.restore()
        planning.plan(_settings(emu), planning.PlanRequest(path=live, rate=1000))
        return True

    def drift() -> bool:
        snapshot.restore()
        drifting.drift(_settings(emu), live, None, rate=1000)
        return True

    _prove(emu, document, plan)
    _prove(emu, _policy("drift", live), drift)


# Write actions the kinds declare that this scenario does not reach (they are needed only by
# changes it does not make); every other action is proved needed.
NOT_EXERCISED = frozenset({
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
})  # fmt: skip
# The actions CI proves needed one by one (a run is three applies, ~3 s); the script proves all.
APPLY_CI_ACTIONS = (
    "ses:CreateEmailTemplate",
    "ses:UpdateEmailTemplate",
    "ses:DeleteConfigurationSet",
    "ses:PutAccountSuppressionAttributes",
    "ses:CreateConfigurationSetEventDestination",
    "ses:PutEmailIdentityMailFromAttributes",
    "ses:CreateTenantResourceAssociation",
    "cloudwatch:PutMetricAlarm",
)


def _apply_scenario(emu: LocalEmulator, tmp_path: Path) -> tuple[dict[str, Any], Callable[[], bool]]:
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

    return document, scenario


def test_apply_policy_is_sufficient(emu: LocalEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    document, scenario = _apply_scenario(emu, tmp_path)
    _prove(emu, document, scenario, not_exercised=NOT_EXERCISED, removals=())
    assert [t["TemplateName"] for t in emu.client("sesv2").list_email_templates()["TemplatesMetadata"]] == ["welcome"]


@pytest.mark.iam_proof
def test_apply_policy_is_minimal_per_action(emu: LocalEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    document, scenario = _apply_scenario(emu, tmp_path)
    every = sorted(set(_actions(document)) - NOT_EXERCISED)
    assert set(APPLY_CI_ACTIONS) <= set(every)
    chosen = every if FULL_PROOF else list(APPLY_CI_ACTIONS)
    needless = [a for a in chosen if not _fails(emu, _without(document, a), scenario)]
    assert needless == [], f"apply succeeds without {needless}"


def test_import_policy_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    """import --adopt, into a project of its own, of live objects of every kind that no stack owns."""
    ses = emu.client("sesv2")
    for arn in _owned_arns(emu):
        ses.untag_resource(ResourceArn=arn, TagKeys=[OWNER_TAG])
    snapshot = Snapshot(emu)
    adopting = _write(live / "adopting", {})
    document = _policy("import", live)

    cloudwatch = emu.client("cloudwatch")

    def setup() -> None:
        snapshot.restore()
        for alarm in cloudwatch.describe_alarms()["MetricAlarms"]:  # owned in the snapshot: unowned for the import
            cloudwatch.untag_resource(ResourceARN=alarm["AlarmArn"], TagKeys=[OWNER_TAG])
        for old in (adopting / "manifests").rglob("*"):
            if old.is_file():
                old.unlink()

    def run() -> bool:
        request = importing.ImportRequest(project=adopting, out=adopting / "manifests", adopt=True, force=True, rate=1000)
        outcome = importing.import_(_settings(emu), request)
        adopted = outcome.adopted
        return bool(outcome.unowned) and adopted is not None and (adopted.result is None or adopted.result.ok)

    _prove(emu, document, run, setup=setup)


def _owned_arns(emu: LocalEmulator) -> list[str]:
    prefix = f"arn:aws:ses:us-east-1:{ACCOUNT_ID}:"
    state = emu.state.region("us-east-1")
    tables: dict[str, Mapping[str, Any]] = {
        "template": state.templates,
        "configuration-set": state.configuration_sets,
        "contact-list": state.contact_lists,
        "dedicated-ip-pool": state.dedicated_ip_pools,
        "identity": state.identities,
    }
    return [f"{prefix}{kind}/{getattr(item, 'name', key)}" for kind, table in tables.items() for key, item in table.items() if OWNER_TAG in item.tags]


def _env() -> dict[str, str]:
    return dummy_aws_env()


def test_send_policy_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    emu.admin("verify_identity", identity="example.com")
    recipients = live / "to.csv"
    recipients.write_text("email,name\nsuccess@simulator.amazonses.com,Ada\n", encoding="utf-8")
    snapshot = Snapshot(emu)
    document = _policy(
        "send", live, senders=["news@example.com"], templates=["welcome"], configuration_sets=["marketing"]
    )

    def cli() -> bool:  # the CLI: it requests what the in-process runs below do
        snapshot.restore()
        ok = True
        for extra in ((), ("--contact-list", "newsletter", "--topic", "weekly")):  # SendBulkEmail, SendEmail
            done = subprocess.run(
                [SESCTL, "--endpoint-url", emu.endpoint_url, "send", "--template", "welcome", "--from",
                 "news@example.com", "--configuration-set", "marketing", "--recipients", str(recipients), *extra,
                 "--yes", "--json", "--no-store"],
                capture_output=True, text=True, env=_env(), cwd=live, timeout=120,
            )  # fmt: skip
            if done.returncode != 0 and "AccessDenied" in done.stdout + done.stderr:
                raise AwsError("AccessDenied", code="AccessDeniedException")
            ok = ok and done.returncode == 0 and json.loads(done.stdout)["sent"] == 1
        return ok

    def run() -> bool:
        snapshot.restore()
        ok = True
        for lists in (None, ListManagement("newsletter", "weekly")):
            job = SendJob(
                from_address="news@example.com", template="welcome", configuration_set="marketing",
                list_management=lists,
            )  # fmt: skip
            request = sending.SendRequest(job, sending.RecipientSource.file(recipients))
            outcome = sending.send(_settings(emu), request, confirm=lambda preview: True)
            ok = ok and outcome.report is not None and outcome.report.sent == 1
        return ok

    # the project's breaker reads the event store (sesctl.yaml's default): no CloudWatch grant
    assert not any(a.startswith("cloudwatch:") for a in _actions(document))
    used: set[str] = set()
    assert not _fails(emu, document, cli, used)
    assert used == set(_actions(document))
    _prove(emu, document, run, optional=frozenset({"ses:GetEmailIdentity"}))
    # and the sender condition holds: another From address of the same domain is refused
    other = copy.deepcopy(document)
    for statement in other["Statement"]:
        if "Condition" in statement:
            statement["Condition"]["StringLike"]["ses:FromAddress"] = ["ceo@example.com"]
    assert _fails(emu, other, run)
    # What the optional GetEmailIdentity buys: the preview warns about an unverified sender
    assert any("not a verified identity" in w for w in _preview_warnings(emu, snapshot, document, recipients))
    assert _preview_warnings(emu, snapshot, _without(document, "ses:GetEmailIdentity"), recipients) == []


def test_send_policy_with_the_cloudwatch_breaker_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    """`breaker: source: cloudwatch`: the send's campaign breaker reads CloudWatch (ListMetrics,
    then GetMetricData of the series found). A campaign sends with its breaker watching; a
    breaker that cannot read the rates pauses the campaign (after three reads in a row: driven
    here by its own clock, one minute apart, as CloudWatch is read), so each metric read is
    needed."""
    from reconciler.app.connect import connect
    from reconciler.app.send_watch import breaker_for
    from reconciler.manifest.breaker import BreakerConfig
    from reconciler.sending.breaker import PROBE_FAILURES, Pause

    (live / "sesctl.yaml").write_text(
        (live / "sesctl.yaml").read_text() + "breaker: {source: cloudwatch}\n", encoding="utf-8"
    )
    emu.admin("verify_identity", identity="example.com")
    recipients = live / "to.csv"
    recipients.write_text("email,name\nsuccess@simulator.amazonses.com,Ada\n", encoding="utf-8")
    # a campaign's metrics in CloudWatch already (moto's: they outlive the snapshot's restores)
    emu.client("sesv2").send_email(
        FromEmailAddress="news@example.com", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        ConfigurationSetName="marketing", EmailTags=[{"Name": "sesctl-campaign", "Value": "r-earlier"}],
    )  # fmt: skip
    snapshot = Snapshot(emu)
    scope: dict[str, Any] = {"senders": ["news@example.com"], "templates": ["welcome"], "configuration_sets": ["marketing"]}
    from reconciler.app.iam_policy import PolicyRequest, policy

    document = policy(
        Settings(region="us-east-1"),
        PolicyRequest(use="send", path=live, account=ACCOUNT_ID, senders=scope["senders"], templates=scope["templates"],
                      configuration_sets=scope["configuration_sets"]),
    )  # fmt: skip
    assert set(_actions(document)) - set(_actions(_policy("send", live, **scope))) == {
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
    }
    watched = BreakerConfig.model_validate({"enabled": True, "source": "cloudwatch", "minSends": 1})

    def run() -> bool:
        snapshot.restore()
        sent = True
        for lists in (None, ListManagement("newsletter", "weekly")):  # SendBulkEmail, SendEmail
            job = SendJob(from_address="news@example.com", template="welcome", configuration_set="marketing",
                          list_management=lists)  # fmt: skip
            request = sending.SendRequest(
                job, sending.RecipientSource.file(recipients), store=live / "events.db", breaker=watched
            )
            outcome = sending.send(_settings(emu), request, confirm=lambda preview: True)
            report = outcome.report
            sent = sent and report is not None and report.sent == 1 and report.stopped is None
        with connect(_settings(emu)) as conn:  # a longer campaign's breaker, read minute after minute
            watch = breaker_for(watched.model_copy(update={"min_sends": 1000}), 1, live / "events.db", conn.aws)
            assert watch is not None
            minutes = iter(range(1, 100))
            watch.breaker.clock = lambda: 61.0 * next(minutes)
            watch.breaker.begin("r-earlier")
            watch.breaker.since = datetime.now(UTC) - timedelta(hours=1)
            try:
                for _ in range(PROBE_FAILURES):
                    watch.breaker.after_batch(1, 0)
            except Pause as paused:
                assert "cannot be read" in str(paused), paused
                return False
        return sent and watch.breaker.last is not None and watch.breaker.last.sends >= 1

    _prove(emu, document, run, optional=frozenset({"ses:GetEmailIdentity"}))


def test_the_send_policy_follows_the_breaker_source(tmp_path: Path) -> None:
    """`sesctl iam policy --for send` (the CLI): CloudWatch's metric reads only when the breaker
    reads CloudWatch (sesctl.yaml's breaker.source, or --breaker-source over it)."""
    root = _write(tmp_path, {"templates.yaml": BASE["templates.yaml"]})

    def metric_reads(*flags: str) -> list[str]:
        done = subprocess.run(
            [SESCTL, "--region", "us-east-1", "iam", "policy", "--for", "send", "--account", ACCOUNT_ID, *flags],
            capture_output=True, text=True, env=_env(), cwd=root, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [a for a in _actions(json.loads(done.stdout)) if a.startswith("cloudwatch:")]

    assert metric_reads() == []
    assert metric_reads("--breaker-source", "cloudwatch") == ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    (root / "sesctl.yaml").write_text((root / "sesctl.yaml").read_text() + "breaker: {source: cloudwatch}\n")
    assert metric_reads() == ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    assert metric_reads("--breaker-source", "store") == []


def _preview_warnings(emu: LocalEmulator, snapshot: Snapshot, document: dict[str, Any], recipients: Path) -> list[str]:
    """The send preview's warnings for news@example.com with its domain no longer verified."""
    from reconciler.app.connect import connect

    snapshot.restore()
    with emu.emulator.lock:
        emu.emulator.state.region("us-east-1").identities["example.com"].verification_status = "PENDING"
    job = SendJob(from_address="news@example.com", template="welcome", configuration_set="marketing")
    emu.emulator.iam = IamEnforcer(Policy(document))
    try:
        with connect(_settings(emu)) as conn:
            prepared = sending.prepare(conn.gateway, job, sending.RecipientSource.file(recipients))
    finally:
        emu.emulator.iam = None
    return list(prepared.preview.warnings)


def test_mcp_policy_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    """Every MCP tool that calls AWS, in-process: quota, templates, render, suppression checks,
    diagnose, analytics from CloudWatch and from VDM (by configuration set), send_email and a
    send_bulk_email large enough to read the whole suppression list, each send judged on the
    account's rates first (CloudWatch's, without an event store): a check that could not read
    them ("NOT CHECKED") counts as a failure here."""
    from datetime import date

    from reconciler.aws.clients import AwsContext
    from reconciler.mcp import McpApp, McpConfig, reads, sends
    from reconciler.mcp.analytics import email_analytics
    from reconciler.mcp.audit import AuditLog
    from reconciler.mcp.diagnose import diagnose
    from reconciler.mcp.models import (
        AnalyticsInput,
        BulkRecipient,
        CheckSuppressionInput,
        GetTemplateInput,
        ListTemplatesInput,
        RenderTemplateInput,
        SendBulkEmailInput,
        SendEmailInput,
    )

    emu.admin("verify_identity", identity="example.com")
    emu.admin("configure_account", max_send_rate=1000.0)
    emu.client("sesv2").put_suppressed_destination(EmailAddress="bounce@simulator.amazonses.com", Reason="BOUNCE")
    snapshot = Snapshot(emu)
    config = McpConfig.model_validate(
        {"senders": ["news@example.com"], "configuration_sets": ["marketing"],
         "limits": {"max_recipients_per_call": 100, "max_recipients_per_hour": 1000}}
    )  # fmt: skip
    document = _policy("mcp", live, senders=config.senders, configuration_sets=["marketing"])
    aws = AwsContext(region="us-east-1", endpoint_url=emu.endpoint_url, local=True)
    single = SendEmailInput(to=["success@simulator.amazonses.com"], template="welcome", template_data={"name": "Ada"},
                            from_address="news@example.com", configuration_set="marketing")  # fmt: skip
    listed = SendEmailInput(to=["success@simulator.amazonses.com"], template="welcome", template_data={"name": "Ada"},
                            from_address="news@example.com", contact_list="newsletter", topic="weekly")  # fmt: skip
    bulk = SendBulkEmailInput(
        recipients=[BulkRecipient(email=f"success+{i}@simulator.amazonses.com", data={"name": "Ada"}) for i in range(60)],
        template="welcome", from_address="news@example.com",
    )  # fmt: skip

    def run() -> bool:
        snapshot.restore()
        app = McpApp.create(config, aws, settings=_settings(emu), rates=1000, audit=AuditLog(stream=io.StringIO()))
        reads.send_quota(app)
        assert [t.name for t in reads.list_templates(app, ListTemplatesInput()).templates] == ["old", "welcome"]
        reads.get_template(app, GetTemplateInput(name="welcome"))
        reads.render_template(app, RenderTemplateInput(name="welcome", data={"name": "Ada"}))
        checked = reads.check_suppression(app, CheckSuppressionInput(addresses=["bounce@simulator.amazonses.com"]).addresses)
        ok = checked.results[0].suppressed and diagnose(app, "bounce@simulator.amazonses.com").suppressed
        judged = []
        for request in (single, listed, bulk):
            shown = sends.preview(app, request)
            sends.check_sendable(app, request, shown)
            judged.append(shown.reputation or "")
            result = sends.execute(app, request, shown)
            ok = ok and result.status == "sent"
        # the sends through marketing publish to CloudWatch: the later checks read its series
        ok = ok and not any(line.startswith("NOT CHECKED") for line in judged)
        ok = ok and judged[-1].startswith("within the alert thresholds (CloudWatch")
        today = date.today()
        for source, group_by in (("cloudwatch", "day"), ("vdm", "configuration_set")):
            asked = AnalyticsInput(start=today, end=today, source=source, group_by=group_by)  # type: ignore[arg-type]
            found = email_analytics(app, asked)
            ok = ok and found.source == source and found.series_read >= 1  # VDM counts no simulator mail
        return ok

    _prove(emu, document, run, optional=frozenset({"ses:GetEmailIdentity"}))


def test_gdpr_policy_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    """export then erase (suppression: remove) of a person in the contact list and on the
    suppression list."""
    from reconciler.app import gdpr
    from reconciler.gdpr import Sources

    ses = emu.client("sesv2")
    ses.create_contact(ContactListName="newsletter", EmailAddress="ada@example.org")
    ses.put_suppressed_destination(EmailAddress="ada@example.org", Reason="BOUNCE")
    snapshot = Snapshot(emu)
    document = _policy("gdpr", live)
    sources = Sources(None, [])

    def run() -> bool:
        snapshot.restore()
        found = gdpr.export(_settings(emu), ["ada@example.org"], sources)
        receipt = gdpr.erase_subjects(_settings(emu), ["ada@example.org"], sources, suppression="remove", dry_run=False)
        (subject,) = receipt["subjects"]
        state = emu.state.region("us-east-1")
        gone = state.suppressed == {} and state.contact_lists["newsletter"].contacts == {}
        return bool(found) and subject["contact_lists"] == ["newsletter"] and subject["suppression"] == "removed" and gone

    _prove(emu, document, run)


def test_events_policy_is_sufficient_and_minimal(emu: LocalEmulator, tmp_path: Path) -> None:
    """`events consume --queue` against the enforcing emulator's SQS: receive, store, delete."""
    from reconciler.events.consume import consume
    from reconciler.events.sources import SqsSource, queue_url
    from reconciler.events.store import EventStore

    emu.reset()
    sqs = emu.client("sqs")
    url = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
    document = policy_for("events", Scope(region="us-east-1", account=ACCOUNT_ID, queues=("ses-events",)))
    record = {
        "eventType": "Delivery",
        "mail": {"timestamp": "2026-12-05T10:00:00.000Z", "messageId": "m1", "source": "n@example.com",
                 "destination": ["success@simulator.amazonses.com"]},
        "delivery": {"timestamp": "2026-12-05T10:00:01.000Z", "recipients": ["success@simulator.amazonses.com"]},
    }  # fmt: skip
    runs = iter(range(1000))

    def setup() -> None:  # a message of its own per run (one left by a refused delete comes back later)
        mail = {**record["mail"], "messageId": f"m{next(runs)}"}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({**record, "mail": mail}))

    def run() -> bool:
        client = emu.client("sqs")
        with EventStore.open(tmp_path / f"events-{next(runs)}.db") as store:  # a fresh store per run
            source = SqsSource(client, queue_url(client, "ses-events"), batch_size=10, follow=False)
            report = consume(store, source)
        # acknowledged means deleted: a message left on the queue would come back
        return report.added >= 1 and report.unacknowledged == 0

    _prove(emu, document, run, setup=setup)


def test_analytics_policy_is_sufficient_and_minimal(emu: LocalEmulator, live: Path) -> None:
    """Read-only reporting: `sesctl analytics` from CloudWatch (by day) and from VDM (by
    configuration set), `sesctl alerts check --source cloudwatch --quota`, once through the CLI,
    then in-process per action. VDM's GetAccount (its not-enabled warning) is optional to
    analytics, but `alerts check --quota` needs it. The store source and `sesctl status` succeed
    with nothing granted at all."""
    from datetime import date

    from reconciler.app import alerts
    from reconciler.app.analytics import from_aws, from_store
    from reconciler.app.connect import connect
    from reconciler.app.status import overview
    from reconciler.events.analytics import Query
    from reconciler.events.store import EventStore

    emu.admin("verify_identity", identity="example.com")
    # a message through marketing (its CloudWatch destination publishes Send): series to read
    emu.client("sesv2").send_email(
        FromEmailAddress="news@example.com", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        ConfigurationSetName="marketing", EmailTags=[{"Name": "campaign", "Value": "spring"}],
    )  # fmt: skip
    store = live / "events.db"
    EventStore.open(store).close()
    document = policy_for("analytics", Scope(region="us-east-1", account=ACCOUNT_ID))
    assert all(s["Resource"] == ["*"] for s in document["Statement"])
    # `iam policy --for analytics` needs neither a project, a region nor an account
    done = subprocess.run(
        [SESCTL, "iam", "policy", "--for", "analytics"], capture_output=True, text=True, env=_env(), cwd=live.parent,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == document

    def cli() -> bool:
        ok = True
        for args, codes in (
            (("analytics", "--source", "cloudwatch", "--since", "1d", "--format", "json"), (0,)),
            (("analytics", "--source", "vdm", "--since", "1d", "--group-by", "configuration-set", "--format", "json"), (0,)),
            (("alerts", "check", "--source", "cloudwatch", "--since", "1d", "--quota", "--json"), (0, 3)),
        ):
            run = subprocess.run(
                [SESCTL, "--endpoint-url", emu.endpoint_url, *args],
                capture_output=True, text=True, env=_env(), cwd=live, timeout=120,
            )  # fmt: skip
            if "AccessDenied" in run.stdout + run.stderr:
                raise AwsError("AccessDenied", code="AccessDeniedException")
            ok = ok and run.returncode in codes and run.stdout.startswith("{")
        return ok

    used: set[str] = set()
    assert not _fails(emu, document, cli, used)
    assert used == set(_actions(document))

    def run() -> bool:
        settings = _settings(emu)
        today = date.today()
        start = datetime(today.year, today.month, today.day, tzinfo=UTC)
        ok = True
        with connect(settings) as conn:
            cloudwatch = conn.aws.client("cloudwatch")
            for source, group_by in (("cloudwatch", "day"), ("vdm", "configuration_set")):
                query = Query(start=start, end=start + timedelta(days=1), group_by=group_by)
                found = from_aws(source, query, gateway=conn.gateway, cloudwatch=cloudwatch)
                ok = ok and found.source == source and found.series_read >= 1
        request = alerts.AlertsRequest(store=store, source="cloudwatch", since="1d", check_quota=True, project=live)
        checked = alerts.check(settings, request)
        ok = ok and checked.result.source == "cloudwatch" and checked.result.series_read >= 1
        ok = ok and any(a.name == "quota_use" for a in checked.alerts)
        return ok

    _prove(emu, document, run)

    def local_only() -> bool:
        stored = from_store("store", Query(start=datetime.now(UTC) - timedelta(days=7), end=datetime.now(UTC)), store)
        return stored is not None and stored.source == "store" and overview(live, store=store)["events"]["present"]

    nothing = IamEnforcer(Policy({"Version": "2012-10-17", "Statement": []}))
    emu.emulator.iam = nothing
    try:
        assert local_only()
    finally:
        emu.emulator.iam = None
    assert nothing.decisions == []  # not one request, allowed or refused
