"""Tenant and MultiRegionEndpoint: references checked at load time, association changes named
as adds and removes, a new secondary region planned and applied as a replace with its risk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_support import apply, configuration_set, plan, project, template
from pydantic import ValidationError

from reconciler.kinds.registry import KIND_SPECS
from reconciler.kinds.tenant import KIND as TENANTS
from reconciler.manifest import validate


def _tenant(spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: Tenant\nmetadata: {{name: acme}}\nspec: {spec}\n---\n"


def _endpoint(region: str) -> str:
    return (
        "apiVersion: sesctl/v1\nkind: MultiRegionEndpoint\nmetadata: {name: global}\n"
        f"spec: {{details: {{routesDetails: [{{region: {region}}}]}}}}\n---\n"
    )


def test_a_tenants_resources_must_be_declared(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "sets.yaml": configuration_set("tx"),
            "tenants.yaml": _tenant("{configurationSets: [tx, ghost], templates: [nope], identities: [example.com]}"),
        },
    )
    problems = validate(root)
    codes = sorted(d.code for d in problems if d.code.startswith("E3"))
    assert codes == ["E3011", "E3012", "E3013"], problems
    text = "\n".join(str(d) for d in problems)
    assert "spec.configurationSets[1]" in text and "'ghost'" in text


BAD_SPECS: list[tuple[str, dict[str, Any]]] = [
    ("Tenant", {"templates": ["a", "a"]}),
    ("Tenant", {"reputationPolicy": "lenient"}),
    ("Tenant", {"identities": ["not a domain"]}),
    ("MultiRegionEndpoint", {"details": {"routesDetails": []}}),
    ("MultiRegionEndpoint", {"details": {"routesDetails": [{"region": "x"}]}}),
    ("MultiRegionEndpoint", {}),
]


@pytest.mark.parametrize(("kind", "bad"), BAD_SPECS)
def test_the_specs_refuse_repeats_bad_policies_and_routes(kind: str, bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        KIND_SPECS[kind].model_validate(bad)


def test_association_changes_are_named_as_adds_and_removes() -> None:
    before = {"identities": ["a.com"], "configuration_sets": ["tx"], "templates": [], "reputation_policy": "standard", "tags": {}}
    after = {**before, "identities": ["b.com"], "templates": ["welcome"], "reputation_policy": "none"}
    risks = {r.code: r for r in TENANTS.risks("acme", before, after)}
    assert "identity a.com" in risks["tenant_associations_removed"].message
    assert "identity b.com, template welcome" in risks["tenant_associations_added"].message
    assert risks["tenant_reputation_policy_none"].severity == "medium"
    assert [r.code for r in TENANTS.risks("acme", before, None)] == ["tenant_deleted"]


def test_a_new_secondary_region_replaces_the_endpoint(tmp_path: Path, emulator: Any) -> None:
    ses = emulator.client("sesv2")
    root = project(tmp_path, {"t.yaml": template("t"), "endpoints.yaml": _endpoint("eu-west-1")})
    apply(root, emulator)
    first = ses.get_multi_region_endpoint(EndpointName="global")["EndpointId"]
    project(root, {"t.yaml": template("t"), "endpoints.yaml": _endpoint("us-west-2")})
    planned = plan(root, emulator).plan
    change = next(c for c in planned.changes if c.address == "MultiRegionEndpoint/global")
    assert change.is_replace
    assert [r.code for r in change.risks if r.code.startswith("multi_region")] == ["multi_region_endpoint_replaced"]
    assert first in next(r.message for r in change.risks if r.code == "multi_region_endpoint_replaced")
    outcome = apply(root, emulator)
    assert outcome.result is None or outcome.result.ok
    got = ses.get_multi_region_endpoint(EndpointName="global")
    assert [r["Region"] for r in got["Routes"]] == ["us-east-1", "us-west-2"] and got["EndpointId"] != first
    assert not plan(root, emulator).plan.has_changes
