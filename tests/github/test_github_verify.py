"""`sesctl github verify-plan`: apply only the plan that was reviewed on the merged pull request."""

from __future__ import annotations

import gh_plans
from gh_fake import FakeGitHub, pr_event


def _review(github: FakeGitHub, run_cli, *, head: str = "head1", merged: str = "merge1") -> dict:
    """A pull request planned, commented at ``head``, then merged as commit ``merged``."""
    reviewed = gh_plans.destroy()
    github.add_pr(21, files=["manifests/a.yaml"], head_sha=head, merged_sha=merged)
    assert run_cli("github", "comment", plan=reviewed, event=pr_event(21, head)).returncode == 0
    return reviewed


def test_the_reviewed_plan_passes(github: FakeGitHub, run_cli) -> None:
    reviewed = _review(github, run_cli)
    result = run_cli("github", "verify-plan", "--sha", "merge1", plan=reviewed)
    assert result.returncode == 0, result.stderr
    assert "#21" in result.stdout


def test_refuses_when_live_state_changed_between_review_and_merge(github: FakeGitHub, run_cli) -> None:
    _review(github, run_cli)
    fresh = gh_plans.destroy()
    # Someone edited the account in the console after review: the live fingerprint moved and the
    # fresh plan has one more change than the reviewed one.
    fresh = gh_plans.plan(
        [*fresh["changes"], gh_plans.change("EmailTemplate", "hotfix", ["delete"])], live="v2"
    )
    refused = run_cli("github", "verify-plan", "--sha", "merge1", plan=fresh)
    assert refused.returncode == 1
    assert "refusing to apply" in refused.stderr and "live state changed since review" in refused.stderr
    assert "--accept-drift" in refused.stderr and "Traceback" not in refused.stderr

    accepted = run_cli("github", "verify-plan", "--sha", "merge1", "--accept-drift", plan=fresh)
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted with --accept-drift" in accepted.stderr


def test_refuses_when_manifests_changed_after_the_last_plan_comment(github: FakeGitHub, run_cli) -> None:
    _review(github, run_cli, head="head1")
    github.issues[21]["head"]["sha"] = "head2"  # a push whose plan job never commented
    fresh = gh_plans.creates_only()
    refused = run_cli("github", "verify-plan", "--sha", "merge1", plan=fresh)
    assert refused.returncode == 1
    assert "manifests changed after the last plan comment" in refused.stderr


def test_refuses_a_commit_without_a_merged_pull_request(github: FakeGitHub, run_cli) -> None:
    refused = run_cli("github", "verify-plan", plan=gh_plans.creates_only(), env={"GITHUB_SHA": "direct1"})
    assert refused.returncode == 1 and "did not come from a merged pull request" in refused.stderr


def test_refuses_a_pull_request_that_was_never_planned(github: FakeGitHub, run_cli) -> None:
    github.add_pr(22, files=["manifests/a.yaml"], merged_sha="merge9")
    refused = run_cli("github", "verify-plan", "--sha", "merge9", plan=gh_plans.creates_only())
    assert refused.returncode == 1 and "no sesctl plan comment" in refused.stderr


def test_an_empty_fresh_plan_always_passes(github: FakeGitHub, run_cli) -> None:
    # A merge that touched no manifests (so no plan comment) and an account already in sync.
    result = run_cli("github", "verify-plan", plan=gh_plans.no_changes(), env={"GITHUB_SHA": "docs1"})
    assert result.returncode == 0 and "nothing to apply" in result.stdout


def test_a_plan_carrying_the_reviewed_checksum_over_other_changes_is_refused(
    github: FakeGitHub, run_cli
) -> None:
    reviewed = _review(github, run_cli)
    forged = gh_plans.plan([*reviewed["changes"], gh_plans.change("EmailTemplate", "extra", ["delete"])])
    forged["checksum"] = reviewed["checksum"]  # the merge guard compares checksums it computes itself
    refused = run_cli("github", "verify-plan", "--sha", "merge1", plan=forged)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "does not match its changes" in refused.stderr
