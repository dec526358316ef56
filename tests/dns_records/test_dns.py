"""`sesctl dns` and `sesctl dns check`: records from SES's answer, every output format read back by
a real parser, and checks against a DNS server on 127.0.0.1 for ok, missing, wrong and
conflicting records."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.zone
import pytest
import yaml
from dns_server import Zone, dns_server

from reconciler.dns.check import CONFLICTING, MISSING, OK, WRONG, check, dmarc_problems, failed, make_resolver
from reconciler.dns.formats import as_bind, as_octodns, as_route53
from reconciler.dns.records import SPF_VALUE, IdentityDns, records_for
from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
TOKENS = ("tok1", "tok2", "tok3")


def identity(**changes: Any) -> IdentityDns:
    base: dict[str, Any] = {
        "identity": "example.com",
        "kind": "DOMAIN",
        "region": "eu-west-1",
        "verified": False,
        "dkim_tokens": TOKENS,
        "dkim_status": "PENDING",
        "mail_from_domain": "mail.example.com",
        "mail_from_status": "PENDING",
        "behavior_on_mx_failure": "REJECT_MESSAGE",
    }
    base.update(changes)
    return IdentityDns(**base)


def good_zone() -> Zone:
    zone: Zone = {(f"{t}._domainkey.example.com", "CNAME"): [f"{t}.dkim.amazonses.com."] for t in TOKENS}
    zone[("mail.example.com", "MX")] = ["10 feedback-smtp.eu-west-1.amazonses.com."]
    zone[("mail.example.com", "TXT")] = [f'"{SPF_VALUE}"']
    zone[("_dmarc.example.com", "TXT")] = ['"v=DMARC1; p=none; rua=mailto:dmarc@example.com"']
    return zone


def test_records_for_a_domain_with_easy_dkim_and_mail_from() -> None:
    group = records_for(identity())
    table = {(r.name, r.type): r.value for r in group.records}
    assert table[("tok1._domainkey.example.com", "CNAME")] == "tok1.dkim.amazonses.com"
    assert table[("mail.example.com", "MX")] == "10 feedback-smtp.eu-west-1.amazonses.com"
    assert table[("mail.example.com", "TXT")] == "v=spf1 include:amazonses.com ~all"
    assert table[("_dmarc.example.com", "TXT")].startswith("v=DMARC1; p=none; rua=mailto:")
    assert any("REJECTED until it is verified" in note for note in group.notes)


def test_easy_dkim_cnames_point_into_the_signing_hosted_zone_ses_names() -> None:
    answer = {"IdentityType": "DOMAIN", "DkimAttributes": {"Tokens": ["t1"], "SigningHostedZone": "dkim.zone.test."}}
    group = records_for(IdentityDns.from_ses("example.com", answer, "eu-west-1"))
    assert [r.value for r in group.records if r.purpose == "dkim"] == ["t1.dkim.zone.test"]
    # Easy DKIM has three tokens (one token and nothing else is BYODKIM's selector).
    unnamed = IdentityDns.from_ses("example.com", {"DkimAttributes": {"Tokens": ["t1", "t2", "t3"]}}, "eu-west-1")
    assert [r.value for r in records_for(unnamed).records if r.purpose == "dkim"] == [
        f"t{n}.dkim.amazonses.com" for n in (1, 2, 3)
    ]


def test_without_mail_from_says_spf_does_not_align() -> None:
    group = records_for(identity(mail_from_domain=None))
    assert not any(r.type == "MX" for r in group.records)
    assert any("does not align" in note for note in group.notes)


def test_byodkim_deed_and_email_identities() -> None:
    byo = records_for(identity(dkim_origin="EXTERNAL", dkim_tokens=("sel1",), byodkim_public_key="MIIBIjAN"))
    assert ("sel1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=MIIBIjAN") in [
        (r.name, r.type, r.value) for r in byo.records
    ]
    deed = records_for(identity(dkim_origin="AWS_SES_US_EAST_1", mail_from_domain=None))
    assert not any(r.purpose == "dkim" for r in deed.records)
    assert any("us-east-1 (DEED)" in note for note in deed.notes)
    email = records_for(identity(identity="ada@example.com", kind="EMAIL_ADDRESS"))
    assert email.records == [] and "no DNS" in email.notes[0]


def test_an_answer_without_the_signing_origin_still_tells_byodkim_from_easy_dkim() -> None:
    # GetEmailIdentity answers for older identities leave SigningAttributesOrigin out.
    byo = IdentityDns.from_ses(
        "example.com", {"DkimAttributes": {"Tokens": ["sel1"], "Status": "PENDING"}}, "eu-west-1"
    )
    assert byo.dkim_origin == "EXTERNAL"
    assert not any(r.type == "CNAME" for r in records_for(byo).records)
    easy = IdentityDns.from_ses(
        "example.com", {"DkimAttributes": {"Tokens": ["t1", "t2", "t3"], "Status": "PENDING"}}, "eu-west-1"
    )
    assert easy.dkim_origin == "AWS_SES"
    assert [r.type for r in records_for(easy).records if r.purpose == "dkim"] == ["CNAME"] * 3


def parse_zone(fragment: str) -> dns.zone.Zone:
    head = "@ 3600 IN SOA ns.example.com. host.example.com. 1 7200 900 1209600 86400\n@ 3600 IN NS ns.example.com.\n"
    return dns.zone.from_text(head + fragment, origin="example.com.", relativize=False)


def test_bind_fragment_parses_as_a_zone() -> None:
    zone = parse_zone(as_bind([records_for(identity())]))
    mx = zone.find_rdataset("mail.example.com.", "MX")
    assert [r.to_text() for r in mx] == ["10 feedback-smtp.eu-west-1.amazonses.com."]
    txt = zone.find_rdataset("_dmarc.example.com.", "TXT")
    assert b"".join(next(iter(txt)).strings).startswith(b"v=DMARC1; p=none")


def test_long_txt_values_are_split_into_255_byte_strings() -> None:
    key = "A" * 400
    text = as_bind([records_for(identity(dkim_origin="EXTERNAL", dkim_tokens=("s",), byodkim_public_key=key))])
    line = next(line for line in text.splitlines() if line.startswith("s._domainkey"))
    strings = line.split("\t")[-1]
    assert strings.count('"') == 4  # two strings
    zone = parse_zone(text)
    rdata = next(iter(zone.find_rdataset("s._domainkey.example.com.", "TXT")))
    assert b"".join(rdata.strings) == f"v=DKIM1; k=rsa; p={key}".encode()


def test_route53_change_batch_shape() -> None:
    batch = json.loads(as_route53([records_for(identity())]))
    sets = [c["ResourceRecordSet"] for c in batch["Changes"]]
    assert all(c["Action"] == "UPSERT" for c in batch["Changes"])
    spf = next(s for s in sets if s["Type"] == "TXT" and s["Name"] == "mail.example.com.")
    assert spf["ResourceRecords"] == [{"Value": f'"{SPF_VALUE}"'}]
    cname = next(s for s in sets if s["Type"] == "CNAME")
    assert cname["ResourceRecords"][0]["Value"].endswith(".dkim.amazonses.com.")


def test_octodns_zone_yaml() -> None:
    text = as_octodns([records_for(identity())])
    zone = yaml.safe_load(text.split("---\n", 1)[1])
    assert zone["tok1._domainkey"] == {"type": "CNAME", "ttl": 1800, "value": "tok1.dkim.amazonses.com."}
    mail = {entry["type"]: entry for entry in zone["mail"]}
    assert mail["MX"]["values"] == [{"exchange": "feedback-smtp.eu-west-1.amazonses.com.", "preference": 10}]
    assert zone["_dmarc"]["value"].startswith("v=DMARC1\\; p=none\\;")


def test_check_all_ok() -> None:
    with dns_server(good_zone()) as server:
        findings = check([records_for(identity())], make_resolver(server))
    assert [f.status for f in findings] == [OK] * 6
    assert failed(findings) == []


def test_check_missing_wrong_and_conflicting() -> None:
    zone = good_zone()
    del zone[("tok2._domainkey.example.com", "CNAME")]
    zone[("tok3._domainkey.example.com", "CNAME")] = ["elsewhere.example.net."]
    zone[("mail.example.com", "MX")] = ["10 feedback-smtp.eu-west-1.amazonses.com.", "20 backup.example.com."]
    zone[("mail.example.com", "TXT")] = [f'"{SPF_VALUE}"', '"v=spf1 -all"']
    zone[("_dmarc.example.com", "TXT")] = ['"v=DMARC1; p=maybe"']
    with dns_server(zone) as server:
        findings = {(f.record.name, f.record.type): f for f in check([records_for(identity())], make_resolver(server))}
    assert findings[("tok1._domainkey.example.com", "CNAME")].status == OK
    assert findings[("tok2._domainkey.example.com", "CNAME")].status == MISSING
    assert findings[("tok3._domainkey.example.com", "CNAME")].status == WRONG
    assert findings[("mail.example.com", "MX")].status == CONFLICTING
    spf = findings[("mail.example.com", "TXT")]
    assert spf.status == CONFLICTING and "more than one SPF record" in spf.message
    dmarc = findings[("_dmarc.example.com", "TXT")]
    assert dmarc.status == WRONG and "p=maybe" in dmarc.message


def test_spf_over_ten_lookups_is_conflicting() -> None:
    zone = good_zone()
    includes = " ".join(f"include:spf{i}.example.net" for i in range(10))
    # One TXT string holds at most 255 bytes: the record is two strings, as DNS would serve it.
    zone[("mail.example.com", "TXT")] = [f'"v=spf1 include:amazonses.com " "{includes} ~all"']
    for i in range(10):
        zone[(f"spf{i}.example.net", "TXT")] = ['"v=spf1 ip4:192.0.2.1 ~all"']
    zone[("amazonses.com", "TXT")] = ['"v=spf1 ip4:192.0.2.2 ~all"']
    with dns_server(zone) as server:
        findings = check([records_for(identity())], make_resolver(server))
    spf = next(f for f in findings if f.record.purpose == "mail-from-spf")
    assert spf.status == CONFLICTING and "11 DNS lookups" in spf.message


def test_dmarc_syntax() -> None:
    assert dmarc_problems("v=DMARC1; p=none; rua=mailto:a@example.com") == []
    assert dmarc_problems("p=none; v=DMARC1") == ["it must start with v=DMARC1"]
    assert "the p= tag (policy) is required" in dmarc_problems("v=DMARC1; rua=mailto:a@example.com")
    assert "rua=https://x must be a mailto: address" in dmarc_problems("v=DMARC1; p=none; rua=https://x")
    assert "pct=150 must be 0-100" in dmarc_problems("v=DMARC1; p=reject; pct=150")


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        ses = emulator.client("sesv2")
        ses.create_email_identity(EmailIdentity="example.com")
        ses.put_email_identity_mail_from_attributes(
            EmailIdentity="example.com", MailFromDomain="mail.example.com", BehaviorOnMxFailure="REJECT_MESSAGE"
        )
        yield emulator


def run(emulator: LocalEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env()
    return subprocess.run(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, *args],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )


def test_cli_prints_records_from_the_emulator_and_checks_them(emu: LocalEmulator) -> None:
    tokens = emu.client("sesv2").get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Tokens"]
    listed = run(emu, "dns", "example.com", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)["identities"][0]["records"]
    assert {r["name"] for r in records if r["type"] == "CNAME"} == {f"{t}._domainkey.example.com" for t in tokens}
    zone: Zone = {(f"{t}._domainkey.example.com", "CNAME"): [f"{t}.dkim.amazonses.com."] for t in tokens}
    zone[("mail.example.com", "MX")] = ["10 feedback-smtp.us-east-1.amazonses.com."]
    zone[("mail.example.com", "TXT")] = [f'"{SPF_VALUE}"']
    with dns_server(zone) as server:
        ok = run(emu, "dns", "check", "example.com", "--nameserver", server)
        assert ok.returncode == 0, ok.stdout + ok.stderr  # DMARC missing: reported, not required
        assert "MISSING" in ok.stdout and "(recommended)" in ok.stdout
        del zone[("mail.example.com", "MX")]
        bad = run(emu, "dns", "check", "example.com", "--nameserver", server, "--json")
    assert bad.returncode == 2
    payload = json.loads(bad.stdout)
    assert payload["ok"] is False
    assert [f["status"] for f in payload["findings"] if f["type"] == "MX"] == ["missing"]


def test_cli_unknown_identity_is_a_clear_error(emu: LocalEmulator) -> None:
    result = run(emu, "dns", "nope.example")
    assert result.returncode == 1
    assert "SES has no identity 'nope.example'" in result.stderr and "Traceback" not in result.stderr
