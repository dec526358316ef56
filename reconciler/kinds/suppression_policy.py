"""SuppressionPolicy: the account-level suppression list settings, an account singleton.

Its only name is ``account``. The account always has a setting, so the plan for it is an
update or nothing; ``create`` is PutAccountSuppressionAttributes like an update, and removing
the manifest leaves the account as it is (``delete`` does nothing: there is no "unset").

Normalized: ``{"suppressed_reasons": [sorted], "validation_attributes": None | {...}}``.
The account has no "inherit" state, so ``[]`` and a list are the two states; a validation
threshold that is DISABLED is the same as none (None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import InPlaceKind, iam, pascal, snake, sorted_set, spec_dict, strip_none
from reconciler.kinds.configuration_set import suppression_risks
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.suppression_policy import SINGLETON_NAME, SuppressionPolicySpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


class SuppressionPolicyKind(InPlaceKind):
    kind: ClassVar[str] = "SuppressionPolicy"
    wave: ClassVar[int] = 5
    taggable: ClassVar[bool] = False
    singleton: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam("GetAccount", "PutAccountSuppressionAttributes")

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return _normalize(data.get("suppressed_reasons"), data.get("validation_attributes"))

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        attributes = snake(raw.get("SuppressionAttributes") or {})
        return _normalize(attributes.get("suppressed_reasons"), attributes.get("validation_attributes"))

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is not None and SINGLETON_NAME not in names:
            return {}
        account = gateway.call_cached("GetAccount")
        raw = {"SuppressionAttributes": account.get("SuppressionAttributes") or {}}
        return {SINGLETON_NAME: live_object(SINGLETON_NAME, self.normalize_live(raw), None, raw)}

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        self._put(gateway, desired)

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        self._put(gateway, desired)

    def _put(self, gateway: SesGateway, desired: JsonDict) -> None:
        validation = desired.get("validation_attributes") or {
            "condition_threshold": {"condition_threshold_enabled": "DISABLED"}
        }
        gateway.call(
            "PutAccountSuppressionAttributes",
            SuppressedReasons=desired["suppressed_reasons"],
            ValidationAttributes=pascal(validation),
        )

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        """Nothing: leaving the manifests leaves the account's setting as it is."""

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if after is None:
            return []
        previous = None if before is None else before["suppressed_reasons"]
        return suppression_risks("the account", previous, after["suppressed_reasons"])


def _normalize(reasons: Any, validation: Any) -> JsonDict:
    validation = strip_none(validation)
    threshold = (validation or {}).get("condition_threshold") or {}
    if threshold.get("condition_threshold_enabled", "DISABLED") == "DISABLED":
        validation = None
    return {"suppressed_reasons": sorted_set(reasons) or [], "validation_attributes": validation}


KIND = SuppressionPolicyKind()
# A new SES account suppresses both reasons, without auto validation (``sesctl import`` leaves
# an account in this state out of the manifests: there is nothing to manage).
DEFAULT_NORMALIZED: JsonDict = _normalize(["BOUNCE", "COMPLAINT"], None)

PLUGIN = KindPlugin(
    kind=KIND,
    spec=SuppressionPolicySpec,
    import_file="suppression.yaml",
    summary="the account's suppression list settings, named `account`",
    default=DEFAULT_NORMALIZED,
)
