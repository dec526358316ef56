"""Whitespace control (``~``) and standalone-line stripping, ported rule for rule from
handlebars.js's WhitespaceControl visitor so output matches it byte for byte.

A block tag, ``{{else}}``, comment or partial alone on its line (only whitespace around it) is
"standalone": the line's indentation and newline are removed. ``~`` strips all whitespace on
its side up to the next non-whitespace text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import ast
from .lexer import JS_WS

_WS = f"[{JS_WS}]"
_PREV_WS_SIBLING = re.compile(rf"\r?\n{_WS}*?\Z")
_PREV_WS_ROOT = re.compile(rf"(?:^|\r?\n){_WS}*?\Z")
_NEXT_WS_SIBLING = re.compile(rf"^{_WS}*?\r?\n")
_NEXT_WS_ROOT = re.compile(rf"^{_WS}*?(?:\r?\n|\Z)")
_LEAD_ALL = re.compile(rf"^{_WS}+")
_LEAD_LINE = re.compile(r"^[ \t]*\r?\n?")
_TRAIL_ALL = re.compile(rf"{_WS}+\Z")
_TRAIL_LINE = re.compile(r"[ \t]+\Z")
_INDENT = re.compile(r"([ \t]+)\Z")


@dataclass(slots=True)
class _StripInfo:
    open: bool = False
    close: bool = False
    open_standalone: bool = False
    close_standalone: bool = False
    inline_standalone: bool = False


def apply(program: ast.Program) -> ast.Program:
    _Visitor().program(program)
    return program


class _Visitor:
    def __init__(self) -> None:
        self.root_seen = False

    def program(self, program: ast.Program) -> None:
        is_root = not self.root_seen
        self.root_seen = True
        body = program.body
        for i, current in enumerate(body):
            strip = self.accept(current)
            if strip is None:
                continue
            prev_ws = _is_prev_whitespace(body, i, is_root)
            next_ws = _is_next_whitespace(body, i, is_root)
            open_standalone = strip.open_standalone and prev_ws
            close_standalone = strip.close_standalone and next_ws
            inline_standalone = strip.inline_standalone and prev_ws and next_ws
            if strip.close:
                _omit_right(body, i, True)
            if strip.open:
                _omit_left(body, i, True)
            if inline_standalone:
                _omit_right(body, i)
                if _omit_left(body, i) and isinstance(current, ast.Partial):
                    prev = body[i - 1]
                    assert isinstance(prev, ast.Content)
                    m = _INDENT.search(prev.original)
                    current.indent = m.group(1) if m else ""
            if open_standalone and isinstance(current, ast.Block):
                inner = current.program or current.inverse
                assert inner is not None
                _omit_right(inner.body)
                _omit_left(body, i)
            if close_standalone and isinstance(current, ast.Block):
                _omit_right(body, i)
                inner = current.inverse or current.program
                assert inner is not None
                _omit_left(inner.body)

    def accept(self, node: ast.Node) -> _StripInfo | None:
        if isinstance(node, ast.Block):
            return self.block(node)
        if isinstance(node, ast.Mustache):
            return _StripInfo(open=node.strip.open, close=node.strip.close)
        if isinstance(node, ast.Partial | ast.Comment):
            return _StripInfo(open=node.strip.open, close=node.strip.close, inline_standalone=True)
        return None

    def block(self, block: ast.Block) -> _StripInfo:
        if block.program is not None:
            self.program(block.program)
        if block.inverse is not None:
            self.program(block.inverse)
        program = block.program or block.inverse
        assert program is not None
        inverse = block.inverse if block.program is not None else None
        first_inverse = last_inverse = inverse
        if inverse is not None and inverse.chained:
            head = inverse.body[0]
            assert isinstance(head, ast.Block) and head.program is not None
            first_inverse = head.program
            while last_inverse is not None and last_inverse.chained:
                tail = last_inverse.body[-1]
                assert isinstance(tail, ast.Block)
                last_inverse = tail.program
        close_strip = block.close_strip or ast.Strip()
        strip = _StripInfo(
            open=block.open_strip.open,
            close=close_strip.close,
            open_standalone=bool(_is_next_whitespace(program.body)),
            close_standalone=bool(_is_prev_whitespace((first_inverse or program).body)),
        )
        if block.open_strip.close:
            _omit_right(program.body, None, True)
        if inverse is not None:
            assert first_inverse is not None and last_inverse is not None
            inverse_strip = block.inverse_strip or ast.Strip()
            if inverse_strip.open:
                _omit_left(program.body, None, True)
            if inverse_strip.close:
                _omit_right(first_inverse.body, None, True)
            if close_strip.open:
                _omit_left(last_inverse.body, None, True)
            if _is_prev_whitespace(program.body) and _is_next_whitespace(first_inverse.body):
                _omit_left(program.body)
                _omit_right(first_inverse.body)
        elif close_strip.open:
            _omit_left(program.body, None, True)
        return strip


def _is_prev_whitespace(body: list[ast.Node], i: int | None = None, is_root: bool = False) -> bool | None:
    if i is None:
        i = len(body)
    prev = body[i - 1] if i - 1 >= 0 else None
    sibling = body[i - 2] if i - 2 >= 0 else None
    if prev is None:
        return is_root
    if isinstance(prev, ast.Content):
        rx = _PREV_WS_SIBLING if (sibling is not None or not is_root) else _PREV_WS_ROOT
        return bool(rx.search(prev.original))
    return None


def _is_next_whitespace(body: list[ast.Node], i: int | None = None, is_root: bool = False) -> bool | None:
    if i is None:
        i = -1
    nxt = body[i + 1] if i + 1 < len(body) else None
    sibling = body[i + 2] if i + 2 < len(body) else None
    if nxt is None:
        return is_root
    if isinstance(nxt, ast.Content):
        rx = _NEXT_WS_SIBLING if (sibling is not None or not is_root) else _NEXT_WS_ROOT
        return bool(rx.search(nxt.original))
    return None


def _omit_right(body: list[ast.Node], i: int | None = None, multiple: bool = False) -> None:
    k = 0 if i is None else i + 1
    current = body[k] if 0 <= k < len(body) else None
    if not isinstance(current, ast.Content) or (not multiple and current.right_stripped):
        return
    original = current.value
    current.value = (_LEAD_ALL if multiple else _LEAD_LINE).sub("", original, count=1)
    current.right_stripped = current.value != original


def _omit_left(body: list[ast.Node], i: int | None = None, multiple: bool = False) -> bool:
    k = len(body) - 1 if i is None else i - 1
    current = body[k] if 0 <= k < len(body) else None
    if not isinstance(current, ast.Content) or (not multiple and current.left_stripped):
        return False
    original = current.value
    current.value = (_TRAIL_ALL if multiple else _TRAIL_LINE).sub("", original, count=1)
    current.left_stripped = current.value != original
    return current.left_stripped
