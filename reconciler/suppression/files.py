"""Suppression entries in files: CSV (``email,reason``) or JSON Lines, in and out.

A row is refused, with its line, when it has no address, an address sesctl would not send to,
a reason other than BOUNCE or COMPLAINT, or two address columns/keys (the last one would
silently win otherwise).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from reconciler.errors import UsageError
from reconciler.files import read_text
from reconciler.sending.addresses import is_address
from reconciler.sending.masking import mask_email
from reconciler.suppression.entries import REASONS, Entry

ADDRESS_FIELDS = ("email", "address", "emailaddress", "email_address")


def _format(path: Path, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def read_entries(path: Path, default_reason: str | None = None, fmt: str | None = None) -> list[Entry]:
    text = read_text(path, "the suppression file")
    kind = _format(path, fmt)
    rows: list[tuple[int, dict[str, str]]] = []
    if kind == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line, object_pairs_hook=_no_duplicates(path, number))
            except ValueError as exc:
                raise UsageError(f"{path}:{number}: not a JSON object: {exc}") from None
            except RecursionError:
                raise UsageError(f"{path}:{number}: the JSON is nested too deeply") from None
            if not isinstance(data, dict):
                raise UsageError(f"{path}:{number}: not a JSON object")
            rows.append((number, {str(k).lower(): str(v) for k, v in data.items()}))
    else:
        reader = csv.reader(io.StringIO(text))
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            columns = [h for h in header if h in ADDRESS_FIELDS]
            if len(columns) != 1:
                raise UsageError(
                    f"{path}:1: the header needs exactly one address column ({', '.join(ADDRESS_FIELDS)}), "
                    f"found {len(columns)}"
                )
            for values in reader:
                if values:
                    rows.append((reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False))))
        except csv.Error as exc:  # a cell over the csv module's 128 KB, a NUL byte
            raise UsageError(f"{path}:{reader.line_num}: not CSV: {exc}") from None
    found: list[Entry] = []
    for number, row in rows:
        addresses = [row[k] for k in ADDRESS_FIELDS if k in row]
        if len(addresses) != 1 or not addresses[0]:
            raise UsageError(f"{path}:{number}: needs exactly one address field")
        address = addresses[0].strip()
        if not is_address(address):
            raise UsageError(f"{path}:{number}: not an email address: {mask_email(address)}")
        reason = (row.get("reason") or default_reason or "").upper()
        if reason not in REASONS:
            raise UsageError(
                f"{path}:{number}: reason must be BOUNCE or COMPLAINT, not {reason or 'nothing'}",
                hint="Give a reason column, or --reason for rows without one.",
            )
        found.append(Entry(address, reason))
    return found


def _no_duplicates(path: Path, number: int) -> Callable[[list[tuple[str, object]]], dict[str, object]]:
    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k.lower() for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise UsageError(f"{path}:{number}: a key appears twice")
        return dict(pairs)

    return hook


def write_entries(path: Path, items: Iterable[Entry], fmt: str | None = None) -> int:
    """Write ``items`` in full (a migration needs the addresses) to a new 0600 file."""
    kind = _format(path, fmt)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} exists", hint="Choose another --out, or remove it first.") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    count = 0
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if kind == "csv" else None
        if writer is not None:
            writer.writerow(["email", "reason", "last_update_time"])
        for entry in items:
            stamp = entry.last_update.isoformat() if entry.last_update else ""
            if writer is not None:
                writer.writerow([entry.address, entry.reason, stamp])
            else:
                handle.write(json.dumps({"email": entry.address, "reason": entry.reason, "last_update_time": stamp}) + "\n")
            count += 1
    return count


__all__ = ["read_entries", "write_entries"]
