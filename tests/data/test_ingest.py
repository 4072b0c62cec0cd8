"""Ingestion: quarantine, threshold, idempotence, formats, upserts, concurrency."""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcap.data.contract import Col, ColType, IngestKind
from riskcap.data.identifiers import identifier_problem, normalise, text_problem
from riskcap.data.ingest import _ROW, IngestResult, _checked_text, _Checker, ingest_file
from riskcap.data.lake import Lake
from riskcap.errors import IngestRejected
from tests.conftest import BAD_DIR, TODAY, write_csv

TRADE_HEADER = "trade_id,trade_date,book_id,instrument_id,quantity,price"


def test_bad_rows_below_threshold_go_to_quarantine(
    ref_lake: Lake, ingest: Callable[..., IngestResult]
) -> None:
    q0, t0 = ref_lake.version("quarantine"), ref_lake.version("trades")
    result = ingest("trades", BAD_DIR / "nan_price.csv", max_bad_fraction=0.5)
    assert (result.rows_read, result.rows_written, result.rows_quarantined) == (3, 2, 1)
    assert ref_lake.version("trades") == t0 + 1  # one atomic commit for the good rows
    assert ref_lake.version("quarantine") == q0 + 1
    trades = ref_lake.read("trades").to_pandas()
    assert sorted(trades["trade_id"]) == ["T1", "T3"]
    q = ref_lake.read("quarantine").to_pandas()
    assert q[["source_row", "rule", "target_table"]].to_dict("records") == [
        {"source_row": 2, "rule": "finite_price", "target_table": "trades"}
    ]
    assert json.loads(q["raw"][0]) == {
        "trade_id": "T2",
        "trade_date": "2022-01-04",
        "book_id": "B1",
        "instrument_id": "AAPL",
        "quantity": "5",
        "price": "NaN",
    }
    assert q["source_file"][0].endswith("nan_price.csv")


def test_same_content_twice_is_a_noop(ref_lake: Lake, ingest: Callable[..., IngestResult]) -> None:
    first = ingest("trades", BAD_DIR / "nan_price.csv", max_bad_fraction=0.5)
    versions = (ref_lake.version("trades"), ref_lake.version("quarantine"))
    again = ingest("trades", BAD_DIR / "nan_price.csv", max_bad_fraction=0.5)
    assert again.already_ingested and not first.already_ingested
    assert again.sha256 == first.sha256
    assert (ref_lake.version("trades"), ref_lake.version("quarantine")) == versions
    assert len(ref_lake.read("trades")) == 2


def test_same_content_under_another_name_is_a_noop(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    ingest("trades", BAD_DIR / "nan_price.csv", max_bad_fraction=0.5)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((BAD_DIR / "nan_price.csv").read_bytes())
    assert ingest("trades", copy, max_bad_fraction=0.5).already_ingested


def test_trade_id_already_in_table_is_a_duplicate(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    ingest("trades", write_csv(tmp_path / "a.csv", TRADE_HEADER, "X1,2022-01-04,B1,AAPL,1,180"))
    with pytest.raises(IngestRejected, match=r"row 1 rule duplicate_trade_id.*already in the"):
        ingest("trades", write_csv(tmp_path / "b.csv", TRADE_HEADER, "X1,2022-01-05,B1,AAPL,1,1"))


def test_parquet_input_is_validated_like_csv(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    table = pa.table(
        {
            "trade_id": ["P1", "P2"],
            "trade_date": pa.array([pd.Timestamp("2022-01-04").date()] * 2, pa.date32()),
            "book_id": ["B1", "B1"],
            "instrument_id": ["AAPL", "NOPE"],
            "quantity": [5.0, 1.0],
            "price": [180.0, 1.0],
        }
    )
    path = tmp_path / "trades.parquet"
    pq.write_table(table, path)
    result = ingest("trades", path, max_bad_fraction=0.5)
    assert (result.rows_written, result.rows_quarantined) == (1, 1)
    assert result.rule_counts == {"unknown_instrument": 1}


def test_unknown_columns_are_ignored(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "t.csv", TRADE_HEADER + ",trader", "E1,2022-01-04,B1,AAPL,1,2,bob")
    assert ingest("trades", path).rows_written == 1


def test_instruments_upsert_and_type_rules(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    header = "instrument_id,instrument_type,currency,underlying,strike,option_type,expiry"
    path = write_csv(
        tmp_path / "inst.csv",
        header,
        "AAPL,equity,USD,EQ.AAPL,,,",  # unchanged definition (update)
        "AAPL-C,equity_option,USD,EQ.AAPL,150,call,2023-03-17",
        "AAPL-X,equity_option,USD,EQ.AAPL,150,call,",  # no expiry
        "AAPL-Y,equity_option,USD,EQ.AAPL,-5,straddle,2023-03-17",
        "BOND1,bond,usd,,,,",
        "ZZZ,equity,USD,EQ.ZZZ,,,",
    )
    result = ingest("instruments", path, max_bad_fraction=1.0)
    assert result.rows_written == 2
    assert result.rule_counts == {
        "missing_field_for_type": 5,  # AAPL-X expiry; BOND1 maturity, fixed_rate, freq, curve
        "positive_strike": 1,
        "invalid_option_type": 1,
        "invalid_currency": 1,
        "unknown_factor": 1,
    }
    ids = sorted(ref_lake.read("instruments").column("instrument_id").to_pylist())
    assert ids == ["AAPL", "AAPL-C", "JPM", "MSFT"]  # upserted, not duplicated


def test_positions_file_replaces_its_dates(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    header = "as_of,book_id,instrument_id,quantity"
    ingest(
        "positions",
        write_csv(tmp_path / "p1.csv", header, "2022-01-03,B1,AAPL,100", "2022-01-03,B1,MSFT,5"),
    )
    ingest("positions", write_csv(tmp_path / "p2.csv", header, "2022-01-03,B1,AAPL,70"))
    rows = ref_lake.read("positions").to_pandas()
    assert rows[["instrument_id", "quantity"]].to_dict("records") == [
        {"instrument_id": "AAPL", "quantity": 70.0}
    ]


def _ingest_in_process(lake_root: str, path: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    try:
        r = ingest_file(
            Lake(lake_root), IngestKind.TRADES, Path(path), max_bad_fraction=0.0, today=TODAY
        )
        queue.put(("ok", r.already_ingested))
    except Exception as exc:  # reported to the parent
        queue.put(("error", repr(exc)))


def _run_concurrently(lake: Lake, paths: list[Path]) -> list[tuple[str, object]]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_ingest_in_process, args=(lake.root, str(p), queue)) for p in paths]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    return [queue.get(timeout=5) for _ in procs]


def test_two_processes_ingesting_different_files_both_land(ref_lake: Lake, tmp_path: Path) -> None:
    a = write_csv(
        tmp_path / "a.csv",
        TRADE_HEADER,
        *[f"A{i},2022-01-04,B1,AAPL,{i + 1},180" for i in range(50)],
    )
    b = write_csv(
        tmp_path / "b.csv",
        TRADE_HEADER,
        *[f"B{i},2022-01-04,B2,MSFT,{i + 1},240" for i in range(50)],
    )
    v0 = ref_lake.version("trades")
    results = _run_concurrently(ref_lake, [a, b])
    assert results == [("ok", False), ("ok", False)]
    ids = ref_lake.read("trades").column("trade_id").to_pylist()
    assert len(ids) == 100 == len(set(ids))
    assert ref_lake.version("trades") == v0 + 2


def test_two_processes_ingesting_the_same_file_land_it_once(ref_lake: Lake, tmp_path: Path) -> None:
    a = write_csv(
        tmp_path / "a.csv",
        TRADE_HEADER,
        *[f"A{i},2022-01-04,B1,AAPL,{i + 1},180" for i in range(50)],
    )
    results = _run_concurrently(ref_lake, [a, a])
    assert sorted(results) == [("ok", False), ("ok", True)]
    ids = ref_lake.read("trades").column("trade_id").to_pylist()
    assert len(ids) == 50 == len(set(ids))


def test_observations_are_validated(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    # real-price observations for the FRTB eligibility test: known factor, no future
    # date, one row per date × factor × source
    path = write_csv(
        tmp_path / "observations.csv",
        "date,factor_id,source",
        "2022-01-03,EQ.AAPL,NASDAQ close",
        "2022-01-03,EQ.AAPL,NASDAQ close",
        "2022-01-03,EQ.NOPE,vendor",
        "2099-01-03,EQ.MSFT,vendor",
        "2022-01-04,EQ.MSFT,vendor",
    )
    with pytest.raises(IngestRejected, match=r"observations\.csv.*row 2"):
        ingest("observations", path, max_bad_fraction=0.5)
    assert ref_lake.read("observations").num_rows == 0  # nothing written
    result = ingest("observations", path, max_bad_fraction=0.9)
    assert (result.rows_written, result.rows_quarantined) == (2, 3)
    q = ref_lake.read("quarantine").to_pandas()
    assert sorted(zip(q["source_row"], q["rule"], strict=True))[:1] == [(2, "duplicate_key")]
    assert set(q["source_row"]) == {2, 3, 4}
    kept = ref_lake.read("observations").to_pandas()
    assert sorted(kept["factor_id"]) == ["EQ.AAPL", "EQ.MSFT"]


@pytest.mark.parametrize(
    ("fmt", "dates"),
    [
        ("us", ("1/3/2022", "01/04/2022")),
        ("eu", ("3/1/2022", "04/01/2022")),
        ("eu-dot", ("03.01.2022", "04.01.2022")),
        ("compact", ("20220103", "20220104")),
    ],
)
def test_date_formats_are_explicit_never_guessed(
    ref_lake: Lake, tmp_path: Path, fmt: str, dates: tuple[str, str]
) -> None:
    """Issue 27, blocker 3: a file whose dates are all non-ISO is a clear row error
    (never a traceback); ``--date-format`` reads the common alternatives."""
    from riskcap.data.contract import DateFormat

    path = write_csv(
        tmp_path / "md.csv",
        "date,factor_id,value",
        f"{dates[0]},EQ.AAPL,1",
        f"{dates[1]},EQ.AAPL,2",
    )
    before = ref_lake.version("market_data")
    with pytest.raises(IngestRejected, match=r"row 1 rule type: date .* is not an ISO date"):
        ingest_file(ref_lake, IngestKind.MARKET_DATA, path, max_bad_fraction=0.0, today=TODAY)
    assert ref_lake.version("market_data") == before
    result = ingest_file(
        ref_lake,
        IngestKind.MARKET_DATA,
        path,
        max_bad_fraction=0.0,
        today=TODAY,
        date_format=DateFormat(fmt),
    )
    assert result.rows_written == 2
    got = sorted(r["date"].isoformat() for r in ref_lake.read("market_data").to_pylist())
    assert got == ["2022-01-03", "2022-01-04"]


def test_cli_date_format_option(
    ref_lake: Lake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from riskcap.cli import run

    config = tmp_path / "riskcap.toml"
    config.write_text("")
    path = write_csv(tmp_path / "us.csv", "date,factor_id,value", "1/3/2022,EQ.AAPL,1")
    assert run(["ingest", "market-data", str(path), "-c", str(config)]) == 5
    err = capsys.readouterr().err
    assert "not an ISO date" in err and "--date-format" in err and "Traceback" not in err
    assert run(["ingest", "market-data", str(path), "-c", str(config), "--date-format", "us"]) == 0
    assert run(["ingest", "market-data", str(path), "-c", str(config), "--date-format", "x"]) == 2


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.sampled_from(
                ["EQ.AAPL", " EQ.AAPL", "ｅｑ.aapl", "bad id", "a\x00b", "", "IR.USD.1Y"]
            ),
            st.text(max_size=6),
            st.none(),
            st.just(float("nan")),
            st.integers(0, 3),
        ),
        max_size=40,
    ),
    kind=st.sampled_from([ColType.ID, ColType.TEXT]),
)
def test_text_cells_are_checked_as_one_by_one(cells: list[object], kind: ColType) -> None:
    """Identifier and free-text cells are normalised and checked once per distinct
    value: the same cells, the same violations (row, rule, message) as checking every
    cell on its own (the former implementation, the oracle here)."""
    col = Col("factor_id", kind)
    text = pd.Series(cells, dtype=object)
    frame = pd.DataFrame({_ROW: range(2, 2 + len(cells)), "factor_id": text})
    check = _Checker(frame)
    got = _checked_text(text, col, check)
    problem_of = identifier_problem if kind is ColType.ID else text_problem
    want = text.map(lambda v: normalise(v) if isinstance(v, str) else v)
    problems = want.map(lambda v: problem_of(v) if isinstance(v, str) else None)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):  # a missing cell stays missing (None or NaN)
        assert pd.isna(g) if not isinstance(w, str) and pd.isna(w) else g == w
    bad = [i for i, p in enumerate(problems) if p is not None]
    assert [v.row for v in check.violations] == [i + 2 for i in bad]
    for v, i in zip(check.violations, bad, strict=True):
        assert v.detail.endswith(str(problems[i]))


def test_fx_instrument_and_currency_rules(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    """Issue 19, item 9: an unknown currency, a currency without its FX rate to the
    reporting currency (USD), FX instruments with one currency twice, a near leg after
    the far one or a non-positive rate are named, row by row, and not stored."""
    ingest(
        "factors",
        write_csv(
            tmp_path / "fx.csv",
            "factor_id,factor_type,shock_type",
            "FX.EURUSD,fx_rate,log",
        ),
    )
    header = (
        "instrument_id,instrument_type,currency,base_currency,underlying,maturity,strike,"
        "near_date,near_rate,option_type,expiry"
    )
    path = write_csv(
        tmp_path / "fx_inst.csv",
        header,
        "FXF1,fx_forward,USD,EUR,,2023-03-17,1.10,,,,",  # good
        "FXF2,fx_forward,USD,XYZ,,2023-03-17,1.10,,,,",  # base not ISO 4217
        "FXF3,fx_forward,USD,USD,,2023-03-17,1.10,,,,",  # one currency twice
        "FXF4,fx_forward,USD,GBP,,2023-03-17,1.30,,,,",  # no FX.GBPUSD factor
        "FXF5,fx_forward,USD,EUR,,,1.10,,,,",  # no maturity
        "FXS1,fx_swap,USD,EUR,,2023-03-17,1.10,2023-06-01,1.09,,",  # near after far
        "FXS2,fx_swap,USD,EUR,,2023-03-17,1.10,2023-01-10,-1,,",  # negative near rate
        "FXO1,fx_option,USD,EUR,,,1.10,,,call,2023-06-16",  # good
        "EQ-EUR,equity,EUR,,EQ.AAPL,,,,,,",  # good: FX.EURUSD is a factor
        "EQ-CHF,equity,CHF,,EQ.AAPL,,,,,,",  # no FX.CHFUSD factor
        "EQ-FX,equity,USD,GBP,EQ.AAPL,,,,,,",  # a share's base currency is ignored
        "EQ-EURO,equity,EURO,,EQ.AAPL,,,,,,",  # not a currency code
    )
    before = ref_lake.version("instruments")
    result = ingest("instruments", path, max_bad_fraction=1.0)
    assert result.rows_written == 4
    assert result.rule_counts == {
        "invalid_currency": 2,
        "same_currencies": 1,
        "missing_fx_rate": 2,
        "missing_field_for_type": 1,
        "near_before_far": 1,
        "positive_near_rate": 1,
    }
    stored = set(ref_lake.read("instruments").column("instrument_id").to_pylist())
    assert {"FXF1", "FXO1", "EQ-EUR", "EQ-FX"} <= stored
    assert not stored & {"FXF2", "FXF3", "FXF4", "FXF5", "FXS1", "FXS2", "EQ-CHF"}
    assert ref_lake.version("instruments") == before + 1
    # a file of bad rows only above the threshold is rejected whole, nothing stored
    bad = write_csv(tmp_path / "bad.csv", header, "FXF9,fx_forward,USD,GBP,,2023-03-17,1.3,,,,")
    with pytest.raises(IngestRejected, match=r"row 1 rule missing_fx_rate.*FX\.GBPUSD"):
        ingest("instruments", bad)
    assert ref_lake.version("instruments") == before + 1


def test_curve_pillars_in_order_and_fx_vol_surfaces(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    """A curve's pillars are listed shortest first (a row after a longer tenor is
    named); a vol surface may belong to an FX pair (``FX.EURGBP``), factor or not."""
    curves = write_csv(
        tmp_path / "curves.csv",
        "date,curve_id,tenor_years,zero_rate",
        "2022-01-03,EUR.ZERO,1,0.01",
        "2022-01-03,EUR.ZERO,5,0.02",
        "2022-01-03,EUR.ZERO,2,0.015",  # after 5Y
        "2022-01-03,GBP.ZERO,2,0.02",  # another curve starts its own order
    )
    result = ingest("curves", curves, max_bad_fraction=1.0)
    assert result.rule_counts == {"pillars_not_increasing": 1}
    assert result.rows_written == 3
    vols = write_csv(
        tmp_path / "vols.csv",
        "date,underlying,tenor_years,implied_vol",
        "2022-01-03,FX.EURGBP,1,0.07",
        "2022-01-03,FX.EURXYZ,1,0.07",  # not a pair of currencies, not a factor
        "2022-01-03,FX.EURGBP,2,-0.07",  # negative vol
    )
    result = ingest("vols", vols, max_bad_fraction=1.0)
    assert result.rule_counts == {"unknown_factor": 1, "positive_implied_vol": 1}
    assert result.rows_written == 1


def test_bond_and_swap_convention_rules(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    """Issue 19, item 3: conventions name what riskcap.data.conventions knows (calendar,
    or a + join of them; day counts; business-day rules; 1–12 payments a year), and a
    schedule starts before it matures; each bad row is named with its rule and nothing
    of it is stored."""
    header = (
        "instrument_id,instrument_type,currency,maturity,fixed_rate,payment_frequency,"
        "pay_receive,curve_id,start_date,calendar,business_day_convention,day_count,"
        "float_day_count,float_frequency,projection_curve"
    )
    path = write_csv(
        tmp_path / "conv.csv",
        header,
        "S1,irs,USD,2030-01-15,0.03,1,pay,USD.ZERO,2025-01-15,US,modified_following,"
        "ACT/360,ACT/360,4,USD.SOFR",  # good
        "S2,irs,USD,2030-01-15,0.03,1,pay,USD.ZERO,,TARGET+UK,,30/360,,,",  # good: a join
        "B1,bond,USD,2030-01-15,0.03,2,,USD.ZERO,,MARS,,,,,",  # unknown calendar
        "B2,bond,USD,2030-01-15,0.03,2,,USD.ZERO,,,,ACT/364,,,",  # unknown day count
        "B3,bond,USD,2030-01-15,0.03,5,,USD.ZERO,,,,,,,",  # 5 payments a year
        "B4,bond,USD,2030-01-15,0.03,2,,USD.ZERO,,,next,,,,",  # not a convention
        "S3,irs,USD,2030-01-15,0.03,1,pay,USD.ZERO,2030-01-15,,,,,,",  # starts at maturity
        "S4,irs,USD,2030-01-15,0.03,1,pay,USD.ZERO,,,,,ACT/999,7,",  # float dc and freq
    )
    before = ref_lake.version("instruments")
    result = ingest("instruments", path, max_bad_fraction=1.0)
    assert result.rows_written == 2
    assert result.rule_counts == {
        "invalid_calendar": 1,
        "invalid_day_count": 1,
        "invalid_frequency": 2,
        "invalid_business_day_convention": 1,
        "start_before_maturity": 1,
        "invalid_float_day_count": 1,
    }
    stored = set(ref_lake.read("instruments").column("instrument_id").to_pylist())
    assert {"S1", "S2"} <= stored
    assert not stored & {"B1", "B2", "B3", "B4", "S3", "S4"}
    assert ref_lake.version("instruments") == before + 1


def test_vol_smiles_give_their_smile_points(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    """Issue 19, item 6: a vols file holds points by expiry and moneyness (empty: ATM);
    its 1Y points give the factors VOL.<X> (ATM) and VOL.<X>.<M> where the factors table
    has them; a non-positive moneyness or vol, or a point twice, is refused."""
    ingest(
        "factors",
        write_csv(
            tmp_path / "vol_factors.csv",
            "factor_id,factor_type,shock_type",
            "VOL.AAPL,implied_vol,log",
            "VOL.AAPL.90,implied_vol,log",
        ),
    )
    vols = write_csv(
        tmp_path / "smile.csv",
        "date,underlying,tenor_years,implied_vol,moneyness",
        "2022-01-03,EQ.AAPL,0.5,0.30,",  # ATM (empty moneyness)
        "2022-01-03,EQ.AAPL,2,0.26,1",
        "2022-01-03,EQ.AAPL,0.5,0.36,0.9",
        "2022-01-03,EQ.AAPL,2,0.32,0.9",
        "2022-01-03,EQ.AAPL,1,0.25,1.1",  # no factor VOL.AAPL.110: stored, not derived
        "2022-01-03,EQ.AAPL,1,0.25,-1.1",  # negative moneyness
        "2022-01-03,EQ.AAPL,2,0.33,0.9",  # the 0.9 × 2Y point twice
    )
    result = ingest("vols", vols, max_bad_fraction=1.0)
    assert result.rule_counts == {"positive_moneyness": 1, "duplicate_key": 1}
    assert result.rows_written == 5
    assert result.underived == ("VOL.AAPL.110",)
    md = ref_lake.read("market_data").to_pandas().set_index("factor_id")["value"]
    # the 1Y point of each moneyness: linear between 6M and 2Y
    assert md["VOL.AAPL"] == pytest.approx(0.30 + (0.26 - 0.30) / 3)
    assert md["VOL.AAPL.90"] == pytest.approx(0.36 + (0.32 - 0.36) / 3)


def test_frtb_bucket_and_residual_risk_rules(
    ref_lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    """Issue 20: an equity's FRTB bucket is 1–13 (MAR21.72), a residual risk exotic or
    other (MAR23); a bad row is named with its rule and not stored."""
    path = write_csv(
        tmp_path / "frtb.csv",
        "instrument_id,instrument_type,currency,underlying,multiplier,frtb_bucket,residual_risk",
        "E1,equity,USD,EQ.AAPL,1,8,",  # good
        "E2,equity,USD,EQ.MSFT,1,,other",  # good
        "E3,equity,USD,EQ.JPM,1,14,",  # no bucket 14
        "E4,equity,USD,EQ.JPM,1,,weird",  # not a residual risk class
    )
    result = ingest("instruments", path, max_bad_fraction=1.0)
    assert result.rows_written == 2
    assert result.rule_counts == {"invalid_frtb_bucket": 1, "invalid_residual_risk": 1}
