"""Fuzzing (issue 15): hostile plan files, recipient files, MCP arguments and raw emulator
requests. The invariant everywhere: a clear refusal (a ReconcilerError the CLI prints as one
located line and exit 1, a validation error, an HTTP 4xx), never another exception, never a
500, never anything sent. Manifests and templates have their own property tests
(tests/manifest/test_manifest_properties.py, tests/templates/test_template_properties.py).

Example counts are small so the suite stays fast; hypothesis keeps failing cases in its database.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from reconciler.engine.planfile import parse_plan
from reconciler.errors import ReconcilerError
from reconciler.mcp import models
from reconciler.sending import read_recipients
from reconciler.testing import LocalEmulator, local_emulator

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text with what breaks parsers: controls, line separators, surrogate-free astral characters.
text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], max_codepoint=0x10FFFF), max_size=40
) | st.sampled_from(["", "\x00", "\u2028", "a@b", "x@example..com", "${env:X}", "{{#if}}", "-1", "1e309"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)
PLAN_KEYS = ["format_version", "changes", "stack", "environment", "region", "checksum", "live_objects", "summary"]


@FUZZ
@given(st.dictionaries(st.sampled_from(PLAN_KEYS) | text, json_values, max_size=8))
def test_plan_files_are_read_or_refused(data: dict[str, Any]) -> None:
    try:
        parse_plan(json.dumps(data), source="fuzz.json")
    except ReconcilerError:
        pass


@FUZZ
@given(st.binary(max_size=400) | text.map(str.encode))
def test_plan_file_bytes_are_read_or_refused(raw: bytes) -> None:
    try:
        parse_plan(raw.decode("utf-8", "replace"), source="fuzz.json")
    except ReconcilerError:
        pass


@FUZZ
@given(
    st.sampled_from(["users.csv", "users.jsonl"]),
    st.lists(st.lists(text, min_size=1, max_size=4), max_size=6),
    st.binary(max_size=60),
)
def test_recipient_files_are_read_or_refused(tmp_path: Path, name: str, rows: list[list[str]], junk: bytes) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        body = "email,name\n" + "\n".join(",".join(row) for row in rows)
    else:
        body = "\n".join(json.dumps({"email": row[0], "data": row[1:]}) for row in rows)
    path.write_bytes(body.encode("utf-8", "surrogatepass") + junk)
    try:
        for recipient in read_recipients(path):
            assert isinstance(recipient.email, str)
    except ReconcilerError:
        pass


INPUTS: list[type[BaseModel]] = [
    models.SendEmailInput,
    models.SendBulkEmailInput,
    models.RenderTemplateInput,
    models.CheckSuppressionInput,
    models.DiagnoseInput,
    models.AnalyticsInput,
    models.ExperimentInput,
    models.DraftTemplateInput,
    models.DraftEventDestinationInput,
]


@FUZZ
@given(st.sampled_from(INPUTS), st.dictionaries(text | st.sampled_from(["to", "cc", "bcc", "template", "data", "name"]), json_values, max_size=6))
def test_mcp_arguments_are_validated_or_refused(model: type[BaseModel], arguments: dict[str, Any]) -> None:
    try:
        model.model_validate(arguments)
    except ValidationError:
        pass


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


PATHS = [
    "/v2/email/templates",
    "/v2/email/configuration-sets",
    "/v2/email/outbound-emails",
    "/v2/email/outbound-bulk-emails",
    "/v2/email/identities",
    "/_sesctl/config",
    "/_sesctl/admin/verify_identity",
    "/_sesctl/admin/sent_messages",
]


@FUZZ
@given(
    st.sampled_from(PATHS),
    st.sampled_from(["POST", "PUT", "GET", "DELETE"]),
    st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    json_values | st.binary(max_size=200),
)
def test_raw_emulator_requests_never_answer_500(
    emulator: LocalEmulator, path: str, method: str, content_type: str, body: Any
) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        emulator.endpoint_url + path, data=data if method in ("POST", "PUT") else None, method=method,
        headers={
            "Content-Type": content_type,
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/ses/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status < 500, (method, path, content_type, data[:200])
