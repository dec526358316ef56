"""The plan's Markdown form: golden files, GitHub's 65,536-character limit, well-formedness.

Regenerate the golden files after an intended change with ``SESCTL_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import gh_plans
import pytest

from reconciler.engine.render_markdown import GITHUB_COMMENT_LIMIT, check_wellformed, render_markdown

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "no-changes": gh_plans.no_changes,
    "creates-only": gh_plans.creates_only,
    "destroy": gh_plans.destroy,
    "large-500": gh_plans.large,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    body = render_markdown(
        gh_plans.typed(CASES[case]()), details_url="https://github.test/o/r/actions/runs/77"
    )
    path = GOLDEN / f"{case}.md"
    if os.environ.get("SESCTL_UPDATE_GOLDEN"):
        path.write_text(body, encoding="utf-8")
    assert body == path.read_text(encoding="utf-8")
    assert len(body) <= GITHUB_COMMENT_LIMIT
    assert check_wellformed(body).ok


def test_no_changes_wording_and_marker() -> None:
    body = render_markdown(gh_plans.typed(gh_plans.no_changes()))
    assert body.splitlines()[0] == "<!-- sesctl-plan:example/prod -->"
    assert "**No changes.**" in body and "[!CAUTION]" not in body and "<details>" not in body
    assert "EmailTemplate/legacy-promo" in body  # unmanaged are listed


def test_destroy_banner_lists_deletes_and_replaces_only() -> None:
    body = render_markdown(gh_plans.typed(gh_plans.destroy()))
    banner = body.split("> [!CAUTION]")[1].split("\n\n")[0]
    assert "DedicatedIpPool/bulk</code> will be **replaced**" in banner
    assert "EmailTemplate/old-promo</code> will be **deleted**" in banner
    assert "transactional" not in banner
    assert "> [!WARNING]" in body and "sending\\_disabled" not in body and "`sending_disabled`" in body


def test_500_changes_fold_under_the_limit_and_keep_every_address() -> None:
    plan = gh_plans.large(500)
    unfolded = render_markdown(gh_plans.typed(plan), max_chars=10**9)
    assert len(unfolded) > GITHUB_COMMENT_LIMIT  # the case really needs folding
    body = render_markdown(gh_plans.typed(plan))
    assert len(body) <= GITHUB_COMMENT_LIMIT and check_wellformed(body).ok
    assert "folded to stay under GitHub's comment limit" in body
    for change in plan["changes"]:
        assert change["address"] in body
    # Deletes keep their details longest.
    assert "<summary><code>- EmailTemplate/campaign-050</code>" in body


@pytest.mark.parametrize("limit", [3000, 8000, 20000, 40000])
def test_truncation_keeps_markdown_well_formed(limit: int) -> None:
    body = render_markdown(
        gh_plans.typed(gh_plans.large(500)), max_chars=limit, details_url="https://github.test/run/1"
    )
    assert len(body) <= limit
    assert check_wellformed(body).ok
    assert "[!CAUTION]" in body  # the banner survives
    assert "sha256:" in body.splitlines()[-1]  # so does the checksum
    if "cut short" in body:
        assert "https://github.test/run/1" in body and "more (see the full plan)" in body


def test_hostile_content_cannot_break_the_comment() -> None:
    diff = "--- live\n+++ desired\n@@ -1 +1 @@\n-````\n+</details><details>\n+```\n"
    plan = gh_plans.plan(
        [
            gh_plans.change(
                "EmailTemplate",
                "evil",
                ["update"],
                fields=[
                    {"path": "subject", "op": "change", "before": "a|b", "after": "<b>@octocat</b>\n`x`"}
                ],
                text_diffs=[{"part": "html", "diff": diff}],
                risks=[
                    {
                        "code": "template_contract_changed",
                        "severity": "low",
                        "message": "ping @octocat [x](y)",
                    }
                ],
            )
        ]
    )
    body = render_markdown(gh_plans.typed(plan))
    assert check_wellformed(body).ok
    assert "`````diff" in body  # the fence outgrows the backticks in the diff
    assert "@octocat" not in body  # no mention notifications from plan content
    assert "<b>" not in body and "a&#124;b" in body


def test_one_huge_template_diff_is_cut_at_a_line() -> None:
    diff = "--- live\n+++ desired\n" + "".join(f"+line {i}\n" for i in range(20000))
    plan = gh_plans.plan(
        [gh_plans.change("EmailTemplate", "big", ["update"], text_diffs=[{"part": "html", "diff": diff}])]
    )
    body = render_markdown(gh_plans.typed(plan))
    assert len(body) <= GITHUB_COMMENT_LIMIT and check_wellformed(body).ok
    assert "more lines in the full plan" in body


def test_wellformedness_checker_catches_broken_markdown() -> None:
    assert not check_wellformed("<details><summary>x</summary>\n\ny\n").ok
    assert not check_wellformed("```diff\n+x\n").ok
    assert check_wellformed("```\n<details>\n```\n").ok
