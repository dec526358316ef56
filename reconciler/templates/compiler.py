"""Compile a parsed template to Python source, then to a function, once.

Blocks are inlined as Python ``if``/``for`` statements (no call per block or item), paths are
unrolled into dict lookups, and strictness, null handling and escaping are fixed at code
generation time, so a render runs straight-line code. Each inline partial becomes a function,
registered at the start of the program that declares it (handlebars.js's ``inline`` decorator).

Generated functions take ``(c0, ds0, d0, st)``: the context, the depth chain (``(context,
parent_chain)`` linked tuples, used by ``../``), the ``@data`` frame and the render state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import ast, runtime
from .errors import RenderError, TemplateSyntaxError
from .profile import BLOCK_HELPERS, helper_name, inline_names, walk

RenderFn = Callable[[Any, Any, Any, Any], str]
MAX_LOOPS = 18
MAX_PIECES = 64  # output pieces joined into one f-string
MAX_LEVEL = 90
# Partials calling partials: a template that includes itself must fail with its position, not
# exhaust Python's stack (or, in a worker thread, the process); SES's own templates nest a
# handful of levels at most.
MAX_PARTIAL_DEPTH = 50
# What partials may produce in one render, counted at every partial call (nested calls count
# again): repeating partials ("billion laughs") would otherwise render gigabytes. SES's largest
# message is 40 MB; a real template's partials stay far below this.
MAX_PARTIAL_OUTPUT = 20_000_000

# Loop items visited in one render, all loops together (nested loops multiply): four #each
# nested over 300 items would otherwise run for hours. A real email visits a few hundred.
MAX_LOOP_ITEMS = 5_000_000


def check_nesting(units: list[Unit]) -> None:
    """Refuse, with the block's position, templates nested deeper than the generated code can
    be: Python refuses more than 20 nested loops and about 100 indentation levels. Checked on
    every parse (interpreted templates may be compiled later), following the levels the
    Generator indents to: a helper's body one level in, a loop's body two."""
    for unit in units:
        _nesting(unit.program, unit.part, 1, 0, frozenset())


def _nesting(program: ast.Program | None, part: str, level: int, loops: int, bparams: frozenset[str]) -> None:
    if program is None:
        return
    body = program.body
    for node in body:  # inline partials first, each a function of its own (as Generator.program)
        if isinstance(node, ast.Block) and node.decorator:
            _nesting(node.program, part, 1, 0, frozenset())
    for node in body:
        if not isinstance(node, ast.Block) or node.decorator:
            continue
        name = helper_name(node.path, bparams)
        loop = 0 if name in ("if", "unless", "with") else 1
        if loops + loop > MAX_LOOPS or level > MAX_LEVEL:
            raise TemplateSyntaxError(
                f"too deeply nested to compile: at most {MAX_LOOPS} nested #each or sections "
                f"and about {MAX_LEVEL} levels of blocks",
                part=part,
                line=node.pos.line,
                column=node.pos.column,
            )
        inner = loops + loop
        bound = node.program.block_params if node.program is not None else []
        if name in ("if", "unless"):
            _nesting(node.program, part, level + 1, inner, bparams)
        elif name == "with":
            _nesting(node.program, part, level + 1, inner, bparams | set(bound[:1]))
        elif name == "each":
            _nesting(node.program, part, level + 2, inner, bparams | set(bound[:2]))
        else:  # a section
            _nesting(node.program, part, level + 2, inner, bparams)
        _nesting(node.inverse, part, level + 1, inner, bparams)


@dataclass(slots=True)
class RenderState:
    """Per-render mutable state: the partials in scope (name -> (function, depth chain of the
    declaring program or None)) and the root context for ``@root``."""

    partials: dict[str, tuple[RenderFn, Any]]
    root: Any
    partial_depth: int = 0
    partial_output: int = 0  # characters returned by partial calls so far
    loop_items: int = 0  # items visited by #each and sections so far (MAX_LOOP_ITEMS)


def uses(programs: list[ast.Program]) -> tuple[bool, bool]:
    """(uses ``../``, uses ``@data`` other than ``@root``): renders keep a depth chain and data
    frames only when the template needs them."""
    use_depths = use_data = False
    for program in programs:
        for node in walk(program):
            exprs: list[ast.Expr] = []
            if isinstance(node, ast.Mustache | ast.Block | ast.Partial):
                exprs = [*node.params, *(v for _, v in (node.hash.pairs if node.hash else []))]
                if not isinstance(node, ast.Partial):
                    exprs.append(node.path)
            for e in exprs:
                if isinstance(e, ast.PathExpr):
                    use_depths |= e.depth > 0 and not e.data
                    use_data |= e.data and not (e.parts[:1] == ["root"] and e.depth == 0)
    return use_depths, use_data


def missing_value(variable: str, part: str, line: int, column: int, value: Any) -> RenderError:
    """SES's error for a printed path that resolves to nothing (``value``: None or undefined)."""
    if value is None:
        message = f"Attribute '{variable}' is null in the rendering data (SES treats null as missing)."
    else:
        message = f"Attribute '{variable}' is not present in the rendering data."
    return RenderError(message, variable=variable, part=part, line=line, column=column)


def count_loop_items(st: RenderState, n: int, part: str, line: int, column: int) -> None:
    """Count ``n`` loop items against MAX_LOOP_ITEMS; the error names the loop."""
    st.loop_items += n
    if st.loop_items > MAX_LOOP_ITEMS:
        raise RenderError(
            f"the template's loops visit more than {MAX_LOOP_ITEMS // 1_000_000} million items "
            "in one render (nested #each over large lists?)",
            part=part,
            line=line,
            column=column,
        )


def call_partial(
    st: RenderState, name: str, ctx: Any, data: Any, indent: str, where: tuple[str, int, int]
) -> str:
    """``{{> name}}`` at ``where`` (part, line, column): the partial in scope, with its depth
    chain, bounded in nesting and in output."""
    part, line, column = where
    entry = st.partials.get(name)
    if entry is None:
        raise RenderError(
            f"The partial {name} could not be found", variable=name, part=part, line=line, column=column
        )
    fn, chain = entry
    if chain is None:
        depths = (ctx, None)
    else:
        depths = chain if runtime.same_context(ctx, chain[0]) else (ctx, chain)
    if st.partial_depth >= MAX_PARTIAL_DEPTH:
        raise RenderError(
            f"partials nest too deeply: the partial {name} is {MAX_PARTIAL_DEPTH} partials deep (does it include itself?)",
            part=part,
            line=line,
            column=column,
        )
    st.partial_depth += 1
    try:
        out = fn(ctx, depths, data, st)
    finally:
        st.partial_depth -= 1
    st.partial_output += len(out)
    if st.partial_output > MAX_PARTIAL_OUTPUT:
        raise RenderError(
            f"the partials render more than {MAX_PARTIAL_OUTPUT // 1_000_000} million characters "
            "(partials that repeat partials?)",
            part=part,
            line=line,
            column=column,
        )
    return runtime.indent_lines(out, indent) if indent else out


@dataclass
class _Scope:
    ctx: str
    ds: str
    data: str
    bparams: dict[str, str] = field(default_factory=dict)


@dataclass
class Unit:
    """One source to compile: the main template or a registered (test-only) partial."""

    name: str  # function name in the generated module
    program: ast.Program
    part: str
    partial: str = ""  # the registered partial's name


class Generator:
    def __init__(self, *, strict: bool, null_is_missing: bool, escape: bool) -> None:
        self.strict = strict
        self.nim = null_is_missing
        self.escape = escape
        self.errors: list[tuple[str, str, str, int, int]] = []  # message, variable, part, line, col
        self.functions: list[list[str]] = []
        self.counter = 0
        self.use_depths = False
        self.use_data = False
        self.part = ""
        self.out: list[str] = []
        self.level = 0
        # Output pieces (f-string fragments) not appended yet: a straight run of text and values
        # becomes one append of one f-string. Lookups (statements without output) are emitted
        # before the pieces they feed; they keep their document order, so errors do too.
        self.pending: list[str] = []

    # -- plumbing ------------------------------------------------------------------------
    def new(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, line: str) -> None:
        """A statement that must follow the output before it (control flow, state)."""
        self.flush()
        self.out.append("    " * self.level + line)

    def stmt(self, line: str) -> None:
        """A statement that only computes a local: it may run before pending output."""
        self.out.append("    " * self.level + line)

    def text(self, value: str) -> None:
        self.piece("f" + repr(value.replace("{", "{{").replace("}", "}}")))

    def value_piece(self, local: str) -> None:
        """Print ``local``, which holds a str."""
        self.piece(f"f'{{{local}}}'")

    def piece(self, fragment: str) -> None:
        self.pending.append(fragment)
        if len(self.pending) >= MAX_PIECES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.out.append("    " * self.level + f"a({' '.join(self.pending)})")
            self.pending = []

    def error_index(self, message: str, variable: str, pos: ast.Pos) -> int:
        self.errors.append((message, variable, self.part, pos.line, pos.column))
        return len(self.errors) - 1

    def scan(self, programs: list[ast.Program]) -> None:
        self.use_depths, self.use_data = uses(programs)

    def function(self, name: str, program: ast.Program, part: str, *, main: bool = True) -> None:
        saved = (self.out, self.level, self.part, self.pending)
        self.out, self.level, self.part, self.pending = [], 1, part, []
        self.emit("o = []")
        self.emit("a = o.append")
        self.emit("R = st.root")
        scope = _Scope("c0", "ds0" if self.use_depths else "None", "d0" if self.use_data else "None")
        # handlebars.js runs a template's top-level decorators with no depths, so an inline
        # partial declared there cannot see ``../``; one declared in a block body or an inline
        # partial's body keeps that program's depths.
        self.program(program, scope, declare_depths="None" if main else scope.ds)
        self.emit('return "".join(o)')
        self.functions.append([f"def {name}(c0, ds0, d0, st):", *self.out])
        self.out, self.level, self.part, self.pending = saved

    def source(self) -> str:
        return "\n".join("\n".join(f) for f in self.functions) + "\n"

    # -- statements ----------------------------------------------------------------------
    def program(self, program: ast.Program | None, sc: _Scope, *, declare_depths: str | None = None) -> None:
        start = len(self.out)
        if program is not None:
            scope = sc
            if program.block_params:
                scope = _Scope(sc.ctx, sc.ds, sc.data, dict(sc.bparams))
            names = sorted(inline_names(program))
            saved = ""
            if names:
                saved = self.new("sp")
                entries = []
                for node in program.body:
                    if isinstance(node, ast.Block) and node.decorator:
                        fn = self.new("_inline")
                        assert node.program is not None
                        self.function(fn, node.program, self.part, main=False)
                        param = node.params[0]
                        assert isinstance(param, ast.Literal)
                        depths = sc.ds if declare_depths is None else declare_depths
                        entries.append(f"{str(param.value)!r}: ({fn}, {depths})")
                self.emit(f"{saved} = st.partials")
                self.emit(f"st.partials = {{**{saved}, {', '.join(entries)}}}")
            for node in program.body:
                self.node(node, scope)
            if names:
                self.emit(f"st.partials = {saved}")
        self.flush()
        if len(self.out) == start:
            self.emit("pass")

    def node(self, node: ast.Node, sc: _Scope) -> None:
        if isinstance(node, ast.Content):
            if node.value:
                self.text(node.value)
        elif isinstance(node, ast.Mustache):
            self.mustache(node, sc)
        elif isinstance(node, ast.Block):
            if not node.decorator:
                self.block(node, sc)
        elif isinstance(node, ast.Partial):
            self.partial(node, sc)

    def mustache(self, node: ast.Mustache, sc: _Scope) -> None:
        name = helper_name(node.path, frozenset(sc.bparams))
        if name == "log":
            return
        escape = node.escaped and self.escape
        t = self.new("t")
        if name == "lookup":
            obj, key = self.value(node.params[0], sc), self.value(node.params[1], sc)
            self.stmt(f"{t} = {'E' if escape else 'S'}(LK({obj}, {key}))")
            self.value_piece(t)
            return
        base, parts = self.base(node.path, sc)
        if not parts:
            self.stmt(f"{t} = {base}")
            self.stringify(t, escape)
        elif self.strict:
            k = self.error_index("", node.path.original, node.path.pos)
            self.lookup(t, base, parts, f"SG({self.walk(base, parts[:-1])}, {parts[-1]!r}, {k})")
            self.stringify(t, escape, k)
        else:
            self.lookup(t, base, parts, self.walk(base, parts))
            self.stringify(t, escape)
        self.value_piece(t)

    def stringify(self, t: str, escape: bool, k: int | None = None) -> None:
        """Make the local ``t`` its printed text: a string as it is (escaped if asked), a
        number from runtime.NUMBER_TEXT when it is there (no call), anything else through the
        conversion, checked as a printed path (error ``k``) when strict."""
        if k is None:
            slow = f"E({t})" if escape else f"S({t})"
        else:
            slow = f"PVE({t}, {k})" if escape else f"PV({t}, {k})"
        number = f"(type({t}) in NUM and NT.get({t})) or {slow}"
        if escape:  # numbers print digits, signs, '.', 'e', Infinity, NaN: nothing to escape
            self.stmt(f"{t} = EH({t}) if type({t}) is str else ({number})")
        else:
            self.stmt(f"if type({t}) is not str: {t} = {number}")

    def block(self, node: ast.Block, sc: _Scope) -> None:
        name = helper_name(node.path, frozenset(sc.bparams))
        if name in BLOCK_HELPERS:
            t = self.value(node.params[0], sc)
            if name in ("if", "unless"):
                cond = f"IFT({t})"
                for key, value in node.hash.pairs if node.hash else []:
                    if key == "includeZero":
                        cond = f"(IFZ({t}) if T({self.value(value, sc)}) else IFT({t}))"
                yes, no = (node.program, node.inverse) if name == "if" else (node.inverse, node.program)
                self.emit(f"if {cond}:")
                self.helper_this(yes, sc)
                if no is not None:
                    self.emit("else:")
                    self.helper_this(no, sc)
            elif name == "with":
                self.emit(f"if not EMPTY({t}):")
                self.level += 1
                inner = self.push(sc, t)
                self.bind(node.program, inner, [t])
                self.program(node.program, inner)
                self.level -= 1
                if node.inverse is not None:
                    self.emit("else:")
                    self.helper_this(node.inverse, sc)
            else:
                self.each(node, sc, t)
            return
        t = self.new("t")
        self.path(node.path, sc, t, strict=self.strict)
        self.section(node, sc, t)

    def helper_this(self, program: ast.Program | None, sc: _Scope) -> None:
        """A built-in helper's ``fn(this)`` / ``inverse(this)``: handlebars.js calls helpers
        with an empty object (its ``nullContext``) for a null or undefined context, so
        ``{{this}}`` prints ``[object Object]`` there; the depth chain does not change."""
        self.level += 1
        if program is not None and any(not isinstance(n, ast.Content) for n in program.body):
            c = self.new("c")
            self.emit(f"{c} = NC if {sc.ctx} is None or {sc.ctx} is M else {sc.ctx}")
            sc = _Scope(c, sc.ds, sc.data, dict(sc.bparams))
        self.program(program, sc)
        self.level -= 1

    def nested(self, program: ast.Program | None, sc: _Scope) -> None:
        self.level += 1
        self.program(program, sc)
        self.level -= 1

    def push(self, sc: _Scope, value: str) -> _Scope:
        """A scope whose context is ``value`` (a new depth unless it is the same context)."""
        c = self.new("c")
        self.emit(f"{c} = {value}")
        ds = "None"
        if self.use_depths:
            ds = self.new("ds")
            self.emit(f"{ds} = {sc.ds} if SAME({c}, {sc.ctx}) else ({c}, {sc.ds})")
        return _Scope(c, ds, sc.data, dict(sc.bparams))

    def bind(self, program: ast.Program | None, sc: _Scope, values: list[str]) -> None:
        if program is not None:
            for name, value in zip(program.block_params, values, strict=False):
                sc.bparams[name] = value

    def each(self, node: ast.Block, sc: _Scope, t: str) -> None:
        it, n, i, k, v = (self.new(p) for p in ("it", "n", "i", "k", "v"))
        self.emit(f"if type({t}) is list:")
        self.emit(f"    {it} = enumerate({t})")
        self.emit(f"    {n} = len({t})")
        self.emit(f"elif type({t}) is dict:")
        self.emit(f"    {it} = JSITEMS({t})")
        self.emit(f"    {n} = len({it})")
        self.emit("else:")
        self.emit(f"    {n} = 0")
        self.emit(f"if {n}:")
        self.level += 1
        budget = self.error_index("", "", node.pos)
        self.emit(f"LOOPS(st, {n}, {budget})")
        self.emit(f"for {i}, ({k}, {v}) in enumerate({it}):")
        self.level += 1
        inner = self.iteration(sc, v, i, k, n)
        self.bind(node.program, inner, [v, k])
        self.program(node.program, inner)
        self.level -= 2
        if node.inverse is not None:
            self.emit("else:")
            self.helper_this(node.inverse, sc)

    def iteration(self, sc: _Scope, value: str, i: str, key: str, n: str, *, only_if: str = "") -> _Scope:
        """The scope of one item of a loop: its context and, where the template uses @data,
        a new frame with @key/@index/@first/@last (``only_if``: a condition for the frame)."""
        inner = self.push(sc, value)
        if self.use_data:
            d = self.new("d")
            frame = f"{{'key': {key}, 'index': {i}, 'first': {i} == 0, 'last': {i} == {n} - 1, '_parent': {sc.data}}}"
            self.emit(f"{d} = {frame} if {only_if} else {sc.data}" if only_if else f"{d} = {frame}")
            inner.data = d
        return inner

    def section(self, node: ast.Block, sc: _Scope, t: str) -> None:
        """A block on a non-helper name (handlebars.js's blockHelperMissing): true renders the
        body once, false/null/undefined/[] the inverse, arrays iterate, anything else becomes
        the context."""
        items, n, i, v = (self.new(p) for p in ("items", "n", "i", "v"))
        self.emit(f"{items} = SECTION({t}, {sc.ctx})")
        self.emit(f"if {items} is None:")
        self.nested(node.inverse, sc)
        self.emit("else:")
        self.level += 1
        if node.program is None:
            self.emit("pass")
        else:
            self.emit(f"{n} = len({items})")
            self.emit(f"LOOPS(st, {n}, {self.error_index('', '', node.pos)})")
            self.emit(f"for {i}, {v} in enumerate({items}):")
            self.level += 1
            # arrays iterate as #each does (with @index...); other values keep the frame
            inner = self.iteration(sc, v, i, i, n, only_if=f"type({t}) is list")
            self.program(node.program, inner)
            self.level -= 1
        self.level -= 1

    def partial(self, node: ast.Partial, sc: _Scope) -> None:
        ctx = self.value(node.params[0], sc) if node.params else sc.ctx
        if node.hash:
            pairs = ", ".join(f"{key!r}: {self.value(value, sc)}" for key, value in node.hash.pairs)
            ctx = f"EXTEND({ctx}, {{{pairs}}})"
        k = self.error_index(f"The partial {node.name} could not be found", node.name, node.pos)
        t = self.new("t")
        self.stmt(f"{t} = PARTIAL(st, {node.name!r}, {ctx}, {sc.data}, {node.indent!r}, {k})")
        self.value_piece(t)

    # -- expressions ---------------------------------------------------------------------
    def value(self, expr: ast.Expr, sc: _Scope) -> str:
        """A Python expression (a local or a constant) for a parameter: looked up leniently."""
        if isinstance(expr, ast.Literal):
            return "M" if expr.value is runtime.MISSING else repr(expr.value)
        t = self.new("t")
        self.path(expr, sc, t, strict=False)
        return t

    def path(self, path: ast.Expr, sc: _Scope, target: str, *, strict: bool) -> None:
        """Assign the value of ``path`` to the local ``target``; ``strict`` checks the last
        segment as SES does (RenderError when it resolves to nothing)."""
        base, parts = self.base(path, sc)
        if not parts:
            self.stmt(f"{target} = {base}")
        elif strict:
            k = self.error_index("", path.original, path.pos)
            self.lookup(target, base, parts, f"SG({self.walk(base, parts[:-1])}, {parts[-1]!r}, {k})")
            if self.nim:  # the fast lookup can find null, which SES counts as missing
                self.stmt(f"if {target} is None: F({k}, None)")
        else:
            self.lookup(target, base, parts, self.walk(base, parts))

    def lookup(self, target: str, base: str, parts: list[str], fallback: str) -> None:
        """``target = base[p1][p2]...`` when every step is an object holding the key (the
        common case: a try block costs nothing until it raises), else ``fallback``: the exact
        JavaScript lookup (arrays, strings, missing keys) and, when strict, its check."""
        subscripts = "".join(f"[{part!r}]" for part in parts)
        self.stmt("try:")
        self.stmt(f"    {target} = {base}{subscripts}")
        self.stmt("except LOOKUP_ERRORS:")
        self.stmt(f"    {target} = {fallback}")

    def walk(self, base: str, parts: list[str]) -> str:
        for part in parts:
            base = f"P({base}, {part!r})"
        return base

    def base(self, path: ast.Expr, sc: _Scope) -> tuple[str, list[str]]:
        """The Python expression a path starts from, and the segments left to look up."""
        if isinstance(path, ast.Literal):  # pragma: no cover - names are paths after parsing
            return self.value(path, sc), []
        parts = path.parts
        if not path.depth and not path.scoped and parts and parts[0] in sc.bparams:
            # block parameters win even over @data names, as in handlebars.js: inside
            # {{#each x as |item key|}}, {{@key}} is the block parameter ``key``
            return sc.bparams[parts[0]], parts[1:]
        if path.data:
            if parts[:1] == ["root"] and path.depth == 0:
                return "R", parts[1:]
            if path.depth:
                return f"DATAUP({sc.data}, {path.depth})", parts
            return sc.data, parts
        if path.depth:
            return f"DEPTH({sc.ds}, {path.depth})", parts
        return sc.ctx, parts


def build(
    units: list[Unit], *, strict: bool, null_is_missing: bool, escape: bool
) -> tuple[dict[str, RenderFn], str]:
    """Generate and compile every unit; returns {unit name: function} and the source."""
    gen = Generator(strict=strict, null_is_missing=null_is_missing, escape=escape)
    gen.scan([u.program for u in units])
    for unit in units:
        gen.function(unit.name, unit.program, unit.part)
    source = gen.source()
    try:
        code = compile(source, "<sesctl template>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as exc:  # pragma: no cover - limits checked above
        raise TemplateSyntaxError(
            f"template too large or nested to compile ({exc.__class__.__name__})",
            part=units[0].part,
            line=1,
            column=1,
        ) from None
    namespace = _namespace(gen.errors, null_is_missing)
    exec(code, namespace)
    return {u.name: namespace[u.name] for u in units}, source


def _namespace(errors: list[tuple[str, str, str, int, int]], null_is_missing: bool) -> dict[str, Any]:
    def fail(k: int, value: Any) -> None:
        _, variable, part, line, column = errors[k]
        raise missing_value(variable, part, line, column, value)

    def partial(st: RenderState, name: str, ctx: Any, data: Any, indent: str, k: int) -> str:
        return call_partial(st, name, ctx, data, indent, errors[k][2:])

    def loops(st: RenderState, n: int, k: int) -> None:
        count_loop_items(st, n, *errors[k][2:])

    strict_prop, js_str, escape_html, missing, js_number = (
        runtime.strict_prop,
        runtime.js_str,
        runtime.escape_html,
        runtime.MISSING,
        runtime.js_number,
    )

    if null_is_missing:

        def strict_get(obj: Any, key: str, k: int) -> Any:
            value = obj.get(key, missing) if type(obj) is dict else strict_prop(obj, key)
            if value is missing or value is None:
                fail(k, value)
            return value

    else:

        def strict_get(obj: Any, key: str, k: int) -> Any:
            value = obj.get(key, missing) if type(obj) is dict else strict_prop(obj, key)
            if value is missing:
                fail(k, value)
            return value

    def print_value(value: Any, k: int) -> str:
        """A printed value that is not a string: checked (strict) and stringified; numbers
        land here when runtime.NUMBER_TEXT does not hold them yet."""
        kind = type(value)
        if kind is int or kind is float:
            return js_number(value)
        if value is missing or (value is None and null_is_missing):
            fail(k, value)
        return js_str(value)

    def print_escaped(value: Any, k: int) -> str:
        return escape_html(value if type(value) is str else print_value(value, k))

    return {
        "__builtins__": {
            "len": len,
            "enumerate": enumerate,
            "type": type,
            "dict": dict,
            "list": list,
            "str": str,
        },
        "M": runtime.MISSING,
        "NC": {},  # handlebars.js's nullContext, one per compiled template (never modified)
        "P": runtime.prop,
        "SP": runtime.strict_prop,
        "S": runtime.js_str,
        "E": runtime.escape_value,
        "EH": runtime.escape_html,
        "NUM": runtime.NUMBER_TYPES,
        "NT": runtime.NUMBER_TEXT,
        "T": runtime.truthy,
        "IFT": runtime.if_true,
        "IFZ": runtime.if_true_zero,
        "EMPTY": runtime.is_empty,
        "SAME": runtime.same_context,
        "LK": runtime.lookup_key,
        "JSITEMS": runtime.js_items,
        "SECTION": runtime.section_items,
        "DEPTH": runtime.depth,
        "DATAUP": runtime.data_up,
        "EXTEND": runtime.extend,
        "F": fail,
        "SG": strict_get,
        "PV": print_value,
        "PVE": print_escaped,
        "LOOKUP_ERRORS": (KeyError, TypeError),
        "PARTIAL": partial,
        "LOOPS": loops,
    }
