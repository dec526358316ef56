"""DNS-backed verification, when asked for (``sesctl local serve --verify-dns [--nameserver
HOST:PORT]``, ``local_emulator(verify_dns=True, nameserver=...)``, or the config key
``verify_dns``): the emulator resolves a domain identity's records the way SES looks for them,
instead of waiting for the ``verify_identity`` admin action.

Without it (the default) nothing here runs and verification stays a switch.

What is resolved, with the records ``sesctl dns`` prints (reconciler.dns.records) and the
checks ``sesctl dns check`` makes (reconciler.dns.check.check_record), so the three agree:

- Easy DKIM: the three CNAMEs ``<token>._domainkey.<domain>`` -> ``<token>.<SigningHostedZone>``;
  BYODKIM: the TXT ``<selector>._domainkey.<domain>`` holding the public key of the key given
  to SES. All found: the DKIM status and the domain's verification status become SUCCESS (SES
  v2 verifies a domain through its DKIM records).
- A custom MAIL FROM domain: its one MX ``10 feedback-smtp.<region>.amazonses.com`` -> the
  MAIL FROM status becomes SUCCESS.

A record that is missing or wrong leaves a status PENDING, or makes it FAILED once it had
succeeded (the record was taken away; it stays FAILED until the records are back); a resolver that does not answer gives TEMPORARY_FAILURE. SES looks
again from time to time for up to 72 hours; the emulator looks at every GetEmailIdentity and
ListEmailIdentities, and on the admin action ``check_dns``. Address identities (verified by a
link in a mail) and DEED replicas (they follow their parent) are not looked up.
"""

from __future__ import annotations

from typing import Any, Literal

from reconciler.dns.records import IdentityDns, records_for
from reconciler.emulator.registry import OperationContext
from reconciler.emulator.state import SIGNING_HOSTED_ZONE, EmailIdentity
from reconciler.errors import UsageError
from reconciler.ses_types import is_replica_origin

TIMEOUT = 1.0  # seconds per query: the emulator answers under its lock


def enabled(ctx: OperationContext) -> bool:
    config = getattr(ctx.services, "config", None)
    return bool(getattr(config, "verify_dns", False))


Found = Literal["SUCCESS", "TEMPORARY_FAILURE", "FAILED", "PENDING"]


def _next(statuses: list[str], current: str | None) -> Found:
    """The status after a look-up whose findings (reconciler.dns.check's) are ``statuses``."""
    from reconciler.dns.check import OK, UNKNOWN

    if statuses and all(s == OK for s in statuses):
        return "SUCCESS"
    if UNKNOWN in statuses:
        return "TEMPORARY_FAILURE"
    return "FAILED" if current in ("SUCCESS", "FAILED") else "PENDING"


def _what_ses_sees(ctx: OperationContext, identity: EmailIdentity) -> IdentityDns:
    mail_from = identity.mail_from
    return IdentityDns(
        identity=identity.name,
        kind=identity.identity_type,
        region=ctx.region,
        verified=identity.verification_status == "SUCCESS",
        dkim_origin=identity.dkim.SigningAttributesOrigin or "AWS_SES",
        dkim_tokens=tuple(identity.dkim.Tokens or ()),
        dkim_status=identity.dkim.Status or "NOT_STARTED",
        mail_from_domain=(mail_from.MailFromDomain or None) if mail_from else None,
        mail_from_status=mail_from.MailFromDomainStatus if mail_from else None,
        byodkim_public_key=identity.dkim_public_key,
        dkim_hosted_zone=SIGNING_HOSTED_ZONE,
    )


def refresh(ctx: OperationContext, identity: EmailIdentity) -> dict[str, Any] | None:
    """Look ``identity``'s records up and set its statuses from them (when DNS verification is
    on and the identity is a domain with its own DKIM). Returns what was found, for check_dns."""
    if not enabled(ctx) or identity.identity_type != "DOMAIN":
        return None
    if is_replica_origin(identity.dkim.SigningAttributesOrigin):
        return None
    # Imported here: dnspython is only needed when DNS verification is on.
    from reconciler.dns.check import check_record, make_resolver

    config = ctx.services.config
    try:
        resolver = make_resolver(config.nameserver, timeout=TIMEOUT)
    except UsageError:  # no resolver configured here: nothing can be looked up
        return None
    findings = [check_record(resolver, r) for r in records_for(_what_ses_sees(ctx, identity)).records]
    dkim = [f.status for f in findings if f.record.purpose == "dkim"]
    mx = [f.status for f in findings if f.record.purpose == "mail-from-mx"]
    now = ctx.now()
    status = _next(dkim, identity.dkim.Status)
    identity.dkim.Status = identity.verification_status = status
    identity.last_checked = now
    if status == "SUCCESS":
        identity.last_success = now
    if identity.mail_from is not None and identity.mail_from.MailFromDomain and mx:
        identity.mail_from.MailFromDomainStatus = _next(mx, identity.mail_from.MailFromDomainStatus)
    return {
        "EmailIdentity": identity.name,
        "VerificationStatus": identity.verification_status,
        "DkimStatus": status,
        "MailFromDomainStatus": identity.mail_from.MailFromDomainStatus if identity.mail_from else None,
        "Records": [
            {"name": f.record.name, "type": f.record.type, "expected": f.record.value, "status": f.status}
            for f in findings
            if f.record.purpose in ("dkim", "mail-from-mx")
        ],
    }
