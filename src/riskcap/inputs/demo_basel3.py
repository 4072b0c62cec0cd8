"""The demo's Basel III inputs — **synthetic**: a banking book, derivative counterparties
and netting sets, ten years of operational losses, the business-indicator items and the
capital resources of both legal entities and the firm.

Everything is a pure function of the seed, the entities and the demo's dates, so two
calls write byte-identical files. The figures are sized for a mid-sized bank of a few
tens of billions of dollars of balance sheet: a CET1 ratio in the low teens, the
market-risk RWA a few per cent of the total. Every counterparty's name says it is
synthetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskcap.data.schemas import ALWAYS_OTC, BUSINESS_LINES, EVENT_TYPES, TABLES

# entity → (its booking currency, its country, the share of the banking book)
ENTITIES = {"RC-US-LLC": ("USD", "US", 0.55), "RC-UK-LTD": ("GBP", "GB", 0.45)}
# one-year PD by rating (a through-the-cycle master scale)
MASTER_SCALE = {
    "AAA": 0.0003,
    "AA": 0.0005,
    "A": 0.0010,
    "BBB": 0.0030,
    "BB": 0.0120,
    "B": 0.0450,
    "CCC": 0.1800,
    "NR": 0.0200,
}
SECTORS = ("basic_materials", "consumer", "technology", "health_care", "financials", "other")
SOVEREIGNS = (
    ("US", "AAA", "USD"),
    ("GB", "AA", "GBP"),
    ("DE", "AAA", "EUR"),
    ("IT", "BBB", "EUR"),
    ("JP", "A", "USD"),
)


@dataclass(frozen=True)
class Basel3Files:
    """Paths of the files written, in the order they must be ingested."""

    counterparties: Path
    exposures: Path
    collateral_agreements: Path
    netting_sets: Path
    otc_assignments: Path
    op_losses: Path
    financials: Path
    capital_resources: Path

    def in_order(self) -> list[tuple[str, Path]]:
        return [
            ("counterparties", self.counterparties),
            ("exposures", self.exposures),
            ("collateral-agreements", self.collateral_agreements),
            ("netting-sets", self.netting_sets),
            ("otc-assignments", self.otc_assignments),
            ("op-losses", self.op_losses),
            ("financials", self.financials),
            ("capital-resources", self.capital_resources),
        ]


def _round(x: float, step: float = 1_000.0) -> float:
    return float(round(x / step) * step)


def generate_basel3_inputs(
    instruments: pd.DataFrame, firm: str, d0: dt.date, seed: int, out_dir: Path
) -> Basel3Files:
    """Write the eight Basel III input files for the demo firm to ``out_dir``.

    ``instruments``: the demo's instruments (its OTC derivatives get netting sets);
    ``d0``: the demo's first date (capital resources are dated then; exposures start
    before it, losses and financial years end the year before).
    """
    rng = np.random.default_rng([seed, 21])
    out_dir.mkdir(parents=True, exist_ok=True)
    cps: list[dict[str, object]] = []
    exps: list[dict[str, object]] = []

    def maturity(years: float) -> str:
        return (d0 + dt.timedelta(days=int(years * 365))).isoformat()

    def start(years_ago: float) -> str:
        return (d0 - dt.timedelta(days=int(years_ago * 365))).isoformat()

    for entity, (ccy, country, share) in ENTITIES.items():
        tag = entity.split("-")[1]
        scale = share * 1e9
        # sovereign bonds held to collect (SA)
        for c, rating, bccy in SOVEREIGNS:
            cid = f"SOV-{c}-{tag}"
            cps.append(
                dict(
                    counterparty_id=cid,
                    name=f"Synthetic sovereign {c}",
                    legal_entity=entity,
                    exposure_class="sovereign",
                    sector="sovereign",
                    country=c,
                    rating=rating,
                    approach="sa",
                )
            )
            exps.append(
                dict(
                    exposure_id=f"BND-{cid}",
                    counterparty_id=cid,
                    product="bond",
                    currency=bccy,
                    drawn=_round(scale * rng.uniform(0.4, 1.2)),
                    start_date=start(1.0),
                    maturity=maturity(rng.uniform(2, 9)),
                )
            )
        # banks: interbank loans (rated on ECRA, two unrated on SCRA) and guarantees
        for i in range(6):
            cid = f"BANK-{tag}-{i + 1:02d}"
            rating = ("AA", "A", "A", "BBB", "NR", "NR")[i]
            cps.append(
                dict(
                    counterparty_id=cid,
                    name=f"Synthetic bank {tag} {i + 1}",
                    legal_entity=entity,
                    exposure_class="bank",
                    sector="financials",
                    country=("US", "GB", "DE", "FR", "JP", "CH")[i],
                    rating=rating,
                    pd=MASTER_SCALE[rating],
                    approach="firb" if i < 4 else "sa",
                    scra_grade="" if rating != "NR" else ("A", "B")[i % 2],
                    large_financial=i < 2,
                )
            )
            short = i % 3 == 0
            exps.append(
                dict(
                    exposure_id=f"IBL-{cid}",
                    counterparty_id=cid,
                    product="loan",
                    currency=ccy,
                    drawn=_round(scale * rng.uniform(0.1, 0.4)),
                    start_date=start(0.1 if short else 1.0),
                    maturity=maturity(0.1 if short else rng.uniform(1, 3)),
                )
            )
        # corporates: large on F-IRB, SMEs on A-IRB, a few unrated on the SA
        for i in range(24):
            cid = f"CORP-{tag}-{i + 1:02d}"
            rating = str(rng.choice(["A", "BBB", "BBB", "BB", "BB", "B", "NR"]))
            sme = i >= 16
            approach = "sa" if rating == "NR" else ("airb" if sme else "firb")
            lgd = round(float(rng.uniform(0.25, 0.45)), 3) if approach == "airb" else None
            cps.append(
                dict(
                    counterparty_id=cid,
                    name=f"Synthetic corporate {tag} {i + 1}",
                    legal_entity=entity,
                    exposure_class="corporate",
                    sector=SECTORS[i % len(SECTORS)],
                    country=country,
                    rating=rating,
                    pd=MASTER_SCALE[rating] * float(rng.uniform(0.7, 1.4)),
                    lgd=lgd,
                    sme=sme,
                    approach=approach,
                    turnover_m=round(float(rng.uniform(6, 45)), 1) if sme else None,
                )
            )
            size = scale * (rng.uniform(0.05, 0.25) if not sme else rng.uniform(0.01, 0.04))
            collateral = {}
            if i % 5 == 0:
                collateral = dict(collateral_type="cash", collateral_value=_round(size * 0.3))
            elif i % 7 == 0:
                collateral = dict(
                    collateral_type="sovereign_bond",
                    collateral_rating="AA",
                    collateral_value=_round(size * 0.4),
                    collateral_maturity=maturity(4.0),
                )
            exps.append(
                dict(
                    exposure_id=f"LN-{cid}",
                    counterparty_id=cid,
                    product="loan",
                    currency=ccy,
                    drawn=_round(size),
                    start_date=start(2.0),
                    maturity=maturity(rng.uniform(1, 7)),
                    **collateral,
                )
            )
            exps.append(
                dict(
                    exposure_id=f"RCF-{cid}",
                    counterparty_id=cid,
                    product="commitment",
                    currency=ccy,
                    drawn=0.0,
                    undrawn=_round(size * rng.uniform(0.2, 0.6)),
                    start_date=start(1.0),
                    maturity=maturity(rng.uniform(1, 5)),
                )
            )
            if i % 6 == 1:
                exps.append(
                    dict(
                        exposure_id=f"GTE-{cid}",
                        counterparty_id=cid,
                        product="guarantee",
                        currency=ccy,
                        drawn=0.0,
                        undrawn=_round(size * 0.2),
                        maturity=maturity(2.0),
                    )
                )
            if i % 8 == 3:
                exps.append(
                    dict(
                        exposure_id=f"CRE-{cid}",
                        counterparty_id=cid,
                        product="cre_loan",
                        currency=ccy,
                        drawn=_round(size * 0.5),
                        maturity=maturity(6.0),
                        collateral_type="commercial_property",
                        collateral_value=_round(size * 0.5 / rng.uniform(0.45, 0.8)),
                    )
                )
        # retail: pools of mortgages (by LTV band), cards and personal loans on A-IRB
        for product, pd_, lgd, n, size in (
            ("mortgage", 0.006, 0.15, 12, 0.35),
            ("revolving", 0.025, 0.80, 4, 0.05),
            ("loan", 0.030, 0.45, 4, 0.06),
        ):
            for j in range(n):
                cid = f"RTL-{product[:3].upper()}-{tag}-{j + 1:02d}"
                cps.append(
                    dict(
                        counterparty_id=cid,
                        name=f"Synthetic retail pool {cid}",
                        legal_entity=entity,
                        exposure_class="retail",
                        sector="consumer",
                        country=country,
                        rating="NR",
                        pd=pd_ * float(rng.uniform(0.6, 1.6)),
                        lgd=lgd,
                        approach="airb",
                    )
                )
                drawn = _round(scale * size * rng.uniform(0.5, 1.5) / n * 4)
                row: dict[str, object] = dict(
                    exposure_id=f"{cid}-P",
                    counterparty_id=cid,
                    product=product,
                    currency=ccy,
                    drawn=drawn,
                    maturity=maturity(rng.uniform(3, 25)),
                )
                if product == "mortgage":
                    ltv = float(rng.choice([0.45, 0.55, 0.7, 0.85, 0.95, 1.05]))
                    row |= dict(
                        collateral_type="residential_property", collateral_value=_round(drawn / ltv)
                    )
                if product == "revolving":
                    row["undrawn"] = _round(drawn * 1.5)
                    row["product"] = "revolving"
                exps.append(row)
        # a banking-book equity stake
        cid = f"EQ-{tag}-01"
        cps.append(
            dict(
                counterparty_id=cid,
                name=f"Synthetic equity stake {tag}",
                legal_entity=entity,
                exposure_class="equity",
                sector="technology",
                country=country,
                rating="NR",
                approach="sa",
            )
        )
        exps.append(
            dict(
                exposure_id=f"STK-{cid}",
                counterparty_id=cid,
                product="equity",
                currency=ccy,
                drawn=_round(scale * 0.05),
                maturity=maturity(30),
            )
        )

    # derivative counterparties: the UK entity's OTC book (swaps, FX) faces its banks and
    # two corporates; half the netting sets are margined
    dealers = [c for c in cps if str(c["counterparty_id"]).startswith("BANK-UK-")][:4]
    dealers += [c for c in cps if str(c["counterparty_id"]).startswith("CORP-UK-")][:2]
    agreements: list[dict[str, object]] = []
    sets: list[dict[str, object]] = []
    for k, dealer in enumerate(dealers):
        ns = f"NS-{dealer['counterparty_id']}"
        agreement = ""
        if k % 2 == 0:
            agreement = f"CSA-{dealer['counterparty_id']}"
            agreements.append(
                dict(
                    agreement_id=agreement,
                    currency="USD",
                    threshold=0.0,
                    mta=250_000.0,
                    independent_amount=float(1_000_000 * (k + 1)),
                    remargin_days=1,
                    collateral_held=float(1_500_000 * (k + 1)),
                    collateral_posted=0.0,
                )
            )
        sets.append(
            dict(
                netting_set_id=ns,
                counterparty_id=dealer["counterparty_id"],
                agreement_id=agreement or None,
            )
        )
    otc = sorted(instruments.loc[instruments["instrument_type"].isin(ALWAYS_OTC), "instrument_id"])
    assignments = [
        dict(instrument_id=i, netting_set_id=sets[n % len(sets)]["netting_set_id"])
        for n, i in enumerate(otc)
    ]

    # operational losses: ten years before d0's year, a frequent body and a rare tail
    losses = []
    for entity, (ccy, _, share) in ENTITIES.items():
        for year in range(d0.year - 10, d0.year):
            for k in range(int(rng.poisson(30 * share))):
                gross = float(np.exp(rng.normal(11.0, 1.6)))
                if rng.random() < 0.01:
                    gross *= 60.0
                day = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                losses.append(
                    dict(
                        event_id=f"OPL-{entity}-{year}-{k + 1:03d}",
                        legal_entity=entity,
                        accounting_date=day.isoformat(),
                        business_line=str(rng.choice(BUSINESS_LINES)),
                        event_type=str(rng.choice(EVENT_TYPES)),
                        currency=ccy,
                        gross_loss=round(gross, 2),
                        recoveries=round(gross * float(rng.uniform(0, 0.3)), 2),
                    )
                )
    fin = []
    for entity, (ccy, _, share) in ENTITIES.items():
        s = share * 1.5e9  # the firm's BI in bucket 2, each entity's in bucket 1
        for year in range(d0.year - 5, d0.year):
            g = 1.0 + 0.03 * (year - d0.year + 5)
            fin.append(
                dict(
                    legal_entity=entity,
                    year=year,
                    currency=ccy,
                    interest_income=_round(s * 0.62 * g),
                    interest_expense=_round(s * 0.21 * g),
                    interest_earning_assets=_round(s * 19.0 * g),
                    dividend_income=_round(s * 0.004),
                    fee_income=_round(s * 0.16 * g),
                    fee_expense=_round(s * 0.05 * g),
                    other_operating_income=_round(s * 0.012),
                    other_operating_expense=_round(s * 0.018),
                    net_pnl_trading_book=_round(s * 0.04 * float(rng.normal(1, 0.6))),
                    net_pnl_banking_book=_round(s * 0.01 * float(rng.normal(0, 1))),
                )
            )
    resources = []
    for entity, cet1, at1, t2, other in (
        ("RC-US-LLC", 0.45e9, 0.05e9, 0.065e9, 2.0e9),
        ("RC-UK-LTD", 0.41e9, 0.05e9, 0.065e9, 1.8e9),
        (firm, 0.83e9, 0.10e9, 0.13e9, 3.8e9),
    ):
        resources.append(
            dict(
                as_of=d0.isoformat(),
                legal_entity=entity,
                currency="USD",
                cet1_instruments=cet1 * 0.7,
                retained_earnings=cet1 * 0.38,
                accumulated_oci=-cet1 * 0.02,
                cet1_deductions=cet1 * 0.06,
                at1=at1,
                tier2=t2,
                other_assets=other,
            )
        )

    def write(name: str, rows: list[dict[str, object]], columns: list[str]) -> Path:
        path = out_dir / f"{name}.csv"
        pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
        return path

    def cols(table: str) -> list[str]:
        return TABLES[table].columns

    return Basel3Files(
        write("counterparties", cps, cols("counterparties")),
        write("exposures", exps, cols("exposures")),
        write("collateral_agreements", agreements, cols("collateral_agreements")),
        write("netting_sets", sets, cols("netting_sets")),
        write("otc_assignments", assignments, cols("otc_assignments")),
        write("op_losses", losses, cols("op_losses")),
        write("financials", fin, cols("financials")),
        write("capital_resources", resources, cols("capital_resources")),
    )
