"""The account suppression list as operational data: list, add, remove, import, export
(docs/compliance.md). Functions take a SesGateway, so every call is rate-limited and retried."""

from reconciler.suppression.entries import Entry, add, entries, remove
from reconciler.suppression.files import read_entries, write_entries

__all__ = ["Entry", "add", "entries", "read_entries", "remove", "write_entries"]
