"""CompiledTemplate and compile_template: parse once, check the SES profile, generate code per
(strict, null_is_missing) variant on first use, render many times."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from . import ast, profile, whitespace
from .analysis import data_paths
from .compiler import RenderFn, RenderState, Unit, build
from .errors import Part, RenderError
from .parser import parse


class CompiledTemplate:
    """A parsed, checked and compiled template. Thread-safe; reuse it for every render."""

    def __init__(
        self, source: str, program: ast.Program, *, part: Part, escape: bool, units: list[Unit]
    ) -> None:
        self.source = source
        self.program = program
        self.part = part
        self.escape = escape
        self._units = units
        self._variants: dict[tuple[bool, bool], dict[str, RenderFn]] = {}
        self._data_paths: dict[tuple[int, int], str] | None = None
        self._lock = threading.Lock()

    def _functions(self, strict: bool, null_is_missing: bool) -> dict[str, RenderFn]:
        key = (strict, null_is_missing and strict)
        functions = self._variants.get(key)
        if functions is None:
            with self._lock:
                functions = self._variants.get(key)
                if functions is None:
                    functions, _ = build(
                        self._units, strict=key[0], null_is_missing=key[1], escape=self.escape
                    )
                    self._variants[key] = functions
        return functions

    def python_source(self, *, strict: bool = True, null_is_missing: bool = True) -> str:
        """The generated Python code (for debugging the compiler)."""
        return build(self._units, strict=strict, null_is_missing=null_is_missing, escape=self.escape)[1]

    def render(self, data: Any, *, strict: bool = True, null_is_missing: bool = True) -> str:
        """Render with ``data``. ``strict`` (SES's behaviour) makes a printed variable that
        resolves to nothing a RenderError; ``null_is_missing`` counts null as nothing."""
        functions = self._functions(strict, null_is_missing)
        registered = {u.partial: (functions[u.name], None) for u in self._units[1:]}
        state = RenderState(partials=registered, root=data)
        try:
            return functions["render"](data, (data, None), {}, state)
        except RenderError as exc:
            if exc.part == self.part and exc.variable and not exc.path:
                exc.path = self.data_paths().get((exc.line, exc.column), "")
            raise
        except RecursionError:
            raise RenderError(
                "partials or data nest too deeply to render (endless partial recursion?)", part=self.part
            ) from None

    def data_paths(self) -> dict[tuple[int, int], str]:
        """(line, column) of each variable -> its path in the data (see analysis.data_paths)."""
        if self._data_paths is None:
            self._data_paths = data_paths(self.program)
        return self._data_paths

    def __repr__(self) -> str:
        return f"CompiledTemplate(part={self.part!r}, {len(self.source)} chars)"


def _prepare(source: str, part: Part) -> ast.Program:
    return whitespace.apply(parse(source, part=part))


def compile_template(
    source: str,
    *,
    part: Part = "html",
    escape: bool = False,
    inline: bool = False,
    partials: Mapping[str, str] | None = None,
) -> CompiledTemplate:
    """Parse, check and compile ``source``; raises TemplateSyntaxError with a position.

    ``escape`` turns on handlebars.js's HTML escaping (SES does not escape). ``inline`` applies
    SES's simple-substitution-only rule for TemplateContent in SendEmail/SendBulkEmail.
    ``partials`` registers named partials as handlebars.js's ``registerPartial`` would; SES has
    no such API (only ``{{#*inline}}``), so this exists for conformance tests.
    """
    if not isinstance(source, str):
        raise TypeError(f"template source must be str, not {type(source).__name__}")
    program = _prepare(source, part)
    registered = dict(partials or {})
    profile.check(program, part=part, registered=frozenset(registered), inline=inline)
    units = [Unit("render", program, part)]
    for index, (name, text) in enumerate(registered.items()):
        sub = _prepare(text, f"partial {name}")
        callers = profile.all_inline_names(program)
        profile.check(sub, part=f"partial {name}", registered=frozenset(registered), callers_inline=callers)
        units.append(Unit(f"_partial{index}", sub, f"partial {name}", partial=name))
    template = CompiledTemplate(source, program, part=part, escape=escape, units=units)
    template._functions(True, True)  # compile the SES variant now: errors surface at compile time
    return template
