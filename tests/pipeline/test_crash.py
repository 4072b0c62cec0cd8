"""kill -9 at every task boundary and in the middle of ``revalue``, then resume.

Each case runs ``riskcap eod run`` in a child process that SIGKILLs itself at a
chosen point (tests/pipeline/crash_runner.py), then runs the EOD again for the same
date and checks that

* the run is continued (same run id; tasks done before the kill are not redone),
* every output's content checksum and every task checksum equals those of an
  uninterrupted run of the same inputs,
* no table holds duplicate rows: one positions partition, one run's P&L vectors and
  results in the lake and the catalog, one snapshot record and one set of quality
  results for the run.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from riskcap.data.lake import Lake
from riskcap.pipeline.runner import Outcome, run_eod, task_order
from riskcap.store.catalog import (
    CapitalResult,
    Catalog,
    FrtbDeskTest,
    FrtbResult,
    QualityResultRecord,
    RiskFactorEligibility,
    SnapshotRecord,
    StressedPeriod,
    StressResult,
)
from tests.conftest import drop_all_tables
from tests.pipeline.conftest import copy_world, run_child, settings_of

BOUNDARIES = [("after", t) for t in task_order()[:-1]]
BEFORE_DONE = [
    ("before-done", t)
    for t in (
        "snapshot",
        "quality_gate",
        "revalue",
        "stressed_var",
        "capital",
        "frtb",
        "frtb_sa",
        "stress",
        "publish",
    )
]
POINTS = [*BOUNDARIES, *BEFORE_DONE, ("mid-revalue", "revalue")]


@pytest.fixture(scope="module")
def reference(
    eod_base: tuple[Path, list[dt.date]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """An uninterrupted run of the first day: its manifest and table sizes."""
    base, days = eod_base
    world = copy_world(base, tmp_path_factory.mktemp("reference") / "world")
    settings = settings_of(world)
    out = run_eod(settings, days[0])
    cat = Catalog(settings.catalog_url)
    manifest = cat.lineage(out.run_id)
    factors = len(cat.run_rows(RiskFactorEligibility, out.run_id))
    cat.dispose()
    return {"as_of": days[0], "manifest": manifest, "factors": factors}


def _summary(directory: Path, as_of: dt.date) -> dict[str, Any]:
    settings = settings_of(directory)
    cat = Catalog(settings.catalog_url)
    (run,) = cat.list_runs(as_of)
    lake = Lake(settings.lake_path)
    with cat.session() as s:
        snapshots = s.query(SnapshotRecord).filter(SnapshotRecord.run_id == run.run_id).count()
        quality = s.query(QualityResultRecord).filter_by(run_id=run.run_id).count()
        capital = s.query(CapitalResult).filter_by(run_id=run.run_id).count()
        stress = s.query(StressResult).filter_by(run_id=run.run_id).count()
        periods = s.query(StressedPeriod).filter_by(run_id=run.run_id).count()
        frtb = s.query(FrtbResult).filter_by(run_id=run.run_id).count()
        desks = s.query(FrtbDeskTest).filter_by(run_id=run.run_id).count()
        factors = s.query(RiskFactorEligibility).filter_by(run_id=run.run_id).count()
    summary = {
        "run": run,
        "manifest": cat.lineage(run.run_id),
        "tasks": cat.tasks(run.run_id),
        "catalog_results": len(cat.results(run.run_id)),
        "snapshots": snapshots,
        "quality": quality,
        "regulatory": (capital, stress, periods),
        "frtb": (frtb, desks, factors),
        "pnl_vectors": lake.read("pnl_vectors", filters=[("as_of", "=", as_of)]),
        "results": lake.read("results", filters=[("as_of", "=", as_of)]),
        "positions": lake.read("positions", filters=[("as_of", "=", as_of)]).num_rows,
        "work_dir": (settings.work_path / run.run_id).exists(),
    }
    cat.dispose()
    return summary


def _crash(world: Path, as_of: dt.date, mode: str, task: str, env: dict[str, str]) -> None:
    args = ["-m", "tests.pipeline.crash_runner", str(world / "riskcap.toml"), str(as_of)]
    proc = run_child([*args, mode, task], env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]


def _check_resumed(world: Path, reference: dict[str, Any], killed_after: str | None) -> None:
    as_of = reference["as_of"]
    got = _summary(world, as_of)
    ref = reference["manifest"]
    m = got["manifest"]
    assert got["run"].status == "succeeded"
    assert {k: v["sha256"] for k, v in m["outputs"].items()} == {
        k: v["sha256"] for k, v in ref["outputs"].items()
    }
    assert [(t["name"], t["checksum"]) for t in m["tasks"]] == [
        (t["name"], t["checksum"]) for t in ref["tasks"]
    ]
    assert m["run_key"] == ref["run_key"]
    # no duplicates anywhere
    rows = {k: v["rows"] for k, v in ref["outputs"].items() if "rows" in v}
    assert got["pnl_vectors"].num_rows == rows["pnl_vectors"]
    # measures' figures, stressed VaR and the FRTB figures (IMA and SA)
    published = rows["results"] + rows["stressed_var"] + rows["frtb"] + rows["frtb_sa"]
    assert got["results"].num_rows == got["catalog_results"] == published
    # capital per node, 12 stress scenarios (4 historical, 7 hypothetical, 1 reverse), 1 period
    assert got["regulatory"] == (24, 24 * 12, 1)
    # FRTB: 24 nodes and the IMA aggregate, 5 desks, one eligibility row per factor
    assert got["frtb"] == (25, 5, reference["factors"])
    assert set(got["results"].column("run_id").to_pylist()) == {got["run"].run_id}
    assert got["positions"] == rows["positions"]
    assert (got["snapshots"], got["quality"]) == (1, 10)
    assert not got["work_dir"]
    if killed_after is not None:  # tasks done before the kill ran exactly once
        done_before = task_order()[: task_order().index(killed_after) + 1]
        attempts = {t.name: t.attempts for t in got["tasks"]}
        assert all(attempts[t] == 1 for t in done_before), attempts


CASES = [(m, t, "sqlite") for m, t in POINTS] + [
    ("after", "scenarios", "postgresql"),
    ("mid-revalue", "revalue", "postgresql"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "task", "backend"), CASES, ids=[f"{b}-{m}-{t}" for m, t, b in CASES]
)
def test_kill_then_resume_gives_the_uninterrupted_outputs(
    mode: str,
    task: str,
    backend: str,
    eod_base: tuple[Path, list[dt.date]],
    reference: dict[str, Any],
    tmp_path: Path,
    child_env: dict[str, str],
    request: pytest.FixtureRequest,
) -> None:
    base, days = eod_base
    url = request.getfixturevalue("pg_schema_url") if backend == "postgresql" else None
    world = copy_world(base, tmp_path / "world", url)
    try:
        _crash(world, days[0], mode, task, child_env)
        out = run_eod(settings_of(world), days[0])
        assert out.outcome is Outcome.RESUMED
        _check_resumed(world, reference, task if mode == "after" else None)
    finally:
        if url is not None:
            drop_all_tables(url)


def _cli(args: list[str], env: dict[str, str]) -> Any:
    return run_child(["-c", "from riskcap.cli import main; main()", *args], env)


def test_resume_through_the_cli_after_kill_mid_revalue(
    eod_base: tuple[Path, list[dt.date]],
    reference: dict[str, Any],
    tmp_path: Path,
    child_env: dict[str, str],
) -> None:
    base, days = eod_base
    world = copy_world(base, tmp_path / "world")
    _crash(world, days[0], "mid-revalue", "revalue", child_env)
    config = str(world / "riskcap.toml")
    listed = _cli(["runs", "list", "--json", "-c", config], child_env)
    assert listed.returncode == 0, listed.stderr
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted"  # status running, but no process holds its lock
    proc = _cli(["eod", "run", "--as-of", str(days[0]), "-c", config], child_env)
    assert proc.returncode == 0, proc.stderr
    assert f"resumed run {run['run_id']}" in proc.stdout.replace("\n", " ")
    assert "done earlier" in proc.stdout
    _check_resumed(world, reference, None)
