"""Bulk-sender readiness in plans: a change that breaks a rule ``sesctl readiness`` checks gets
a risk note naming the rule, so the reviewer of a plan (or of its pull-request comment) sees it
before Gmail, Yahoo or Outlook do.

    plan = readiness_risks(plan, state, live)

The rules are readiness's own (reconciler/dns/readiness.py), judged twice: on the world before
the plan and on the world after it. A rule that gets worse (pass -> warn or fail, warn -> fail)
is a ``bulk_sender_rule`` note (medium) on the changes that made it worse:

- an EmailIdentity (a domain): DKIM signing turned off or new DKIM keys (DKIM, DMARC
  alignment), its custom MAIL FROM removed or moved to a domain SES has not verified yet (SPF
  alignment, DMARC alignment). DNS is not asked here (a plan stays offline of DNS): what the
  identity's records answer today is ``sesctl dns check``'s and ``sesctl readiness``'s.
- an EmailTemplate marked ``marketing: true`` that loses its unsubscribe link or
  ``{{amazonSESUnsubscribeUrl}}``, or is created without one; a ContactList that loses its
  last topic or is deleted, so SES can no longer add the one-click headers (one-click
  unsubscribe, RFC 8058).

Configuration sets carry no unsubscribe setting in SES, and SES delivers over TLS whenever the
receiver offers it, so no configuration set change breaks a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from reconciler.dns.readiness import (
    FAIL,
    WARN,
    MarketingTemplate,
    Rule,
    SenderFacts,
    alignment_rule,
    dkim_rule,
    spf_rule,
    unsubscribe_verdict,
)
from reconciler.dns.records import IdentityDns
from reconciler.engine.plan import Plan, ResourceChange
from reconciler.kinds.base import JsonDict, LiveObject, Risk
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest.model import DesiredState

CODE = "bulk_sender_rule"
_RANK = {WARN: 1, FAIL: 2}  # pass and unknown: 0
_IDENTITY_RULES: tuple[Callable[[SenderFacts], Rule], ...] = (dkim_rule, spf_rule, alignment_rule)
_TEMPLATE, _LIST, _IDENTITY = "EmailTemplate", "ContactList", "EmailIdentity"
_PARTS = ("subject", "html", "text")


def readiness_risks(plan: Plan, state: DesiredState | None, live: Mapping[str, LiveObject | None]) -> Plan:
    """``plan`` with a ``bulk_sender_rule`` note on each change that breaks a readiness rule."""
    notes: dict[str, list[Risk]] = {}
    for change in plan.changes:
        if change.kind == _IDENTITY and change.before is not None and change.after is not None:
            notes.setdefault(change.address, []).extend(_identity_notes(change, plan.region))
    for address, risk in _unsubscribe_notes(plan, _marketing_templates(state), live):
        notes.setdefault(address, []).append(risk)
    if not any(notes.values()):
        return plan
    changes = tuple(
        replace(c, risks=(*c.risks, *notes[c.address])) if notes.get(c.address) else c for c in plan.changes
    )
    return replace(plan, changes=changes)


def _note(before: Rule, after: Rule) -> Risk:
    fix = f" {after.fix}" if after.fix else ""
    return Risk(
        CODE,
        "medium",
        f"breaks the bulk-sender rule '{after.rule}' (Gmail/Yahoo 2024, Outlook 2025; `sesctl readiness` "
        f"checks it): {before.status} -> {after.status}: {after.detail}.{fix}",
    )


def _worse(before: Rule, after: Rule) -> bool:
    return _RANK.get(after.status, 0) > _RANK.get(before.status, 0)


# ---- identities ------------------------------------------------------------------------------


def _identity_notes(change: ResourceChange, region: str) -> list[Risk]:
    if "@" in change.name:
        return []  # an address identity is not a sending domain (readiness judges domains)
    before = SenderFacts(_identity(change.name, change.before or {}, None, region))
    after = SenderFacts(_identity(change.name, change.after or {}, change.before or {}, region))
    found = []
    for rule in _IDENTITY_RULES:
        was, will = rule(before), rule(after)
        if _worse(was, will):
            found.append(_note(was, will))
    return found


def _identity(name: str, normalized: JsonDict, before: JsonDict | None, region: str) -> IdentityDns:
    """What readiness knows of a domain identity, from its normalized form (EmailIdentity's).
    For the state after the plan (``before`` given), what SES has verified carries over only
    where the plan keeps it: a new MAIL FROM domain or new DKIM keys start over at PENDING."""
    verification = normalized.get("verification") or {}
    dkim = normalized.get("dkim") or {}
    mail_from = normalized.get("mail_from") or {}
    dkim_status = verification.get("dkim_status") or "NOT_STARTED"
    mail_from_status = verification.get("mail_from_status")
    if before is not None:
        old_dkim, old_mail_from = before.get("dkim") or {}, before.get("mail_from") or {}
        keys = ("selector", "next_signing_key_length", "private_key")
        if any(dkim.get(k) != old_dkim.get(k) for k in keys if k != "private_key" or dkim.get(k)):
            dkim_status = "PENDING"
        if mail_from.get("domain") != old_mail_from.get("domain"):
            mail_from_status = "PENDING" if mail_from else None
    return IdentityDns(
        identity=name,
        kind="DOMAIN",
        region=region,
        verified=verification.get("status") == "SUCCESS",
        dkim_origin="EXTERNAL" if dkim.get("selector") else "AWS_SES",
        dkim_tokens=tuple(verification.get("dkim_tokens") or ()),
        dkim_status=dkim_status,
        dkim_signing=bool(dkim.get("signing_enabled", True)),
        mail_from_domain=mail_from.get("domain"),
        mail_from_status=mail_from_status if mail_from else None,
    )


# ---- one-click unsubscribe -------------------------------------------------------------------


def _marketing_templates(state: DesiredState | None) -> set[str]:
    """Addresses of the templates the manifests mark ``marketing: true``."""
    if state is None:
        return set()
    return {
        r.address for r in state.resources if isinstance(r.spec, EmailTemplateSpec) and r.spec.marketing
    }


def _unsubscribe_notes(
    plan: Plan, marketing: set[str], live: Mapping[str, LiveObject | None]
) -> Iterable[tuple[str, Risk]]:
    before: dict[str, JsonDict] = {a: o.normalized for a, o in live.items() if o is not None}
    after = dict(before)
    for change in plan.changes:
        if change.after is None:
            after.pop(change.address, None)
        else:
            after[change.address] = change.after
    was = _verdict(before, marketing)
    will = _verdict(after, marketing)
    if not _worse(was, will):
        return []
    note = _note(was, will)
    culprits = [c.address for c in plan.changes if _made_worse(c, marketing)]
    if not culprits:  # the rule got worse through what no single change explains: show it on all
        culprits = [c.address for c in plan.changes if c.address in marketing or c.kind == _LIST]
    return [(address, note) for address in culprits]


def _verdict(world: Mapping[str, JsonDict], marketing: set[str]) -> Rule:
    templates = [_template(address, world[address]) for address in sorted(marketing) if address in world]
    lists = sum(1 for address, form in world.items() if address.startswith(_LIST + "/") and form.get("topics"))
    return unsubscribe_verdict(templates, lists)


def _template(address: str, normalized: Mapping[str, Any]) -> MarketingTemplate:
    return MarketingTemplate.of(address.partition("/")[2], (normalized.get(p) for p in _PARTS))


def _made_worse(change: ResourceChange, marketing: set[str]) -> bool:
    if change.kind == _LIST:
        return bool((change.before or {}).get("topics")) and not (change.after or {}).get("topics")
    if change.address not in marketing or change.after is None:
        return False
    will = _template(change.address, change.after)
    if change.before is None:
        return not will.has_ses_unsubscribe
    was = _template(change.address, change.before)
    return (was.has_ses_unsubscribe and not will.has_ses_unsubscribe) or (
        was.has_unsubscribe_link and not will.has_unsubscribe_link
    )


__all__ = ["CODE", "readiness_risks"]
