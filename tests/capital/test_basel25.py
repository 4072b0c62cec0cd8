"""Basel 2.5 capital against hand computation (BCBS 2009/2010 ¶718(Lxxvi)(k)–(l))."""

from __future__ import annotations

import pytest

from riskcap.capital.basel25 import basel25_capital, capital_term, multiplier


def test_average_branch_binds() -> None:
    var = [10.0] * 59 + [12.0]  # avg = 602/60 = 10.0333…, × 3 = 30.1 > 12
    svar = [20.0] * 60  # avg 20 × 3 = 60 > 20
    c = basel25_capital(var, svar, 0.0, average_days=60, floor=3.0)
    assert c.var.average == pytest.approx(602 / 60)
    assert c.var.value == pytest.approx(3 * 602 / 60) and c.var.binding == "average"
    assert c.svar.value == pytest.approx(60.0)
    assert c.total == pytest.approx(30.1 + 60.0)


def test_latest_branch_binds_and_the_plus_factor_raises_the_multiplier() -> None:
    var = [1.0] * 59 + [100.0]  # avg = 159/60 = 2.65; × 3.5 = 9.275 < 100
    svar = [5.0] * 59 + [200.0]  # avg = 495/60 = 8.25; × 3.5 = 28.875 < 200
    c = basel25_capital(var, svar, 0.5, average_days=60, floor=3.0)
    assert c.var.multiplier == c.svar.multiplier == 3.5
    assert c.var.binding == "latest" and c.var.value == 100.0
    assert c.svar.binding == "latest" and c.total == 300.0


def test_only_the_last_sixty_days_are_averaged() -> None:
    series = [1000.0] * 10 + [10.0] * 60
    t = capital_term(series, 3.0, 60)
    assert (t.average, t.days, t.value) == (10.0, 60, 30.0)


def test_a_short_history_averages_what_there_is() -> None:
    t = capital_term([4.0, 6.0, 8.0], 3.0, 60)  # a new installation: 3 days
    assert (t.latest, t.average, t.days, t.value) == (8.0, 6.0, 3, 18.0)


def test_red_zone_multiplier_and_bad_plus_factor() -> None:
    assert multiplier(1.0, 3.0) == 4.0  # BCBS 1996 Table 2: red zone plus factor 1
    with pytest.raises(ValueError):
        multiplier(1.2, 3.0)
