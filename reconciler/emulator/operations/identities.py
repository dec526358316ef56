"""Email identities: Create/Get/Delete/ListEmailIdentities, the five
PutEmailIdentity...Attributes, identity policies, and the admin actions that play DNS.

Verification is asynchronous in SES (DNS records for domains, a link in a mail for
addresses). Here a new identity starts at ``settings.identity_default_status`` (PENDING, as in
SES) and stays there until a test or a local user runs the admin action ``verify_identity``;
``configure_identities(default_status="SUCCESS")`` makes every new identity verified at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import string
from typing import Any, get_args

from reconciler.emulator import dns_verification
from reconciler.emulator.errors import BadRequestException
from reconciler.emulator.lookups import find_configuration_set, find_identity
from reconciler.emulator.operations.common import (
    DOMAIN,
    NAME,
    check_email,
    check_new,
    check_tags,
    listing,
    paginate,
    parse,
    tag_list,
)
from reconciler.emulator.operations.deed import check_put_origin, follow_parent, replicate
from reconciler.emulator.operations.tenants import refuse_if_associated
from reconciler.emulator.registry import OperationContext, Params, Result, admin_action, operation
from reconciler.emulator.state import (
    SIGNING_HOSTED_ZONE,
    DkimAttributes,
    EmailIdentity,
    KeyLength,
    MailFromAttributes,
    VerificationStatus,
)
from reconciler.ses_types import is_replica_origin

MAX_IDENTITIES = 10_000
MAX_POLICIES = 20
SELECTOR = re.compile(r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))$")
TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def _domain_of(identity: EmailIdentity) -> str:
    return identity.name.rsplit("@", 1)[-1].lower()


def _easy_dkim(ctx: OperationContext, status: VerificationStatus, length: KeyLength) -> DkimAttributes:
    tokens = ["".join(secrets.choice(TOKEN_ALPHABET) for _ in range(32)) for _ in range(3)]
    return DkimAttributes(
        SigningEnabled=True,
        Status=status,
        Tokens=tokens,
        SigningAttributesOrigin="AWS_SES",
        CurrentSigningKeyLength=length,
        NextSigningKeyLength=length,
        LastKeyGenerationTimestamp=ctx.now(),
    )


def _private_key(text: str) -> object:
    """SES takes the key as base64 of its DER bytes, or as base64 of the PEM text (what
    Terraform's own acceptance tests send: base64 of a "-----BEGIN RSA PRIVATE KEY-----" file)."""
    # imported here: cryptography costs every emulator start ~20 ms, and only BYODKIM needs it
    from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key

    try:
        decoded = base64.b64decode(text, validate=True)
        if decoded.lstrip().startswith(b"-----BEGIN"):
            return load_pem_private_key(decoded, password=None)
        return load_der_private_key(decoded, password=None)
    except (binascii.Error, ValueError, TypeError):
        raise BadRequestException(
            "DomainSigningPrivateKey is not a base64-encoded RSA private key (PKCS#1 or PKCS#8, DER or PEM)."
        ) from None


def _public_key(attributes: dict[str, Any]) -> str:
    """The base64 DER public key of a BYODKIM private key already accepted by _byo_dkim: what
    its DNS TXT record must publish."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = _private_key(attributes["DomainSigningPrivateKey"])
    assert isinstance(key, RSAPrivateKey)  # _byo_dkim refused anything else
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _byo_dkim(ctx: OperationContext, selector: Any, private_key: Any) -> DkimAttributes:
    """BYODKIM: check the selector and that the key is an RSA key of 1024-2048 bits."""
    if not isinstance(selector, str) or not 1 <= len(selector) <= 63 or not SELECTOR.match(selector):
        raise BadRequestException(
            f"Invalid DomainSigningSelector {selector!r}: use 1-63 letters, digits and '-'."
        )
    if not isinstance(private_key, str) or not 1 <= len(private_key) <= 20480:
        raise BadRequestException("DomainSigningPrivateKey must be 1-20480 base64 characters.")
    key = _private_key(private_key)
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    if not isinstance(key, RSAPrivateKey) or not 1024 <= key.key_size <= 2048:
        raise BadRequestException("DomainSigningPrivateKey must be an RSA key of 1024 to 2048 bits.")
    return DkimAttributes(
        SigningEnabled=True,
        Status="PENDING",
        Tokens=[selector],
        SigningAttributesOrigin="EXTERNAL",
        LastKeyGenerationTimestamp=ctx.now(),
    )


def _signing(
    ctx: OperationContext, origin: str, attributes: dict[str, Any], status: VerificationStatus
) -> DkimAttributes:
    if origin == "EXTERNAL":
        return _byo_dkim(
            ctx, attributes.get("DomainSigningSelector"), attributes.get("DomainSigningPrivateKey")
        )
    length: KeyLength = attributes.get("NextSigningKeyLength") or "RSA_2048_BIT"
    dkim = _easy_dkim(ctx, status, length)
    dkim.SigningAttributesOrigin = origin
    return dkim


def _dkim_out(identity: EmailIdentity) -> dict[str, Any]:
    if identity.identity_type == "EMAIL_ADDRESS":
        # Addresses are signed with their domain's DKIM settings, not their own. What SES
        # answers for one (terraform-provider-aws TestAccSESV2EmailIdentity_basic_emailAddress):
        # never started, no tokens, no current key, a 1024-bit next key.
        return {
            "SigningEnabled": False,
            "Status": "NOT_STARTED",
            "Tokens": [],
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_1024_BIT",
        }
    out = identity.dkim.out()
    if identity.dkim.SigningAttributesOrigin != "EXTERNAL":
        # Where the Easy DKIM public keys live: the CNAMEs point at <token>.<zone>. SES names
        # dkim.amazonses.com for most regions; the emulator uses it for every region.
        out["SigningHostedZone"] = SIGNING_HOSTED_ZONE
    return out


@operation("CreateEmailIdentity")
def create_email_identity(ctx: OperationContext, params: Params) -> Result:
    state = ctx.state
    name: str = params["EmailIdentity"].strip()
    is_address = "@" in name
    if is_address:
        check_email(name, "EmailIdentity")
    elif not DOMAIN.match(name):
        raise BadRequestException(f"Invalid EmailIdentity '{name}': not an email address or a domain name.")
    tags = check_tags(params.get("Tags"))
    config_set = params.get("ConfigurationSetName")
    if config_set is not None:
        find_configuration_set(state, config_set)
    signing = params.get("DkimSigningAttributes")
    if signing is not None and is_address:
        raise BadRequestException("DkimSigningAttributes apply to domain identities only.")
    taken = f"Email identity {name} already exists."
    check_new(state.identities, name.lower(), taken, MAX_IDENTITIES, "email identities")

    status = state.settings.identity_default_status
    now = ctx.now()
    identity = EmailIdentity(
        # SES keeps a domain identity in lower case (ListEmailIdentities names "example.com"
        # after a create of "Example.COM"); an address keeps its spelling.
        name=name if is_address else name.lower(),
        identity_type="EMAIL_ADDRESS" if is_address else "DOMAIN",
        verification_status=status,
        created=now,
        last_checked=now,
        last_success=now if status == "SUCCESS" else None,
        configuration_set_name=config_set,
        tags=tags,
    )
    if not is_address:
        signing = signing or {}
        byo = (
            signing.get("DomainSigningPrivateKey") is not None
            or signing.get("DomainSigningSelector") is not None
        )
        origin = signing.get("DomainSigningAttributesOrigin")
        if is_replica_origin(origin):
            identity.dkim = replicate(ctx, name, str(origin), signing)
        else:
            origin = "EXTERNAL" if byo else origin or "AWS_SES"
            identity.dkim = _signing(ctx, origin, signing, status)
            identity.dkim_selector = signing.get("DomainSigningSelector") if byo else None
            identity.dkim_public_key = _public_key(signing) if byo else None
    state.identities[name.lower()] = identity
    follow_parent(ctx, identity)
    status = identity.verification_status
    return {
        "IdentityType": identity.identity_type,
        "VerifiedForSendingStatus": status == "SUCCESS",
        "DkimAttributes": _dkim_out(identity),
    }


@operation("GetEmailIdentity")
def get_email_identity(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    follow_parent(ctx, identity)
    dns_verification.refresh(ctx, identity)
    info: dict[str, Any] = {}
    if identity.last_checked is not None:
        info["LastCheckedTimestamp"] = identity.last_checked
    if identity.last_success is not None:
        info["LastSuccessTimestamp"] = identity.last_success
    result: Result = {
        "IdentityType": identity.identity_type,
        "FeedbackForwardingStatus": identity.feedback_forwarding,
        "VerifiedForSendingStatus": identity.verification_status == "SUCCESS",
        "DkimAttributes": _dkim_out(identity),
        "Policies": dict(identity.policies),
        "Tags": tag_list(identity.tags),
        "VerificationStatus": identity.verification_status,
        "VerificationInfo": info,
    }
    if identity.mail_from is not None:
        result["MailFromAttributes"] = identity.mail_from.out()
    if identity.configuration_set_name is not None:
        result["ConfigurationSetName"] = identity.configuration_set_name
    return result


@operation("DeleteEmailIdentity")
def delete_email_identity(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    refuse_if_associated(ctx, f"identity/{identity.name}", f"Email identity {identity.name}")
    del ctx.state.identities[identity.name.lower()]
    return {}


@operation("ListEmailIdentities")
def list_email_identities(ctx: OperationContext, params: Params) -> Result:
    keys, token = paginate(ctx.state.identities, params, default=100, low=0, high=1000)
    for key in keys:
        follow_parent(ctx, ctx.state.identities[key])
        dns_verification.refresh(ctx, ctx.state.identities[key])
    identities = [
        {
            "IdentityType": i.identity_type,
            "IdentityName": i.name,
            "SendingEnabled": i.verification_status == "SUCCESS",
            "VerificationStatus": i.verification_status,
        }
        for i in (ctx.state.identities[key] for key in keys)
    ]
    return listing("EmailIdentities", identities, token)


# ---- the five Put...Attributes ------------------------------------------------------------


@operation("PutEmailIdentityDkimAttributes")
def put_dkim_attributes(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    if identity.identity_type == "EMAIL_ADDRESS":
        raise BadRequestException("DKIM signing is set on the domain identity, not on an address.")
    identity.dkim.SigningEnabled = bool(params.get("SigningEnabled", False))
    return {}


@operation("PutEmailIdentityDkimSigningAttributes")
def put_dkim_signing_attributes(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    if identity.identity_type == "EMAIL_ADDRESS":
        raise BadRequestException("DKIM signing attributes apply to domain identities only.")
    origin = params["SigningAttributesOrigin"]
    check_put_origin(origin)
    attributes = params.get("SigningAttributes") or {}
    current = identity.dkim
    if origin != "EXTERNAL" and current.SigningAttributesOrigin == origin:
        # Same Easy DKIM origin: only the key length for the next rotation changes.
        current.NextSigningKeyLength = attributes.get("NextSigningKeyLength") or current.NextSigningKeyLength
    else:
        # Switching methods: the domain is unsigned until the new records are found (PENDING).
        dkim = _signing(ctx, origin, attributes, "PENDING")
        dkim.SigningEnabled = current.SigningEnabled if current.SigningEnabled is not None else True
        identity.dkim = dkim
        identity.dkim_selector = attributes.get("DomainSigningSelector") if origin == "EXTERNAL" else None
        identity.dkim_public_key = _public_key(attributes) if origin == "EXTERNAL" else None
    return {"DkimStatus": identity.dkim.Status, "DkimTokens": list(identity.dkim.Tokens or [])}


@operation("PutEmailIdentityMailFromAttributes")
def put_mail_from_attributes(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    domain = (params.get("MailFromDomain") or "").strip().lower()
    behavior = params.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
    if not domain:
        # Back to SES's own MAIL FROM (amazonses.com). SES still reports MailFromAttributes,
        # with the behaviour (terraform-provider-aws TestAccSESV2EmailIdentityMailFromAttributes_basic
        # reads them back after a put without a domain); the empty domain needs no verifying.
        identity.mail_from = parse(
            MailFromAttributes,
            {"MailFromDomain": "", "MailFromDomainStatus": "SUCCESS", "BehaviorOnMxFailure": behavior},
            "MailFromAttributes",
        )
        return {}
    parent = _domain_of(identity)
    if not DOMAIN.match(domain) or not domain.endswith("." + parent):
        raise BadRequestException(
            f"MailFromDomain {domain} must be a subdomain of {parent} (for example mail.{parent})."
        )
    identity.mail_from = parse(
        MailFromAttributes, {"MailFromDomain": domain, "BehaviorOnMxFailure": behavior}, "MailFromAttributes"
    )
    return {}


@operation("PutEmailIdentityFeedbackAttributes")
def put_feedback_attributes(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    identity.feedback_forwarding = bool(params.get("EmailForwardingEnabled", False))
    return {}


@operation("PutEmailIdentityConfigurationSetAttributes")
def put_configuration_set_attributes(ctx: OperationContext, params: Params) -> Result:
    identity = find_identity(ctx.state, params["EmailIdentity"])
    name = params.get("ConfigurationSetName")
    if name:
        find_configuration_set(ctx.state, name)
    identity.configuration_set_name = name or None
    return {}


# ---- policies -----------------------------------------------------------------------------


def _policy(params: Params) -> tuple[str, str]:
    name, text = params["PolicyName"], params["Policy"]
    if not NAME.match(name):  # the rule of check_name, with its own message
        raise BadRequestException(f"Invalid PolicyName '{name}': use 1-64 letters, digits, '_' and '-'.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequestException(f"Policy {name} is not valid JSON.") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise BadRequestException(f"Policy {name} is not a policy document (it needs a Statement).")
    return name, text


def _owned_identity(ctx: OperationContext, params: Params) -> EmailIdentity:
    """The identity of a policy call: SES answers these for verified identities only."""
    identity = find_identity(ctx.state, params["EmailIdentity"])
    if identity.verification_status != "SUCCESS":
        raise BadRequestException(
            f"Identity {identity.name} is not verified: sending authorization policies "
            "need a verified identity."
        )
    return identity


@operation("CreateEmailIdentityPolicy")
def create_email_identity_policy(ctx: OperationContext, params: Params) -> Result:
    identity = _owned_identity(ctx, params)
    name, text = _policy(params)
    taken = f"Policy {name} already exists for identity {identity.name}."
    check_new(identity.policies, name, taken, MAX_POLICIES, "policies per identity")
    identity.policies[name] = text
    return {}


@operation("UpdateEmailIdentityPolicy")
def update_email_identity_policy(ctx: OperationContext, params: Params) -> Result:
    # "This API returns successfully even if a policy with the specified name does not
    # exist" (API reference): the emulator then stores it, as SES v1's PutIdentityPolicy does.
    identity = _owned_identity(ctx, params)
    name, text = _policy(params)
    if name not in identity.policies and len(identity.policies) >= MAX_POLICIES:
        raise BadRequestException(f"Maximum number of policies per identity ({MAX_POLICIES}) reached.")
    identity.policies[name] = text
    return {}


@operation("DeleteEmailIdentityPolicy")
def delete_email_identity_policy(ctx: OperationContext, params: Params) -> Result:
    # Succeeds for a policy that does not exist (API reference).
    identity = _owned_identity(ctx, params)
    identity.policies.pop(params["PolicyName"], None)
    return {}


@operation("GetEmailIdentityPolicies")
def get_email_identity_policies(ctx: OperationContext, params: Params) -> Result:
    return {"Policies": dict(_owned_identity(ctx, params).policies)}


# ---- admin actions: the emulator's stand-in for DNS and the verification mail -------------


@admin_action("verify_identity")
def verify_identity(
    ctx: OperationContext,
    identity: str,
    status: VerificationStatus = "SUCCESS",
    dkim_status: VerificationStatus | None = None,
    mail_from_status: str | None = None,
) -> dict[str, Any]:
    """Set an identity's verification status (creating the identity first if it does not
    exist, so a local user can get a verified sender in one call). A domain's DKIM status
    follows ``status`` unless ``dkim_status`` is given; ``mail_from_status`` sets the custom
    MAIL FROM domain's status."""
    for value in (status, dkim_status):
        if value is not None and value not in get_args(VerificationStatus):
            raise BadRequestException(f"Unknown verification status {value!r}.")
    if identity.lower() not in ctx.state.identities:
        create_email_identity(ctx, {"EmailIdentity": identity})
    found = find_identity(ctx.state, identity)
    found.verification_status = status
    found.last_checked = ctx.now()
    if status == "SUCCESS":
        found.last_success = found.last_checked
    if found.identity_type != "EMAIL_ADDRESS":
        found.dkim.Status = dkim_status or status
    if mail_from_status is not None and found.mail_from is not None:
        found.mail_from = parse(
            MailFromAttributes,
            {**found.mail_from.out(), "MailFromDomainStatus": mail_from_status},
            "mail_from_status",
        )
    return {
        "EmailIdentity": found.name,
        "VerificationStatus": found.verification_status,
        "DkimStatus": _dkim_out(found).get("Status"),
        "MailFromDomainStatus": found.mail_from.MailFromDomainStatus if found.mail_from else None,
    }


@admin_action("configure_identities")
def configure_identities(
    ctx: OperationContext, default_status: VerificationStatus = "PENDING"
) -> dict[str, Any]:
    """Choose the VerificationStatus new identities start with ("SUCCESS": verified at once)."""
    if default_status not in get_args(VerificationStatus):
        raise BadRequestException(f"Unknown verification status {default_status!r}.")
    ctx.state.settings.identity_default_status = default_status
    return ctx.state.settings.model_dump()


@admin_action("check_dns")
def check_dns(ctx: OperationContext, identity: str | None = None) -> list[dict[str, Any]]:
    """Look up the DNS records of one domain identity, or of every one, now (DNS-backed
    verification must be on: `sesctl local serve --verify-dns`); returns each record's status."""
    if not dns_verification.enabled(ctx):
        raise BadRequestException("DNS-backed verification is off: start the emulator with --verify-dns.")
    found = [find_identity(ctx.state, identity)] if identity else list(ctx.state.identities.values())
    return [r for r in (dns_verification.refresh(ctx, i) for i in found) if r is not None]
