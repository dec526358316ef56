"""`sesctl rollback` as an audited operation: a "started" entry (the template, the version it
goes back to and from, whether it is applied at once) before a manifest file is written, and an
outcome entry with the files written and, with --apply, whether SES was changed. The apply that
--apply runs has its own entry (kind apply) between the two; a dry run writes nothing and no entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler import audit
from reconciler.audit.operation import Operation
from reconciler.versions.history import History
from reconciler.versions.rollback import RollbackPlan


@contextmanager
def audited_rollback(
    history: History, plan: RollbackPlan, *, apply: bool, force: bool
) -> Iterator[Operation]:
    details = {
        "address": plan.address,
        "to": plan.target.label,
        "to_commit": plan.target.commit.sha if plan.target.commit else None,
        "from": plan.current.label,
        "apply": apply,
        "force": force,
    }
    with audit.operation("rollback", details, project=audit.project_at(history.project_root)) as entry:
        yield entry


def written(history: History, plan: RollbackPlan) -> list[str]:
    """The files the rollback writes, relative to the repository (for the report and the entry)."""
    return [str(Path(p).relative_to(history.repo_root)) for p in plan.writes]
