"""Static analysis: the variables a template needs (its "variable contract").

Paths are reported from the root of the data, dotted: ``user.name``. Inside ``{{#each items}}``
the element is ``items[]``, so ``{{name}}`` there is ``items[].name`` (for an object iterated
by ``#each``, ``[]`` stands for each of its values). ``#with user`` and mustache sections
``{{#user}}`` make ``user`` the context: ``{{name}}`` inside is ``user.name``. ``../`` and
``@root`` are resolved; ``@index``-style data variables are not data paths and are left out.
``{{#each this}}`` at the top level iterates the root object's values: ``[].name``.

* required: printed (``{{x}}``, ``{{{x}}}``, a section head ``{{#x}}``) outside any guard. With
  SES's strict rendering a send whose data lacks one is dropped (Rendering Failure).
* optional: used only as a guard (``#if``/``#unless``/``#each``/``#with`` arguments, never
  fatal) or under one (inside a block body, where it matters only when the body renders).

Inline partials are followed at their call sites (with their context and hash arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import ast, whitespace
from .errors import TemplateError
from .parser import parse
from .profile import BLOCK_HELPERS, helper_name, walk


@dataclass(frozen=True)
class VariableContract:
    required: frozenset[str] = frozenset()  # dotted paths printed outside any guard
    optional: frozenset[str] = frozenset()  # paths used only as or under #if / #each / #with guards

    def merged(self, other: VariableContract) -> VariableContract:
        """The contract of several parts together (subject + html + text)."""
        required = self.required | other.required
        return VariableContract(required, (self.optional | other.optional) - required)


@dataclass
class _Scope:
    stack: list[str | None]  # the distinct contexts, innermost last; None = not a data path
    bindings: dict[str, str | None] = field(default_factory=dict)  # block params, partial hash keys
    guarded: bool = False

    @property
    def ctx(self) -> str | None:
        return self.stack[-1]

    def enter(self, ctx: str | None, *, guarded: bool = True) -> _Scope:
        stack = self.stack if ctx == self.ctx else [*self.stack, ctx]
        return _Scope(stack, dict(self.bindings), guarded or self.guarded)


def join(base: str | None, parts: list[str]) -> str | None:
    if base is None:
        return None
    if not parts:
        return base  # "" is the root context itself
    rest = ".".join(parts)
    return f"{base}.{rest}" if base else rest


class _Analyzer:
    def __init__(self, program: ast.Program) -> None:
        self.required: set[str] = set()
        self.optional: set[str] = set()
        self.inline: dict[str, list[ast.Program]] = {}
        for node in walk(program):
            if isinstance(node, ast.Block) and node.decorator and node.program is not None:
                param = node.params[0]
                assert isinstance(param, ast.Literal)
                self.inline.setdefault(str(param.value), []).append(node.program)
        self.expanding: list[str] = []
        # (partial, scope) pairs expanded already: expanding one again adds no path, and
        # partials that call partials several times each would otherwise be expanded an
        # exponential number of times (10 calls x 9 levels: a billion; validate hung).
        self.expanded: set[tuple[str, tuple[str | None, ...], tuple[tuple[str, str | None], ...], bool]] = (
            set()
        )
        self.positions: dict[tuple[int, int], str] = {}  # (line, column) of a path -> data path

    def resolve(self, expr: ast.Expr, sc: _Scope) -> str | None:
        if isinstance(expr, ast.Literal):
            return None
        parts = expr.parts
        if not expr.depth and not expr.scoped and parts and parts[0] in sc.bindings:
            return join(sc.bindings[parts[0]], parts[1:])  # even @name, as handlebars.js does
        if expr.data:
            if parts[:1] == ["root"] and not expr.depth:
                return join("", parts[1:])
            return None
        index = len(sc.stack) - 1 - expr.depth
        return join(sc.stack[index] if index >= 0 else None, parts)

    def use(self, expr: ast.Expr, sc: _Scope, *, printed: bool) -> str | None:
        path = self.resolve(expr, sc)
        if path:  # not the root context itself, nor unknown
            self.positions.setdefault((expr.pos.line, expr.pos.column), path)
            if printed and not sc.guarded and isinstance(expr, ast.PathExpr) and expr.parts:
                self.required.add(path)
            else:
                self.optional.add(path)
        return path

    def program(self, program: ast.Program | None, sc: _Scope) -> None:
        if program is None:
            return
        for node in program.body:
            if isinstance(node, ast.Mustache):
                self.mustache(node, sc)
            elif isinstance(node, ast.Block) and not node.decorator:
                self.block(node, sc)
            elif isinstance(node, ast.Partial):
                self.partial(node, sc)

    def mustache(self, node: ast.Mustache, sc: _Scope) -> None:
        name = helper_name(node.path, frozenset(sc.bindings))
        if name in ("lookup", "log"):
            for param in node.params:
                self.use(param, sc, printed=False)
            return
        self.use(node.path, sc, printed=True)

    def block(self, node: ast.Block, sc: _Scope) -> None:
        name = helper_name(node.path, frozenset(sc.bindings))
        for _, value in node.hash.pairs if node.hash else []:
            self.use(value, sc, printed=False)
        if name in BLOCK_HELPERS:
            target = self.use(node.params[0], sc, printed=False)
            if name in ("if", "unless"):
                self.program(node.program, sc.enter(sc.ctx))
            else:
                inner = sc.enter(target if name == "with" else _items(target))
                values = [target] if name == "with" else [_items(target), None]
                if node.program is not None:
                    for param_name, bound in zip(node.program.block_params, values, strict=False):
                        inner.bindings[param_name] = bound
                self.program(node.program, inner)
            self.program(node.inverse, sc.enter(sc.ctx))
            return
        target = self.use(node.path, sc, printed=True)
        self.program(node.program, sc.enter(target))
        self.program(node.inverse, sc.enter(sc.ctx))

    def partial(self, node: ast.Partial, sc: _Scope) -> None:
        ctx = self.use(node.params[0], sc, printed=False) if node.params else sc.ctx
        bindings = {}
        for key, value in node.hash.pairs if node.hash else []:
            bindings[key] = self.use(value, sc, printed=False)
        if self.expanding.count(node.name) >= 2:
            return  # a recursive partial: two levels show its shape (e.g. tree.kids[].name)
        inner = sc.enter(ctx, guarded=False)
        inner.bindings = bindings  # block parameters do not reach into a partial; its hash does
        expansion = (node.name, tuple(inner.stack), tuple(sorted(bindings.items())), inner.guarded)
        if expansion in self.expanded:
            return
        self.expanded.add(expansion)
        self.expanding.append(node.name)
        for body in self.inline.get(node.name, []):
            self.program(body, inner)
        self.expanding.pop()


def _items(path: str | None) -> str | None:
    return None if path is None else f"{path}[]"


def _run(program: ast.Program) -> _Analyzer:
    analyzer = _Analyzer(program)
    analyzer.program(program, _Scope([""]))
    return analyzer


def data_paths(program: ast.Program) -> dict[tuple[int, int], str]:
    """Where each path of the template points in the data: (line, column) -> contract path
    (the first one found, for a partial called from several places)."""
    return _run(program).positions


def analyze_program(program: ast.Program) -> VariableContract:
    analyzer = _run(program)
    required = frozenset(analyzer.required)
    implied = {path.rsplit(".", i)[0] for path in required for i in range(1, path.count(".") + 1)}
    return VariableContract(required, frozenset(analyzer.optional) - required - implied)


def analyze(source: str, *, part: str = "html") -> VariableContract:
    """The variable contract of one template part; raises TemplateSyntaxError if it does not
    parse."""
    return analyze_program(whitespace.apply(parse(source, part=part)))


def required_variables(parts: Mapping[str, str | None]) -> frozenset[str] | None:
    """What a send must pass for these parts together (part name -> source; None = absent):
    the union of each part's required variables, or None when a part does not parse (the
    template checks report that)."""
    required: set[str] = set()
    for part, source in parts.items():
        if not source:
            continue
        try:
            required |= analyze(source, part=part).required
        except TemplateError:
            return None
    return frozenset(required)
