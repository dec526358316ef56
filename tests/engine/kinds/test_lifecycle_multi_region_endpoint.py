"""MultiRegionEndpoint: create, update (tags, in place), import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_support import Lifecycle, run_lifecycle


def _endpoint(tags: str) -> str:
    return (
        "apiVersion: sesctl/v1\nkind: MultiRegionEndpoint\nmetadata: {name: global}\n"
        f"spec:\n  details: {{routesDetails: [{{region: eu-west-1}}]}}\n  tags: {tags}\n---\n"
    )


def _tags(expected: list[dict[str, str]]) -> Any:
    def check(emulator: Any) -> None:
        ses = emulator.client("sesv2")
        got = ses.get_multi_region_endpoint(EndpointName="global")
        assert [r["Region"] for r in got["Routes"]] == ["us-east-1", "eu-west-1"]
        arn = "arn:aws:ses:us-east-1:123456789012:multi-region-endpoint/global"
        tags = [t for t in ses.list_tags_for_resource(ResourceArn=arn)["Tags"] if not t["Key"].startswith("sesctl:")]
        assert tags == expected

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="MultiRegionEndpoint/global",
            create=_endpoint("{team: mail}"),
            update=_endpoint("{team: mail, tier: gold}"),
            checks={
                "create": _tags([{"Key": "team", "Value": "mail"}]),
                "update": _tags([{"Key": "team", "Value": "mail"}, {"Key": "tier", "Value": "gold"}]),
            },
        ),
    )
