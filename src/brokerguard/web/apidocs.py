"""``/docs``: Swagger UI for the JSON API, served from ``/static/swagger`` (no CDN).

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline
script; the Content-Security-Policy (``script-src 'self'``) blocks both, so the
page would stay blank. This one uses the vendored bundle and ``init.js``.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/init.js"></script>
</body>
</html>
"""


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    return HTMLResponse(
        PAGE.format(title=escape(app.title), openapi_url=escape(app.openapi_url or ""))
    )


@router.get("/openapi.json")
def openapi_document(request: Request) -> JSONResponse:
    """The same document as ``/api/v1/openapi.json``, where tools look for it first."""
    return JSONResponse(request.app.openapi())
