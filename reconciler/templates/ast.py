"""The syntax tree of a Handlebars template, with 1-based line/column positions on every node.

It mirrors handlebars.js's AST (Program, ContentStatement, MustacheStatement, BlockStatement,
PartialStatement, CommentStatement, PathExpression, literals) closely enough that its
whitespace-control pass and compiler rules carry over one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Pos:
    line: int
    column: int


@dataclass(slots=True)
class Strip:
    """The ``~`` flags of a tag: ``open`` strips whitespace before it, ``close`` after it."""

    open: bool = False
    close: bool = False


@dataclass(slots=True)
class PathExpr:
    """``a.b``, ``../x``, ``this``, ``@index``, ``@../key``, ``[literal seg]``.

    ``parts`` are the segments left after ``this``/``.``/``..`` are folded into ``depth``.
    ``scoped`` is handlebars' "scopedId": the path starts with ``.`` or ``this`` and so never
    names a helper."""

    original: str
    parts: list[str]
    depth: int
    data: bool
    scoped: bool
    pos: Pos


@dataclass(slots=True)
class Literal:
    """A string, number, boolean, ``undefined`` or ``null`` literal; ``value`` is its JS value
    (``undefined`` is :data:`reconciler.templates.runtime.MISSING`)."""

    kind: str  # "string" | "number" | "boolean" | "undefined" | "null"
    value: Any
    original: str
    pos: Pos


Expr = PathExpr | Literal


@dataclass(slots=True)
class Hash:
    pairs: list[tuple[str, Expr]]
    pos: Pos


@dataclass(slots=True)
class Content:
    original: str
    value: str
    pos: Pos
    left_stripped: bool = False
    right_stripped: bool = False


@dataclass(slots=True)
class Comment:
    text: str
    strip: Strip
    pos: Pos


@dataclass(slots=True)
class Mustache:
    path: Expr
    params: list[Expr]
    hash: Hash | None
    escaped: bool
    strip: Strip
    pos: Pos


@dataclass(slots=True)
class Program:
    body: list[Node]
    block_params: list[str] = field(default_factory=list)
    chained: bool = False


@dataclass(slots=True)
class Block:
    path: Expr
    params: list[Expr]
    hash: Hash | None
    program: Program | None
    inverse: Program | None
    open_strip: Strip
    inverse_strip: Strip | None
    close_strip: Strip | None
    pos: Pos
    decorator: bool = False  # {{#* inline "name"}}


@dataclass(slots=True)
class Partial:
    name: str
    params: list[Expr]
    hash: Hash | None
    strip: Strip
    pos: Pos
    indent: str = ""


Node = Content | Comment | Mustache | Block | Partial
