"""``sesctl mcp``: a guarded MCP server for Amazon SES (see docs/mcp.md).

from reconciler.mcp import McpApp, build_server, load_config

app = McpApp.create(load_config(Path("mcp.yaml")), aws)   # aws: reconciler.aws.clients.AwsContext
build_server(app).run()                                   # stdio
"""

from __future__ import annotations

from reconciler.mcp.app import McpApp
from reconciler.mcp.config import McpConfig, load_config
from reconciler.mcp.server import build_server

__all__ = ["McpApp", "McpConfig", "build_server", "load_config"]
