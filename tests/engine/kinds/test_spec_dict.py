"""spec_dict reads a spec model field by field instead of model_dump (which would build each
spec class a second time, on its own); the two must give the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from reconciler.kinds.common import spec_dict
from reconciler.kinds.specs.base import SpecModel
from reconciler.manifest import collect

ROOT = Path(__file__).resolve().parents[3]
STACKS = [ROOT / "manifests", *sorted((ROOT / "tests" / "golden").glob("*/desired"))]

TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: dated}
spec:
  subject: "Hi {{name}}"
  text: "Launch {{launch}}"
  defaults:
    launch: 2024-05-01
    at: 2024-05-01T10:00:00Z
    ratio: .inf
    nested: {list: [1, 2.5, true, null], set: !!set {a: null}}
  tags: {team: growth}
  tests:
    - name: launch
      data: {name: Ada}
      expect: {textContains: Launch}
"""


@pytest.mark.parametrize("stack", STACKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_spec_dict_is_what_model_dump_gives(stack: Path) -> None:
    state, _ = collect(stack)
    assert state is not None and state.resources
    for resource in state.resources:
        assert spec_dict(resource.spec) == resource.spec.model_dump(mode="json", by_alias=False), resource.address


def test_inferred_values_are_dumped_as_pydantic_dumps_them(tmp_path: Path) -> None:
    (tmp_path / "dated.yaml").write_text(TEMPLATE)
    state, problems = collect(tmp_path)
    assert state is not None and [r.address for r in state.resources] == ["EmailTemplate/dated"], problems
    spec = state.resources[0].spec
    dumped = spec_dict(spec)
    assert dumped == spec.model_dump(mode="json", by_alias=False)
    assert dumped["defaults"]["launch"] == "2024-05-01"  # a YAML date, as text


class _Sample(SpecModel):
    ratio: float
    data: dict[str, Any] | None = None
    items: list[Any] = Field(default_factory=list)
    pair: tuple[int, str] = (1, "a")
    kinds: frozenset[str] = frozenset()


def test_typed_floats_keep_infinity_and_inferred_ones_do_not() -> None:
    sample = _Sample.model_validate(
        {"ratio": float("inf"), "data": {"x": float("nan"), "y": [float("-inf")]}, "items": [float("inf"), 1]}
    )
    dumped = spec_dict(sample)
    assert dumped == sample.model_dump(mode="json", by_alias=False)
    assert dumped["ratio"] == float("inf") and dumped["items"] == [None, 1]
