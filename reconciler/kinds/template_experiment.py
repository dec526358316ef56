"""TemplateExperiment as a plug-in: a manifest-only kind (declared and checked in git, never
planned: SES has no such resource).

The loader validates it (the spec, and that every variant's template is declared), `sesctl
schema` describes it, and the send and experiment use cases read it from the loaded manifests.
Its Kind exists for the registry's sake (name, wave, no IAM actions); the engine never calls it,
because KindPlugin.manifest_only keeps it out of the planned kinds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk
from reconciler.kinds.plugin import KindPlugin, Reference
from reconciler.kinds.specs.template_experiment import MAX_VARIANTS, TemplateExperimentSpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


class TemplateExperimentKind:
    kind: ClassVar[str] = "TemplateExperiment"
    wave: ClassVar[int] = 60  # above EmailTemplate (50), which its variants name
    iam_actions: ClassVar[frozenset[str]] = frozenset()
    taggable: ClassVar[bool] = False
    singleton: ClassVar[bool] = False

    replace_fields: ClassVar[frozenset[str]] = frozenset()

    def _never(self) -> JsonDict:
        raise RuntimeError("TemplateExperiment is manifest-only: the engine never plans it")

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        return self._never()

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        return self._never()

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        return {}

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        return desired

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        return None

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        self._never()

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        self._never()

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        self._never()

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        return []


def _variant_template(index: int) -> Reference:
    def in_spec(spec: Any) -> str | None:
        variants = spec.variants if isinstance(spec, TemplateExperimentSpec) else []
        return variants[index].template if index < len(variants) else None

    return Reference(
        kind="EmailTemplate",
        field=f"spec.variants[{index}].template",
        code="E3010",
        noun="template",
        plural="templates",
        in_spec=in_spec,
        in_normalized=lambda name, normalized: None,  # never planned: no apply order to derive
    )


KIND = TemplateExperimentKind()

PLUGIN = KindPlugin(
    kind=KIND,
    spec=TemplateExperimentSpec,
    import_file="experiments.yaml",
    summary="an A/B(/n) test between templates (manifest-only: read by send and `sesctl experiment`)",
    references=tuple(_variant_template(i) for i in range(MAX_VARIANTS)),
    manifest_only=True,
)
