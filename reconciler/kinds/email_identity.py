"""EmailIdentity: a domain or an email address SES sends from.

Normalized (``dkim`` and ``mail_from`` None for what does not apply):

    dkim                 None (an address) | {signing_enabled: True, next_signing_key_length:
                         "RSA_2048_BIT" (Easy DKIM) | None, selector: None | "s1" (BYODKIM),
                         private_key: None | {env|file|secrets_manager: ...},
                         domain_signing_attributes_origin: None | "AWS_SES_EU_WEST_1" (DEED:
                         replicated from the parent region's identity; then no key length)}
    mail_from            None | {domain, behavior_on_mx_failure: USE_DEFAULT_VALUE}
    feedback_forwarding  True
    configuration_set    None | name
    policies             {name: policy document (parsed JSON: compared as JSON)}
    tags                 {user tags}
    verification         read-only, what SES reports: {status, dkim_status, dkim_tokens,
                         mail_from_status}; copied into the desired form (fill_unmanaged), so it
                         never shows as a change, and left out of the fingerprint (verifying
                         does not make a saved plan stale); risk notes read it.

BYODKIM's private key is never read from SES (SES never returns it) and never compared: the
reference (``private_key``) is kept in the desired form only while SES needs the key (a create
or a new selector) and dropped once SES holds it under the same selector. To rotate a BYODKIM
key, publish the new public key under a new selector and change ``selector``.

DEED (Deterministic Easy DKIM) is chosen by CreateEmailIdentity only: making an identity a
replica, or changing its parent region, replaces it (``replace_reason``); leaving DEED for the
identity's own Easy DKIM or BYODKIM is an in-place PutEmailIdentityDkimSigningAttributes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.errors import UsageError
from reconciler.kinds.base import JsonDict, LiveObject, Risk, fingerprint
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    live_tags,
    owner_of,
    read_by_name,
    spec_dict,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.configuration_set import KIND as CONFIGURATION_SETS
from reconciler.kinds.plugin import KindPlugin, Reference
from reconciler.kinds.secrets import describe, dkim_private_key, read_secret
from reconciler.kinds.specs.email_identity import EmailIdentitySpec, IdentityName
from reconciler.ses_types import is_replica_origin, parent_region, signing_origin

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


EASY_DKIM_DEFAULT = "RSA_2048_BIT"  # what CreateEmailIdentity picks without DkimSigningAttributes
READ_ONLY = "verification"


def is_domain(name: str) -> bool:
    return "@" not in name




class EmailIdentityKind(InPlaceKind):
    kind: ClassVar[str] = "EmailIdentity"
    wave: ClassVar[int] = 40  # after configuration sets (its default set), before templates
    taggable: ClassVar[bool] = True
    replace_fields: ClassVar[frozenset[str]] = frozenset({"dkim"})  # becoming a DEED replica
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListEmailIdentities",
        "GetEmailIdentity",
        "CreateEmailIdentity",
        "DeleteEmailIdentity",
        "PutEmailIdentityDkimAttributes",
        "PutEmailIdentityDkimSigningAttributes",
        "PutEmailIdentityMailFromAttributes",
        "PutEmailIdentityFeedbackAttributes",
        "PutEmailIdentityConfigurationSetAttributes",
        "CreateEmailIdentityPolicy",
        "UpdateEmailIdentityPolicy",
        "DeleteEmailIdentityPolicy",
        "ListTagsForResource",  # when GetEmailIdentity's answer leaves Tags out
        "TagResource",
        "UntagResource",
        # Permission-only (no operation of its own): CreateEmailIdentity of a DEED replica needs
        # it on the parent identity (SES's service authorization reference).
        "ReplicateEmailIdentityDkimSigningKey",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        dkim = None
        if is_domain(name):
            given = data.get("dkim") or {}
            selector = given.get("selector")
            origin = given.get("domain_signing_attributes_origin")
            dkim = {
                "signing_enabled": given.get("signing_enabled", True),
                "next_signing_key_length": None
                if selector or origin
                else (given.get("next_signing_key_length") or EASY_DKIM_DEFAULT),
                "selector": selector,
                "private_key": {k: v for k, v in (given.get("private_key") or {}).items() if v is not None}
                or None,
                "domain_signing_attributes_origin": origin,
            }
        mail_from = data.get("mail_from")
        return {
            "dkim": dkim,
            "mail_from": _mail_from(mail_from.get("domain"), mail_from.get("behavior_on_mx_failure"))
            if mail_from
            else None,
            "feedback_forwarding": data.get("feedback_forwarding", True),
            "configuration_set": data.get("configuration_set"),
            "policies": {k: data["policies"][k] for k in sorted(data.get("policies") or {})},
            "tags": user_tags(data.get("tags") or {}),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        attributes = raw.get("DkimAttributes") or {}
        dkim = None
        if _identity_type(raw) != "EMAIL_ADDRESS":
            origin = signing_origin(attributes)
            external = origin == "EXTERNAL"
            replica = is_replica_origin(origin)
            tokens = attributes.get("Tokens") or []
            # No tokens and no key length: DKIM was never set up (a domain verified by SES v1's
            # TXT record). None makes apply set up Easy DKIM with the signing-attributes call;
            # switching signing on alone would find no key to sign with.
            never_set_up = not tokens and not attributes.get("NextSigningKeyLength")
            dkim = {
                "signing_enabled": bool(attributes.get("SigningEnabled")),
                "next_signing_key_length": None
                if external or replica or never_set_up
                else (attributes.get("NextSigningKeyLength") or EASY_DKIM_DEFAULT),
                "selector": tokens[0] if external and tokens else None,
                "private_key": None,
                "domain_signing_attributes_origin": origin if replica else None,
            }
        mail_from = raw.get("MailFromAttributes") or {}
        policies = raw.get("Policies") or {}
        return {
            "dkim": dkim,
            "mail_from": _mail_from(mail_from.get("MailFromDomain"), mail_from.get("BehaviorOnMxFailure")),
            "feedback_forwarding": bool(raw.get("FeedbackForwardingStatus", True)),
            "configuration_set": raw.get("ConfigurationSetName") or None,
            "policies": {k: _parsed(policies[k]) for k in sorted(policies)},
            "tags": user_tags(tag_dict(raw.get("Tags"))),
            READ_ONLY: {
                "status": raw.get("VerificationStatus") or "PENDING",
                "dkim_status": attributes.get("Status") if dkim is not None else None,
                "dkim_tokens": list(attributes.get("Tokens") or []) if dkim is not None else [],
                "mail_from_status": mail_from.get("MailFromDomainStatus")
                if mail_from.get("MailFromDomain")
                else None,
            },
        }

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        origin = (after.get("dkim") or {}).get("domain_signing_attributes_origin")
        if origin and origin != (before.get("dkim") or {}).get("domain_signing_attributes_origin"):
            return (
                f"SES replicates DKIM from a parent region ({origin}, DEED) only when the identity is "
                "created: it is deleted and created again"
            )
        return None

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        filled = {**desired, READ_ONLY: (live or {}).get(READ_ONLY)}
        dkim, held = desired.get("dkim"), (live or {}).get("dkim")
        if dkim and held and dkim.get("selector") and dkim.get("selector") == held.get("selector"):
            # SES already holds the key published under this selector: nothing to send or compare.
            filled["dkim"] = {**dkim, "private_key": None}
        return filled

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            listed = gateway.paginate("ListEmailIdentities", "EmailIdentities", PageSize=1000)
            names = [str(i["IdentityName"]) for i in listed if i.get("IdentityType") != "MANAGED_DOMAIN"]
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        raw = get_or_none(gateway, "GetEmailIdentity", EmailIdentity=name)
        if raw is None:
            return None
        raw["Tags"] = live_tags(gateway, raw, lambda: gateway.arn(f"identity/{name}"))
        raw.setdefault("IdentityName", name)  # not part of GetEmailIdentity's answer
        normalized = self.normalize_live(raw)
        owner = owner_of(tag_dict(raw.get("Tags")))
        # Verification moves on its own: it is not what a saved plan was based on.
        stable = {k: v for k, v in normalized.items() if k != READ_ONLY}
        return LiveObject(name, normalized, owner, fingerprint(stable, owner), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        params: dict[str, Any] = {"EmailIdentity": name, "Tags": create_tags(desired, stack)}
        if desired.get("configuration_set"):
            params["ConfigurationSetName"] = desired["configuration_set"]
        dkim = desired.get("dkim")
        if dkim:
            params["DkimSigningAttributes"] = self._signing_attributes(gateway, name, dkim)
        gateway.call("CreateEmailIdentity", **params)
        if dkim and not dkim["signing_enabled"]:
            gateway.call("PutEmailIdentityDkimAttributes", EmailIdentity=name, SigningEnabled=False)
        if desired.get("mail_from"):
            self._put_mail_from(gateway, name, desired["mail_from"])
        if not desired.get("feedback_forwarding", True):
            gateway.call(
                "PutEmailIdentityFeedbackAttributes", EmailIdentity=name, EmailForwardingEnabled=False
            )
        self._sync_policies(gateway, name, {}, desired.get("policies") or {})

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        before = live.normalized
        if "dkim" in changed and desired.get("dkim"):
            new, old = desired["dkim"], before.get("dkim") or {}
            if (new["selector"], new["next_signing_key_length"], new["private_key"]) != (
                old.get("selector"),
                old.get("next_signing_key_length"),
                old.get("private_key"),
            ):
                # A replica is made by a replace (replace_reason), so this is never DEED.
                gateway.call(
                    "PutEmailIdentityDkimSigningAttributes",
                    EmailIdentity=name,
                    SigningAttributesOrigin="EXTERNAL" if new["selector"] else "AWS_SES",
                    SigningAttributes=self._signing_attributes(gateway, name, new),
                )
            if new["signing_enabled"] != old.get("signing_enabled"):
                gateway.call(
                    "PutEmailIdentityDkimAttributes",
                    EmailIdentity=name,
                    SigningEnabled=new["signing_enabled"],
                )
        if "mail_from" in changed:
            self._put_mail_from(gateway, name, desired.get("mail_from"))
        if "feedback_forwarding" in changed:
            gateway.call(
                "PutEmailIdentityFeedbackAttributes",
                EmailIdentity=name,
                EmailForwardingEnabled=desired["feedback_forwarding"],
            )
        if "configuration_set" in changed:
            params = (
                {"ConfigurationSetName": desired["configuration_set"]}
                if desired.get("configuration_set")
                else {}
            )
            gateway.call("PutEmailIdentityConfigurationSetAttributes", EmailIdentity=name, **params)
        if "policies" in changed:
            self._sync_policies(gateway, name, before.get("policies") or {}, desired.get("policies") or {})
        if "tags" in changed:
            sync_tags(gateway, gateway.arn(f"identity/{name}"), before.get("tags") or {}, desired["tags"])

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteEmailIdentity", EmailIdentity=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        found: list[Risk] = []
        status = ((before or {}).get(READ_ONLY) or {}).get("status")
        if after is None:
            if status == "SUCCESS":
                found.append(
                    Risk(
                        "verified_identity_deleted",
                        "high",
                        f"{name} is a verified sending identity: deleting it stops every send from it at once, "
                        "and using it again means verifying it again (DNS records or the verification mail).",
                    )
                )
            return found
        origin = (after.get("dkim") or {}).get("domain_signing_attributes_origin")
        if before is None:
            how = (
                f"SES verifies {name} once its DNS records are published (`sesctl dns {name}` lists them)"
                if is_domain(name)
                else f"SES mails a verification link to {name}"
            )
            if origin:
                how = (
                    f"{name} replicates the Easy DKIM of its identity in {parent_region(origin)} (DEED): that "
                    "identity must exist there, verified with Easy DKIM, before apply, and this one is verified with it"
                )
            found.append(Risk("identity_verification", "low", f"{how}; it cannot send until then."))
        elif origin and origin != ((before.get("dkim") or {}).get("domain_signing_attributes_origin")):
            found.append(
                Risk(
                    "identity_replaced_for_deed",
                    "high" if status == "SUCCESS" else "medium",
                    f"{name} becomes a DEED replica of its identity in {parent_region(origin)}: SES sets this only "
                    "when an identity is created, so it is deleted and created again; sends from it fail in "
                    "between, and it is verified again through the parent.",
                )
            )
        elif status != "SUCCESS" or _pending(before):
            found.append(Risk("identity_not_verified", "low", _pending_note(name, before)))
        old_dkim, new_dkim = (before or {}).get("dkim") or {}, after.get("dkim") or {}
        if new_dkim and not new_dkim.get("signing_enabled") and old_dkim.get("signing_enabled", True):
            found.append(
                Risk(
                    "dkim_signing_disabled",
                    "medium",
                    f"{name} stops DKIM-signing its mail: DMARC then rests on SPF alone, and Gmail and "
                    "Yahoo require DKIM of bulk senders.",
                )
            )
        if before is not None and new_dkim and new_dkim.get("selector") != old_dkim.get("selector"):
            found.append(
                Risk(
                    "dkim_keys_changed",
                    "medium",
                    f"{name} changes its DKIM keys: publish the new records first (`sesctl dns {name}`); "
                    "until SES finds them the domain's mail is not DKIM-signed.",
                )
            )
        if after.get("policies") and status != "SUCCESS":
            found.append(
                Risk(
                    "identity_policies_before_verification",
                    "low",
                    f"{name} is not verified yet: SES may refuse its sending authorization policies until it is.",
                )
            )
        return found

    # -- helpers --------------------------------------------------------------------------------

    def _signing_attributes(self, gateway: SesGateway, name: str, dkim: JsonDict) -> dict[str, str]:
        if dkim.get("domain_signing_attributes_origin"):
            return {"DomainSigningAttributesOrigin": dkim["domain_signing_attributes_origin"]}
        if not dkim.get("selector"):
            return {"NextSigningKeyLength": dkim["next_signing_key_length"]}
        reference = dkim.get("private_key")
        what = f"the DKIM private key of {name}"
        if not reference:
            raise UsageError(
                f"EmailIdentity/{name}: dkim.selector {dkim['selector']} is new to SES, and {what} is needed",
                hint="Give dkim.privateKey: {env: NAME}, {file: /absolute/path} or {secretsManager: secret-id}.",
            )
        key = dkim_private_key(read_secret(reference, gateway, what), f"{what} ({describe(reference)})")
        return {"DomainSigningSelector": dkim["selector"], "DomainSigningPrivateKey": key}

    def _put_mail_from(self, gateway: SesGateway, name: str, mail_from: JsonDict | None) -> None:
        if mail_from is None:
            gateway.call("PutEmailIdentityMailFromAttributes", EmailIdentity=name)
            return
        gateway.call(
            "PutEmailIdentityMailFromAttributes",
            EmailIdentity=name,
            MailFromDomain=mail_from["domain"],
            BehaviorOnMxFailure=mail_from["behavior_on_mx_failure"],
        )

    def _sync_policies(
        self, gateway: SesGateway, name: str, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        for policy in sorted(after):
            if policy not in before:
                text = json.dumps(after[policy], sort_keys=True)
                gateway.call("CreateEmailIdentityPolicy", EmailIdentity=name, PolicyName=policy, Policy=text)
            elif before[policy] != after[policy]:
                text = json.dumps(after[policy], sort_keys=True)
                gateway.call("UpdateEmailIdentityPolicy", EmailIdentity=name, PolicyName=policy, Policy=text)
        for policy in sorted(set(before) - set(after)):
            gateway.call("DeleteEmailIdentityPolicy", EmailIdentity=name, PolicyName=policy)


def _identity_type(raw: JsonDict) -> str:
    """IdentityType, else what the name says (the member is optional in SES's answer)."""
    given = raw.get("IdentityType")
    if given:
        return str(given)
    return "DOMAIN" if is_domain(str(raw.get("IdentityName") or "")) else "EMAIL_ADDRESS"


def _mail_from(domain: Any, behavior: Any) -> JsonDict | None:
    if not domain:
        return None
    return {"domain": str(domain).lower(), "behavior_on_mx_failure": behavior or "USE_DEFAULT_VALUE"}


def _parsed(policy: Any) -> Any:
    try:
        return json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return policy  # not JSON: compared as text (a manifest's document then differs)


def _pending(normalized: JsonDict) -> bool:
    verification = normalized.get(READ_ONLY) or {}
    return any(verification.get(k) not in (None, "SUCCESS") for k in ("dkim_status", "mail_from_status"))


def _pending_note(name: str, normalized: JsonDict) -> str:
    """What SES still waits for, and the DNS records that would satisfy it."""
    verification = normalized.get(READ_ONLY) or {}
    parts = [f"{name} is {verification.get('status') or 'not verified'}"]
    domain = name.rsplit("@", 1)[-1]
    dkim = normalized.get("dkim") or {}
    if verification.get("dkim_status") not in (None, "SUCCESS"):
        if dkim.get("selector"):
            records = f"TXT {dkim['selector']}._domainkey.{domain} (your public key)"
        else:
            tokens = verification.get("dkim_tokens") or []
            records = ", ".join(f"CNAME {t}._domainkey.{domain} -> {t}.dkim.amazonses.com" for t in tokens)
        parts.append(f"DKIM {verification['dkim_status']}: {records or 'DKIM records'}")
    mail_from = normalized.get("mail_from") or {}
    if verification.get("mail_from_status") not in (None, "SUCCESS") and mail_from:
        parts.append(
            f"MAIL FROM {mail_from['domain']} {verification['mail_from_status']}: "
            f'MX feedback-smtp.<region>.amazonses.com and TXT "v=spf1 include:amazonses.com ~all"'
        )
    return "; ".join(parts) + f" (`sesctl dns {name}` prints the records)."


KIND = EmailIdentityKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=EmailIdentitySpec,
    import_file="identities.yaml",
    summary="a domain or email address to send from: DKIM (Easy, BYODKIM or DEED), MAIL FROM, feedback, "
    "default configuration set, policies, tags",
    metadata_name=IdentityName,
    read_only=(READ_ONLY,),
    data_fields=frozenset({"tags", "policies"}),
    references=(
        Reference(
            kind=CONFIGURATION_SETS.kind,
            field="spec.configurationSet",
            code="E3006",
            noun="configuration set",
            plural="configuration sets",
            in_spec=lambda spec: spec.configuration_set,
            in_normalized=lambda _, normalized: normalized.get("configuration_set"),
        ),
    ),
)
