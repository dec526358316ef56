"""What a send run is asked to do (SendJob), checked before anything is read or sent."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import SendError
from reconciler.sending.addresses import has_line_break
from reconciler.sending.checkpoint import Journal
from reconciler.sending.headers import HeaderTemplate
from reconciler.sending.list_management import ListManagement
from reconciler.sending.shards import MAX_PROCESSES, check_layout, journal_path
from reconciler.sending.variants import Variant, check_variants

MAX_BATCH = 50  # SendBulkEmail's limit
# Below one recipient every 17 minutes a campaign is a hang, and a rate such as 1e-300 made
# the pacing sleep overflow after the first batch was sent.
MIN_RATE = 0.001
IN_DOUBT_POLICIES = ("fail", "resend", "skip")
_TAG = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_-]{0,256}$")


LOCALE_SEPARATOR = "--"  # as reconciler/kinds/specs/email_template.py names locale templates


def localized(base: str, locale: str) -> str:
    return f"{base}{LOCALE_SEPARATOR}{locale}"


@dataclass(frozen=True)
class SendJob:
    """What to send. Exactly one of ``template`` and ``variants``."""

    from_address: str
    template: str | None = None
    variants: tuple[Variant, ...] = ()
    configuration_set: str | None = None
    default_data: Mapping[str, Any] = field(default_factory=dict)
    default_tags: Mapping[str, str] = field(default_factory=dict)
    reply_to: tuple[str, ...] = ()
    dry_run: bool = False
    checkpoint: Path | None = None
    in_doubt: str = "fail"  # what to do with in-doubt rows when no resolver can decide them
    resume: bool = False  # go on with a checkpoint whose last session the circuit breaker paused
    max_attempts: int = 6
    retry_base: float = 0.25  # seconds; retry n waits uniform(0, min(10, retry_base * 2**n))
    rate_limit: float | None = None  # recipients/s; never above the account's MaxSendRate
    # SendBulkEmail calls in flight at once; None: one per 250 recipients/s of MaxSendRate
    # (1 up to 250/s, at most 8), so round trips do not cap high send rates.
    concurrency: int | None = None
    check_suppression: bool = True
    # Localized templates (docs/template-lifecycle.md): the recipient data field naming each
    # recipient's locale, and per base template the locales it has (SES name <base>--<locale>).
    locale_field: str | None = None
    locales: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Custom headers rendered per recipient (sending/headers.py), e.g. List-Unsubscribe.
    headers: tuple[HeaderTemplate, ...] = ()
    # An experiment's holdout: percent of recipients sent nothing (variants.held_out).
    holdout_percent: float = 0.0
    # SES's list management (sending/list_management.py): one SendEmail per recipient.
    list_management: ListManagement | None = None
    # Processes the campaign is sharded across (shards.py), and the one shard this engine sends
    # (None: every row; a sharded run's preview, or a run of one process).
    processes: int = 1
    shard: int | None = None

    def journal_path(self) -> Path | None:
        """The journal this engine writes: the checkpoint itself for one process, its shard's
        file beside it for a shard; None without a checkpoint, and for a sharded run as a whole
        (its manifest is written by the use case that starts the shards)."""
        if self.checkpoint is None:
            return None
        if self.processes == 1:
            return self.checkpoint
        if self.shard is None:
            return None
        return journal_path(self.checkpoint, self.shard, self.processes)

    def arms(self) -> tuple[Variant, ...]:
        if self.variants:
            return self.variants
        assert self.template is not None
        return (Variant("", self.template, 1),)

    def template_names(self) -> tuple[str, ...]:
        """Every SES template this job may send: each arm's, and their locales'."""
        names: list[str] = []
        for variant in self.arms():
            names.append(variant.template)
            names += [localized(variant.template, locale) for locale in self.locales.get(variant.template, ())]
        return tuple(dict.fromkeys(names))

    def template_for(self, base: str, locale: object) -> str:
        """The template a recipient whose locale is ``locale`` gets: the exact locale, else its
        language (fr-CA -> fr), else the base template."""
        available = {tag.lower(): tag for tag in self.locales.get(base, ())}
        if not isinstance(locale, str) or not available:
            return base
        wanted = locale.strip().replace("_", "-").lower()
        while wanted:
            if wanted in available:
                return localized(base, available[wanted])
            wanted = wanted.rpartition("-")[0]
        return base

    def validate(self) -> None:
        if bool(self.template) == bool(self.variants):
            raise SendError("Give either a template or variants (not both, not neither).")
        check_variants(self.variants)
        for address in (self.from_address, *self.reply_to):
            if has_line_break(address) or not address.strip():
                raise SendError(
                    f"Invalid sender address {address!r}: one address, optionally with a display name, "
                    "on one line (a line break would add headers)."
                )
        if self.in_doubt not in IN_DOUBT_POLICIES:
            raise SendError(f"in_doubt must be one of {', '.join(IN_DOUBT_POLICIES)}, got {self.in_doubt!r}")
        if self.rate_limit is not None and not (math.isfinite(self.rate_limit) and self.rate_limit >= MIN_RATE):
            raise SendError(
                f"The send rate (--rate) must be at least {MIN_RATE} recipients per second (one every "
                f"{1 / MIN_RATE / 60:.0f} minutes), got {self.rate_limit}."
            )
        if not (math.isfinite(self.holdout_percent) and 0 <= self.holdout_percent <= 50):
            raise SendError(f"The holdout must be between 0 and 50 percent, got {self.holdout_percent}.")
        if self.max_attempts < 1:
            raise SendError("max_attempts must be at least 1")
        if self.concurrency is not None and not 1 <= self.concurrency <= 32:
            raise SendError("concurrency must be between 1 and 32")
        for name, value in self.default_tags.items():
            check_tag(name, value)
        if self.list_management is not None:
            self.list_management.validate()
        if not 1 <= self.processes <= MAX_PROCESSES:
            raise SendError(f"processes must be between 1 and {MAX_PROCESSES}, got {self.processes}")
        if self.shard is not None and not 0 <= self.shard < self.processes:
            raise SendError(f"shard {self.shard} is not one of the {self.processes} shards")
        if self.checkpoint is not None:
            Journal(self.checkpoint).check_location()
            check_layout(self.checkpoint, self.processes)
        if self.resume and (self.checkpoint is None or not self.checkpoint.is_file()):
            raise SendError(
                "--resume continues a campaign from its checkpoint: "
                + ("give --checkpoint FILE." if self.checkpoint is None else f"{self.checkpoint} does not exist."),
                hint="Pass the --checkpoint of the run to resume (a new campaign needs no --resume).",
            )

    def header(self) -> dict[str, Any]:
        """What a checkpoint must agree on to be resumed by this job."""
        header: dict[str, Any] = {
            "from": self.from_address,
            "variants": [[v.name, v.template, v.weight] for v in self.arms()],
            "configuration_set": self.configuration_set,
        }
        if self.holdout_percent:  # only when set: checkpoints written before it stay resumable
            header["holdout_percent"] = self.holdout_percent
        return header


def tag_is_valid(name: str, value: str) -> bool:
    return bool(_TAG.match(name) and _TAG_VALUE.match(value))


def check_tag(name: str, value: str) -> None:
    if not tag_is_valid(name, value):
        raise SendError(
            f"Invalid message tag {name}={value}: names and values use ASCII letters, digits, '_' and '-' (max 256)."
        )


def batch_size_for(rate: float) -> int:
    """Entries per call: 50, or half a second's worth of MaxSendRate when that is smaller, so
    one call never needs more than the account's one-second burst (SES's bucket)."""
    return max(1, min(MAX_BATCH, int(rate // 2)))
