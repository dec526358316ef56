"""The `sesctl iam policy` use case: the policy for one use, scoped to the project's manifests.

The region comes from --region or the environment in sesctl.yaml; the account from --account
or, without one, STS GetCallerIdentity (needs no permission). For send, where the campaign
breaker reads the rates comes from --breaker-source or sesctl.yaml's ``breaker: source:``
(CloudWatch adds its metric reads). The analytics policy grants only on "*": it needs neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import UsageError
from reconciler.iam.policy import Scope, policy_for, scope_from_state
from reconciler.settings import Settings

NEEDS_MANIFESTS = frozenset({"plan", "apply", "drift", "import", "send"})
# Uses whose every grant is on "*" (IAM has no narrower resource): no region or account to look up.
UNSCOPED = frozenset({"analytics"})
ACCOUNT_PATTERN = "123456789012"


@dataclass(frozen=True)
class PolicyRequest:
    use: str
    path: Path = Path(".")
    env: str | None = None
    account: str | None = None
    senders: Sequence[str] = ()
    templates: Sequence[str] = ()
    configuration_sets: Sequence[str] = ()
    queues: Sequence[str] = ()
    prune: bool | None = None  # None: the environment's prune
    breaker_source: str | None = None  # send: store or cloudwatch; None: sesctl.yaml's breaker.source
    extra: dict[str, Any] = field(default_factory=dict)


def policy(settings: Settings, request: PolicyRequest) -> dict[str, Any]:
    from reconciler.app.connect import connect, environment_of, find_project
    from reconciler.manifest import load_manifests

    if request.use in UNSCOPED:
        return policy_for(request.use, Scope(region="*", account="*"))
    state = None
    if request.use in NEEDS_MANIFESTS:
        state = load_manifests(request.path, env=request.env or settings.env)
        environment = state.environment
    else:
        environment = environment_of(find_project(request.path), request.env or settings.env)
    region = settings.region or environment.region
    if not region and settings.local:
        region = "us-east-1"
    if not region:
        raise UsageError(
            "no region to scope the policy's ARNs to",
            hint="Pass --region (before the command), set AWS_REGION, or give the environment a region in sesctl.yaml.",
        )
    account = request.account
    if account is None:
        with connect(settings, environment, project=request.path) as connection:
            account = connection.gateway.account_id()
    if not (account.isdigit() and len(account) == len(ACCOUNT_PATTERN)):
        raise UsageError(f"--account {account!r} is not a 12-digit AWS account id")
    prune = environment.prune if request.prune is None else request.prune
    breaker = state.project.config.breaker if state is not None and state.project.config is not None else None
    breaker_source = request.breaker_source or (breaker.source if breaker is not None else "store")
    scope = (
        scope_from_state(
            state,
            region=region,
            account=account,
            prune=prune,
            senders=request.senders,
            templates=list(request.templates) or None,
            configuration_sets=list(request.configuration_sets) or None,
            queues=request.queues,
            cloudwatch_breaker=request.use == "send" and breaker_source == "cloudwatch",
        )
        if state is not None
        else Scope(
            region=region,
            account=account,
            senders=tuple(request.senders),
            templates=tuple(request.templates),
            configuration_sets=tuple(request.configuration_sets),
            queues=tuple(request.queues),
        )
    )
    return policy_for(request.use, scope)


__all__ = ["PolicyRequest", "policy"]
