"""Building AWS clients for a command: real AWS, an explicit endpoint, or the local emulator.

    aws = aws_context(settings)              # commands get one from reconciler.app.connect
    ses = aws.client("sesv2")

Against the emulator (``--local``; app.connect starts it or reuses a running ``sesctl local
serve``) dummy credentials are used, so no AWS account or configuration is needed.

The clients are botocore's, made by a botocore session: the same clients, credential chain
(environment, profiles, SSO, web identity for OIDC, instance metadata), profiles, regions and
endpoint handling a boto3 session gives, without importing boto3 and its S3 transfer manager
(about 0.1 s of every command that talks to SES). Requests say ``Botocore/...`` as their user
agent rather than ``Boto3/...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError, ProfileNotFound

from reconciler.errors import AwsError, UsageError
from reconciler.settings import ROLE_ARN_HINT, ROLE_ARN_PATTERN, Settings

LOCAL_REGION = "us-east-1"
LOCAL_STATE_DIR = Path(".sesctl")
ROLE_SESSION_NAME = "sesctl"


@dataclass
class AwsContext:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    role_arn: str | None = None
    _session: Any = field(default=None, repr=False)

    def session(self) -> Any:
        if self._session is None:
            if self.local:
                base = _dummy_session(self.region)
            else:
                try:
                    base = _session(profile=self.profile, region=self.region)
                except ProfileNotFound as exc:
                    raise UsageError(
                        f"AWS profile {self.profile!r} is not configured",
                        hint="check `aws configure list-profiles`, pass another --profile, or use --local",
                    ) from exc
                if base.get_credentials() is None and _is_loopback(self.endpoint_url):
                    # A local emulator (`sesctl local serve`) accepts any key; a newcomer has none.
                    base = _dummy_session(self.region)
            self._session = self._assume(base) if self.role_arn else base
        return self._session

    def _assume(self, base: Any) -> Any:
        """A session on the role's temporary credentials (roleArn in sesctl.yaml or --role-arn).

        In GitHub Actions the OIDC step usually assumes the role already; this is for operators
        and for environments that name a role to hop into from the base credentials."""
        # Checked before any STS call: garbage from a flag is a usage error, not a round trip.
        if re.fullmatch(ROLE_ARN_PATTERN.strip("^$"), str(self.role_arn)) is None:
            raise UsageError(
                f"the role {str(self.role_arn)[:200]!r} is not {ROLE_ARN_HINT}",
                hint="check --role-arn, SESCTL_ROLE_ARN or the environment's roleArn in sesctl.yaml",
            )
        sts = base.create_client("sts", endpoint_url=self.endpoint_url, config=Config(retries={"max_attempts": 3}))
        try:
            if _already_in_role(sts.get_caller_identity()["Arn"], str(self.role_arn)):
                # CI's OIDC step assumed this very role; assuming it again would need the role
                # to trust itself.
                return base
            creds = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        except NoCredentialsError as exc:
            raise AwsError(
                f"no AWS credentials to assume {self.role_arn} with",
                operation="AssumeRole",
                hint="configure credentials (a profile, environment variables or OIDC), or use --local",
            ) from exc
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AwsError(
                f"could not assume {self.role_arn}: {error.get('Message') or error.get('Code')}",
                code=str(error.get("Code", "")),
                operation="AssumeRole",
                hint="the role's trust policy must allow your identity (sts:AssumeRole); see docs/github.md",
            ) from exc
        return _session(
            credentials=(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
            region=base.get_config_variable("region"),
        )

    def client(self, service: str, **config: Any) -> Any:
        # Retries are ours (per-operation token buckets and jittered backoff), not botocore's.
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, **config)
        return self.session().create_client(service, endpoint_url=self.endpoint_url, config=cfg)


def _session(
    *,
    profile: str | None = None,
    region: str | None = None,
    credentials: tuple[str, str, str | None] | None = None,
) -> botocore.session.Session:
    """A botocore session set up as ``boto3.session.Session(profile_name=, region_name=,
    aws_access_key_id=, ...)`` sets up its own; raises ProfileNotFound for a profile that no
    config or credentials file names, at once, as boto3 does."""
    session = botocore.session.get_session()
    if profile is not None:
        session.set_config_variable("profile", profile)
    if credentials is not None:
        session.set_credentials(*credentials)
    if region is not None:
        session.set_config_variable("region", region)
    session.get_scoped_config()  # the profile's section: ProfileNotFound now, not at the first call
    return session


def _dummy_session(region: str | None) -> botocore.session.Session:
    return _session(credentials=("local", "local", None), region=region or LOCAL_REGION)


def _is_loopback(url: str | None) -> bool:
    host = urlsplit(url).hostname if url else None
    return host in {"localhost", "127.0.0.1", "::1"} or (host or "").startswith("127.")


def _already_in_role(caller_arn: str, role_arn: str) -> bool:
    """arn:aws:sts::123:assumed-role/NAME/session is "in" arn:aws:iam::123:role/[path/]NAME."""
    caller = caller_arn.split(":")
    role = role_arn.split(":")
    if len(caller) < 6 or len(role) < 6 or caller[4] != role[4]:
        return False
    parts = caller[5].split("/")
    return parts[0] == "assumed-role" and len(parts) >= 2 and parts[1] == role[5].rsplit("/", 1)[-1]


def aws_context(settings: Settings, *, local_endpoint: str | None = None) -> AwsContext:
    """The AWS side of a command. ``local_endpoint``: the embedded emulator's URL (the caller
    started it, see reconciler.app.connect); it gets dummy credentials and a default region."""
    if local_endpoint is not None:
        return AwsContext(
            region=settings.region or LOCAL_REGION,
            endpoint_url=local_endpoint,
            local=True,
            role_arn=settings.role_arn,
        )
    return AwsContext(
        region=settings.region,
        profile=settings.profile,
        endpoint_url=settings.endpoint_url,
        role_arn=settings.role_arn,
    )
