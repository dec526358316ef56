"""The Diagnostic type and its formats."""

from __future__ import annotations

import json

from reconciler.diagnostics import CODES, Diagnostic, error, format_json, warning


def test_format_with_everything() -> None:
    d = error(
        "E2006",
        "must be between 300 and 50400 (got 60)",
        file="m.yaml",
        line=7,
        column=25,
        address="ConfigurationSet/marketing",
        field="spec.deliveryOptions.maxDeliverySeconds",
    )
    assert d.format() == (
        "m.yaml:7:25: E2006 ConfigurationSet/marketing spec.deliveryOptions.maxDeliverySeconds: "
        "must be between 300 and 50400 (got 60)"
    )


def test_format_partial_locations() -> None:
    assert error("E1005", "no manifests found").format() == "E1005 no manifests found"
    assert error("E1004", "gone", file="x").format() == "x: E1004 gone"
    assert error("E1001", "bad", file="x", line=3).format() == "x:3: E1001 bad"
    assert warning("W4002", "no text", file="x", line=1, column=2, address="EmailTemplate/t").format() == (
        "x:1:2: W4002 EmailTemplate/t: no text"
    )
    assert error("E2001", "s", detail="one\ntwo").format() == "E2001 s\n    one\n    two"


def test_json_form() -> None:
    report = json.loads(format_json([error("E2002", "x", file="f", line=1, column=2), warning("W4002", "y")]))
    assert report["valid"] is False
    assert report["summary"] == {"errors": 1, "warnings": 1}
    assert report["diagnostics"][0]["location"] == "f:1:2"
    assert set(report["diagnostics"][0]) == {
        "code",
        "severity",
        "summary",
        "detail",
        "file",
        "line",
        "column",
        "address",
        "field",
        "location",
    }


def test_codes_follow_the_scheme() -> None:
    for code in CODES:
        assert code[0] in "EWI" and code[1:].isdigit() and len(code) == 5
    assert Diagnostic("W4001", "warning", "x").is_error is False
