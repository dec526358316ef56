"""Email templates through boto3 over HTTP: CRUD, paging, limits, rendering, tags."""

from __future__ import annotations

import json

import ops_support
import pytest
from ops_support import expect_error

from reconciler.emulator.state import EmailTemplate, EmailTemplateContent

# One emulator for the module, reset before each test (see ops_support).
module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

CONTENT = {"Subject": "Hi {{name}}", "Html": "<p>Hello {{name}}</p>", "Text": "Hello {{name}}"}


def test_crud_round_trip(ses):
    ses.create_email_template(
        TemplateName="welcome", TemplateContent=CONTENT, Tags=[{"Key": "team", "Value": "a"}]
    )
    got = ses.get_email_template(TemplateName="welcome")
    assert got["TemplateName"] == "welcome"
    assert got["TemplateContent"] == CONTENT
    assert got["Tags"] == [{"Key": "team", "Value": "a"}]

    ses.update_email_template(TemplateName="welcome", TemplateContent={"Subject": "New", "Text": "t"})
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"] == {
        "Subject": "New",
        "Text": "t",
    }

    listed = ses.list_email_templates()["TemplatesMetadata"]
    assert [t["TemplateName"] for t in listed] == ["welcome"]
    assert listed[0]["CreatedTimestamp"].year >= 2024

    ses.delete_email_template(TemplateName="welcome")
    assert ses.list_email_templates()["TemplatesMetadata"] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda ses: ses.get_email_template(TemplateName="nope"),
        lambda ses: ses.update_email_template(TemplateName="nope", TemplateContent={"Subject": "x"}),
        lambda ses: ses.delete_email_template(TemplateName="nope"),
        lambda ses: ses.test_render_email_template(TemplateName="nope", TemplateData="{}"),
    ],
    ids=["get", "update", "delete", "render"],
)
def test_missing_template_is_not_found(ses, call):
    expect_error(lambda: call(ses), "NotFoundException", 404)


def test_duplicate_is_already_exists(ses):
    ses.create_email_template(TemplateName="t", TemplateContent=CONTENT)
    expect_error(
        lambda: ses.create_email_template(TemplateName="t", TemplateContent=CONTENT),
        "AlreadyExistsException",
        400,
    )


@pytest.mark.parametrize("name", ["has space", "x" * 65, "dot.ted", "ünï"])
def test_invalid_names_are_bad_requests(ses, name):
    expect_error(
        lambda: ses.create_email_template(TemplateName=name, TemplateContent=CONTENT),
        "BadRequestException",
        400,
    )


def test_size_limit_counts_all_parts(ses):
    half = "x" * (256 * 1024)
    expect_error(
        lambda: ses.create_email_template(
            TemplateName="big", TemplateContent={"Subject": "s", "Html": half, "Text": half}
        ),
        "BadRequestException",
        400,
    )
    ses.create_email_template(TemplateName="big", TemplateContent={"Subject": "s", "Html": half})


def test_twenty_thousand_templates_per_account(emulator, ses):
    region = emulator.state.region("us-east-1")
    for i in range(19_999):
        region.templates[f"t{i}"] = EmailTemplate(name=f"t{i}", content=EmailTemplateContent(Subject="s"))
    ses.create_email_template(TemplateName="last", TemplateContent=CONTENT)
    expect_error(
        lambda: ses.create_email_template(TemplateName="one-too-many", TemplateContent=CONTENT),
        "LimitExceededException",
        400,
    )


def test_paging_walks_every_template_once(ses):
    names = [f"tpl-{i:02d}" for i in range(23)]
    for name in names:
        ses.create_email_template(TemplateName=name, TemplateContent=CONTENT)
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"PageSize": 10} | ({"NextToken": token} if token else {})
        page = ses.list_email_templates(**kwargs)
        seen += [t["TemplateName"] for t in page["TemplatesMetadata"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names and pages == 3
    # The default page is 10.
    assert len(ses.list_email_templates()["TemplatesMetadata"]) == 10


@pytest.mark.parametrize("kwargs", [{"PageSize": 101}, {"NextToken": "garbage!"}])
def test_bad_paging_input(ses, kwargs):
    expect_error(lambda: ses.list_email_templates(**kwargs), "BadRequestException", 400)


def test_render(ses):
    ses.create_email_template(TemplateName="t", TemplateContent=CONTENT)
    rendered = ses.test_render_email_template(TemplateName="t", TemplateData=json.dumps({"name": "Ada"}))
    mime = rendered["RenderedTemplate"]
    assert "Subject: Hi Ada" in mime
    assert "Hello Ada" in mime and "<p>Hello Ada</p>" in mime
    assert "multipart/alternative" in mime


@pytest.mark.parametrize("data", ["{}", "not json", "[1]"])
def test_render_failures_are_bad_requests(ses, data):
    ses.create_email_template(TemplateName="t", TemplateContent=CONTENT)
    expect_error(
        lambda: ses.test_render_email_template(TemplateName="t", TemplateData=data),
        "BadRequestException",
        400,
    )


def test_syntax_errors_are_refused_at_create_and_update(ses):
    broken = {"Subject": "s", "Html": "{{#if vip}}never closed"}
    message = expect_error(
        lambda: ses.create_email_template(TemplateName="t", TemplateContent=broken),
        "BadRequestException",
        400,
    )
    assert "html:1:" in message  # the part and position the renderer reported
    ses.create_email_template(TemplateName="t", TemplateContent=CONTENT)
    expect_error(
        lambda: ses.update_email_template(TemplateName="t", TemplateContent=broken),
        "BadRequestException",
        400,
    )
    assert ses.get_email_template(TemplateName="t")["TemplateContent"] == CONTENT


def test_render_uses_the_ses_renderer(ses):
    # Block helpers work and nothing is HTML-escaped, as in SES.
    content = {"Subject": "Hi {{name}}", "Html": "<p>{{#if vip}}VIP {{/if}}{{name}}</p>"}
    ses.create_email_template(TemplateName="t", TemplateContent=content)
    mime = ses.test_render_email_template(
        TemplateName="t", TemplateData=json.dumps({"name": "<Ada>", "vip": True})
    )
    assert "<p>VIP <Ada></p>" in mime["RenderedTemplate"]
