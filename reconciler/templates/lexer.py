"""Tokenizer for the Handlebars 4 grammar, following handlebars.js's lexer rule by rule (first
matching rule wins, as in its jison lexer), so edge cases such as ``\\{{``, ``{{!-- }} --}}``
and ``{{else}}`` lex the same way.

The output is a flat list of :class:`Token`: ``CONTENT`` and ``COMMENT`` carry text, every other
tag is an opener token, the tokens inside the tag, and a closing token.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import TemplateSyntaxError

# JavaScript's \s (Python's also matches \x1c-\x1f and \x85, which JS does not).
JS_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_ID = rf"[^{JS_WS}!\"#%-,./;->@\[-\^`{{-~]+(?=[=~}}{JS_WS}/.)|])"
_LITERAL_LOOKAHEAD = rf"(?=[~}}{JS_WS})])"

# Inside a tag: (kind, regex), tried in order, first match wins. Kept as source: they are
# compiled once, together, as one alternation (_Rules), not one by one at import.
_INNER_RULES: list[tuple[str, str]] = [
    ("OPEN_SEXPR", r"\("),
    ("CLOSE_SEXPR", r"\)"),
    ("CLOSE_RAW_BLOCK", r"\}\}\}\}"),
    ("EQUALS", r"="),
    ("ID", r"\.\."),
    ("ID", rf"\.(?=[=~}}{JS_WS}/.)|])"),
    ("SEP", r"[/.]"),
    ("WS", rf"[{JS_WS}]+"),
    ("CLOSE_UNESCAPED", r"\}~?\}\}"),
    ("CLOSE", r"~?\}\}"),
    ("STRING", r'"(?:\\"|[^"])*"'),
    ("STRING", r"'(?:\\'|[^'])*'"),
    ("DATA", r"@"),
    ("BOOLEAN", rf"(?:true|false){_LITERAL_LOOKAHEAD}"),
    ("UNDEFINED", rf"undefined{_LITERAL_LOOKAHEAD}"),
    ("NULL", rf"null{_LITERAL_LOOKAHEAD}"),
    ("NUMBER", rf"-?[0-9]+(?:\.[0-9]+)?{_LITERAL_LOOKAHEAD}"),
    ("OPEN_BLOCK_PARAMS", rf"as[{JS_WS}]+\|"),
    ("CLOSE_BLOCK_PARAMS", r"\|"),
    ("ID", _ID),
    ("ID", r"\[(?:\\\]|[^\]])*\]"),
]

# Tag openers at a "{{": (kind, regex), first match wins. INVERSE openers include their close.
_OPEN_RULES: list[tuple[str, str]] = [
    ("OPEN_RAW_BLOCK", r"\{\{\{\{"),
    ("OPEN_PARTIAL", r"\{\{~?>"),
    ("OPEN_PARTIAL_BLOCK", r"\{\{~?#>"),
    ("OPEN_BLOCK", r"\{\{~?#\*?"),
    ("OPEN_ENDBLOCK", r"\{\{~?/"),
    ("INVERSE", rf"\{{\{{~?\^[{JS_WS}]*~?\}}\}}"),
    ("INVERSE", rf"\{{\{{~?[{JS_WS}]*else[{JS_WS}]*~?\}}\}}"),
    ("OPEN_INVERSE", r"\{\{~?\^"),
    ("OPEN_INVERSE_CHAIN", rf"\{{\{{~?[{JS_WS}]*else(?=[=~}}{JS_WS}/.)|])"),
    ("OPEN_UNESCAPED", r"\{\{~?\{"),
    ("OPEN", r"\{\{~?&"),
    ("LONG_COMMENT", r"\{\{~?!--"),
    ("COMMENT", r"\{\{~?![\s\S]*?\}\}"),
    ("OPEN", r"\{\{~?\*?"),
]
_LONG_COMMENT_END = re.compile(r"--~?\}\}")


@dataclass(slots=True)
class Token:
    kind: str
    text: str  # the token's source text (for ID: with brackets; for STRING: the unquoted value)
    start: int  # offset in the source


class LineIndex:
    """Offset -> 1-based (line, column)."""

    def __init__(self, source: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def tokenize(source: str, *, part: str = "", index: LineIndex | None = None) -> list[Token]:
    lines = index or LineIndex(source)

    def fail(message: str, offset: int) -> TemplateSyntaxError:
        line, column = lines.at(offset)
        return TemplateSyntaxError(message, part=part, line=line, column=column)

    tokens: list[Token] = []
    n = len(source)
    i = 0
    while i < n:
        j = source.find("{{", i)
        if j < 0:
            tokens.append(Token("CONTENT", source[i:], i))
            break
        text = source[i:j]
        if text.endswith("\\\\"):  # \\{{ : a literal backslash, then a real tag
            if text[:-1]:
                tokens.append(Token("CONTENT", text[:-1], i))
        elif text.endswith("\\"):  # \{{ : the tag is literal text, up to the next tag or escape
            if text[:-1]:
                tokens.append(Token("CONTENT", text[:-1], i))
            end = _escaped_content_end(source, j)
            tokens.append(Token("CONTENT", source[j:end], j))
            i = end
            continue
        elif text:
            tokens.append(Token("CONTENT", text, i))
        i = _lex_tag(source, j, tokens, fail)
    return tokens


def _escaped_content_end(source: str, start: int) -> int:
    """End of handlebars' "emu" content: at least 2 chars, up to the next {{, \\{{ or \\\\{{."""
    m = source.find("{{", start + 2)
    if m < 0:
        return len(source)
    if m - 2 >= start + 2 and source[m - 2 : m] == "\\\\":
        return m - 2
    if m - 1 >= start + 2 and source[m - 1] == "\\":
        return m - 1
    return m


class _Rules:
    """Rules tried in order at one position, as one regex alternation (Python's ``|`` also
    takes the first alternative that matches), so a token costs one ``match`` call."""

    def __init__(self, rules: list[tuple[str, str]]) -> None:
        self.kinds = [kind for kind, _ in rules]
        self.rx = re.compile("|".join(f"(?P<r{i}>{rx})" for i, (_, rx) in enumerate(rules)))

    def match(self, source: str, pos: int) -> tuple[str, re.Match[str] | None]:
        m = self.rx.match(source, pos)
        if m is None:
            return "", None
        assert m.lastgroup is not None
        return self.kinds[int(m.lastgroup[1:])], m


_OPEN = _Rules(_OPEN_RULES)
_INNER = _Rules(_INNER_RULES)


_Fail = Callable[[str, int], TemplateSyntaxError]


def _lex_tag(source: str, j: int, tokens: list[Token], fail: _Fail) -> int:
    kind, m = _OPEN.match(source, j)
    if m is None:  # pragma: no cover - the last rule always matches "{{"
        raise fail("unexpected '{{'", j)
    text = m.group(0)
    if kind == "OPEN_RAW_BLOCK":
        raise fail("raw blocks ({{{{...}}}}) need a custom helper, which SES does not support", j)
    if kind == "LONG_COMMENT":
        end = _LONG_COMMENT_END.search(source, m.end() - 2)
        if not end:
            raise fail("unterminated comment: '{{!--' without '--}}'", j)
        tokens.append(Token("COMMENT", source[j : end.end()], j))
        return end.end()
    if kind in ("COMMENT", "INVERSE"):
        tokens.append(Token(kind, text, j))
        return m.end()
    if kind == "OPEN" and text.endswith("*"):
        raise fail("decorators ({{* ...}}) are not supported by SES", j)
    if kind == "OPEN_PARTIAL_BLOCK":
        raise fail("partial blocks ({{#> ...}}) are not supported by SES", j)
    if kind == "OPEN_BLOCK" and text.endswith("*"):
        kind = "OPEN_DECORATOR_BLOCK"
    tokens.append(Token(kind, text, j))
    k = m.end()
    n = len(source)
    while True:
        if k >= n:
            raise fail("unclosed tag: missing '}}'", j)
        inner, im = _INNER.match(source, k)
        if im is None:
            if source.find("}}", k) < 0:
                raise fail("unclosed tag: missing '}}'", j)
            raise fail(f"unexpected character {source[k]!r} in a tag", k)
        itext = im.group(0)
        if inner == "OPEN_SEXPR":
            raise fail("subexpressions ((...)) need helpers, which SES does not support", k)
        if inner in ("CLOSE_SEXPR", "CLOSE_RAW_BLOCK"):
            raise fail(f"unexpected {itext!r}", k)
        if inner == "STRING":
            quote = itext[0]
            itext = itext[1:-1].replace("\\" + quote, quote)
        if inner != "WS":
            tokens.append(Token(inner, itext, k))
        k = im.end()
        if inner in ("CLOSE", "CLOSE_UNESCAPED"):
            return k
