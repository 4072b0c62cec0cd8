"""The dashboard: one HTML page and its script, served by the API app at ``/``.

The page asks for an API key once (kept in the browser's local storage), then
reads everything through the same ``/v1`` API a script would use, so it shows
exactly what the key is entitled to. Charts are drawn with Plotly served from the
installed ``plotly`` package (``/vendor/plotly.min.js``): no CDN, works offline.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path


def static_dir() -> Path:
    """The folder of the dashboard's script and stylesheet."""
    return Path(str(files("riskcap.web") / "static"))


@functools.cache
def dashboard_html() -> str:
    return (static_dir() / "dashboard.html").read_text(encoding="utf-8")


def plotly_js() -> Path:
    """The Plotly bundle of the installed ``plotly`` package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def docs_html() -> str:
    """The API documentation page (Swagger UI, started by ``/static/docs.js``)."""
    return (static_dir() / "docs.html").read_text(encoding="utf-8")


def docs_assets_dir() -> Path:
    """Swagger UI's script and stylesheet, from the installed ``fastapi-offline``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"
