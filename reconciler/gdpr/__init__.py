"""GDPR access and erasure across SES and sesctl's own files (docs/compliance.md).

    report = subject_access(gateway, ["ada@example.com"], sources)        # what is held
    receipt = erase(gateway, ["ada@example.com"], sources, suppression="keep", dry_run=False)
"""

from reconciler.gdpr.erasure import SUPPRESSION_CHOICES, erase
from reconciler.gdpr.sources import Sources
from reconciler.gdpr.subject import subject_access

__all__ = ["SUPPRESSION_CHOICES", "Sources", "erase", "subject_access"]
