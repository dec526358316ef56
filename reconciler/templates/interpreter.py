"""Render a parsed template by walking its syntax tree: for one-shot renders (validate, render,
the MCP server, TestRenderEmailTemplate), where generating and compiling Python code would cost
more than the render itself. Templates rendered many times are compiled (compiler.py).

It follows compiler.py's Generator statement by statement, so both give the same output and the
same errors: the depth chain is kept only when the template uses ``../`` and ``@data`` frames
only when it uses ``@data`` (compiler.Generator.scan), built-in helpers see handlebars.js's
nullContext, sections and ``#each`` count against the loop budget, inline partials are
registered at the start of the program that declares them. tests/templates renders every case
both ways and compares.
"""

from __future__ import annotations

from typing import Any

from . import ast, runtime
from .compiler import RenderState, Unit, call_partial, count_loop_items, missing_value, uses
from .profile import BLOCK_HELPERS, helper_name, inline_names

_NO_NAMES: frozenset[str] = frozenset()
M = runtime.MISSING
NC: dict[str, Any] = {}  # handlebars.js's nullContext (never modified)


class _Scope:
    __slots__ = ("bparams", "ctx", "data", "ds", "root")

    def __init__(self, ctx: Any, ds: Any, data: Any, bparams: dict[str, Any], root: Any) -> None:
        self.ctx = ctx
        self.ds = ds
        self.data = data
        self.bparams = bparams
        self.root = root  # @root


class _PartialFn:
    """An inline partial (``main=False``) or a registered one (``main=True``, a unit of its
    own, as compiler.build makes it): called as compiled partial functions are."""

    __slots__ = ("interp", "main", "part", "program")

    def __init__(self, interp: Interpreter, program: ast.Program, part: str, *, main: bool) -> None:
        self.interp = interp
        self.program = program
        self.part = part
        self.main = main

    def __call__(self, ctx: Any, depths: Any, data: Any, st: RenderState) -> str:
        return self.interp.function(self.program, self.part, ctx, depths, data, st, main=self.main)


class Interpreter:
    """One (strict, null_is_missing, escape) variant over a template's units."""

    def __init__(self, units: list[Unit], *, strict: bool, null_is_missing: bool, escape: bool) -> None:
        self.units = units
        self.strict = strict
        self.nim = null_is_missing
        self.escape = escape
        self.use_depths, self.use_data = uses([u.program for u in units])

    def render(self, data: Any, st: RenderState) -> str:
        for unit in self.units[1:]:
            st.partials[unit.partial] = (_PartialFn(self, unit.program, unit.part, main=True), None)
        main = self.units[0]
        return self.function(main.program, main.part, data, (data, None), {}, st, main=True)

    def function(
        self, program: ast.Program, part: str, c0: Any, ds0: Any, d0: Any, st: RenderState, *, main: bool
    ) -> str:
        out: list[str] = []
        sc = _Scope(c0, ds0 if self.use_depths else None, d0 if self.use_data else None, {}, st.root)
        # as compiler.Generator.function: top-level inline partials see no depths
        self.program(program, sc, out, st, part, None if main else sc.ds, declare=True)
        return "".join(out)

    # -- statements ----------------------------------------------------------------------
    def program(
        self,
        program: ast.Program | None,
        sc: _Scope,
        out: list[str],
        st: RenderState,
        part: str,
        declare_depths: Any = None,
        *,
        declare: bool = False,
    ) -> None:
        if program is None:
            return
        if program.block_params:
            sc = _Scope(sc.ctx, sc.ds, sc.data, dict(sc.bparams), sc.root)
        saved = None
        if inline_names(program):
            saved = st.partials
            depths = declare_depths if declare else sc.ds
            registered = dict(saved)
            for node in program.body:
                if isinstance(node, ast.Block) and node.decorator:
                    assert node.program is not None
                    param = node.params[0]
                    assert isinstance(param, ast.Literal)
                    registered[str(param.value)] = (_PartialFn(self, node.program, part, main=False), depths)
            st.partials = registered
        for node in program.body:
            kind = type(node)
            if kind is ast.Content:
                if node.value:  # type: ignore[union-attr]
                    out.append(node.value)  # type: ignore[union-attr]
            elif kind is ast.Mustache:
                self.mustache(node, sc, out, part)  # type: ignore[arg-type]
            elif kind is ast.Block:
                if not node.decorator:  # type: ignore[union-attr]
                    self.block(node, sc, out, st, part)  # type: ignore[arg-type]
            elif kind is ast.Partial:
                self.partial(node, sc, out, st, part)  # type: ignore[arg-type]
        if saved is not None:
            st.partials = saved

    def mustache(self, node: ast.Mustache, sc: _Scope, out: list[str], part: str) -> None:
        name = helper_name(node.path, frozenset(sc.bparams) if sc.bparams else _NO_NAMES)
        if name == "log":
            return
        if name == "lookup":
            value = runtime.lookup_key(self.value(node.params[0], sc), self.value(node.params[1], sc))
        else:
            base, parts = self.base(node.path, sc)
            if not parts:
                value = base
            elif self.strict:
                value = self.strict_get(self.walk(base, parts[:-1]), parts[-1], node.path, part)
            else:
                value = self.walk(base, parts)
        text = value if type(value) is str else runtime.js_str(value)
        out.append(runtime.escape_html(text) if node.escaped and self.escape else text)

    def block(self, node: ast.Block, sc: _Scope, out: list[str], st: RenderState, part: str) -> None:
        name = helper_name(node.path, frozenset(sc.bparams) if sc.bparams else _NO_NAMES)
        if name in BLOCK_HELPERS:
            t = self.value(node.params[0], sc)
            if name in ("if", "unless"):
                cond = runtime.if_true(t)
                for key, value in node.hash.pairs if node.hash else []:
                    if key == "includeZero":
                        cond = (
                            runtime.if_true_zero(t)
                            if runtime.truthy(self.value(value, sc))
                            else runtime.if_true(t)
                        )
                yes, no = (node.program, node.inverse) if name == "if" else (node.inverse, node.program)
                self.helper_this(yes if cond else no, sc, out, st, part)
            elif name == "with":
                if not runtime.is_empty(t):
                    inner = self.push(sc, t)
                    self.bind(node.program, inner, (t,))
                    self.program(node.program, inner, out, st, part)
                else:
                    self.helper_this(node.inverse, sc, out, st, part)
            else:
                self.each(node, sc, t, out, st, part)
            return
        if self.strict:
            base, parts = self.base(node.path, sc)
            t = self.strict_get(self.walk(base, parts[:-1]), parts[-1], node.path, part) if parts else base
        else:
            t = self.value(node.path, sc)
        self.section(node, sc, t, out, st, part)

    def helper_this(
        self, program: ast.Program | None, sc: _Scope, out: list[str], st: RenderState, part: str
    ) -> None:
        """compiler.Generator.helper_this: a null context is seen as nullContext."""
        if program is None:
            return
        if (sc.ctx is None or sc.ctx is M) and any(type(n) is not ast.Content for n in program.body):
            sc = _Scope(NC, sc.ds, sc.data, dict(sc.bparams), sc.root)
        self.program(program, sc, out, st, part)

    def push(self, sc: _Scope, value: Any) -> _Scope:
        ds = None
        if self.use_depths:
            ds = sc.ds if runtime.same_context(value, sc.ctx) else (value, sc.ds)
        return _Scope(value, ds, sc.data, dict(sc.bparams), sc.root)

    @staticmethod
    def bind(program: ast.Program | None, sc: _Scope, values: tuple[Any, ...]) -> None:
        if program is not None:
            for name, value in zip(program.block_params, values, strict=False):
                sc.bparams[name] = value

    def each(self, node: ast.Block, sc: _Scope, t: Any, out: list[str], st: RenderState, part: str) -> None:
        items: Any
        if type(t) is list:
            items, n = enumerate(t), len(t)
        elif type(t) is dict:
            items = runtime.js_items(t)
            n = len(items)
        else:
            n = 0
        if not n:
            self.helper_this(node.inverse, sc, out, st, part)
            return
        count_loop_items(st, n, part, node.pos.line, node.pos.column)
        for i, (key, value) in enumerate(items):
            inner = self.iteration(sc, value, i, key, n, True)
            self.bind(node.program, inner, (value, key))
            self.program(node.program, inner, out, st, part)

    def iteration(self, sc: _Scope, value: Any, i: int, key: Any, n: int, frame: bool) -> _Scope:
        inner = self.push(sc, value)
        if self.use_data and frame:
            inner.data = {"key": key, "index": i, "first": i == 0, "last": i == n - 1, "_parent": sc.data}
        return inner

    def section(
        self, node: ast.Block, sc: _Scope, t: Any, out: list[str], st: RenderState, part: str
    ) -> None:
        """compiler.Generator.section (handlebars.js's blockHelperMissing)."""
        items = runtime.section_items(t, sc.ctx)
        if items is None:
            self.program(node.inverse, sc, out, st, part)
            return
        if node.program is None:
            return
        n = len(items)
        count_loop_items(st, n, part, node.pos.line, node.pos.column)
        is_list = type(t) is list
        for i, value in enumerate(items):
            self.program(node.program, self.iteration(sc, value, i, i, n, is_list), out, st, part)

    def partial(self, node: ast.Partial, sc: _Scope, out: list[str], st: RenderState, part: str) -> None:
        ctx = self.value(node.params[0], sc) if node.params else sc.ctx
        if node.hash:
            ctx = runtime.extend(ctx, {key: self.value(value, sc) for key, value in node.hash.pairs})
        where = (part, node.pos.line, node.pos.column)
        out.append(call_partial(st, node.name, ctx, sc.data, node.indent, where))

    # -- expressions ---------------------------------------------------------------------
    def value(self, expr: ast.Expr, sc: _Scope) -> Any:
        if type(expr) is ast.Literal:
            return expr.value
        base, parts = self.base(expr, sc)
        return self.walk(base, parts)

    @staticmethod
    def walk(value: Any, parts: list[str]) -> Any:
        for key in parts:
            value = value.get(key, M) if type(value) is dict else runtime.prop(value, key)
        return value

    def strict_get(self, obj: Any, key: str, path: ast.Expr, part: str) -> Any:
        """The last segment of a printed path or section head, checked as SES does."""
        value = obj.get(key, M) if type(obj) is dict else runtime.strict_prop(obj, key)
        if value is M or (value is None and self.nim):
            assert isinstance(path, ast.PathExpr)
            raise missing_value(path.original, part, path.pos.line, path.pos.column, value)
        return value

    def base(self, path: ast.Expr, sc: _Scope) -> tuple[Any, list[str]]:
        assert isinstance(path, ast.PathExpr)
        parts = path.parts
        if sc.bparams and not path.depth and not path.scoped and parts and parts[0] in sc.bparams:
            return sc.bparams[parts[0]], parts[1:]
        if path.data:
            if path.depth == 0 and parts[:1] == ["root"]:
                return sc.root, parts[1:]
            if path.depth:
                return runtime.data_up(sc.data, path.depth), parts
            return sc.data, parts
        if path.depth:
            return runtime.depth(sc.ds, path.depth), parts
        return sc.ctx, parts


__all__ = ["Interpreter"]
