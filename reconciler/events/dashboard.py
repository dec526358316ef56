"""The live dashboard: the report's page, refreshing itself, and a small read-only JSON API with
its OpenAPI document, served on 127.0.0.1 (Starlette and uvicorn come with the MCP SDK).

    GET /                 the report for the last ?since= (default 7d), refreshing every 30 s
    GET /api/status       what the store holds (StoreStatus)
    GET /api/analytics    ?since&until&group_by&tag&filter=NAME=VALUE (repeatable) -> Analytics
    GET /api/alerts       ?since&until&filter -> Alerts (the default thresholds)
    GET /openapi.json     the OpenAPI 3.1 document of the above

Every request opens the store read-only: the dashboard never writes, and runs beside consumers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from reconciler import __version__
from reconciler.errors import ReconcilerError
from reconciler.events.alerts import Thresholds, evaluate
from reconciler.events.analytics import GROUPS, Query, store_analytics
from reconciler.events.report import build_report
from reconciler.events.store import EventStore
from reconciler.events.timerange import parse_moment

REFRESH_SECONDS = 30

_ROW = {
    "type": "object",
    "required": ["key", "counts", "rates"],
    "properties": {
        "key": {"type": "string"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "rates": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
    },
}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_WINDOW = [
    {
        "name": "since",
        "in": "query",
        "schema": {"type": "string", "default": "7d"},
        "description": "2026-11-28, 24h, 7d",
    },
    {"name": "until", "in": "query", "schema": {"type": "string", "default": "now"}},
    {
        "name": "filter",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string", "pattern": "^[^=]+=.*$"}},
        "style": "form",
        "explode": True,
        "description": "NAME=VALUE: only events with this tag",
    },
]
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "sesctl dashboard", "version": __version__},
    "paths": {
        "/api/status": {
            "get": {
                "summary": "What the event store holds",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/StoreStatus"}}
                        },
                    }
                },
            }
        },
        "/api/analytics": {
            "get": {
                "summary": "Counts and rates from the event store",
                "parameters": [
                    *_WINDOW,
                    {
                        "name": "group_by",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(GROUPS), "default": "day"},
                    },
                    {"name": "tag", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Analytics"}}
                        },
                    },
                    "400": {
                        "description": "bad query",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
        "/api/alerts": {
            "get": {
                "summary": "The default alert thresholds evaluated over the window",
                "parameters": _WINDOW,
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alerts"}}},
                    },
                    "400": {
                        "description": "bad query",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": _ERROR,
            "Row": _ROW,
            "Analytics": {
                "type": "object",
                "required": [
                    "source",
                    "start",
                    "end",
                    "group_by",
                    "rows",
                    "totals",
                    "bounce_reasons",
                    "warnings",
                ],
                "properties": {
                    "source": {"const": "store"},
                    "start": {"type": "string"},
                    "end": {"type": "string"},
                    "group_by": {"type": "string"},
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    "totals": {"$ref": "#/components/schemas/Row"},
                    "bounce_reasons": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["bounce_type", "bounce_subtype", "status", "count", "example"],
                            "properties": {
                                "bounce_type": {"type": ["string", "null"]},
                                "bounce_subtype": {"type": ["string", "null"]},
                                "status": {"type": ["string", "null"]},
                                "count": {"type": "integer"},
                                "example": {"type": ["string", "null"]},
                            },
                        },
                    },
                    "series_read": {"type": "integer"},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Alerts": {
                "type": "object",
                "required": ["fired", "start", "end", "alerts"],
                "properties": {
                    "fired": {"type": "boolean"},
                    "start": {"type": "string"},
                    "end": {"type": "string"},
                    "alerts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "fired", "value", "threshold", "message"],
                            "properties": {
                                "name": {"type": "string"},
                                "fired": {"type": "boolean"},
                                "value": {"type": ["number", "null"]},
                                "threshold": {"type": ["number", "null"]},
                                "message": {"type": "string"},
                                "policy": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
            "StoreStatus": {
                "type": "object",
                "required": ["store", "schema_version", "events", "by_type", "quarantined"],
                "properties": {
                    "store": {"type": "string"},
                    "schema_version": {"type": "integer"},
                    "events": {"type": "integer"},
                    "by_type": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "first_event": {"type": ["integer", "null"]},
                    "last_event": {"type": ["integer", "null"]},
                    "quarantined": {"type": "integer"},
                    "last_batch": {"type": ["object", "null"]},
                },
            },
        }
    },
}


def _window(request: Request, default_since: str = "7d") -> tuple[datetime, datetime, dict[str, str]]:
    now = datetime.now(UTC)
    start = parse_moment(request.query_params.get("since", default_since), "since", now)
    end = parse_moment(request.query_params.get("until", "now"), "until", now)
    filters: dict[str, str] = {}
    for item in request.query_params.getlist("filter"):
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"filter {item!r}: expected NAME=VALUE")
        filters[name] = value
    return start, end, filters


def create_app(store_path: Path) -> Starlette:
    def store() -> EventStore:
        return EventStore.open(store_path, readonly=True)

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return handler(request)  # type: ignore[no-any-return]
            except (ReconcilerError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)

        return endpoint

    def page(request: Request) -> Response:
        start, end, filters = _window(request)
        with store() as opened:
            html = build_report(
                opened, start, end, tag=request.query_params.get("tag", "campaign"), filters=filters
            )
        refresh = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        return HTMLResponse(html.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + refresh, 1))

    def status(request: Request) -> Response:
        with store() as opened:
            return JSONResponse(opened.status())

    def analytics(request: Request) -> Response:
        start, end, filters = _window(request)
        query = Query(
            start=start,
            end=end,
            group_by=request.query_params.get("group_by", "day"),
            tag=request.query_params.get("tag"),
            filters=filters,
        )
        with store() as opened:
            return JSONResponse(store_analytics(opened, query).to_dict())

    def alerts(request: Request) -> Response:
        start, end, filters = _window(request, "24h")
        with store() as opened:
            result = store_analytics(
                opened, Query(start=start, end=end, group_by="total", filters=filters), reasons=0
            )
        fired = evaluate(result, Thresholds())
        return JSONResponse(
            {
                "fired": any(a.fired for a in fired),
                "start": result.start,
                "end": result.end,
                "alerts": [a.to_dict() for a in fired],
            }
        )

    def openapi(request: Request) -> Response:
        return Response(json.dumps(OPENAPI), media_type="application/json")

    return Starlette(
        routes=[
            Route("/", guarded(page)),
            Route("/api/status", guarded(status)),
            Route("/api/analytics", guarded(analytics)),
            Route("/api/alerts", guarded(alerts)),
            Route("/openapi.json", guarded(openapi)),
        ]
    )
