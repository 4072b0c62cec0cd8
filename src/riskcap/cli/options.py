"""Options and argument parsers shared by every ``riskcap`` command module."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated

import typer

from riskcap.choices import EngineName
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
    if update["name"] not in set(EngineName):
        raise typer.BadParameter(f"--engine must be local or spark, got {update['name']!r}")
    return settings.model_copy(update={"engine": type(settings.engine)(**update)})


class Units(enum.StrEnum):
    """The unit money figures are printed in (always with the reporting currency)."""

    AUTO = "auto"  # from the largest figure shown
    ONES = "units"
    THOUSANDS = "thousands"
    MILLIONS = "millions"
    BILLIONS = "billions"


UnitsOpt = Annotated[
    Units,
    typer.Option(
        "--units",
        help="Money unit: auto (from the figures), units, thousands, millions or billions",
    ),
]


def use_compile_cache(settings: Settings) -> None:
    """JAX's persistent compilation cache for a command that computes (imported here,
    not at the top, so ``riskcap --help`` never imports JAX)."""
    from riskcap.engine.compile_cache import use_compile_cache as use

    use(settings)
