"""EmailIdentity with Deterministic Easy DKIM (DEED): a replica in eu-west-1 of the identity in
us-east-1, applied, imported, moved to its own Easy DKIM and back (a replace), against the
emulator over HTTP; and the spec's and the kind's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_support import project
from identity_support import identity
from pydantic import ValidationError

from reconciler.app import apply as applying
from reconciler.app import import_ as importing
from reconciler.app import plan as planning
from reconciler.kinds.email_identity import KIND
from reconciler.kinds.registry import KIND_SPECS
from reconciler.settings import Settings

SPEC = KIND_SPECS["EmailIdentity"]
REPLICA = identity("example.com", "  dkim: {domainSigningAttributesOrigin: AWS_SES_US_EAST_1}\n")
OWN = identity("example.com", "  tags: {team: mail}\n")


def _settings(emulator: Any) -> Settings:
    return Settings(endpoint_url=emulator.endpoint_url, region="eu-west-1", color=False)


def _plan(root: Path, emulator: Any) -> Any:
    return planning.plan(_settings(emulator), planning.PlanRequest(path=root, rate=1000)).plan


def _apply(root: Path, emulator: Any) -> Any:
    outcome = applying.apply(
        _settings(emulator), applying.ApplyRequest(path=root, rate=1000), confirm=lambda plan: True
    )
    assert outcome.result is None or outcome.result.ok, outcome.result
    assert not _plan(root, emulator).has_changes
    return outcome.plan


def test_a_replica_is_applied_imported_left_and_made_again(tmp_path: Path, emulator: Any) -> None:
    parent = emulator.client("sesv2").create_email_identity(EmailIdentity="example.com")
    emulator.admin("verify_identity", identity="example.com")
    replica = emulator.client("sesv2", region="eu-west-1")

    root = project(tmp_path / "stack", {"identities.yaml": REPLICA})
    created = _apply(root, emulator)
    risks = [r.code for c in created.changes for r in c.risks]
    assert "identity_verification" in risks
    dkim = replica.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert (dkim["SigningAttributesOrigin"], dkim["Tokens"]) == ("AWS_SES_US_EAST_1", parent["DkimAttributes"]["Tokens"])

    fresh = tmp_path / "imported"
    fresh.mkdir()
    (fresh / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    imported = importing.import_(_settings(emulator), importing.ImportRequest(project=fresh, rate=1000))
    assert "EmailIdentity/example.com" in imported.imported
    assert "domainSigningAttributesOrigin: AWS_SES_US_EAST_1" in (fresh / "manifests" / "identities.yaml").read_text()
    assert not _plan(fresh, emulator).has_changes

    # Leaving DEED for the identity's own Easy DKIM is in place.
    project(root, {"identities.yaml": OWN})
    left = _apply(root, emulator)
    assert [str(a) for a in left.changes[0].actions] == ["update"]
    assert replica.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["SigningAttributesOrigin"] == "AWS_SES"

    # Becoming a replica again can only be a replace, with its risk named.
    project(root, {"identities.yaml": REPLICA})
    plan = _plan(root, emulator)
    change = plan.changes[0]
    assert change.is_replace and "identity_replaced_for_deed" in [r.code for r in change.risks]
    _apply(root, emulator)
    assert replica.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Tokens"] == (
        parent["DkimAttributes"]["Tokens"]
    )


@pytest.mark.parametrize(
    "dkim",
    [
        {"domainSigningAttributesOrigin": "AWS_SES_US_EAST_1", "selector": "s1"},
        {"domainSigningAttributesOrigin": "AWS_SES_US_EAST_1", "nextSigningKeyLength": "RSA_1024_BIT"},
        {"domainSigningAttributesOrigin": "AWS_SES"},
        {"domainSigningAttributesOrigin": "EXTERNAL"},
        {"domainSigningAttributesOrigin": "AWS_SES_MARS_1"},
    ],
)
def test_the_spec_refuses_what_deed_cannot_be(dkim: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SPEC.model_validate({"dkim": dkim})


def test_a_replica_normalizes_alike_on_both_sides() -> None:
    desired = KIND.normalize_desired("example.com", SPEC.model_validate({"dkim": {"domainSigningAttributesOrigin": "AWS_SES_EU_WEST_1"}}), "s")
    live = KIND.normalize_live(
        {
            "IdentityType": "DOMAIN",
            "VerificationStatus": "SUCCESS",
            "FeedbackForwardingStatus": True,
            "DkimAttributes": {
                "SigningEnabled": True,
                "Status": "SUCCESS",
                "Tokens": ["a", "b", "c"],
                "SigningAttributesOrigin": "AWS_SES_EU_WEST_1",
                "NextSigningKeyLength": "RSA_2048_BIT",
                "SigningHostedZone": "dkim.amazonses.com",
            },
            "Policies": {},
            "Tags": [],
        }
    )
    assert KIND.fill_unmanaged(desired, live) == live
    assert KIND.replace_reason(live, desired) is None
    own = KIND.normalize_desired("example.com", SPEC.model_validate({}), "s")
    assert KIND.replace_reason(live, own) is None  # leaving DEED: in place
    assert "DEED" in str(KIND.replace_reason(own, desired))  # becoming a replica: a replace
