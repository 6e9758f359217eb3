"""Staff reports and their CSV exports (routes on the staff blueprint)."""

from __future__ import annotations

from app.staff.views import bp

__all__ = ["bp"]
