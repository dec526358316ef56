"""sesctl on GitHub: the plan comment, labels, drift issues and the merge-time checksum guard.

    actions.py    what a GitHub Actions run tells us (repository, pull request, sha, run URL)
    comment.py    ONE comment per pull request and stack/environment, edited in place
    labels.py     sesctl:no-changes / sesctl:changes / sesctl:destroy (and sesctl:drift)
    scope.py      does a pull request touch the manifests at all?
    drift.py      ONE drift issue per stack/environment: opened, updated, closed
    verify.py     the merge guard: the fresh plan must be the plan that was reviewed

Everything here is plain functions over :class:`client.GitHubClient`, so the tests drive it
against a fake GitHub on 127.0.0.1 and the CLI (reconciler/cli/github.py) stays thin.
"""
