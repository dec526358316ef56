"""The project's audit trail, as sesctl.yaml (and the environment) configure it.

    trail = trail_for(project)                    # or trail_for(None, root=Path.cwd())
    with operation("send", {...}, project=project) as op:
        ...
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.audit.operation import Operation
from reconciler.audit.secrets import load_key, local_address_key
from reconciler.audit.sinks import CloudWatchSink, S3Sink
from reconciler.audit.trail import AuditTrail, Sink
from reconciler.manifest.compliance import AuditConfig
from reconciler.manifest.project import Project

LOG_ENV = "SESCTL_AUDIT_LOG"
DEFAULT_PATH = ".sesctl/audit.jsonl"


def _root(project: Project | None, root: Path | None) -> Path:
    if root is not None:
        return root
    return project.root if project is not None else Path.cwd()


def config_of(project: Project | None) -> AuditConfig:
    config = project.config.audit if project is not None and project.config is not None else None
    return config or AuditConfig()


def trail_path(project: Project | None, root: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(LOG_ENV)
    path = Path(override) if override else Path(config_of(project).path)
    return path if path.is_absolute() else _root(project, root) / path


def trail_for(
    project: Project | None,
    root: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    with_sinks: bool = True,
) -> AuditTrail:
    config = config_of(project)
    base = _root(project, root)
    key_file = Path(config.key_file) if config.key_file else None
    if key_file is not None and not key_file.is_absolute():
        key_file = base / key_file
    key = load_key(environ, config.key_env, key_file)
    sinks: list[Sink] = []
    if with_sinks:
        if config.s3 is not None:
            sinks.append(S3Sink(_client("s3", config.s3.region, config.s3.endpoint_url), config.s3))
        if config.cloudwatch is not None:
            cw = config.cloudwatch
            sinks.append(CloudWatchSink(_client("logs", cw.region, cw.endpoint_url), cw))
    return AuditTrail(trail_path(project, root, environ), key, sinks)


def _client(service: str, region: str | None, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    session: Any = boto3.session.Session(region_name=region)
    return session.client(
        service, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 3, "mode": "standard"})
    )


def operation(
    kind: str,
    details: Mapping[str, Any] | None = None,
    *,
    project: Project | None = None,
    root: Path | None = None,
    trail: AuditTrail | None = None,
) -> Operation:
    """An audited operation on the project's trail (use it as a context manager)."""
    base = _root(project, root)
    trail = trail or trail_for(project, base)
    address_key = trail.key or local_address_key(trail.path.parent)
    return Operation(trail, kind, details, root=base, address_key=address_key)


__all__ = ["DEFAULT_PATH", "LOG_ENV", "audited", "config_of", "operation", "project_at", "trail_for", "trail_path"]


AUDITED_ADDRESSES = 1000  # more: the entry counts them instead of listing their hashes


@contextmanager
def audited(
    kind: str,
    details: Mapping[str, Any],
    *,
    enabled: bool = True,
    addresses: Iterable[str] = (),
    start: Path = Path("."),
) -> Iterator[Operation | None]:
    """An audited change of ``kind`` on the project at ``start`` (None and no entry when not
    ``enabled``, e.g. a dry run): the addresses it touches as keyed hashes (up to 1,000)."""
    if not enabled:
        yield None
        return
    with operation(kind, details, project=project_at(start)) as entry:
        listed = list(addresses)
        if len(listed) <= AUDITED_ADDRESSES:
            entry.set(addresses=entry.hash_addresses(listed))
        else:
            entry.set(address_count=len(listed))
        yield entry


def project_at(start: Path) -> Project | None:
    """The sesctl.yaml at or above ``start`` (None without one); an invalid one is a ManifestError."""
    from reconciler.manifest.errors import ManifestInvalid
    from reconciler.manifest.project import find_project_file, read_project

    found = find_project_file(start)
    if found is None:
        return None
    project, problems = read_project(found)
    if project is None:
        raise ManifestInvalid(problems)
    return project
