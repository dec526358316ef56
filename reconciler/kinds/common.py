"""What the kinds share: SES shape <-> normalized shape, tags and ownership, spec dumps.

The normalized form mirrors SES's own shapes with snake_case keys (``DeliveryOptions.TlsPolicy``
-> ``delivery_options.tls_policy``), which is also how the spec models name their fields, so
one mechanical conversion serves both directions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from reconciler.kinds.base import OWNER_TAG, JsonDict, LiveObject

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
OWNED_TAG_PREFIX = "sesctl:"  # sesctl's own tags: never part of the normalized ``tags``


def snake(value: Any) -> Any:
    """SES's PascalCase keys -> snake_case, recursively (values untouched)."""
    if isinstance(value, Mapping):
        return {_CAMEL_BOUNDARY.sub("_", str(k)).lower(): snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def pascal(value: Any) -> Any:
    """snake_case keys -> SES's PascalCase, recursively; ``None`` members are dropped."""
    if isinstance(value, Mapping):
        return {
            "".join(p[:1].upper() + p[1:] for p in str(k).split("_")): pascal(v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def spec_dict(spec: Any) -> JsonDict:
    """A spec model (or an already plain dict, for tests) as snake_case JSON data: what
    ``spec.model_dump(mode="json", by_alias=False)`` gives (tests/engine/kinds check it on
    every example manifest), read field by field. The spec classes were built only inside
    their manifest's envelope (reconciler/manifest/documents.py); model_dump would build each
    one again on its own, for its serializer (about 10 ms of a plan of the example stack)."""
    if isinstance(spec, BaseModel):
        data: JsonDict = _json_data(spec)
        return data
    return dict(spec)


def _json_data(value: Any, *, inferred: bool = False) -> Any:
    """Models as dicts of their fields; any other value as pydantic dumps it: lists for tuples
    and sets, ISO text for dates, and inside mappings and lists (``Any`` data such as a
    template's defaults, whose types pydantic infers) infinities and NaN as None."""
    if isinstance(value, BaseModel):
        return {name: _json_data(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {to_jsonable_python(key): _json_data(item, inferred=True) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_data(item, inferred=True) for item in value]
    return to_jsonable_python(value, inf_nan_mode="null" if inferred else "constants")


def tag_dict(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags or []}


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags a manifest manages: everything but sesctl's own, sorted by key."""
    return {k: tags[k] for k in sorted(tags) if not k.startswith(OWNED_TAG_PREFIX)}


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def owner_of(tags: Mapping[str, str]) -> str | None:
    return tags.get(OWNER_TAG)


def create_tags(desired: JsonDict, stack: str) -> list[dict[str, str]]:
    return tag_list({**(desired.get("tags") or {}), OWNER_TAG: stack})


def sync_tags(gateway: SesGateway, arn: str, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    """Make the user tags on ``arn`` go from ``before`` to ``after`` (sesctl's tags untouched)."""
    removed = sorted(set(before) - set(after))
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if removed:
        gateway.call("UntagResource", ResourceArn=arn, TagKeys=removed)
    if changed:
        gateway.call("TagResource", ResourceArn=arn, Tags=tag_list(changed))


def get_or_none(
    gateway: SesGateway, operation: str, *, cached: bool = False, **params: Any
) -> JsonDict | None:
    """A Get that answers None for NotFoundException (see SesGateway.get_or_none)."""
    return gateway.get_or_none(operation, cached=cached, **params)


def live_tags(gateway: SesGateway, answer: Mapping[str, Any], arn: Callable[[], str]) -> list[JsonDict]:
    """The tags of a Get answer, or ListTagsForResource's when the answer leaves ``Tags`` out
    (SES's Get answers predate their Tags member; an absent member is not "no tags", and
    reading it as such would take the resource for one no stack owns)."""
    if "Tags" in answer:
        return list(answer.get("Tags") or [])
    listed = get_or_none(gateway, "ListTagsForResource", ResourceArn=arn())
    return list((listed or {}).get("Tags") or [])


def sorted_set(values: Iterable[str] | None) -> list[str] | None:
    return None if values is None else sorted(set(values))


def strip_none(value: Any) -> Any:
    """Drop ``None`` members recursively; an emptied mapping becomes None (absent)."""
    if isinstance(value, Mapping):
        kept = {k: strip_none(v) for k, v in value.items()}
        kept = {k: v for k, v in kept.items() if v is not None}
        return kept or None
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value


def iam(*operations: str) -> frozenset[str]:
    return frozenset(f"ses:{op}" for op in operations)


def read_by_name(
    gateway: SesGateway, names: Iterable[str], read_one: Callable[[str], LiveObject | None]
) -> dict[str, LiveObject]:
    """``read_one`` for each name, concurrently through the gateway; missing objects left out."""
    found = gateway.read_many(lambda name: (name, read_one(name)), sorted(set(names)))
    return {name: obj for name, obj in found if obj is not None}


class InPlaceKind:
    """Defaults for kinds whose every field changes in place and that SES fully describes."""

    singleton: ClassVar[bool] = False
    replace_fields: ClassVar[frozenset[str]] = frozenset()

    def replace_reason(self, before: JsonDict, after: JsonDict) -> str | None:
        return None

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        return desired
