"""compile_template for the template tests: each render runs both ways, interpreted
(Template.interpret) and compiled (CompiledTemplate.render), and must give the same output or
the same error, so every conformance, differential and property case checks both renderers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.templates import CompiledTemplate, RenderError, parse_template
from reconciler.templates import compile_template as compile_only


class BothWays:
    def __init__(self, source: str, **options: Any) -> None:
        self.parsed = parse_template(source, **options)
        self.compiled: CompiledTemplate = compile_only(source, **options)
        self.source = source
        self.part = self.compiled.part

    def render(self, data: Any, **options: Any) -> str:
        interpreted = _outcome(lambda: self.parsed.interpret(data, **options))
        compiled = _outcome(lambda: self.compiled.render(data, **options))
        assert interpreted[:2] == compiled[:2], f"interpreter {interpreted[:2]} != compiled {compiled[:2]}"
        error = compiled[2]
        if error is not None:
            raise error
        return compiled[1]

    def data_paths(self) -> dict[tuple[int, int], str]:
        return self.compiled.data_paths()


def _outcome(render: Callable[[], str]) -> tuple[str, str, BaseException | None]:
    try:
        return "ok", render(), None
    except RenderError as exc:
        return "error", f"{type(exc).__name__}: {exc} variable={exc.variable!r} path={exc.path!r}", exc
    except Exception as exc:  # any other failure must be the same both ways too
        return "error", f"{type(exc).__name__}: {exc}", exc


def compile_template(source: str, **options: Any) -> BothWays:
    return BothWays(source, **options)
