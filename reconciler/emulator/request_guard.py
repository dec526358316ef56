"""What the emulator refuses before a request reaches SES or an admin action: requests from a web
page (DNS rebinding, cross-site POSTs), malformed bodies and region names.

The server has no authentication and binds to loopback. A browser can still reach loopback:
a page on evil.example may POST a form to http://127.0.0.1:4566/_sesctl/reset, or rebind its
own name to 127.0.0.1 and read /_sesctl/state as same-origin. So, as the MCP SDK's HTTP
transport does for a loopback server:

- the Host header must name a loopback host (``localhost`` and its subdomains, 127.0.0.0/8,
  ``::1``), whatever the port; a rebound name fails this;
- an Origin header, when a browser sends one, must be a loopback origin too;
- a state-changing admin call (POST under /_sesctl/) must say ``Content-Type: application/json``,
  which no HTML form can send without a CORS preflight the emulator never grants.

``sesctl local serve --allow-remote`` (a non-loopback bind) turns the host and origin checks off:
the operator has exposed the server on purpose, and remote clients use other names.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from reconciler.emulator.errors import BadRequestException, SesApiError

# A region as AWS spells them (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, ...):
# nothing a path, a file name or a JSON key could be abused with.
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class ForbiddenRequest(SesApiError):
    code = "AccessDeniedException"
    status = 403


# SES's largest request is a SendEmail with a 40 MB raw message, base64 in JSON (about 54 MB).
# A body above this is refused before it is read: a 300 MB POST cost the server 570 MB.
MAX_BODY_BYTES = 64 * 1024 * 1024


class RequestTooLarge(SesApiError):
    code = "RequestEntityTooLarge"
    status = 413


def check_body_length(length: int) -> None:
    if length > MAX_BODY_BYTES:
        raise RequestTooLarge(
            f"The request body is {length:,} bytes; the emulator reads at most {MAX_BODY_BYTES:,} "
            "(SES's largest request, a 40 MB raw message, fits)."
        )


def is_loopback_host(host: str) -> bool:
    """``host`` (no port) is a loopback name or address."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    header = header.strip()
    if header.startswith("["):  # [::1]:4566
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def check_origin(host_header: str | None, origin: str | None) -> None:
    """Refuse a request whose Host or Origin is not loopback (see the module docstring)."""
    if not host_header or not is_loopback_host(_host_of(host_header)):
        raise ForbiddenRequest(
            f"Host {host_header!r} is not a loopback name: the emulator answers only requests addressed to "
            "localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding; see sesctl local serve --allow-remote)."
        )
    if origin and origin != "null":
        parsed = urlsplit(origin)
        if not parsed.hostname or not is_loopback_host(parsed.hostname):
            raise ForbiddenRequest(
                f"Origin {origin!r} is not a loopback origin: cross-site requests are refused."
            )
    elif origin == "null":
        raise ForbiddenRequest("Origin 'null' (a sandboxed or file page) is refused.")


def check_json_content_type(content_type: str | None) -> None:
    """A state-changing admin call must be JSON (an HTML form cannot send it)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise BadRequestException(
            f"Content-Type {content_type or '(none)'!r}: admin calls that change state must send application/json."
        )


def check_region(region: str) -> str:
    if not REGION.match(region):
        raise BadRequestException(
            f"Invalid region {region[:64]!r}: expected a region name such as us-east-1."
        )
    return region
