"""Plans in the JSON form of docs/plan-format.md, built for the GitHub tests.

Each is a real :class:`Plan`'s JSON form (its checksum and live fingerprint computed by the
Plan), as `sesctl plan --out` writes it; :func:`typed` turns one back into the Plan."""

from __future__ import annotations

import json
from typing import Any

from reconciler.engine.plan import Plan

WAVES = {"ConfigurationSet": 20, "EventDestination": 30, "EmailIdentity": 40, "EmailTemplate": 50}


def change(
    kind: str,
    name: str,
    actions: list[str],
    *,
    fields: list[dict[str, Any]] | None = None,
    text_diffs: list[dict[str, str]] | None = None,
    risks: list[dict[str, str]] | None = None,
    reason: str | None = None,
    line: int = 1,
) -> dict[str, Any]:
    return {
        "address": f"{kind}/{name}",
        "kind": kind,
        "name": name,
        "actions": actions,
        "reason": reason,
        "wave": WAVES.get(kind, 50),
        "fields": fields or [],
        "text_diffs": text_diffs or [],
        "risks": risks or [],
        "source": {"file": f"manifests/{kind.lower()}s.yaml", "line": line},
    }


def plan(
    changes: list[dict[str, Any]],
    *,
    stack: str = "example",
    environment: str = "prod",
    unmanaged: list[str] | None = None,
    no_op: int = 3,
    live: str = "v1",
) -> dict[str, Any]:
    """The JSON form of a plan of ``changes``; ``live`` stands for the live state it read."""
    typed_plan = Plan.from_dict(
        {
            "format_version": "1",
            "stack": stack,
            "environment": environment,
            "region": "eu-west-1",
            "live_objects": {"EmailTemplate/example": live},
            "summary": {"no_op": no_op},
            "changes": changes,
            "unmanaged": unmanaged or [],
        }
    )
    data: dict[str, Any] = json.loads(typed_plan.to_json())
    data["tool_version"] = "0.1.0"  # what the golden files were written with (not hashed)
    return data


def typed(data: dict[str, Any]) -> Plan:
    """The Plan of a JSON form built here."""
    return Plan.from_dict(data)


def no_changes() -> dict[str, Any]:
    return plan([], unmanaged=["EmailTemplate/legacy-promo"], no_op=12)


def creates_only() -> dict[str, Any]:
    return plan(
        [
            change(
                "ConfigurationSet",
                "marketing",
                ["create"],
                fields=[
                    {"path": "delivery_options.tls_policy", "op": "add", "before": None, "after": "REQUIRE"},
                    {"path": "sending_options.sending_enabled", "op": "add", "before": None, "after": True},
                ],
                reason="not_in_live",
            ),
            change(
                "EmailTemplate",
                "welcome",
                ["create"],
                fields=[
                    {"path": "subject", "op": "add", "before": None, "after": "Welcome, {{user.firstName}}!"}
                ],
                text_diffs=[
                    {
                        "part": "html",
                        "diff": "--- live\n+++ desired\n@@ -0,0 +1,2 @@\n+<h1>Hi {{user.firstName}}</h1>\n+<p>Reply to ops@example.com | thanks</p>\n",
                    }
                ],
                reason="not_in_live",
                line=4,
            ),
        ]
    )


def destroy() -> dict[str, Any]:
    return plan(
        [
            change(
                "ConfigurationSet",
                "transactional",
                ["update"],
                fields=[
                    {
                        "path": "sending_options.sending_enabled",
                        "op": "change",
                        "before": True,
                        "after": False,
                    }
                ],
                risks=[
                    {
                        "code": "sending_disabled",
                        "severity": "high",
                        "message": "Sending is turned off for configuration set transactional.",
                    }
                ],
                reason="differs_from_manifests",
            ),
            change(
                "DedicatedIpPool",
                "bulk",
                ["delete", "create"],
                fields=[
                    {
                        "path": "scaling_mode",
                        "op": "change",
                        "before": "STANDARD",
                        "after": "MANAGED",
                        "forces_replacement": True,
                    }
                ],
                reason="cannot_update_in_place",
            ),
            change(
                "EmailTemplate",
                "old-promo",
                ["delete"],
                risks=[
                    {"code": "delete", "severity": "medium", "message": "The template old-promo is deleted."}
                ],
                reason="removed_from_manifests",
            ),
        ],
        unmanaged=["EmailIdentity/legacy@example.com"],
    )


def large(count: int = 500) -> dict[str, Any]:
    """``count`` template updates with diffs: far over GitHub's limit when rendered in full."""
    changes = []
    for i in range(count):
        body = "".join(
            f"-<p>old line {j} of template {i}</p>\n+<p>new line {j} of template {i}</p>\n" for j in range(4)
        )
        changes.append(
            change(
                "EmailTemplate",
                f"campaign-{i:03d}",
                ["delete"] if i % 50 == 0 else ["update"],
                fields=[
                    {
                        "path": "subject",
                        "op": "change",
                        "before": f"Old subject {i}",
                        "after": f"New subject {i}",
                    }
                ],
                text_diffs=[{"part": "html", "diff": "--- live\n+++ desired\n@@ -1,4 +1,4 @@\n" + body}],
                reason="removed_from_manifests" if i % 50 == 0 else "differs_from_manifests",
                line=i + 1,
            )
        )
    return plan(changes)
