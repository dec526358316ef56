"""Gather the facts readiness rules judge: from the manifests, live SES and the event store."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.dns.readiness import MarketingTemplate
from reconciler.events.store import EventStore, StoreError
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import collect

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway

COMPLAINT_WINDOW_DAYS = 30


def manifest_facts(path: Path | None, env: str | None) -> tuple[list[MarketingTemplate], dict[str, str]]:
    """(marketing templates, configuration set -> TLS policy) as the manifests declare them.
    Manifests that do not load give no facts (readiness still judges DNS and SES)."""
    state, _problems = collect(path, env)
    templates: list[MarketingTemplate] = []
    tls: dict[str, str] = {}
    for resource in state.resources if state is not None else []:
        spec = resource.spec
        if isinstance(spec, EmailTemplateSpec) and spec.marketing:
            parts = (spec.part("subject"), spec.part("html"), spec.part("text"))
            templates.append(MarketingTemplate.of(resource.ses_name, parts))
        elif isinstance(spec, ConfigurationSetSpec):
            policy = spec.delivery_options.tls_policy if spec.delivery_options else None
            tls[resource.ses_name] = str(policy or "OPTIONAL")
    return templates, tls


def contact_lists_with_topics(gateway: SesGateway) -> int:
    names = [str(item["ContactListName"]) for item in gateway.paginate("ListContactLists", "ContactLists")]
    return sum(1 for name in names if gateway.call("GetContactList", ContactListName=name).get("Topics"))


def complaint_rate(store: Path, domain: str, now: float | None = None) -> float | None:
    """Complaints per delivery over the last 30 days for mail from ``domain`` (and its
    subdomains), from the event store; None when the store has no deliveries for it."""
    if not store.is_file():
        return None
    since = int(((now if now is not None else time.time()) - COMPLAINT_WINDOW_DAYS * 86400) * 1000)
    try:
        with EventStore.open(store, readonly=True) as opened:
            row = opened.conn.execute(
                "SELECT SUM(event_type = 'delivery'), SUM(event_type = 'complaint') FROM events"
                " WHERE event_time >= ? AND (from_domain = ? OR from_domain LIKE ?)",
                (since, domain, f"%.{domain}"),
            ).fetchone()
    except (sqlite3.Error, StoreError):
        return None  # not an event store (or a newer one): the rate is unknown
    deliveries, complaints = (row[0] or 0), (row[1] or 0)
    return complaints / deliveries if deliveries else None


__all__ = ["complaint_rate", "contact_lists_with_topics", "manifest_facts"]
