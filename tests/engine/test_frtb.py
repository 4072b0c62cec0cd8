"""FRTB IMA figures of the engine against independent NumPy computations on the small
hand-built book of tests/books.py: the plain 97.5 % ES when every factor is in the
10-day bucket, the MAR33.4 cascade by hand, the stressed window by a brute-force loop,
and the NMRF stress scenarios."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from riskcap.config import FactorClassRule, FrtbConfig, RiskClass
from riskcap.engine.frtb import SCOPE_ALL, frtb_figures, tag_factors
from riskcap.engine.local import revalue
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.market.scenarios import fixed_window_shocks
from tests.books import FACTORS, HIERARCHY, X0, mixed_book

TYPES = ("equity_price", "equity_price", "implied_vol", "zero_rate", "zero_rate")
N_DATES = 700
WINDOW = 60


def _levels() -> tuple[tuple[dt.date, ...], np.ndarray]:
    """A random walk ending at X0, with a turbulent stretch (dates 200–320)."""
    rng = np.random.default_rng(7)
    scale = np.array([0.012, 0.015, 0.03, 0.0004, 0.0003])
    steps = rng.standard_normal((N_DATES - 1, 5)) * scale
    steps[200:320] *= 3.0
    walk = np.vstack([np.zeros(5), np.cumsum(steps, axis=0)])
    walk -= walk[-1]  # end at X0
    is_log = np.asarray(FACTORS.is_log)
    levels = np.where(is_log, X0 * np.exp(walk), X0 + walk)
    dates = tuple(dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(N_DATES))
    return dates, levels


def _inputs() -> RiskInputs:
    dates, levels = _levels()
    return RiskInputs(
        as_of=dates[-1],
        factors=FACTORS,
        factor_types=TYPES,
        dates=dates,
        levels=levels,
        book=mixed_book(),
        hierarchy=HIERARCHY,
        positions=pd.DataFrame(),
        versions={},
    )


def _config(**kw: object) -> FrtbConfig:
    base: dict[str, object] = {"window": WINDOW, "stressed_window": WINDOW, "stressed_from": None}
    return FrtbConfig(**{**base, **kw})  # type: ignore[arg-type]


def _es(pnl: np.ndarray) -> np.ndarray:
    """NumPy twin of the empirical 97.5 % ES (DESIGN.md §3), per row."""
    k = math.ceil(round(0.025 * pnl.shape[-1], 9))
    return -np.sort(pnl, axis=-1)[..., :k].mean(axis=-1)


def _pnl(inputs: RiskInputs, shocks: np.ndarray) -> np.ndarray:
    return revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=2.0)


def _all_ten_days() -> list[FactorClassRule]:
    return [
        FactorClassRule(factor_types=[t], risk_class=c, liquidity_horizon=10)
        for t, c in (
            ("equity_price", RiskClass.EQUITY),
            ("implied_vol", RiskClass.EQUITY),
            ("zero_rate", RiskClass.INTEREST_RATE),
        )
    ]


def test_every_factor_at_ten_days_gives_the_plain_es_and_the_brute_force_window() -> None:
    inputs = _inputs()
    config = _config(factor_classes=_all_ten_days(), reduced_factor_types=list(set(TYPES)))
    tags = tag_factors(FACTORS.ids, TYPES, config)
    everything = np.ones(5, bool)
    fig = frtb_figures(
        inputs, tags, everything, (inputs.dates, inputs.levels), config, 1.0, {"agg": ["desk:D1"]}
    )
    is_log = np.asarray(FACTORS.is_log)
    current = np.asarray(fixed_window_shocks(inputs.levels[-(WINDOW + 1) :], is_log, horizon=10))
    plain = _es(_pnl(inputs, current))
    a = fig.scopes[SCOPE_ALL]
    np.testing.assert_allclose(a.es_fc[:-1], np.maximum(plain, 0.0), rtol=1e-12)
    np.testing.assert_allclose(a.es_rc, a.es_fc, rtol=0)  # the reduced set is everything
    # the stressed window by a loop over every window of the firm's 10-day P&L
    moves = np.asarray(fixed_window_shocks(inputs.levels, is_log, horizon=10))
    firm = _pnl(inputs, moves)[0]
    m = WINDOW - 10 + 1
    per_window = np.array([_es(firm[w : w + m]) for w in range(len(firm) - m + 1)])
    best = int(np.argmax(np.maximum(per_window, 0.0)))
    assert fig.stressed_start == inputs.dates[best]
    assert fig.stressed_end == inputs.dates[best + WINDOW]
    assert 200 - WINDOW <= best <= 320  # inside the turbulent stretch
    assert fig.stressed_es == pytest.approx(per_window[best], rel=1e-12)
    stressed = _es(_pnl(inputs, moves[best : best + m]))
    np.testing.assert_allclose(a.es_rs[:-1], np.maximum(stressed, 0.0), rtol=1e-12)
    np.testing.assert_allclose(a.calibrated, a.es_rs, rtol=0)  # ratio 1
    # the aggregate of one desk is that desk
    d1 = fig.nodes.index("desk:D1")
    assert a.es_fc[-1] == pytest.approx(a.es_fc[d1], rel=1e-14)
    assert fig.imcc[-1] == pytest.approx(fig.imcc[d1], rel=1e-14)
    # IMCC (MAR33.15) from the per-class figures
    by_class = fig.scopes["equity"].calibrated + fig.scopes["interest_rate"].calibrated
    np.testing.assert_allclose(fig.imcc, 0.5 * a.calibrated + 0.5 * by_class, rtol=1e-15)
    assert (fig.ses == 0).all() and not fig.nmrf


def test_cascade_with_longer_horizons_by_hand() -> None:
    # defaults: equity prices 10 days, the vol 20, rates of an unspecified currency 20
    inputs = _inputs()
    config = _config(reduced_factor_types=["equity_price"])
    tags = tag_factors(FACTORS.ids, TYPES, config)
    assert tags.horizon.tolist() == [10, 10, 20, 20, 20]
    fig = frtb_figures(inputs, tags, np.ones(5, bool), (inputs.dates, inputs.levels), config, 1.0)
    is_log = np.asarray(FACTORS.is_log)
    current = np.asarray(fixed_window_shocks(inputs.levels[-(WINDOW + 1) :], is_log, horizon=10))
    long_only = np.array([0, 0, 1, 1, 1], float)
    es1 = np.maximum(_es(_pnl(inputs, current)), 0.0)
    es2 = np.maximum(_es(_pnl(inputs, current * long_only)), 0.0)
    # MAR33.4: sqrt(ES_T(P)² + (ES_T(P, 2)·sqrt((20 − 10)/10))²)
    np.testing.assert_allclose(fig.scopes[SCOPE_ALL].es_fc, np.hypot(es1, es2), rtol=1e-12)
    # the reduced set holds the stock prices only: ES_R,C has no longer-horizon term
    es_r = np.maximum(_es(_pnl(inputs, current * np.array([1, 1, 0, 0, 0.0]))), 0.0)
    np.testing.assert_allclose(fig.scopes[SCOPE_ALL].es_rc, es_r, rtol=1e-12)
    # the rates class alone: only its 20-day factors, so both terms move the same set
    rates = np.maximum(_es(_pnl(inputs, current * np.array([0, 0, 0, 1, 1.0]))), 0.0)
    np.testing.assert_allclose(fig.scopes["interest_rate"].es_fc, rates * math.sqrt(2), rtol=1e-12)
    cal = fig.scopes[SCOPE_ALL]
    ratio = np.where(
        cal.es_rc > 0, np.maximum(cal.es_fc / np.where(cal.es_rc > 0, cal.es_rc, 1), 1), 1
    )
    expected = np.where(cal.es_rc > 0, cal.es_rs * ratio, cal.es_fc)
    np.testing.assert_allclose(cal.calibrated, expected, rtol=1e-15)


def test_non_modellable_factors_get_stress_scenarios() -> None:
    inputs = _inputs()
    config = _config(reduced_factor_types=["equity_price", "zero_rate"])
    tags = tag_factors(FACTORS.ids, TYPES, config)
    modellable = np.array([True, False, False, True, True])  # EQ.B and VOL.A fail the RFET
    fig = frtb_figures(inputs, tags, modellable, (inputs.dates, inputs.levels), config, 1.0)
    is_log = np.asarray(FACTORS.is_log)
    current = np.asarray(fixed_window_shocks(inputs.levels[-(WINDOW + 1) :], is_log, horizon=10))
    # the ES model never moves them (the 20-day term holds the rates only)
    plain = np.maximum(_es(_pnl(inputs, current * modellable)), 0.0)
    rates = np.maximum(_es(_pnl(inputs, current * np.array([0, 0, 0, 1, 1.0]))), 0.0)
    np.testing.assert_allclose(fig.scopes[SCOPE_ALL].es_fc, np.hypot(plain, rates), rtol=1e-12)
    start = inputs.dates.index(fig.stressed_start)
    stop = inputs.dates.index(fig.stressed_end)
    stressed_moves = np.asarray(
        fixed_window_shocks(inputs.levels[start : stop + 1], is_log, horizon=10)
    )
    expected = {}
    for k, lh in ((1, 10), (2, 20)):
        only = np.zeros(5)
        only[k] = 1.0
        worst = np.maximum(
            np.maximum(_es(_pnl(inputs, current * only)), _es(_pnl(inputs, stressed_moves * only))),
            0.0,
        )
        expected[FACTORS.ids[k]] = worst * math.sqrt(max(lh, 20) / 10)  # MAR33.16 horizon
        np.testing.assert_allclose(fig.nmrf[FACTORS.ids[k]], expected[FACTORS.ids[k]], rtol=1e-12)
    assert fig.nmrf_group == {"EQ.B": "idiosyncratic_equity", "VOL.A": "correlated"}
    # EQ.B alone in the zero-correlation group, VOL.A alone with correlation 0.6
    np.testing.assert_allclose(fig.ses, expected["EQ.B"] + expected["VOL.A"], rtol=1e-12)


def test_unclassified_factor_and_empty_reduced_set_are_errors() -> None:
    config = FrtbConfig(
        factor_classes=[
            FactorClassRule(
                factor_types=["zero_rate"], risk_class="interest_rate", liquidity_horizon=10
            )
        ]
    )
    with pytest.raises(
        RiskcapError, match=r"no \[\[frtb\.factor_classes\]\] rule matches factor EQ\.A"
    ):
        tag_factors(FACTORS.ids, TYPES, config)
    inputs = _inputs()
    config = _config(reduced_factor_types=[])
    tags = tag_factors(FACTORS.ids, TYPES, config)
    with pytest.raises(RiskcapError, match="reduced set is empty"):
        frtb_figures(inputs, tags, np.ones(5, bool), (inputs.dates, inputs.levels), config, 1.0)
    short = _config(window=N_DATES)
    with pytest.raises(RiskcapError, match="current ES needs"):
        frtb_figures(
            inputs,
            tag_factors(FACTORS.ids, TYPES, short),
            np.ones(5, bool),
            (inputs.dates, inputs.levels),
            short,
            1.0,
        )
