"""Roles of API keys and the all-desks marker (no database needed to name them, so
the command line can offer them without loading the catalog)."""

from __future__ import annotations

import enum

ALL_DESKS = "*"


class Role(enum.StrEnum):
    """What a key may do: ``viewer`` reads, ``risk_manager`` also writes (limits,
    alerts, ready events, EOD triggers), ``admin`` does everything on every desk."""

    VIEWER = "viewer"
    RISK_MANAGER = "risk_manager"
    ADMIN = "admin"
