"""``riskcap generate``: a synthetic book and history of any size, in its own lake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcap.cli import run
from riskcap.config import load_settings
from riskcap.data.generate import generate_world
from riskcap.data.lake import Lake
from riskcap.errors import InputFileError
from riskcap.pipeline.runner import Outcome, run_eod


def test_sizes_are_exact_and_keys_unique() -> None:
    w = generate_world(3_001, 137, seed=5, history=60)
    assert len(w.positions) == 3_001
    assert len(w.factors) == 137 and w.factors["synthetic"].all()
    assert not w.positions.duplicated(["book_id", "instrument_id"]).any()
    assert (w.positions["quantity"] != 0).all()
    assert set(w.positions["instrument_id"]) <= set(w.instruments["instrument_id"])
    kinds = w.instruments.set_index("instrument_id").loc[w.positions["instrument_id"]]
    counts = kinds["instrument_type"].value_counts()
    assert counts["equity_option"] == 300 and counts["bond"] + counts["irs"] == 120
    # one level per factor and date, history ending on the as-of date
    md = w.market_data
    assert len(md) == 137 * 60 and md["date"].max() == w.as_of
    assert set(md["factor_id"]) == set(w.factors["factor_id"])
    assert w.positions["as_of"].iloc[0] < w.as_of


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b = generate_world(500, 40, seed=9, history=40), generate_world(500, 40, seed=9, history=40)
    for name in ("factors", "market_data", "instruments", "positions", "books", "vols"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    c = generate_world(500, 40, seed=10, history=40)
    assert not np.array_equal(a.market_data["value"], c.market_data["value"])


def test_equity_returns_are_correlated() -> None:
    """One market factor with betas 0.5–1.5: pairwise correlations are positive
    (expected ρ ≈ β₁β₂σ²_m / (σ₁σ₂) ≈ 0.3 with the generator's parameters)."""
    w = generate_world(100, 40, seed=2, history=400)
    eq = w.market_data[w.market_data["factor_id"].str.startswith("EQ.")]
    wide = eq.pivot(index="date", columns="factor_id", values="value")
    corr = np.corrcoef(np.diff(np.log(wide.to_numpy()), axis=0).T)
    off = corr[~np.eye(len(corr), dtype=bool)]
    assert 0.1 < off.mean() < 0.6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"positions": 0, "factors": 40}, "--positions must be at least 1"),
        ({"positions": 10, "factors": 32}, "--factors must be at least 33"),
        ({"positions": 10, "factors": 40, "history": 5}, "--history must be at least 30"),
        ({"positions": 10, "factors": 40, "option_share": 1.5}, "shares must be in"),
    ],
)
def test_bad_sizes_are_clear_errors(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        generate_world(seed=1, **kwargs)  # type: ignore[arg-type]


def test_generated_lake_runs_the_eod(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "gen"
    code = run(
        [
            "generate",
            "--positions",
            "800",
            "--factors",
            "50",
            "--seed",
            "4",
            "--dir",
            str(target),
            "--history",
            "300",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "800 positions" in printed and "eod run --as-of" in printed
    settings = load_settings(target / "riskcap.toml")
    lake = Lake(settings.lake_path)
    assert lake.read("positions").num_rows == 800
    as_of = max(lake.read("curves", columns=["date"]).column("date").to_pylist())
    out = run_eod(settings, as_of)  # the quality gate passes; FRTB is off in its config
    assert out.outcome is Outcome.COMPUTED
    assert lake.read("positions", filters=[("as_of", "=", as_of)]).num_rows == 800
    # a lake is never generated over another
    assert run(["generate", "--positions", "10", "--factors", "40", "--dir", str(target)]) == 4
    assert "already holds a riskcap lake" in capsys.readouterr().err
    assert lake.read("positions").num_rows == 1600  # nothing lost or added
