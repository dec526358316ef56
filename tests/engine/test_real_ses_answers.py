"""sesctl against answers shaped as real SES gives them, where the emulator answers otherwise:
members left out (Tags, option groups, SigningAttributesOrigin, IdentityType), enum values
newer than sesctl, empty pages that still carry a NextToken, and errors outside the SES model
(``ThrottlingException: Rate exceeded``, a service control policy's AccessDenied).

The answers reach sesctl over HTTP through botocore: the emulator makes the resources and a
FaultProxy in front of it rewrites its answer to the shape SES sends (docs/emulator.md,
"Fidelity", lists each case and its source).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.config import Config
from engine_support import FAST, SESCTL, apply, cli_env, plan, project
from fault_proxy import Answer, FaultProxy

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RateLimits, RetryPolicy
from reconciler.emulator.operations.common import encode_token
from reconciler.errors import AwsError, RetryableAwsError
from reconciler.testing import ACCOUNT_ID, LocalEmulator

HTML_ONLY = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome}
spec:
  subject: Hi {{name}}
  html: <p>Hello {{name}}</p>
---
"""
BARE_SET = """\
apiVersion: sesctl/v1
kind: ConfigurationSet
metadata: {name: marketing}
spec: {}
---
"""
DOMAIN = """\
apiVersion: sesctl/v1
kind: EmailIdentity
metadata: {name: example.com}
spec: {}
---
"""
DESTINATION = """\
apiVersion: sesctl/v1
kind: EventDestination
metadata: {name: feedback}
spec:
  configurationSet: marketing
  enabled: true
  matchingEventTypes: [BOUNCE, COMPLAINT]
  cloudWatchDestination:
    dimensionConfigurations:
      - {dimensionName: campaign, dimensionValueSource: MESSAGE_TAG, defaultDimensionValue: none}
---
"""


def through(proxy: FaultProxy) -> Any:
    """What engine_support's plan/apply take for an endpoint: the proxy's URL."""
    return SimpleNamespace(endpoint_url=proxy.url)


def without(*members: str, inside: str | None = None) -> Any:
    """A rewrite dropping ``members`` from the answer (or from its ``inside`` member)."""

    def rewrite(answer: Answer) -> Answer:
        target = answer.document.get(inside, {}) if inside else answer.document
        for member in members:
            target.pop(member, None)
        return answer

    return rewrite


def sesctl_through(proxy: FaultProxy, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--no-color", "--endpoint-url", proxy.url, *args],
        cwd=root,
        env=cli_env(None),
        capture_output=True,
        text=True,
        timeout=120,
    )


def gateway_on(url: str) -> SesGateway:
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"total_max_attempts": 1}),
    )
    return SesGateway(
        client,
        limits=RateLimits(default=1000, burst=1000),
        retry=RetryPolicy(max_attempts=4, base=0.01, cap=0.02),
        account_id=ACCOUNT_ID,
        seed=1,
    )


# -- members SES leaves out --------------------------------------------------------------------


def test_a_template_answer_without_tags_or_text_plans_no_change(tmp_path: Path, emulator: LocalEmulator) -> None:
    # SES answers GetEmailTemplate without Tags (its answers predate the member) and without
    # Text when only Html was set; the owner tag then comes from ListTagsForResource.
    root = project(tmp_path, {"t.yaml": HTML_ONLY})
    assert apply(root, emulator).result is not None
    rewrite = {("GET", "/v2/email/templates/welcome"): without("Tags")}
    with FaultProxy(emulator.endpoint_url, rewrite=rewrite) as proxy:
        result = plan(root, through(proxy))
    assert proxy.rewritten == ["GET /v2/email/templates/welcome"]
    assert result.plan.has_changes is False, result.plan.to_json()


def test_a_configuration_set_answer_with_only_its_name_plans_no_change(
    tmp_path: Path, emulator: LocalEmulator
) -> None:
    root = project(tmp_path, {"s.yaml": BARE_SET})
    assert apply(root, emulator).result is not None
    rewrite = {
        ("GET", "/v2/email/configuration-sets/marketing"): without(
            "Tags", "SendingOptions", "ReputationOptions", "DeliveryOptions", "SuppressionOptions", "VdmOptions"
        )
    }
    with FaultProxy(emulator.endpoint_url, rewrite=rewrite) as proxy:
        result = plan(root, through(proxy))
    assert proxy.rewritten, "the proxy saw no GetConfigurationSet"
    assert result.plan.has_changes is False, result.plan.to_json()


def test_an_identity_answer_without_signing_origin_type_or_key_lengths_plans_no_change(
    tmp_path: Path, emulator: LocalEmulator
) -> None:
    root = project(tmp_path, {"i.yaml": DOMAIN})
    assert apply(root, emulator).result is not None
    dkim = without("SigningAttributesOrigin", "NextSigningKeyLength", "CurrentSigningKeyLength", inside="DkimAttributes")

    def older(answer: Answer) -> Answer:
        answer.document.pop("IdentityType", None)
        answer.document.pop("Tags", None)
        return dkim(answer)

    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/identities/example.com"): older}) as proxy:
        result = plan(root, through(proxy))
    assert proxy.rewritten
    assert result.plan.has_changes is False, result.plan.to_json()


def test_a_domain_without_dkim_gets_easy_dkim_set_up_not_just_switched_on(
    tmp_path: Path, emulator: LocalEmulator
) -> None:
    # A domain verified by SES v1's TXT record has no DKIM: no tokens, no key length. Turning
    # signing on alone would leave nothing to sign with; apply sets Easy DKIM up.
    root = project(tmp_path, {"i.yaml": DOMAIN})
    assert apply(root, emulator).result is not None

    def no_dkim(answer: Answer) -> Answer:
        answer.document["DkimAttributes"] = {
            "SigningEnabled": False,
            "Status": "NOT_STARTED",
            "Tokens": [],
            "SigningAttributesOrigin": "AWS_SES",
        }
        return answer

    rewrite = {
        ("GET", "/v2/email/identities/example.com"): no_dkim,
        ("PUT", "/v2/email/identities/example.com/dkim/signing"): lambda answer: answer,  # seen, passed on
    }
    with FaultProxy(emulator.endpoint_url, rewrite=rewrite) as proxy:
        result = plan(root, through(proxy))
        fields = {f.path: (f.before, f.after) for c in result.plan.changes for f in c.fields}
        assert fields.get("dkim.next_signing_key_length") == (None, "RSA_2048_BIT"), fields
        outcome = apply(root, through(proxy))
    assert outcome.result is not None and outcome.result.ok
    assert "PUT /v2/email/identities/example.com/dkim/signing" in proxy.rewritten


def test_byodkim_is_recognised_by_its_single_selector_token() -> None:
    from reconciler.kinds.email_identity import KIND

    normalized = KIND.normalize_live(
        {"IdentityName": "example.com", "DkimAttributes": {"SigningEnabled": True, "Status": "SUCCESS", "Tokens": ["s1"]}}
    )
    assert normalized["dkim"]["selector"] == "s1"
    assert normalized["dkim"]["next_signing_key_length"] is None
    address = KIND.normalize_live({"IdentityName": "a@example.com", "DkimAttributes": {}})
    assert address["dkim"] is None


def test_a_disabled_validation_threshold_keeps_no_confidence_level(tmp_path: Path, emulator: LocalEmulator) -> None:
    # SES goes on answering the last OverallConfidenceThreshold after ConditionThresholdEnabled
    # became DISABLED (terraform-provider-aws #48236): that is no difference.
    manifest = BARE_SET.replace(
        "spec: {}",
        "spec:\n  suppressionOptions:\n    suppressedReasons: [BOUNCE]\n"
        "    validationOptions: {conditionThreshold: {conditionThresholdEnabled: DISABLED}}",
    )
    root = project(tmp_path, {"s.yaml": manifest})
    assert apply(root, emulator).result is not None

    def stale_level(answer: Answer) -> Answer:
        threshold = answer.document["SuppressionOptions"]["ValidationOptions"]["ConditionThreshold"]
        threshold["OverallConfidenceThreshold"] = {"ConfidenceVerdictThreshold": "HIGH"}
        return answer

    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/configuration-sets/marketing"): stale_level}) as proxy:
        result = plan(root, through(proxy))
    assert proxy.rewritten
    assert result.plan.has_changes is False, result.plan.to_json()


# -- values newer than sesctl --------------------------------------------------------------------


def test_enum_values_sesctl_does_not_know_are_shown_not_fatal(tmp_path: Path, emulator: LocalEmulator) -> None:
    root = project(tmp_path, {"s.yaml": BARE_SET, "d.yaml": DESTINATION, "i.yaml": DOMAIN})
    assert apply(root, emulator).result is not None

    def newer_identity(answer: Answer) -> Answer:
        answer.document["VerificationStatus"] = "QUARANTINED"
        answer.document["DkimAttributes"]["Status"] = "REVOKED"
        answer.document["DkimAttributes"]["NextSigningKeyLength"] = "RSA_4096_BIT"
        return answer

    def newer_destinations(answer: Answer) -> Answer:
        for destination in answer.document["EventDestinations"]:
            destination["MatchingEventTypes"].append("FUTURE_EVENT")
        return answer

    def newer_set(answer: Answer) -> Answer:
        answer.document["DeliveryOptions"] = {"TlsPolicy": "REQUIRE_DANE"}
        return answer

    rewrite = {
        ("GET", "/v2/email/identities/example.com"): newer_identity,
        ("GET", "/v2/email/configuration-sets/marketing/event-destinations"): newer_destinations,
        ("GET", "/v2/email/configuration-sets/marketing"): newer_set,
    }
    with FaultProxy(emulator.endpoint_url, rewrite=rewrite) as proxy:
        result = sesctl_through(proxy, root, "plan", "--rate", FAST)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 0, output
    for value in ("RSA_4096_BIT", "FUTURE_EVENT", "REQUIRE_DANE", "QUARANTINED", "DKIM REVOKED"):
        assert value in output, value


# -- paging ----------------------------------------------------------------------------------------


def test_an_empty_page_with_a_next_token_is_followed(tmp_path: Path, emulator: LocalEmulator, ses: Any) -> None:
    for name in ("a", "b"):
        ses.create_email_template(TemplateName=name, TemplateContent={"Subject": "s", "Text": "t"})
    pages = {"n": 0}

    def empty_first(answer: Answer) -> Answer:
        pages["n"] += 1
        if pages["n"] == 1:  # SES may answer a page with no items and a token to go on with
            return Answer(200, {"TemplatesMetadata": [], "NextToken": encode_token("")})
        return answer

    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/templates"): empty_first}) as proxy:
        names = [m["TemplateName"] for m in gateway_on(proxy.url).paginate("ListEmailTemplates", "TemplatesMetadata")]
    assert names == ["a", "b"] and pages["n"] == 2


def test_a_next_token_answered_twice_stops_the_listing_with_an_error(emulator: LocalEmulator) -> None:
    stuck = Answer(200, {"TemplatesMetadata": [], "NextToken": encode_token("")})
    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/templates"): lambda _: stuck}) as proxy:
        with pytest.raises(RetryableAwsError) as caught:
            gateway_on(proxy.url).paginate("ListEmailTemplates", "TemplatesMetadata", cached=False)
    assert caught.value.code == "RepeatedNextToken"


def test_a_page_size_ses_refuses_falls_back_to_its_default(tmp_path: Path, emulator: LocalEmulator, ses: Any) -> None:
    # The model states no PageSize cap for most List operations; if SES's is lower than what
    # sesctl asks for, the listing goes on with SES's default page size.
    ses.create_email_template(TemplateName="a", TemplateContent={"Subject": "s", "Text": "t"})
    asked: list[str] = []

    def capped(answer: Answer) -> Answer:
        asked.append(answer.query)
        if "PageSize" in answer.query:
            message = (
                "1 validation error detected: Value '100' at 'pageSize' failed to satisfy constraint: "
                "Member must have value less than or equal to 50"
            )
            return Answer(400, {"message": message}, "BadRequestException")
        return answer

    root = project(tmp_path, {"t.yaml": HTML_ONLY})
    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/templates"): capped}) as proxy:
        result = plan(root, through(proxy), prune=True)
    assert asked == ["PageSize=100", ""]
    assert [c.address for c in result.plan.changes] == ["EmailTemplate/welcome"]


# -- errors -------------------------------------------------------------------------------------


def test_throttling_exception_rate_exceeded_is_retried(emulator: LocalEmulator) -> None:
    # Throttling outside SES's own TooManyRequestsException: code ThrottlingException, HTTP 400,
    # "Rate exceeded" (the AWS front door's refusal).
    refusals = {"n": 0}

    def throttled_twice(answer: Answer) -> Answer:
        refusals["n"] += 1
        if refusals["n"] <= 2:
            return Answer(400, {"message": "Rate exceeded"}, "ThrottlingException")
        return answer

    with FaultProxy(emulator.endpoint_url, rewrite={("GET", "/v2/email/account"): throttled_twice}) as proxy:
        gateway = gateway_on(proxy.url)
        assert "SendQuota" in gateway.call("GetAccount")
    assert gateway.throttles["GetAccount"] == 2 and gateway.retries["GetAccount"] == 2


def test_a_service_control_policy_refusal_says_an_allow_cannot_help(emulator: LocalEmulator) -> None:
    message = (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/ci is not authorized to perform: ses:GetAccount on resource: "
        f"arn:aws:ses:us-east-1:{ACCOUNT_ID}:* with an explicit deny in a service control policy"
    )
    refuse = {("GET", "/v2/email/account"): lambda _: Answer(403, {"message": message}, "AccessDeniedException")}
    with FaultProxy(emulator.endpoint_url, rewrite=refuse) as proxy:
        with pytest.raises(AwsError) as caught:
            gateway_on(proxy.url).call("GetAccount")
    assert not isinstance(caught.value, RetryableAwsError)
    assert "service control policy" in (caught.value.hint or "")
    assert "Add the IAM action" not in (caught.value.hint or "")


ALLOW_ALL_BUT_DELETES = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ses:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ses:DeleteEmailTemplate", "Resource": "*"},
    ],
}


def test_an_explicit_deny_and_a_missing_allow_get_different_advice() -> None:
    from reconciler.testing import local_emulator

    with local_emulator(iam_policy=ALLOW_ALL_BUT_DELETES) as emu:
        gateway = gateway_on(emu.endpoint_url)
        with pytest.raises(AwsError) as denied:
            gateway.call("DeleteEmailTemplate", TemplateName="welcome")
    assert "with an explicit deny in an identity-based policy" in str(denied.value)
    assert "Deny statement" in (denied.value.hint or "")
    with local_emulator(iam_policy={"Version": "2012-10-17", "Statement": []}) as emu:
        with pytest.raises(AwsError) as missing:
            gateway_on(emu.endpoint_url).call("GetAccount")
    assert "because no identity-based policy allows the ses:GetAccount action" in str(missing.value)
    assert "Add the IAM action ses:GetAccount" in (missing.value.hint or "")


def test_concurrent_modification_is_retried_and_a_quota_is_not(emulator: LocalEmulator) -> None:
    # SES's ConcurrentModificationException (HTTP 500) is worth a retry; LimitExceededException
    # (a quota) is not, and says which quotas there are.
    emulator.configure(
        fault_rate=0.5, fault_kind="ConcurrentModificationException", fault_operations=["CreateConfigurationSet"], seed=1
    )
    gateway = gateway_on(emulator.endpoint_url)
    gateway.call("CreateConfigurationSet", ConfigurationSetName="marketing")
    assert gateway.retries["CreateConfigurationSet"] >= 1
    emulator.configure(fault_rate=1.0, fault_kind="LimitExceededException", fault_operations=["CreateEmailTemplate"])
    with pytest.raises(AwsError) as caught:
        gateway.call("CreateEmailTemplate", TemplateName="t", TemplateContent={"Subject": "s", "Text": "t"})
    assert not isinstance(caught.value, RetryableAwsError)
    assert gateway.calls["CreateEmailTemplate"] == 1
    assert "20,000 templates" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("status", "code", "message", "advice"),
    [
        (
            403,
            "InvalidSignatureException",
            "Signature expired: 20261205T100000Z is now earlier than 20261205T100500Z (20261205T101000Z - 5 min.)",
            "clock is off",
        ),
        (
            400,
            "ValidationException",
            "1 validation error detected: Value 'x y' at 'templateName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
            "the field TemplateName",
        ),
    ],
    ids=["clock-skew", "front-door-validation"],
)
def test_aws_wide_refusals_get_advice(
    emulator: LocalEmulator, status: int, code: str, message: str, advice: str
) -> None:
    refuse = {("GET", "/v2/email/templates/welcome"): lambda _: Answer(status, {"message": message}, code)}
    with FaultProxy(emulator.endpoint_url, rewrite=refuse) as proxy:
        gateway = gateway_on(proxy.url)
        with pytest.raises(AwsError) as caught:
            gateway.call("GetEmailTemplate", TemplateName="welcome")
    assert not isinstance(caught.value, RetryableAwsError)
    assert caught.value.code == code and gateway.calls["GetEmailTemplate"] == 1
    assert advice in (caught.value.hint or "")
