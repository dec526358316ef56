"""The GitHub REST API client (standard library only), below the use cases so that both the
GitHub Actions adapter (reconciler/github) and the MCP server's drafts can open pull requests."""

from reconciler.githubapi.client import GitHubClient, GitHubError

__all__ = ["GitHubClient", "GitHubError"]
