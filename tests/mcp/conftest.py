"""MCP fixtures: the emulator with a verified sender, templates and a configuration set that
publishes to CloudWatch, and a Harness (McpApp + server) over it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp_support import WELCOME, Harness, default_config

from reconciler.testing import LocalEmulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ses_setup(emulator: LocalEmulator, ses: Any) -> LocalEmulator:
    emulator.admin("verify_identity", identity="example.com")
    emulator.admin("configure_account", max_send_rate=1000.0)
    ses.create_email_template(TemplateName="welcome", TemplateContent=WELCOME)
    ses.create_email_template(
        TemplateName="promo", TemplateContent={"Subject": "Sale {{pct}}%", "Text": "{{pct}} off"}
    )
    ses.create_configuration_set(ConfigurationSetName="marketing")
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="marketing",
        EventDestinationName="metrics",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": [
                "SEND",
                "DELIVERY",
                "BOUNCE",
                "COMPLAINT",
                "REJECT",
                "OPEN",
                "CLICK",
                "RENDERING_FAILURE",
            ],
            "CloudWatchDestination": {
                "DimensionConfigurations": [
                    {
                        "DimensionName": "campaign",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "none",
                    },
                    {
                        "DimensionName": "ses:configuration-set",
                        "DimensionValueSource": "MESSAGE_TAG",
                        "DefaultDimensionValue": "marketing",
                    },
                ]
            },
        },
    )
    ses.create_configuration_set(ConfigurationSetName="other")
    return emulator


@pytest.fixture
def make_harness(ses_setup: LocalEmulator) -> Callable[..., Harness]:
    def make(**changes: Any) -> Harness:
        return Harness(ses_setup, default_config(**changes))

    return make


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()
