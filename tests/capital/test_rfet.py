"""The risk-factor eligibility test, MAR31.12–31.13 (BCBS d457): 24 observations in 12
months with at least 4 in every 90-day period, or 100 observations."""

from __future__ import annotations

import datetime as dt

from riskcap.capital.rfet import rfet, year_before

AS_OF = dt.date(2022, 12, 28)
START = year_before(AS_OF)  # the 12 months are (START, AS_OF]


def every(days: int, count: int, first: dt.date = START + dt.timedelta(days=1)) -> list[dt.date]:
    return [first + dt.timedelta(days=days * i) for i in range(count)]


def test_exactly_24_evenly_spread_pass() -> None:
    # every 15 days: each 90-day period holds 6
    got = rfet(every(15, 24), AS_OF)
    assert (got.observations, got.modellable) == (24, True)
    assert got.min_in_90_days >= 4


def test_23_observations_fail() -> None:
    got = rfet(every(15, 23), AS_OF)
    assert not got.modellable and "only 23 observations" in got.rule


def test_a_90_day_gap_fails_even_with_24() -> None:
    # 24 observations in the first ~8 months, then nothing for more than 90 days
    got = rfet(every(10, 24), AS_OF)
    assert got.observations == 24 and got.min_in_90_days < 4
    assert not got.modellable and "90-day period" in got.rule


def test_three_in_a_90_day_period_fails_four_pass() -> None:
    # 40 observations in the first 200 days, then one every 30 days: 90-day periods
    # in the last months hold fewer than 4 → fails; one every 22 days holds 4 → passes
    later = START + dt.timedelta(days=201)
    sparse = rfet(every(5, 40) + every(30, 5, later), AS_OF)
    assert (sparse.observations, sparse.modellable) == (45, False)
    assert sparse.min_in_90_days == 2  # e.g. the last 90 days: the 291st and 321st
    dense = rfet(every(5, 40) + every(22, 8, later), AS_OF)
    assert (dense.observations, dense.min_in_90_days, dense.modellable) == (48, 4, True)


def test_100_observations_pass_whatever_the_gaps() -> None:
    clustered = every(1, 100)  # all in the first 100 days, then a 265-day gap
    got = rfet(clustered, AS_OF)
    assert got.modellable and got.min_in_90_days == 0 and "100" in got.rule
    assert not rfet(every(1, 99), AS_OF).modellable


def test_window_edges_and_duplicates() -> None:
    # START itself is outside the 12 months, AS_OF inside; a day counts once (MAR31.13)
    days = [*every(15, 23), START, AS_OF, AS_OF, AS_OF + dt.timedelta(days=1)]
    got = rfet(days, AS_OF)
    assert got.observations == 24 and got.modellable


def test_leap_day() -> None:
    assert year_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert rfet([], dt.date(2024, 2, 29)).observations == 0
