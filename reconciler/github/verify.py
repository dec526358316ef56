"""The merge guard: apply only the plan that reviewers saw on the pull request.

The PR job records the plan's checksum (over ``changes`` only) in the hidden metadata of its
comment, with the live fingerprint and the head commit it planned. At merge the apply job makes
a fresh plan and compares checksums (octodns' ``--checksum``). Both checksums are computed from
the plans' changes, never taken from what a file says: the fresh plan is read (and its written
checksum verified) by reconciler/engine/planfile.py, and compared by ``Plan.checksum``. When
they differ it says why:

- the pull request got commits after its last plan comment (the plan job failed or is behind);
- the live account changed between review and merge (someone used the console);
- main moved: another merge changed what this commit applies.

Refusing is the default; an operator can accept the difference with ``--accept-drift``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.engine.plan import Plan
from reconciler.engine.render_markdown import plan_marker
from reconciler.github.comment import find_comment, read_meta
from reconciler.githubapi.client import GitHubClient


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    pr_number: int | None = None
    reviewed_checksum: str | None = None
    accepted_drift: bool = False


def merged_pull_request(client: GitHubClient, repo: str, sha: str) -> dict[str, Any] | None:
    """The merged pull request that produced commit ``sha`` (merge, squash or rebase)."""
    pulls = [p for p in client.paginate(f"/repos/{repo}/commits/{sha}/pulls") if p.get("merged_at")]
    for pull in pulls:
        if pull.get("merge_commit_sha") == sha:
            return dict(pull)
    return dict(pulls[0]) if pulls else None


def verify_plan(
    client: GitHubClient, repo: str, sha: str, plan: Plan, *, accept_drift: bool = False
) -> Verdict:
    stack = plan.stack or "default"
    environment = plan.environment or "default"
    fresh = plan.checksum  # recomputed from the changes, not the checksum the file carries
    if not plan.has_changes:
        # Applying an empty plan changes nothing, whatever was (or was not) reviewed.
        return Verdict(True, "the fresh plan has no changes: nothing to apply")
    pull = merged_pull_request(client, repo, sha)
    if pull is None:
        return _refuse(
            f"commit {sha[:12]} did not come from a merged pull request, so there is no reviewed plan to "
            "compare with",
            accept_drift,
        )
    number = int(pull["number"])
    comment = find_comment(client, repo, number, plan_marker(stack, environment))
    if comment is None:
        return _refuse(
            f"pull request #{number} has no sesctl plan comment for {stack}/{environment}: the plan job did "
            "not run (or failed) for it, so nobody reviewed a plan",
            accept_drift,
            number,
        )
    meta = read_meta(str(comment.get("body") or ""))
    reviewed = meta.get("checksum", "")
    if reviewed == fresh:
        return Verdict(
            True, f"the plan matches the one reviewed on pull request #{number} ({fresh})", number, reviewed
        )
    reasons = _reasons(pull, meta, plan)
    message = (
        f"the fresh plan ({fresh}) is not the plan reviewed on pull request #{number} ({reviewed or 'none'}): "
        + "; ".join(reasons)
    )
    return _refuse(message, accept_drift, number, reviewed)


def _reasons(pull: dict[str, Any], meta: dict[str, str], plan: Plan) -> list[str]:
    if not meta.get("checksum"):
        return ["the last plan on the pull request failed, so no plan was reviewed"]
    reasons = []
    head = str((pull.get("head") or {}).get("sha") or "")
    planned = meta.get("head_sha", "")
    if head and planned and head != planned:
        reasons.append(
            f"manifests changed after the last plan comment (the comment planned {planned[:7]}, the pull "
            f"request merged at {head[:7]})"
        )
    if meta.get("live_fingerprint") and meta["live_fingerprint"] != plan.live_fingerprint:
        reasons.append("live state changed since review (SES resources were changed outside this repository)")
    if not reasons:
        reasons.append("main moved after the review (another merge changed what this commit applies)")
    return reasons


def _refuse(
    message: str, accept_drift: bool, number: int | None = None, reviewed: str | None = None
) -> Verdict:
    if accept_drift:
        return Verdict(
            True, message + " — accepted with --accept-drift", number, reviewed, accepted_drift=True
        )
    return Verdict(False, message, number, reviewed)
