"""One way to reach AWS for every command: the root flags over a sesctl.yaml environment.

    with connect(settings) as conn:                 # settings.env, else defaultEnvironment
        conn.gateway.call("GetAccount")
    with connect(settings, environment=state.environment, rate=5) as conn:   # plan/apply
        ...

``--profile``, ``--region``, ``--endpoint-url``, ``--role-arn`` and ``--local`` win over the
environment's ``profile``, ``region``, ``endpointUrl``, ``roleArn`` and ``local``, as flags win
over config files elsewhere. Every SES call then goes through the one SesGateway yielded here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.aws.clients import LOCAL_STATE_DIR, AwsContext, aws_context
from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RatesInput, RetryPolicy
from reconciler.diagnostics import error
from reconciler.errors import UsageError
from reconciler.gc_pause import setting_up
from reconciler.manifest.errors import ManifestInvalid
from reconciler.manifest.project import Environment, Project, find_project_file, read_project
from reconciler.settings import Settings

# The embedded emulator does not throttle (unless told to, and then the gateway backs off):
# SES's 1 request/s per operation would only make --local slow.
LOCAL_RATE = 100.0
RATE_HINT = "--rate takes RPS or Operation=RPS,...,default=RPS"


@dataclass
class Connection:
    """What a command talks to AWS through: the boto3 side, the SES gateway, the environment."""

    aws: AwsContext
    gateway: SesGateway
    environment: Environment

    @property
    def region(self) -> str:
        return self.gateway.region

    @property
    def endpoint_url(self) -> str | None:
        return self.aws.endpoint_url

    @property
    def local(self) -> bool:
        return self.aws.local


def find_project(start: Path = Path(".")) -> Project | None:
    """The nearest sesctl.yaml at or above ``start`` (None when there is none); raises
    ManifestInvalid, with file:line, when it does not validate."""
    found = find_project_file(start)
    if found is None:
        return None
    project, problems = read_project(found)
    if project is None:
        raise ManifestInvalid(problems)
    return project


def find_environment(settings: Settings, start: Path = Path("."), name: str | None = None) -> Environment:
    """The environment a command runs against: ``name`` (a command's --env), else the root
    --env, else sesctl.yaml's defaultEnvironment, else none."""
    return environment_of(find_project(start), name or settings.env)


def environment_of(project: Project | None, name: str | None) -> Environment:
    """``project``'s environment ``name`` (else its default); a name without a sesctl.yaml is an error."""
    if project is None:
        if name:
            raise ManifestInvalid(
                [error("E1102", f"--env {name}: there is no sesctl.yaml defining environments")]
            )
        return Environment(name=None)
    return project.environment(name)


def effective_settings(settings: Settings, environment: Environment) -> Settings:
    """The flags, filled in from the environment where a flag was not given."""
    # An explicit --endpoint-url wins over an environment's `local: true`: it usually names a
    # `sesctl local serve` on another port.
    env_local = environment.local and not settings.endpoint_url
    if env_local and settings.profile:
        raise UsageError(
            f"--profile with environment {environment.name!r}, which is local: true (the embedded "
            "emulator takes no profile)",
            hint="Drop --profile, or pick an environment that talks to AWS.",
        )
    return replace(
        settings,
        local=settings.local or env_local,
        region=settings.region or environment.region,
        profile=settings.profile or environment.profile,
        endpoint_url=settings.endpoint_url or environment.endpoint_url,
        role_arn=settings.role_arn or environment.role_arn,
        env=environment.name,
    )


@contextmanager
def connect(
    settings: Settings,
    environment: Environment | None = None,
    *,
    project: Path = Path("."),
    rate: RatesInput = None,
    retry: RetryPolicy | None = None,
) -> Iterator[Connection]:
    """Open AWS (or the embedded emulator) for one command and yield its Connection.

    ``environment``: already resolved (plan loads it with the manifests); else it is looked up
    from sesctl.yaml at or above ``project``. ``rate``: requests/s per operation (5, "5",
    "GetAccount=2,default=1"); None: SES's own limits, or LOCAL_RATE against --local."""
    if environment is None:
        environment = find_environment(settings, project)
    effective = effective_settings(settings, environment)
    with ExitStack() as stack:
        # The embedded emulator's modules and state, botocore's service models and the client
        # live until the command ends.
        with setting_up(last=True):
            local_url = stack.enter_context(_local_endpoint()) if effective.local else None
            aws = aws_context(effective, local_endpoint=local_url)
            gateway = gateway_of(aws, rate=rate, retry=retry)
        yield Connection(aws, gateway, environment)


def default_rates(aws: AwsContext, rate: RatesInput = None) -> RatesInput:
    """``rate`` (--rate), else SES's own limits, or LOCAL_RATE against the embedded emulator."""
    return rate if rate is not None or not aws.local else LOCAL_RATE


def gateway_of(aws: AwsContext, *, rate: RatesInput = None, retry: RetryPolicy | None = None) -> SesGateway:
    """The SES gateway on ``aws`` (``rate``: see default_rates)."""
    try:
        return SesGateway.from_aws(aws, rates=default_rates(aws, rate), retry=retry)
    except ValueError as exc:  # a bad --rate
        raise UsageError(f"--rate: {exc}", hint=RATE_HINT) from exc


@contextmanager
def _local_endpoint() -> Iterator[str]:
    """The URL of the emulator over .sesctl/: a running `sesctl local serve`, or one started for
    the command (imported here so a command that does not use it never loads the emulator)."""
    from reconciler.emulator.local import embedded_endpoint

    with embedded_endpoint(LOCAL_STATE_DIR) as url:
        yield url
