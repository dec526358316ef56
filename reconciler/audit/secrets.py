"""The audit key: where it may come from, and the keyed hashes of addresses made with it.

The key is a secret: read from an environment variable (``SESCTL_AUDIT_KEY`` by default) or a
file (``SESCTL_AUDIT_KEY_FILE``, or ``audit.keyFile`` in sesctl.yaml, e.g. a mounted secret),
never from sesctl.yaml itself, and never printed. Without one, addresses are still hashed
with a key: a random one kept in ``.sesctl/audit-address.key`` (mode 0600), so the hashes are
stable on one machine but cannot be reversed by hashing a dictionary of addresses elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from reconciler.errors import UsageError

KEY_ENV = "SESCTL_AUDIT_KEY"
KEY_FILE_ENV = "SESCTL_AUDIT_KEY_FILE"
MIN_KEY_BYTES = 16


def load_key(
    environ: Mapping[str, str] | None = None, key_env: str | None = None, key_file: Path | None = None
) -> bytes | None:
    """The HMAC key, or None when none is configured. A configured key that cannot be read
    (missing file, too short) is an error: signing silently switched off is what an attacker wants."""
    env = os.environ if environ is None else environ
    name = key_env or KEY_ENV
    value = env.get(name)
    if value:
        return _checked(value.encode(), f"the environment variable {name}")
    file = env.get(KEY_FILE_ENV) or (str(key_file) if key_file else None)
    if file:
        try:
            data = Path(file).read_bytes().strip()
        except OSError as exc:
            raise UsageError(
                f"cannot read the audit key file {file}: {exc.strerror or exc}",
                hint=f"Point {KEY_FILE_ENV} (or audit.keyFile) at a readable file holding the key.",
            ) from None
        return _checked(data, f"the audit key file {file}")
    return None


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(
            f"the audit key in {where} is shorter than {MIN_KEY_BYTES} bytes",
            hint="Generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return key


def local_address_key(directory: Path) -> bytes:
    """A random key kept in ``directory`` for hashing addresses when no audit key is set."""
    path = directory / "audit-address.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    directory.mkdir(parents=True, exist_ok=True)
    key = _random.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def normalize_address(address: str) -> str:
    """One spelling per mailbox for hashing: NFKC, trimmed, case-folded domain and local part."""
    return unicodedata.normalize("NFKC", address).strip().lower()


def address_hash(address: str, key: bytes) -> str:
    """A keyed hash naming one address in the trail: ``h:`` and 24 hex digits."""
    digest = hmac.new(key, normalize_address(address).encode(), hashlib.sha256).hexdigest()
    return "h:" + digest[:24]


__all__ = ["KEY_ENV", "KEY_FILE_ENV", "address_hash", "load_key", "local_address_key", "normalize_address"]
