"""The lifecycle every kind must survive against the emulator over HTTP (one driver, one case per kind).

Convention (checked by tests/engine/kinds/test_plugins.py): for the kind whose plug-in lives in
``reconciler/kinds/<module>.py`` there is ``tests/engine/kinds/test_lifecycle_<module>.py``
defining ``test_lifecycle``, which calls :func:`run_lifecycle` with a :class:`Lifecycle`:

    1. create: apply ``needs`` + ``create``; the plan afterwards is empty;
    2. update: apply ``needs`` + ``update``; the plan showed an update of ``address``; empty afterwards;
    3. import: ``sesctl import`` into a fresh project of the same stack writes manifests whose
       plan is empty (the written files, loaded and planned);
    4. delete: ``create``'s documents leave the manifests; apply --prune deletes ``address``
       (a singleton is left as it is: no change); the plan afterwards is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine_support import apply, plan, project, settings, template

from reconciler.app import import_ as importing


@dataclass(frozen=True)
class Lifecycle:
    address: str  # the resource under test: "EmailTemplate/welcome"
    create: str  # its manifest document(s), first version
    update: str  # the same resource, changed
    needs: Mapping[str, str] = field(default_factory=dict)  # other files it refers to (kept throughout)
    singleton: bool = False
    # Checks on live SES after each step (step name -> check(emulator)), e.g. what the update sent.
    checks: Mapping[str, Callable[[Any], None]] = field(default_factory=dict)


# Kept in the manifests throughout: the delete step leaves something to load (an empty
# manifests directory is an error), and import and prune must leave it alone.
BYSTANDER = {"bystander.yaml": template("bystander")}


def _converge(root: Path, emulator: Any, **request: Any) -> Any:
    outcome = apply(root, emulator, **request)
    assert outcome.result is None or outcome.result.ok, outcome.result
    after = plan(root, emulator).plan
    assert not after.has_changes, [c.address for c in after.changes]
    return outcome


def run_lifecycle(tmp_path: Path, emulator: Any, case: Lifecycle) -> None:
    root = project(tmp_path / "stack", {**BYSTANDER, **case.needs, "resource.yaml": case.create})
    created = _converge(root, emulator)
    assert case.address in [c.address for c in created.plan.changes]
    if "create" in case.checks:
        case.checks["create"](emulator)

    project(root, {**BYSTANDER, **case.needs, "resource.yaml": case.update})
    updated = _converge(root, emulator)
    changes = {c.address: c.actions for c in updated.plan.changes}
    assert [str(a) for a in changes[case.address]] == ["update"], changes
    if "update" in case.checks:
        case.checks["update"](emulator)

    fresh = tmp_path / "imported"
    fresh.mkdir()
    (fresh / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n"
    )
    imported = importing.import_(settings(emulator), importing.ImportRequest(project=fresh, rate=1000))
    assert case.address in imported.imported, imported
    again = plan(fresh, emulator).plan
    assert not again.has_changes, [(c.address, [f.path for f in c.fields]) for c in again.changes]

    project(root, {**BYSTANDER, **case.needs})
    deleted = _converge(root, emulator, prune=True)
    actions = {c.address: [str(a) for a in c.actions] for c in deleted.plan.changes}
    if case.singleton:
        assert case.address not in actions, actions
    else:
        assert actions.get(case.address) == ["delete"], actions
        assert plan(root, emulator).live.get(case.address) is None
    if "delete" in case.checks:
        case.checks["delete"](emulator)
