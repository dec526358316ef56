"""MCP test support: constants, a harness (an McpApp and server on the emulator, with its audit
lines captured) and an elicitation callback."""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any

from reconciler.aws.clients import AwsContext
from reconciler.mcp import McpApp, McpConfig, build_server
from reconciler.mcp.audit import AuditLog
from reconciler.settings import Settings
from reconciler.testing import LocalEmulator

SENDER = "news@example.com"
SIM = "simulator.amazonses.com"
SUCCESS = f"success@{SIM}"
WELCOME = {
    "Subject": "Welcome, {{name}}!",
    "Text": "Hello {{name}}, your plan is {{plan}}.",
    "Html": "<p>Hi {{name}}</p>",
}


@cache
def boto_session() -> Any:
    """One botocore session (what AwsContext holds) for every harness: clients made from it
    share the loaded models, so a harness costs milliseconds instead of a model load."""
    import botocore.session

    session = botocore.session.get_session()
    session.set_credentials("local", "local")
    session.set_config_variable("region", "us-east-1")
    return session


class Harness:
    """An McpApp on the emulator plus what it wrote to the audit log."""

    def __init__(self, emulator: LocalEmulator, config: McpConfig) -> None:
        self.emulator = emulator
        self.stream = io.StringIO()
        aws = AwsContext(
            region="us-east-1", endpoint_url=emulator.endpoint_url, local=True, _session=boto_session()
        )
        settings = Settings(endpoint_url=emulator.endpoint_url, region="us-east-1", color=False)
        self.app = McpApp.create(
            config, aws, settings=settings, rates=1000, audit=AuditLog(stream=self.stream)
        )
        self.server = build_server(self.app)

    def audit(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def sent(self, **filters: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.emulator.admin("sent_messages", include_body=False, **filters)
        return result


def default_config(**changes: Any) -> McpConfig:
    data: dict[str, Any] = {
        "senders": [SENDER, "example.org"],
        "configuration_sets": ["marketing"],
        "limits": {"max_recipients_per_call": 5, "max_recipients_per_hour": 8},
    }
    data.update(changes)
    return McpConfig.model_validate(data)


def answering(action: str = "accept", send: bool = True) -> tuple[Any, list[str]]:
    """An elicitation callback answering ``action``, and the questions it was asked."""
    from mcp.client import ClientRequestContext
    from mcp.types import ElicitRequestParams, ElicitResult

    asked: list[str] = []

    async def callback(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"send": send})
        return ElicitResult(action=action)  # type: ignore[arg-type]

    return callback, asked


def prepare(emulator: LocalEmulator, ses: Any) -> LocalEmulator:
    """A verified sender domain, two templates, configuration sets "marketing" (publishing every
    event type to CloudWatch with dimensions campaign and ses:configuration-set) and "other"."""
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
