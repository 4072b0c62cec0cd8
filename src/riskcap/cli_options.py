"""Options and argument parsers shared by every ``riskcap`` command module."""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from riskcap.config import Settings

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: $RISKCAP_CONFIG or ./riskcap.toml)"),
]
AsOfOpt = Annotated[str, typer.Option("--as-of", help="Business date, YYYY-MM-DD")]
AllNodesOpt = Annotated[bool, typer.Option("--all", help="Every node (entities and books too)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]
RunIdArg = Annotated[str, typer.Argument(help="Run id (or a unique prefix of 8+ chars)")]


def parse_date(value: str) -> dt.date:
    """An ISO date from the command line; a usage error (exit 2) otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine", help="Revaluation engine: local or spark (default: engine.name in the config)"
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master", help="Spark master URL, e.g. local[2] (default: engine.spark_master)"
    ),
]


def with_engine(settings: Settings, engine: str | None, master: str | None) -> Settings:
    """``settings`` with the engine chosen on the command line (validated like the file)."""
    if engine is None and master is None:
        return settings
    update = settings.engine.model_dump()
    if engine is not None:
        update["name"] = engine
    if master is not None:
        update["spark_master"] = master
    if update["name"] not in ("local", "spark"):
        raise typer.BadParameter(f"--engine must be local or spark, got {update['name']!r}")
    return settings.model_copy(update={"engine": type(settings.engine)(**update)})


class Units(enum.StrEnum):
    """The unit money figures are printed in (always with the reporting currency)."""

    AUTO = "auto"  # from the largest figure shown
    ONES = "units"
    THOUSANDS = "thousands"
    MILLIONS = "millions"
    BILLIONS = "billions"


_SCALE = {Units.ONES: 1.0, Units.THOUSANDS: 1e3, Units.MILLIONS: 1e6, Units.BILLIONS: 1e9}

UnitsOpt = Annotated[
    Units,
    typer.Option(
        "--units",
        help="Money unit: auto (from the figures), units, thousands, millions or billions",
    ),
]


@dataclass(frozen=True)
class Money:
    """How to print a set of money figures: their divisor and label (``USD millions``)."""

    currency: str
    units: Units

    @classmethod
    def for_figures(cls, currency: str, values: Iterable[float], units: Units) -> Money:
        """``units``, or with ``auto`` the largest unit that keeps the biggest figure
        at 10 or more (a small book's VaR of 12,345 prints as 12.35 thousands, not
        0.01 millions)."""
        if units is not Units.AUTO:
            return cls(currency, units)
        top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        for unit in (Units.BILLIONS, Units.MILLIONS, Units.THOUSANDS):
            if top >= 10 * _SCALE[unit]:
                return cls(currency, unit)
        return cls(currency, Units.ONES)

    @property
    def label(self) -> str:
        return self.currency if self.units is Units.ONES else f"{self.currency} {self.units}"

    def __call__(self, value: float) -> str:
        return f"{value / _SCALE[self.units]:,.2f}"
