"""FRTB SA inputs from riskcap's own valuation: sensitivities, curvature, JTD, RRAO.

From a day's :class:`~riskcap.inputs.risk_inputs.RiskInputs` and the instruments table
this builds, per position, the CRIF rows of :class:`~riskcap.capital.frtb_sa.SaRows`
(the mapping is ``docs/frtb-sa.md``'s):

* **delta** by autodiff (``jax.jacfwd`` of every position's value): GIRR
  ``∂V/∂r`` per zero-rate pillar, CSR ``∂V/∂s`` per spread pillar (MAR21.19–21.20: the
  change for 1 bp over 1 bp), equity, commodity and FX ``x·∂V/∂x`` (the change for 1 %
  over 1 %, MAR21.21–21.24). A pillar between two of the prescribed tenors is split
  between them linearly in time; outside, it goes to the nearest;
* **vega** (MAR21.25): ``Σ σ·∂V/∂σ`` over the position's vol points, at the option's
  maturity split between the prescribed maturities the same way;
* **curvature** (MAR21.5(1)): every option revalued in full under the up and down
  shock of each risk factor it depends on, ``CVR = −(V(x ± RW·d) − V(x) ∓ RW·∂V/∂d)``;
* **JTD** (MAR22.11–22.18) of bonds and equities and of options on single names;
* **RRAO** notionals (MAR23) of instruments marked ``residual_risk``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from riskcap.capital import frtb_sa_params as P
from riskcap.capital.frtb_sa import SaRows, concat, curvature_risk_weight
from riskcap.data.factor_names import tenor_label, tenor_years
from riskcap.engine.local import family_block, family_block_of, padded_book, padded_market
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.pricing.book import Book, Markets, family_values, markets_of, position_values

NAN = float("nan")
CHUNK = 16  # scenarios valued in one call (curvature shocks, defaults)
OPTION_TYPES = frozenset({"equity_option", "index_option", "fx_option"})
SINGLE_NAME_EQUITY = frozenset({"equity", "equity_option"})
# MAR21.19–21.25: prices, FX rates and vols are moved relatively (1 %), rates and
# spreads absolutely (1 bp), whatever shock type the factors table gives them for VaR
RELATIVE_TYPES = frozenset(
    {"equity_price", "index_level", "etf_price", "commodity_price", "fx_rate", "implied_vol"}
)


@jax.jit
def _family_gradient(family: Any, markets: Markets, x: jax.Array) -> jax.Array:
    return jax.jacfwd(family_values, argnums=2)(family, markets, x)


GRADIENT_BLOCK = 2048  # positions differentiated in one call: memory stays bounded


_values = jax.jit(position_values)


@dataclass(frozen=True)
class _Padded:
    """The day's book and factor levels padded as the revaluation pads them
    (:func:`~riskcap.engine.local.padded_book`, ``padded_market``), so that one compiled
    shape serves day after day; ``real`` picks the positions (in Book order) out of the
    padded order, ``factors`` is the unpadded factor count."""

    book: Book
    x0: np.ndarray
    real: np.ndarray
    factors: int
    unpadded: Book

    @staticmethod
    def of(inputs: RiskInputs) -> _Padded:
        market = inputs.market
        x0, _ = padded_market(market.x0, market.is_log, market.width)
        padded = jax.tree_util.tree_map(jnp.asarray, padded_book(inputs.book))
        real, offset = [], 0
        for f, p in zip(inputs.book.families, padded.families, strict=True):
            n = len(f.units)
            real.append(np.arange(n) + offset)
            offset += len(p.units)
        return _Padded(padded, x0, np.concatenate(real), len(inputs.factors.ids), inputs.book)

    def gradient(self) -> np.ndarray:
        """``∂V/∂x`` of every position to every factor, ``(positions, factors)``: each
        family in blocks of at most :data:`GRADIENT_BLOCK` positions, padded as the
        revaluation pads them (one compiled shape per family and block size)."""
        markets = markets_of(self.book)
        x = jnp.asarray(self.x0)
        out = np.empty((len(self.real), self.factors))
        row = 0
        for family in self.unpadded.families:
            n = len(family.units)
            for start in range(0, n, GRADIENT_BLOCK):
                size = min(GRADIENT_BLOCK, family_block(n - start))
                block = jax.tree_util.tree_map(jnp.asarray, family_block_of(family, start, size))
                g = np.asarray(_family_gradient(block, markets, x))
                real = min(size, n - start)
                out[row : row + real] = g[:real, : self.factors]
                row += real
        return out

    def values(self) -> np.ndarray:
        return np.asarray(_values(self.book, jnp.asarray(self.x0)))[self.real]

    def revalue(self, xs: list[np.ndarray]) -> np.ndarray:
        """Every position valued on each of ``xs`` (unpadded factor levels), in chunks
        of :data:`CHUNK` scenarios: one compiled shape whatever the day's count."""
        rows = [np.concatenate([x[: self.factors], self.x0[self.factors :]]) for x in xs]
        rows += [self.x0] * (-len(rows) % CHUNK)
        out = [
            np.asarray(_revalue(self.book, jnp.asarray(np.stack(rows[i : i + CHUNK]))))
            for i in range(0, len(rows), CHUNK)
        ]
        return np.concatenate(out)[: len(xs)][:, self.real]


def day_values(inputs: RiskInputs) -> np.ndarray:
    """Every position's value on the as-of market (reporting currency), in the order
    of ``inputs.positions``, with the revaluation's padded (compiled) shapes."""
    return _Padded.of(inputs).values()


@jax.jit
def _revalue(book: Book, xs: jax.Array) -> jax.Array:
    return jax.vmap(lambda x: position_values(book, x))(xs)


def split_tenor(t: float, vertices: Iterable[float]) -> list[tuple[float, float]]:
    """``(vertex, weight)`` pairs that share a sensitivity at tenor ``t`` between the
    prescribed tenors: linear in time between the two around it, all to the nearest
    one outside them."""
    v = list(vertices)
    if t <= v[0]:
        return [(v[0], 1.0)]
    if t >= v[-1]:
        return [(v[-1], 1.0)]
    j = int(np.searchsorted(v, t, side="right"))  # v[j - 1] <= t < v[j]
    lo, hi = v[j - 1], v[j]
    w = (hi - t) / (hi - lo)
    return [(lo, 1.0)] if t == lo else [(lo, w), (hi, 1.0 - w)]


@dataclass(frozen=True)
class Classified:
    """What the SA needs of each factor and instrument."""

    equity_bucket: dict[str, str]  # price factor → equity bucket
    credit: dict[str, tuple[str, str]]  # spread curve name → (bucket, rating)
    commodity_bucket: dict[str, str]  # CMD.<NAME> → bucket


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def classify(
    instruments: pd.DataFrame, factor_ids: Iterable[str], types: Iterable[str]
) -> Classified:
    """Buckets from the instruments table (``frtb_bucket``, ``sector``, ``rating``):
    an equity's bucket is its ``frtb_bucket``, else its sector's as a large cap of an
    advanced economy (MAR21.72), else 11 (other sector); an index is 12, a fund 13; a
    credit curve's bucket comes from its bonds' sector and rating (MAR21.51); a
    commodity's from ``frtb_bucket`` or its name (MAR21.80), else 11."""
    rows = instruments.to_dict("records")
    by_underlying: dict[str, dict[str, Any]] = {}
    for r in rows:
        u = _text(r.get("underlying"))
        if u and (u not in by_underlying or r.get("instrument_type") == "equity"):
            by_underlying[u] = r
    equity: dict[str, str] = {}
    commodity: dict[str, str] = {}
    commodity_named = {  # a commodity future's underlying is its curve, CMD.<NAME>
        str(r["underlying"]): str(r["frtb_bucket"])
        for r in rows
        if r.get("instrument_type") == "commodity_future" and _text(r.get("frtb_bucket"))
    }
    for f, t in zip(factor_ids, types, strict=True):
        r = by_underlying.get(f, {})
        bucket = _text(r.get("frtb_bucket"))
        if t == "equity_price":
            sector = _text(r.get("sector")) or ""
            equity[f] = bucket or P.EQUITY_SECTOR_BUCKETS.get(sector, "11")
        elif t == "index_level":
            equity[f] = bucket or P.EQUITY_INDEX_BUCKET
        elif t == "etf_price":
            equity[f] = bucket or P.EQUITY_FUND_BUCKET
        elif t == "commodity_price":
            name = f.rsplit(".", 1)[0]
            named = commodity_named.get(name)
            commodity[name] = named or P.COMMODITY_NAME_BUCKETS.get(name.split(".", 1)[-1], "11")
    credit: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r.get("instrument_type") != "bond":
            continue
        curve = _text(r.get("spread_curve")) or _text(r.get("issuer"))
        if curve is None:
            continue
        name = curve.removesuffix(".SPREAD")
        rating = _text(r.get("rating")) or "NR"
        credit.setdefault(name, (P.credit_bucket(_text(r.get("sector")), rating), rating))
    return Classified(equity, credit, commodity)


def _delta_keys(
    factor: str, ftype: str, c: Classified
) -> list[tuple[tuple[str, str, str, str, str], float]]:
    """The FRTB risk factors a riskcap factor maps to, with the share of its
    sensitivity each takes (MAR21.8)."""
    if ftype == "zero_rate":  # IR.<CCY>.<T> (OIS) or IR.<CCY>.<NAME>.<T>
        parts = factor.split(".")
        ccy, curve = parts[1], ("OIS" if len(parts) == 3 else ".".join(parts[2:-1]))
        return [
            (("GIRR_DELTA", ccy, ccy, tenor_label(v), curve), w)
            for v, w in split_tenor(tenor_years(parts[-1]), P.GIRR_TENORS)
        ]
    if ftype == "credit_spread":  # CS.<NAME>.<T>
        head, _, label = factor.rpartition(".")
        name = head.removeprefix("CS.")
        bucket = c.credit.get(name, ("16", "NR"))[0]
        return [
            (("CSR_NS_DELTA", name, bucket, tenor_label(v), "BOND"), w)
            for v, w in split_tenor(tenor_years(label), P.CSR_TENORS)
        ]
    if ftype == "commodity_price":  # CMD.<NAME>.<T>
        name, _, label = factor.rpartition(".")
        bucket = c.commodity_bucket.get(name, "11")
        return [
            (("COMM_DELTA", name, bucket, _commodity_label(v), ""), w)
            for v, w in split_tenor(tenor_years(label), P.COMMODITY_TENORS)
        ]
    if ftype in ("equity_price", "index_level", "etf_price"):
        return [(("EQ_DELTA", factor, c.equity_bucket[factor], "SPOT", ""), 1.0)]
    if ftype == "fx_rate":  # FX.<CCY><REP>
        ccy = factor.removeprefix("FX.")[:3]
        return [(("FX_DELTA", ccy, ccy, "", ""), 1.0)]
    return []


def _commodity_label(v: float) -> str:
    return "0D" if v == 0.0 else tenor_label(v)


@dataclass(frozen=True)
class PositionRows:
    """CRIF rows of every position: ``position[i]`` is row ``i``'s index in Book order."""

    rows: SaRows
    position: np.ndarray

    def of_positions(self, keep: np.ndarray) -> SaRows:
        return self.rows.take(np.isin(self.position, np.flatnonzero(keep)))


def _years(later: Any, as_of: dt.date) -> float:
    return (pd.Timestamp(later).date() - as_of).days / 365.0


def sa_rows(inputs: RiskInputs, instruments: pd.DataFrame) -> PositionRows:
    """Every position's delta, vega and curvature rows, JTD and RRAO notional."""
    padded = _Padded.of(inputs)
    ids, types = inputs.factors.ids, inputs.factor_types
    nf = len(ids)
    x0 = np.asarray(inputs.market.x0, np.float64)[:nf]
    grad = padded.gradient()  # (positions, factors)
    values = padded.values()
    held = inputs.positions.merge(
        instruments.drop(columns=["instrument_type"]), on="instrument_id", how="left"
    )
    c = classify(instruments, ids, types)
    relative = np.array([t in RELATIVE_TYPES for t in types])
    scaled = grad * np.where(relative, x0, 1.0)  # per 1 % for prices, per unit for rates

    # delta: a sparse map factor → FRTB risk factors, one matmul
    keys: dict[tuple[str, str, str, str, str], int] = {}
    entries: list[tuple[int, int, float]] = []
    for f, (fid, t) in enumerate(zip(ids, types, strict=True)):
        for key, w in _delta_keys(fid, t, c):
            entries.append((f, keys.setdefault(key, len(keys)), w))
    weights = np.zeros((nf, len(keys)))
    for f, k, w in entries:
        weights[f, k] += w
    delta = scaled @ weights  # (positions, FRTB factors)
    key_list = list(keys)
    parts: list[tuple[SaRows, np.ndarray]] = []
    pi, ki = np.nonzero(delta)
    parts.append(
        (
            SaRows.of(
                [(*key_list[k], float(delta[p, k]), NAN) for p, k in zip(pi, ki, strict=True)]
            ),
            pi,
        )
    )
    parts.append(_vega(inputs, held, scaled, c))
    parts.append(_curvature(inputs, held, grad, x0, values, c, padded))
    parts.append(_jtd(inputs, held, x0, values, padded))
    parts.append(_rrao(inputs, held))
    return PositionRows(
        concat([p for p, _ in parts]), np.concatenate([i for _, i in parts]).astype(np.int64)
    )


def _vega(
    inputs: RiskInputs, held: pd.DataFrame, scaled: np.ndarray, c: Classified
) -> tuple[SaRows, np.ndarray]:
    vol = np.array([t == "implied_vol" for t in inputs.factor_types])
    records, where = [], []
    for p, r in enumerate(held.to_dict("records")):
        kind = r["instrument_type"]
        if kind not in OPTION_TYPES:
            continue
        vega = float(scaled[p, vol].sum())  # Σ σ·∂V/∂σ over the surface's points
        if vega == 0.0:
            continue
        t = max(_years(r["expiry"], inputs.as_of), 1e-6)
        if kind == "fx_option":
            pair = f"{r['base_currency']}{r['currency']}"
            rt, q, b = "FX_VEGA", pair, pair
        else:
            rt, q, b = "EQ_VEGA", str(r["underlying"]), c.equity_bucket[str(r["underlying"])]
        for v, w in split_tenor(t, P.VEGA_MATURITIES):
            records.append((rt, q, b, tenor_label(v), "", vega * w, NAN))
            where.append(p)
    return SaRows.of(records), np.array(where, np.int64)


def _curvature_factors(
    inputs: RiskInputs, c: Classified, x0: np.ndarray
) -> list[tuple[str, str, str, float, np.ndarray]]:
    """``(class, qualifier, bucket, RW, direction)`` of every curvature risk factor: a
    price or FX rate alone (relative), a currency's every rate pillar, an issuer's every
    spread pillar, a commodity's every forward (MAR21.98–21.99)."""
    groups: dict[tuple[str, str, str], np.ndarray] = {}
    for f, (fid, t) in enumerate(zip(inputs.factors.ids, inputs.factor_types, strict=True)):
        if t in ("equity_price", "index_level", "etf_price"):
            key = ("EQ", fid, c.equity_bucket[fid])
        elif t == "fx_rate":
            ccy = fid.removeprefix("FX.")[:3]
            key = ("FX", ccy, ccy)
        elif t == "zero_rate":
            ccy = fid.split(".")[1]
            key = ("GIRR", ccy, ccy)
        elif t == "credit_spread":
            name = fid.rpartition(".")[0].removeprefix("CS.")
            key = ("CSR_NS", name, c.credit.get(name, ("16", "NR"))[0])
        elif t == "commodity_price":
            name = fid.rpartition(".")[0]
            key = ("COMM", name, c.commodity_bucket.get(name, "11"))
        else:
            continue
        d = groups.setdefault(key, np.zeros(len(x0)))
        d[f] = x0[f] if t in RELATIVE_TYPES else 1.0
    out = []
    for (rc, q, b), d in groups.items():
        rw = curvature_risk_weight(rc, b, q, inputs.reporting)
        out.append((rc, q, b, rw, d))
    return out


def _curvature(
    inputs: RiskInputs,
    held: pd.DataFrame,
    grad: np.ndarray,
    x0: np.ndarray,
    values: np.ndarray,
    c: Classified,
    padded: _Padded,
) -> tuple[SaRows, np.ndarray]:
    options = held["instrument_type"].isin(OPTION_TYPES).to_numpy()
    if not options.any():
        return SaRows.of([]), np.zeros(0, np.int64)
    nf = len(inputs.factors.ids)
    factors = [
        g for g in _curvature_factors(inputs, c, x0) if np.any(grad[options][:, g[4][:nf] != 0])
    ]
    if not factors:
        return SaRows.of([]), np.zeros(0, np.int64)
    shocked = [x0 + sign * rw * d for _, _, _, rw, d in factors for sign in (1.0, -1.0)]
    pv = padded.revalue(shocked)  # (2K, positions)
    records, where = [], []
    for k, (rc, q, b, rw, d) in enumerate(factors):
        first = grad[:, :nf] @ d[:nf]  # ∂V/∂(shift direction)
        for side, sign, row in (("UP", 1.0, 2 * k), ("DOWN", -1.0, 2 * k + 1)):
            cvr = -(pv[row] - values - sign * rw * first)
            for p in np.flatnonzero(options & (grad[:, :nf] @ np.abs(d[:nf]) != 0)):
                records.append((f"{rc}_CURV", q, b, side, "", float(cvr[p]), NAN))
                where.append(int(p))
    return SaRows.of(records), np.array(where, np.int64)


def _jtd(
    inputs: RiskInputs, held: pd.DataFrame, x0: np.ndarray, values: np.ndarray, padded: _Padded
) -> tuple[SaRows, np.ndarray]:
    """Gross JTD (MAR22.11): bonds ``LGD·N + (V − N)`` on their face ``N``; equities
    ``V`` (LGD 100 %, MAR22.14); an option on a single name ``V − V(S → 0)``, its loss
    should the name default. Government bonds (no issuer) are exposures to their
    currency's sovereign. Index products and FX, rates and commodity derivatives bear
    no default risk here (no look-through into indices)."""
    records, where = [], []
    ids = inputs.factors.ids
    equity_rows = {
        str(r["underlying"]): r
        for r in held.to_dict("records")
        if r["instrument_type"] == "equity" and isinstance(r.get("underlying"), str)
    }
    defaults: list[int] = []  # option positions to revalue with their name defaulted
    scenarios: list[np.ndarray] = []
    for p, r in enumerate(held.to_dict("records")):
        kind = r["instrument_type"]
        if kind == "bond":
            issuer = _text(r.get("issuer"))
            sector = _text(r.get("sector")) or ("sovereign" if issuer is None else None)
            obligor = issuer or f"{r['currency']}.GOVT"
            seniority = _text(r.get("seniority")) or "senior_unsecured"
            lgd = P.DRC_COVERED_LGD if sector == "covered_bond" else P.DRC_LGD[seniority]
            fx = inputs.fx_rate(str(r["currency"]))
            face = float(r["quantity"]) * float(r["multiplier"]) * 100.0 * fx
            jtd = lgd * face + (float(values[p]) - face)
            years = _years(r["maturity"], inputs.as_of)
            rating = _text(r.get("rating")) or "NR"
            records.append(("DRC_NS", obligor, P.drc_bucket(sector), rating, seniority, jtd, years))
            where.append(p)
        elif kind == "equity":
            rating = _text(r.get("rating")) or "NR"
            bucket = P.drc_bucket(_text(r.get("sector")))
            obligor = str(r["underlying"])
            records.append(
                (
                    "DRC_NS",
                    obligor,
                    bucket,
                    rating,
                    "equity",
                    float(values[p]),
                    P.DRC_CASH_EQUITY_YEARS,
                )
            )
            where.append(p)
        elif kind == "equity_option" and str(r["underlying"]) in ids:
            x = x0.copy()
            x[ids.index(str(r["underlying"]))] *= 1e-9
            defaults.append(p)
            scenarios.append(x)
    if defaults:
        after = padded.revalue(scenarios)
        for j, p in enumerate(defaults):
            r = held.iloc[p]
            name = str(r["underlying"])
            eq = equity_rows.get(name, {})
            rating = _text(r.get("rating")) or _text(eq.get("rating")) or "NR"
            bucket = P.drc_bucket(_text(r.get("sector")) or _text(eq.get("sector")))
            jtd = float(values[p] - after[j, p])
            years = _years(r["expiry"], inputs.as_of)
            records.append(("DRC_NS", name, bucket, rating, "equity", jtd, years))
            where.append(p)
    return SaRows.of(records), np.array(where, np.int64)


def _rrao(inputs: RiskInputs, held: pd.DataFrame) -> tuple[SaRows, np.ndarray]:
    """MAR23: the gross notional ``|quantity| × multiplier × (strike, if any)`` in the
    reporting currency of each instrument marked ``residual_risk`` exotic or other."""
    if "residual_risk" not in held:
        return SaRows.of([]), np.zeros(0, np.int64)
    records, where = [], []
    for p, r in enumerate(held.to_dict("records")):
        kind = _text(r.get("residual_risk"))
        if kind not in ("exotic", "other"):
            continue
        strike = r.get("strike")
        scale = float(strike) if strike is not None and not math.isnan(float(strike)) else 1.0
        notional = abs(float(r["quantity"])) * float(r["multiplier"]) * scale
        notional *= inputs.fx_rate(str(r["currency"]))
        records.append((f"RRAO_{kind.upper()}", str(r["instrument_id"]), "", "", "", notional, NAN))
        where.append(p)
    return SaRows.of(records), np.array(where, np.int64)


def node_positions(inputs: RiskInputs) -> Mapping[str, np.ndarray]:
    """Each hierarchy node's positions (a boolean mask in Book order)."""
    from riskcap.pricing.book import position_books

    books = np.asarray(position_books(inputs.book))
    membership = np.asarray(inputs.hierarchy.membership, bool)
    return {node: membership[i][books] for i, node in enumerate(inputs.hierarchy.nodes)}
