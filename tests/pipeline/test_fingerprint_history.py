"""The market history's digest from the whole table sorted once equals the digest of
the filtered slice (the run key's definition)."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcap.pipeline.fingerprint import history_digest, table_digest
from tests.conftest import market_table

rows = st.lists(
    st.tuples(
        st.integers(0, 20),
        st.sampled_from(["EQ.A", "EQ.B", "FX.EURUSD", "IR.USD.1Y"]),
        st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(float("nan"))),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(rows=rows, upto=st.integers(-1, 21))
def test_history_digest_is_the_digest_of_the_rows_up_to_the_date(
    rows: list[tuple[int, str, float]], upto: int
) -> None:
    start = dt.date(2021, 3, 1)
    md = market_table(rows, start)
    as_of = start + dt.timedelta(days=upto)
    want = table_digest(md.filter(pc.less_equal(md["date"], as_of)))
    assert history_digest(md, as_of) == want
    assert history_digest(md, as_of) == want  # from the kept sorted table
