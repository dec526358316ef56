"""EmailTemplate: an SES v2 stored template, with its defaults and tests.

``subject``, ``html`` and ``text`` are each an inline string or ``{file: path}``, the path
relative to the manifest file. After ``load_manifests`` every part is a plain ``str`` (the
file's content); ``Resource.body_files`` remembers which part came from which file.

Only subject/html/text and tags go to SES. ``defaults``, ``tests`` and ``marketing`` are
sesctl's: ``defaults`` is the data a template must render with on its own (and the base that
each test's data and each send's data is merged onto, by SES's bulk rule); ``tests`` are run
by ``sesctl test``; ``marketing: true`` turns on the unsubscribe-link lint.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from reconciler.kinds.specs.base import FileRef, SpecModel, Tags, no_items, pattern

# The two forms a body may take; the union is checked up front so a mistake gets one clear
# message instead of one error per union branch.
_BODY_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {"file": {"type": "string", "description": "path relative to this manifest"}},
            "required": ["file"],
            "additionalProperties": False,
        },
    ]
}


def _body(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if (
        isinstance(value, dict)
        and set(value) == {"file"}
        and isinstance(value["file"], str)
        and value["file"]
    ):
        return FileRef(file=value["file"])
    raise ValueError("must be a string or {file: path/relative/to/this/manifest}")


Body = Annotated[str | FileRef, BeforeValidator(_body), WithJsonSchema(_BODY_SCHEMA)]


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_TEXTS_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
}
Texts = Annotated[list[str], BeforeValidator(_listify), WithJsonSchema(_TEXTS_SCHEMA)]


class Expectations(SpecModel):
    """What a test expects of the rendered email. Every listed check must hold."""

    subject_contains: Texts = Field(default_factory=no_items)
    html_contains: Texts = Field(default_factory=no_items)
    text_contains: Texts = Field(default_factory=no_items)
    not_contains: Texts = Field(default_factory=no_items)  # in no part
    subject_not_contains: Texts = Field(default_factory=no_items)
    html_not_contains: Texts = Field(default_factory=no_items)
    text_not_contains: Texts = Field(default_factory=no_items)
    subject_equals: str | None = None
    html_equals: str | None = None
    text_equals: str | None = None
    renders_without_error: bool = True  # false: the test expects a rendering failure
    error_contains: str | None = None  # with rendersWithoutError: false
    max_html_bytes: int | None = Field(default=None, ge=1)
    max_text_bytes: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _error_only_when_failing(self) -> Expectations:
        if self.error_contains is not None and self.renders_without_error:
            raise ValueError("errorContains needs rendersWithoutError: false")
        return self


class TemplateTest(SpecModel):
    name: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)  # merged onto spec.defaults, per key
    expect: Expectations = Field(default_factory=Expectations)


LOCALE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"
Locale = Annotated[str, pattern(LOCALE_PATTERN, "a language tag such as fr, fr-CA or pt-BR")]
# SES template name of a locale: <name>--<locale> (SES names allow letters, digits, - and _).
LOCALE_SEPARATOR = "--"


class LocaleParts(SpecModel):
    """One translation: any part left out is the base template's."""

    subject: Body | None = None
    html: Body | None = None
    text: Body | None = None


class EmailTemplateSpec(SpecModel):
    """``kind: EmailTemplate``; the template's name is ``metadata.name``."""

    subject: Body
    html: Body | None = None
    text: Body | None = None
    defaults: dict[str, Any] | None = None
    tests: list[TemplateTest] = Field(default_factory=no_items)
    marketing: bool = False
    tags: Tags = Field(default_factory=dict)
    locales: dict[Locale, LocaleParts] | None = None
    """Translations, each applied as its own SES template named `<name>--<locale>` (e.g.
    `welcome--fr-CA`); `sesctl send --locale-column` picks one per recipient."""

    @model_validator(mode="after")
    def _has_a_body(self) -> EmailTemplateSpec:
        if self.html is None and self.text is None:
            raise ValueError("give html, text or both")
        return self

    def part(self, name: str) -> str | None:
        """The content of ``subject``/``html``/``text`` (a str once loaded by load_manifests)."""
        value = getattr(self, name)
        return value if isinstance(value, str) or value is None else None


__all__ = [
    "LOCALE_SEPARATOR",
    "Body",
    "EmailTemplateSpec",
    "Expectations",
    "FileRef",
    "LocaleParts",
    "TemplateTest",
]
