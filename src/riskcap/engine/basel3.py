"""Basel III capital adequacy over the pinned lake tables: credit RWA (SA and IRB),
SA-CCR on the day's OTC derivatives, BA-CVA, the SMA, the output floor and the ratios,
per legal entity and for the consolidated firm.

The formulas are :mod:`riskcap.capital` (credit, ccr, cva, operational, adequacy);
this module turns the tables into their arrays, converts every amount to the reporting
currency at the as-of FX rates, and aggregates by entity. What it assumes where the
data is silent:

- **OTC derivatives** are the positions in ``irs``, ``fx_forward``, ``fx_swap`` and
  ``fx_option`` (always) and equity or index options named in ``otc_assignments``
  (other options are taken as exchange-traded: CCP exposures, CRE54, are out of
  scope). An always-OTC position with no assignment is not dropped: it is its own
  unmargined netting set, risk-weighted as an unrated corporate (100%), and counted in
  ``ccr:unassigned``.
- **Market risk per entity**: the firm's FRTB capital (MAR33.43) shared among the
  entities in proportion to their standalone SA charges; the SA figure of the output
  floor is each entity's own SA charge.
- **Operational risk**: financial years before the as-of year (the last three) and
  ten years of losses before it; the consolidated BI adds the entities' items (no
  intra-group eliminations are in the data).
- **Countercyclical buffer weights**: credit and CCR RWA on counterparties that are
  neither sovereigns nor banks, by their country.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskcap.capital import adequacy, ccr, credit, cva, operational
from riskcap.capital.ccr import AssetClass, Margin, Trade
from riskcap.config import Basel3Config
from riskcap.data.schemas import ALWAYS_OTC, OTC_ASSIGNABLE
from riskcap.errors import DataQualityError

FxRate = Callable[[str], float]  # currency → reporting-currency units per unit
UNASSIGNED = "unassigned:"
OUT_OF_SCOPE = (
    "securitisation framework (CRE40–45)",
    "large exposures (LEX)",
    "exposures to central counterparties (CRE54) and exchange-traded derivatives",
    "the full BA-CVA with hedges and the SA-CVA (MAR50.20–50.77)",
    "IRB expected loss vs provisions and its CET1 deduction (CRE35)",
    "Pillar 2 requirements and capital instrument transitional rules",
    "the IRB's double-default and guarantee substitution (CRE32.43)",
)


@dataclass(frozen=True)
class Basel3Tables:
    """The Basel III input tables at the run's pinned versions."""

    counterparties: pd.DataFrame
    exposures: pd.DataFrame
    agreements: pd.DataFrame
    netting_sets: pd.DataFrame
    assignments: pd.DataFrame
    op_losses: pd.DataFrame
    financials: pd.DataFrame
    capital_resources: pd.DataFrame


@dataclass(frozen=True)
class MarketCapital:
    """The FRTB figures of the run: the firm's capital (MAR33.43) and SA per node."""

    firm_capital: float
    sa: Mapping[str, float]  # node → standalone SA charge


@dataclass(frozen=True)
class EntityFigures:
    """One node's (entity or firm) figures: ``measure → value``, and its netting sets."""

    node: str
    values: dict[str, float]
    netting_sets: list[dict[str, object]] = field(default_factory=list)
    breaches: list[adequacy.Ratio] = field(default_factory=list)


def _years(later: pd.Series, as_of: dt.date) -> np.ndarray:
    days = pd.to_datetime(later).dt.date.map(lambda d: (d - as_of).days if pd.notna(d) else 0)
    return np.maximum(days.to_numpy(np.float64) / 365.0, 0.0)


def _money(amount: pd.Series, currency: pd.Series, fx: FxRate) -> np.ndarray:
    rates = {c: fx(c) for c in currency.dropna().unique()}
    return amount.fillna(0.0).to_numpy(np.float64) * currency.map(rates).to_numpy(np.float64)


# -- credit risk ------------------------------------------------------------------------
def credit_exposures(t: Basel3Tables, as_of: dt.date, fx: FxRate) -> pd.DataFrame:
    """Every exposure's EAD, SA and internal risk weight and RWA, expected loss,
    entity and country (reporting currency)."""
    e = t.exposures.merge(t.counterparties, on="counterparty_id", how="left")
    if e["legal_entity"].isna().any():
        missing = e.loc[e["legal_entity"].isna(), "counterparty_id"].iloc[0]
        raise DataQualityError(
            f"exposures: counterparty {missing} is not in the counterparties table",
            check="basel3_inputs",
        )
    n = len(e)
    product = e["product"].to_numpy(object)
    cls = e["exposure_class"].to_numpy(object)
    drawn = _money(e["drawn"], e["currency"], fx)
    undrawn = _money(e["undrawn"], e["currency"], fx)
    ccf = credit.credit_conversion_factor(product, e["ccf"].to_numpy(np.float64, na_value=np.nan))
    exposure = drawn + ccf * undrawn
    ctype = e["collateral_type"].fillna("none").to_numpy(object)
    coll_ccy = e["collateral_currency"].fillna(e["currency"])
    coll_value = _money(e["collateral_value"], coll_ccy, fx)
    financial = np.isin(ctype, list(credit.FINANCIAL_COLLATERAL))
    haircut = credit.collateral_haircut(
        ctype,
        e["collateral_rating"].fillna("NR").to_numpy(object),
        _years(pd.to_datetime(e["collateral_maturity"]).fillna(pd.Timestamp(as_of)), as_of),
    )
    after_crm = np.where(
        financial,
        credit.exposure_after_crm(
            exposure, coll_value, haircut, (coll_ccy != e["currency"]).to_numpy()
        ),
        exposure,
    )
    prop = np.isin(ctype, list(credit.PROPERTY)) & (coll_value > 0)
    ltv = np.where(prop, (drawn + undrawn) / np.where(prop, coll_value, 1.0), np.nan)
    start = pd.to_datetime(e["start_date"])
    original_days = (pd.to_datetime(e["maturity"]) - start).dt.days.to_numpy(np.float64)
    short = (cls == credit.ExposureClass.BANK) & (np.nan_to_num(original_days, nan=1e9) <= 92)
    rw_sa = credit.sa_risk_weight(
        cls,
        e["rating"].to_numpy(object),
        product,
        sme=e["sme"].fillna(False).to_numpy(bool),
        short_term=short,
        scra_grade=e["scra_grade"].fillna("").to_numpy(object),
        ltv=ltv,
    )
    rwa_sa = rw_sa * after_crm
    approach = e["approach"].fillna("sa").to_numpy(object)
    irb = (approach != credit.Approach.SA) & (cls != credit.ExposureClass.EQUITY)
    irb_cls = credit.irb_class(cls, product)
    params = credit.irb_parameters(
        approach,
        cls,
        irb_cls,
        e["pd"].fillna(1.0).to_numpy(np.float64),
        e["lgd"].fillna(credit.FIRB_LGD_SENIOR).to_numpy(np.float64),
        _years(e["maturity"], as_of),
        financial | prop,
        (e["sector"] == "financials").to_numpy(),
    )
    # CRE32.9 (simplified): financial collateral scales LGD by E*/E under the IRB
    scale = np.where(financial & (exposure > 0), after_crm / np.where(exposure > 0, exposure, 1), 1)
    lgd = params.lgd * scale
    rw_irb = credit.irb_risk_weight(
        params.pd,
        lgd,
        params.maturity,
        irb_cls,
        e["turnover_m"].to_numpy(np.float64, na_value=np.nan),
        e["large_financial"].fillna(False).to_numpy(bool),
    )
    rwa = np.where(irb, rw_irb * exposure, rwa_sa)
    el = np.where(irb, credit.expected_loss(params.pd, lgd, exposure), 0.0)
    return pd.DataFrame(
        {
            "exposure_id": e["exposure_id"],
            "legal_entity": e["legal_entity"],
            "country": e["country"],
            "private": ~np.isin(cls, [credit.ExposureClass.SOVEREIGN, credit.ExposureClass.BANK]),
            "irb": irb,
            "on_balance": drawn,
            "off_balance": undrawn,
            "ccf": ccf,
            "ead": np.where(irb, exposure, after_crm),
            "rw_sa": rw_sa,
            "rwa_sa": rwa_sa,
            "rwa": rwa,
            "el": el,
        },
        index=range(n),
    )


# -- counterparty credit risk ------------------------------------------------------------
def _pair(base: str, quote: str) -> tuple[str, float]:
    """The FX hedging set of a pair (its currencies in alphabetical order) and the sign
    of a long-``base`` position in it."""
    return (base + quote, 1.0) if base < quote else (quote + base, -1.0)


def _trades(
    rows: pd.DataFrame,
    values: np.ndarray,
    as_of: dt.date,
    fx: FxRate,
    spot: Callable[[str], float],
    reporting: str,
) -> list[Trade]:
    """SA-CCR trades of positions (their instruments' terms joined), CRE52.39–52.41."""
    out = []
    for r, mtm in zip(rows.to_dict("records"), values, strict=True):
        kind, qty = r["instrument_type"], float(r["quantity"]) * float(r["multiplier"] or 1.0)
        sign = 1.0 if qty >= 0 else -1.0
        size = abs(qty)
        if kind == "irs":
            end = float(_years(pd.Series([r["maturity"]]), as_of)[0])
            start = float(_years(pd.Series([r["start_date"]]), as_of)[0]) if r["start_date"] else 0
            delta = (1.0 if r["pay_receive"] == "pay" else -1.0) * sign  # payer: long rates
            out.append(
                Trade(AssetClass.INTEREST_RATE, size * fx(r["currency"]), end, delta, mtm,
                      r["currency"], start=start, end=end)
            )  # fmt: skip
        elif kind in ("fx_forward", "fx_swap", "fx_option"):
            base, quote = r["base_currency"], r["currency"]
            pair, orient = _pair(base, quote)
            base_leg = size * fx(base)
            when = r["expiry"] if kind == "fx_option" else r["maturity"]
            m = float(_years(pd.Series([when]), as_of)[0])
            legs = [(m, sign, base_leg, size * float(r["strike"]) * fx(quote))]
            if kind == "fx_swap" and r["near_date"] is not None and r["near_date"] > as_of:
                near_m = float(_years(pd.Series([r["near_date"]]), as_of)[0])
                legs.append((near_m, -sign, base_leg, size * float(r["near_rate"]) * fx(quote)))
            for i, (mat, s, b, q) in enumerate(legs):
                notional = q if base == reporting else b if quote == reporting else max(b, q)
                if kind == "fx_option":
                    price = spot(base) / spot(quote)
                    delta = float(
                        ccr.supervisory_delta(
                            [r["option_type"] == "call"], [s > 0], [price], [float(r["strike"])],
                            [max(mat, 1 / 365)], [ccr.OPTION_VOL[(AssetClass.FX, False)]],
                        )[0]
                    )  # fmt: skip
                else:
                    delta = s
                out.append(
                    Trade(AssetClass.FX, notional, mat, delta * orient, mtm if i == 0 else 0.0,
                          pair)
                )  # fmt: skip
        elif kind in ("equity_option", "index_option"):
            index = kind == "index_option"
            level = spot(r["underlying"])
            t = float(_years(pd.Series([r["expiry"]]), as_of)[0])
            delta = float(
                ccr.supervisory_delta(
                    [r["option_type"] == "call"], [sign > 0], [level], [float(r["strike"])],
                    [max(t, 1 / 365)], [ccr.OPTION_VOL[(AssetClass.EQUITY, index)]],
                )[0]
            )  # fmt: skip
            out.append(
                Trade(AssetClass.EQUITY, size * level * fx(r["currency"]), t, delta, mtm,
                      reference=str(r["underlying"]), index=index)
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class NettingSetFigures:
    netting_set_id: str
    counterparty_id: str
    legal_entity: str
    result: ccr.SaccrResult
    maturity: float
    rw_sa: float
    rwa: float
    rwa_sa: float
    cva_rw: float
    country: str
    private: bool


def counterparty_exposures(
    t: Basel3Tables,
    positions: pd.DataFrame,
    values: np.ndarray,
    instruments: pd.DataFrame,
    entity_of_book: Mapping[str, str],
    as_of: dt.date,
    fx: FxRate,
    spot: Callable[[str], float],
    reporting: str,
) -> list[NettingSetFigures]:
    """SA-CCR EAD and RWA of every netting set holding the day's OTC positions."""
    held = positions.assign(value=values).merge(
        instruments.drop(columns=["instrument_type"]), on="instrument_id", how="left"
    )
    assigned = dict(
        zip(t.assignments["instrument_id"], t.assignments["netting_set_id"], strict=True)
    )
    otc = held["instrument_type"].isin(ALWAYS_OTC) | (
        held["instrument_type"].isin(OTC_ASSIGNABLE) & held["instrument_id"].isin(assigned)
    )
    held = held.loc[otc].copy()
    held["netting_set_id"] = [
        assigned.get(i, f"{UNASSIGNED}{i}@{entity_of_book[b]}")
        for i, b in zip(held["instrument_id"], held["book_id"], strict=True)
    ]
    sets = t.netting_sets.set_index("netting_set_id")
    cps = t.counterparties.set_index("counterparty_id")
    agreements = t.agreements.set_index("agreement_id")
    out = []
    for ns, rows in held.groupby("netting_set_id", sort=True):
        ns = str(ns)
        trades = _trades(rows, rows["value"].to_numpy(np.float64), as_of, fx, spot, reporting)
        margin = None
        if ns.startswith(UNASSIGNED):
            cp_id, entity = "", ns.rpartition("@")[2]
            cls, rating, sector, country = "corporate", "NR", "other", ""
            cp: pd.Series | None = None
        else:
            cp_id = str(sets.at[ns, "counterparty_id"])
            cp = cps.loc[cp_id]
            entity = str(cp["legal_entity"])
            cls, rating, sector, country = (
                str(cp["exposure_class"]), str(cp["rating"]), str(cp["sector"]), str(cp["country"])
            )  # fmt: skip
            agreement = sets.at[ns, "agreement_id"]
            if isinstance(agreement, str) and agreement:
                a = agreements.loc[agreement]
                rate = fx(str(a["currency"]))
                n_days = int(a["remargin_days"])
                mpor = a["mpor_days"] if pd.notna(a["mpor_days"]) else 10 + n_days - 1
                margin = Margin(
                    threshold=float(a["threshold"]) * rate,
                    mta=float(a["mta"]) * rate,
                    nica=float(a["independent_amount"]) * rate,
                    collateral=(float(a["collateral_held"]) - float(a["collateral_posted"])) * rate,
                    mpor_days=float(max(mpor, 10 + n_days - 1)),
                )
        result = ccr.saccr(trades, margin)
        m = ccr.effective_maturity(
            np.array([tr.notional for tr in trades]), np.array([tr.maturity for tr in trades])
        )
        sme = bool(cp["sme"]) if cp is not None and pd.notna(cp["sme"]) else False
        scra = str(cp["scra_grade"]) if cp is not None and pd.notna(cp["scra_grade"]) else ""
        rw_sa = float(
            credit.sa_risk_weight(
                np.array([cls], object), np.array([rating], object), np.array(["loan"], object),
                sme=np.array([sme]),
                short_term=np.array([False]),
                scra_grade=np.array([scra], object),
                ltv=np.array([np.nan]),
            )[0]
        )  # fmt: skip
        rwa = rw_sa * result.ead
        if cp is not None and cp["approach"] in ("firb", "airb"):
            irb_cls = credit.irb_class(np.array([cls], object), np.array(["loan"], object))
            p = credit.irb_parameters(
                np.array([cp["approach"]], object), np.array([cls], object), irb_cls,
                np.array([float(cp["pd"])]),
                np.array([float(cp["lgd"]) if pd.notna(cp["lgd"]) else credit.FIRB_LGD_SENIOR]),
                np.array([m]), np.array([False]), np.array([sector == "financials"]),
            )  # fmt: skip
            rwa = float(credit.irb_risk_weight(p.pd, p.lgd, p.maturity, irb_cls)[0]) * result.ead
        out.append(
            NettingSetFigures(
                ns, cp_id, entity, result, m, rw_sa, rwa, rw_sa * result.ead,
                float(cva.cva_risk_weight(np.array([sector]), np.array([rating]))[0]),
                country, cls not in ("sovereign", "bank"),
            )
        )  # fmt: skip
    return out


# -- operational risk -------------------------------------------------------------------
def operational_capital(
    t: Basel3Tables, entities: list[str] | None, as_of: dt.date, fx: FxRate, cfg: Basel3Config
) -> operational.OperationalCapital | None:
    """SMA capital (reporting currency) of ``entities`` together (None: all); None when
    they have no financials before the as-of year."""
    to_bi = 1.0 / fx(cfg.bi_currency)
    f = t.financials
    f = f.loc[f["year"] < as_of.year]
    if entities is not None:
        f = f.loc[f["legal_entity"].isin(entities)]
    if f.empty:
        return None
    items = [c for c in f.columns if c not in ("legal_entity", "year", "currency")]
    conv = f[items].mul(f["currency"].map(lambda c: fx(c) * to_bi), axis=0)
    by_year = conv.assign(year=f["year"].to_numpy()).groupby("year").sum().sort_index()
    by_year = by_year.iloc[-operational.BI_YEARS :]
    bi = operational.BusinessIndicatorInputs(**{c: by_year[c].to_numpy() for c in items})
    losses = t.op_losses
    if entities is not None:
        losses = losses.loc[losses["legal_entity"].isin(entities)]
    years = pd.to_datetime(losses["accounting_date"]).dt.year
    first = as_of.year - operational.LOSS_YEARS
    window = losses.loc[(years >= first) & (years < as_of.year)]
    net = (window["gross_loss"] - window["recoveries"].fillna(0.0)) * window["currency"].map(
        lambda c: fx(c) * to_bi
    )
    net = net.loc[net >= cfg.loss_threshold]
    start = int(years.min()) if len(years) else as_of.year
    span = list(range(max(start, first), as_of.year))
    annual = net.groupby(years.loc[net.index]).sum().reindex(span, fill_value=0.0).to_numpy()
    orc = operational.operational_risk_capital(bi, annual)
    back = 1.0 / to_bi
    return operational.OperationalCapital(
        orc.bi, orc.bic * back, orc.bucket, orc.lc * back, orc.ilm, orc.loss_years,
        orc.capital * back,
    )  # fmt: skip


# -- adequacy --------------------------------------------------------------------------
def _resources(t: Basel3Tables, entity: str, as_of: dt.date) -> pd.Series:
    r = t.capital_resources
    r = r.loc[(r["legal_entity"] == entity) & (pd.to_datetime(r["as_of"]).dt.date <= as_of)]
    if r.empty:
        raise DataQualityError(
            f"capital_resources has no row for {entity} on or before {as_of}: ingest its "
            "CET1, AT1 and Tier 2 (riskcap ingest capital-resources FILE)",
            check="basel3_inputs",
        )
    return r.sort_values("as_of").iloc[-1]


def adequacy_figures(
    t: Basel3Tables,
    positions: pd.DataFrame,
    values: np.ndarray,
    instruments: pd.DataFrame,
    books: pd.DataFrame,
    market: MarketCapital,
    as_of: dt.date,
    fx: FxRate,
    spot: Callable[[str], float],
    reporting: str,
    cfg: Basel3Config,
) -> list[EntityFigures]:
    """Every entity's and the firm's RWA, floor, ratios and leverage (see module doc)."""
    entity_of_book = dict(zip(books["book_id"], books["legal_entity"], strict=True))
    firm = str(books["firm"].dropna().iloc[0])
    entities = sorted({str(e) for e in books["legal_entity"].dropna()})
    unknown = sorted(set(t.counterparties["legal_entity"]) - set(entities))
    if unknown:
        raise DataQualityError(
            f"counterparties: legal entity {unknown[0]} is not an entity of the books table",
            check="basel3_inputs",
        )
    exposures = credit_exposures(t, as_of, fx)
    sets = counterparty_exposures(
        t, positions, values, instruments, entity_of_book, as_of, fx, spot, reporting
    )
    if cfg.output_floor is not None:
        floor = cfg.output_floor
    else:
        schedule = {int(y): p for y, p in cfg.output_floor_phase_in.items()} or None
        floor = adequacy.output_floor_percentage(as_of.year, schedule)
    sa_entities = {e: market.sa.get(f"entity:{e}", 0.0) for e in entities}
    sa_total = sum(sa_entities.values())
    out = []
    for node, members in [*((f"entity:{e}", [e]) for e in entities), (f"firm:{firm}", entities)]:
        x = exposures.loc[exposures["legal_entity"].isin(members)]
        ns = [s for s in sets if s.legal_entity in members]
        _, scva = cva.standalone_cva(
            np.array([s.cva_rw for s in ns]),
            np.array([s.counterparty_id or s.netting_set_id for s in ns], object),
            np.array([s.result.ead for s in ns]),
            np.array([s.maturity for s in ns]),
        )
        k_cva = cva.ba_cva_capital(scva)
        op = operational_capital(t, members if node.startswith("entity:") else None, as_of, fx, cfg)
        if node.startswith("firm:"):
            mkt, mkt_sa = market.firm_capital, market.sa.get(node, sa_total)
        else:
            share = sa_entities[members[0]] / sa_total if sa_total > 0 else 0.0
            mkt, mkt_sa = market.firm_capital * share, sa_entities[members[0]]
        rwa = adequacy.RiskWeightedAssets(
            credit=float(x["rwa"].sum()),
            credit_sa=float(x["rwa_sa"].sum()),
            ccr=float(sum(s.rwa for s in ns)),
            cva=adequacy.MARKET_OP_SCALING * k_cva,
            market_capital=mkt,
            market_capital_sa=mkt_sa,
            operational_capital=op.capital if op else 0.0,
        )
        # CCR's SA figure for the floor: counterparties on the IRB at their SA weight
        rwa_sa_ccr = float(sum(s.rwa_sa for s in ns))
        standardised = rwa.standardised - rwa.ccr + rwa_sa_ccr
        total = max(rwa.internal, floor * standardised)
        res = _resources(t, firm if node.startswith("firm:") else members[0], as_of)
        rate = fx(str(res["currency"]))
        resources = adequacy.CapitalResources(
            cet1=(
                float(res["cet1_instruments"]) + float(res["retained_earnings"])
                + float(res["accumulated_oci"]) - float(res["cet1_deductions"])
            ) * rate,
            at1=float(res["at1"]) * rate,
            tier2=float(res["tier2"]) * rate,
        )  # fmt: skip
        private = x.loc[x["private"]]
        by_country = private.groupby("country")["rwa"].sum().to_dict()
        for s in ns:
            if s.private and s.country:
                by_country[s.country] = by_country.get(s.country, 0.0) + s.rwa
        ccyb = adequacy.countercyclical_buffer(by_country, cfg.countercyclical_rates)
        buffers = adequacy.Buffers(cfg.conservation_buffer, ccyb, cfg.systemic_buffer)
        ratios = adequacy.capital_ratios(resources, total, buffers)
        other_assets = float(res["other_assets"]) if pd.notna(res["other_assets"]) else 0.0
        lev_exposure = adequacy.leverage_exposure(
            np.append(x["on_balance"].to_numpy(), other_assets * rate),
            x["off_balance"].to_numpy(),
            x["ccf"].to_numpy(),
            float(sum(s.result.ead for s in ns)),
        )
        lev = adequacy.leverage_ratio(resources.tier1, lev_exposure, cfg.systemic_buffer)
        values_out = {
            "rwa:credit": rwa.credit,
            "rwa:credit_sa": rwa.credit_sa,
            "rwa:ccr": rwa.ccr,
            "rwa:cva": rwa.cva,
            "rwa:market": rwa.market,
            "rwa:market_sa": adequacy.MARKET_OP_SCALING * rwa.market_capital_sa,
            "rwa:operational": rwa.operational,
            "rwa:internal": rwa.internal,
            "rwa:standardised": standardised,
            "rwa:floor_add_on": total - rwa.internal,
            "rwa:total": total,
            "floor:percentage": floor,
            "credit:ead": float(x["ead"].sum()),
            "credit:el": float(x["el"].sum()),
            "credit:irb_share": float(x.loc[x["irb"], "ead"].sum() / max(x["ead"].sum(), 1e-300)),
            "ccr:ead": float(sum(s.result.ead for s in ns)),
            "ccr:netting_sets": float(len(ns)),
            "ccr:unassigned": float(sum(s.netting_set_id.startswith(UNASSIGNED) for s in ns)),
            "cva:capital": k_cva,
            "op:bi": op.bi.total * fx(cfg.bi_currency) if op else 0.0,
            "op:bic": op.bic if op else 0.0,
            "op:lc": op.lc if op else 0.0,
            "op:ilm": op.ilm if op else 0.0,
            "op:bucket": float(op.bucket) if op else 0.0,
            "op:loss_years": float(op.loss_years) if op else 0.0,
            "buffer:conservation": buffers.conservation,
            "buffer:countercyclical": buffers.countercyclical,
            "buffer:systemic": buffers.systemic,
            "capital:cet1": resources.cet1,
            "capital:tier1": resources.tier1,
            "capital:total": resources.total,
            "leverage:exposure": lev_exposure,
        }
        for r in (*ratios, lev):
            values_out[f"ratio:{r.name}"] = r.value
            values_out[f"minimum:{r.name}"] = r.minimum
            values_out[f"requirement:{r.name}"] = r.requirement
            values_out[f"surplus:{r.name}"] = r.surplus
        detail = [
            {
                "netting_set": s.netting_set_id,
                "counterparty": s.counterparty_id,
                "margined": s.result.margined,
                "mtm": s.result.mtm,
                "rc": s.result.rc,
                "addon": s.result.addon,
                "multiplier": s.result.multiplier,
                "ead": s.result.ead,
                "rwa": s.rwa,
            }
            for s in ns
        ]
        out.append(
            EntityFigures(node, values_out, detail, [r for r in (*ratios, lev) if not r.met])
        )
    return out
