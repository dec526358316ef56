"""Manifests and an RSA key for the EmailIdentity tests (the key is made per run, never stored)."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

POLICY = (
    '{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "123456789012"}, '
    'Action: ["ses:SendEmail"], Resource: "*"}]}'
)


@cache
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def key_body() -> str:
    """The base64 body of the PEM: what must never be printed."""
    return "".join(private_key_pem().splitlines()[1:-1])


def identity(name: str, spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: EmailIdentity\nmetadata: {{name: {name!r}}}\nspec:\n{spec}---\n"
