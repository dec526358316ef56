"""`sesctl github summary`: the full plan and the apply outcome in the job summary."""

from __future__ import annotations

import gh_plans

from reconciler.engine.render_markdown import check_wellformed


def test_summary_appends_plan_and_apply_outcome(run_cli, workspace) -> None:
    summary = workspace / "summary.md"
    summary.write_text("earlier step\n")
    log = workspace / "apply.log"
    log.write_text("Applied: 2 created\n``` odd fence in output\n")
    result = run_cli(
        "github",
        "summary",
        "--apply-log",
        str(log),
        "--apply-exit-code",
        "0",
        plan=gh_plans.large(500),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stderr
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "The apply succeeded." in text and "Applied: 2 created" in text
    # The job summary has room for the full plan: nothing folded at 500 changes.
    assert "folded" not in text and text.count("<details>") == 500
    assert check_wellformed(text).ok


def test_summary_without_a_summary_file_prints(run_cli) -> None:
    result = run_cli("github", "summary", "--apply-exit-code", "3", plan=gh_plans.destroy())
    assert result.returncode == 0
    assert "**failed** (exit code 3)" in result.stdout
