"""Settings moved to reconciler/settings.py (a core module: aws/, app/ and mcp/ read it).

This name stays only while branches written against it land; nothing in reconciler imports it.
"""

from reconciler.settings import Settings

__all__ = ["Settings"]
