"""The ``riskcap`` command line: one module per command group, grouped by panel in
``--help`` (Data, Risk, Regulatory, Pipeline, Service).

``riskcap.cli.app`` holds the Typer app and the entry points; ``options`` the shared
options; ``render`` tables, units, node filters and sort orders; ``data``, ``risk``,
``frtb``, ``runs`` and ``service`` the commands; ``demo`` the demo end of day, loaded
by ``riskcap demo`` only.
"""

from __future__ import annotations

from riskcap.cli import data, frtb, frtb_sa, optimise, risk, runs, service
from riskcap.cli.app import app, main, run

for _group in (data, risk, optimise, frtb, frtb_sa, runs, service):
    _group.register(app)

__all__ = ["app", "main", "run"]
