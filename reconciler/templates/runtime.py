"""JavaScript semantics the compiled templates need: ``undefined``, property lookup, truthiness,
stringification (including ``Number#toString``) and handlebars.js's HTML escaping.

Template data is JSON-shaped: dict (object), list (array), str, int/float (number), bool, None
(null). ``MISSING`` stands for JavaScript's ``undefined``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


MISSING: Final[Any] = _Missing()

JS_WHITESPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_INDEX = re.compile(r"0|[1-9][0-9]*")


def prop(obj: Any, key: str) -> Any:
    """``obj[key]`` for a non-dict ``obj``, limited to own properties (as handlebars.js's
    lookupProperty): array/string indexes and ``length``; anything else is undefined."""
    kind = type(obj)
    if kind is dict:
        return obj.get(key, MISSING)
    if kind is list or kind is str:
        if key == "length":
            return len(obj)
        if _INDEX.fullmatch(key):
            i = int(key)
            if i < len(obj):
                return obj[i]
    return MISSING


def strict_prop(obj: Any, key: str) -> Any:
    """Like :func:`prop`, but as handlebars.js's strict mode checks the last segment of a path
    (``key in obj``): only objects and arrays can hold a key; on anything else it is missing."""
    kind = type(obj)
    if kind is dict:
        return obj.get(key, MISSING)
    if kind is list:
        return prop(obj, key)
    return MISSING


def lookup_key(obj: Any, key: Any) -> Any:
    """The ``lookup`` helper: ``obj ? obj[key] : obj`` (JavaScript turns the key into a string,
    so a missing key looks up "undefined")."""
    if not truthy(obj):
        return obj
    name = "undefined" if key is MISSING else "null" if key is None else js_str(key)
    return prop(obj, name)


def truthy(value: Any) -> bool:
    """JavaScript truthiness: false, 0, NaN, "", null and undefined are falsy; [] and {} are truthy."""
    if value is None or value is MISSING or value is False:
        return False
    kind = type(value)
    if kind is str or kind is int:
        return bool(value)
    if kind is float:
        return bool(value) and value == value  # noqa: PLR0124 NaN (unequal to itself) is falsy
    return True


def is_empty(value: Any) -> bool:
    """handlebars.js's isEmpty: falsy but not 0, or an empty array."""
    if type(value) is list:
        return not value
    return not truthy(value) and not (type(value) in (int, float) and value == 0)


def same_context(a: Any, b: Any) -> bool:
    """Whether handlebars.js keeps the depth chain when a block renders ``a`` inside ``b``:
    it compares contexts with JavaScript's loose ``==``, so ``1`` inside ``[1]`` is "the
    same" and ``../`` then skips it."""
    return a is b or loose_equal(a, b)


_JS_NUMBER = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def to_number(value: Any) -> float:
    """JavaScript's ToNumber for primitives (strings: trimmed decimal, hex, Infinity)."""
    if type(value) is bool:
        return 1.0 if value else 0.0
    if type(value) is str:
        text = value.strip(JS_WHITESPACE)
        if not text:
            return 0.0
        if _JS_NUMBER.fullmatch(text):
            return float(text.replace("Infinity", "inf"))
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if text[:2].lower() == prefix:
                try:
                    return float(int(text[2:], base))
                except ValueError:
                    return math.nan
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """JavaScript's ``a == b`` for JSON values."""
    if a is b:
        return True
    a_nullish = a is None or a is MISSING
    b_nullish = b is None or b is MISSING
    if a_nullish or b_nullish:
        return a_nullish and b_nullish
    a_object = type(a) in (dict, list)
    b_object = type(b) in (dict, list)
    if a_object and b_object:
        return False  # distinct objects
    if a_object:
        a = js_str(a)  # ToPrimitive: arrays join, objects "[object Object]"
    if b_object:
        b = js_str(b)
    if type(a) is str and type(b) is str:
        return bool(a == b)
    return to_number(a) == to_number(b)


SAFE_INTEGER = 2**53  # larger integers print as the double JSON.parse makes of them


# Printed numbers by value. A render prints the same quantities and prices over and over, and
# repr of a float costs more than everything else in printing it. Only int and float values are
# looked up (NUMBER_TYPES; never bool: True == 1 but prints "true"). Equal keys print alike: an
# int equal to a float is a whole double (same digits), 0 and -0.0 both print "0". NaN is never
# stored (unequal to itself, every NaN would add an entry). Cleared when full, so a stream of
# distinct numbers costs one dict insert each and memory stays bounded; the dict is shared by
# threads (single dict operations are atomic; a lost insert only costs a recomputation).
NUMBER_TEXT: dict[int | float, str] = {}
NUMBER_TYPES: Final = frozenset((int, float))
NUMBER_TEXT_LIMIT = 4096


def js_number(value: int | float) -> str:
    """``Number#toString()``: 1.0 -> "1", 1e21 -> "1e+21", 1e-7 -> "1e-7", -0 -> "0".
    Integers beyond 2**53 are rounded to a double first, as ``JSON.parse`` does. Stores what it
    prints in NUMBER_TEXT (callers that looked there first: :func:`number_text`, the generated
    code)."""
    kind = type(value)
    if kind is float:
        # Fast path: repr gives the shortest round-trip digits, as JavaScript does, and writes
        # them in plain notation for 1e-4 <= |x| < 1e16, a range where JavaScript does too
        # (it switches to exponents only below 1e-6 and from 1e21). Only the ".0" of a whole
        # number differs; exponents, nan, inf and -0 take the general path.
        text = repr(value)
        if "e" in text or "n" in text or not value:
            text = js_number_general(value)
            if value != value:  # noqa: PLR0124 NaN, unequal to itself: never stored
                return text
        elif text[-2:] == ".0":
            text = text[:-2]
    elif kind is int:
        text = str(value) if -SAFE_INTEGER <= value <= SAFE_INTEGER else js_number_general(value)
    else:  # not a JSON number (a bool, say): printed, never stored (True == 1)
        return js_number_general(value)
    if len(NUMBER_TEXT) >= NUMBER_TEXT_LIMIT:
        NUMBER_TEXT.clear()
    NUMBER_TEXT[value] = text
    return text


def number_text(value: int | float) -> str:
    """:func:`js_number` through NUMBER_TEXT."""
    text = NUMBER_TEXT.get(value)
    return js_number(value) if text is None else text


def js_number_general(value: int | float) -> str:
    """:func:`js_number` for every value, placing the shortest digits the way ECMAScript's
    Number::toString does (the fast path's reference in tests/templates)."""
    try:
        x = float(value)
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"
    if x != x:  # noqa: PLR0124 only NaN is unequal to itself
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # value = 0.<digits> * 10**point
    point = len(whole) + (int(exp) if exp else 0)
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    e = point - 1
    esign = "+" if e >= 0 else "-"
    body = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{body}e{esign}{abs(e)}"


def js_str(value: Any) -> str:
    """What JavaScript's ``"" + value`` gives for JSON data; null/undefined print as ""."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None or value is MISSING:
        return ""
    if kind is int and -SAFE_INTEGER <= value <= SAFE_INTEGER:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float or kind is int:
        return number_text(value)
    if kind is list:
        return ",".join(js_str(v) for v in value)
    if kind is dict:
        return "[object Object]"
    return str(value)


_ESCAPE_RE = re.compile("[&<>\"'`=]")


def escape_html(text: str) -> str:
    """handlebars.js's escapeExpression on a string: & < > " ' ` =."""
    if _ESCAPE_RE.search(text) is None:  # the common case: nothing to escape
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("`", "&#x60;")
        .replace("=", "&#x3D;")
    )


def indent_lines(text: str, indent: str) -> str:
    """Indent every line of a standalone partial's output, except an empty last line."""
    lines = text.split("\n")
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if not line and i == last:
            break
        lines[i] = indent + line
    return "\n".join(lines)


def escape_value(value: Any) -> str:
    return escape_html(value if type(value) is str else js_str(value))


def if_true(value: Any) -> bool:
    """``{{#if}}``: truthy and not an empty array."""
    return truthy(value) and not (type(value) is list and not value)


def if_true_zero(value: Any) -> bool:
    """``{{#if x includeZero=true}}``: as :func:`if_true`, but 0 counts as true."""
    return not is_empty(value)


_ARRAY_INDEX_LIMIT = 2**32 - 1


def js_items(obj: dict[str, Any]) -> list[tuple[str, Any]]:
    """An object's entries in JavaScript's own-key order: integer-like keys ascending first,
    then the other keys in insertion order."""
    ints = [k for k in obj if type(k) is str and _INDEX.fullmatch(k) and int(k) < _ARRAY_INDEX_LIMIT]
    if not ints:
        return list(obj.items())
    ints.sort(key=int)
    seen = set(ints)
    return [(k, obj[k]) for k in ints] + [(k, v) for k, v in obj.items() if k not in seen]


def section_items(value: Any, ctx: Any) -> list[Any] | None:
    """A mustache-style section ``{{#name}}`` (handlebars.js's blockHelperMissing): None means
    render the inverse; otherwise the contexts to render the body with."""
    if value is True:
        return [ctx]
    if value is False or value is None or value is MISSING:
        return None
    if type(value) is list:
        return value or None
    return [value]


def depth(chain: Any, n: int) -> Any:
    """The context ``n`` levels up (``../``) in a depth chain of (context, parent) tuples."""
    for _ in range(n):
        if chain is None:
            return MISSING
        chain = chain[1]
    return MISSING if chain is None else chain[0]


def data_up(frame: Any, n: int) -> Any:
    """``@../x``: the data frame ``n`` levels up."""
    for _ in range(n):
        if type(frame) is not dict:
            return MISSING
        frame = frame.get("_parent", MISSING)
    return frame


def extend(ctx: Any, pairs: dict[str, Any]) -> dict[str, Any]:
    """A partial's context with hash arguments: ``Object.assign({}, ctx, hash)``."""
    base: dict[str, Any] = {}
    if type(ctx) is dict:
        base.update(ctx)
    elif type(ctx) in (list, str):
        base.update((str(i), v) for i, v in enumerate(ctx))
    base.update(pairs)
    return base
