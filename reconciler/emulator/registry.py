"""The operation table.

Each operation group module in ``operations/`` registers handlers with ``@operation("Name")``,
where Name is the botocore sesv2 operation name. A handler takes the request context and the
input members already parsed by the router (PascalCase keys exactly as in the service model,
from URI, query string and JSON body; ints, bools and timestamps converted) and returns the
output members (PascalCase; datetime values allowed, the router serializes them). It raises
``reconciler.emulator.errors.SesApiError`` subclasses for SES's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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

    def now(self) -> datetime:
        return self.clock()

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
# POST /_sesctl/admin/<name> with a JSON body of keyword arguments; reconciler.testing calls them.
AdminAction = Callable[..., Any]

ADMIN_ACTIONS: dict[str, AdminAction] = {}


def admin_action(name: str) -> Callable[[AdminAction], AdminAction]:
    def register(fn: AdminAction) -> AdminAction:
        if name in ADMIN_ACTIONS:
            raise RuntimeError(f"admin action {name} registered twice")
        ADMIN_ACTIONS[name] = fn
        return fn

    return register
