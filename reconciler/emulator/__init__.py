"""The local SES v2 emulator: our own SES v2 backend, served beside moto's other services.

Layout:
    errors.py        SES's error codes as exceptions (code + HTTP status)
    registry.py      the operation table: SES v2 operation name -> handler
    state.py         the typed, persisted SES state (one SesState per region)
    operations/      one module per operation group; each registers its handlers
    router.py        HTTP <-> handler, driven by botocore's sesv2 service model
    server.py        the WSGI app (SES v2 + moto) and the threaded HTTP server
    local.py         `--local`: an embedded server over .sesctl/ state
    persistence.py   the state file: atomic saves, one writer (fcntl lock)
    faults.py        optional throttling (token buckets) and fault injection
    coverage.py      generates docs/emulator-coverage.md
"""
