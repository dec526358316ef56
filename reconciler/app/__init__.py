"""Use cases: what sesctl does, one module each, called by the adapters (cli/, mcp/, github/).

    connect.py   one way to reach AWS: root flags over a sesctl.yaml environment
    plan.py      load, validate, read live SES, build the plan (nothing changes)
    apply.py     plan or take a saved plan (refused when stale), confirm, apply
    import_.py   write manifests from live SES; --adopt tags what was unowned
    quota.py     the account's sending quota and status
    drift.py     a full plan as data, for the MCP server's get_drift
    send.py      preflight, preview, confirm, run a campaign (the sending engine)

A use case takes Settings (reconciler.settings) and a request, and returns data; it never
prints. Asking the user is a callback the adapter passes in (``confirm``).
"""
