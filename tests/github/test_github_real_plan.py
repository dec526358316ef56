"""A REAL plan (`sesctl --local plan --json` against the embedded emulator) through the GitHub flow."""

from __future__ import annotations

import json
from pathlib import Path

from gh_fake import FakeGitHub, pr_event

from reconciler.engine.planfile import parse_plan
from reconciler.engine.render_markdown import check_wellformed, render_markdown

PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: ghtest
manifests: manifests
defaultEnvironment: local
environments:
  local:
    local: true
    region: us-east-1
"""

MANIFESTS = """\
apiVersion: sesctl/v1
kind: ConfigurationSet
metadata:
  name: transactional
spec:
  deliveryOptions:
    tlsPolicy: REQUIRE
  sendingOptions:
    sendingEnabled: true
---
apiVersion: sesctl/v1
kind: EmailTemplate
metadata:
  name: welcome
spec:
  subject: "Welcome, {{name}}!"
  html: "<h1>Hello {{name}}</h1>\\n<p>Write to ops@example.com</p>\\n"
  text: "Hello {{name}}\\n"
  defaults: {name: there}
"""


def test_a_real_plan_renders_comments_and_verifies(github: FakeGitHub, run_cli, workspace: Path) -> None:
    (workspace / "sesctl.yaml").write_text(PROJECT)
    manifests = workspace / "manifests" / "all.yaml"
    manifests.write_text(MANIFESTS)
    applied = run_cli("--local", "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    manifests.write_text(
        MANIFESTS.replace("Hello {{name}}</h1>", "Hi {{name}}</h1>").replace("REQUIRE", "OPTIONAL")
    )

    planned = run_cli("--local", "plan", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert {c["address"] for c in plan["changes"]} == {
        "ConfigurationSet/transactional",
        "EmailTemplate/welcome",
    }

    body = render_markdown(parse_plan(planned.stdout))
    assert check_wellformed(body).ok
    assert body.startswith("<!-- sesctl-plan:ghtest/local -->")
    assert "**Plan: 0 to create, 2 to update, 0 to replace, 0 to delete.**" in body
    assert "-<h1>Hello {{name}}</h1>\n+<h1>Hi {{name}}</h1>" in body  # the template as a line diff
    assert (
        '<code>delivery_options.tls_policy</code> | <code>"REQUIRE"</code> | <code>"OPTIONAL"</code>' in body
    )
    assert plan["checksum"] in body

    # The same plan through the CLI: comment on the pull request, then the merge guard accepts it.
    github.add_pr(31, files=["manifests/all.yaml"], head_sha="feed01", merged_sha="merge31")
    commented = run_cli("github", "comment", plan=plan, event=pr_event(31, "feed01"))
    assert commented.returncode == 0, commented.stderr
    verified = run_cli("github", "verify-plan", "--sha", "merge31", plan=plan)
    assert verified.returncode == 0, verified.stderr

    # The markdown form of `sesctl plan` is this renderer's output.
    markdown = run_cli("--local", "plan", "--markdown")
    assert markdown.returncode == 0 and markdown.stdout == body


MARKETING = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata:
  name: promo
spec:
  marketing: true
  subject: "Offers"
  html: "<p>Deals</p><a href=\\"{{amazonSESUnsubscribeUrl}}\\">Unsubscribe</a>"
"""


def test_the_pull_request_comment_shows_a_broken_bulk_sender_rule(
    github: FakeGitHub, run_cli, workspace: Path
) -> None:
    """A marketing template that loses its unsubscribe link: the plan's bulk_sender_rule note
    (reconciler/dns/plan_risks.py) reaches the comment posted on the pull request."""
    (workspace / "sesctl.yaml").write_text(PROJECT)
    manifests = workspace / "manifests" / "all.yaml"
    manifests.write_text(MARKETING)
    applied = run_cli("--local", "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    manifests.write_text(MARKETING.replace('<a href=\\"{{amazonSESUnsubscribeUrl}}\\">Unsubscribe</a>', ""))
    planned = run_cli("--local", "plan", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)

    github.add_pr(32, files=["manifests/all.yaml"], head_sha="feed02")
    commented = run_cli("github", "comment", plan=plan, event=pr_event(32, "feed02"))
    assert commented.returncode == 0, commented.stderr
    (comment,) = github.comments_on(32)
    assert "bulk_sender_rule" in comment["body"] and "One-click unsubscribe" in comment["body"]
