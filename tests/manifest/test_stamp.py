"""manifest/stamp.py and the cache of AlertPolicy thresholds built on it (app/send_watch.py):
real files, no clock but the file system's."""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.app.send_watch import PolicyRatesCache
from reconciler.manifest.stamp import stamp

PROJECT = "apiVersion: sesctl/v1\nkind: Project\nstack: s\nmanifests: manifests\n"
POLICY = "apiVersion: sesctl/v1\nkind: AlertPolicy\nmetadata: {name: a}\nspec: {bounceRate: 0.05}\n"


def _age(*paths: Path) -> None:
    for path in paths:
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))


def _project(root: Path) -> Path:
    (root / "manifests" / "deeper").mkdir(parents=True)
    (root / "sesctl.yaml").write_text(PROJECT)
    policy = root / "manifests" / "deeper" / "alerts.yaml"
    policy.write_text(POLICY)
    (root / "manifests" / "notes.txt").write_text("not a manifest")
    _age(root / "sesctl.yaml", policy)
    return policy


def test_the_stamp_changes_with_any_manifest_file_and_only_then(tmp_path: Path) -> None:
    policy = _project(tmp_path)
    manifests = (tmp_path / "manifests",)
    first = stamp(tmp_path / "sesctl.yaml", manifests)
    assert first == stamp(tmp_path / "sesctl.yaml", manifests) and first.settled
    (tmp_path / "manifests" / "notes.txt").write_text("still not a manifest")
    assert stamp(tmp_path / "sesctl.yaml", manifests) == first
    (tmp_path / "manifests" / "more.yml").write_text("")  # a new manifest
    added = stamp(tmp_path / "sesctl.yaml", manifests)
    assert added != first and not added.settled  # written just now
    (tmp_path / "manifests" / "more.yml").unlink()
    assert stamp(tmp_path / "sesctl.yaml", manifests) == first
    policy.write_text(POLICY.replace("0.05", "0.04"))  # the same size
    assert stamp(tmp_path / "sesctl.yaml", manifests) != first
    (tmp_path / "sesctl.yaml").write_text(PROJECT + "# edited\n")
    assert stamp(tmp_path / "sesctl.yaml", manifests) != stamp(None, manifests)


def test_the_cache_loads_once_until_a_file_changes(tmp_path: Path) -> None:
    policy = _project(tmp_path)
    cache = PolicyRatesCache(tmp_path)

    def rates() -> float | None:
        return cache().get("bounce_rate")

    assert rates() == 0.05 and rates() == 0.05
    assert cache.loads == 1
    policy.write_text(POLICY.replace("0.05", "0.02"))
    # Just written: loaded again at every call until it settles (a rewrite of the same size
    # within the file system's timestamp granularity would otherwise go unseen).
    assert rates() == 0.02 and rates() == 0.02
    assert cache.loads == 3
    _age(policy)
    assert rates() == 0.02 and rates() == 0.02
    assert cache.loads == 4
    policy.unlink()
    assert rates() is None and cache.loads == 5


def test_a_project_file_that_appears_later_is_seen(tmp_path: Path) -> None:
    rates = PolicyRatesCache(tmp_path)
    assert rates() == {} and rates() == {}
    (tmp_path / ".git").mkdir()  # find_project_file never looks above the repository
    assert rates() == {}
    _project(tmp_path)
    assert rates().get("bounce_rate") == 0.05
