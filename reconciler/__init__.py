"""sesctl: Amazon SES v2 the GitOps way.

The import package is ``reconciler``; the console command is ``sesctl``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
