"""Benchmark `scale`: 10^5 positions × 10^3 factors × 10^4 scenarios through the local engine.

The book and factor history come from ``riskcap generate`` (a separate lake in a
temporary folder, through the validating ingest path); the scenarios are Monte Carlo
shocks from the EWMA covariance of the 1,000 factors. Reports each stage's seconds
and the process's peak RSS; the position × scenario matrix (8 GB at full size) is
never materialised — the engine's blocks are sized from ``--memory-gb``.

Baseline, measured in the same run: the textbook NumPy loop over scenarios of
benchmarks/reval.py on ``--baseline-scenarios`` scenarios of the same book, scaled to
the full count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import report
from reval import numpy_baseline

from riskcap.config import load_settings
from riskcap.data.lake import Lake
from riskcap.engine.local import plan_blocks, revalue
from riskcap.engine.var import VarMethod, VarSpec, daily_covariance, monte_carlo_shocks
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.pipeline.generated import prepare_generated
from riskcap.risk.measures import var_es


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--factors", type=int, default=1_000)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--memory-gb", type=float, default=2.0)
    parser.add_argument("--baseline-scenarios", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="riskcap-scale-") as tmp:
        t0 = time.perf_counter()
        made = prepare_generated(
            Path(tmp) / "lake", args.positions, args.factors, args.seed, history=300
        )
        generate_s = time.perf_counter() - t0
        settings = load_settings(made.config_path)
        lake = Lake(settings.lake_path)
        opened = lake.read("positions", columns=["as_of"]).column("as_of")[0].as_py()

        t0 = time.perf_counter()
        inputs = load_risk_inputs(lake, made.as_of, None, positions_as_of=opened)
        load_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        spec = VarSpec.from_config(
            settings.risk, settings.engine, method=VarMethod.MC, mc_scenarios=args.scenarios
        )
        shocks = monte_carlo_shocks(spec, daily_covariance(inputs, spec))
        scenarios_s = time.perf_counter() - t0

        plan = plan_blocks(args.scenarios, args.memory_gb)
        t0 = time.perf_counter()
        pnl = revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, plan=plan)
        revalue_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        var, es = var_es(pnl, 0.99)
        measures_s = time.perf_counter() - t0

        m = args.baseline_scenarios
        n_books = len(inputs.hierarchy.books)
        t0 = time.perf_counter()
        base = numpy_baseline(inputs.book, inputs.market, shocks[:m], n_books)
        base_s = time.perf_counter() - t0
        books = inputs.hierarchy.membership[-n_books:]  # the book nodes, bottom of the tree
        check = float(np.abs(books @ base - pnl[-n_books:, :m]).max())
        baseline_full = base_s / m * args.scenarios
        full_matrix_gb = inputs.book.size * args.scenarios * 8 / 2**30
        report(
            "scale",
            positions=inputs.book.size,
            options=int(inputs.book.option.units.shape[0]),
            factors=len(inputs.factors.ids),
            scenarios=args.scenarios,
            nodes=len(inputs.hierarchy.nodes),
            memory_gb=args.memory_gb,
            scenario_block=plan.scenario_block,
            position_block=plan.position_block,
            full_position_scenario_matrix_gb=round(full_matrix_gb, 1),
            generate_and_ingest_seconds=round(generate_s, 1),
            load_inputs_seconds=round(load_s, 2),
            scenarios_seconds=round(scenarios_s, 2),
            seconds=round(revalue_s, 2),
            measures_seconds=round(measures_s, 3),
            position_scenarios_per_second=round(inputs.book.size * args.scenarios / revalue_s),
            firm_var99=float(np.asarray(var)[0]),
            firm_es99=float(np.asarray(es)[0]),
            baseline="numpy loop over scenarios (textbook, benchmarks/reval.py), scaled",
            baseline_scenarios_measured=m,
            baseline_seconds_scaled=round(baseline_full, 1),
            ratio_vs_baseline=round(baseline_full / revalue_s, 2),
            max_abs_diff_vs_baseline=check,
        )


if __name__ == "__main__":
    main()
