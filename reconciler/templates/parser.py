"""Recursive-descent parser for the Handlebars 4 grammar (as handlebars.js's handlebars.yy),
producing :mod:`.ast` nodes with positions. Constructs SES cannot run (subexpressions, partial
blocks, decorators other than ``inline``, raw blocks) are refused here with their position;
helper names and argument counts are checked by :mod:`.profile`.
"""

from __future__ import annotations

import re

from . import ast
from .errors import TemplateSyntaxError
from .lexer import LineIndex, Token, tokenize
from .runtime import MISSING, js_str

MAX_DEPTH = 100  # nesting of blocks; keeps every recursive pass well inside Python's limits
# Parts of one path (a.b.c, ../..): the analysis lists every prefix of a path, so a path of
# 20,000 parts cost seconds and hundreds of MB.
MAX_PATH_PARTS = 1000
_CLOSERS = ("CLOSE", "CLOSE_UNESCAPED")
_LITERALS = ("STRING", "NUMBER", "BOOLEAN", "UNDEFINED", "NULL")
_SCOPED = re.compile(r"^\.|this\b", re.ASCII)
_BRACKET_ESCAPE = re.compile(r"\\([\\\]])")
_STRIP_COMMENT_OPEN = re.compile(r"^\{\{~?!-?-?")
_STRIP_COMMENT_CLOSE = re.compile(r"-?-?~?\}\}\Z")


def parse(source: str, *, part: str = "") -> ast.Program:
    """Parse ``source``; raises TemplateSyntaxError naming ``part``, line and column."""
    return _Parser(source, part).parse()


def strip_flags(open_text: str, close_text: str) -> ast.Strip:
    return ast.Strip(open=open_text[2:3] == "~", close=close_text[-3:-2] == "~")


class _Parser:
    def __init__(self, source: str, part: str) -> None:
        self.part = part
        self.index = LineIndex(source)
        self.tokens: list[Token] = tokenize(source, part=part, index=self.index)
        self.i = 0
        self.end = len(source)
        self.depth = 0

    # -- helpers -------------------------------------------------------------------------
    def pos(self, offset: int) -> ast.Pos:
        line, column = self.index.at(offset)
        return ast.Pos(line, column)

    def error(self, message: str, offset: int) -> TemplateSyntaxError:
        line, column = self.index.at(offset)
        return TemplateSyntaxError(message, part=self.part, line=line, column=column)

    def peek(self, ahead: int = 0) -> Token | None:
        k = self.i + ahead
        return self.tokens[k] if k < len(self.tokens) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error(f"unexpected end of template, expected {what}", self.end)
        self.i += 1
        return tok

    # -- statements ----------------------------------------------------------------------
    def parse(self) -> ast.Program:
        program = self.program()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "OPEN_ENDBLOCK":
                raise self.error("closing tag without a matching opening block", tok.start)
            raise self.error("'else' outside of a block", tok.start)
        return program

    def program(self) -> ast.Program:
        body: list[ast.Node] = []
        while (tok := self.peek()) is not None:
            kind = tok.kind
            if kind == "CONTENT":
                self.i += 1
                body.append(ast.Content(tok.text, tok.text, self.pos(tok.start)))
            elif kind == "COMMENT":
                self.i += 1
                text = _STRIP_COMMENT_CLOSE.sub("", _STRIP_COMMENT_OPEN.sub("", tok.text))
                body.append(ast.Comment(text, strip_flags(tok.text, tok.text), self.pos(tok.start)))
            elif kind in ("OPEN", "OPEN_UNESCAPED"):
                body.append(self.mustache())
            elif kind == "OPEN_PARTIAL":
                body.append(self.partial())
            elif kind in ("OPEN_BLOCK", "OPEN_INVERSE", "OPEN_DECORATOR_BLOCK"):
                body.append(self.block())
            else:
                break
        return ast.Program(body)

    def mustache(self) -> ast.Mustache:
        open_tok = self.next("a tag")
        path, params, hash_, _, close = self.sexpr(open_tok, block_params=False)
        unescaped = open_tok.kind == "OPEN_UNESCAPED"
        if unescaped != (close.kind == "CLOSE_UNESCAPED"):
            raise self.error("mismatched braces: '{{{' must be closed by '}}}'", close.start)
        flag = open_tok.text[3:4] or open_tok.text[2:3]  # as handlebars.js: "{{{" / "{{&" / "{{~{"
        escaped = flag not in ("{", "&")
        return ast.Mustache(
            path, params, hash_, escaped, strip_flags(open_tok.text, close.text), self.pos(open_tok.start)
        )

    def partial(self) -> ast.Partial:
        open_tok = self.next("a partial")
        name_expr, params, hash_, _, close = self.sexpr(open_tok, block_params=False)
        self.expect_close(close)
        if len(params) > 1:
            raise self.error(f"unsupported number of partial arguments: {len(params)}", open_tok.start)
        name = name_expr.original if isinstance(name_expr, ast.PathExpr) else js_str(name_expr.value)
        return ast.Partial(
            name, params, hash_, strip_flags(open_tok.text, close.text), self.pos(open_tok.start)
        )

    def block(self) -> ast.Block:
        open_tok = self.next("a block")
        if self.depth >= MAX_DEPTH:
            raise self.error(f"blocks nested more than {MAX_DEPTH} deep", open_tok.start)
        self.depth += 1
        try:
            return self._block(open_tok)
        finally:
            self.depth -= 1

    def _block(self, open_tok: Token) -> ast.Block:
        decorator = open_tok.kind == "OPEN_DECORATOR_BLOCK"
        inverted = open_tok.kind == "OPEN_INVERSE"
        path, params, hash_, block_params, close = self.sexpr(open_tok, block_params=True)
        self.expect_close(close)
        open_strip = strip_flags(open_tok.text, close.text)
        if decorator:
            self.check_inline_decorator(open_tok, path, params, hash_)
        program = self.program()
        program.block_params = block_params
        inverse_strip: ast.Strip | None = None
        inverse: ast.Program | None = None
        chained_first: ast.Block | None = None
        tok = self.peek()
        if tok is not None and tok.kind == "INVERSE":
            if decorator:
                raise self.error("unexpected 'else' in an inline partial", tok.start)
            self.i += 1
            inverse_strip = strip_flags(tok.text, tok.text)
            inverse = self.program()
        elif tok is not None and tok.kind == "OPEN_INVERSE_CHAIN":
            if decorator or inverted:
                raise self.error("unexpected 'else' here", tok.start)
            inverse_strip, inverse, chained_first = self.inverse_chain()
        end_tok = self.next("a closing tag")
        if end_tok.kind != "OPEN_ENDBLOCK":
            raise self.error("expected a closing tag", end_tok.start)
        close_path, _, _, _, end_close = self.sexpr(end_tok, block_params=False, name_only=True)
        self.expect_close(end_close)
        if close_path.original != path.original:
            raise self.error(f"{path.original} doesn't match {close_path.original}", end_tok.start)
        close_strip = strip_flags(end_tok.text, end_close.text)
        if chained_first is not None:
            chained_first.close_strip = close_strip
        main: ast.Program | None = program
        if inverted:
            main, inverse = inverse, program
        return ast.Block(
            path, params, hash_, main, inverse, open_strip, inverse_strip, close_strip,
            self.pos(open_tok.start), decorator=decorator,
        )  # fmt: skip

    def inverse_chain(self) -> tuple[ast.Strip, ast.Program, ast.Block]:
        """``{{else if x}}...`` up to (not including) the closing tag: the chained block becomes
        the only statement of the outer block's inverse program, as in handlebars.js."""
        open_tok = self.next("else")
        path, params, hash_, block_params, close = self.sexpr(open_tok, block_params=True)
        self.expect_close(close)
        strip = strip_flags(open_tok.text, close.text)
        program = self.program()
        program.block_params = block_params
        inner_strip: ast.Strip | None = None
        inner_inverse: ast.Program | None = None
        tok = self.peek()
        if tok is not None and tok.kind == "INVERSE":
            self.i += 1
            inner_strip = strip_flags(tok.text, tok.text)
            inner_inverse = self.program()
        elif tok is not None and tok.kind == "OPEN_INVERSE_CHAIN":
            inner_strip, inner_inverse, _ = self.inverse_chain()
        chained = ast.Block(
            path,
            params,
            hash_,
            program,
            inner_inverse,
            strip,
            inner_strip,
            inner_strip,
            self.pos(open_tok.start),
        )
        return strip, ast.Program([chained], chained=True), chained

    def check_inline_decorator(
        self, open_tok: Token, path: ast.Expr, params: list[ast.Expr], hash_: ast.Hash | None
    ) -> None:
        if not isinstance(path, ast.PathExpr) or path.original != "inline":
            raise self.error(
                f"decorator '{path.original}' is not supported by SES (only {{{{#*inline \"name\"}}}})",
                open_tok.start,
            )
        if len(params) != 1 or not isinstance(params[0], ast.Literal) or params[0].kind != "string" or hash_:
            raise self.error('an inline partial needs exactly one name: {{#*inline "name"}}', open_tok.start)

    def expect_close(self, close: Token) -> None:
        if close.kind != "CLOSE":
            raise self.error("expected '}}'", close.start)

    # -- expressions ---------------------------------------------------------------------
    def sexpr(
        self, open_tok: Token, *, block_params: bool, name_only: bool = False
    ) -> tuple[ast.Expr, list[ast.Expr], ast.Hash | None, list[str], Token]:
        name = self.expression(as_name=True)
        params: list[ast.Expr] = []
        hash_: ast.Hash | None = None
        bparams: list[str] = []
        while True:
            tok = self.next("'}}'")
            if tok.kind in _CLOSERS:
                return name, params, hash_, bparams, tok
            if name_only:
                raise self.error("unexpected arguments in a closing tag", tok.start)
            if bparams:
                raise self.error("expected '}}' after block parameters", tok.start)
            if tok.kind == "OPEN_BLOCK_PARAMS":
                if not block_params:
                    raise self.error("block parameters ('as |x|') are only allowed on blocks", tok.start)
                while (p := self.next("'|'")).kind == "ID":
                    bparams.append(p.text)
                if p.kind != "CLOSE_BLOCK_PARAMS" or not bparams:
                    raise self.error("malformed block parameters: expected 'as |name ...|'", p.start)
                continue
            nxt = self.peek()
            if tok.kind == "ID" and nxt is not None and nxt.kind == "EQUALS":
                self.i += 1
                if hash_ is None:
                    hash_ = ast.Hash([], self.pos(tok.start))
                hash_.pairs.append((tok.text, self.expression(as_name=False)))
                continue
            if hash_ is not None:
                raise self.error("positional arguments must come before key=value arguments", tok.start)
            self.i -= 1
            params.append(self.expression(as_name=False))

    def expression(self, *, as_name: bool) -> ast.Expr:
        tok = self.next("an expression")
        pos = self.pos(tok.start)
        kind = tok.kind
        if kind in _LITERALS:
            value: object
            if kind == "STRING":
                value = tok.text
            elif kind == "NUMBER":
                value = float(tok.text) if "." in tok.text else int(tok.text)
            elif kind == "BOOLEAN":
                value = tok.text == "true"
            elif kind == "NULL":
                value = None
            else:
                value = MISSING
            if as_name:
                # handlebars.js turns a literal in name position into a one-segment path:
                # {{"foo bar"}} looks up the key "foo bar", {{12}} the key "12".
                key = js_str(value) if kind != "UNDEFINED" else "undefined"
                return ast.PathExpr(key, [key], 0, False, False, pos)
            return ast.Literal(kind.lower(), value, tok.text, pos)
        data = kind == "DATA"
        if data:
            tok = self.next("a name after '@'")
            kind = tok.kind
        if kind != "ID":
            raise self.error(f"expected a name, got {tok.text!r}", tok.start)
        segments: list[tuple[str, str, str]] = [(*_segment(tok.text), "")]
        while (sep := self.peek()) is not None and sep.kind == "SEP":
            if len(segments) >= MAX_PATH_PARTS:
                raise self.error(f"a path of more than {MAX_PATH_PARTS} parts", tok.start)
            self.i += 1
            seg = self.next("a name")
            if seg.kind != "ID":
                raise self.error(f"expected a name after {sep.text!r}", seg.start)
            segments.append((*_segment(seg.text), sep.text))
        return self.prepare_path(data, segments, pos, tok.start)

    def prepare_path(
        self, data: bool, segments: list[tuple[str, str, str]], pos: ast.Pos, offset: int
    ) -> ast.PathExpr:
        original = "@" if data else ""
        parts: list[str] = []
        depth = 0
        for part, raw, separator in segments:
            original += separator + part
            literal = raw != part
            if not literal and part in ("..", ".", "this"):
                if parts:
                    raise self.error(f"invalid path: {original}", offset)
                if part == "..":
                    depth += 1
            else:
                parts.append(part)
        return ast.PathExpr(original, parts, depth, data, bool(_SCOPED.search(original)), pos)


def _segment(token: str) -> tuple[str, str]:
    """(part, raw token): ``[a b]`` -> ``a b``; other ids unchanged."""
    if token.startswith("["):
        token = _BRACKET_ESCAPE.sub(r"\1", token)
        if re.fullmatch(r"\[.*\]", token):
            return token[1:-1], token
    return token, token
