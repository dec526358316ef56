"""EmailIdentity: a domain or an email address SES sends from (CreateEmailIdentity and the
PutEmailIdentity...Attributes calls, identity policies, tags).

``metadata.name`` is the identity itself: ``example.com`` or ``ops@example.com``. The BYODKIM
private key is never written here: ``dkim.privateKey`` names where apply reads it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator

from reconciler.kinds.specs.base import SesName, SpecModel, Tags, pattern
from reconciler.kinds.specs.configuration_set import DOMAIN_PATTERN
from reconciler.ses_types import ReplicaOrigin

_DOMAIN = DOMAIN_PATTERN.removeprefix("^").removesuffix("$")
def _domain_in_lower_case(name: str) -> str:
    # SES keeps a domain identity in lower case: "Example.com" would be listed as
    # "example.com", which a plan would take for another identity (to create, and to prune).
    if "@" not in name and name != name.lower():
        raise ValueError(f"SES keeps domain identities in lower case: write {name.lower()!r}")
    return name


IdentityName = Annotated[
    str,
    pattern(
        rf"^([^@\s]+@)?{_DOMAIN}$",
        "a domain (example.com) or an email address (ops@example.com)",
        max_length=320,
    ),
    AfterValidator(_domain_in_lower_case),
]
Domain = Annotated[str, pattern(DOMAIN_PATTERN, "a domain name such as mail.example.com", max_length=253)]
Selector = Annotated[
    str,
    pattern(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", "1-63 letters, digits or '-'", max_length=63),
]
EnvName = Annotated[str, pattern(r"^[A-Za-z_][A-Za-z0-9_]*$", "an environment variable name")]
KeyLength = Literal["RSA_1024_BIT", "RSA_2048_BIT"]


class SecretRef(SpecModel):
    """Where apply reads a secret: exactly one of ``env``, ``file`` (an absolute path outside any
    git work tree) or ``secretsManager`` (a secret's name or ARN). Never the secret itself."""

    env: EnvName | None = None
    """An environment variable holding the secret."""
    file: str | None = None
    """An absolute path outside the repository."""
    secrets_manager: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    """An AWS Secrets Manager secret (name or ARN) whose SecretString is the secret."""

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        given = [v for v in (self.env, self.file, self.secrets_manager) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of env, file or secretsManager")
        if self.file is not None and not self.file.startswith(("/", "~")):
            raise ValueError("file must be an absolute path (outside the repository)")
        return self


class Dkim(SpecModel):
    """DKIM signing of a domain: Easy DKIM (SES makes the keys; the default) or BYODKIM (your key
    under your selector)."""

    signing_enabled: bool = True
    """Sign outgoing mail with DKIM (PutEmailIdentityDkimAttributes)."""
    next_signing_key_length: KeyLength | None = None
    """Easy DKIM: the key length of the next rotation (default RSA_2048_BIT)."""
    selector: Selector | None = None
    """BYODKIM: the selector your public key is published under (<selector>._domainkey.<domain>)."""
    private_key: SecretRef | None = None
    """BYODKIM: where apply reads the private key (needed whenever it is sent: create or a new selector)."""
    domain_signing_attributes_origin: ReplicaOrigin | None = None
    """Deterministic Easy DKIM (DEED): replicate the Easy DKIM of this domain's verified identity in the
    parent region named (AWS_SES_EU_WEST_1 = eu-west-1), so the parent's DNS records serve this region too.
    Chosen when the identity is created: setting or changing it replaces the identity."""

    @model_validator(mode="after")
    def _one_method(self) -> Dkim:
        if self.domain_signing_attributes_origin is not None and (
            self.selector is not None or self.next_signing_key_length is not None
        ):
            raise ValueError(
                "domainSigningAttributesOrigin replicates the parent region's Easy DKIM (DEED): "
                "leave out selector and nextSigningKeyLength"
            )
        if self.selector is not None and self.next_signing_key_length is not None:
            raise ValueError("nextSigningKeyLength is for Easy DKIM, selector for BYODKIM: give one")
        if self.private_key is not None and self.selector is None:
            raise ValueError("privateKey needs selector (BYODKIM)")
        return self


class MailFrom(SpecModel):
    """A custom MAIL FROM domain (a subdomain of the identity's domain)."""

    domain: Domain
    behavior_on_mx_failure: Literal["USE_DEFAULT_VALUE", "REJECT_MESSAGE"] = "USE_DEFAULT_VALUE"
    """When the MX record is missing: fall back to amazonses.com, or refuse to send."""


def _policy(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"not a JSON policy document: {exc}") from None
    if not isinstance(value, dict) or "Statement" not in value:
        raise ValueError("a policy document is a mapping with a Statement")
    return value


_POLICY_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "object", "required": ["Statement"]}, {"type": "string"}],
    "description": "An IAM policy document (a mapping, or its JSON text); compared as JSON.",
}
Policy = Annotated[dict[str, Any], BeforeValidator(_policy), WithJsonSchema(_POLICY_SCHEMA)]


class EmailIdentitySpec(SpecModel):
    """``kind: EmailIdentity``: CreateEmailIdentity and its attributes."""

    dkim: Dkim | None = None
    """DKIM for a domain (default: Easy DKIM, RSA_2048_BIT, signing on). Not for addresses."""
    mail_from: MailFrom | None = None
    """A custom MAIL FROM domain (default: SES's own)."""
    feedback_forwarding: bool = True
    """Forward bounces and complaints by email (turn off only with an event destination for them)."""
    configuration_set: SesName | None = None
    """The default configuration set of mail sent from this identity (declared in the manifests)."""
    policies: dict[SesName, Policy] = Field(default_factory=dict)
    """Sending authorization policies: name -> policy document (compared as JSON)."""
    tags: Tags = Field(default_factory=dict)


__all__ = ["Dkim", "EmailIdentitySpec", "IdentityName", "MailFrom", "ReplicaOrigin", "SecretRef"]
