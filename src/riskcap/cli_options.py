"""Options and argument parsers shared by every ``riskcap`` command module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $RISKCAP_CONFIG or ./riskcap.toml)"),
]
AsOfOpt = Annotated[str, typer.Option("--as-of", help="Business date, YYYY-MM-DD")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]
RunIdArg = Annotated[str, typer.Argument(help="Run id (or a unique prefix of 8+ chars)")]


def parse_date(value: str) -> dt.date:
    """An ISO date from the command line; a usage error (exit 2) otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
