"""FRTB standardised approach, sensitivities-based method: the aggregation (MAR21.4–21.6).

Pure functions over arrays (issue 20, first part): weighted sensitivities in, the
delta (or vega) charge of a risk class under the three correlation scenarios out. The
risk weights and correlations are data (:mod:`riskcap.capital.frtb_sa_params`); the
sensitivities' computation, curvature, DRC and RRAO are later parts of the issue.

Within a bucket ``b`` (MAR21.4(4)):

.. math:: K_b = \\sqrt{\\max\\Big(0,\\ \\sum_k WS_k^2 + \\sum_k\\sum_{l\\ne k}
          \\rho_{kl}\\,WS_k\\,WS_l\\Big)}

across buckets (MAR21.4(5)):

.. math:: \\Delta = \\sqrt{\\sum_b K_b^2 + \\sum_b\\sum_{c\\ne b}\\gamma_{bc}\\,S_b\\,S_c},
          \\quad S_b = \\sum_k WS_k

and where the sum under the root is negative, ``S_b`` is replaced by
``max(min(Σ_k WS_k, K_b), −K_b)`` (MAR21.4(5)(b)). The three correlation scenarios
(MAR21.6) scale every ``ρ`` and ``γ``: high ``min(1.25·ρ, 1)``, medium ``ρ``, low
``max(2ρ − 1, 0.75·ρ)``; the risk class's charge under a scenario is the sum of its
delta, vega and curvature charges, and the SBM charge is the largest scenario total.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskcap.capital import frtb_sa_params as P


class Scenario(enum.StrEnum):
    """The correlation scenarios of MAR21.6."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def scenario_correlation(rho: np.ndarray | float, scenario: Scenario) -> np.ndarray:
    """``ρ`` (or ``γ``) under a correlation scenario (MAR21.6): high ``min(1.25ρ, 1)``,
    medium ``ρ``, low ``max(2ρ − 1, 0.75ρ)``; a correlation of 1 on the diagonal stays."""
    rho = np.asarray(rho, np.float64)
    if scenario is Scenario.HIGH:
        return np.minimum(1.25 * rho, 1.0)
    if scenario is Scenario.LOW:
        return np.maximum(2.0 * rho - 1.0, 0.75 * rho)
    return rho


def bucket_charge(ws: np.ndarray, rho: np.ndarray) -> float:
    """``K_b`` of one bucket's weighted sensitivities ``ws`` with their correlation
    matrix ``rho`` (its diagonal is ignored: a sensitivity with itself counts once,
    MAR21.4(4)); the sum under the root is floored at 0."""
    ws = np.asarray(ws, np.float64)
    rho = np.array(rho, np.float64)
    np.fill_diagonal(rho, 1.0)
    return float(np.sqrt(max(0.0, float(ws @ rho @ ws))))


@dataclass(frozen=True)
class ClassCharge:
    """A risk class's delta (or vega) charge under one correlation scenario."""

    scenario: Scenario
    charge: float
    bucket_charges: dict[str, float]  # K_b
    bucket_sums: dict[str, float]  # S_b as aggregated (after MAR21.4(5)(b) if it applied)
    alternative: bool  # MAR21.4(5)(b) applied


def class_charge(
    ws: np.ndarray,
    buckets: Sequence[str],
    rho: np.ndarray,
    gamma: dict[tuple[str, str], float],
    scenario: Scenario,
    absolute: frozenset[str] = frozenset(),
) -> ClassCharge:
    """The charge of one risk class under ``scenario``.

    ``ws``: weighted sensitivities (one per risk factor, already netted per risk factor,
    MAR21.4(2)); ``buckets``: each one's bucket; ``rho``: the medium-scenario
    correlation between every two of them (used within a bucket only); ``gamma``: the
    medium-scenario correlation between two buckets, by ``(b, c)`` (missing pairs: 0);
    ``absolute``: buckets whose ``K_b`` is the sum of the absolute weighted
    sensitivities, with no diversification (the "other" buckets, e.g. equity bucket 11,
    MAR21.79).
    """
    ws = np.asarray(ws, np.float64)
    labels = np.asarray(list(buckets), dtype=object)
    rho_s = scenario_correlation(np.asarray(rho, np.float64), scenario)
    names = list(dict.fromkeys(labels.tolist()))
    k: dict[str, float] = {}
    s: dict[str, float] = {}
    for b in names:
        at = np.flatnonzero(labels == b)
        if b in absolute:
            k[b] = float(np.abs(ws[at]).sum())
        else:
            k[b] = bucket_charge(ws[at], rho_s[np.ix_(at, at)])
        s[b] = float(ws[at].sum())

    def total(sums: dict[str, float]) -> float:
        value = sum(k[b] ** 2 for b in names)
        for b in names:
            for c in names:
                if b != c:
                    g = gamma.get((b, c), gamma.get((c, b), 0.0))
                    value += float(scenario_correlation(g, scenario)) * sums[b] * sums[c]
        return value

    value = total(s)
    alternative = value < 0.0
    if alternative:
        s = {b: max(min(s[b], k[b]), -k[b]) for b in names}
        value = total(s)
    return ClassCharge(scenario, float(np.sqrt(max(value, 0.0))), k, s, alternative)


def sbm_charge(charges_by_scenario: dict[Scenario, float]) -> tuple[Scenario, float]:
    """The SBM charge (MAR21.7): the largest of the scenario totals, and its scenario."""
    scenario = max(charges_by_scenario, key=lambda sc: charges_by_scenario[sc])
    return scenario, charges_by_scenario[scenario]


# -- the risk classes over CRIF-like rows (MAR21.8–21.101) -------------------------------------

RISK_CLASSES = ("GIRR", "CSR_NS", "EQ", "COMM", "FX")
MEASURES = ("DELTA", "VEGA", "CURV")
CURVATURE_SIDES = ("UP", "DOWN")


@dataclass(frozen=True)
class SaRows:
    """Sensitivities as CRIF rows (ISDA's columns; riskcap's dialect in docs/frtb-sa.md).

    ``risk_type``: ``<CLASS>_<MEASURE>`` (``GIRR_DELTA``, ``EQ_VEGA``, ``FX_CURV`` …),
    ``DRC_NS`` or ``RRAO_EXOTIC`` / ``RRAO_OTHER``; ``label1``: a tenor or option maturity
    (``"5Y"``), ``UP``/``DOWN`` for curvature, the rating for DRC; ``label2``: the curve
    (GIRR), the basis (CSR, commodity), the seniority (DRC); ``amount`` in the reporting
    currency; ``extra``: DRC's maturity in years (NaN elsewhere).
    """

    risk_type: np.ndarray
    qualifier: np.ndarray
    bucket: np.ndarray
    label1: np.ndarray
    label2: np.ndarray
    amount: np.ndarray
    extra: np.ndarray

    @staticmethod
    def of(records: Sequence[tuple[str, str, str, str, str, float, float]]) -> SaRows:
        cols = list(zip(*records, strict=True)) if records else [()] * 7
        t = [np.array(c, dtype=object) for c in cols[:5]]
        amount, extra = np.array(cols[5], np.float64), np.array(cols[6], np.float64)
        return SaRows(t[0], t[1], t[2], t[3], t[4], amount, extra)

    def __len__(self) -> int:
        return len(self.amount)

    def take(self, mask: np.ndarray) -> SaRows:
        return SaRows(*(np.asarray(getattr(self, f))[mask] for f in _FIELDS))

    def records(self) -> list[tuple[str, str, str, str, str, float, float]]:
        return list(zip(*(getattr(self, f).tolist() for f in _FIELDS), strict=True))


_FIELDS = ("risk_type", "qualifier", "bucket", "label1", "label2", "amount", "extra")


def concat(parts: Sequence[SaRows]) -> SaRows:
    return SaRows(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


def net(rows: SaRows) -> SaRows:
    """The net sensitivity to each risk factor (MAR21.4(2)): amounts summed over rows with
    the same risk type, qualifier, bucket and labels (DRC and RRAO rows are kept)."""
    keep = np.array([t.startswith(("DRC", "RRAO")) for t in rows.risk_type], dtype=bool)
    sbm = rows.take(~keep)
    sums: dict[tuple[str, str, str, str, str], float] = {}
    for key, amount in zip(
        zip(sbm.risk_type, sbm.qualifier, sbm.bucket, sbm.label1, sbm.label2, strict=True),
        sbm.amount.tolist(),
        strict=True,
    ):
        sums[key] = sums.get(key, 0.0) + amount
    netted = SaRows.of([(*k, v, float("nan")) for k, v in sorted(sums.items())])
    return concat([netted, rows.take(keep)])


_TENOR_UNITS = {"D": 1 / 365, "W": 7 / 365, "M": 1 / 12, "Y": 1.0}


def tenor_years(label: str) -> float:
    """``'3M'`` → 0.25, ``'10Y'`` → 10 (the CRIF rows' tenor labels; capital stays free
    of the data layer)."""
    text = str(label).strip().upper()
    if len(text) < 2 or text[-1] not in _TENOR_UNITS:
        raise ValueError(f"not a tenor: {label!r}")
    return float(text[:-1]) * _TENOR_UNITS[text[-1]]


def _tenors(labels: np.ndarray) -> np.ndarray:
    return np.array([tenor_years(str(x)) for x in labels], np.float64)


def _same(a: np.ndarray) -> np.ndarray:
    return np.equal.outer(a, a)


def _tenor_decay(t: np.ndarray, speed: float) -> np.ndarray:
    """``exp(−speed · |T_k − T_l| / min(T_k, T_l))`` (MAR21.46, MAR21.93)."""
    lo = np.minimum.outer(t, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(-speed * np.abs(np.subtract.outer(t, t)) / lo)
    return np.where(_same(t), 1.0, np.nan_to_num(out, nan=0.0))


def _underlying_rho(risk_class: str, bucket: str, rows: SaRows) -> np.ndarray:
    """ρ between the risk factors' underlyings within a bucket, tenors aside: same name 1,
    else equity's (MAR21.78) or commodity's (MAR21.83) intra-bucket correlation, CSR's
    ρ_name · ρ_basis (MAR21.54)."""
    same = _same(rows.qualifier)
    if risk_class == "EQ":
        other = P.EQUITY_BY_BUCKET[bucket].intra_correlation or 0.0
        return np.where(same, 1.0, other)
    if risk_class == "COMM":
        rho = np.where(same, 1.0, P.COMMODITY_BY_BUCKET[bucket].intra_correlation)
        return rho * np.where(_same(rows.label2), 1.0, P.COMMODITY_RHO_BASIS)
    if risk_class == "CSR_NS":
        rho = np.where(same, 1.0, P.CSR_RHO_NAME)
        return rho * np.where(_same(rows.label2), 1.0, P.CSR_RHO_BASIS)
    return np.ones((len(rows), len(rows)))  # GIRR (one currency), FX (one currency or pair)


def intra_correlation(risk_class: str, measure: str, bucket: str, rows: SaRows) -> np.ndarray:
    """The medium-scenario ρ between the (net) sensitivities of one bucket."""
    if measure == "CURV":  # one risk factor per name; squared by the caller (MAR21.100)
        return _underlying_rho(risk_class, bucket, rows)
    if measure == "VEGA":  # MAR21.93–21.94
        rho = _underlying_rho(risk_class, bucket, rows) * _tenor_decay(
            _tenors(rows.label1), P.VEGA_ALPHA
        )
        if risk_class == "GIRR":  # option and underlying maturities (MAR21.93)
            rho = rho * _tenor_decay(_tenors(rows.label2), P.VEGA_ALPHA)
        return np.minimum(rho, 1.0)
    if risk_class == "GIRR":  # MAR21.46–21.47
        t = _tenors(rows.label1)
        rho = np.maximum(_tenor_decay(t, P.GIRR_THETA), P.GIRR_TENOR_FLOOR)
        return rho * np.where(_same(rows.label2), 1.0, P.GIRR_CURVE_BASIS)
    if risk_class == "CSR_NS":  # MAR21.54
        tenor = np.where(_same(rows.label1), 1.0, P.CSR_RHO_TENOR)
        return _underlying_rho(risk_class, bucket, rows) * tenor
    if risk_class == "COMM":  # MAR21.83
        tenor = np.where(_same(rows.label1), 1.0, P.COMMODITY_RHO_TENOR)
        return _underlying_rho(risk_class, bucket, rows) * tenor
    return _underlying_rho(risk_class, bucket, rows)  # EQ spot (MAR21.78), FX


def gamma(risk_class: str, b: str, c: str) -> float:
    """The medium-scenario correlation between buckets ``b`` ≠ ``c`` (delta and vega;
    curvature squares it, MAR21.101)."""
    if risk_class == "GIRR":
        return P.GIRR_GAMMA
    if risk_class == "CSR_NS":
        return P.credit_gamma(b, c)
    if risk_class == "EQ":
        return P.equity_gamma(b, c)
    if risk_class == "COMM":
        return P.commodity_gamma(b, c)
    return P.FX_GAMMA


def risk_weights(risk_class: str, measure: str, rows: SaRows, reporting: str) -> np.ndarray:
    """``RW_k`` of each row (MAR21.42–21.92)."""
    out = np.empty(len(rows))
    for i, (b, q, l1) in enumerate(zip(rows.bucket, rows.qualifier, rows.label1, strict=True)):
        if measure == "VEGA":
            out[i] = P.equity_vega_risk_weight(b) if risk_class == "EQ" else P.VEGA_RISK_WEIGHT
        elif risk_class == "GIRR":
            out[i] = P.girr_risk_weight(tenor_years(l1), b, reporting)
        elif risk_class == "CSR_NS":
            out[i] = P.CREDIT_BY_BUCKET[b].risk_weight
        elif risk_class == "EQ":
            out[i] = P.EQUITY_BY_BUCKET[b].spot_risk_weight
        elif risk_class == "COMM":
            out[i] = P.COMMODITY_BY_BUCKET[b].risk_weight
        else:
            out[i] = P.fx_risk_weight(q, reporting)
    return out


def curvature_risk_weight(risk_class: str, bucket: str, qualifier: str, reporting: str) -> float:
    """The curvature shock (MAR21.98–21.99): equity, commodity and FX the delta risk
    weight as a relative shift; GIRR and CSR the bucket's largest delta risk weight,
    applied to every tenor in parallel."""
    if risk_class == "GIRR":
        return max(P.girr_risk_weight(t, bucket, reporting) for t in P.GIRR_TENORS)
    if risk_class == "CSR_NS":
        return P.CREDIT_BY_BUCKET[bucket].risk_weight
    if risk_class == "EQ":
        return P.EQUITY_BY_BUCKET[bucket].spot_risk_weight
    if risk_class == "COMM":
        return P.COMMODITY_BY_BUCKET[bucket].risk_weight
    return P.fx_risk_weight(qualifier, reporting)


ABSOLUTE_BUCKETS = {"EQ": P.EQUITY_OTHER_BUCKETS, "CSR_NS": P.CREDIT_OTHER_BUCKETS}


def linear_charge(
    risk_class: str, measure: str, rows: SaRows, scenario: Scenario, reporting: str
) -> ClassCharge:
    """A risk class's delta or vega charge from its net rows (MAR21.4)."""
    ws = risk_weights(risk_class, measure, rows, reporting) * rows.amount
    n = len(rows)
    rho = np.zeros((n, n))
    buckets = rows.bucket.astype(str)
    for b in dict.fromkeys(buckets.tolist()):
        at = np.flatnonzero(buckets == b)
        rho[np.ix_(at, at)] = intra_correlation(risk_class, measure, b, rows.take(at))
    names = list(dict.fromkeys(buckets.tolist()))
    gammas = {(b, c): gamma(risk_class, b, c) for b in names for c in names if b != c}
    absolute = ABSOLUTE_BUCKETS.get(risk_class, frozenset())
    return class_charge(ws, buckets.tolist(), rho, gammas, scenario, absolute)


def _psi(x: np.ndarray) -> np.ndarray:
    """ψ(x_k, x_l) = 0 where both are negative, else 1 (MAR21.5(2)–(4))."""
    neg = x < 0
    return np.where(np.logical_and.outer(neg, neg), 0.0, 1.0)


def _curvature_bucket(cvr: np.ndarray, rho2: np.ndarray) -> float:
    value = float((np.maximum(cvr, 0.0) ** 2).sum())
    cross = rho2 * np.outer(cvr, cvr) * _psi(cvr)
    np.fill_diagonal(cross, 0.0)
    return float(np.sqrt(max(0.0, value + float(cross.sum()))))


@dataclass(frozen=True)
class CurvatureCharge:
    scenario: Scenario
    charge: float
    bucket_charges: dict[str, float]
    sides: dict[str, str]  # the bucket's chosen shock, UP or DOWN (MAR21.5(3))
    bucket_sums: dict[str, float]


def curvature_charge(risk_class: str, rows: SaRows, scenario: Scenario) -> CurvatureCharge:
    """The curvature charge of a risk class (MAR21.5) from its net ``CURV`` rows: one
    ``UP`` and one ``DOWN`` CVR per risk factor (positive: a loss beyond delta).

    Within a bucket, ``K_b^± = √max(0, Σ_k max(CVR_k^±, 0)² + Σ_{k≠l} ρ_kl² CVR_k^± CVR_l^±
    ψ)``; the bucket takes the larger of the two, or on a tie the side with the larger
    ``Σ CVR`` — the choice is made for the bucket, not per sensitivity. Across buckets,
    ``√max(0, Σ_b K_b² + Σ_{b≠c} γ_bc² S_b S_c ψ(S_b, S_c))`` with ``S_b`` the chosen
    side's ``Σ CVR``. The scenario (MAR21.6) scales the squared correlations."""
    buckets = rows.bucket.astype(str)
    names = list(dict.fromkeys(buckets.tolist()))
    k: dict[str, float] = {}
    s: dict[str, float] = {}
    sides: dict[str, str] = {}
    for b in names:
        in_b = rows.take(buckets == b)
        factors = list(dict.fromkeys(in_b.qualifier.tolist()))
        per_side = {}
        for side in CURVATURE_SIDES:
            cvr = np.zeros(len(factors))
            for j, q in enumerate(factors):
                hit = (in_b.qualifier == q) & (in_b.label1 == side)
                cvr[j] = float(in_b.amount[hit].sum())
            one = SaRows.of([(f"{risk_class}_CURV", q, b, side, "", 0.0, 0.0) for q in factors])
            rho2 = scenario_correlation(_underlying_rho(risk_class, b, one) ** 2, scenario)
            per_side[side] = (_curvature_bucket(cvr, rho2), float(cvr.sum()))
        (ku, su), (kd, sd) = per_side["UP"], per_side["DOWN"]
        up = ku > kd or (ku == kd and su >= sd)
        k[b], s[b], sides[b] = (ku, su, "UP") if up else (kd, sd, "DOWN")
    value = sum(k[b] ** 2 for b in names)
    for b in names:
        for c in names:
            if b != c and not (s[b] < 0 and s[c] < 0):
                g2 = float(scenario_correlation(gamma(risk_class, b, c) ** 2, scenario))
                value += g2 * s[b] * s[c]
    return CurvatureCharge(scenario, float(np.sqrt(max(0.0, value))), k, sides, s)


# -- default risk charge (MAR22) and residual risk add-on (MAR23) ------------------------------


def maturity_weight(years: np.ndarray | float) -> np.ndarray:
    """MAR22.19–22.21: a JTD's weight, its maturity in years floored at 3 months, over one
    year, at most 1."""
    t = np.asarray(years, np.float64)
    return np.minimum(np.maximum(t, P.DRC_FLOOR_YEARS), 1.0)


def net_jtd(amounts: Sequence[float], seniorities: Sequence[str]) -> tuple[float, float]:
    """One obligor's maturity-weighted gross JTDs netted (MAR22.22): a short offsets a
    long of the same or a more senior rank, never a more junior one. Returns the net
    long and net short (≤ 0) amounts."""
    rank = [P.SENIORITY_RANK[s] for s in seniorities]
    longs = {r: 0.0 for r in set(rank)}
    shorts = dict(longs)
    for a, r in zip(amounts, rank, strict=True):
        if a >= 0:
            longs[r] += a
        else:
            shorts[r] -= a
    # shorts from the most senior: each takes the longs it may offset (ranks ≤ its own);
    # the eligible sets grow with the rank, so this order offsets the most
    for rs in sorted(shorts):
        for rl in sorted((r for r in longs if r <= rs), reverse=True):
            used = min(shorts[rs], longs[rl])
            shorts[rs] -= used
            longs[rl] -= used
    return sum(longs.values()), -sum(shorts.values())


@dataclass(frozen=True)
class DrcCharge:
    charge: float
    buckets: dict[str, float]  # DRC_b
    hedge_benefit: dict[str, float]  # HBR per bucket
    obligors: dict[str, tuple[float, float]]  # net long, net short per obligor


def drc_charge(rows: SaRows) -> DrcCharge:
    """The non-securitisation default risk charge (MAR22.11–22.27) from ``DRC_NS`` rows:
    ``amount`` the gross JTD (long > 0, short < 0: MAR22.11–22.13), ``extra`` the
    maturity in years, ``label1`` the obligor's rating, ``label2`` the seniority.

    JTDs are weighted by maturity, netted per obligor (seniority rule), then per bucket
    ``DRC_b = max(Σ RW·JTD_long − HBR·Σ RW·|JTD_short|, 0)`` with
    ``HBR = Σ JTD_long / (Σ JTD_long + Σ |JTD_short|)``; the charge is ``Σ_b DRC_b``
    (no hedging across buckets, MAR22.27)."""
    weighted = rows.amount * maturity_weight(rows.extra)
    obligors: dict[str, tuple[float, float]] = {}
    buckets: dict[str, float] = {}
    hbr: dict[str, float] = {}
    for b in dict.fromkeys(rows.bucket.astype(str).tolist()):
        in_b = rows.bucket.astype(str) == b
        long_w = short_w = long_sum = short_sum = 0.0
        for q in dict.fromkeys(rows.qualifier[in_b].tolist()):
            at = in_b & (rows.qualifier == q)
            n_long, n_short = net_jtd(weighted[at].tolist(), rows.label2[at].tolist())
            obligors[q] = (n_long, n_short)
            rating = str(rows.label1[at][0])
            rw = P.DRC_RISK_WEIGHTS[rating]
            long_w += rw * n_long
            short_w += rw * -n_short
            long_sum += n_long
            short_sum += -n_short
        h = long_sum / (long_sum + short_sum) if long_sum + short_sum > 0 else 0.0
        hbr[b] = h
        buckets[b] = max(long_w - h * short_w, 0.0)
    return DrcCharge(float(sum(buckets.values())), buckets, hbr, obligors)


def rrao_charge(rows: SaRows) -> float:
    """MAR23.8: 1.0 % of the gross notional of instruments with an exotic underlying,
    0.1 % of those with other residual risks (``RRAO_EXOTIC`` / ``RRAO_OTHER`` rows carry
    the notional)."""
    exotic = float(np.abs(rows.amount[rows.risk_type == "RRAO_EXOTIC"]).sum())
    other = float(np.abs(rows.amount[rows.risk_type == "RRAO_OTHER"]).sum())
    return P.RRAO_EXOTIC * exotic + P.RRAO_OTHER * other


# -- the standardised approach of one portfolio ------------------------------------------------


@dataclass(frozen=True)
class SaCharge:
    """The SA capital of one portfolio (MAR20.4): SBM + DRC + RRAO."""

    sbm: float
    scenario: Scenario  # the binding correlation scenario (MAR21.7)
    by_scenario: dict[Scenario, float]
    # (risk class, measure) → scenario → charge
    components: dict[tuple[str, str], dict[Scenario, float]]
    drc: DrcCharge
    rrao: float

    @property
    def total(self) -> float:
        return self.sbm + self.drc.charge + self.rrao


def sa_charge(rows: SaRows, reporting: str) -> SaCharge:
    """The standardised approach from (gross or net) CRIF rows: the SBM charge of every
    risk class and measure under each correlation scenario, summed per scenario and the
    largest total taken (MAR21.7), plus the DRC and the RRAO."""
    rows = net(rows)
    components: dict[tuple[str, str], dict[Scenario, float]] = {}
    for rc in RISK_CLASSES:
        for measure in MEASURES:
            part = rows.take(rows.risk_type == f"{rc}_{measure}")
            if not len(part):
                continue
            components[(rc, measure)] = {
                sc: (
                    curvature_charge(rc, part, sc).charge
                    if measure == "CURV"
                    else linear_charge(rc, measure, part, sc, reporting).charge
                )
                for sc in Scenario
            }
    by_scenario = {sc: float(sum(c[sc] for c in components.values())) for sc in Scenario}
    scenario, sbm = sbm_charge(by_scenario)
    drc = drc_charge(rows.take(rows.risk_type == "DRC_NS"))
    rrao = rrao_charge(rows.take(np.char.startswith(rows.risk_type.astype(str), "RRAO")))
    return SaCharge(sbm, scenario, by_scenario, components, drc, rrao)


# -- the bank's market-risk capital (MAR33.43–33.45) -------------------------------------------


@dataclass(frozen=True)
class MarketRiskCapital:
    """``ACR = min(IMA_G,A + surcharge + C_U, SA_all) + max(0, IMA_G,A − SA_G,A)``
    (MAR33.43), ``IMA_G,A = C_A + DRC`` of the desks on the IMA (green or amber PLA),
    ``C_U`` the SA of the others, ``surcharge = k·max(0, SA_G,A − IMA_G,A)`` with
    ``k = 0.5·Σ_amber SA_i / Σ_G,A SA_i`` over the desks' standalone SA (MAR33.44)."""

    total: float
    ima_ga: float
    c_a: float
    drc_ga: float
    sa_ga: float
    c_u: float
    sa_all: float
    surcharge: float
    k: float


def market_risk_capital(
    c_a: float,
    drc_ga: float,
    sa_ga: float,
    c_u: float,
    sa_all: float,
    standalone_amber: float,
    standalone_ga: float,
) -> MarketRiskCapital:
    ima_ga = c_a + drc_ga
    k = 0.5 * standalone_amber / standalone_ga if standalone_ga > 0 else 0.0
    surcharge = k * max(0.0, sa_ga - ima_ga)
    total = min(ima_ga + surcharge + c_u, sa_all) + max(0.0, ima_ga - sa_ga)
    return MarketRiskCapital(total, ima_ga, c_a, drc_ga, sa_ga, c_u, sa_all, surcharge, k)
