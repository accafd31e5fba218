"""Serve the dashboard: ``/`` is its page, ``/static/...`` its scripts, styles and vendored library.

The page is static: it reads the venue over the server's own REST and WebSocket paths, so this
module only mounts files; nothing here touches the engine.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(str(files("liquidator.web") / "static"))
CHART_LIBRARY = STATIC / "vendor" / "lightweight-charts.standalone.production.js"
HEADERS = {
    "Cache-Control": "no-cache",
    # no third party, ever: the page works offline and cannot leak keys to another origin
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


def mount(app: FastAPI) -> None:
    """Add the dashboard's page at ``/`` and its files at ``/static``."""

    async def dashboard(request: Request) -> FileResponse:  # noqa: ARG001
        return FileResponse(STATIC / "index.html", headers=HEADERS)

    app.add_api_route("/", dashboard, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def chart_library() -> str:
    """Return the vendored chart library's source, for pages that inline it."""
    return CHART_LIBRARY.read_text(encoding="utf-8")
