"""What every spec model shares: strict parsing, camelCase YAML keys, and common field types.

YAML keys are camelCase (``maxDeliverySeconds``), as Kubernetes users expect; Python
attributes are snake_case (``max_delivery_seconds``). Only the YAML spelling is accepted, and
the generated JSON Schemas show it. Enum values use SES's own spelling (``REQUIRE``,
``BOUNCE``), exactly as in the SES API and the AWS CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from reconciler.ses_types import tag_problem


def camel(snake: str) -> str:
    """``max_delivery_seconds`` -> ``maxDeliverySeconds``: a field's YAML spelling. The same as
    pydantic's ``to_camel`` for every field name sesctl has (tests/manifest check each one),
    without its four regular expressions a call: building a command's models asks for 500."""
    head, *words = snake.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in words)


def no_items() -> list[Any]:
    """``default_factory`` of the list fields. Not the built-in ``list``: pydantic reads a
    factory's signature when it builds a model, and ``list``'s is parsed from its text with
    ``ast`` (0.3 ms a field, every command that loads manifests)."""
    return []


# regex -> what it means in words, for error messages ("must be 1-64 letters...").
PATTERN_HINTS: dict[str, str] = {}


def pattern(regex: str, hint: str, *, max_length: int | None = None) -> StringConstraints:
    """A string constraint whose violation is explained in words instead of the regex."""
    PATTERN_HINTS[regex] = hint
    return StringConstraints(pattern=regex, max_length=max_length)


# SES names: configuration sets, templates, pools, event destinations. SES documents this
# rule for some of them and enforces nothing for others; we apply it to all.
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SesName = Annotated[str, pattern(NAME_PATTERN, "1-64 letters, digits, '-' or '_'")]

# The one name of every singleton kind (an account-level setting): ``metadata.name: account``.
SINGLETON_NAME = "account"

# Tag keys starting with this prefix are reserved for sesctl's own ownership tags.
RESERVED_TAG_PREFIX = "sesctl:"

FeatureStatus = Literal["ENABLED", "DISABLED"]
SuppressionReason = Literal["BOUNCE", "COMPLAINT"]
SUPPRESSION_REASONS: tuple[str, ...] = ("BOUNCE", "COMPLAINT")
ConfidenceVerdictThreshold = Literal["MEDIUM", "HIGH", "MANAGED"]


class SpecModel(BaseModel):
    """Base of every model read from YAML: unknown fields are errors, no type coercion."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        strict=True,
        frozen=True,
        # Built on first use, not at import: a command builds only the models of the kinds
        # its manifests hold (validate on a small stack skipped about 0.05 s of building).
        defer_build=True,
        # Field docstrings become JSON Schema descriptions only when schemas are generated
        # (manifest/schema.py): extracting them for 40 models cost every command ~0.1 s.
        # JSON Schema titles in the YAML spelling ("maxDeliverySeconds", not "Maxdeliveryseconds").
        field_title_generator=lambda name, info: info.alias or camel(name),
    )


class FileRef(SpecModel):
    """``{file: path}``: a part kept in its own file (a plug-in's ``file_parts``), read by the loader."""

    file: str


# SES allows 50 tags a resource, and sesctl's owner tag (sesctl:stack) is one of them.
USER_TAGS_MAX = 49


def _tags(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) > USER_TAGS_MAX:
            raise ValueError(
                f"{len(value)} tags: at most {USER_TAGS_MAX}, as SES allows 50 a resource and sesctl adds "
                "its sesctl:stack tag"
            )
        for key, text in value.items():
            if isinstance(key, str) and key.startswith(RESERVED_TAG_PREFIX):
                raise ValueError(
                    f"tag key {key!r}: the prefix {RESERVED_TAG_PREFIX!r} is reserved for sesctl"
                )
            # What SES would refuse at apply, refused at validate.
            problem = tag_problem(key, text) if isinstance(key, str) and isinstance(text, str) else None
            if problem:
                raise ValueError(problem)
    return value


TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TagValue = Annotated[str, StringConstraints(max_length=256)]
Tags = Annotated[dict[TagKey, TagValue], BeforeValidator(_tags), Field(max_length=USER_TAGS_MAX)]


def _unique(value: Any) -> Any:
    """Lists that mean sets: refuse duplicates (a typo is likelier than intent) before pydantic builds the set."""
    if isinstance(value, list):
        seen: set[Any] = set()
        for item in value:
            try:
                duplicate = item in seen
                seen.add(item)
            except TypeError:  # unhashable: let pydantic report the type
                continue
            if duplicate:
                raise ValueError(f"{item!r} is listed more than once")
    return value


def set_of(allowed: Iterable[str], *, min_items: int = 0) -> dict[str, Any]:
    """JSON Schema for a YAML list that is a set of ``allowed`` values."""
    schema: dict[str, Any] = {"type": "array", "items": {"enum": list(allowed)}, "uniqueItems": True}
    if min_items:
        schema["minItems"] = min_items
    return schema


ReasonSet = Annotated[
    frozenset[SuppressionReason],
    BeforeValidator(_unique),
    Field(strict=False),
    WithJsonSchema(set_of(SUPPRESSION_REASONS)),
]


class SuppressionConfidenceThreshold(SpecModel):
    confidence_verdict_threshold: ConfidenceVerdictThreshold


class SuppressionConditionThreshold(SpecModel):
    condition_threshold_enabled: FeatureStatus
    overall_confidence_threshold: SuppressionConfidenceThreshold | None = None


class SuppressionValidation(SpecModel):
    """Auto Validation: SES's SuppressionValidationOptions / SuppressionValidationAttributes."""

    condition_threshold: SuppressionConditionThreshold


__all__ = [
    "NAME_PATTERN",
    "PATTERN_HINTS",
    "RESERVED_TAG_PREFIX",
    "SUPPRESSION_REASONS",
    "ConfidenceVerdictThreshold",
    "FeatureStatus",
    "ReasonSet",
    "SesName",
    "SpecModel",
    "SuppressionConditionThreshold",
    "SuppressionConfidenceThreshold",
    "SuppressionReason",
    "SuppressionValidation",
    "Tags",
    "pattern",
    "set_of",
]
