"""BatchGetMetricData: VDM's metrics, computed by vdm.py from what the emulator sent and the
events it published."""

from __future__ import annotations

from reconciler.emulator import vdm
from reconciler.emulator.registry import OperationContext, Params, Result, operation


@operation("BatchGetMetricData")
def batch_get_metric_data(ctx: OperationContext, params: Params) -> Result:
    return vdm.answer(ctx, params["Queries"])
