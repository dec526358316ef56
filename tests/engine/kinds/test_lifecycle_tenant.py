"""Tenant: create (associations and a reputation policy), update (an association added, one
removed, the policy and tags changed), import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import configuration_set, template
from identity_support import identity
from lifecycle_support import Lifecycle, run_lifecycle

ARN = "arn:aws:ses:us-east-1:123456789012:"


def _tenant(spec: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: Tenant\nmetadata: {{name: acme}}\nspec:\n{spec}---\n"


CREATE = _tenant("  identities: [example.com]\n  configurationSets: [tx]\n  reputationPolicy: strict\n")
UPDATE = _tenant(
    "  identities: [example.com]\n  templates: [welcome]\n  reputationPolicy: standard\n  tags: {team: mail}\n"
)
NEEDS = {
    "identities.yaml": identity("example.com", "  tags: {team: mail}\n"),
    "sets.yaml": configuration_set("tx"),
    "templates.yaml": template("welcome"),
}


def _state(resources: list[str], policy: str) -> Any:
    def check(emulator: Any) -> None:
        ses = emulator.client("sesv2")
        listed = ses.list_tenant_resources(TenantName="acme")["TenantResources"]
        assert sorted(r["ResourceArn"] for r in listed) == sorted(ARN + r for r in resources)
        arn = ses.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
        entity = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=arn)
        assert entity["ReputationEntity"]["ReputationManagementPolicy"].endswith("/" + policy)

    return check


def _deleted(emulator: Any) -> None:
    ses = emulator.client("sesv2")
    assert ses.list_tenants()["Tenants"] == []
    ses.get_email_identity(EmailIdentity="example.com")  # the resources stay


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="Tenant/acme",
            needs=NEEDS,
            create=CREATE,
            update=UPDATE,
            checks={
                "create": _state(["identity/example.com", "configuration-set/tx"], "strict"),
                "update": _state(["identity/example.com", "template/welcome"], "standard"),
                "delete": _deleted,
            },
        ),
    )
