"""The local SES v2 emulator: our own SES v2 backend, served beside moto's other services.

Layout:
    errors.py        SES's error codes as exceptions (code + HTTP status)
    registry.py      the operation table: SES v2 operation name -> handler
    state.py         the typed, persisted SES state (one SesState per region)
    operations/      one module per operation group; each registers its handlers
    hooks/           admin actions that are not SES operations (sent messages, open/click, ...)
    router.py        HTTP <-> handler, driven by botocore's sesv2 service model
    server.py        the WSGI app (SES v2 + moto) and the threaded HTTP server
    request_guard.py what is refused before a handler runs (DNS rebinding, cross-site, bad bodies)
    local.py         `--local`: an embedded server over .sesctl/ state
    admin_client.py  the one client of the admin API (/_sesctl/...), standard library only
    persistence.py   the state file: atomic saves, one writer (fcntl lock)
    faults.py        optional throttling (token buckets) and fault injection
    coverage.py      generates docs/emulator-coverage.md
"""
