"""JSON Schemas for editors and CI, generated from the models and checked in under ``schemas/``.

    schemas/<kind>.json     one per kind, e.g. schemas/configurationset.json
    schemas/sesctl.json     any manifest document (dispatches on ``kind``)
    schemas/project.json    the project file sesctl.yaml

Editors pick them up from a first-line comment:
``# yaml-language-server: $schema=../schemas/emailtemplate.json``.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from reconciler.errors import UsageError
from reconciler.files import write_text
from reconciler.kinds.registry import KIND_SPECS
from reconciler.kinds.specs import API_VERSION
from reconciler.kinds.specs.base import SpecModel
from reconciler.manifest.documents import ENVELOPES
from reconciler.manifest.project import ProjectFile

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _document(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, "description": description, **schema}


def kind_file(kind: str) -> str:
    return f"{kind.lower()}.json"


def _attribute_docstrings(cls: type[BaseModel]) -> dict[str, str]:
    """``name: type`` followed by a string in a class body: that string documents the field."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):  # made by create_model: no source of its own
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for field, text in itertools.pairwise(body):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(text, ast.Expr)
            and isinstance(text.value, ast.Constant)
            and isinstance(text.value.value, str)
        ):
            docs[field.target.id] = inspect.cleandoc(text.value.value)
    return docs


def _subclasses(cls: type[BaseModel]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


_DOCUMENTED: list[bool] = []


def _document_fields() -> None:
    """Give every spec model's fields their docstrings as descriptions, once, and rebuild the
    models (in the order they were defined, inner before outer) so schemas carry them."""
    if _DOCUMENTED:
        return
    models = _subclasses(SpecModel)
    for model in models:
        docs = _attribute_docstrings(model)
        for name, info in model.model_fields.items():
            if info.description is None and name in docs:
                info.description = docs[name]
    for model in models:
        model.model_rebuild(force=True)
    _DOCUMENTED.append(True)


def build_schemas() -> dict[str, dict[str, Any]]:
    """file name -> schema, deterministic (the same models always give the same bytes)."""
    # Every envelope made before the fields get their descriptions, as when they were made at
    # import: an identity's metadata model (made from Metadata) then keeps none, and schemas/
    # stays as it was.
    for kind in KIND_SPECS:
        ENVELOPES[kind]
    _document_fields()
    schemas: dict[str, dict[str, Any]] = {}
    for kind in KIND_SPECS:
        schema = ENVELOPES[kind].model_json_schema(by_alias=True)
        schemas[kind_file(kind)] = _document(schema, kind, f"A {API_VERSION} {kind} manifest (sesctl).")

    _, combined = models_json_schema([(ENVELOPES[kind], "validation") for kind in KIND_SPECS], by_alias=True)
    defs = combined.get("$defs", {})
    schemas["sesctl.json"] = _document(
        {
            "type": "object",
            "required": ["apiVersion", "kind"],
            "properties": {"apiVersion": {"const": API_VERSION}, "kind": {"enum": list(KIND_SPECS)}},
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                    "then": {"$ref": f"#/$defs/{kind}"},
                }
                for kind in KIND_SPECS
            ],
            "$defs": defs,
        },
        "sesctl manifest",
        f"Any {API_VERSION} manifest document: " + ", ".join(KIND_SPECS) + ".",
    )
    schemas["project.json"] = _document(
        ProjectFile.model_json_schema(by_alias=True), "sesctl.yaml", "The sesctl project file."
    )
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def stale_schemas(directory: Path) -> list[str]:
    """Files under ``directory`` that are missing or differ from the models (for --check)."""
    stale: list[str] = []
    for name, schema in build_schemas().items():
        path = directory / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != render(schema):
            stale.append(name)
    return stale


def write_schemas(directory: Path) -> list[str]:
    """Write every schema; returns the files that changed."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the schema directory {directory}: {exc.strerror or exc}") from None
    changed = stale_schemas(directory)
    for name, schema in build_schemas().items():
        if name in changed:
            write_text(directory / name, render(schema), "the schema")
    return changed


__all__ = ["build_schemas", "kind_file", "render", "stale_schemas", "write_schemas"]
