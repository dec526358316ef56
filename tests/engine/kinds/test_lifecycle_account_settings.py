"""AccountSettings (a singleton): set, change, import; leaving the manifests leaves the account
as it is (sending stays paused, VDM stays on: nothing is reset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_support import Lifecycle, run_lifecycle

DETAILS = (
    "  details:\n    mailType: TRANSACTIONAL\n    websiteUrl: https://example.com\n"
    "    useCaseDescription: Receipts and password resets for our customers.\n"
    "    additionalContactEmailAddresses: [ops@example.com]\n"
)
CREATE = (
    "apiVersion: sesctl/v1\nkind: AccountSettings\nmetadata: {name: account}\nspec:\n"
    "  vdmAttributes: {vdmEnabled: ENABLED, dashboardAttributes: {engagementMetrics: ENABLED}}\n"
    + DETAILS
)
# Sending paused and auto warm-up on; the details and VDM stay as they are.
UPDATE = CREATE.replace("spec:\n", "spec:\n  sendingEnabled: false\n  dedicatedIpAutoWarmupEnabled: true\n")


def _account(**expected: Any) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_account()
        for key, value in expected.items():
            assert got[key] == value, (key, got[key])

    return check


VDM = {
    "VdmEnabled": "ENABLED",
    "DashboardAttributes": {"EngagementMetrics": "ENABLED"},
    "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
}


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="AccountSettings/account",
            create=CREATE,
            update=UPDATE,
            singleton=True,
            checks={
                "create": _account(SendingEnabled=True, VdmAttributes=VDM),
                "update": _account(SendingEnabled=False, DedicatedIpAutoWarmupEnabled=True, VdmAttributes=VDM),
                "delete": _account(SendingEnabled=False, DedicatedIpAutoWarmupEnabled=True, VdmAttributes=VDM),
            },
        ),
    )
