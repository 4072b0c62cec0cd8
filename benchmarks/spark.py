"""Benchmark `spark`: the Spark engine on local[1] and local[2] against the local engine.

One generated book (``riskcap generate``; ``--positions`` on ``--factors``) and one set
of ``--scenarios`` Monte Carlo shocks. Timed, each in this process:

* the local engine (``engine/local``), warm (its kernels compiled by a first call);
* the Spark engine on ``local[1]`` and on ``local[2]``: the first job of a fresh
  session (JVM start excluded, Python-worker start and JAX compilation included;
  compiled kernels go to a persistent cache shared by the workers) and a second,
  warm job.

Reported: the local[1] → local[2] speed-up of the warm jobs, and the overhead of
Spark against the local engine on the same book (the baseline, same run). The P&L of
every engine is checked against the local engine (≤ 1e-12 relative).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import report

from riskcap.config import load_settings
from riskcap.data.lake import Lake
from riskcap.engine.local import revalue
from riskcap.engine.spark import payload_for, revalue_spark, spark_session, stop_sessions
from riskcap.engine.var import VarMethod, VarSpec, daily_covariance, monte_carlo_shocks
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.pipeline.generated import prepare_generated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=20_000)
    parser.add_argument("--factors", type=int, default=200)
    parser.add_argument("--scenarios", type=int, default=2_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--memory-gb", type=float, default=0.5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="riskcap-spark-") as tmp:
        made = prepare_generated(Path(tmp) / "lake", args.positions, args.factors, 3, history=300)
        settings = load_settings(made.config_path)
        lake = Lake(settings.lake_path)
        opened = lake.read("positions", columns=["as_of"]).column("as_of")[0].as_py()
        inputs = load_risk_inputs(lake, made.as_of, None, positions_as_of=opened)
        spec = VarSpec.from_config(
            settings.risk, settings.engine, method=VarMethod.MC, mc_scenarios=args.scenarios
        )
        shocks = {"mc_1d": monte_carlo_shocks(spec, daily_covariance(inputs, spec))}

        def local() -> np.ndarray:
            return revalue(
                inputs.book,
                inputs.market,
                shocks["mc_1d"],
                inputs.hierarchy,
                memory_gb=args.memory_gb,
            )

        local()  # compile
        t0 = time.perf_counter()
        want = local()
        local_s = time.perf_counter() - t0

        versions = lake.versions(["positions", "instruments", "factors", "vols"])
        payload = payload_for(lake, versions, inputs, shocks, args.memory_gb)
        timings: dict[str, dict[str, float]] = {}
        worst = 0.0
        for master in ("local[1]", "local[2]"):
            t0 = time.perf_counter()
            spark = spark_session(master, Path(tmp) / f"jax-cache-{master[6]}")
            start_s = time.perf_counter() - t0
            runs = []
            for _ in range(2):
                t0 = time.perf_counter()
                got = revalue_spark(
                    spark, lake, versions, payload, args.partitions, positions_as_of=opened
                )
                runs.append(time.perf_counter() - t0)
                scale = np.max(np.abs(want), axis=1)
                worst = max(worst, float(np.max(np.max(np.abs(got["mc_1d"] - want), 1) / scale)))
            timings[master] = {"session_start": start_s, "first_job": runs[0], "warm_job": runs[1]}
            stop_sessions()
        one, two = timings["local[1]"]["warm_job"], timings["local[2]"]["warm_job"]
        report(
            "spark",
            positions=inputs.book.size,
            factors=len(inputs.factors.ids),
            scenarios=args.scenarios,
            partitions=args.partitions,
            memory_gb=args.memory_gb,
            local_engine_seconds=round(local_s, 2),
            **{
                f"{m.replace('[', '').replace(']', '')}_{k}_seconds": round(v, 2)
                for m, t in timings.items()
                for k, v in t.items()
            },
            speedup_local1_to_local2=round(one / two, 2),
            baseline="local engine, same book and scenarios, same run",
            ratio_vs_baseline=round(local_s / two, 3),
            overhead_vs_local_engine_seconds=round(two - local_s, 2),
            max_rel_diff_vs_local_engine=worst,
        )


if __name__ == "__main__":
    main()
