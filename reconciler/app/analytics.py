"""The analytics use case: which source answers (`sesctl analytics` and the MCP tool
get_email_analytics share it).

- ``store``: the local event store (`sesctl events consume`);
- ``cloudwatch``: the metrics a CloudWatch event destination publishes (events/cloudwatch.py);
- ``vdm``: Virtual Deliverability Manager's BatchGetMetricData (events/vdm.py);
- ``auto``: the store when it holds events in the range, else CloudWatch (VDM is a paid option
  that must be enabled, so it answers only when asked for).
The result names the source that answered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.events.analytics import Query, Result, has_events, store_analytics
from reconciler.events.store import EventStore, StoreError

SOURCES = ("auto", "store", "cloudwatch", "vdm")


def from_store(source: str, query: Query, path: Path, *, reasons: int = 10) -> Result | None:
    """The store's answer when ``source`` is store, or auto and the store has events in the
    range; None when AWS must answer. Raises StoreError when the store was asked for and cannot."""
    query.check()
    if source == "store" or (source == "auto" and path.is_file()):
        try:
            with EventStore.open(path, readonly=True) as store:
                if source == "store" or has_events(store, query.start, query.end):
                    return store_analytics(store, query, reasons=reasons)
        except StoreError:
            if source == "store":
                raise
    return None


def from_aws(source: str, query: Query, *, gateway: SesGateway, cloudwatch: Any) -> Result:
    """CloudWatch's answer (auto, cloudwatch) or VDM's (vdm)."""
    if source == "vdm":
        from reconciler.events.vdm import vdm_analytics

        return vdm_analytics(gateway, query)
    from reconciler.events.cloudwatch import cloudwatch_analytics

    return cloudwatch_analytics(cloudwatch, query)
