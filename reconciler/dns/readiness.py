"""Bulk-sender readiness: the Gmail/Yahoo (February 2024) and Outlook (May 2025) rules for
senders of about 5,000+ messages a day, checked per sending domain from what SES says, what DNS
answers and what the manifests declare.

Each rule ends pass, warn, fail or unknown (no data to judge), with what to do. The inputs
are gathered by the caller (live SES, DNS findings, manifests, an optional complaint rate), so
the rules themselves are plain functions over data and are tested as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reconciler.dns.findings import OK, UNKNOWN, Finding
from reconciler.dns.records import IdentityDns

PASS, WARN, FAIL = "pass", "warn", "fail"
UNKNOWN_STATUS = "unknown"

COMPLAINT_LIMIT = 0.003  # Gmail: never reach 0.3 %
COMPLAINT_TARGET = 0.001  # Gmail: keep under 0.1 %


@dataclass(frozen=True)
class Rule:
    rule: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "detail": self.detail, "fix": self.fix}


_UNSUBSCRIBE = re.compile(r"unsubscribe", re.IGNORECASE)
_SES_UNSUBSCRIBE = re.compile(r"\{\{\{?\s*amazonSESUnsubscribeUrl\s*\}?\}\}")


@dataclass(frozen=True)
class MarketingTemplate:
    name: str
    has_ses_unsubscribe: bool  # uses {{amazonSESUnsubscribeUrl}} (subscription management)
    has_unsubscribe_link: bool  # mentions unsubscribe at all

    @classmethod
    def of(cls, name: str, parts: Iterable[str | None]) -> MarketingTemplate:
        """A template marked ``marketing: true``, judged from its subject, HTML and text."""
        text = "\n".join(p for p in parts if p)
        return cls(name, bool(_SES_UNSUBSCRIBE.search(text)), bool(_UNSUBSCRIBE.search(text)))


@dataclass
class SenderFacts:
    """Everything the rules look at for one sending domain."""

    identity: IdentityDns
    findings: list[Finding] = field(default_factory=list)  # DNS findings for its records
    marketing_templates: list[MarketingTemplate] = field(default_factory=list)
    contact_lists_with_topics: int = 0
    tls_policies: dict[str, str] = field(default_factory=dict)  # configuration set -> TlsPolicy
    complaint_rate: float | None = None  # complaints / deliveries, None when unknown
    complaint_source: str = ""


def _finding(facts: SenderFacts, purpose: str) -> Finding | None:
    return next((f for f in facts.findings if f.record.purpose == purpose), None)


def dkim_rule(facts: SenderFacts) -> Rule:
    identity = facts.identity
    if not identity.dkim_signing:
        return Rule("DKIM", FAIL, "DKIM signing is turned off for this identity", "Turn signing on (EmailIdentity spec.dkim.signingEnabled).")
    if identity.dkim_status == "SUCCESS":
        return Rule("DKIM", PASS, f"DKIM verified ({identity.dkim_origin}), mail is signed for {identity.domain}")
    return Rule("DKIM", FAIL, f"DKIM is {identity.dkim_status}", f"Publish the DKIM records (`sesctl dns {identity.identity}`), then `sesctl dns check`.")


def spf_rule(facts: SenderFacts) -> Rule:
    identity = facts.identity
    if not identity.mail_from_domain:
        return Rule(
            "SPF",
            WARN,
            "SPF passes for amazonses.com (SES's own MAIL FROM) but does not align with your From domain",
            "Set a custom MAIL FROM subdomain so SPF aligns too (EmailIdentity spec.mailFrom).",
        )
    spf = _finding(facts, "mail-from-spf")
    mx = _finding(facts, "mail-from-mx")
    if identity.mail_from_status != "SUCCESS":
        return Rule("SPF", FAIL, f"MAIL FROM {identity.mail_from_domain} is {identity.mail_from_status}", "Publish its MX and SPF records (`sesctl dns`).")
    problems = [f for f in (spf, mx) if f is not None and f.status not in (OK, UNKNOWN)]
    if problems:
        return Rule("SPF", FAIL, "; ".join(f"{f.record.type} {f.record.name}: {f.message or f.status}" for f in problems), "Fix the records `sesctl dns check` reports.")
    return Rule("SPF", PASS, f"SPF passes and aligns through MAIL FROM {identity.mail_from_domain}")


def dmarc_rule(facts: SenderFacts) -> Rule:
    finding = _finding(facts, "dmarc")
    if finding is None or finding.status == UNKNOWN:
        return Rule("DMARC", UNKNOWN_STATUS, "DNS did not answer for _dmarc", "Run again, or pass --nameserver.")
    if finding.status == OK:
        return Rule("DMARC", PASS, f"published: {finding.found[0]}")
    return Rule(
        "DMARC",
        FAIL,
        f"{finding.status}: {finding.message}",
        f"Publish `{finding.record.value}` at {finding.record.name} (p=none is enough to start).",
    )


def alignment_rule(facts: SenderFacts) -> Rule:
    identity = facts.identity
    via = []
    if identity.dkim_status == "SUCCESS" and identity.dkim_signing and not identity.dkim_origin.startswith("AWS_SES_"):
        via.append("DKIM")
    elif identity.dkim_status == "SUCCESS" and identity.dkim_signing:
        via.append("DKIM (replicated)")
    if identity.mail_from_domain and identity.mail_from_status == "SUCCESS":
        via.append("SPF")
    if via:
        return Rule("DMARC alignment", PASS, f"aligned with {identity.domain} through {' and '.join(via)}")
    return Rule("DMARC alignment", FAIL, f"neither DKIM nor SPF aligns with {identity.domain}", "Verify DKIM for the domain (and ideally a MAIL FROM).")


def unsubscribe_rule(facts: SenderFacts) -> Rule:
    return unsubscribe_verdict(facts.marketing_templates, facts.contact_lists_with_topics)


def unsubscribe_verdict(templates: Sequence[MarketingTemplate], contact_lists_with_topics: int) -> Rule:
    """The one-click unsubscribe rule over the marketing templates and the account's contact lists."""
    if not templates:
        return Rule("One-click unsubscribe", PASS, "no template is marked marketing: true (transactional mail is exempt)")
    missing = [t.name for t in templates if not t.has_unsubscribe_link]
    if missing:
        return Rule(
            "One-click unsubscribe",
            FAIL,
            f"marketing templates without any unsubscribe link: {', '.join(missing)}",
            "Add {{amazonSESUnsubscribeUrl}} and send with a contact list and topic (SES adds List-Unsubscribe and List-Unsubscribe-Post).",
        )
    link_only = [t.name for t in templates if not t.has_ses_unsubscribe]
    if link_only or contact_lists_with_topics == 0:
        detail = (
            f"a visible link is not one-click (RFC 8058): {', '.join(link_only)}"
            if link_only
            else "the account has no contact list with a topic, so SES cannot add the one-click headers"
        )
        return Rule(
            "One-click unsubscribe",
            WARN,
            detail,
            "Send with SES subscription management (a ContactList with a topic), or add the headers: "
            "`sesctl send --header 'List-Unsubscribe=<https://...{{id}}>' --header List-Unsubscribe-Post=List-Unsubscribe=One-Click`.",
        )
    return Rule("One-click unsubscribe", PASS, "marketing templates use SES subscription management (one-click headers added by SES)")


def tls_rule(facts: SenderFacts) -> Rule:
    required = sorted(name for name, policy in facts.tls_policies.items() if policy == "REQUIRE")
    if facts.tls_policies and len(required) == len(facts.tls_policies):
        return Rule("TLS", PASS, "every configuration set requires TLS")
    return Rule(
        "TLS",
        PASS,
        "SES delivers over TLS whenever the receiving server offers it, as Gmail, Yahoo and Outlook do"
        + (f" (TlsPolicy REQUIRE on {', '.join(required)})" if required else ""),
    )


def complaint_rule(facts: SenderFacts) -> Rule:
    rate = facts.complaint_rate
    if rate is None:
        return Rule("Complaint rate", UNKNOWN_STATUS, "no analytics source has data", "Consume events (`sesctl events consume`) to measure it.")
    figure = f"{100 * rate:.3f}% ({facts.complaint_source})"
    if rate >= COMPLAINT_LIMIT:
        return Rule("Complaint rate", FAIL, f"{figure}: at or over Gmail's 0.3% limit", "Stop sending to disengaged recipients; check list sources.")
    if rate >= COMPLAINT_TARGET:
        return Rule("Complaint rate", WARN, f"{figure}: over the 0.1% to aim for", "Review recent campaigns' targeting and frequency.")
    return Rule("Complaint rate", PASS, f"{figure}: under 0.1%")


RULES = (dkim_rule, spf_rule, dmarc_rule, alignment_rule, unsubscribe_rule, tls_rule, complaint_rule)


def evaluate(facts: SenderFacts) -> list[Rule]:
    return [rule(facts) for rule in RULES]


def worst(rules: Sequence[Rule]) -> str:
    for status in (FAIL, WARN, UNKNOWN_STATUS):
        if any(r.status == status for r in rules):
            return status
    return PASS


__all__ = [
    "FAIL",
    "PASS",
    "RULES",
    "UNKNOWN_STATUS",
    "WARN",
    "MarketingTemplate",
    "Rule",
    "SenderFacts",
    "evaluate",
    "unsubscribe_verdict",
    "worst",
]
