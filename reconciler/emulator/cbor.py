"""CBOR (RFC 8949), as much of it as Smithy's RPC v2 CBOR protocol puts on the wire.

    encode(value) -> bytes        None, bool, int, float, str, bytes, list/tuple, dict, datetime
    decode(data) -> value         every major type (0-7), definite and indefinite lengths

Timestamps travel as tag 1 (epoch seconds, an integer or a float), as Smithy sends them; decode
gives a timezone-aware UTC datetime for tag 1 and for tag 0 (an RFC 3339 string). Bignums (tags 2
and 3) decode to ints, and ints beyond 64 bits encode as bignums. Other tags give their content.
Simple values 20-23 are False, True, None and None (undefined); floats are encoded as doubles,
which every decoder reads and which keep every Python float exact.

Decoding is strict: bad input raises CborError (a ValueError) naming the byte offset, never
another exception, and nesting is bounded so a hostile body cannot exhaust the stack.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

__all__ = ["CborError", "decode", "encode"]

MAX_DEPTH = 64
_BREAK = 0xFF
_INDEFINITE = 31
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CborError(ValueError):
    pass


# --- encoding --------------------------------------------------------------------------------


def _head(major: int, length: int) -> bytes:
    """The initial byte and argument of a data item of ``major`` type."""
    top = major << 5
    if length < 24:
        return bytes((top | length,))
    if length < 0x100:
        return bytes((top | 24, length))
    if length < 0x10000:
        return bytes((top | 25,)) + length.to_bytes(2, "big")
    if length < 0x100000000:
        return bytes((top | 26,)) + length.to_bytes(4, "big")
    return bytes((top | 27,)) + length.to_bytes(8, "big")


def _encode_int(value: int, out: list[bytes]) -> None:
    major, argument = (0, value) if value >= 0 else (1, -1 - value)
    if argument < 1 << 64:
        out.append(_head(major, argument))
        return
    magnitude = argument.to_bytes((argument.bit_length() + 7) // 8, "big")
    out.append(_head(6, 2 + major))  # tag 2 (positive bignum) or 3 (negative)
    out.append(_head(2, len(magnitude)))
    out.append(magnitude)


def _encode(value: Any, out: list[bytes], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CborError(f"cannot encode a value nested more than {MAX_DEPTH} deep")
    if value is None:
        out.append(b"\xf6")
    elif value is True:
        out.append(b"\xf5")
    elif value is False:
        out.append(b"\xf4")
    elif isinstance(value, int):
        _encode_int(value, out)
    elif isinstance(value, float):
        out.append(b"\xfb" + struct.pack(">d", value))
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out.append(_head(3, len(raw)))
        out.append(raw)
    elif isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        out.append(_head(2, len(raw)))
        out.append(raw)
    elif isinstance(value, list | tuple):
        out.append(_head(4, len(value)))
        for item in value:
            _encode(item, out, depth + 1)
    elif isinstance(value, dict):
        out.append(_head(5, len(value)))
        for key, item in value.items():
            _encode(key, out, depth + 1)
            _encode(item, out, depth + 1)
    elif isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        seconds = (moment - _EPOCH).total_seconds()
        out.append(b"\xc1")  # tag 1: epoch-based date/time
        _encode(int(seconds) if seconds.is_integer() else seconds, out, depth + 1)
    else:
        raise CborError(f"cannot encode a {type(value).__name__} as CBOR")


def encode(value: Any) -> bytes:
    out: list[bytes] = []
    _encode(value, out, 0)
    return b"".join(out)


# --- decoding --------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def fail(self, why: str) -> CborError:
        return CborError(f"invalid CBOR at byte {self.pos}: {why}")

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise self.fail(f"{count} bytes needed, {len(self.data) - self.pos} left")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def argument(self, info: int) -> int:
        """The unsigned argument that ``info`` (the initial byte's low 5 bits) announces."""
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            return int.from_bytes(self.take(1 << (info - 24)), "big")
        raise self.fail(f"reserved additional information {info}")

    def item(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} deep")
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == 0:
            return self.argument(info)
        if major == 1:
            return -1 - self.argument(info)
        if major in (2, 3):
            raw = self.chunks(major, info) if info == _INDEFINITE else self.take(self.argument(info))
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise self.fail("a text string that is not UTF-8") from None
        if major == 4:
            if info == _INDEFINITE:
                items = []
                while not self.at_break():
                    items.append(self.item(depth + 1))
                return items
            return [self.item(depth + 1) for _ in range(self.length(info))]
        if major == 5:
            mapping: dict[Any, Any] = {}
            if info == _INDEFINITE:
                while not self.at_break():
                    self.pair(mapping, depth)
            else:
                for _ in range(self.length(info)):
                    self.pair(mapping, depth)
            return mapping
        if major == 6:
            return self.tagged(self.argument(info), depth)
        return self.simple(info)

    def length(self, info: int) -> int:
        count = self.argument(info)
        if count > len(self.data) - self.pos:  # every element takes at least one byte
            raise self.fail(f"a length of {count} runs past the end of the input")
        return count

    def at_break(self) -> bool:
        if self.pos >= len(self.data):
            raise self.fail("an indefinite-length item has no break")
        if self.data[self.pos] == _BREAK:
            self.pos += 1
            return True
        return False

    def chunks(self, major: int, info: int) -> bytes:
        """An indefinite-length byte or text string: definite chunks of the same type."""
        parts = []
        while not self.at_break():
            initial = self.take(1)[0]
            if initial >> 5 != major or initial & 0x1F == _INDEFINITE:
                raise self.fail("an indefinite-length string holds a chunk of another kind")
            parts.append(self.take(self.argument(initial & 0x1F)))
        return b"".join(parts)

    def pair(self, mapping: dict[Any, Any], depth: int) -> None:
        key = self.item(depth + 1)
        if isinstance(key, list | dict):
            raise self.fail("a map key that is an array or a map")
        mapping[key] = self.item(depth + 1)

    def tagged(self, tag: int, depth: int) -> Any:
        content = self.item(depth + 1)
        if tag == 1:
            if isinstance(content, bool) or not isinstance(content, int | float):
                raise self.fail("tag 1 (epoch time) on something other than a number")
            try:
                return datetime.fromtimestamp(content, UTC)
            except (OverflowError, OSError, ValueError):
                raise self.fail(f"epoch time {content!r} is out of range") from None
        if tag == 0:
            if not isinstance(content, str):
                raise self.fail("tag 0 (date/time string) on something other than text")
            try:
                moment = datetime.fromisoformat(content.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(f"tag 0: {content!r} is not an RFC 3339 date/time") from None
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        if tag in (2, 3):
            if not isinstance(content, bytes):
                raise self.fail(f"tag {tag} (bignum) on something other than a byte string")
            magnitude = int.from_bytes(content, "big")
            return magnitude if tag == 2 else -1 - magnitude
        return content

    def simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return float(struct.unpack(">e", self.take(2))[0])
        if info == 26:
            return float(struct.unpack(">f", self.take(4))[0])
        if info == 27:
            return float(struct.unpack(">d", self.take(8))[0])
        if info == _INDEFINITE:
            raise self.fail("a break outside an indefinite-length item")
        if info == 24:
            value = self.take(1)[0]
            if value < 32:
                raise self.fail(f"simple value {value} in two bytes")
            raise self.fail(f"unassigned simple value {value}")
        raise self.fail(f"unassigned simple value {info}")


def decode(data: bytes) -> Any:
    """The one data item ``data`` holds; CborError if it is not exactly one well-formed item."""
    reader = _Reader(bytes(data))
    value = reader.item(0)
    if reader.pos != len(reader.data):
        raise reader.fail(f"{len(reader.data) - reader.pos} bytes after the data item")
    return value
