"""`riskcap var` and `riskcap greeks` on a short demo lake (bundled data, 2 days)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.errors import NotFoundError

AS_OF = "2022-12-28"


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    (directory / "riskcap.toml").write_text("[demo]\ndays = 2\n[risk]\nmc_scenarios = 2000\n")
    assert run(["demo", "--dir", str(directory)]) == 0
    return directory / "riskcap.toml"


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert run(args) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("method", "extra", "scenarios"),
    [
        ("hs", [], 250),
        ("hs", ["--horizon", "10"], 241),
        ("mc", [], 2000),
        ("parametric", ["--parametric", "cornish_fisher"], 0),
    ],
)
def test_var_per_node(
    demo_config: Path,
    capsys: pytest.CaptureFixture[str],
    method: str,
    extra: list[str],
    scenarios: int,
) -> None:
    out = _json(
        capsys,
        ["var", "--as-of", AS_OF, "--method", method, "--json", "-c", str(demo_config), *extra],
    )
    rows = {r["node"]: r for r in out["rows"]}
    assert len(rows) == 24  # 1 firm, 2 entities, 5 desks, 16 books
    assert {r["scenarios"] for r in rows.values()} == {scenarios}
    for r in rows.values():
        assert r["es"] >= r["var"] > 0
    assert out["input_versions"]["positions"] >= 1
    # diversification: the firm is less risky than the sum of its entities
    firm = rows["firm:RISKCAP"]["var"]
    assert firm < rows["entity:RC-US-LLC"]["var"] + rows["entity:RC-UK-LTD"]["var"]


def test_node_filter_and_table(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(
        capsys, ["var", "--as-of", AS_OF, "--node", "desk:RATES", "--json", "-c", str(demo_config)]
    )
    assert [r["node"] for r in out["rows"]] == [
        "desk:RATES",
        "book:RTS-CREDIT",
        "book:RTS-CURVE",
        "book:RTS-GOVT",
        "book:RTS-SWAPS",
    ]
    assert run(["var", "--as-of", AS_OF, "--confidence", "0.975", "-c", str(demo_config)]) == 0
    text = capsys.readouterr().out
    assert "97.5%" in text and "firm:RISKCAP" in text


def test_greeks(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(
        capsys,
        ["greeks", "--as-of", AS_OF, "--node", "desk:RATES", "--json", "-c", str(demo_config)],
    )
    rates = out["rows"][0]
    assert rates["name"] == "desk:RATES" and rates["dv01"] != 0 and rates["delta_1pct"] == 0
    out = _json(
        capsys,
        [
            "greeks",
            "--as-of",
            AS_OF,
            "--node",
            "book:EQD-VOL",
            "--positions",
            "--json",
            "-c",
            str(demo_config),
        ],
    )
    assert all(r["name"].startswith("EQD-VOL/") for r in out["rows"])
    assert any(r["vega_1vol"] != 0 for r in out["rows"])


def test_greeks_by_currency_pillar_pair_and_surface(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19: sensitivities per FX rate, curve pillar (every currency), spread pillar
    and vol surface point, each in its market unit: the FX desk has an FX delta, the rates
    desk DV01s on USD, EUR and GBP pillars, on the EURIBOR 3M projection curve and CS01s
    on the issuers' spread pillars, the derivatives desk vega on smile points."""
    out = _json(capsys, ["greeks", "--as-of", AS_OF, "--json", "-c", str(demo_config)])
    units = dict(zip(out["factors"], out["units"], strict=True))
    assert units["FX.EURUSD"] == "FX delta per 1%" and units["IR.EUR.5Y"].startswith("DV01")
    rows = {r["name"]: r for r in out["rows"]}
    fx = rows["desk:FX"]
    assert fx["fx_delta_1pct"] != 0
    by = fx["by_factor"]
    fx_ids = [f for f in out["factors"] if f.startswith("FX.")]
    assert sum(by[f] for f in fx_ids) == pytest.approx(fx["fx_delta_1pct"], rel=1e-12)
    rates = rows["desk:RATES"]["by_factor"]
    assert any(rates[f] != 0 for f in out["factors"] if f.startswith("IR.EUR."))
    assert any(rates[f] != 0 for f in out["factors"] if f.startswith("CS."))
    assert all(units[f].startswith("CS01") for f in out["factors"] if f.startswith("CS."))
    # the EURIBOR 3M projection curve's pillars move the EUR swaps
    assert any(rates[f] != 0 for f in out["factors"] if f.startswith("IR.EUR.EURIBOR3M."))
    # vega per surface point: the S&P 500 smile points away from ATM carry vega
    smile = [f for f in out["factors"] if f.startswith("VOL.SP500.")]
    assert smile and all(units[f] == "vega per vol point" for f in smile)
    index = rows["desk:EQ-DERIV"]["by_factor"]
    assert any(index[f] != 0 for f in smile)
    capsys.readouterr()
    args = ["greeks", "--as-of", AS_OF, "--node", "desk:FX", "--by-factor", "-c"]
    assert run([*args, str(demo_config)]) == 0
    text = capsys.readouterr().out
    assert "FX.EURUSD" in text and "FX delta per 1%" in text and "VOL.FX.EURUSD" in text


def test_errors(demo_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["-c", str(demo_config)]
    assert run(["var", "--as-of", AS_OF, "--method", "nope", *cfg]) == 2
    assert run(["var", "--as-of", AS_OF, "--node", "desk:NOPE", *cfg]) == NotFoundError.exit_code
    assert run(["var", "--as-of", "2022-06-01", *cfg]) == NotFoundError.exit_code
    assert run(["var", "--as-of", AS_OF, "--confidence", "1.5", *cfg]) == 2
    err = capsys.readouterr().err
    assert "no node 'desk:NOPE'" in err and "no positions snapshot for 2022-06-01" in err


@pytest.mark.parametrize(
    ("method", "extra"), [("hs", []), ("mc", []), ("parametric", ["--parametric", "delta_normal"])]
)
def test_attribution_components_sum_to_the_node(
    demo_config: Path, capsys: pytest.CaptureFixture[str], method: str, extra: list[str]
) -> None:
    out = _json(
        capsys,
        [
            "var",
            "--as-of",
            AS_OF,
            "--method",
            method,
            "--node",
            "firm:RISKCAP",
            "--attribution",
            "--json",
            "-c",
            str(demo_config),
            *extra,
        ],
    )
    firm = out["rows"][0]
    parts = out["attribution"]
    assert [p["child"] for p in parts] == ["entity:RC-UK-LTD", "entity:RC-US-LLC"]
    assert sum(p["component_var"] for p in parts) == pytest.approx(firm["var"], rel=1e-9)
    assert sum(p["component_es"] for p in parts) == pytest.approx(firm["es"], rel=1e-9)
    for p in parts:  # incremental: what the firm loses without the child
        assert p["incremental_var"] <= firm["var"] + 1e-6


def test_attribution_of_cornish_fisher_is_refused(
    demo_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        [
            "var",
            "--as-of",
            AS_OF,
            "--method",
            "parametric",
            "--parametric",
            "cornish_fisher",
            "--attribution",
            "-c",
            str(demo_config),
        ]
    )
    assert code == 1
    assert "use --method hs or mc" in capsys.readouterr().err
