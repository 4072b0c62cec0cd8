"""EOD pipeline on the demo data: one day, the 60-day backfill, and idempotent re-asks.

Each measurement is a fresh ``riskcap`` process, as a scheduler would start it, so
the seconds include Python start-up, imports and JIT compilation (the run has a
compilation cache of its own, empty at the start: the first one-day run compiles
every kernel, a second cold process on another copy of the same day loads them); peak RSS is that
child's (``wait4`` rusage; Linux counts the parent's RSS at fork into a child's
peak, so this script prepares the data in a child too and imports nothing heavy
before the measurements). Baseline: the cold one-day run measured in the same run;
the re-ask ratios say how close to free asking again is.

    python benchmarks/eod.py [--days 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREPARE = (
    "import sys, pathlib; from rich.console import Console; "
    "from riskcap.cli.demo import prepare_demo; "
    "s = prepare_demo(pathlib.Path(sys.argv[1]), Console(quiet=True)); "
    "print(s.trade_dates[0], s.trade_dates[-1], len(s.trade_dates))"
)


def child(args: list[str]) -> tuple[float, float]:
    """Run ``riskcap ARGS`` in a new process; return (seconds, peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from riskcap.cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"riskcap {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024.0


def task_seconds(config: str) -> dict:  # type: ignore[type-arg]
    """Per-task seconds of the runs in a demo folder's catalog (oldest run first).

    ``first``: the first run's tasks; ``warm_mean``: each task's mean over the later
    runs; ``day_seconds``: each run's wall time, from one run's finish to the next
    (the first from its own first task's start), so it counts the run-key digests
    and the lock as well as the tasks.
    """
    from riskcap.config import load_settings
    from riskcap.store.catalog import Catalog

    catalog = Catalog.of(load_settings(Path(config)))
    runs = sorted(catalog.list_runs(limit=10_000), key=lambda r: r.as_of)
    per_run = []
    for run in runs:
        tasks = catalog.tasks(run.run_id)
        per_run.append({t.name: (t.finished_at - t.started_at).total_seconds() for t in tasks})
        if len(per_run) == 1:
            start = min(t.started_at for t in tasks)
    day_seconds, previous = [], start
    for run in runs:
        day_seconds.append(round((run.finished_at - previous).total_seconds(), 3))
        previous = run.finished_at
    later = per_run[1:] or per_run
    warm_mean = {
        name: round(sum(r.get(name, 0.0) for r in later) / len(later), 4) for name in per_run[0]
    }
    catalog.dispose()
    first = {name: round(sec, 4) for name, sec in per_run[0].items()}
    return {"first": first, "warm_mean": warm_mean, "day_seconds": day_seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="riskcap-bench-eod-"))
    # a compilation cache of this run's own, empty at the start: the first one-day run
    # is truly cold, later processes load what it compiled (as on a bank's machine)
    os.environ["RISKCAP_ENGINE__COMPILE_CACHE"] = str(work / "jax-cache")
    try:
        base = work / "base"
        base.mkdir()
        (base / "riskcap.toml").write_text(f"[demo]\ndays = {args.days}\n")
        first, last, n = subprocess.run(
            [sys.executable, "-c", PREPARE, str(base)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        one = work / "one"
        shutil.copytree(base, one)
        cfg_one = str(one / "riskcap.toml")
        day = last
        t_one, rss_one = child(["eod", "run", "--as-of", day, "-c", cfg_one])
        t_reask, rss_reask = child(["eod", "run", "--as-of", day, "-c", cfg_one])
        cached = work / "cached"
        shutil.copytree(base, cached)
        t_cached, rss_cached = child(
            ["eod", "run", "--as-of", day, "-c", str(cached / "riskcap.toml")]
        )

        cfg_all = str(base / "riskcap.toml")
        span = ["--from", first, "--to", last, "-c", cfg_all]
        t_fill, rss_fill = child(["eod", "backfill", *span])
        t_refill, _ = child(["eod", "backfill", *span])
        from _common import report

        days = int(n)
        cold_tasks = task_seconds(cfg_one)
        fill = task_seconds(cfg_all)
        per_day = fill["day_seconds"]
        warm = per_day[1:] or per_day
        report(
            "eod",
            days=days,
            one_day_seconds=round(t_one, 2),
            one_day_peak_rss_mb=round(rss_one, 1),
            one_day_cached_kernels_seconds=round(t_cached, 2),
            one_day_cached_kernels_peak_rss_mb=round(rss_cached, 1),
            reask_seconds=round(t_reask, 2),
            reask_peak_rss_mb=round(rss_reask, 1),
            reask_vs_one_day=round(t_reask / t_one, 3),
            backfill_seconds=round(t_fill, 1),
            backfill_peak_rss_mb=round(rss_fill, 1),
            backfill_seconds_per_day=round(t_fill / days, 2),
            backfill_day_vs_one_day=round(t_fill / days / t_one, 3),
            backfill_reask_seconds=round(t_refill, 1),
            backfill_reask_seconds_per_day=round(t_refill / days, 3),
            backfill_first_day_seconds=per_day[0],
            backfill_warm_seconds_per_day=round(sum(warm) / len(warm), 3),
            backfill_warm_max_seconds=max(warm),
            backfill_day_seconds=per_day,
            one_day_task_seconds=cold_tasks["first"],
            backfill_first_day_task_seconds=fill["first"],
            backfill_warm_task_seconds=fill["warm_mean"],
            baseline="cold one-day `riskcap eod run` in the same run",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
