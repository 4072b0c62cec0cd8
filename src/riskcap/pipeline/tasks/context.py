"""What every task sees and shares: the run context, task outputs, the scenario sets,
the wait for ready sources, and the one way a task replaces its own rows."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from riskcap.config import Settings
from riskcap.data.lake import Lake, WriteMode, sql_literal
from riskcap.data.snapshot import missing_sources
from riskcap.engine.var import (
    VarMethod,
    VarSpec,
)
from riskcap.errors import SnapshotNotReady
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.pipeline.checkpoint import (
    read_checkpoint,
    risk_inputs_from_arrays,
)
from riskcap.store.catalog import (
    Catalog,
)


@dataclass(frozen=True)
class TaskOutput:
    checksum: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ScenarioSet:
    """One set of scenarios a run revalues on: ``hs_1d``, ``hs_10d``, ``mc_1d`` …"""

    method: VarMethod
    horizon: int

    @property
    def name(self) -> str:
        return f"{self.method.value}_{self.horizon}d"


def scenario_sets(settings: Settings) -> list[ScenarioSet]:
    p = settings.pipeline
    return (
        [ScenarioSet(VarMethod.HS, h) for h in sorted(set(p.hs_horizons))]
        + [ScenarioSet(VarMethod.MC, h) for h in sorted(set(p.mc_horizons))]
        + [ScenarioSet(VarMethod.FHS, h) for h in sorted(set(p.fhs_horizons))]
    )


@dataclass
class RunContext:
    """What a task sees: the run, its pinned inputs and the outputs of done tasks."""

    run_id: str
    as_of: dt.date
    settings: Settings
    lake: Lake
    catalog: Catalog
    pinned: dict[str, int]
    outputs: dict[str, TaskOutput] = field(default_factory=dict)
    prior_runs: dict[dt.date, str] = field(default_factory=dict)  # runs of record before as_of
    sleep: Callable[[float], None] = time.sleep

    @property
    def work_dir(self) -> Path:
        return self.settings.work_path / self.run_id

    def checkpoint(self, task: str) -> Path:
        return self.work_dir / f"{task}.npz"

    def versions(self) -> dict[str, int]:
        """Pinned input versions, with ``positions`` at the version the snapshot wrote."""
        out = dict(self.pinned)
        if "snapshot" in self.outputs:
            out["positions"] = int(self.outputs["snapshot"].detail["positions_version"])
        return out

    def spec(self, s: ScenarioSet | None = None) -> VarSpec:
        if s is None:
            return VarSpec.from_config(self.settings.risk, self.settings.engine)
        return VarSpec.from_config(
            self.settings.risk, self.settings.engine, method=s.method, horizon=s.horizon
        )

    def market(self) -> tuple[RiskInputs, np.ndarray]:
        """The market-prep checkpoint: risk inputs and the daily covariance."""
        checksum = self.outputs["market_prep"].checksum
        versions = self.outputs["market_prep"].detail.get("versions", {})

        def load() -> tuple[RiskInputs, np.ndarray]:
            arrays, meta = _read_only(self.checkpoint("market_prep"), checksum)
            cov = arrays.pop("covariance")
            return risk_inputs_from_arrays(arrays, meta, versions), cov

        return _loaded(("market_prep", checksum, repr(sorted(versions.items()))), load)

    def scenarios(self) -> dict[str, np.ndarray]:
        checksum = self.outputs["scenarios"].checksum
        arrays: dict[str, np.ndarray] = _loaded(
            ("scenarios", checksum, ""),
            lambda: _read_only(self.checkpoint("scenarios"), checksum)[0],
        )
        return dict(arrays)

    def run_filter(self) -> list[tuple[str, str, Any]]:
        return [("as_of", "=", self.as_of), ("run_id", "=", self.run_id)]

    def run_predicate(self) -> str:
        return f"as_of = {sql_literal(self.as_of)} AND run_id = {sql_literal(self.run_id)}"


# the checkpoints loaded last, by content (kind, SHA-256): the tasks of a run read the
# market-prep and scenario checkpoints several times (six reads of ~10 MB, each
# hashed and unpacked); a checkpoint's content never changes, so one verified load
# serves them, its arrays read-only (a task that wrote into one would corrupt the next
# task's inputs: it fails instead)
_LOADED: dict[tuple[str, str, str], Any] = {}


def _loaded(key: tuple[str, str, str], load: Callable[[], Any]) -> Any:
    if key not in _LOADED:
        for old in [k for k in _LOADED if k[0] == key[0]]:
            del _LOADED[old]
        _LOADED[key] = load()
    return _LOADED[key]


def _read_only(path: Path, checksum: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays, meta = read_checkpoint(path, checksum)
    for a in arrays.values():
        a.flags.writeable = False
    return arrays, meta


def wait_for_sources(
    catalog: Catalog,
    sources: list[str],
    as_of: dt.date,
    timeout_s: float,
    poll_s: float,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """Wait up to ``timeout_s`` for every source to be marked ready for ``as_of``.

    Raises
    ------
    SnapshotNotReady
        Still missing at the deadline; the message names the missing sources.
    """
    deadline = time.monotonic() + timeout_s
    told = False
    while True:
        missing = missing_sources(catalog, sources, as_of)
        if not missing:
            return list(sources)
        left = deadline - time.monotonic()
        if left <= 0:
            waited = f" after waiting {timeout_s:g} s" if timeout_s else ""
            raise SnapshotNotReady(
                f"EOD {as_of}: checklist failed{waited}: source(s) not ready: "
                f"{', '.join(missing)} (mark each with `riskcap ready SOURCE --as-of {as_of}`)",
                missing=missing,
            )
        if not told and on_wait is not None:
            on_wait(missing)
            told = True
        sleep(min(poll_s, left))


def replace_run_rows(
    ctx: RunContext, table: str, data: pa.Table, task: str, where: str | None = None
) -> int:
    """Write the run's rows of ``table`` (those matching ``where`` too, if given) in one
    commit replacing any earlier attempt's."""
    predicate = ctx.run_predicate() + (f" AND {where}" if where else "")
    with ctx.lake.lock(table):
        return ctx.lake.write(
            table,
            data,
            mode=WriteMode.REPLACE_WHERE,
            predicate=predicate,
            metadata={
                "operation": task,
                "run_id": ctx.run_id,
                "as_of": ctx.as_of.isoformat(),
            },
        )


def remove_work_dir(ctx: RunContext) -> None:
    shutil.rmtree(ctx.work_dir, ignore_errors=True)
