"""Resolve each record an identity needs and say whether DNS has it: ok, missing, wrong value or
conflicting (two SPF records, SPF over RFC 7208's 10 lookups, two MX, DMARC syntax).

Queries go to the system resolver or to ``--nameserver HOST[:PORT]`` (a test runs its own DNS
server on 127.0.0.1). Every query has a deadline, so a dead resolver costs seconds, not hours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from reconciler.dns.findings import CONFLICTING, MISSING, OK, UNKNOWN, WRONG, Finding
from reconciler.dns.records import IdentityRecords, Record
from reconciler.errors import UsageError

SPF_LOOKUP_LIMIT = 10  # RFC 7208 section 4.6.4
_LOOKUP_TERMS = re.compile(r"^[+?~-]?(include:|a\b|a:|a/|mx\b|mx:|mx/|ptr\b|ptr:|exists:)|^redirect=", re.IGNORECASE)
_DMARC_POLICIES = ("none", "quarantine", "reject")


def make_resolver(nameserver: str | None = None, timeout: float = 2.0) -> dns.resolver.Resolver:
    if nameserver is None:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration as exc:
            raise UsageError("no DNS resolver is configured here", hint="Pass --nameserver HOST[:PORT].") from exc
    else:
        host, _, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (nameserver, "", "")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        if port:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise UsageError(f"--nameserver {nameserver!r}: the port must be 1-65535")
            resolver.port = int(port)
    resolver.timeout = timeout
    resolver.lifetime = timeout * 2
    return resolver


def _lookup(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> list[str] | None:
    """The answers (as text), [] when the name has none of that type, None when DNS failed."""
    try:
        answer = resolver.resolve(dns.name.from_text(name), rdtype, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException):
        return None
    if answer.rrset is None:
        return []
    values = []
    for rdata in answer.rrset:
        if rdata.rdtype == dns.rdatatype.TXT:
            values.append(b"".join(rdata.strings).decode("utf-8", "replace"))
        else:
            values.append(rdata.to_text())
    return values


def _norm(host: str) -> str:
    return host.strip().rstrip(".").lower()


def spf_lookups(resolver: dns.resolver.Resolver, record: str, depth: int = 0, seen: set[str] | None = None) -> int:
    """DNS lookups an SPF record costs, includes and redirects followed (bounded)."""
    seen = seen if seen is not None else set()
    count = 0
    for term in record.split()[1:]:
        if not _LOOKUP_TERMS.match(term):
            continue
        count += 1
        lowered = term.lower().lstrip("+?~-")
        target = lowered.split(":", 1)[1] if lowered.startswith("include:") else None
        if lowered.startswith("redirect="):
            target = lowered.split("=", 1)[1]
        if target and depth < SPF_LOOKUP_LIMIT and target not in seen:
            seen.add(target)
            for text in _lookup(resolver, target, "TXT") or []:
                if text.lower().startswith("v=spf1"):
                    count += spf_lookups(resolver, text, depth + 1, seen)
    return count


def dmarc_problems(text: str) -> list[str]:
    """What is wrong with a DMARC record's syntax (RFC 7489 section 6.3), [] when it is fine."""
    tags = [part.strip() for part in text.split(";") if part.strip()]
    if not tags or tags[0].replace(" ", "") != "v=DMARC1":
        return ["it must start with v=DMARC1"]
    problems = []
    parsed: dict[str, str] = {}
    for tag in tags[1:]:
        key, sep, value = tag.partition("=")
        if not sep:
            problems.append(f"{tag!r} is not a tag=value pair")
            continue
        parsed[key.strip().lower()] = value.strip()
    policy = parsed.get("p")
    if policy is None:
        problems.append("the p= tag (policy) is required")
    elif policy.lower() not in _DMARC_POLICIES:
        problems.append(f"p={policy} is not one of none, quarantine, reject")
    for uri_tag in ("rua", "ruf"):
        for uri in filter(None, (u.strip() for u in parsed.get(uri_tag, "").split(","))):
            if not uri.lower().startswith("mailto:"):
                problems.append(f"{uri_tag}={uri} must be a mailto: address")
    pct = parsed.get("pct")
    if pct is not None and not (pct.isdigit() and 0 <= int(pct) <= 100):
        problems.append(f"pct={pct} must be 0-100")
    return problems


def check_record(resolver: dns.resolver.Resolver, record: Record) -> Finding:
    if record.type == "CNAME":
        found = _lookup(resolver, record.name, "CNAME")
        if found is None:
            return Finding(record, UNKNOWN, message="DNS did not answer")
        if not found:
            return Finding(record, MISSING, message="no CNAME")
        if any(_norm(v) == _norm(record.value) for v in found):
            return Finding(record, OK, found)
        return Finding(record, WRONG, found, f"points to {found[0]}, expected {record.value}")
    if record.type == "MX":
        found = _lookup(resolver, record.name, "MX")
        if found is None:
            return Finding(record, UNKNOWN, message="DNS did not answer")
        if not found:
            return Finding(record, MISSING, message="no MX")
        expected = record.value.split(" ", 1)[1]
        hosts = [_norm(v.split(" ", 1)[-1]) for v in found]
        if len(found) > 1:
            return Finding(record, CONFLICTING, found, "SES needs exactly one MX record on the MAIL FROM domain")
        if hosts[0] != _norm(expected):
            return Finding(record, WRONG, found, f"MX is {found[0]}, expected {record.value}")
        return Finding(record, OK, found)
    found = _lookup(resolver, record.name, "TXT")
    if found is None:
        return Finding(record, UNKNOWN, message="DNS did not answer")
    if record.purpose == "mail-from-spf":
        spf = [v for v in found if v.lower().startswith("v=spf1")]
        if not spf:
            return Finding(record, MISSING, found, "no SPF record (v=spf1)")
        if len(spf) > 1:
            return Finding(record, CONFLICTING, spf, "more than one SPF record: receivers treat SPF as a permanent error")
        if "include:amazonses.com" not in spf[0].lower().split():
            return Finding(record, WRONG, spf, "the SPF record does not include amazonses.com")
        lookups = spf_lookups(resolver, spf[0])
        if lookups > SPF_LOOKUP_LIMIT:
            return Finding(record, CONFLICTING, spf, f"SPF needs {lookups} DNS lookups; the limit is {SPF_LOOKUP_LIMIT}")
        return Finding(record, OK, spf)
    if record.purpose == "dmarc":
        dmarc = [v for v in found if v.replace(" ", "").upper().startswith("V=DMARC1")]
        if not dmarc:
            return Finding(record, MISSING, found, "no DMARC record")
        if len(dmarc) > 1:
            return Finding(record, CONFLICTING, dmarc, "more than one DMARC record: receivers ignore both")
        problems = dmarc_problems(dmarc[0])
        if problems:
            return Finding(record, WRONG, dmarc, "; ".join(problems))
        return Finding(record, OK, dmarc)
    # BYODKIM: a DKIM key record with a public key.
    keys = [v for v in found if "p=" in v.replace(" ", "")]
    if not keys:
        return Finding(record, MISSING, found, "no DKIM key record")
    if "<your public key>" not in record.value and _norm(keys[0].replace(" ", "")) != _norm(record.value.replace(" ", "")):
        return Finding(record, WRONG, keys, "the public key differs from the one SES signs with")
    return Finding(record, OK, keys)


def check(groups: Sequence[IdentityRecords], resolver: dns.resolver.Resolver) -> list[Finding]:
    return [check_record(resolver, record) for group in groups for record in group.records]


def failed(findings: Sequence[Finding]) -> list[Finding]:
    """Required records that are not ok (DMARC is a recommendation: reported, not failed)."""
    return [f for f in findings if f.status != OK and f.record.required]


__all__ = [
    "CONFLICTING",
    "MISSING",
    "OK",
    "UNKNOWN",
    "WRONG",
    "Finding",
    "check",
    "check_record",
    "dmarc_problems",
    "failed",
    "make_resolver",
    "spf_lookups",
]
