"""The SES profile: which Handlebars constructs SES accepts, checked on the parsed tree.

SES runs handlebars.js with its built-in helpers only (no ``registerHelper``, no
``registerPartial``), so every helper other than if/unless/each/with/lookup/log is refused, as
are partials that no ``{{#*inline}}`` defines. Inline templates (``TemplateContent`` of
SendEmail/SendBulkEmail) are limited further to plain substitution ("Template contains
unsupported operations"). Every refusal names the position of the offending tag.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .errors import TemplateSyntaxError

BLOCK_HELPERS = frozenset({"if", "unless", "each", "with"})
BUILTIN_HELPERS = BLOCK_HELPERS | {"lookup", "log"}
# Names handlebars.js reserves as internal hooks; calling them is an error there too.
RESERVED = frozenset({"helperMissing", "blockHelperMissing"})
_HASH_ALLOWED = {"if": {"includeZero"}, "unless": {"includeZero"}, "log": {"level"}}


def helper_name(path: ast.Expr, block_params: frozenset[str] = frozenset()) -> str | None:
    """The helper a tag names, if its path could name one (a single plain segment)."""
    if (
        isinstance(path, ast.PathExpr)
        and len(path.parts) == 1
        and not path.scoped
        and not path.depth
        and not path.data
        and path.parts[0] not in block_params
    ):
        return path.parts[0]
    return None


def walk(program: ast.Program) -> Iterator[ast.Node]:
    for node in program.body:
        yield node
        if isinstance(node, ast.Block):
            for sub in (node.program, node.inverse):
                if sub is not None:
                    yield from walk(sub)


def inline_names(program: ast.Program) -> set[str]:
    """Names of the inline partials a program itself declares (not its nested blocks)."""
    return {_inline_name(node) for node in program.body if isinstance(node, ast.Block) and node.decorator}


def _inline_name(node: ast.Block) -> str:
    param = node.params[0]
    assert isinstance(param, ast.Literal)
    return str(param.value)


class _Checker:
    def __init__(self, part: str, registered: frozenset[str], all_inline: frozenset[str]) -> None:
        self.part = part
        self.registered = registered
        self.all_inline = all_inline

    def error(self, message: str, pos: ast.Pos) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, part=self.part, line=pos.line, column=pos.column)

    def program(
        self, program: ast.Program, scopes: list[set[str]], bparams: frozenset[str], in_partial: bool
    ) -> None:
        scopes = [*scopes, inline_names(program)]
        bparams = bparams | set(program.block_params)
        for node in program.body:
            if isinstance(node, ast.Mustache):
                self.mustache(node, bparams)
            elif isinstance(node, ast.Partial):
                known = self.all_inline if in_partial else set().union(*scopes)
                if node.name not in known and node.name not in self.registered:
                    raise self.error(
                        f"unknown partial '{node.name}': SES has no registered partials, define it "
                        f'with {{{{#*inline "{node.name}"}}}}...{{{{/inline}}}}',
                        node.pos,
                    )
            elif isinstance(node, ast.Block):
                self.block(node, scopes, bparams, in_partial)

    def mustache(self, node: ast.Mustache, bparams: frozenset[str]) -> None:
        name = helper_name(node.path, bparams)
        has_args = bool(node.params or node.hash)
        if name in RESERVED:
            raise self.error(f"'{name}' is an internal handlebars.js hook and cannot be called", node.pos)
        if name in BLOCK_HELPERS:
            raise self.error(
                f"'{name}' is a block helper: use {{{{#{name} ...}}}}...{{{{/{name}}}}}", node.pos
            )
        if name == "lookup":
            if len(node.params) != 2 or node.hash:
                raise self.error("lookup needs exactly two arguments: {{lookup object key}}", node.pos)
        elif name == "log":
            self.check_hash(name, node)
        elif has_args:
            self.refuse_helper(node.path, node.pos)

    def block(
        self, node: ast.Block, scopes: list[set[str]], bparams: frozenset[str], in_partial: bool
    ) -> None:
        name = helper_name(node.path, bparams)
        if node.decorator:
            assert node.program is not None
            self.program(node.program, scopes, bparams, True)
            return
        if name in RESERVED:
            raise self.error(f"'{name}' is an internal handlebars.js hook and cannot be called", node.pos)
        if name in BLOCK_HELPERS:
            if len(node.params) != 1:
                needs = "at least one argument" if name == "each" else "exactly one argument"
                raise self.error(f"#{name} requires {needs}", node.pos)
            self.check_hash(name, node)
        elif name in ("lookup", "log"):
            raise self.error(f"'{name}' cannot be used as a block", node.pos)
        elif node.params or node.hash:
            self.refuse_helper(node.path, node.pos)
        has_bparams = any(p.block_params for p in (node.program, node.inverse) if p is not None)
        if has_bparams and name not in ("each", "with"):
            raise self.error("block parameters ('as |x|') are supported on #each and #with only", node.pos)
        for sub in (node.program, node.inverse):
            if sub is not None:
                self.program(sub, scopes, bparams, in_partial)

    def check_hash(self, name: str, node: ast.Mustache | ast.Block) -> None:
        allowed = _HASH_ALLOWED.get(name, set())
        for key, _ in node.hash.pairs if node.hash else []:
            if key not in allowed:
                raise self.error(f"#{name} does not take the argument '{key}='", node.pos)

    def refuse_helper(self, path: ast.Expr, pos: ast.Pos) -> None:
        raise self.error(
            f"custom helper '{path.original}' is not supported by SES "
            "(only the built-in helpers if, unless, each, with, lookup and log)",
            pos,
        )


def all_inline_names(program: ast.Program) -> frozenset[str]:
    return frozenset(_inline_name(n) for n in walk(program) if isinstance(n, ast.Block) and n.decorator)


def check(
    program: ast.Program,
    *,
    part: str,
    registered: frozenset[str] = frozenset(),
    inline: bool = False,
    callers_inline: frozenset[str] | None = None,
) -> None:
    """Raise TemplateSyntaxError at the first construct outside the SES profile.

    ``callers_inline`` marks ``program`` as a registered partial: it may call any partial its
    callers can define (the names of every inline partial in the main template)."""
    if inline:
        check_inline(program, part=part)
    known = all_inline_names(program) | registered | (callers_inline or frozenset())
    _Checker(part, registered, known).program(program, [], frozenset(), callers_inline is not None)


def check_inline(program: ast.Program, *, part: str) -> None:
    """SES's rule for inline TemplateContent: simple substitution only."""
    for node in program.body:
        what = None
        if isinstance(node, ast.Block):
            what = "blocks ({{#...}})" if not node.decorator else "inline partials"
        elif isinstance(node, ast.Partial):
            what = "partials ({{> ...}})"
        elif isinstance(node, ast.Mustache) and (
            node.params or node.hash or helper_name(node.path) in BUILTIN_HELPERS
        ):
            what = "helpers"
        if what:
            raise TemplateSyntaxError(
                f"Template contains unsupported operations: inline templates allow simple "
                f"substitution only, not {what}",
                part=part,
                line=node.pos.line,
                column=node.pos.column,
            )
