"""The operation table.

Each operation group module in ``operations/`` registers handlers with ``@operation("Name")``,
where Name is the botocore sesv2 operation name. A handler takes the request context and the
input members already parsed by the router (PascalCase keys exactly as in the service model,
from URI, query string and JSON body; ints, bools and timestamps converted) and returns the
output members (PascalCase; datetime values allowed, the router serializes them). It raises
``reconciler.emulator.errors.SesApiError`` subclasses for SES's errors.

Before a handler runs, the router has already answered BadRequestException for what the model
states: missing required members (nested ones too), wrong JSON types, enum values, min/max
lengths and ranges, and the model's patterns. Blobs arrive as bytes; members the model does not
define are dropped. Handlers check what the model does not say (name rules, SES's limits,
references). Results may hold only the output shape's members: strict mode (the test fixtures)
answers anything else with HTTP 500 and fails the test.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from reconciler.emulator.errors import BadRequestException

if TYPE_CHECKING:
    from reconciler.emulator.state import SesState

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass
class OperationContext:
    state: SesState  # the SES state of the request's region
    region: str
    account_id: str = "123456789012"
    # Hooks the server provides (event publishing to moto's services, the clock); handlers
    # must work with the defaults too.
    services: Any = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Another region's state (a DEED replica reads its parent identity there); None: this
    # region is the only one (handlers called without a server).
    regions: Callable[[str], SesState] | None = None

    def now(self) -> datetime:
        return self.clock()

    def region_state(self, region: str) -> SesState | None:
        """The SES state of ``region`` (this request's own when it is ``region``)."""
        if region == self.region:
            return self.state
        return self.regions(region) if self.regions is not None else None

    def arn(self, resource: str) -> str:
        return f"arn:aws:ses:{self.region}:{self.account_id}:{resource}"


Handler = Callable[[OperationContext, Params], Result]

OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in OPERATIONS:
            raise RuntimeError(f"operation {name} registered twice")
        OPERATIONS[name] = handler
        return handler

    return register


# Test and operator hooks that are not SES operations (flip an identity's verification status,
# trigger an Open or Click event, set the account's quotas). Served by the server at
# POST /_sesctl/admin/<name> with a JSON body of keyword arguments; reconciler.testing calls them
# as ``emu.admin(name, **kwargs)``. Signature: ``action(ctx: OperationContext, **kwargs) -> Any``
# where ctx is for the region in the optional "region" key (removed before the call; default
# us-east-1). It runs under the emulator's lock, the state is saved after it, and its result is
# sent back as JSON {"result": ...} (datetimes as ISO 8601, pydantic models dumped). Raise
# SesApiError for bad arguments; an argument that is missing, unknown or not of the annotated
# type answers BadRequestException naming it (admin_arguments), before the action runs.
AdminAction = Callable[..., Any]

ADMIN_ACTIONS: dict[str, AdminAction] = {}


def admin_action(name: str) -> Callable[[AdminAction], AdminAction]:
    def register(fn: AdminAction) -> AdminAction:
        if name in ADMIN_ACTIONS:
            raise RuntimeError(f"admin action {name} registered twice")
        ADMIN_ACTIONS[name] = fn
        return fn

    return register


@cache
def _arguments_model(name: str) -> type[BaseModel]:
    """A model of admin action ``name``'s keyword arguments, from its annotations."""
    action = ADMIN_ACTIONS[name]
    try:
        hints = get_type_hints(action)
    except (NameError, TypeError):
        hints = {}
    fields: dict[str, Any] = {}
    for parameter in list(inspect.signature(action).parameters.values())[1:]:  # after ctx
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (hints.get(parameter.name, Any), default)
    model: type[BaseModel] = create_model(
        f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def admin_arguments(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` checked against admin action ``name``'s signature: a missing, unknown or
    mistyped argument answers BadRequestException naming it (never a 500 from deep inside)."""
    try:
        validated = _arguments_model(name).model_validate(kwargs)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise BadRequestException(f"Admin action {name}: {where}: {first['msg']}") from None
    return {key: getattr(validated, key) for key in kwargs}
