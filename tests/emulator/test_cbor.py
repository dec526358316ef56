"""The emulator's CBOR codec (reconciler/emulator/cbor.py): RFC 8949's examples, round trips,
hostile input, and botocore's own CBOR parser and serializer as the real counterpart."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer
from botocore.session import get_session
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator.cbor import CborError, decode, encode

# RFC 8949 Appendix A: (value, its encoding in hex).
RFC_EXAMPLES: list[tuple[Any, str]] = [
    (0, "00"),
    (23, "17"),
    (24, "1818"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (18446744073709551616, "c249010000000000000000"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-18446744073709551617, "c349010000000000000000"),
    (-1, "20"),
    (-1000, "3903e7"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    ("", "60"),
    ("IETF", "6449455446"),
    ("\u00fc", "62c3bc"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ([], "80"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    ({}, "a0"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
]
# Encodings only decoded (floats of other widths, indefinite lengths, tags, undefined).
RFC_DECODE_ONLY: list[tuple[Any, str]] = [
    (0.0, "f90000"),
    (-0.0, "f98000"),
    (1.0, "f93c00"),
    (1.5, "f93e00"),
    (65504.0, "f97bff"),
    (100000.0, "fa47c35000"),
    (1.1, "fb3ff199999999999a"),
    (-4.1, "fbc010666666666666"),
    (math.inf, "f97c00"),
    (None, "f7"),
    (datetime(2013, 3, 21, 20, 4, tzinfo=UTC), "c074323031332d30332d32315432303a30343a30305a"),
    (datetime(2013, 3, 21, 20, 4, tzinfo=UTC), "c11a514b67b0"),
    (datetime(2013, 3, 21, 20, 4, 0, 500000, tzinfo=UTC), "c1fb41d452d9ec200000"),
    (b"\x01\x02\x03\x04\x05", "5f42010243030405ff"),
    ("streaming", "7f657374726561646d696e67ff"),
    ([], "9fff"),
    ([1, [2, 3], [4, 5]], "9f018202039f0405ffff"),
    ([1, [2, 3], [4, 5]], "83018202039f0405ff"),
    ({"a": 1, "b": [2, 3]}, "bf61610161629f0203ffff"),
    ({"Fun": True, "Amt": -2}, "bf6346756ef563416d7421ff"),
    ("IETF", "d8206449455446"),  # an unknown tag (32, a URI) gives its content
]


@pytest.mark.parametrize(("value", "hexed"), RFC_EXAMPLES)
def test_rfc_examples_encode_and_decode(value: Any, hexed: str) -> None:
    assert encode(value).hex() == hexed
    assert decode(bytes.fromhex(hexed)) == value


@pytest.mark.parametrize(("value", "hexed"), RFC_DECODE_ONLY)
def test_rfc_examples_decode(value: Any, hexed: str) -> None:
    decoded = decode(bytes.fromhex(hexed))
    assert decoded == value
    if isinstance(value, float) and value == 0.0:
        assert math.copysign(1.0, decoded) == math.copysign(1.0, value)


def test_nan_decodes_and_floats_encode_as_doubles() -> None:
    assert math.isnan(decode(bytes.fromhex("f97e00")))
    assert encode(1.5) == bytes.fromhex("fb3ff8000000000000")


def test_timestamps_encode_as_tag_1_epoch_seconds() -> None:
    assert encode(datetime(2013, 3, 21, 20, 4, tzinfo=UTC)).hex() == "c11a514b67b0"
    assert decode(encode(datetime(2013, 3, 21, 20, 4, 0, 250000, tzinfo=UTC))) == datetime(
        2013, 3, 21, 20, 4, 0, 250000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("hexed", "why"),
    [
        ("", "1 bytes needed"),
        ("1a0000", "4 bytes needed"),
        ("62c3", "2 bytes needed"),
        ("62c328", "not UTF-8"),
        ("9f01", "no break"),
        ("ff", "a break outside"),
        ("1c", "reserved additional information"),
        ("5f6161ff", "chunk of another kind"),
        ("a1800102", "map key that is an array"),
        ("0000", "1 bytes after"),
        ("c16161", "tag 1 (epoch time) on something other than a number"),
        ("c1fb7ff0000000000000", "out of range"),
        ("c26161", "bignum"),
        ("9b00000000ffffffff", "runs past the end"),
        ("f800", "simple value 0 in two bytes"),
        ("f0", "unassigned simple value"),
    ],
)
def test_malformed_input_is_a_cbor_error(hexed: str, why: str) -> None:
    with pytest.raises(CborError, match="invalid CBOR at byte") as caught:
        decode(bytes.fromhex(hexed))
    assert why in str(caught.value)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(CborError, match="nested more than"):
        decode(b"\x81" * 10_000 + b"\x00")
    with pytest.raises(CborError, match="nested more than"):
        encode(_nested(100))


def test_unencodable_values_are_refused() -> None:
    with pytest.raises(CborError, match="cannot encode a set"):
        encode({1, 2})


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _values(integers: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | integers
        | st.floats(allow_nan=False)
        | st.text(max_size=20)
        | st.binary(max_size=20)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
        max_leaves=20,
    )


VALUES = _values(st.integers(min_value=-(2**70), max_value=2**70))
# botocore reads no bignums (tags 2 and 3): Smithy's integers fit 64 bits.
VALUES_64 = _values(st.integers(min_value=-(2**64), max_value=2**64 - 1))


@settings(max_examples=150, deadline=None)
@given(VALUES)
def test_round_trip(value: Any) -> None:
    assert decode(encode(value)) == value


def _botocore_parse(data: bytes) -> Any:
    parser = RpcV2CBORParser()
    return parser.parse_data_item(parser.get_peekable_stream_from_bytes(data))


@settings(max_examples=150, deadline=None)
@given(VALUES_64)
def test_botocore_parses_what_we_encode(value: Any) -> None:
    assert _botocore_parse(encode(value)) == _without_null_members(value)


def _without_null_members(value: Any) -> Any:
    """What botocore makes of ``value``: Smithy reads a null map value as an absent member."""
    if isinstance(value, dict):
        return {k: _without_null_members(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_null_members(v) for v in value]
    return value


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=253_402_300_798), st.integers(min_value=0, max_value=999))
def test_botocore_reads_our_timestamps(seconds: int, millis: int) -> None:
    moment = datetime.fromtimestamp(seconds + millis / 1000, UTC)
    parsed = _botocore_parse(encode(moment))
    assert isinstance(parsed, datetime)
    assert abs((parsed - moment).total_seconds()) < 0.001


PUT_ALARM = {
    "AlarmName": "sesctl/reputation/bounce-rate \u2713",
    "AlarmDescription": "x" * 300,
    "ActionsEnabled": True,
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
    "MetricName": "Reputation.BounceRate",
    "Namespace": "AWS/SES",
    "Statistic": "Average",
    "Dimensions": [{"Name": "ses:configuration-set", "Value": "marketing"}],
    "Period": 3600,
    "EvaluationPeriods": 70000,
    "Threshold": 0.05,
    "ComparisonOperator": "GreaterThanThreshold",
    "Tags": [{"Key": "sesctl:stack", "Value": "demo"}],
}


@settings(max_examples=40, deadline=None)
@given(
    st.text(min_size=1, max_size=300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=2**31 - 1),
)
def test_we_decode_what_botocore_serializes(name: str, threshold: float, periods: int) -> None:
    operation = get_session().get_service_model("cloudwatch").operation_model("PutMetricAlarm")
    params = {**PUT_ALARM, "AlarmName": name, "Threshold": threshold, "EvaluationPeriods": periods}
    request = RpcV2CBORSerializer().serialize_to_request(params, operation)
    body = request["body"]
    assert decode(body.read() if isinstance(body, io.IOBase) else body) == params
