"""EmailIdentity: normalization, risks, and BYODKIM keys that never leave apply's SES call."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_support import project, sesctl
from identity_support import POLICY, identity, key_body, private_key_pem

from reconciler.kinds.email_identity import KIND
from reconciler.kinds.registry import KIND_SPECS

SPEC = KIND_SPECS["EmailIdentity"]


def _desired(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return KIND.normalize_desired(name, SPEC.model_validate(spec), "s")


def _live(**raw: Any) -> dict[str, Any]:
    base = {
        "IdentityType": "DOMAIN",
        "VerificationStatus": "SUCCESS",
        "FeedbackForwardingStatus": True,
        "DkimAttributes": {
            "SigningEnabled": True,
            "Status": "SUCCESS",
            "Tokens": ["t1", "t2", "t3"],
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_2048_BIT",
        },
        "Policies": {},
        "Tags": [],
    }
    return KIND.normalize_live({**base, **raw})


def _same(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    return KIND.fill_unmanaged(desired, live) == live


def test_a_bare_domain_manifest_is_what_a_new_domain_reports() -> None:
    assert _same(_desired("example.com", {}), _live())


def test_an_address_has_no_dkim_and_compares_its_feedback_flag() -> None:
    address = _live(IdentityType="EMAIL_ADDRESS", FeedbackForwardingStatus=False)
    assert address["dkim"] is None
    assert _same(_desired("ops@example.com", {"feedbackForwarding": False}), address)
    assert not _same(_desired("ops@example.com", {}), address)


def test_policies_compare_as_json_not_as_text() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}
    live = _live(Policies={"p": json.dumps(document, indent=4)})
    assert _same(_desired("example.com", {"policies": {"p": json.dumps(document)}}), live)
    assert _same(_desired("example.com", {"policies": {"p": document}}), live)
    changed = {**document, "Version": "2008-10-17"}
    assert not _same(_desired("example.com", {"policies": {"p": changed}}), live)


def test_a_byodkim_key_is_sent_only_while_ses_does_not_hold_it() -> None:
    spec = {"dkim": {"selector": "s1", "privateKey": {"env": "K"}}}
    held = _live(
        DkimAttributes={
            "SigningEnabled": True,
            "Status": "SUCCESS",
            "Tokens": ["s1"],
            "SigningAttributesOrigin": "EXTERNAL",
        }
    )
    assert _same(_desired("example.com", spec), held)  # same selector: nothing to send
    other = {"dkim": {"selector": "s2", "privateKey": {"env": "K"}}}
    filled = KIND.fill_unmanaged(_desired("example.com", other), held)
    assert filled["dkim"]["private_key"] == {"env": "K"}  # a new selector: the key must go


def test_risks_deleting_a_verified_identity_is_high_and_pending_dns_is_named() -> None:
    verified = _live()
    (risk,) = KIND.risks("example.com", verified, None)
    assert (risk.code, risk.severity) == ("verified_identity_deleted", "high")
    assert KIND.risks("example.com", _live(VerificationStatus="PENDING"), None) == []
    pending = _live(
        VerificationStatus="PENDING",
        DkimAttributes={
            "SigningEnabled": True,
            "Status": "PENDING",
            "Tokens": ["abc"],
            "SigningAttributesOrigin": "AWS_SES",
        },
        MailFromAttributes={
            "MailFromDomain": "mail.example.com",
            "MailFromDomainStatus": "PENDING",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
        },
    )
    after = {**pending, "feedback_forwarding": False}
    notes = {r.code: r.message for r in KIND.risks("example.com", pending, after)}
    assert "CNAME abc._domainkey.example.com -> abc.dkim.amazonses.com" in notes["identity_not_verified"]
    assert "MAIL FROM mail.example.com PENDING" in notes["identity_not_verified"]


def test_manifests_refuse_a_key_in_place_of_a_reference() -> None:
    with pytest.raises(ValueError, match="privateKey"):
        SPEC.model_validate({"dkim": {"privateKey": {"env": "K"}}})
    with pytest.raises(ValueError):
        SPEC.model_validate({"dkim": {"selector": "s1", "privateKey": private_key_pem()}})
    with pytest.raises(ValueError, match="exactly one"):
        SPEC.model_validate({"dkim": {"selector": "s1", "privateKey": {"env": "K", "file": "/k"}}})


def _secret_fragments() -> list[str]:
    body = key_body()
    return [body[i : i + 24] for i in range(0, len(body) - 24, 97)]


def _assert_never_printed(result: subprocess.CompletedProcess[str]) -> None:
    text = result.stdout + result.stderr
    for fragment in _secret_fragments():
        assert fragment not in text


def test_a_byodkim_key_never_appears_in_plans_output_or_errors(
    tmp_path: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"  dkim: {{selector: s1, privateKey: {{env: SESCTL_TEST_DKIM_KEY}}}}\n  policies: {{allow: {POLICY}}}\n"
    root = project(tmp_path / "stack", {"identity.yaml": identity("example.com", spec)})
    emulator.admin("configure_identities", default_status="SUCCESS")

    unset = sesctl(root, emulator, "apply", "--auto-approve")  # the variable is not set yet
    assert (
        unset.returncode == 1
        and "environment variable SESCTL_TEST_DKIM_KEY is not set" in unset.stdout + unset.stderr
    )
    assert "Traceback" not in unset.stderr

    monkeypatch.setenv(
        "SESCTL_TEST_DKIM_KEY", "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n"
    )
    bad = sesctl(root, emulator, "apply", "--auto-approve")
    assert bad.returncode == 1 and "neither a PEM private key nor base64" in bad.stdout + bad.stderr
    assert "not base64 at all" not in bad.stdout + bad.stderr

    monkeypatch.setenv("SESCTL_TEST_DKIM_KEY", private_key_pem())
    outputs = [
        sesctl(root, emulator, "plan"),
        sesctl(root, emulator, "plan", "--json"),
        sesctl(root, emulator, "plan", "--markdown"),
    ]
    for planned in outputs:
        assert planned.returncode == 0, planned.stderr
        assert "SESCTL_TEST_DKIM_KEY" in planned.stdout  # the reference is shown, the key never
        _assert_never_printed(planned)
    applied = sesctl(root, emulator, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    _assert_never_printed(applied)
    dkim = emulator.client("sesv2").get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert (dkim["SigningAttributesOrigin"], dkim["Tokens"]) == ("EXTERNAL", ["s1"])
    again = sesctl(root, emulator, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_key_file_inside_a_git_work_tree_is_refused(tmp_path: Path, emulator: Any) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    key = repository / "secrets" / "dkim.pem"
    key.parent.mkdir()
    key.write_text(private_key_pem())
    spec = f"  dkim: {{selector: s1, privateKey: {{file: {str(key)!r}}}}}\n"
    root = project(tmp_path / "stack", {"identity.yaml": identity("example.com", spec)})
    refused = sesctl(root, emulator, "apply", "--auto-approve")
    assert refused.returncode == 1 and "is inside the git work tree" in refused.stdout + refused.stderr
    _assert_never_printed(refused)
    key.rename(tmp_path / "dkim.pem")  # outside any work tree: accepted
    spec = f"  dkim: {{selector: s1, privateKey: {{file: {str(tmp_path / 'dkim.pem')!r}}}}}\n"
    project(root, {"identity.yaml": identity("example.com", spec)})
    accepted = sesctl(root, emulator, "apply", "--auto-approve")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    _assert_never_printed(accepted)


def test_a_key_from_secrets_manager(tmp_path: Path, emulator: Any) -> None:
    emulator.client("secretsmanager").create_secret(Name="prod/ses/dkim", SecretString=private_key_pem())
    spec = "  dkim: {selector: s1, privateKey: {secretsManager: prod/ses/dkim}}\n"
    root = project(tmp_path / "stack", {"identity.yaml": identity("example.com", spec)})
    applied = sesctl(root, emulator, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    _assert_never_printed(applied)
    missing = identity("example.org", "  dkim: {selector: s1, privateKey: {secretsManager: no/such}}\n")
    project(root, {"identity.yaml": identity("example.com", spec) + missing})
    refused = sesctl(root, emulator, "apply", "--auto-approve")
    assert (
        refused.returncode == 1
        and "cannot read Secrets Manager secret no/such" in refused.stdout + refused.stderr
    )
