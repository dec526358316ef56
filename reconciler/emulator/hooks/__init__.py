"""Admin actions that are not SES operations: the hooks tests and local users call through
``POST /_sesctl/admin/<name>`` (registry.admin_action). Kept apart from ``operations/``, which
holds only what SES itself serves; the server imports both packages at start."""
