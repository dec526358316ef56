"""Templates: parsed and checked once (parse_template), rendered by interpreting the tree for
one-shot renders, compiled to Python code where a template is reused (compile_template, or
automatically once a parsed template has been rendered COMPILE_AFTER times).

    tpl = parse_template(source, part="html")   # parse + whitespace + SES profile + nesting
    tpl.render(data)                            # interprets (no code generation)
    tpl.contract()                              # the variable contract, from the same parse
    tpl.compile().render(data)                  # generated code, for many renders
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from reconciler.gc_pause import paused_gc

from . import ast, profile, whitespace
from .analysis import VariableContract, analyze_program, data_paths
from .compiler import RenderFn, RenderState, Unit, build, check_nesting
from .errors import Part, RenderError
from .interpreter import Interpreter
from .parser import parse

# Renders of one parsed template after which it compiles itself: interpreting costs a few times
# a compiled render, compiling a few dozen renders' worth (docs/performance.md).
COMPILE_AFTER = 8


class Template:
    """A parsed and checked template. Thread-safe; :meth:`render` interprets its tree (and
    compiles it once it has been rendered COMPILE_AFTER times)."""

    def __init__(
        self, source: str, program: ast.Program, *, part: Part, escape: bool, units: list[Unit]
    ) -> None:
        self.source = source
        self.program = program
        self.part = part
        self.escape = escape
        self._units = units
        self._data_paths: dict[tuple[int, int], str] | None = None
        self._contract: VariableContract | None = None
        self._interpreters: dict[tuple[bool, bool], Interpreter] = {}
        self._compiled: CompiledTemplate | None = None
        self._renders = 0
        self._lock = threading.Lock()

    def render(self, data: Any, *, strict: bool = True, null_is_missing: bool = True) -> str:
        """Render with ``data``. ``strict`` (SES's behaviour) makes a printed variable that
        resolves to nothing a RenderError; ``null_is_missing`` counts null as nothing."""
        if self._compiled is not None:
            return self._compiled.render(data, strict=strict, null_is_missing=null_is_missing)
        self._renders += 1
        if self._renders > COMPILE_AFTER:
            return self.compile().render(data, strict=strict, null_is_missing=null_is_missing)
        return self.interpret(data, strict=strict, null_is_missing=null_is_missing)

    def interpret(self, data: Any, *, strict: bool = True, null_is_missing: bool = True) -> str:
        """:meth:`render` by walking the tree, always (tests compare it with the compiled code)."""
        key = (strict, null_is_missing and strict)
        interpreter = self._interpreters.get(key)
        if interpreter is None:
            interpreter = Interpreter(self._units, strict=key[0], null_is_missing=key[1], escape=self.escape)
            self._interpreters[key] = interpreter
        try:
            return interpreter.render(data, RenderState(partials={}, root=data))
        except RenderError as exc:
            self._locate(exc)
            raise
        except RecursionError:
            raise self._too_deep() from None

    def _locate(self, exc: RenderError) -> None:
        """Complete a RenderError with the data path of its variable."""
        if exc.part == self.part and exc.variable and not exc.path:
            exc.path = self.data_paths().get((exc.line, exc.column), "")

    def _too_deep(self) -> RenderError:
        return RenderError(
            "partials or data nest too deeply to render (endless partial recursion?)", part=self.part
        )

    def compile(self) -> CompiledTemplate:
        """This template as generated code (made once, shared by every caller)."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    compiled = CompiledTemplate(
                        self.source, self.program, part=self.part, escape=self.escape, units=self._units
                    )
                    compiled._data_paths = self._data_paths
                    compiled._functions(True, True)
                    self._compiled = compiled
        return self._compiled

    def contract(self) -> VariableContract:
        """The variables this part needs (see analysis.py), from the same parse."""
        if self._contract is None:
            self._contract = analyze_program(self.program)
        return self._contract

    def data_paths(self) -> dict[tuple[int, int], str]:
        """(line, column) of each variable -> its path in the data (see analysis.data_paths)."""
        if self._data_paths is None:
            self._data_paths = data_paths(self.program)
        return self._data_paths

    def __repr__(self) -> str:
        return f"{type(self).__name__}(part={self.part!r}, {len(self.source)} chars)"


class CompiledTemplate(Template):
    """A template compiled to Python code per (strict, null_is_missing) variant on first use.
    Thread-safe; reuse it for every render."""

    def __init__(
        self, source: str, program: ast.Program, *, part: Part, escape: bool, units: list[Unit]
    ) -> None:
        super().__init__(source, program, part=part, escape=escape, units=units)
        self._variants: dict[tuple[bool, bool], dict[str, RenderFn]] = {}
        # SES's variant (strict, null is missing), the one sends use: its main function and
        # registered partials, read without a lookup per render (set once built)
        self._ses: tuple[RenderFn, dict[str, tuple[RenderFn, Any]]] | None = None

    def _functions(self, strict: bool, null_is_missing: bool) -> dict[str, RenderFn]:
        key = (strict, null_is_missing and strict)
        functions = self._variants.get(key)
        if functions is None:
            with self._lock, paused_gc():
                functions = self._variants.get(key)
                if functions is None:
                    functions, _ = build(
                        self._units, strict=key[0], null_is_missing=key[1], escape=self.escape
                    )
                    self._variants[key] = functions
                    if key == (True, True):
                        self._ses = (functions["render"], self._registered(functions))
        return functions

    def _registered(self, functions: dict[str, RenderFn]) -> dict[str, tuple[RenderFn, Any]]:
        # shared by renders: the generated code replaces st.partials, it never changes the dict
        return {u.partial: (functions[u.name], None) for u in self._units[1:]}

    def python_source(self, *, strict: bool = True, null_is_missing: bool = True) -> str:
        """The generated Python code (for debugging the compiler)."""
        return build(self._units, strict=strict, null_is_missing=null_is_missing, escape=self.escape)[1]

    def render(self, data: Any, *, strict: bool = True, null_is_missing: bool = True) -> str:
        ses = self._ses
        if ses is not None and strict and null_is_missing:
            main, registered = ses
        else:
            functions = self._functions(strict, null_is_missing)
            main, registered = functions["render"], self._registered(functions)
        try:
            return main(data, (data, None), {}, RenderState(registered, data))
        except RenderError as exc:
            self._locate(exc)
            raise
        except RecursionError:
            raise self._too_deep() from None

    def compile(self) -> CompiledTemplate:
        return self


def _prepare(source: str, part: Part) -> ast.Program:
    return whitespace.apply(parse(source, part=part))


def parse_template(
    source: str,
    *,
    part: Part = "html",
    escape: bool = False,
    inline: bool = False,
    partials: Mapping[str, str] | None = None,
) -> Template:
    """Parse and check ``source`` (everything compile_template checks, without generating
    code); raises TemplateSyntaxError with a position.

    ``escape`` turns on handlebars.js's HTML escaping (SES does not escape). ``inline`` applies
    SES's simple-substitution-only rule for TemplateContent in SendEmail/SendBulkEmail.
    ``partials`` registers named partials as handlebars.js's ``registerPartial`` would; SES has
    no such API (only ``{{#*inline}}``), so this exists for conformance tests.
    """
    if not isinstance(source, str):
        raise TypeError(f"template source must be str, not {type(source).__name__}")
    with paused_gc():
        program = _prepare(source, part)
        registered = dict(partials or {})
        profile.check(program, part=part, registered=frozenset(registered), inline=inline)
        units = [Unit("render", program, part)]
        for index, (name, text) in enumerate(registered.items()):
            sub = _prepare(text, f"partial {name}")
            callers = profile.all_inline_names(program)
            profile.check(
                sub, part=f"partial {name}", registered=frozenset(registered), callers_inline=callers
            )
            units.append(Unit(f"_partial{index}", sub, f"partial {name}", partial=name))
        check_nesting(units)
    return Template(source, program, part=part, escape=escape, units=units)


def compile_template(
    source: str,
    *,
    part: Part = "html",
    escape: bool = False,
    inline: bool = False,
    partials: Mapping[str, str] | None = None,
) -> CompiledTemplate:
    """parse_template, then compile the SES variant now (errors surface at compile time): for
    a template rendered many times (sends)."""
    return parse_template(source, part=part, escape=escape, inline=inline, partials=partials).compile()
