"""Secrets that ride along inside text sesctl shows: the user:password part of a URL and
signed-URL query parameters (an ``--endpoint-url``, a git remote, an ``endpointUrl:`` a
pull request wrote). A core module, so the manifest checks, the AWS gateway and the CLI's last
line of defence all mask the same way."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(//)[^/@\s\"']+@")
_QUERY_SECRET = re.compile(
    r"([?&](?:X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential|access_token|token|password|secret|key)=)"
    r"[^&#\s\"']+",
    re.IGNORECASE,
)


def mask_url(text: str) -> str:
    """``text`` with the credentials of any URL in it replaced by ``***``."""
    return _QUERY_SECRET.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


__all__ = ["mask_url"]
