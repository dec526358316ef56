"""line_diff: unified line diffs of template parts for plan output."""

from __future__ import annotations

from reconciler.templates import line_diff


def test_unchanged_is_empty() -> None:
    assert line_diff("a\nb\n", "a\nb\n", "html") == ""
    assert line_diff(None, None, "text") == ""


def test_changed_lines_only_with_context() -> None:
    before = "".join(f"line {i}\n" for i in range(20))
    after = before.replace("line 10\n", "line ten\n")
    diff = line_diff(before, after, "html")
    lines = diff.splitlines()
    assert lines[:3] == ["--- a/html", "+++ b/html", "@@ -8,7 +8,7 @@"]
    assert "-line 10" in lines and "+line ten" in lines
    assert "line 0" not in diff and len(lines) == 3 + 7 + 1


def test_added_and_removed_parts() -> None:
    assert line_diff(None, "Hello {{name}}", "text").splitlines()[:2] == ["--- /dev/null", "+++ b/text"]
    removed = line_diff("Bye\n", None, "text")
    assert removed.splitlines()[:2] == ["--- a/text", "+++ /dev/null"] and "-Bye" in removed


def test_missing_final_newline_is_marked() -> None:
    diff = line_diff("Order {{id}}", "Your order {{id}}", "subject")
    assert diff.endswith(
        "-Order {{id}}\n\\ No newline at end of file\n+Your order {{id}}\n\\ No newline at end of file\n"
    )
