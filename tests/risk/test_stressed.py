"""The vectorised stressed-period search equals a brute-force loop over windows."""

from __future__ import annotations

import numpy as np
import pytest

from riskcap.risk.stressed import rolling_var_es, stressed_window


def _brute_force(pnl_h: np.ndarray, window: int, horizon: int, conf: float) -> np.ndarray:
    """NumPy twin: every window's VaR/ES by the ORE convention (shared/reference)."""
    m = window - horizon + 1
    out = []
    for w in range(len(pnl_h) - m + 1):
        x = np.sort(pnl_h[w : w + m])
        k = int(np.ceil(round((1 - conf) * m, 9)))
        out.append((-x[k - 1], -x[:k].mean()))
    return np.array(out)


@pytest.mark.parametrize(("window", "horizon", "conf"), [(60, 10, 0.99), (40, 1, 0.975)])
def test_every_window_matches_brute_force(window: int, horizon: int, conf: float) -> None:
    rng = np.random.default_rng(11)
    vol = np.where(np.arange(400) // 80 == 2, 3.0, 1.0)  # a stressed stretch
    pnl = rng.standard_t(4, 400) * vol
    var, es = rolling_var_es(pnl, window, horizon, conf)
    expected = _brute_force(pnl, window, horizon, conf)
    np.testing.assert_array_equal(np.asarray(var), expected[:, 0])
    np.testing.assert_allclose(np.asarray(es), expected[:, 1], rtol=1e-14)
    found = stressed_window(pnl, window, horizon, conf)
    assert found.start == int(np.argmax(expected[:, 0]))
    assert found.var == expected[found.start, 0]
    assert found.windows == len(expected)
    assert found.start + window >= 100 and found.start <= 240  # overlaps the stress


def test_a_tie_takes_the_earliest_window() -> None:
    pnl = np.zeros(100)
    pnl[[30, 70]] = -5.0
    found = stressed_window(pnl, 20, 1, 0.99)
    assert found.start == 11 and found.var == 5.0  # first window holding index 30


def test_history_shorter_than_a_window_is_refused() -> None:
    with pytest.raises(ValueError, match="fewer than one"):
        rolling_var_es(np.zeros(10), 250, 10, 0.99)
