"""``eod run --engine spark`` on the demo world: the same figures as the local engine.

Source of truth: the local engine's run of the same day and inputs; tolerance 1e-12
relative (the engines sum the same float64 terms in different orders; DESIGN.md §6).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from riskcap.choices import EngineName
from riskcap.cli import run
from riskcap.cli.options import with_engine
from riskcap.data.lake import Lake
from riskcap.pipeline.fingerprint import config_hash
from riskcap.pipeline.runner import Outcome, run_eod
from riskcap.store.catalog import Catalog
from tests.pipeline.conftest import settings_of

pytestmark = pytest.mark.slow
RTOL = 1e-12


def _vectors(lake: Lake, run_id: str) -> dict[tuple[str, str], np.ndarray]:
    t = lake.read("pnl_vectors", filters=[("run_id", "=", run_id)]).to_pylist()
    return {(r["scenario_set"], r["node"]): np.asarray(r["pnl"]) for r in t}


def test_demo_eod_on_spark_equals_local(
    spark: Any, sqlite_dir: Path, days: list[Any], capsys: Any
) -> None:
    settings = settings_of(sqlite_dir)
    on_spark = with_engine(settings, "spark", "local[2]")
    local = run_eod(settings, days[0])
    capsys.readouterr()
    args = ["eod", "run", "--as-of", days[0].isoformat(), "-c", str(sqlite_dir / "riskcap.toml")]
    assert run([*args, "--json", "--engine", "spark", "--spark-master", "local[2]"]) == 0
    remote = json.loads(capsys.readouterr().out)
    # results differ in the last bits, so the engine is part of the run key
    assert remote["outcome"] == "computed" and remote["run_key"] != local.run_key
    again = run_eod(on_spark, days[0])
    assert again.outcome is Outcome.EXISTING and again.run_id == remote["run_id"]
    remote_id = remote["run_id"]

    lake = Lake(settings.lake_path)
    a, b = _vectors(lake, local.run_id), _vectors(lake, remote_id)
    assert a.keys() == b.keys() and len(a) == 3 * 24  # hs_1d, hs_10d, mc_1d × 24 nodes
    for key, va in a.items():
        vb = b[key]
        assert np.max(np.abs(va - vb)) <= RTOL * np.max(np.abs(va)), key

    with Catalog(settings.catalog_url) as catalog:
        ra = {
            (r.node, r.method, r.measure, r.horizon, r.confidence): r.value
            for r in catalog.results(local.run_id)
        }
        rb = {
            (r.node, r.method, r.measure, r.horizon, r.confidence): r.value
            for r in catalog.results(remote_id)
        }
        lineage = catalog.lineage(remote_id)
    assert ra.keys() == rb.keys() and len(ra) > 100
    for key, value in ra.items():
        assert rb[key] == pytest.approx(value, rel=RTOL, abs=1e-6), key
    assert lineage["config"]["engine"]["name"] == "spark"


def test_spark_master_is_not_in_the_run_key(sqlite_dir: Path) -> None:
    settings = settings_of(sqlite_dir)
    spark2 = with_engine(settings, "spark", "local[2]")
    assert config_hash(with_engine(settings, "spark", "spark://elsewhere:7077")) == config_hash(
        spark2
    )
    assert config_hash(spark2) != config_hash(settings)
    parts = settings.engine.model_copy(update={"spark_partitions": 3})
    assert config_hash(
        spark2.model_copy(update={"engine": parts.model_copy(update={"name": EngineName.SPARK})})
    ) != config_hash(spark2)


def test_cli_engine_option_is_checked(sqlite_dir: Path, days: list[Any], capsys: Any) -> None:
    cfg = str(sqlite_dir / "riskcap.toml")
    code = run(["eod", "run", "--as-of", days[0].isoformat(), "-c", cfg, "--engine", "gpu"])
    assert code == 2
    assert "--engine must be local or spark" in capsys.readouterr().err
