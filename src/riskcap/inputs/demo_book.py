"""The deterministic demo book: a firm, its hierarchy, instruments, positions and trades.

Firm ``RISKCAP`` → 2 legal entities → 4 desks → 12 books. Instruments: the 20
bundled stocks, an S&P 500 tracker, European calls and puts on 6 stocks and the
index (3 strikes × 3 expiries), two S&P 500 futures, four fixed-rate bonds and
eight vanilla swaps on the synthetic USD curve. Opening positions on the first
business day D0, then ``days`` business days of trades (some closing a position
exactly to zero, some opening instruments not held before). Trade prices are the
day's model marks (real closes, synthetic curve and vols) with a small spread.

Everything is a pure function of the seed and the bundled data, so two calls give
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskcap.data.mapping import discount_curve, projection_curve
from riskcap.data.samples import (
    COMMODITY_TENORS,
    CURVE_TENORS,
    INDEX_FACTOR,
    OPTION_UNDERLYINGS,
    SPREAD_MODELS,
    SPREAD_TENORS,
    MarketBundle,
    business_days,
)
from riskcap.inputs.schedules import bond_flows, swap_flows, zero_curve_df
from riskcap.pricing.equity import black_scholes_merton, forward_price
from riskcap.pricing.fx import fx_forward_value, garman_kohlhagen
from riskcap.pricing.rates import zero_rate

FIRM = "RISKCAP"
# book, desk, legal entity, description
HIERARCHY: tuple[tuple[str, str, str, str], ...] = (
    ("EQC-TECH", "EQ-CASH", "RC-US-LLC", "US technology cash equities"),
    ("EQC-FIN", "EQ-CASH", "RC-US-LLC", "US financials and healthcare cash equities"),
    ("EQC-DEF", "EQ-CASH", "RC-US-LLC", "US defensive cash equities"),
    ("EQD-SINGLE", "EQ-DERIV", "RC-US-LLC", "single-stock options with delta hedges"),
    ("EQD-INDEX", "EQ-DERIV", "RC-US-LLC", "S&P 500 index options and tracker hedge"),
    ("EQD-VOL", "EQ-DERIV", "RC-US-LLC", "volatility: straddles on stocks and the index"),
    ("RTS-GOVT", "RATES", "RC-UK-LTD", "fixed-rate government-style bonds"),
    ("RTS-SWAPS", "RATES", "RC-UK-LTD", "vanilla interest-rate swaps"),
    ("RTS-CURVE", "RATES", "RC-UK-LTD", "curve trades: 2s10s and 5s30s"),
    ("MAC-FUT", "MACRO", "RC-UK-LTD", "S&P 500 futures"),
    ("MAC-LS", "MACRO", "RC-UK-LTD", "energy and industrials long/short"),
    ("MAC-HEDGE", "MACRO", "RC-UK-LTD", "index downside hedges"),
    ("FXD-FWD", "FX", "RC-UK-LTD", "FX forwards and swaps: EUR, GBP, JPY"),
    ("FXD-OPT", "FX", "RC-UK-LTD", "EURUSD and GBPUSD options"),
    ("MAC-CMD", "MACRO", "RC-UK-LTD", "oil and gold futures"),
    ("RTS-CREDIT", "RATES", "RC-UK-LTD", "corporate bonds rated A to BB, USD and EUR"),
)
EXPIRIES = (dt.date(2023, 3, 17), dt.date(2023, 6, 16), dt.date(2023, 12, 15))
FUTURE_EXPIRIES = (dt.date(2023, 3, 17), dt.date(2023, 6, 16))
RATE_TENORS = (2, 5, 10, 30)


@dataclass(frozen=True)
class DemoBookFiles:
    """Paths of the files written, in the order they should be ingested."""

    books: Path
    instruments: Path
    opening_positions: Path
    trades: tuple[Path, ...]
    opening_date: dt.date
    trade_dates: tuple[dt.date, ...]


def _strike_step(spot: float) -> float:
    return 25.0 if spot >= 1000 else 5.0 if spot >= 100 else 2.5 if spot >= 25 else 1.0


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


class ModelMarker:
    """Model price per unit of an instrument on a date, from the demo market bundle.

    Equities and the index at the close; futures at the cost-of-carry forward;
    options by Black–Scholes–Merton with the synthetic ATM vol interpolated in
    tenor and the zero rate at expiry (no dividends); bonds and swaps off the
    synthetic zero curve.
    """

    def __init__(self, bundle: MarketBundle):
        self.prices = bundle.prices
        self.zeros = bundle.zero_curves
        self.fx_rates = bundle.fx
        self.commodities = bundle.commodities
        self.spreads = bundle.spreads
        self.projections = bundle.projections
        vols = bundle.vols
        recent = vols.loc[
            vols["date"] >= (bundle.prices.index[-1] - pd.Timedelta(days=400)).date()
        ].sort_values(["date", "underlying", "moneyness", "tenor_years"])
        self._vol_tenors = recent["tenor_years"].to_numpy(np.float64)
        self._vol_levels = recent["implied_vol"].to_numpy(np.float64)
        self._vol_moneyness = recent["moneyness"].to_numpy(np.float64)
        # rows of each (date, underlying) surface, in tenor order (one sort, no frames)
        self._surfaces = recent.reset_index(drop=True).groupby(["date", "underlying"]).indices
        self.tenors = np.array([t for _, t in CURVE_TENORS])

    def curve(self, d: dt.date, currency: str = "USD") -> np.ndarray:
        return np.asarray(self.zeros[currency].loc[pd.Timestamp(d)], dtype=np.float64)

    def curve_df(self, curve_id: str, d: dt.date) -> Any:
        """Discount factors at times (years) on a discount or projection curve on ``d``."""
        if curve_id in self.projections:
            rates = np.asarray(self.projections[curve_id].loc[pd.Timestamp(d)], np.float64)
        else:
            rates = self.curve(d, curve_id.split(".")[0])
        return zero_curve_df(self.tenors, rates)

    def bond_value(self, inst: Any, d: dt.date) -> float:
        """Dirty price per 100 of a bond's remaining QuantLib cash flows, discounted on
        its currency's curve plus its issuer's zero spread."""
        flows = bond_flows(inst, d)
        z = np.interp(flows.times, self.tenors, self.curve(d, str(inst["currency"])))
        issuer = inst.get("issuer")
        if isinstance(issuer, str):
            z = z + self.spread(issuer, d, flows.times)
        return float(np.sum(flows.amounts * np.exp(-z * flows.times)))

    def swap_value(self, inst: Any, d: dt.date) -> float:
        """PV per unit notional: known flows on the discount curve, projected coupons
        ``P(s)/P(e) − 1`` on the projection curve (see riskcap.inputs.schedules)."""
        disc, proj = discount_curve(inst), projection_curve(inst)
        df, pf = self.curve_df(disc, d), self.curve_df(proj, d)
        flows = swap_flows(inst, d, pf, proj == disc)
        sign = 1.0 if inst["pay_receive"] == "pay" else -1.0
        projected = df(flows.float_times) * (pf(flows.float_start) / pf(flows.float_end) - 1.0)
        return float(np.sum(flows.amounts * df(flows.times)) + sign * np.sum(projected))

    def par_rate(self, inst: dict[str, Any], d: dt.date) -> float:
        """The fixed rate (swap) or coupon (bond) that values the instrument at par."""
        if inst["instrument_type"] == "bond":
            p0 = self.bond_value({**inst, "fixed_rate": 0.0}, d)
            p1 = self.bond_value({**inst, "fixed_rate": 1.0}, d)
            return (100.0 - p0) / (p1 - p0)
        v0 = self.swap_value({**inst, "fixed_rate": 0.0, "pay_receive": "pay"}, d)
        v1 = self.swap_value({**inst, "fixed_rate": 1.0, "pay_receive": "pay"}, d)
        return v0 / (v0 - v1)

    def fx(self, currency: str, d: dt.date) -> float:
        """USD per unit of ``currency``."""
        if currency == "USD":
            return 1.0
        return float(self.fx_rates.at[pd.Timestamp(d), f"FX.{currency}USD"])

    def df(self, currency: str, d: dt.date, t: float) -> float:
        rates = self.curve(d, currency)
        return float(np.exp(-float(zero_rate(self.tenors, rates, t)) * t))

    def spread(self, issuer: str, d: dt.date, t: np.ndarray) -> np.ndarray:
        """The issuer's zero spread at times ``t``: linear in tenor, flat outside."""
        row = self.spreads.loc[pd.Timestamp(d)]
        tenors = np.array([tenor for _, tenor in SPREAD_TENORS])
        levels = np.array([row[f"CS.{issuer}.{label}"] for label, _ in SPREAD_TENORS])
        return np.interp(t, tenors, levels)

    def forward_price(self, commodity: str, d: dt.date, t: float) -> float:
        """The forward price at ``t`` years: log-linear between the curve's pillars."""
        name = commodity.removeprefix("CMD.")
        times = np.array([tenor for _, tenor in COMMODITY_TENORS])
        row = self.commodities.loc[pd.Timestamp(d)]
        levels = np.array([row[f"CMD.{name}.{label}"] for label, _ in COMMODITY_TENORS])
        return float(np.exp(np.interp(t, times, np.log(levels))))

    def fx_leg(self, inst: pd.Series, d: dt.date, settle: dt.date, strike: float) -> float:
        """Value of buying one unit of the base currency at ``strike`` on ``settle``."""
        t = (settle - d).days / 365.0
        if t < 0:
            return 0.0
        base, quote = inst["base_currency"], inst["currency"]
        spot = self.fx(base, d) / self.fx(quote, d)
        return float(fx_forward_value(spot, strike, self.df(base, d, t), self.df(quote, d, t)))

    def spot(self, factor: str, d: dt.date) -> float:
        return float(self.prices.at[pd.Timestamp(d), factor])

    def vol(self, factor: str, d: dt.date, t: float, moneyness: float = 1.0) -> float:
        """The surface's vol at expiry ``t`` and ``moneyness`` (strike / spot): linear in
        expiry along each moneyness pillar, then linear in moneyness, flat outside (the
        rule of riskcap.inputs.risk_inputs.smile_weights)."""
        rows = self._surfaces[(d, factor)]
        ms = self._vol_moneyness[rows]
        pillars = np.unique(ms)
        per = [
            np.interp(t, self._vol_tenors[rows][ms == p], self._vol_levels[rows][ms == p])
            for p in pillars
        ]
        return float(np.interp(moneyness, pillars, per))

    def mark(self, inst: pd.Series, d: dt.date) -> float:
        kind = inst["instrument_type"]
        if kind in ("equity", "index"):
            return self.spot(inst["underlying"], d)
        if kind == "commodity_future":
            return self.forward_price(str(inst["underlying"]), d, (inst["expiry"] - d).days / 365)
        if kind == "fx_forward":
            return self.fx_leg(inst, d, inst["maturity"], inst["strike"])
        if kind == "fx_swap":
            far = self.fx_leg(inst, d, inst["maturity"], inst["strike"])
            return far - self.fx_leg(inst, d, inst["near_date"], inst["near_rate"])
        if kind == "fx_option":
            base, quote = inst["base_currency"], inst["currency"]
            t = (inst["expiry"] - d).days / 365.0
            r_q = float(zero_rate(self.tenors, self.curve(d, quote), t))
            r_b = float(zero_rate(self.tenors, self.curve(d, base), t))
            spot = self.fx(base, d) / self.fx(quote, d)
            sigma = self.vol(f"FX.{base}{quote}", d, t, inst["strike"] / spot)
            call = inst["option_type"] == "call"
            return float(garman_kohlhagen(spot, inst["strike"], t, r_q, r_b, sigma, call))
        rates = self.curve(d, str(inst["currency"]))
        if kind in ("equity_option", "index_option", "index_future"):
            t = (inst["expiry"] - d).days / 365.0
            s = self.spot(inst["underlying"], d)
            r = float(zero_rate(self.tenors, rates, t))
            if kind == "index_future":
                return float(forward_price(s, r, 0.0, t))
            sigma = self.vol(inst["underlying"], d, t, inst["strike"] / s)
            return float(
                black_scholes_merton(
                    s, inst["strike"], t, r, 0.0, sigma, inst["option_type"] == "call"
                )
            )
        if kind == "bond":
            return self.bond_value(inst, d)
        return self.swap_value(inst, d)


def market_values(
    marker: ModelMarker, positions: pd.DataFrame, instruments: pd.DataFrame, day: dt.date
) -> pd.DataFrame:
    """``positions`` with ``price`` (in the instrument's currency), ``fx`` (USD per unit of
    that currency on ``day``) and ``market_value = quantity × multiplier × price × fx``
    in USD, the demo's reporting currency."""
    by_id = instruments.set_index("instrument_id")
    prices = {iid: marker.mark(by_id.loc[iid], day) for iid in positions["instrument_id"].unique()}
    out = positions.assign(price=positions["instrument_id"].map(prices))
    mult = out["instrument_id"].map(by_id["multiplier"]).astype(float)
    fx = out["instrument_id"].map(by_id["currency"]).map(lambda c: marker.fx(str(c), day))
    out = out.assign(fx=fx.astype(float))
    return out.assign(market_value=out["quantity"] * mult * out["price"] * out["fx"])


# the bundled stocks' sectors (GICS, mapped onto data/schemas.SECTORS) for the FRTB SA
# equity buckets (MAR21.72; all large caps of an advanced economy); GE, an industrial, has
# no sector of its own there and names its bucket (6: telecommunications, industrials)
EQUITY_SECTORS = {
    "AAPL": "technology",
    "AMD": "technology",
    "MSFT": "technology",
    "BAC": "financials",
    "JPM": "financials",
    "BBY": "consumer",
    "HD": "consumer",
    "KO": "consumer",
    "PEP": "consumer",
    "PG": "consumer",
    "WMT": "consumer",
    "JNJ": "health_care",
    "LLY": "health_care",
    "MRK": "health_care",
    "PFE": "health_care",
    "UNH": "health_care",
    "CVX": "basic_materials",
    "RRC": "basic_materials",
    "XOM": "basic_materials",
}
EQUITY_BUCKETS = {"GE": "6"}


def _instruments(marker: ModelMarker, d0: dt.date) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    tickers = [c.removeprefix("EQ.") for c in marker.prices.columns if c.startswith("EQ.")]
    for t in tickers:
        rows.append(
            dict(
                instrument_id=t,
                instrument_type="equity",
                underlying=f"EQ.{t}",
                description=f"{t} common stock",
                multiplier=1.0,
                sector=EQUITY_SECTORS.get(t),
                frtb_bucket=EQUITY_BUCKETS.get(t),
            )
        )
    rows.append(
        dict(
            instrument_id="SPX-IDX",
            instrument_type="index",
            underlying=INDEX_FACTOR,
            description="S&P 500 index tracker",
            multiplier=1.0,
        )
    )
    for t in (*OPTION_UNDERLYINGS, "SPX"):
        factor = INDEX_FACTOR if t == "SPX" else f"EQ.{t}"
        spot = marker.spot(factor, d0)
        step = _strike_step(spot)
        for expiry in EXPIRIES:
            for moneyness in (0.9, 1.0, 1.1):
                strike = round(spot * moneyness / step) * step
                for cp in ("call", "put"):
                    rows.append(
                        dict(
                            instrument_id=f"{t}-{expiry:%Y%m%d}-{cp[0].upper()}-{strike:g}",
                            instrument_type="index_option" if t == "SPX" else "equity_option",
                            underlying=factor,
                            strike=strike,
                            option_type=cp,
                            expiry=expiry,
                            multiplier=100.0,
                            description=f"{t} {expiry} {strike:g} European {cp}",
                        )
                    )
    for expiry in FUTURE_EXPIRIES:
        rows.append(
            dict(
                instrument_id=f"ES-{expiry:%Y%m%d}",
                instrument_type="index_future",
                underlying=INDEX_FACTOR,
                expiry=expiry,
                multiplier=50.0,
                description=f"S&P 500 future expiring {expiry}",
            )
        )
    for years in RATE_TENORS:
        maturity = _add_years(d0, years)
        bond: dict[str, object] = dict(
            instrument_id=f"UST-{years}Y",
            instrument_type="bond",
            currency="USD",
            maturity=maturity,
            payment_frequency=2,
            curve_id="USD.ZERO",
            day_count="ACT/ACT.ICMA",  # Treasury-style
            multiplier=0.01,
            rating="AA",  # the United States (S&P AA+), for the FRTB SA default risk charge
            sector="sovereign",
        )
        coupon = round(marker.par_rate(bond, d0) * 800) / 800  # nearest 1/8 %
        bond |= dict(
            fixed_rate=coupon,
            description=f"{coupon:.3%} {years}Y fixed-rate bond (price per 100)",
        )
        rows.append(bond)
        swap: dict[str, object] = dict(
            instrument_type="irs",
            currency="USD",
            maturity=maturity,
            start_date=d0,
            payment_frequency=1,  # SOFR OIS: annual both legs, ACT/360, one curve
            curve_id="USD.ZERO",
            multiplier=1.0,
        )
        swap_rate = round(marker.par_rate(swap, d0), 4)
        for side in ("pay", "receive"):
            rows.append(
                swap
                | dict(
                    instrument_id=f"IRS-{years}Y-{side.upper()[:3]}",
                    fixed_rate=swap_rate,
                    pay_receive=side,
                    description=f"{years}Y SOFR swap, {side} fixed {swap_rate:.2%}",
                )
            )
    for r in rows:
        r["currency"] = "USD"
    rows += _uk_instruments(marker, d0)
    return pd.DataFrame(rows)


def _uk_instruments(marker: ModelMarker, d0: dt.date) -> list[dict[str, object]]:
    """The UK entity's other markets: EUR and GBP swaps, a gilt, FX forwards (EURUSD,
    GBPUSD, USDJPY and the cross EURGBP), an EURUSD FX swap and EURUSD/GBPUSD options,
    struck at the market of D0."""
    rows: list[dict[str, object]] = []
    for ccy, years, sides, index in (
        ("EUR", 5, ("pay", "receive"), "EUR.EURIBOR3M"),  # vs EURIBOR 3M, €STR discounting
        ("EUR", 10, ("pay",), None),  # €STR OIS (one curve)
        ("GBP", 5, ("receive",), None),  # SONIA OIS
    ):
        swap: dict[str, object] = dict(
            instrument_type="irs",
            currency=ccy,
            maturity=_add_years(d0, years),
            start_date=d0,
            payment_frequency=1,
            curve_id=f"{ccy}.ZERO",
            multiplier=1.0,
        )
        if index:
            swap |= dict(projection_curve=index, float_frequency=4)
        rate = round(marker.par_rate(swap, d0), 4)
        name = index.split(".")[1] if index else {"EUR": "ESTR", "GBP": "SONIA"}[ccy]
        for side in sides:
            rows.append(
                swap
                | dict(
                    instrument_id=f"IRS-{ccy}-{years}Y-{side.upper()[:3]}",
                    fixed_rate=rate,
                    pay_receive=side,
                    description=f"{ccy} {years}Y {name} swap, {side} fixed {rate:.2%}",
                )
            )
    gilt: dict[str, object] = dict(
        instrument_id="GILT-10Y",
        instrument_type="bond",
        currency="GBP",
        maturity=_add_years(d0, 10),
        payment_frequency=2,
        curve_id="GBP.ZERO",
        multiplier=0.01,
        rating="AA",  # the United Kingdom
        sector="sovereign",
    )
    coupon = round(marker.par_rate(gilt, d0) * 800) / 800
    gilt |= dict(
        fixed_rate=coupon, description=f"{coupon:.3%} 10Y gilt-style GBP bond (price per 100)"
    )
    rows.append(gilt)

    def forward(base: str, quote: str, settle: dt.date) -> float:
        t = (settle - d0).days / 365.0
        spot = marker.fx(base, d0) / marker.fx(quote, d0)
        fwd = spot * marker.df(base, d0, t) / marker.df(quote, d0, t)
        return round(fwd, 2 if quote == "JPY" else 4)

    for base, quote, months in (
        ("EUR", "USD", 3),
        ("EUR", "USD", 6),
        ("GBP", "USD", 3),
        ("USD", "JPY", 6),
        ("EUR", "GBP", 3),
    ):
        settle = d0 + dt.timedelta(days=round(months * 30.4375))
        k = forward(base, quote, settle)
        rows.append(
            dict(
                instrument_id=f"FXF-{base}{quote}-{months}M",
                instrument_type="fx_forward",
                currency=quote,
                base_currency=base,
                maturity=settle,
                strike=k,
                multiplier=1.0,
                description=f"buy {base} against {quote} in {months}M at {k}",
            )
        )
    near, far = d0 + dt.timedelta(days=30), _add_years(d0, 1)
    rows.append(
        dict(
            instrument_id="FXS-EURUSD-1M1Y",
            instrument_type="fx_swap",
            currency="USD",
            base_currency="EUR",
            near_date=near,
            near_rate=forward("EUR", "USD", near),
            maturity=far,
            strike=forward("EUR", "USD", far),
            multiplier=1.0,
            description="EURUSD FX swap: buy EUR in 1M, sell in 1Y",
        )
    )
    for issuer, ccy, years, seniority in (
        ("ACME", "USD", 5, "senior_unsecured"),
        ("BANKCO", "USD", 7, "subordinated"),
        ("HYCORP", "USD", 4, "senior_secured"),
        ("BANKCO", "EUR", 5, "senior_unsecured"),
    ):
        maturity = _add_years(d0, years)
        t_mat = (maturity - d0).days / 365.0
        riskless: dict[str, object] = dict(
            instrument_id="par",
            instrument_type="bond",
            currency=ccy,
            maturity=maturity,
            payment_frequency=2,
        )
        par = marker.par_rate(riskless, d0)
        spread = float(marker.spread(issuer, d0, np.array([t_mat]))[0])
        coupon = round((par + spread) * 800) / 800
        _, _, _, _, rating, sector = SPREAD_MODELS[issuer]
        rows.append(
            dict(
                instrument_id=f"{issuer}-{ccy}-{years}Y",
                instrument_type="bond",
                currency=ccy,
                maturity=maturity,
                fixed_rate=coupon,
                payment_frequency=2,
                curve_id=f"{ccy}.ZERO",
                multiplier=0.01,
                issuer=issuer,
                seniority=seniority,
                rating=rating,
                sector=sector,
                description=f"{issuer} {coupon:.3%} {years}Y {ccy} {seniority} ({rating})",
            )
        )
    for name, expiry, size in (
        ("WTI", dt.date(2023, 2, 21), 1000.0),
        ("WTI", dt.date(2023, 5, 22), 1000.0),
        ("BRENT", dt.date(2023, 2, 28), 1000.0),
        ("GOLD", dt.date(2023, 2, 24), 100.0),
        ("GOLD", dt.date(2023, 6, 28), 100.0),
    ):
        rows.append(
            dict(
                instrument_id=f"CMD-{name}-{expiry:%Y%m%d}",
                instrument_type="commodity_future",
                currency="USD",
                underlying=f"CMD.{name}",
                expiry=expiry,
                multiplier=size,
                description=f"{name} future expiring {expiry} ({size:g} units)",
            )
        )
    expiry = d0 + dt.timedelta(days=182)
    for base in ("EUR", "GBP"):
        spot = marker.fx(base, d0)
        for moneyness in (0.95, 1.0, 1.05):
            strike = round(spot * moneyness, 3)
            for cp in ("call", "put"):
                rows.append(
                    dict(
                        instrument_id=f"FXO-{base}USD-{expiry:%Y%m%d}-{cp[0].upper()}-{strike:g}",
                        instrument_type="fx_option",
                        currency="USD",
                        base_currency=base,
                        strike=strike,
                        option_type=cp,
                        expiry=expiry,
                        multiplier=100_000.0,
                        description=f"{base}USD {expiry} {strike:g} European {cp}",
                    )
                )
    return rows


def _universes(instruments: pd.DataFrame) -> dict[str, list[str]]:
    ids = instruments["instrument_id"]

    def like(prefixes: tuple[str, ...], kind: str | None = None) -> list[str]:
        sel = instruments["instrument_id"].str.startswith(prefixes)
        if kind:
            sel &= instruments["instrument_type"] == kind
        return sorted(ids[sel])

    atm = instruments.loc[
        instruments["instrument_type"].str.endswith("option")
        & instruments["instrument_id"].str.contains(r"-(?:C|P)-")
    ]
    straddles = sorted(
        atm.loc[atm["underlying"].isin(["EQ.AAPL", "EQ.MSFT", INDEX_FACTOR]), "instrument_id"]
    )
    return {
        "EQC-TECH": ["AAPL", "AMD", "MSFT"],
        "EQC-FIN": ["BAC", "JPM", "UNH"],
        "EQC-DEF": ["JNJ", "KO", "LLY", "MRK", "PEP", "PFE", "PG", "WMT"],
        "EQD-SINGLE": [*like(tuple(f"{t}-2023" for t in OPTION_UNDERLYINGS)), *OPTION_UNDERLYINGS],
        "EQD-INDEX": [*like(("SPX-2023",)), "SPX-IDX"],
        "EQD-VOL": straddles,
        "RTS-GOVT": like(("UST-", "GILT-")),
        "RTS-SWAPS": like(("IRS-",)),
        "RTS-CURVE": [
            "IRS-2Y-REC",
            "IRS-10Y-PAY",
            "IRS-5Y-REC",
            "IRS-30Y-PAY",
            "UST-2Y",
            "UST-10Y",
        ],
        "MAC-FUT": like(("ES-",)),
        "MAC-LS": ["BBY", "CVX", "GE", "HD", "RRC", "XOM"],
        "MAC-HEDGE": [*like(("SPX-2023",))[::3], "SPX-IDX"],
        "FXD-FWD": like(("FXF-", "FXS-")),
        "FXD-OPT": like(("FXO-",)),
        "MAC-CMD": like(("CMD-",)),
        "RTS-CREDIT": like(("ACME-", "BANKCO-", "HYCORP-")),
    }


def _size(kind: str, rng: np.random.Generator) -> float:
    if kind in ("equity", "index"):
        return float(rng.integers(10, 500) * 100)
    if kind.endswith("option"):
        return float(rng.integers(1, 40) * 5)
    if kind in ("index_future", "commodity_future"):
        return float(rng.integers(5, 80))
    return float(rng.integers(1, 50) * 1_000_000)


def generate_demo_book(
    bundle: MarketBundle, seed: int, days: int, out_dir: Path, end: dt.date | None = None
) -> DemoBookFiles:
    """Write books, instruments, opening positions and daily trade files to ``out_dir``.

    The opening date D0 is the business day before the last ``days`` business days
    of the bundled history (ending at ``end`` if given).
    """
    dates = business_days(bundle.prices, end, days + 1)
    d0, trade_dates = dates[0], dates[1:]
    marker = ModelMarker(bundle)
    rng = np.random.default_rng([seed, 3])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "trades").mkdir(exist_ok=True)

    books = pd.DataFrame(
        [
            dict(book_id=b, desk=d, legal_entity=e, firm=FIRM, description=txt)
            for b, d, e, txt in HIERARCHY
        ]
    )
    books_path = out_dir / "books.csv"
    books.to_csv(books_path, index=False)

    instruments = _instruments(marker, d0)
    inst_path = out_dir / "instruments.csv"
    instruments.to_csv(inst_path, index=False)
    by_id = instruments.set_index("instrument_id")
    universes = _universes(instruments)
    long_only = {"EQC-TECH", "EQC-FIN", "EQC-DEF", "RTS-GOVT", "RTS-CREDIT"}

    held: dict[tuple[str, str], float] = {}
    for book, universe in universes.items():
        for iid in universe:
            if rng.random() < 0.55:
                sign = 1.0 if book in long_only else float(rng.choice([-1.0, 1.0]))
                held[(book, iid)] = sign * _size(by_id.at[iid, "instrument_type"], rng)
    opening = pd.DataFrame(
        [
            dict(as_of=d0.isoformat(), book_id=b, instrument_id=i, quantity=q)
            for (b, i), q in sorted(held.items())
        ]
    )
    opening_path = out_dir / f"positions_{d0.isoformat()}.csv"
    opening.to_csv(opening_path, index=False)

    trade_paths = []
    book_names = sorted(universes)
    for d in trade_dates:
        rows = []
        for n in range(int(rng.integers(4, 11))):
            book = book_names[int(rng.integers(len(book_names)))]
            current = sorted(i for (b, i) in held if b == book)
            if current and rng.random() < 0.15:
                iid = current[int(rng.integers(len(current)))]
                qty = -held[(book, iid)]  # close out exactly
            else:
                universe = universes[book]
                iid = universe[int(rng.integers(len(universe)))]
                qty = float(rng.choice([-1.0, 1.0])) * max(
                    1.0, round(_size(by_id.at[iid, "instrument_type"], rng) * 0.3)
                )
            mark = marker.mark(by_id.loc[iid], d)
            spread = 1.0 + float(rng.uniform(-0.001, 0.001)) * (1.0 if qty > 0 else -1.0)
            at_market = by_id.at[iid, "instrument_type"] in ("irs", "fx_forward", "fx_swap")
            price = round(mark if at_market else mark * spread, 6)
            rows.append(
                dict(
                    trade_id=f"T{d:%Y%m%d}-{n + 1:03d}",
                    trade_date=d.isoformat(),
                    book_id=book,
                    instrument_id=iid,
                    quantity=qty,
                    price=price,
                )
            )
            new = held.get((book, iid), 0.0) + qty
            if new == 0.0:
                held.pop((book, iid), None)
            else:
                held[(book, iid)] = new
        path = out_dir / "trades" / f"trades_{d.isoformat()}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        trade_paths.append(path)
    return DemoBookFiles(
        books_path, inst_path, opening_path, tuple(trade_paths), d0, tuple(trade_dates)
    )


def write_market_files(bundle: MarketBundle, out_dir: Path) -> dict[str, Path]:
    """Write the market bundle as ingestable files: factors.csv and Parquet series."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "factors": out_dir / "factors.csv",
        "market-data": out_dir / "market_data.parquet",
        "curves": out_dir / "curves.parquet",
        "vols": out_dir / "vols.parquet",
        "observations": out_dir / "observations.parquet",
    }
    bundle.factors.to_csv(paths["factors"], index=False)
    # rates, spreads and vols come from the curves and vols files (the ingest derives their
    # factor levels): the market-data file holds the prices only
    derived = bundle.factors.loc[
        bundle.factors["factor_type"].isin(["zero_rate", "implied_vol", "credit_spread"]),
        "factor_id",
    ]
    prices = bundle.market_data.loc[~bundle.market_data["factor_id"].isin(set(derived))]
    prices.to_parquet(paths["market-data"], index=False)
    bundle.curves.to_parquet(paths["curves"], index=False)
    bundle.vols.to_parquet(paths["vols"], index=False)
    bundle.observations.to_parquet(paths["observations"], index=False)
    return paths
