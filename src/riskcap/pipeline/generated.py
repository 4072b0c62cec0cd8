"""A generated world made into a lake ready for the EOD: its files written, ingested
into a new lake, every checklist source marked ready (``riskcap generate``).

The world itself (books, instruments, positions, factors, history) is
:mod:`riskcap.data.generate`; this module joins the lake and the catalog, so it lives
above both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from riskcap.config import EngineConfig
from riskcap.data.generate import generate_world, write_world
from riskcap.errors import InputFileError

GENERATED_CONFIG = """\
# riskcap configuration of a generated lake (`riskcap generate`); every key not set
# here has its default (`riskcap init` writes them all, commented).
# Relative paths are resolved against the folder of this file.
[lake]
path = "lake"

[catalog]
url = "sqlite:///catalog.db"

[engine]
memory_gb = {memory_gb}

[frtb]
# the generated universe has no price-observation records and a short history
enabled = false

[stress]
# the named historical windows (1998–2020) lie before the generated history
historical = []
"""


@dataclass(frozen=True)
class GeneratedLake:
    config_path: Path
    as_of: dt.date
    positions: int
    factors: int
    books: int
    rows: dict[str, int]


def prepare_generated(
    directory: Path,
    positions: int,
    factors: int,
    seed: int,
    *,
    history: int = 520,
    memory_gb: float | None = None,
    option_share: float = 0.1,
) -> GeneratedLake:
    """Generate a world, write its files, ingest them into a new lake in ``directory``
    and mark every checklist source ready for its as-of date.

    Raises
    ------
    InputFileError
        ``directory`` already holds a lake (a generated lake is never overwritten or
        mixed with another book), or a size is out of range.
    """
    from riskcap.config import load_settings
    from riskcap.data.contract import IngestKind
    from riskcap.data.ingest import ingest_file
    from riskcap.data.lake import Lake
    from riskcap.store.catalog import Catalog

    config_path = directory / "riskcap.toml"
    if config_path.exists() or (directory / "lake").exists():
        raise InputFileError(
            f"generate: {directory} already holds a riskcap lake; choose an empty folder"
        )
    world = generate_world(positions, factors, seed, history=history, option_share=option_share)
    directory.mkdir(parents=True, exist_ok=True)
    budget = EngineConfig().memory_gb if memory_gb is None else memory_gb
    config_path.write_text(GENERATED_CONFIG.format(memory_gb=budget), encoding="utf-8")
    settings = load_settings(config_path)
    lake = Lake.of(settings)
    lake.create_all()
    paths = write_world(world, directory / "input")
    rows = {}
    order = ("factors", "books", "instruments", "market-data", "curves", "vols", "positions")
    for kind in order:
        r = ingest_file(lake, IngestKind(kind), paths[kind], max_bad_fraction=0.0)
        rows[kind] = r.rows_written
    catalog = Catalog.of(settings)
    try:
        for source in settings.eod.sources:
            catalog.mark_ready(source, world.as_of, recorded_by="generate")
    finally:
        catalog.dispose()
    return GeneratedLake(
        config_path, world.as_of, len(world.positions), factors, len(world.books), rows
    )
