"""The ``basel3`` task on inputs that are not the demo's: a hand-made banking book,
netting set, losses, financials and capital on the pipeline's test world. The figures
are checked by hand against CRE20, CRE31, OPE25 and RBC20 (the formulas themselves
against the published values in tests/capital/test_basel3_formulas.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from riskcap.cli import run
from riskcap.data.contract import IngestKind
from riskcap.data.ingest import ingest_file
from riskcap.data.lake import Lake
from riskcap.errors import DataQualityError
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.pipeline.runner import run_eod
from riskcap.store.catalog import Alert, Catalog, Result
from tests.conftest import write_csv
from tests.pipeline.conftest import copy_world, settings_of

UK, US, FIRM = "entity:RC-UK-LTD", "entity:RC-US-LLC", "firm:RISKCAP"
TODAY = dt.date(2022, 12, 30)


def _basel3_files(src: Path, capital: list[str]) -> list[tuple[str, Path]]:
    return [
        ("counterparties", write_csv(
            src / "cp.csv",
            "counterparty_id,legal_entity,exposure_class,sector,country,rating,pd,lgd,approach",
            "GOV-DE,RC-UK-LTD,sovereign,sovereign,DE,AAA,,,sa",
            "BIGCO,RC-UK-LTD,corporate,basic_materials,FR,BBB,0.01,,firb",
            "DEALER,RC-UK-LTD,bank,financials,US,A,,,sa",
            "SHOP,RC-US-LLC,corporate,consumer,US,NR,,,sa",
        )),
        ("exposures", write_csv(
            src / "exp.csv",
            "exposure_id,counterparty_id,product,currency,drawn,undrawn,maturity",
            "BND-DE,GOV-DE,bond,EUR,100000000,0,2030-01-01",
            "LN-BIG,BIGCO,loan,GBP,50000000,0,2026-06-30",
            "RCF-SHOP,SHOP,commitment,USD,20000000,10000000,2025-06-30",
        )),
        ("netting-sets", write_csv(
            src / "ns.csv", "netting_set_id,counterparty_id,agreement_id", "NS-D,DEALER,"
        )),
        ("op-losses", write_csv(
            src / "ol.csv",
            "event_id,legal_entity,accounting_date,business_line,currency,gross_loss,recoveries",
            "E1,RC-UK-LTD,2019-03-01,trading_and_sales,EUR,500000,100000",
            "E2,RC-UK-LTD,2021-07-01,retail_banking,EUR,15000,0",  # below the €20k threshold
        )),
        ("financials", write_csv(
            src / "fin.csv",
            "legal_entity,year,currency,interest_income,interest_expense,"
            "interest_earning_assets,dividend_income,fee_income,fee_expense,"
            "other_operating_income,other_operating_expense,net_pnl_trading_book,"
            "net_pnl_banking_book",
            *(f"{e},{y},EUR,30000000,10000000,2000000000,0,8000000,2000000,0,1000000,"
              f"{4000000 if y % 2 else -2000000},0"
              for e in ("RC-UK-LTD", "RC-US-LLC") for y in (2019, 2020, 2021)),
        )),
        ("capital-resources", write_csv(
            src / "cap.csv",
            "as_of,legal_entity,currency,cet1_instruments,retained_earnings,accumulated_oci,"
            "cet1_deductions,at1,tier2",
            *capital,
        )),
    ]  # fmt: skip


CAPITAL = [
    "2022-12-01,RC-UK-LTD,USD,1000000,0,0,0,0,0",  # far too little: every ratio breaches
    "2022-12-01,RC-US-LLC,USD,150000000,0,0,0,20000000,20000000",
    "2022-12-01,RISKCAP,USD,300000000,0,0,0,40000000,40000000",
]


def _world(base: Path, target: Path, capital: list[str], assign: bool = True) -> Path:
    world = copy_world(base, target)
    config = world / "riskcap.toml"
    config.write_text(
        config.read_text() + "\n[basel3]\nenabled = true\ncountercyclical_rates = {FR = 0.005}\n",
        encoding="utf-8",
    )
    settings = settings_of(world)
    lake = Lake(settings.lake_path)
    files = _basel3_files(world / "b3", capital)
    if assign:  # the swaps to the dealer; FX forwards and options stay unassigned
        swaps = lake.read("instruments").to_pandas()
        swaps = swaps.loc[swaps["instrument_type"] == "irs", "instrument_id"]
        files.insert(3, ("otc-assignments", write_csv(
            world / "b3" / "otc.csv", "instrument_id,netting_set_id",
            *(f"{i},NS-D" for i in swaps),
        )))  # fmt: skip
    for kind, path in files:
        ingest_file(lake, IngestKind(kind), path, max_bad_fraction=0.0, today=TODAY)
    return world


@pytest.fixture(scope="module")
def world(
    eod_base: tuple[Path, list[dt.date]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dt.date, str]:
    base, days = eod_base
    target = _world(base, tmp_path_factory.mktemp("basel3") / "world", CAPITAL)
    outcome = run_eod(settings_of(target), days[0])
    return target, days[0], outcome.run_id


def _figures(directory: Path, run_id: str) -> dict[str, dict[str, float]]:
    catalog = Catalog(settings_of(directory).catalog_url)
    out: dict[str, dict[str, float]] = {}
    for r in catalog.run_rows(Result, run_id):
        if r.method == "basel3":
            out.setdefault(r.node, {})[r.measure] = r.value
    catalog.dispose()
    return out


def test_credit_rwa_by_hand(world: tuple[Path, dt.date, str]) -> None:
    directory, day, run_id = world
    f = _figures(directory, run_id)
    settings = settings_of(directory)
    inputs = load_risk_inputs(Lake(settings.lake_path), day, 1)
    # CRE31.5 with the F-IRB's LGD 40% and M 2.5 (CRE32.6, 32.46), written out here
    pd_, lgd = 0.01, 0.40
    w = (1 - np.exp(-50 * pd_)) / (1 - np.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    b = (0.11852 - 0.05478 * np.log(pd_)) ** 2
    k = (lgd * norm.cdf((norm.ppf(pd_) + np.sqrt(r) * norm.ppf(0.999)) / np.sqrt(1 - r))
         - pd_ * lgd) / (1 - 1.5 * b)  # fmt: skip
    big = 12.5 * k * 50e6 * inputs.fx_rate("GBP")
    # the AAA sovereign bond weighs 0% (CRE20.7); the unrated corporate's commitment
    # 20m drawn + 40% × 10m undrawn at 100% (CRE20.42, 20.94)
    assert f[UK]["rwa:credit"] == pytest.approx(big, rel=1e-10)
    assert f[US]["rwa:credit"] == pytest.approx(24e6, rel=1e-12)
    assert f[FIRM]["rwa:credit"] == pytest.approx(big + 24e6, rel=1e-12)
    # the floor base puts the SA weight on BIGCO: BBB corporate 75% (CRE20.42)
    assert f[UK]["rwa:credit_sa"] == pytest.approx(0.75 * 50e6 * inputs.fx_rate("GBP"))


def test_operational_capital_by_hand(world: tuple[Path, dt.date, str]) -> None:
    directory, day, run_id = world
    f = _figures(directory, run_id)
    eur = load_risk_inputs(Lake(settings_of(directory).lake_path), day, 1).fx_rate("EUR")
    # OPE25.7: ILDC = min(|30 − 10|, 2.25% × 2,000) + 0 = 20; SC = max(0, 1) + max(8, 2)
    # = 9; FC = mean(|4|, |−2|, |4|) = 10/3 (EUR millions); bucket 1: ILM = 1 (OPE25.8)
    bi = (20 + 9 + 10 / 3) * 1e6
    assert f[UK]["op:bi"] == pytest.approx(bi * eur)
    assert f[UK]["op:ilm"] == 1.0 and f[UK]["op:bucket"] == 1.0
    assert f[UK]["rwa:operational"] == pytest.approx(12.5 * 0.12 * bi * eur)
    # the loss component counts the one net loss above €20k: 15 × 400k averaged over
    # the 3 years of history (from the first loss year, 2019, to the year before as_of)
    assert f[UK]["op:lc"] == pytest.approx(15 * 400_000 / 3 * eur)
    assert f[UK]["op:loss_years"] == 3.0
    # the firm adds both entities' items (bucket 1 still)
    assert f[FIRM]["rwa:operational"] == pytest.approx(2 * 12.5 * 0.12 * bi * eur)


def test_ccr_cva_floor_ratios_and_buffers(world: tuple[Path, dt.date, str]) -> None:
    directory, _, run_id = world
    f = _figures(directory, run_id)
    uk, firm = f[UK], f[FIRM]
    assert uk["ccr:ead"] > 0 and uk["rwa:ccr"] > 0 and uk["rwa:cva"] > 0
    # FX forwards, swaps and options held without an assignment: each its own set
    assert uk["ccr:unassigned"] >= 1 and uk["ccr:netting_sets"] == uk["ccr:unassigned"] + 1
    assert f[US]["ccr:ead"] == 0.0  # the US entity holds no OTC derivatives
    for v in f.values():  # RBC20.11 and RBC20.4
        assert v["floor:percentage"] == 0.5  # 2022: before the RBC90.2 phase-in
        assert v["rwa:total"] == pytest.approx(max(v["rwa:internal"], 0.5 * v["rwa:standardised"]))
        assert v["rwa:internal"] == pytest.approx(
            sum(v[f"rwa:{k}"] for k in ("credit", "ccr", "cva", "market", "operational"))
        )
        assert v["ratio:cet1"] == pytest.approx(v["capital:cet1"] / v["rwa:total"])
        assert v["ratio:total"] == pytest.approx(v["capital:total"] / v["rwa:total"])
    # market RWA: the firm's FRTB capital shared by SA charge among the entities
    assert uk["rwa:market"] + f[US]["rwa:market"] == pytest.approx(firm["rwa:market"])
    # CCyB (RBC30.14): BIGCO (FR, 0.5%) holds all the UK entity's private-sector RWA
    # with a country (the sovereign and the bank do not count; the unassigned OTC sets
    # have no counterparty and so no country)
    assert uk["buffer:countercyclical"] == pytest.approx(0.005)
    assert uk["requirement:cet1"] == pytest.approx(0.045 + 0.025 + uk["buffer:countercyclical"])
    assert f[US]["buffer:countercyclical"] == 0.0


def test_a_ratio_under_its_requirement_raises_one_alert_each_run(
    world: tuple[Path, dt.date, str],
) -> None:
    directory, day, run_id = world
    settings = settings_of(directory)

    def alerts() -> list[Alert]:
        catalog = Catalog(settings.catalog_url)
        rows = [a for a in catalog.run_rows(Alert, run_id) if a.method == "basel3"]
        catalog.dispose()
        return rows

    first = alerts()
    assert {(a.node, a.measure) for a in first} == {
        (UK, "ratio:cet1"), (UK, "ratio:tier1"), (UK, "ratio:total"), (UK, "ratio:leverage")
    }  # fmt: skip
    assert all(a.limit_id is None and a.value < a.limit_value for a in first)
    assert "under its requirement" in first[0].message
    run_eod(settings, day, force=True, run_id=None)  # a rerun of the day
    catalog = Catalog(settings.catalog_url)
    latest = catalog.run_of_record(day).run_id
    again = [a for a in catalog.run_rows(Alert, latest) if a.method == "basel3"]
    catalog.dispose()
    assert len(again) == 4


def test_cli_adequacy_json_and_table(
    world: tuple[Path, dt.date, str], capsys: pytest.CaptureFixture[str]
) -> None:
    directory, day, _ = world
    config = str(directory / "riskcap.toml")
    args = ["capital", "--as-of", day.isoformat(), "-c", config, "--adequacy"]
    assert run([*args, "--entity", "RC-UK-LTD", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [n["node"] for n in doc["nodes"]] == [UK]
    assert not doc["nodes"][0]["ratios"]["cet1"]["met"]
    assert "securitisation framework (CRE40–45)" in doc["out_of_scope"]
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "BELOW REQUIREMENT" in out and "SA-CCR netting sets" in out and FIRM in out
    assert run([*args, "--entity", "NOPE"]) == 10


def test_missing_capital_resources_stop_the_run_with_the_entity_named(
    eod_base: tuple[Path, list[dt.date]], tmp_path: Path
) -> None:
    base, days = eod_base
    world = _world(base, tmp_path / "w", CAPITAL[1:], assign=False)
    with pytest.raises(DataQualityError, match="capital_resources has no row for RC-UK-LTD"):
        run_eod(settings_of(world), days[0])


def test_a_later_capital_row_changes_no_earlier_run(
    world: tuple[Path, dt.date, str], eod_base: tuple[Path, list[dt.date]]
) -> None:
    """Capital resources and losses dated after a run's day are not its inputs: asking
    for the day again returns the run there is (the run key is unchanged)."""
    directory, day, _ = world
    settings = settings_of(directory)
    catalog = Catalog(settings.catalog_url)
    before = catalog.run_of_record(day).run_key
    catalog.dispose()
    later = eod_base[1][-1]
    path = write_csv(
        directory / "b3" / "cap-later.csv",
        "as_of,legal_entity,currency,cet1_instruments,retained_earnings,accumulated_oci,"
        "cet1_deductions,at1,tier2",
        f"{later},RC-UK-LTD,USD,900000000,0,0,0,0,0",
    )
    lake = Lake(settings.lake_path)
    ingest_file(lake, IngestKind.CAPITAL_RESOURCES, path, max_bad_fraction=0.0, today=TODAY)
    again = run_eod(settings, day)
    assert again.outcome.value == "existing" and again.run_key == before
