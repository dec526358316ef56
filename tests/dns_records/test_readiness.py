"""`sesctl readiness`: each bulk-sender rule passing and failing, and a domain that passes and one
that fails end to end (emulator over HTTP, a DNS server on 127.0.0.1, an event store file)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dns_server import Zone, dns_server

from reconciler.dns.check import MISSING, OK, WRONG, Finding
from reconciler.dns.facts import complaint_rate
from reconciler.dns.readiness import (
    FAIL,
    PASS,
    UNKNOWN_STATUS,
    WARN,
    MarketingTemplate,
    SenderFacts,
    evaluate,
    worst,
)
from reconciler.dns.records import SPF_VALUE, IdentityDns, records_for
from reconciler.events.store import EventStore
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))


def good_identity(**changes: object) -> IdentityDns:
    base: dict[str, object] = {
        "identity": "example.com",
        "kind": "DOMAIN",
        "region": "us-east-1",
        "verified": True,
        "dkim_tokens": ("a", "b", "c"),
        "dkim_status": "SUCCESS",
        "mail_from_domain": "mail.example.com",
        "mail_from_status": "SUCCESS",
    }
    base.update(changes)
    return IdentityDns(**base)  # type: ignore[arg-type]


def facts(identity: IdentityDns | None = None, **changes: object) -> SenderFacts:
    identity = identity or good_identity()
    findings = [Finding(r, OK, [r.value]) for r in records_for(identity).records]
    base = SenderFacts(
        identity,
        findings,
        [MarketingTemplate("news", True, True)],
        contact_lists_with_topics=1,
        tls_policies={"marketing": "REQUIRE"},
        complaint_rate=0.0004,
        complaint_source="test",
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def by_rule(f: SenderFacts) -> dict[str, str]:
    return {rule.rule: rule.status for rule in evaluate(f)}


def test_a_domain_that_passes_every_rule() -> None:
    rules = evaluate(facts())
    assert {r.rule: r.status for r in rules} == {
        "DKIM": PASS,
        "SPF": PASS,
        "DMARC": PASS,
        "DMARC alignment": PASS,
        "One-click unsubscribe": PASS,
        "TLS": PASS,
        "Complaint rate": PASS,
    }
    assert worst(rules) == PASS


def test_each_rule_fails_on_its_own() -> None:
    assert by_rule(facts(good_identity(dkim_status="PENDING")))["DKIM"] == FAIL
    assert by_rule(facts(good_identity(dkim_signing=False)))["DKIM"] == FAIL
    assert by_rule(facts(good_identity(mail_from_status="FAILED")))["SPF"] == FAIL
    assert by_rule(facts(good_identity(mail_from_domain=None)))["SPF"] == WARN
    no_dmarc = facts()
    no_dmarc.findings = [
        Finding(f.record, MISSING, [], "no DMARC record") if f.record.purpose == "dmarc" else f for f in no_dmarc.findings
    ]
    assert by_rule(no_dmarc)["DMARC"] == FAIL
    bad_spf = facts()
    bad_spf.findings = [
        Finding(f.record, WRONG, ["v=spf1 -all"], "no amazonses") if f.record.purpose == "mail-from-spf" else f
        for f in bad_spf.findings
    ]
    assert by_rule(bad_spf)["SPF"] == FAIL
    unaligned = good_identity(dkim_status="PENDING", mail_from_domain=None)
    assert by_rule(facts(unaligned))["DMARC alignment"] == FAIL
    assert by_rule(facts(marketing_templates=[MarketingTemplate("news", False, False)]))["One-click unsubscribe"] == FAIL
    assert by_rule(facts(marketing_templates=[MarketingTemplate("news", False, True)]))["One-click unsubscribe"] == WARN
    assert by_rule(facts(contact_lists_with_topics=0))["One-click unsubscribe"] == WARN
    assert by_rule(facts(marketing_templates=[]))["One-click unsubscribe"] == PASS
    assert by_rule(facts(complaint_rate=0.004))["Complaint rate"] == FAIL
    assert by_rule(facts(complaint_rate=0.002))["Complaint rate"] == WARN
    assert by_rule(facts(complaint_rate=None))["Complaint rate"] == UNKNOWN_STATUS


def test_complaint_rate_from_the_event_store(tmp_path: Path) -> None:
    store = tmp_path / "events.db"
    EventStore.open(store).close()
    now = time.time()
    conn = sqlite3.connect(store)
    columns = "event_key, message_id, event_type, event_time, committed_at, from_domain"
    rows = [(f"k{i}".encode(), f"m{i}", "delivery", int(now * 1000), 0, "news.example.com") for i in range(1000)]
    rows += [(b"c1", "m1", "complaint", int(now * 1000), 0, "example.com")]
    rows += [(b"c2", "m2", "complaint", int((now - 40 * 86400) * 1000), 0, "example.com")]  # too old
    rows += [(b"o1", "x1", "complaint", int(now * 1000), 0, "other.example")]
    conn.executemany(f"INSERT INTO events ({columns}) VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    assert complaint_rate(store, "example.com", now) == pytest.approx(0.001)
    assert complaint_rate(store, "nothing.example", now) is None
    assert complaint_rate(tmp_path / "none.db", "example.com", now) is None


PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: ready
manifests: manifests
"""
MANIFESTS = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: news}
spec:
  subject: "News"
  html: "<p>News</p><a href='{{amazonSESUnsubscribeUrl}}'>Unsubscribe</a>"
  text: "News. Unsubscribe: {{amazonSESUnsubscribeUrl}}"
  marketing: true
"""


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        ses = emulator.client("sesv2")
        for domain in ("good.example", "bad.example"):
            ses.create_email_identity(EmailIdentity=domain)
            ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"mail.{domain}")
        emulator.admin("verify_identity", identity="good.example", status="SUCCESS", mail_from_status="SUCCESS")
        ses.create_contact_list(ContactListName="news", Topics=[
            {"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"}
        ])
        yield emulator


def test_readiness_end_to_end(emu: LocalEmulator, tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(MANIFESTS)
    ses = emu.client("sesv2")
    zone: Zone = {}
    for domain in ("good.example", "bad.example"):
        tokens = ses.get_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
        for token in tokens:
            zone[(f"{token}._domainkey.{domain}", "CNAME")] = [f"{token}.dkim.amazonses.com."]
    zone[("mail.good.example", "MX")] = ["10 feedback-smtp.us-east-1.amazonses.com."]
    zone[("mail.good.example", "TXT")] = [f'"{SPF_VALUE}"']
    zone[("_dmarc.good.example", "TXT")] = ['"v=DMARC1; p=none; rua=mailto:d@good.example"']
    env = dummy_aws_env()
    with dns_server(zone) as server:
        result = subprocess.run(
            [SESCTL, "--endpoint-url", emu.endpoint_url, "readiness", "--nameserver", server, "--json", "--path", str(tmp_path)],
            capture_output=True, text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120,
        )
    assert result.returncode == 2, result.stderr  # bad.example fails
    domains = {d["domain"]: d for d in json.loads(result.stdout)["domains"]}
    good = {r["rule"]: r["status"] for r in domains["good.example"]["rules"]}
    assert good == {
        "DKIM": "pass",
        "SPF": "pass",
        "DMARC": "pass",
        "DMARC alignment": "pass",
        "One-click unsubscribe": "pass",
        "TLS": "pass",
        "Complaint rate": "unknown",
    }
    bad = {r["rule"]: r["status"] for r in domains["bad.example"]["rules"]}
    assert bad["DKIM"] == "fail" and bad["SPF"] == "fail" and bad["DMARC"] == "fail"
    assert domains["bad.example"]["status"] == "fail"
