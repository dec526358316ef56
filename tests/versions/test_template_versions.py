"""Template versions from a real git repository made in the test: history, diff, rollback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import load_manifests
from reconciler.versions.history import template_history
from reconciler.versions.rollback import RollbackRefused, document_spans, prepare, write

# The console script of the interpreter running the tests (a real subprocess).
SESCTL = str(Path(sys.executable).with_name("sesctl"))

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: versions
manifests: manifests
defaultEnvironment: local
environments:
  local: {local: true, region: us-east-1}
"""

TEMPLATES = """\
# Our templates. This comment must survive a rollback.
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome}
spec:
  subject: "Welcome, {{name}}!"
  html: {file: bodies/welcome.html}
  text: "Hello {{name}}"
  defaults: {name: there}
---
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: other}
spec:
  subject: "Other"
  text: "Other {{x}}"
  defaults: {x: "1"}
"""

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], env=ENV, capture_output=True, text=True, check=True)
    return done.stdout


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def sesctl(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, *args],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Four commits: v1; v2 (html changed); a rename of the body file (same content: no new
    version); v3 (html needs a new variable, defaults updated with it)."""
    root = tmp_path / "repo"
    (root / "manifests" / "bodies").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "sesctl.yaml").write_text(PROJECT)
    (root / "manifests" / "templates.yaml").write_text(TEMPLATES)
    (root / "manifests" / "bodies" / "welcome.html").write_text("<p>Hello {{name}}</p>\n")
    commit(root, "Add welcome")
    (root / "manifests" / "bodies" / "welcome.html").write_text("<p>Hi {{name}}!</p>\n")
    commit(root, "Friendlier welcome")
    git(root, "mv", "manifests/bodies/welcome.html", "manifests/bodies/hello.html")
    manifest = root / "manifests" / "templates.yaml"
    manifest.write_text(manifest.read_text().replace("bodies/welcome.html", "bodies/hello.html"))
    commit(root, "Rename the body file")
    (root / "manifests" / "bodies" / "hello.html").write_text("<p>Hi {{name}} from {{team}}!</p>\n")
    manifest.write_text(manifest.read_text().replace("defaults: {name: there}", "defaults: {name: there, team: us}"))
    commit(root, "Sign with the team")
    return root


def test_history_lists_each_change_once_and_follows_renames(repo: Path) -> None:
    history = template_history(repo, "EmailTemplate/welcome")
    assert [v.number for v in history.versions] == [1, 2, 3]
    assert [v.commit.subject for v in history.versions if v.commit] == [
        "Add welcome",
        "Friendlier welcome",
        "Sign with the team",
    ]
    assert history.versions[0].body_files == {"html": "manifests/bodies/welcome.html"}
    assert history.versions[2].body_files == {"html": "manifests/bodies/hello.html"}
    assert history.working is None
    assert history.versions[0].commit is not None and history.versions[0].commit.author == "Ada"


def test_uncommitted_changes_are_a_working_version(repo: Path) -> None:
    (repo / "manifests" / "bodies" / "hello.html").write_text("<p>draft</p>\n")
    history = template_history(repo, "welcome")
    assert history.working is not None
    assert history.find("-1").number == 3
    assert history.current.content.html == "<p>draft</p>\n"


def test_find_by_version_relative_and_git_revision(repo: Path) -> None:
    history = template_history(repo, "welcome")
    assert history.find("v2").number == 2
    assert history.find("2").number == 2
    assert history.find("-1").number == 2
    assert history.find("HEAD~1").number == 2  # the rename commit: still v2
    assert history.find("HEAD~3").number == 1
    with pytest.raises(UsageError, match="no version v9"):
        history.find("v9")
    with pytest.raises(UsageError, match="goes past the first"):
        history.find("-5")
    with pytest.raises(UsageError, match="no commit"):
        history.find("no-such-branch")


def test_diff_shows_line_diffs_and_the_contract_change(repo: Path) -> None:
    result = sesctl(repo, "diff", "EmailTemplate/welcome", "v2", "v3")
    assert result.returncode == 0, result.stderr
    assert "-<p>Hi {{name}}!</p>" in result.stdout
    assert "+<p>Hi {{name}} from {{team}}!</p>" in result.stdout
    assert "+ team  (now required" in result.stdout
    same = sesctl(repo, "diff", "welcome", "-1", "v2")
    assert "No differences" in same.stdout


def test_render_an_old_revision(repo: Path) -> None:
    old = sesctl(repo, "render", "welcome", "--revision", "v1", "--part", "html", "--data", '{"name": "Ada"}')
    assert old.returncode == 0, old.stderr
    assert old.stdout == "<p>Hello Ada</p>\n"
    now = sesctl(repo, "render", "welcome", "--part", "html", "--data", '{"name": "Ada"}')
    assert now.stdout == "<p>Hi Ada from us!</p>\n"
    missing = sesctl(repo, "render", "welcome", "--revision", "v9")
    assert missing.returncode == 1 and "no version v9" in missing.stderr


def test_rollback_writes_files_that_load_to_the_old_content(repo: Path) -> None:
    before_other = load_manifests(repo).get("EmailTemplate/other")
    result = sesctl(repo, "rollback", "EmailTemplate/welcome", "--to", "v1")
    assert result.returncode == 0, result.stderr
    state = load_manifests(repo)
    welcome = state.get("EmailTemplate/welcome")
    assert welcome is not None
    spec = welcome.spec_as(EmailTemplateSpec)
    assert spec.html == "<p>Hello {{name}}</p>\n"
    # v1 named bodies/welcome.html: written back; the current file is left alone and reported.
    assert (repo / "manifests" / "bodies" / "welcome.html").read_text() == "<p>Hello {{name}}</p>\n"
    assert "No longer referenced (left in place): manifests/bodies/hello.html" in result.stdout
    text = (repo / "manifests" / "templates.yaml").read_text()
    assert text.startswith("# Our templates. This comment must survive a rollback.")
    other = state.get("EmailTemplate/other")
    assert other is not None and before_other is not None and other.spec == before_other.spec
    assert "git diff" in result.stdout


def test_rollback_dry_run_writes_nothing(repo: Path) -> None:
    before = git(repo, "status", "--porcelain")
    result = sesctl(repo, "rollback", "welcome", "--to", "-1", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would write: manifests/templates.yaml, manifests/bodies/welcome.html" in result.stdout
    assert git(repo, "status", "--porcelain") == before


def test_rollback_refused_when_senders_no_longer_pass_a_variable(repo: Path) -> None:
    # v4 drops `team` from the defaults and the html: senders stop passing it.
    html = repo / "manifests" / "bodies" / "hello.html"
    html.write_text("<p>Hi {{name}}</p>\n")
    manifest = repo / "manifests" / "templates.yaml"
    manifest.write_text(manifest.read_text().replace("defaults: {name: there, team: us}", "defaults: {name: there}"))
    commit(repo, "No more team")
    status = git(repo, "status", "--porcelain")
    result = sesctl(repo, "rollback", "welcome", "--to", "v3")
    assert result.returncode == 1
    assert "needs variables the senders no longer pass: team" in result.stderr
    assert "Traceback" not in result.stderr
    assert git(repo, "status", "--porcelain") == status  # nothing written
    history = template_history(repo, "welcome")
    with pytest.raises(RollbackRefused):
        prepare(history, "v3")
    forced = prepare(history, "v3", force=True)
    assert forced.target.number == 3


def test_rollback_to_the_current_version_is_refused(repo: Path) -> None:
    history = template_history(repo, "welcome")
    with pytest.raises(RollbackRefused, match="already at v3"):
        prepare(history, "v3")


def test_a_rollback_that_does_not_validate_is_undone(repo: Path) -> None:
    history = template_history(repo, "welcome")
    plan = prepare(history, "v2")
    # Make the write produce an invalid template: the old html no longer parses.
    for path in list(plan.writes):
        if path.name == "welcome.html":
            plan.writes[path] = "<p>{{#if}}</p>\n"
    manifest = repo / "manifests" / "templates.yaml"
    before = manifest.read_bytes()
    with pytest.raises(RollbackRefused, match="does not validate"):
        write(plan, repo, None)
    assert manifest.read_bytes() == before
    assert not (repo / "manifests" / "bodies" / "welcome.html").exists()


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATES.replace("{file: bodies/welcome.html}", '"x"'))
    result = sesctl(tmp_path, "history", "welcome", "--offline")
    assert result.returncode == 1
    assert "not inside a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_other_kinds_are_refused(repo: Path) -> None:
    result = sesctl(repo, "history", "ConfigurationSet/x", "--offline")
    assert result.returncode == 1
    assert "EmailTemplate only" in result.stderr


def test_document_spans_cover_each_document() -> None:
    spans = document_spans(TEMPLATES)
    assert len(spans) == 2
    first = TEMPLATES[spans[0][0] : spans[0][1]]
    second = TEMPLATES[spans[1][0] : spans[1][1]]
    assert "name: welcome" in first and "name: other" not in first
    assert "name: other" in second and second.startswith("---")


def test_break_glass_apply_then_history_names_the_live_version(repo: Path) -> None:
    applied = sesctl(repo, "--local", "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    history = sesctl(repo, "--local", "history", "EmailTemplate/welcome")
    assert "<- live" in history.stdout and "Live: v3" in history.stdout
    rolled = sesctl(repo, "--local", "rollback", "welcome", "--to", "v2", "--apply", "--auto-approve")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "EmailTemplate/welcome: update done" in rolled.stdout
    after = sesctl(repo, "--local", "history", "welcome", "--json")
    assert '"state": "version"' in after.stdout and '"version": 2' in after.stdout
    assert '"rolled_back": true' in after.stdout
    live = sesctl(repo, "--local", "diff", "welcome", "live", "v2")
    assert "No differences" in live.stdout
    # Undo the written files: the manifests say v3 again, SES holds the rolled-back v2.
    git(repo, "checkout", "--", ".")
    planned = sesctl(repo, "--local", "plan", "--json")
    change = next(c for c in json.loads(planned.stdout)["changes"] if c["address"] == "EmailTemplate/welcome")
    assert "template_rolled_back" in [r["code"] for r in change["risks"]]
    assert any("live is v2" in r["message"] for r in change["risks"])


def test_apply_stamps_the_revision_and_history_names_it(repo: Path) -> None:
    """Apply tags each template it writes with the commit it came from; history names the live
    version by that tag, which tells apart two versions with the same content (a revert)."""
    (repo / ".git" / "info" / "exclude").write_text(".sesctl/\n")  # the local emulator's state
    head = git(repo, "rev-parse", "HEAD").strip()
    applied = sesctl(repo, "--local", "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    live = json.loads(sesctl(repo, "--local", "history", "welcome", "--json").stdout)["live"]
    assert live["found_by"] == "revision tag" and live["version"] == 3
    assert live["applied"]["commit"] == head[:12] and live["applied"]["uncommitted"] is False

    # v4 reverts the html to v2's: by content alone SES would be named v4 (the newest match).
    v2_sha = git(repo, "log", "--format=%H", "--grep", "Friendlier welcome").strip()
    (repo / "manifests" / "bodies" / "hello.html").write_text("<p>Hi {{name}}!</p>\n")
    manifest = repo / "manifests" / "templates.yaml"
    manifest.write_text(manifest.read_text().replace("defaults: {name: there, team: us}", "defaults: {name: there}"))
    commit(repo, "Back to the v2 wording")
    branch = git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(repo, "checkout", "-q", v2_sha)
    done = sesctl(repo, "--local", "apply", "--auto-approve")
    assert done.returncode == 0, done.stdout + done.stderr
    git(repo, "checkout", "-q", branch)
    live = json.loads(sesctl(repo, "--local", "history", "welcome", "--json").stdout)["live"]
    assert live["version"] == 2 and live["found_by"] == "revision tag"
    assert live["applied"]["commit"] == v2_sha[:12]

    # An apply from an uncommitted work tree says so; content then names the version.
    (repo / "manifests" / "bodies" / "hello.html").write_text("<p>Hi {{name}}, edited!</p>\n")
    assert sesctl(repo, "--local", "apply", "--auto-approve").returncode == 0
    live = json.loads(sesctl(repo, "--local", "history", "welcome", "--json").stdout)["live"]
    assert live["applied"]["uncommitted"] is True and live["found_by"] == "content"
    assert live["version"] is None and "uncommitted changes on" in live["text"]

