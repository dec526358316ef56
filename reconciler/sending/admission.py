"""Admission: which rows may be sent, decided locally before SES sees any of them.

For each recipient, in file order: skip it if a previous session of the checkpoint finished
it; refuse a malformed address (addresses.py); skip a later row with an address an earlier
row has (dedupe.py); skip it if the account suppression list holds it; pick its A/B variant;
merge its data into the campaign defaults (SES's bulk rule) and render the template locally,
refusing it with the missing variable named (so no Rendering Failure ever reaches SES) or when
the rendered subject holds a line break (a header injection from the data).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.sending.addresses import address_problem, has_line_break
from reconciler.sending.dedupe import SeenAddresses
from reconciler.sending.job import SendJob, tag_is_valid
from reconciler.sending.masking import mask_email
from reconciler.sending.preflight import Preflight
from reconciler.sending.recipients import Recipient
from reconciler.sending.report import Problem, SendReport
from reconciler.sending.tags import CAMPAIGN_TAG, IDEMPOTENCY_TAG, VARIANT_TAG, idempotency_value
from reconciler.sending.variants import Variant, assign, held_out
from reconciler.templates import RenderError, TemplateError, merge_template_data

log = logging.getLogger("reconciler.sending")

MAX_TEMPLATE_DATA = 262_144
# Deeper data is refused per row: no template reads that deep, and JSON parsers (SES's, the
# emulator's, Python's) give up near 1,000 levels, which would fail a whole batch. The same
# bound as the YAML/JSON reader of --data and manifests.
MAX_DATA_DEPTH = 200


@dataclass
class Entry:
    """An admitted row, on its way to SES (``attempts`` and ``not_before`` drive its retries)."""

    recipient: Recipient
    variant: Variant
    data_json: str
    tags: dict[str, str]
    headers: tuple[tuple[str, str], ...] = ()
    attempts: int = 0
    not_before: float = 0.0


def data_depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (iterative: the value may be hostile)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DATA_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


class Admission:
    def __init__(
        self,
        job: SendJob,
        ready: Preflight,
        report: SendReport,
        *,
        run_id: str,
        done: Container[int] = (),
        settled: Container[int] = (),
    ) -> None:
        self.job = job
        self.ready = ready
        self.report = report
        self.run_id = run_id
        self.done = done  # rows a previous session of the checkpoint finished
        self.settled = settled  # in-doubt rows settled at the start of this session
        self.seen = SeenAddresses()  # distinct addresses so far: later rows with one are duplicates

    def admit(self, recipient: Recipient) -> Entry | None:
        """The row as an Entry to send, or None (counted in the report: done, skipped, refused)."""
        report = self.report
        report.rows += 1
        address = recipient.email
        problem = address_problem(address)
        # Recorded before anything else decides the row, so a resumed run finds the same
        # duplicates (the first row with an address is the one sent) whatever is done already.
        first = self.seen.add(address) if problem is None else True
        if recipient.row in self.settled:
            return None
        if recipient.row in self.done:
            report.already_done += 1
            return None
        if problem is not None:
            return self.refuse(recipient, "invalid", f"malformed email address: {problem}")
        if not first:
            report.skipped_duplicate += 1
            masked = mask_email(address)
            report.note(
                Problem(recipient.row, recipient.line, masked, "duplicate address (an earlier row has it): skipped")
            )
            log.info("row %d %s: skipped, duplicate of an earlier row", recipient.row, masked)
            return None
        if address in self.ready.suppressed:
            report.skipped_suppressed += 1
            log.info("row %d %s: skipped, on the account suppression list", recipient.row, mask_email(address))
            return None
        return self._checked(recipient)

    def _checked(self, recipient: Recipient) -> Entry | None:
        if data_depth(recipient.data) > MAX_DATA_DEPTH:
            return self.refuse(recipient, "invalid", f"template data nested more than {MAX_DATA_DEPTH} levels deep")
        if held_out(recipient.email, self.job.holdout_percent):
            self.report.held_out += 1
            return None
        variant = assign(recipient.email, self.job.variants) if self.job.variants else self.job.arms()[0]
        data = merge_template_data(dict(self.job.default_data), recipient.data)
        if self.job.locale_field is not None:
            template = self.job.template_for(variant.template, data.get(self.job.locale_field))
            variant = replace(variant, template=template)
        reason = self._render_problem(variant, data)
        if reason is not None:
            return self.refuse(recipient, reason[0], reason[1])
        headers: list[tuple[str, str]] = []
        for header in self.job.headers:
            try:
                headers.append((header.name, header.render(data)))
            except RenderError as exc:
                return self.refuse(recipient, "render", f"missing variable '{exc.variable}' (header {header.name})")
            except ReconcilerError as exc:
                return self.refuse(recipient, "invalid", str(exc))
        data_json = json.dumps(data, separators=(",", ":"))
        if len(data_json) > MAX_TEMPLATE_DATA:
            return self.refuse(recipient, "invalid", f"template data is {len(data_json)} characters (max 262,144)")
        for name, value in recipient.tags.items():
            if not tag_is_valid(name, value):
                return self.refuse(recipient, "invalid", f"invalid tag {name}={value}")
        tags = {**self.job.default_tags, **recipient.tags}
        if self.job.variants:
            tags[VARIANT_TAG] = variant.name
        tags[CAMPAIGN_TAG] = self.run_id
        tags[IDEMPOTENCY_TAG] = idempotency_value(self.run_id, recipient.row)
        if self.job.dry_run:
            self.report.sent += 1
            self.report.by_variant[variant.name or "-"] += 1
            return None
        return Entry(recipient, variant, data_json, tags, tuple(headers))

    def _render_problem(self, variant: Variant, data: dict[str, Any]) -> tuple[str, str] | None:
        try:
            for part, compiled in self.ready.templates[variant.template].parts:
                rendered = compiled.render(data)
                if part == "subject" and has_line_break(rendered):
                    # The data would write a header line of its own (a "\r\nBcc: ..." injection).
                    return "invalid", "the rendered subject contains a line break (from the data)"
        except RenderError as exc:
            where = f"{exc.part} line {exc.line}" if exc.part else "template"
            return "render", f"missing variable '{exc.variable}' ({variant.template}: {where})"
        except TemplateError as exc:
            return "render", f"cannot render {variant.template}: {exc}"
        return None

    def refuse(self, recipient: Recipient, kind: str, reason: str) -> Entry | None:
        """Count ``recipient`` refused (``kind`` "render" or "invalid"); None, to return as its entry."""
        masked = mask_email(recipient.email)
        if kind == "render":
            self.report.refused_render += 1
        else:
            self.report.refused_invalid += 1
        self.report.note(Problem(recipient.row, recipient.line, masked, reason))
        log.info("row %d %s: refused: %s", recipient.row, masked, reason)
        return None
