"""The sesctl MCP server (``mcp`` SDK 2.x ``MCPServer``).

app = McpApp.create(load_config(path), aws)
server = build_server(app)                  # then server.run() (stdio), or http.serve(...)
async with Client(server) as client: ...    # in-process, as the tests do
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from reconciler import __version__
from reconciler.mcp.app import McpApp
from reconciler.mcp.audit import AuditMiddleware
from reconciler.mcp.tools import register

INSTRUCTIONS = """\
Amazon SES operations for the day-to-day work that does not belong in git: guarded sends of
stored templates, quota, template previews, suppression checks, delivery diagnosis, analytics
and drift. Infrastructure (templates, configuration sets, identities) changes only through a
reviewed pull request, never through this server. Sends are limited to the senders,
configuration sets and recipients the server's operator allowed, and every send is confirmed
by the human after a preview; use dry_run=true to preview without asking.
"""


class StaticTokenVerifier:
    """Bearer-token check for ``--http``: one shared secret, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token="[redacted]", client_id="bearer", scopes=[])
        return None


def build_server(
    app: McpApp, *, token: str | None = None, public_url: str | None = None
) -> MCPServer[McpApp]:
    """The server with every tool registered (no send tools when the configuration is read-only).

    ``token`` turns on bearer authentication for the HTTP transport (stdio and in-process
    connections never authenticate: the process boundary is the trust boundary there)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[McpApp]) -> AsyncIterator[McpApp]:
        yield app

    auth: dict[str, Any] = {}
    if token:
        auth = {
            "token_verifier": StaticTokenVerifier(token),
            # A static token has no authorization server; issuer_url is required by the SDK's
            # settings, and with no resource_server_url no OAuth metadata is advertised.
            "auth": AuthSettings.model_validate(
                {"issuer_url": public_url or "http://127.0.0.1", "resource_server_url": None}
            ),
        }
    server: MCPServer[McpApp] = MCPServer(
        "sesctl",
        title="sesctl (Amazon SES)",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",  # no per-request access lines from uvicorn
        lifespan=lifespan,
        middleware=[AuditMiddleware(app.audit)],
        **auth,
    )
    register(server, read_only=app.config.read_only, drafts=app.config.drafts.enabled)
    return server
