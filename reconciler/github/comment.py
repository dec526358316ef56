"""ONE sesctl comment per pull request and stack/environment, found by its hidden marker and
edited in place on every push: never a second comment, never delete-and-recreate (which would
reorder the conversation and notify everyone again)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from reconciler.engine.render_markdown import META_PREFIX
from reconciler.githubapi.client import GitHubClient

_META = re.compile(r"<!-- " + re.escape(META_PREFIX) + r"(\{.*?\}) -->")


@dataclass(frozen=True)
class Upserted:
    action: str  # "created" | "updated" | "unchanged"
    comment_id: int
    url: str


def find_comment(client: GitHubClient, repo: str, number: int, marker: str) -> dict[str, Any] | None:
    """The first comment on the issue/pull request whose body starts with ``marker``."""
    for comment in client.paginate(f"/repos/{repo}/issues/{number}/comments"):
        body = comment.get("body") or ""
        if body.startswith(marker) or f"\n{marker}" in body:
            return dict(comment)
    return None


def upsert_comment(client: GitHubClient, repo: str, number: int, marker: str, body: str) -> Upserted:
    existing = find_comment(client, repo, number, marker)
    if existing is None:
        created = client.request("POST", f"/repos/{repo}/issues/{number}/comments", json_body={"body": body})
        return Upserted("created", int(created["id"]), str(created.get("html_url", "")))
    if existing.get("body") == body:
        return Upserted("unchanged", int(existing["id"]), str(existing.get("html_url", "")))
    updated = client.request(
        "PATCH", f"/repos/{repo}/issues/comments/{existing['id']}", json_body={"body": body}
    )
    return Upserted("updated", int(updated["id"]), str(updated.get("html_url", "")))


def read_meta(body: str) -> dict[str, str]:
    """The hidden metadata render_markdown writes (checksum, live_fingerprint, head_sha)."""
    match = _META.search(body)
    if not match:
        return {}
    try:
        data = json.loads(match.group(1))
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
