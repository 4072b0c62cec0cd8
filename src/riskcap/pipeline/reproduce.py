"""``riskcap reproduce RUN_ID``: recompute a run from its pinned inputs and compare.

The run's lineage manifest names every input table with the version it read. The
reproduction copies each table *at that version* (Delta time travel) into a scratch
lake, marks the checklist sources ready in a scratch SQLite catalog, runs the same
pipeline with the run's recorded configuration, and compares the SHA-256 of every
output (positions snapshot, quality results, P&L vectors, results) with the
recorded one. The earlier runs of record whose figures the backtest, capital and
FRTB tasks read (``prior_runs`` in the manifest) are copied too: their rows of the
lake ``results``, ``backtest`` and ``pnl_attribution`` tables and their run records.
The original lake and catalog are only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from riskcap.config import Settings, settings_for_dir
from riskcap.data.lake import Lake, WriteMode
from riskcap.data.schemas import TABLES
from riskcap.errors import RiskcapError
from riskcap.pipeline.fingerprint import code_version, table_digest
from riskcap.pipeline.history import prior_rows
from riskcap.pipeline.runner import Observer, run_eod
from riskcap.store.catalog import Catalog, Run


@dataclass(frozen=True)
class OutputCheck:
    name: str
    recorded: str
    reproduced: str

    @property
    def identical(self) -> bool:
        return self.recorded == self.reproduced


@dataclass(frozen=True)
class Reproduction:
    run_id: str
    reproduced_run_id: str
    as_of: dt.date
    scratch: Path
    recorded_code: str
    current_code: str
    recorded_key: str
    reproduced_key: str
    outputs: tuple[OutputCheck, ...]

    @property
    def identical(self) -> bool:
        return all(o.identical for o in self.outputs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "reproduced_run_id": self.reproduced_run_id,
            "as_of": self.as_of.isoformat(),
            "scratch": str(self.scratch),
            "recorded_code": self.recorded_code,
            "current_code": self.current_code,
            "run_key_identical": self.recorded_key == self.reproduced_key,
            "identical": self.identical,
            "outputs": [
                {
                    "output": o.name,
                    "recorded": o.recorded,
                    "reproduced": o.reproduced,
                    "identical": o.identical,
                }
                for o in self.outputs
            ],
        }


def _prior_run_records(settings: Settings, prior: dict[dt.date, str]) -> list[Run]:
    """Copies of the earlier runs of record, so the scratch run finds the same history."""
    with Catalog.of(settings) as catalog:
        out = []
        for run_id in prior.values():
            r = catalog.run(run_id)
            out.append(
                Run(
                    run_id=r.run_id,
                    run_key=r.run_key,
                    as_of=r.as_of,
                    status=r.status,
                    engine=r.engine,
                    config_hash=r.config_hash,
                    seed=r.seed,
                    code_version=r.code_version,
                    created_at=r.created_at,
                    finished_at=r.finished_at,
                    inputs=r.inputs,
                )
            )
        return out


def reproduce_run(
    settings: Settings, run_id: str, scratch: Path, observer: Observer | None = None
) -> Reproduction:
    """Recompute ``run_id`` in ``scratch`` (must be empty or absent) and compare outputs.

    Raises
    ------
    NotFoundError
        No such run, no manifest (the run never published), or a pinned table
        version no longer exists in the lake (vacuumed).
    """
    catalog = Catalog.of(settings)
    try:
        run = catalog.run(run_id)
        manifest = catalog.lineage(run.run_id)
    finally:
        catalog.dispose()
    if scratch.exists() and any(scratch.iterdir()):
        raise RiskcapError(f"scratch folder {scratch} is not empty; give an empty or new one")
    scratch.mkdir(parents=True, exist_ok=True)
    as_of = dt.date.fromisoformat(manifest["as_of"])

    source = Lake.of(settings)
    target = Lake(scratch / "lake")
    target.create_all()
    for table, pinned in sorted(manifest["inputs"].items()):
        data = source.read(table, version=int(pinned["version"]))
        target.write(
            table,
            data,
            mode=WriteMode.APPEND,
            metadata={
                "operation": "reproduce",
                "source_run": run.run_id,
                "source_version": str(pinned["version"]),
                "source_sha256": table_digest(data),
            },
        )

    prior = {dt.date.fromisoformat(d): r for d, r in manifest.get("prior_runs", {}).items()}
    for table in ("results", "backtest", "pnl_attribution"):  # the history tasks read
        rows = prior_rows(source, None, table, prior, [])
        if prior:
            target.write(
                table,
                pa.Table.from_pandas(rows, schema=TABLES[table].schema, preserve_index=False),
                mode=WriteMode.APPEND,
                metadata={"operation": "reproduce", "source_run": run.run_id},
            )

    config = dict(manifest["config"])
    config["lake"] = {"path": str(scratch / "lake")}
    config["catalog"] = {"url": f"sqlite:///{scratch / 'catalog.db'}"}
    config["pipeline"] = {
        **config["pipeline"],
        "work_dir": str(scratch / "runs"),
        "lock": "fail",
        "checklist_timeout_s": 0.0,
    }
    scratch_settings = settings_for_dir(scratch, **config)
    scratch_catalog = Catalog(scratch_settings.catalog_url)
    try:
        for source_name in scratch_settings.eod.sources:
            scratch_catalog.mark_ready(source_name, as_of, recorded_by="reproduce")
        for earlier in _prior_run_records(settings, prior):
            scratch_catalog.create_run(earlier)
        outcome = run_eod(scratch_settings, as_of, force=True, observer=observer)
        again = scratch_catalog.lineage(outcome.run_id)
    finally:
        scratch_catalog.dispose()

    checks = tuple(
        OutputCheck(
            name,
            str(manifest["outputs"][name]["sha256"]),
            str(again["outputs"].get(name, {}).get("sha256", "")),
        )
        for name in sorted(manifest["outputs"])
    )
    return Reproduction(
        run_id=run.run_id,
        reproduced_run_id=outcome.run_id,
        as_of=as_of,
        scratch=scratch,
        recorded_code=str(manifest["code"]["version"]),
        current_code=code_version(),
        recorded_key=str(manifest["run_key"]),
        reproduced_key=outcome.run_key,
        outputs=checks,
    )
