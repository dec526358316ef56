"""Template versions from git: history, diffs between versions (or against live SES) and
rollback. git is the version store; see docs/template-lifecycle.md."""
