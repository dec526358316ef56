"""Custom verification email templates and SendCustomVerificationEmail through boto3 over HTTP."""

from __future__ import annotations

import ops_support
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

TEMPLATE = {
    "FromEmailAddress": "verify@example.com",
    "TemplateSubject": "Please confirm",
    "TemplateContent": "<p>Click the link to confirm.</p>",
    "SuccessRedirectionURL": "https://example.com/ok",
    "FailureRedirectionURL": "https://example.com/failed",
}


def test_crud_and_list(ses):
    ses.create_custom_verification_email_template(
        TemplateName="welcome", Tags=[{"Key": "k", "Value": "v"}], **TEMPLATE
    )
    got = ses.get_custom_verification_email_template(TemplateName="welcome")
    assert {k: got[k] for k in TEMPLATE} == TEMPLATE and got["Tags"] == [{"Key": "k", "Value": "v"}]
    ses.update_custom_verification_email_template(
        TemplateName="welcome", **{**TEMPLATE, "TemplateSubject": "New"}
    )
    assert ses.get_custom_verification_email_template(TemplateName="welcome")["TemplateSubject"] == "New"
    (listed,) = ses.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]
    assert listed["TemplateName"] == "welcome" and "TemplateContent" not in listed
    ses.delete_custom_verification_email_template(TemplateName="welcome")
    assert ses.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"] == []


def test_errors(ses):
    ses.create_custom_verification_email_template(TemplateName="t", **TEMPLATE)
    expect_error(
        lambda: ses.create_custom_verification_email_template(TemplateName="t", **TEMPLATE),
        "AlreadyExistsException",
        400,
    )
    for call in (
        lambda: ses.get_custom_verification_email_template(TemplateName="ghost"),
        lambda: ses.update_custom_verification_email_template(TemplateName="ghost", **TEMPLATE),
        lambda: ses.delete_custom_verification_email_template(TemplateName="ghost"),
        lambda: ses.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="ghost"),
    ):
        expect_error(call, "NotFoundException", 404)
    for bad in ({"FromEmailAddress": "nope"}, {"SuccessRedirectionURL": "ftp://x"}):
        expect_error(
            lambda bad=bad: ses.create_custom_verification_email_template(
                TemplateName="u", **{**TEMPLATE, **bad}
            ),
            "BadRequestException",
            400,
        )
    for i in range(49):
        ses.create_custom_verification_email_template(TemplateName=f"t{i}", **TEMPLATE)
    expect_error(
        lambda: ses.create_custom_verification_email_template(TemplateName="t50", **TEMPLATE),
        "LimitExceededException",
        400,
    )
    expect_error(
        lambda: ses.list_custom_verification_email_templates(PageSize=51), "BadRequestException", 400
    )


def test_send_adds_a_pending_identity(emulator, ses):
    ses.create_custom_verification_email_template(TemplateName="t", **TEMPLATE)
    expect_error(
        lambda: ses.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="t"),
        "MessageRejected",
        400,
    )
    emulator.admin("verify_identity", identity="example.com")
    sent = ses.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="t")
    assert sent["MessageId"]
    assert ses.get_email_identity(EmailIdentity="new@example.org")["VerificationStatus"] == "PENDING"
    ses.put_account_sending_attributes(SendingEnabled=False)
    expect_error(
        lambda: ses.send_custom_verification_email(EmailAddress="new@example.org", TemplateName="t"),
        "SendingPausedException",
        400,
    )


def test_taggable(ses):
    ses.create_custom_verification_email_template(TemplateName="t", **TEMPLATE)
    arn = "arn:aws:ses:us-east-1:123456789012:custom-verification-email-template/t"
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "b"}]
