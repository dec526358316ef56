"""Building boto3 clients for a command: real AWS, an explicit endpoint, or the embedded emulator.

    with open_aws(settings) as aws:
        ses = aws.client("sesv2")

With ``--local`` the embedded emulator is started for the duration of the block (or the
already running ``sesctl local serve`` is reused) and dummy credentials are used, so no AWS
account or configuration is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from reconciler.cli.context import Settings

LOCAL_REGION = "us-east-1"
LOCAL_STATE_DIR = Path(".sesctl")


@dataclass
class AwsContext:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    _session: Any = field(default=None, repr=False)

    def session(self) -> Any:
        if self._session is None:
            if self.local:
                self._session = boto3.session.Session(
                    aws_access_key_id="local",
                    aws_secret_access_key="local",
                    region_name=self.region or LOCAL_REGION,
                )
            else:
                self._session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        return self._session

    def client(self, service: str, **config: Any) -> Any:
        # Retries are ours (per-operation token buckets and jittered backoff), not botocore's.
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, **config)
        return self.session().client(service, endpoint_url=self.endpoint_url, config=cfg)


@contextmanager
def open_aws(settings: Settings, state_dir: Path = LOCAL_STATE_DIR) -> Iterator[AwsContext]:
    if settings.local:
        from reconciler.emulator.local import embedded_endpoint

        with embedded_endpoint(state_dir) as url:
            yield AwsContext(region=settings.region or LOCAL_REGION, endpoint_url=url, local=True)
    else:
        yield AwsContext(region=settings.region, profile=settings.profile, endpoint_url=settings.endpoint_url)
