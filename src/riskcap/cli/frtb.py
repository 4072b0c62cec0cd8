"""``riskcap frtb``: the FRTB internal-models report of a day's run of record
(Regulatory panel)."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from riskcap.cli.app import REGULATORY
from riskcap.cli.options import (
    AllNodesOpt,
    AsOfOpt,
    ConfigOpt,
    JsonOpt,
    Units,
    UnitsOpt,
    parse_date,
    use_compile_cache,
)
from riskcap.cli.render import Money, console, headline
from riskcap.config import Settings, load_settings
from riskcap.errors import NotFoundError


def _plain(row: Any) -> dict[str, Any]:
    out = {}
    for c in type(row).__table__.columns.keys():  # noqa: SIM118
        if c == "id":
            continue
        value = getattr(row, c)
        out[c] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def frtb_report(settings: Settings, day: dt.date, every_node: bool = True) -> dict[str, Any]:
    """The stored FRTB figures of ``day``'s run of record, as plain data (the firm,
    desks and IMA total only unless ``every_node``)."""
    from riskcap.capital.frtb_ima import EXPLAINED_MINIMUM, OUT_OF_SCOPE
    from riskcap.risk.backtest import indicative
    from riskcap.store.catalog import Catalog, FrtbDeskTest, FrtbResult, RiskFactorEligibility

    with Catalog.of(settings) as catalog:
        run_id = catalog.run_of_record(day).run_id
        results = catalog.run_rows(FrtbResult, run_id)
        desks = catalog.run_rows(FrtbDeskTest, run_id)
        factors = catalog.run_rows(RiskFactorEligibility, run_id)
    if not results:
        raise NotFoundError(
            f"the run of {day} ({run_id[:8]}) has no FRTB results (frtb.enabled = false, or "
            "a run from before FRTB was added: rerun it with --force)"
        )
    by_node = {r.node: r for r in results}
    results = [by_node[n] for n in headline(by_node, every_node)]
    plain = [
        {
            **_plain(r),
            "reduced_set_adequate": r.explained >= EXPLAINED_MINIMUM,
            "indicative": indicative(r.observations),
        }
        for r in results
    ]
    explained = {r.node: r.explained for r in results}
    return {
        "as_of": day.isoformat(),
        "run_id": run_id,
        "regime": "frtb_ima",
        "out_of_scope": list(OUT_OF_SCOPE),
        "results": plain,
        "desks": [
            {
                **_plain(d),
                "reduced_set_adequate": explained.get(d.node, 1.0) >= EXPLAINED_MINIMUM,
            }
            for d in sorted(desks, key=lambda d: d.node)
        ],
        "risk_factors": [_plain(f) for f in sorted(factors, key=lambda f: f.factor_id)],
    }


class Approach(enum.StrEnum):
    IMA = "ima"
    SA = "sa"
    BOTH = "both"


def frtb(
    as_of: AsOfOpt,
    approach: Annotated[
        Approach,
        typer.Option(help="ima (MAR31–33), sa (MAR20–23) or both, with the capital (MAR33.43)"),
    ] = Approach.IMA,
    all_nodes: AllNodesOpt = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """FRTB per desk and firm: the IMA (ES with liquidity horizons, stressed calibration,
    IMCC, NMRF stress scenarios, desk eligibility, C_A), the SA (SBM, DRC, RRAO), or both
    side by side with the market-risk capital the bank holds."""
    from riskcap.cli.frtb_sa import print_acr, print_sa, stored_sa

    settings = load_settings(config)
    use_compile_cache(settings)
    day = parse_date(as_of)
    report: dict[str, Any] = {}
    if approach in (Approach.IMA, Approach.BOTH):
        report["ima"] = frtb_report(settings, day, all_nodes)
    if approach in (Approach.SA, Approach.BOTH):
        report["sa"] = stored_sa(settings, day, all_nodes)
    if as_json:
        typer.echo(
            json.dumps(report if approach is Approach.BOTH else report[approach.value], default=str)
        )
        return
    currency = settings.eod.reporting_currency
    if "ima" in report:
        print_frtb(console, settings, report["ima"], units)
    if "sa" in report:
        sa = report["sa"]
        title = f"FRTB SA on {sa['as_of']} (run {sa['run_id'][:8]}): MAR21–23"
        print_sa(console, currency, title, sa["results"], units)
        if approach is Approach.BOTH:
            _side_by_side(console, currency, report, units)
        if sa["acr"]:
            print_acr(console, currency, sa["acr"], units)


def _side_by_side(out: Console, currency: str, report: dict[str, Any], units: Units) -> None:
    """IMA C_A and SA per node, and which approach each desk is on."""
    ima = {r["node"]: r for r in report["ima"]["results"]}
    sa = {r["node"]: r["measures"] for r in report["sa"]["results"]}
    eligible = {d["node"]: d["eligible"] for d in report["ima"]["desks"]}
    _m = Money.for_figures(currency, (m["sa"] for m in sa.values()), units)
    table = Table(title=f"IMA and SA side by side, {_m.label}", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("node", "IMA C_A", "SA", "approach"):
        table.add_column(col, justify="left" if col in ("node", "approach") else "right")
    for node in dict.fromkeys([*sa, *ima]):
        on = "" if node not in eligible else ("IMA" if eligible[node] else "SA")
        table.add_row(
            node,
            _m(ima[node]["capital"]) if node in ima else "—",
            _m(sa[node]["sa"]) if node in sa else "—",
            on,
        )
    out.print(table)


def print_frtb(
    out: Console, settings: Settings, report: dict[str, Any], units: Units = Units.AUTO
) -> None:
    """The capital table, the desks' tests, the NMRFs and what is out of scope."""
    rows = report["results"]
    first = rows[0]
    _m = Money.for_figures(settings.eod.reporting_currency, (r["capital"] for r in rows), units)
    table = Table(
        title=f"FRTB IMA on {report['as_of']} (run {report['run_id'][:8]}), {_m.label}: "
        "97.5 % ES, 10-day base, liquidity horizons (MAR33.4)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    cols = ("node", "ES F,C", "ES R,C", "ES R,S", "expl.", "ES", "IMCC", "SES", "C_A")
    for col in cols:
        table.add_column(col, justify="left" if col == "node" else "right", no_wrap=True)
    for r in rows:
        table.add_row(
            r["node"],
            _m(r["es_fc"]),
            _m(r["es_rc"]),
            _m(r["es_rs"]),
            f"{r['explained']:.0%}" + ("" if r["reduced_set_adequate"] else " ⚠"),
            _m(r["es"]),
            _m(r["imcc"]),
            _m(r["ses"]),
            _m(r["capital"]),
        )
    out.print(table)
    out.print(
        "C_A = max(IMCC + SES, m_c·IMCC_avg + SES_avg) (MAR33.41); "
        f"m_c = {first['multiplier']:.2f} "
        f"(1.5 + plus factor {first['plus_factor']:.2f}; firm 99 % VaR {first['zone']}: "
        f"{first['exceptions']} exceptions in {first['observations']} days); averages over "
        f"{first['average_days']} day(s) of {settings.frtb.average_days}"
    )
    out.print(
        f"stressed period (reduced set, MAR33.5): {first['stressed_start']} .. "
        f"{first['stressed_end']}; ES = ES_R,S · max(ES_F,C / ES_R,C, 1); reduced set "
        "must explain ≥ 75 % (expl. = ES_R,C / ES_F,C)"
    )
    short = [r["node"] for r in rows if not r["reduced_set_adequate"]]
    if short:
        out.print(
            f"⚠ reduced set explains less than 75 % (MAR33.5(2)(c)) at {', '.join(short)}: "
            "widen frtb.reduced_factor_types / frtb.reduced_factors"
        )
    if first["indicative"]:
        out.print(
            f"indicative: the firm backtest behind m_c has {first['observations']} "
            "observations, fewer than 250"
        )
    ima = next((r for r in rows if r["node"].startswith("ima:")), None)
    if ima is not None:
        members = ima["detail"].get("eligible_desks", [])
        out.print(
            f"IMA capital ({ima['node']}, {len(members)} eligible desk(s)): "
            f"{_m(ima['capital'])} {_m.label}"
        )
    desks = Table(
        title="desk eligibility: backtesting (MAR32) and P&L attribution (MAR32.37–45)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in (
        "desk", "exc. 99%", "exc. 97.5%", "days", "Spearman", "KS", "PLA", "reduced set", "IMA"
    ):  # fmt: skip
        desks.add_column(col, no_wrap=True)
    for d in report["desks"]:
        desks.add_row(
            d["node"],
            str(d["exceptions_99"]),
            str(d["exceptions_975"]),
            str(d["backtest_observations"]),
            "—" if d["spearman"] is None else f"{d['spearman']:.3f}",
            "—" if d["ks"] is None else f"{d['ks']:.3f}",
            d["pla_zone"],
            "ok" if d["reduced_set_adequate"] else "< 75 % ⚠",
            "yes" if d["eligible"] else "no",
        )
    out.print(desks)
    for d in report["desks"]:
        out.print(f"  {d['node']}: {d['reason']}")
    nmrf = [f for f in report["risk_factors"] if not f["modellable"]]
    if nmrf:
        ses = first["detail"]["nmrf"]
        out.print(
            "non-modellable risk factors (MAR31.12): "
            + "; ".join(
                f"{f['factor_id']} ({f['rule']}; "
                f"SES {_m(ses.get(f['factor_id'], {}).get('ses', 0.0))} {_m.label})"
                for f in nmrf
            )
        )
    else:
        out.print("non-modellable risk factors (MAR31.12): none")
    out.print("out of scope: " + "; ".join(report["out_of_scope"]))


def register(app: typer.Typer) -> None:
    app.command("frtb", rich_help_panel=REGULATORY)(frtb)
