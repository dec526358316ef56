"""What a send reads from SES before its first message, read once per run.

    ready = Preflight.load(gateway, job)                  # GetAccount, GetEmailTemplate, suppression
    preview = SendEngine(gateway, dry_job, preflight=ready).run(rows)
    report = SendEngine(gateway, job, preflight=ready).run(rows)    # no second read

The preview and the send that follows it share one Preflight, so a confirmed send makes one
GetAccount, one GetEmailTemplate per template and one suppression read (see suppression.py),
and sends against exactly what the human was shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.aws.account import AccountStatus
from reconciler.aws.gateway import SesGateway
from reconciler.errors import AwsError, SendError
from reconciler.sending.addresses import is_address
from reconciler.sending.job import SendJob
from reconciler.sending.masking import mask_email
from reconciler.sending.shards import shard_of
from reconciler.sending.suppression import Suppressed, reasons_in_force
from reconciler.templates import TemplateError, compile_template

PARTS = (("subject", "Subject"), ("html", "Html"), ("text", "Text"))


@dataclass(frozen=True)
class CompiledTemplate:
    name: str
    parts: tuple[tuple[str, Any], ...]  # (part name, compiled template), subject first
    sources: tuple[tuple[str, str], ...] = ()  # (part name, source): what ``parts`` compiled

    @classmethod
    def compile(cls, name: str, sources: tuple[tuple[str, str], ...]) -> CompiledTemplate:
        parts = []
        for part, source in sources:
            try:
                parts.append((part, compile_template(source, part=part)))
            except TemplateError as exc:
                raise SendError(f"Template {name} does not compile: {exc}") from None
        return cls(name, tuple(parts), sources)

    def __reduce__(self) -> tuple[Any, ...]:
        # Compiled code does not pickle: a sharded run's processes get the sources the preview
        # rendered with, and compile them again (the same template, not a second read of SES).
        return (CompiledTemplate.compile, (self.name, self.sources))


@dataclass
class Preflight:
    status: AccountStatus
    # The raw GetAccount answer, for the suppression reasons only: an account that states none
    # suppresses SES's defaults (BOUNCE, COMPLAINT) there, where AccountStatus says "none stated".
    account: dict[str, Any]
    templates: dict[str, CompiledTemplate]
    suppressed: Suppressed
    # The account's state as a warning for the report (sandbox, quota spent).
    warnings: list[str] = field(default_factory=list)
    # The sender is not a verified identity: told by a preview, where it can still be fixed.
    sender_warnings: list[str] = field(default_factory=list)

    @property
    def max_send_rate(self) -> float:
        return self.status.quota.max_send_rate

    @property
    def sending_enabled(self) -> bool:
        return self.status.sending_enabled

    @property
    def remaining_quota(self) -> float | None:
        """What is left of the 24-hour quota; None when it is unlimited."""
        return self.status.quota.remaining

    @property
    def max_24_hour_send(self) -> float:
        return self.status.quota.max_24_hour_send or 0.0

    def for_shard(self, shard: int, shards: int) -> Preflight:
        """The same reads for one shard of a sharded run: the suppression snapshot cut to the
        addresses of the shard (the others can never be asked about there)."""
        return replace(self, suppressed=self.suppressed.only(lambda address: shard_of(address, shards) == shard))

    @classmethod
    def load(
        cls,
        gateway: SesGateway,
        job: SendJob,
        *,
        addresses: Sequence[str] | None = None,
        check_sender: bool = True,
    ) -> Preflight:
        """The reads a run of ``job`` needs. ``addresses``: the recipients, when they are known
        and few (the suppression list is then asked about them, not paged)."""
        account = gateway.call("GetAccount")
        ready = cls(
            status=AccountStatus.parse(account),
            account=account,
            templates=_templates(gateway, job),
            suppressed=Suppressed.nothing(),
        )
        ready.warnings.extend(_account_warnings(ready))
        if check_sender:
            ready.sender_warnings.extend(_sender_warnings(gateway, job.from_address))
        if job.check_suppression:
            try:
                reasons = reasons_in_force(gateway, account, job.configuration_set)
            except AwsError as exc:
                if exc.code == "NotFoundException":
                    raise SendError(
                        f"Configuration set {job.configuration_set} does not exist in this account and region.",
                        hint="Create it (sesctl apply), or check the name and --region.",
                    ) from None
                raise
            known = None if addresses is None else [a for a in addresses if is_address(a)]
            ready.suppressed = Suppressed.load(gateway, reasons, known)
        return ready


def _account_warnings(ready: Preflight) -> list[str]:
    warnings = []
    if not ready.status.production_access:
        warnings.append(
            "the account is in the SES sandbox: only verified addresses and the mailbox simulator "
            "can receive (others fail with MESSAGE_REJECTED)"
        )
    remaining = ready.remaining_quota
    if remaining is not None and remaining <= 0:
        warnings.append("the 24-hour sending quota is spent; SES will refuse sends until it frees up")
    return warnings


def _sender_warnings(gateway: SesGateway, from_address: str) -> list[str]:
    """Warn early when the sender is not a verified identity (nor in a verified domain): SES
    would refuse the first call. A warning, not an error: sending authorization from another
    account's identity, or an IAM policy without GetEmailIdentity, is legitimate."""
    address = from_address.rsplit("<", 1)[-1].strip(" >").lower()
    domain = address.rpartition("@")[2]
    labels = domain.split(".")
    # The domain first: it is what most senders verify, so one call usually settles it.
    candidates = [domain, address] + [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
    for identity in candidates:
        try:
            found = gateway.call("GetEmailIdentity", EmailIdentity=identity)
        except AwsError as exc:
            if exc.code == "NotFoundException":
                continue
            return []  # cannot tell (permissions, throttling): SES will say
        if found.get("VerifiedForSendingStatus"):
            return []
    return [
        f"{mask_email(address)} is not a verified identity and no domain of it is verified in this "
        "region: SES will refuse the sends (MessageRejected)"
    ]


def _templates(gateway: SesGateway, job: SendJob) -> dict[str, CompiledTemplate]:
    compiled: dict[str, CompiledTemplate] = {}
    for name in job.template_names():
        if name in compiled:
            continue
        try:
            content = gateway.call("GetEmailTemplate", TemplateName=name)["TemplateContent"]
        except AwsError as exc:
            if exc.code == "NotFoundException":
                raise SendError(
                    f"Template {name} does not exist in this account and region.",
                    hint="Create it (sesctl apply) or check --region / --local.",
                ) from None
            raise
        sources = tuple((part, content[key]) for part, key in PARTS if content.get(key) is not None)
        compiled[name] = CompiledTemplate.compile(name, sources)
    return compiled
