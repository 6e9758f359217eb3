"""The bench's baseline: a bare Flask route, served by gunicorn with the app's own settings.

No database, no middleware, no template: what a page costs beyond this is the app's own work.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare() -> str:
    """A short text, as cheap as Flask can answer."""
    return "ok"
