"""Secret references: where a value too sensitive for git (a BYODKIM private key) is read.

A manifest names the secret, never holds it:

    privateKey: {env: DKIM_PRIVATE_KEY}                 # an environment variable
    privateKey: {file: /run/secrets/dkim.pem}           # a file outside any git work tree
    privateKey: {secretsManager: prod/ses/dkim}         # an AWS Secrets Manager secret (name or ARN)

The value is read only by apply, at the moment it is sent to SES, and goes nowhere else: not into
the normalized form, plans, logs or error messages (those name the reference only).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import AwsError, UsageError

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", re.S)


def describe(reference: Mapping[str, str]) -> str:
    """``environment variable DKIM_KEY``: what a message may say about a reference."""
    if "env" in reference:
        return f"environment variable {reference['env']}"
    if "file" in reference:
        return f"file {reference['file']}"
    return f"Secrets Manager secret {reference.get('secrets_manager', '?')}"


def read_secret(reference: Mapping[str, str], gateway: SesGateway, what: str) -> str:
    """The secret's text; ``what`` names its use in messages ("the DKIM key of example.com")."""
    where = describe(reference)
    if "env" in reference:
        value = os.environ.get(reference["env"])
        if not value:
            raise UsageError(f"{what}: {where} is not set", hint=f"Export {reference['env']} before apply.")
        return value
    if "file" in reference:
        return _read_file(Path(reference["file"]).expanduser(), what, where)
    # botocore only when a secret is read from Secrets Manager: validate never does
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = gateway.client_for("secretsmanager").get_secret_value(SecretId=reference["secrets_manager"])
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "Unknown")
        raise AwsError(
            f"{what}: cannot read {where}: {code}",
            code=code,
            hint="Check the secret's name and region, and that the caller may secretsmanager:GetSecretValue.",
        ) from None
    except BotoCoreError as exc:
        raise AwsError(f"{what}: cannot reach Secrets Manager for {where}: {type(exc).__name__}") from None
    value = answer.get("SecretString")
    if not isinstance(value, str) or not value:
        raise UsageError(f"{what}: {where} holds no text (SecretString)")
    return value


def _read_file(path: Path, what: str, where: str) -> str:
    if not path.is_absolute():
        raise UsageError(f"{what}: {where} must be an absolute path outside the repository")
    resolved = path.resolve()
    repository = next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), None)
    if repository is not None:
        raise UsageError(
            f"{what}: {where} is inside the git work tree {repository}",
            hint="Keep private keys out of git: move the file elsewhere, or use env or secretsManager.",
        )
    try:
        return resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UsageError(f"{what}: cannot read {where}: {reason}") from None


def dkim_private_key(text: str, what: str) -> str:
    """SES's DomainSigningPrivateKey: base64 of the key's DER bytes. A PEM file gives its body;
    base64 (of DER or of PEM) passes as it is. The key itself never appears in the error."""
    found = _PEM.search(text)
    body = "".join((found.group(1) if found else text).split())
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            f"{what}: the secret is neither a PEM private key nor base64",
            hint="Store the RSA private key as PEM (-----BEGIN PRIVATE KEY-----) or as base64 of its DER bytes.",
        ) from None
    return body


__all__ = ["describe", "dkim_private_key", "read_secret"]
