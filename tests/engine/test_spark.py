"""The Spark engine against the local engine (DESIGN.md §6, issue: scale).

Source of truth: the local engine (an independent code path for the partitioning,
the Parquet reads and the reduction; the pricing kernels are shared by design).
Tolerance: 1e-12 relative to the largest |P&L| of each node vector — both engines
sum the same float64 terms in different orders, so they agree to rounding.

Runs on Spark ``local[2]`` (Java 17 and PySpark); under CI=true a missing Spark is a
failure, elsewhere a skip.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskcap.config import load_settings
from riskcap.data.lake import Lake
from riskcap.engine.local import revalue
from riskcap.engine.var import (
    VarMethod,
    VarSpec,
    daily_covariance,
    monte_carlo_shocks,
    scenario_shocks,
)
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.pipeline.generated import prepare_generated

pytestmark = pytest.mark.slow
RTOL = 1e-12


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.max(np.abs(a), axis=1), 1e-300)
    return float(np.max(np.max(np.abs(a - b), axis=1) / scale))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A generated book: 1,500 positions (150 options, bonds and swaps) on 80 factors."""
    return prepare_generated(tmp_path_factory.mktemp("gen") / "lake1", 1_500, 80, 11, history=300)


def _inputs_and_shocks(config: Path) -> tuple[Any, Lake, dict[str, np.ndarray], dt.date]:
    settings = load_settings(config)
    lake = Lake(settings.lake_path)
    opened = lake.read("positions").column("as_of").to_pylist()[0]
    as_of = max(lake.read("curves", columns=["date"]).column("date").to_pylist())
    inputs = load_risk_inputs(lake, as_of, None, positions_as_of=opened)
    spec = VarSpec.from_config(settings.risk, settings.engine)
    mc_spec = VarSpec.from_config(
        settings.risk, settings.engine, method=VarMethod.MC, mc_scenarios=500
    )
    shocks = {
        "hs_1d": scenario_shocks(inputs, spec),
        "mc_1d": monte_carlo_shocks(mc_spec, daily_covariance(inputs, spec)),
    }
    return inputs, lake, shocks, opened


def test_generated_book_equals_local_engine(spark: Any, generated: Any) -> None:
    from riskcap.engine.spark import payload_for, revalue_spark

    inputs, lake, shocks, opened = _inputs_and_shocks(generated.config_path)
    assert inputs.book.option.units.shape[0] == 150
    assert inputs.book.bond.units.shape[0] + inputs.book.swap.units.shape[0] == 60
    versions = lake.versions(["positions", "instruments", "factors", "vols"])
    payload = payload_for(lake, versions, inputs, shocks, memory_gb=0.05)
    got = revalue_spark(spark, lake, versions, payload, 6, positions_as_of=opened)
    for name, s in shocks.items():
        want = revalue(inputs.book, inputs.market, s, inputs.hierarchy, memory_gb=0.05)
        assert got[name].shape == want.shape == (len(inputs.hierarchy.nodes), s.shape[0])
        assert max_rel_diff(got[name], want) <= RTOL, name
        assert np.abs(want).max() > 0
    # the work parts fix the summation order: a second job gives the same bits
    again = revalue_spark(spark, lake, versions, payload, 6, positions_as_of=opened)
    for name in shocks:
        assert np.array_equal(again[name], got[name])


def test_sum_node_is_order_independent() -> None:
    """The reduction sorts by (part, book) before adding: shuffled input, same bits."""
    from riskcap.engine.spark import sum_node

    rng = np.random.default_rng(3)
    vectors = rng.normal(0, 1e6, (12, 40)) * np.logspace(-8, 8, 12)[:, None]
    group = pd.DataFrame(
        {
            "scenario_set": "hs_1d",
            "node": 4,
            "part": np.repeat(np.arange(4), 3),
            "book": np.tile([2, 5, 9], 4),
            "pnl": [v.tobytes() for v in vectors],
        }
    )
    first = sum_node(group)
    shuffled = sum_node(group.sample(frac=1.0, random_state=1))
    assert first["pnl"].iloc[0] == shuffled["pnl"].iloc[0]
    total = np.frombuffer(first["pnl"].iloc[0], np.float64)
    np.testing.assert_allclose(total, vectors.sum(axis=0), rtol=1e-12, atol=1e-6)


def test_missing_positions_partition_is_a_clear_error(spark: Any, generated: Any) -> None:
    from riskcap.engine.spark import payload_for, revalue_spark
    from riskcap.errors import RiskcapError

    inputs, lake, shocks, _ = _inputs_and_shocks(generated.config_path)
    versions = lake.versions(["positions", "instruments", "factors", "vols"])
    payload = payload_for(lake, versions, inputs, {"hs_1d": shocks["hs_1d"]}, 0.05)
    with pytest.raises(RiskcapError, match="no positions files for 1999-01-04"):
        revalue_spark(spark, lake, versions, payload, 2, positions_as_of=dt.date(1999, 1, 4))
