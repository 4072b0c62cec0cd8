"""The factor history's long-to-wide step against pandas' ``pivot_table`` (the
implementation it replaced, used here as the oracle)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcap.inputs.risk_inputs import _wide, wide_history
from tests.conftest import market_table

FACTORS = [f"F{i}" for i in range(6)]


def _pivot(md: pa.Table, wanted: list[str]) -> tuple[tuple[dt.date, ...], np.ndarray]:
    frame = md.to_pandas()
    wide = frame.pivot_table(index="date", columns="factor_id", values="value", aggfunc="last")
    wide = wide.reindex(columns=wanted).sort_index()
    return tuple(wide.index), wide.to_numpy(dtype=np.float64)


rows = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from(FACTORS),
        st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))),
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(rows=rows, wanted=st.lists(st.sampled_from(FACTORS), min_size=1, unique=True))
def test_wide_is_pivot_table_last(rows: list[tuple[int, str, float]], wanted: list[str]) -> None:
    """Same dates and levels as ``pivot_table(aggfunc="last")`` on rows filtered to the
    wanted factors as the lake read filters them: duplicate keys (the later row wins),
    NaN values (skipped; a date with only NaN is no date), factors with no row (NaN)."""
    start = dt.date(2020, 1, 1)
    md = market_table(rows, start)
    md = md.filter(pc.is_in(md["factor_id"], pa.array(wanted)))
    dates, levels = _wide(md, wanted)
    want_dates, want_levels = _pivot(md, wanted)
    assert dates == want_dates
    assert levels.shape == (len(want_dates), len(wanted))
    np.testing.assert_array_equal(levels, want_levels)


@settings(max_examples=200, deadline=None)
@given(
    rows=rows,
    wanted=st.lists(st.sampled_from([*FACTORS, "NOT_IN_TABLE"]), min_size=1, unique=True),
    since=st.one_of(st.none(), st.integers(-2, 32)),
    upto=st.integers(-2, 32),
)
def test_window_of_the_whole_table_is_the_filtered_read(
    rows: list[tuple[int, str, float]], wanted: list[str], since: int | None, upto: int
) -> None:
    """A window cut from the whole table's wide form (what the EOD's tasks share) equals
    ``_wide`` of the rows the lake's filtered read returns (``date`` in
    ``[since, as_of]``, ``factor_id`` in the wanted): dates, order and levels."""
    start = dt.date(2020, 1, 1)
    md = market_table(rows, start)
    as_of = start + dt.timedelta(days=upto)
    first = None if since is None else start + dt.timedelta(days=since)
    keep = pc.and_(pc.is_in(md["factor_id"], pa.array(wanted)), pc.less_equal(md["date"], as_of))
    if first is not None:
        keep = pc.and_(keep, pc.greater_equal(md["date"], first))
    want_dates, want_levels = _wide(md.filter(keep), wanted)
    dates, levels = wide_history(md).window(wanted, first, as_of)
    assert dates == want_dates
    np.testing.assert_array_equal(levels.reshape(len(dates), len(wanted)), want_levels)
