"""Copies of each audit entry off the machine: an S3 object per entry, or a CloudWatch Logs event.

A trail on the operator's disk can be deleted with the disk; these copies survive it. S3
objects are written with Object Lock (retention until now + retain_days) when the bucket has
Object Lock enabled without a default retention of its own, so not even the writer can
delete them before then.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.manifest.compliance import CloudWatchSinkConfig, S3SinkConfig


class S3Sink:
    name = "S3"

    def __init__(self, client: Any, config: S3SinkConfig) -> None:
        self.client = client
        self.config = config
        self._lock_mode: str | None = None
        self._checked = False

    def _object_lock(self) -> str | None:
        """The mode to set per object: None when the bucket has no Object Lock, or locks by default."""
        if not self._checked:
            self._checked = True
            try:
                configuration = self.client.get_object_lock_configuration(Bucket=self.config.bucket)
            except self.client.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code != "ObjectLockConfigurationNotFoundError":
                    raise
                return None
            lock = configuration.get("ObjectLockConfiguration", {})
            if lock.get("ObjectLockEnabled") == "Enabled" and not lock.get("Rule", {}).get("DefaultRetention"):
                self._lock_mode = self.config.object_lock_mode
        return self._lock_mode

    def put(self, entry: Mapping[str, Any], line: str) -> None:
        key = f"{self.config.prefix}{int(entry['seq']):012d}-{str(entry['hash'])[7:23]}.json"
        extra: dict[str, Any] = {}
        mode = self._object_lock()
        if mode:
            extra = {
                "ObjectLockMode": mode,
                "ObjectLockRetainUntilDate": datetime.now(UTC) + timedelta(days=self.config.retain_days),
                "ChecksumAlgorithm": "SHA256",
            }
        self.client.put_object(
            Bucket=self.config.bucket,
            Key=key,
            Body=line.encode("utf-8"),
            ContentType="application/json",
            **extra,
        )


class CloudWatchSink:
    name = "CloudWatch Logs"

    def __init__(self, client: Any, config: CloudWatchSinkConfig) -> None:
        self.client = client
        self.config = config
        self._ready = False

    def _ensure_stream(self) -> None:
        if self._ready:
            return
        try:
            self.client.create_log_stream(logGroupName=self.config.log_group, logStreamName=self.config.log_stream)
        except self.client.exceptions.ResourceAlreadyExistsException:
            pass
        self._ready = True

    def put(self, entry: Mapping[str, Any], line: str) -> None:
        self._ensure_stream()
        self.client.put_log_events(
            logGroupName=self.config.log_group,
            logStreamName=self.config.log_stream,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(entry, sort_keys=True)}],
        )


__all__ = ["CloudWatchSink", "S3Sink"]
