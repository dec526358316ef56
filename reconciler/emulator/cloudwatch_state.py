"""The emulator's CloudWatch alarms, one ``CloudWatchState`` per region inside ``SesState``.

They live with the SES state (saved in the same state file, forgotten by the same reset) rather
than in moto's process-wide backend, so they outlive an embedded ``--local`` command and a
``local serve`` restart. The operations are in cloudwatch_alarms.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

INITIAL_STATE = "INSUFFICIENT_DATA"
INITIAL_REASON = "Unchecked: Initial alarm creation"


class MetricAlarm(BaseModel):
    # PutMetricAlarm's parameters as validated (without Tags): CloudWatch replaces them whole
    # on every PutMetricAlarm, and DescribeAlarms answers them back.
    settings: dict[str, Any]
    arn: str
    tags: dict[str, str] = Field(default_factory=dict)
    state_value: str = INITIAL_STATE
    state_reason: str = INITIAL_REASON
    state_reason_data: str | None = None
    configuration_updated: datetime
    state_updated: datetime
    state_transitioned: datetime


class CloudWatchState(BaseModel):
    alarms: dict[str, MetricAlarm] = Field(default_factory=dict)  # key: the alarm's name
