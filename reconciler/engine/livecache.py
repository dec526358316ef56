"""The live cache: fingerprints of live objects as last seen, so a plan with a refresh budget
re-reads the stalest objects and takes the rest from here (docs/drift.md).

    cache = LiveCache.load(root / CACHE_DIR, CacheKey("web", "production", "1234", "eu-west-1", ""))
    cache.entry("EmailTemplate/welcome")     # Entry(fingerprint, owner, read_at, by) or None
    cache.record("EmailTemplate/welcome", "sha256:...", "web", time.time(), by="read")
    cache.save()

One JSON file per stack, environment, account, region and endpoint, under ``.sesctl/live-cache/``
of the project. An entry says "at ``read_at`` (wall clock) the object had this fingerprint and
owner"; ``by`` is ``read`` (a plan read it) or ``apply`` (our apply made it so). Invalidation:

- a file of another ``schema`` version, or for another key (account, region, environment,
  stack, endpoint), or that cannot be parsed, is ignored whole (``reset`` says why);
- an entry older than ``ttl`` is treated as never read;
- our own apply writes what it made (``by: apply``) and forgets what it deleted or failed to
  change; a plan forgets objects it found gone.

The cache only decides what to read first. No change is ever computed from it: an object it
says is in sync is left unread (reported as such, with its age), an object it says differs is
read before any other, so no cache content, stale or hostile, can make apply write anything.
Two runs at once each rewrite the file atomically, keeping per address the newer observation.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 1
CACHE_DIR = Path(".sesctl") / "live-cache"
DEFAULT_TTL = 7 * 24 * 3600.0  # seconds: older entries count as never read
FUTURE_SLACK = 300.0  # seconds an entry may seem to come from the future (clocks differ)
READ = "read"
APPLY = "apply"


@dataclass(frozen=True)
class CacheKey:
    stack: str
    environment: str
    account: str
    region: str
    endpoint: str = ""  # empty for AWS itself; an emulator's URL otherwise

    def as_dict(self) -> dict[str, str]:
        return {
            "stack": self.stack,
            "environment": self.environment,
            "account": self.account,
            "region": self.region,
            "endpoint": self.endpoint,
        }

    @property
    def prefix(self) -> str:
        """The start of the file name: enough to tell whether a stack/environment has a cache
        without asking AWS for the account."""
        return f"{_safe(self.stack)}--{_safe(self.environment or 'default')}--"

    @property
    def filename(self) -> str:
        digest = hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:12]
        return f"{self.prefix}{_safe(self.account)}--{_safe(self.region)}--{digest}.json"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    owner: str | None
    read_at: float  # seconds since the epoch
    by: str = READ


@dataclass
class LiveCache:
    path: Path
    key: CacheKey
    ttl: float = DEFAULT_TTL
    entries: dict[str, Entry] = field(default_factory=dict)
    reset: str = ""  # why an existing file was not used ("" when it was, or there was none)
    _touched: dict[str, float] = field(default_factory=dict)  # address -> when we changed it

    @classmethod
    def load(cls, directory: Path, key: CacheKey, *, ttl: float = DEFAULT_TTL) -> LiveCache:
        cache = cls(directory / key.filename, key, ttl)
        entries, reset = _read(cache.path, key)
        cache.entries, cache.reset = entries, reset
        return cache

    @staticmethod
    def exists_for(directory: Path, stack: str, environment: str) -> bool:
        """Whether any cache file of this stack and environment is there (any account/region)."""
        prefix = CacheKey(stack, environment, "", "").prefix
        try:
            return any(p.name.startswith(prefix) for p in directory.iterdir())
        except OSError:
            return False

    def entry(self, address: str, now: float | None = None) -> Entry | None:
        """The entry of ``address``, or None when there is none or it is older than the TTL."""
        found = self.entries.get(address)
        if found is None:
            return None
        age = (time.time() if now is None else now) - found.read_at
        # Too old, or stamped in the future (a clock gone wrong, an edited file): never read.
        if age > self.ttl or age < -FUTURE_SLACK:
            return None
        return found

    def record(self, address: str, fingerprint: str, owner: str | None, when: float, by: str = READ) -> None:
        self.entries[address] = Entry(fingerprint, owner, when, by)
        self._touched[address] = when

    def forget(self, address: str, when: float) -> None:
        self.entries.pop(address, None)
        self._touched[address] = when

    def save(self) -> None:
        """Write the file atomically, merged with what another run may have written meanwhile:
        per address the newer observation wins. Failing to write is not an error of the plan
        (the next run reads more): it is left to the caller to say so."""
        on_disk, _ = _read(self.path, self.key)
        merged = dict(on_disk)
        for address, when in self._touched.items():
            theirs = on_disk.get(address)
            if theirs is not None and theirs.read_at > when:
                continue  # another run saw it later than we did
            mine = self.entries.get(address)
            if mine is None:
                merged.pop(address, None)
            else:
                merged[address] = mine
        for address, mine in self.entries.items():
            if address not in self._touched and address not in merged:
                merged[address] = mine
        self.entries = merged
        data = {
            "schema": SCHEMA,
            "key": self.key.as_dict(),
            "entries": {
                address: {"fingerprint": e.fingerprint, "owner": e.owner, "read_at": e.read_at, "by": e.by}
                for address, e in sorted(merged.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, sort_keys=True, separators=(",", ":"))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _read(path: Path, key: CacheKey) -> tuple[dict[str, Entry], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except (OSError, UnicodeDecodeError) as exc:
        return {}, f"cannot read {path}: {exc}"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return {}, f"{path} is not JSON"
    if not isinstance(data, dict):
        return {}, f"{path} is not a live cache"
    if data.get("schema") != SCHEMA:
        return {}, f"{path} has schema {data.get('schema')!r}, this sesctl writes {SCHEMA}"
    if data.get("key") != key.as_dict():
        return {}, f"{path} is for another account, region, stack or environment"
    raw = data.get("entries")
    if not isinstance(raw, dict):
        return {}, f"{path} has no entries object"
    entries: dict[str, Entry] = {}
    for address, item in raw.items():
        entry = _entry(item)
        if entry is None:
            return {}, f"{path}: entry {address!r} is malformed"
        entries[str(address)] = entry
    return entries, ""


def _entry(item: Any) -> Entry | None:
    if not isinstance(item, Mapping):
        return None
    fingerprint, owner, read_at, by = item.get("fingerprint"), item.get("owner"), item.get("read_at"), item.get("by")
    if not isinstance(fingerprint, str) or not (owner is None or isinstance(owner, str)):
        return None
    if isinstance(read_at, bool) or not isinstance(read_at, int | float) or not math.isfinite(read_at):
        return None
    if by not in (READ, APPLY):
        return None
    return Entry(fingerprint, owner, float(read_at), by)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:60] or "_"


__all__ = ["APPLY", "CACHE_DIR", "DEFAULT_TTL", "READ", "SCHEMA", "CacheKey", "Entry", "LiveCache"]
