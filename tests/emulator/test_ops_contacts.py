"""Contact lists, topics and contacts through boto3 over HTTP."""

from __future__ import annotations

import json

import ops_support
import pytest
from ops_support import expect_error

module_emulator, emulator, ses = ops_support.module_emulator, ops_support.emulator, ops_support.ses

TOPICS = [
    {
        "TopicName": "news",
        "DisplayName": "News",
        "Description": "Monthly",
        "DefaultSubscriptionStatus": "OPT_IN",
    },
    {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
]


@pytest.fixture
def contact_list(ses):
    ses.create_contact_list(ContactListName="customers", Topics=TOPICS, Description="All customers")
    return "customers"


def test_contact_list_crud(ses):
    ses.create_contact_list(ContactListName="l", Topics=TOPICS, Tags=[{"Key": "k", "Value": "v"}])
    got = ses.get_contact_list(ContactListName="l")
    assert (
        got["Topics"] == TOPICS and got["Tags"] == [{"Key": "k", "Value": "v"}] and "Description" not in got
    )
    assert got["LastUpdatedTimestamp"] >= got["CreatedTimestamp"]
    ses.update_contact_list(ContactListName="l", Topics=TOPICS[:1], Description="d")
    got = ses.get_contact_list(ContactListName="l")
    assert got["Topics"] == TOPICS[:1] and got["Description"] == "d"
    (summary,) = ses.list_contact_lists()["ContactLists"]
    assert summary["ContactListName"] == "l"
    arn = "arn:aws:ses:us-east-1:123456789012:contact-list/l"
    assert ses.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    ses.delete_contact_list(ContactListName="l")
    assert ses.list_contact_lists()["ContactLists"] == []


def test_contact_list_errors(emulator, ses, contact_list):
    expect_error(lambda: ses.create_contact_list(ContactListName=contact_list), "AlreadyExistsException", 400)
    expect_error(lambda: ses.create_contact_list(ContactListName="second"), "LimitExceededException", 400)
    for call in (
        lambda: ses.get_contact_list(ContactListName="ghost"),
        lambda: ses.update_contact_list(ContactListName="ghost", Description="d"),
        lambda: ses.delete_contact_list(ContactListName="ghost"),
        lambda: ses.list_contacts(ContactListName="ghost"),
        lambda: ses.create_contact(ContactListName="ghost", EmailAddress="a@example.com"),
    ):
        expect_error(call, "NotFoundException", 404)
    raw = emulator.client("sesv2", parameter_validation=False)
    ses.delete_contact_list(ContactListName=contact_list)
    bad = {
        "name": {"ContactListName": "bad name"},
        "duplicate-topics": {"ContactListName": "l", "Topics": [TOPICS[0], TOPICS[0]]},
        "topic-status": {
            "ContactListName": "l",
            "Topics": [{**TOPICS[0], "DefaultSubscriptionStatus": "MAYBE"}],
        },
        "too-many-topics": {
            "ContactListName": "l",
            "Topics": [{**TOPICS[0], "TopicName": f"t{i}"} for i in range(21)],
        },
    }
    for kwargs in bad.values():
        expect_error(lambda kwargs=kwargs: raw.create_contact_list(**kwargs), "BadRequestException", 400)


def test_contact_crud(ses, contact_list):
    ses.create_contact(
        ContactListName=contact_list,
        EmailAddress="Ada@Example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
        AttributesData=json.dumps({"plan": "pro"}),
    )
    got = ses.get_contact(ContactListName=contact_list, EmailAddress="ada@example.com")
    assert got["EmailAddress"] == "Ada@Example.com"
    assert got["TopicPreferences"] == [{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}]
    assert got["TopicDefaultPreferences"] == [
        {"TopicName": "news", "SubscriptionStatus": "OPT_IN"},
        {"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"},
    ]
    assert got["UnsubscribeAll"] is False and json.loads(got["AttributesData"]) == {"plan": "pro"}
    expect_error(
        lambda: ses.create_contact(ContactListName=contact_list, EmailAddress="ada@example.com"),
        "AlreadyExistsException",
        400,
    )
    # A refused update changes nothing.
    expect_error(
        lambda: ses.update_contact(
            ContactListName=contact_list,
            EmailAddress="ada@example.com",
            TopicPreferences=[],
            AttributesData="not json",
        ),
        "BadRequestException",
        400,
    )
    ses.update_contact(ContactListName=contact_list, EmailAddress="ada@example.com", UnsubscribeAll=True)
    got = ses.get_contact(ContactListName=contact_list, EmailAddress="ada@example.com")
    # UpdateContact replaces the contact: left-out TopicPreferences and AttributesData are gone.
    assert got["UnsubscribeAll"] is True and got["TopicPreferences"] == [] and "AttributesData" not in got
    ses.delete_contact(ContactListName=contact_list, EmailAddress="ada@example.com")
    expect_error(
        lambda: ses.get_contact(ContactListName=contact_list, EmailAddress="ada@example.com"),
        "NotFoundException",
        404,
    )
    expect_error(
        lambda: ses.delete_contact(ContactListName=contact_list, EmailAddress="ada@example.com"),
        "NotFoundException",
        404,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"EmailAddress": "not-an-address"},
        {
            "EmailAddress": "a@example.com",
            "TopicPreferences": [{"TopicName": "ghost", "SubscriptionStatus": "OPT_IN"}],
        },
        {"EmailAddress": "a@example.com", "AttributesData": "not json"},
    ],
    ids=["address", "unknown-topic", "attributes"],
)
def test_bad_contacts(ses, contact_list, kwargs):
    expect_error(
        lambda: ses.create_contact(ContactListName=contact_list, **kwargs), "BadRequestException", 400
    )


def test_removing_a_topic_drops_its_preferences(ses, contact_list):
    ses.create_contact(
        ContactListName=contact_list,
        EmailAddress="a@example.com",
        TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
    )
    ses.update_contact_list(ContactListName=contact_list, Topics=TOPICS[:1])
    assert (
        ses.get_contact(ContactListName=contact_list, EmailAddress="a@example.com")["TopicPreferences"] == []
    )


def test_list_contacts_filters_and_paging(ses, contact_list):
    people = {
        "in@example.com": [{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}],
        "out@example.com": [{"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"}],
        "none@example.com": [],
    }
    for address, preferences in people.items():
        ses.create_contact(ContactListName=contact_list, EmailAddress=address, TopicPreferences=preferences)
    ses.create_contact(ContactListName=contact_list, EmailAddress="gone@example.com", UnsubscribeAll=True)

    def listed(**filter_):
        contacts = ses.list_contacts(ContactListName=contact_list, Filter=filter_)["Contacts"]
        return sorted(c["EmailAddress"] for c in contacts)

    assert listed() == ["gone@example.com", "in@example.com", "none@example.com", "out@example.com"]
    assert listed(FilteredStatus="OPT_OUT") == ["gone@example.com"]
    assert listed(FilteredStatus="OPT_IN", TopicFilter={"TopicName": "offers"}) == ["in@example.com"]
    assert listed(FilteredStatus="OPT_OUT", TopicFilter={"TopicName": "offers"}) == [
        "gone@example.com",
        "out@example.com",
    ]
    # With defaults, "none" counts as opted out of offers (the topic's default).
    assert listed(
        FilteredStatus="OPT_OUT",
        TopicFilter={"TopicName": "offers", "UseDefaultIfPreferenceUnavailable": True},
    ) == ["gone@example.com", "none@example.com", "out@example.com"]
    expect_error(
        lambda: ses.list_contacts(
            ContactListName=contact_list, Filter={"TopicFilter": {"TopicName": "ghost"}}
        ),
        "BadRequestException",
        400,
    )
    first = ses.list_contacts(ContactListName=contact_list, PageSize=3)
    second = ses.list_contacts(ContactListName=contact_list, PageSize=3, NextToken=first["NextToken"])
    assert len(first["Contacts"]) == 3 and len(second["Contacts"]) == 1 and "NextToken" not in second
