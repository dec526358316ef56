"""DNS-backed verification in the emulator (opt-in): a domain identity's DKIM records and MAIL
FROM MX, resolved through a DNS server on 127.0.0.1, decide its statuses; and the journey a user
takes: apply, `sesctl dns` (BIND), publish, `sesctl dns check`, verified."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import dns.zone
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dns_server import Zone, dns_server

from reconciler.emulator.admin_client import AdminError
from reconciler.testing import dummy_aws_env, local_emulator, served_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
MX = ["10 feedback-smtp.us-east-1.amazonses.com."]


def _statuses(ses: Any, name: str = "example.com") -> tuple[str, str, str | None]:
    got = ses.get_email_identity(EmailIdentity=name)
    mail_from = (got.get("MailFromAttributes") or {}).get("MailFromDomainStatus")
    return got["VerificationStatus"], got["DkimAttributes"]["Status"], mail_from


def _cnames(tokens: list[str]) -> Zone:
    return {(f"{t}._domainkey.example.com", "CNAME"): [f"{t}.dkim.amazonses.com."] for t in tokens}


def test_easy_dkim_and_mail_from_follow_dns() -> None:
    zone: Zone = {}
    with dns_server(zone) as server, local_emulator(verify_dns=True, nameserver=server) as emu:
        ses = emu.client("sesv2")
        tokens = ses.create_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Tokens"]
        ses.put_email_identity_mail_from_attributes(EmailIdentity="example.com", MailFromDomain="mail.example.com")
        assert _statuses(ses) == ("PENDING", "PENDING", "PENDING")
        zone.update(dict(list(_cnames(tokens).items())[:2]))  # two of three: not yet
        assert _statuses(ses)[:2] == ("PENDING", "PENDING")
        zone.update(_cnames(tokens))
        assert _statuses(ses) == ("SUCCESS", "SUCCESS", "PENDING")
        assert ses.get_email_identity(EmailIdentity="example.com")["VerifiedForSendingStatus"] is True
        zone[("mail.example.com", "MX")] = MX
        assert _statuses(ses) == ("SUCCESS", "SUCCESS", "SUCCESS")
        # A record taken away after success: FAILED (SES's "unable to detect the records").
        del zone[(f"{tokens[0]}._domainkey.example.com", "CNAME")]
        zone[("mail.example.com", "MX")] = ["10 mx.elsewhere.test."]
        assert _statuses(ses) == ("FAILED", "FAILED", "FAILED")
        assert [i["VerificationStatus"] for i in ses.list_email_identities()["EmailIdentities"]] == ["FAILED"]
        # An address identity is verified by mail, never by DNS.
        ses.create_email_identity(EmailIdentity="ops@example.com")
        assert ses.get_email_identity(EmailIdentity="ops@example.com")["VerificationStatus"] == "PENDING"


def test_byodkim_needs_the_public_key_of_the_key_given() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = base64.b64encode(
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).decode()
    zone: Zone = {("s1._domainkey.example.com", "TXT"): ['"v=DKIM1; k=rsa; p=MIIBsomeoneelse"']}
    with dns_server(zone) as server, local_emulator(verify_dns=True, nameserver=server) as emu:
        ses = emu.client("sesv2")
        ses.create_email_identity(
            EmailIdentity="example.com",
            DkimSigningAttributes={"DomainSigningSelector": "s1", "DomainSigningPrivateKey": base64.b64encode(der).decode()},
        )
        assert _statuses(ses)[:2] == ("PENDING", "PENDING")  # another key is published
        zone[("s1._domainkey.example.com", "TXT")] = [f'"v=DKIM1; k=rsa; p={public}"']
        assert _statuses(ses)[:2] == ("SUCCESS", "SUCCESS")


def test_a_resolver_that_does_not_answer_is_a_temporary_failure() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with local_emulator(verify_dns=True, nameserver=f"127.0.0.1:{port}") as emu:  # nothing listens there
        ses = emu.client("sesv2")
        ses.create_email_identity(EmailIdentity="example.com")
        assert _statuses(ses)[:2] == ("TEMPORARY_FAILURE", "TEMPORARY_FAILURE")
        found = emu.admin("check_dns", identity="example.com")
        assert {r["status"] for r in found[0]["Records"]} == {"unknown"}


def test_off_by_default_dns_changes_nothing() -> None:
    zone: Zone = {}
    with dns_server(zone) as server, local_emulator() as emu:
        ses = emu.client("sesv2")
        tokens = ses.create_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Tokens"]
        zone.update(_cnames(tokens))
        assert server and _statuses(ses)[:2] == ("PENDING", "PENDING")
        with pytest.raises(AdminError, match="--verify-dns"):
            emu.admin("check_dns")


def _run(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env()
    return subprocess.run(
        [SESCTL, "--endpoint-url", url, *args],
        capture_output=True, text=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def test_apply_publish_check_and_verified_end_to_end(tmp_path: Path) -> None:
    """The journey docs/identities-dns.md describes, through the real executable."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n")
    (tmp_path / "manifests" / "identities.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: EmailIdentity\nmetadata: {name: example.com}\n"
        "spec: {mailFrom: {domain: mail.example.com}}\n"
    )
    zone: Zone = {}
    with dns_server(zone) as server, served_emulator(
        tmp_path / "state.json", "--verify-dns", "--nameserver", server
    ) as (_, url):
        applied = _run(url, tmp_path, "apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        before = _run(url, tmp_path, "dns", "check", "example.com", "--nameserver", server)
        assert before.returncode == 2, before.stdout

        bind = _run(url, tmp_path, "dns", "example.com", "--format", "bind")
        assert bind.returncode == 0, bind.stderr
        head = "@ 3600 IN SOA ns.example.com. host.example.com. 1 7200 900 1209600 86400\n@ 3600 IN NS ns.example.com.\n"
        parsed = dns.zone.from_text(head + bind.stdout, origin="example.com.", relativize=False)
        for name, rdataset in parsed.iterate_rdatasets():  # publish what sesctl printed
            kind = dns.rdatatype.to_text(rdataset.rdtype)
            if kind not in ("SOA", "NS"):
                zone[(name.to_text().rstrip(".").lower(), kind)] = [r.to_text() for r in rdataset]

        after = _run(url, tmp_path, "dns", "check", "example.com", "--nameserver", server)
        assert after.returncode == 0, after.stdout + after.stderr
        planned = _run(url, tmp_path, "plan")
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert "No changes" in planned.stdout or "no changes" in planned.stdout.lower()
        ses = boto3.client(
            "sesv2", endpoint_url=url, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"
        )
        assert _statuses(ses) == ("SUCCESS", "SUCCESS", "SUCCESS")


def test_serve_refuses_a_nameserver_without_verify_dns(tmp_path: Path) -> None:
    done = subprocess.run(
        [SESCTL, "local", "serve", "--port", "0", "--state", str(tmp_path / "s.json"), "--nameserver", "127.0.0.1:53"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1 and "--verify-dns" in done.stderr and "Traceback" not in done.stderr
