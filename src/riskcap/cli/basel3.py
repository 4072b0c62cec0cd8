"""``riskcap capital --adequacy``: RWA by risk type, the output floor, and the capital
and leverage ratios against their requirements, per legal entity and for the firm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from riskcap.cli.options import Units
from riskcap.cli.render import Money, cell

RWA_LABELS = {
    "credit": "credit (SA / IRB)",
    "ccr": "counterparty (SA-CCR)",
    "cva": "CVA (BA-CVA)",
    "market": "market (FRTB × 12.5)",
    "operational": "operational (SMA × 12.5)",
}


def print_adequacy(
    out: Console, currency: str, day: dt.date, report: dict[str, Any], units: Units
) -> None:
    """The RWA waterfall, the ratios with their requirement stacks, the netting sets."""
    nodes = report["nodes"]
    money = Money.for_figures(currency, (n["rwa_total"] for n in nodes), units)
    rwa = Table(
        title=f"Basel III risk-weighted assets on {day} (run {report['run_id'][:8]}), "
        f"{money.label}",
        box=box.SIMPLE_HEAD,
    )
    rwa.add_column("", no_wrap=True)
    for n in nodes:
        rwa.add_column(cell(n["node"]), justify="right", no_wrap=True)
    for key, label in RWA_LABELS.items():
        rwa.add_row(label, *(money(n["rwa"][key]) for n in nodes))
    rwa.add_row("internal total", *(money(n["rwa_internal"]) for n in nodes))
    rwa.add_row("standardised (floor base)", *(money(n["rwa_standardised"]) for n in nodes))
    rwa.add_row(
        "output floor add-on",
        *(f"{money(n['floor_add_on'])} ({n['output_floor']:.1%})" for n in nodes),
    )
    rwa.add_row("[bold]total RWA[/]", *(f"[bold]{money(n['rwa_total'])}[/]" for n in nodes))
    out.print(rwa)

    ratios = Table(
        title="Capital ratios vs minimum + buffers (RBC20, RBC30; leverage LEV20)",
        box=box.SIMPLE_HEAD,
    )
    for col in ("node", "ratio", "value", "minimum", "buffers", "requirement", "surplus", ""):
        ratios.add_column(col, justify="left" if col in ("node", "ratio", "") else "right")
    for n in nodes:
        for name, r in n["ratios"].items():
            ratios.add_row(
                cell(n["node"]),
                name,
                f"{r['value']:.2%}",
                f"{r['minimum']:.2%}",
                f"{r['requirement'] - r['minimum']:.2%}",
                f"{r['requirement']:.2%}",
                money(r["surplus"]),
                "ok" if r["met"] else "[red]BELOW REQUIREMENT[/]",
            )
    out.print(ratios)
    for n in nodes:
        op = n["operational"]
        out.print(
            f"{cell(n['node'])}: CET1 {money(n['capital']['cet1'])}, Tier 1 "
            f"{money(n['capital']['tier1'])}, total {money(n['capital']['total'])}; "
            f"CCyB {n['buffers']['countercyclical']:.2%}; leverage exposure "
            f"{money(n['leverage_exposure'])}; SMA: BI {money(op['bi'])}, bucket "
            f"{int(op['bucket'])}, ILM {op['ilm']:.4f} ({int(op['loss_years'])} loss years); "
            f"credit EAD {money(n['credit']['ead'])} ({n['credit']['irb_share']:.0%} IRB), "
            f"EL {money(n['credit']['el'])}; {int(n['ccr']['netting_sets'])} netting sets"
            + (
                f", [yellow]{int(n['ccr']['unassigned'])} unassigned OTC instrument(s) "
                "treated as unrated corporates[/]"
                if n["ccr"]["unassigned"]
                else ""
            )
        )
    shown = [
        (n["node"], s) for n in nodes if n["node"].startswith("entity:") for s in n["netting_sets"]
    ]
    if shown:
        sets = Table(title=f"SA-CCR netting sets (CRE52), {money.label}", box=box.SIMPLE_HEAD)
        for col in ("entity", "netting set", "counterparty", "margined", "MtM", "RC", "add-on",
                    "multiplier", "EAD", "RWA"):  # fmt: skip
            sets.add_column(
                col,
                justify="left"
                if col in ("entity", "netting set", "counterparty", "margined")
                else "right",
            )
        for node, s in shown:
            sets.add_row(
                cell(node), cell(s["netting_set"]), cell(s["counterparty"]),
                "yes" if s["margined"] else "no", money(s["mtm"]), money(s["rc"]),
                money(s["addon"]), f"{s['multiplier']:.3f}", money(s["ead"]), money(s["rwa"]),
            )  # fmt: skip
        out.print(sets)
    out.print("out of scope: " + "; ".join(report["out_of_scope"]))
