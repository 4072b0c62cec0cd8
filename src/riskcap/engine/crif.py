"""FRTB SA sensitivities in and out as CRIF (ISDA's Common Risk Interchange Format).

riskcap writes and reads CSV files with CRIF's columns ``ValuationDate, PortfolioID,
TradeID, RiskType, Qualifier, Bucket, Label1, Label2, Amount, AmountCurrency,
AmountUSD`` and one of its own, ``MaturityYears`` (a DRC row's residual maturity, which
ISDA's files carry as an end date). The risk types and labels are riskcap's dialect,
``docs/frtb-sa.md``: ``<CLASS>_DELTA|VEGA|CURV`` for GIRR, CSR_NS, EQ, COMM and FX,
``DRC_NS``, ``RRAO_EXOTIC`` and ``RRAO_OTHER``.

Reading checks every row (file, row number, rule); past ``max_bad_fraction`` bad rows
nothing is computed (:class:`~riskcap.errors.IngestRejected`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskcap.capital import frtb_sa_params as P
from riskcap.capital.frtb_sa import CURVATURE_SIDES, MEASURES, RISK_CLASSES, SaRows
from riskcap.data.currencies import is_currency
from riskcap.data.factor_names import tenor_years
from riskcap.errors import IngestRejected, InputFileError

COLUMNS = (
    "ValuationDate",
    "PortfolioID",
    "TradeID",
    "RiskType",
    "Qualifier",
    "Bucket",
    "Label1",
    "Label2",
    "Amount",
    "AmountCurrency",
    "AmountUSD",
    "MaturityYears",
)
REQUIRED = ("RiskType", "Qualifier", "Bucket", "Label1", "Label2", "Amount", "AmountCurrency")
RISK_TYPES = frozenset(
    {f"{rc}_{m}" for rc in RISK_CLASSES for m in MEASURES} | {"DRC_NS", "RRAO_EXOTIC", "RRAO_OTHER"}
)
_BUCKETS = {
    "EQ": {b.bucket for b in P.EQUITY_BUCKETS},
    "CSR_NS": {b.bucket for b in P.CREDIT_BUCKETS},
    "COMM": {b.bucket for b in P.COMMODITY_BUCKETS},
    "DRC": set(P.DRC_BUCKETS),
}
_TENORS = {
    ("GIRR", "DELTA"): P.GIRR_TENORS,
    ("CSR_NS", "DELTA"): P.CSR_TENORS,
    ("COMM", "DELTA"): P.COMMODITY_TENORS,
}


def write_crif(
    path: Path,
    rows: SaRows,
    as_of: dt.date,
    currency: str,
    portfolio: list[str] | None = None,
    trade: list[str] | None = None,
    usd_rate: float | None = None,
) -> int:
    """Write ``rows`` (amounts in ``currency``) as a CRIF file; ``usd_rate`` converts to
    ``AmountUSD`` (1 for USD; left empty when unknown). Returns the rows written."""
    n = len(rows)
    rate = 1.0 if currency == "USD" else usd_rate
    frame = pd.DataFrame(
        {
            "ValuationDate": [as_of.isoformat()] * n,
            "PortfolioID": portfolio or [""] * n,
            "TradeID": trade or [""] * n,
            "RiskType": rows.risk_type,
            "Qualifier": rows.qualifier,
            "Bucket": rows.bucket,
            "Label1": rows.label1,
            "Label2": rows.label2,
            "Amount": rows.amount,
            "AmountCurrency": [currency] * n,
            "AmountUSD": rows.amount * rate if rate is not None else np.full(n, np.nan),
            "MaturityYears": rows.extra,
        },
        columns=list(COLUMNS),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    frame.to_csv(tmp, index=False, float_format="%.17g")
    tmp.replace(path)  # never a half-written file
    return n


@dataclass(frozen=True)
class CrifProblem:
    row: int  # 1-based data row (the header is row 0)
    rule: str
    message: str


def _check(r: dict[str, str], currency: str) -> tuple[str, str] | None:
    """The first rule row ``r`` breaks, ``(rule, message)``, or ``None``."""
    rt = r["RiskType"]
    if rt not in RISK_TYPES:
        return "unknown_risk_type", f"RiskType {rt!r} is not one of riskcap's CRIF risk types"
    try:
        amount = float(r["Amount"])
    except ValueError:
        return "invalid_amount", f"Amount {r['Amount']!r} is not a number"
    if not math.isfinite(amount):
        return "invalid_amount", f"Amount {r['Amount']!r} is not finite"
    if r["AmountCurrency"] != currency and not r.get("AmountUSD") and currency == "USD":
        return "amount_currency", f"AmountCurrency {r['AmountCurrency']!r} without AmountUSD"
    if r["AmountCurrency"] != currency and currency != "USD":
        return "amount_currency", f"AmountCurrency {r['AmountCurrency']!r} is not {currency}"
    if not r["Qualifier"] and not rt.startswith("RRAO"):
        return "missing_qualifier", "Qualifier is empty"
    rc, _, measure = rt.rpartition("_")
    if rt == "DRC_NS":
        if r["Bucket"] not in _BUCKETS["DRC"]:
            return "invalid_bucket", f"DRC bucket {r['Bucket']!r} is not one of {P.DRC_BUCKETS}"
        if r["Label1"] not in P.DRC_RISK_WEIGHTS:
            return "invalid_label", f"DRC rating {r['Label1']!r} is unknown (MAR22.24)"
        if r["Label2"] not in P.SENIORITY_RANK:
            return "invalid_label", f"DRC seniority {r['Label2']!r} is unknown"
        try:
            years = float(r.get("MaturityYears") or "nan")
        except ValueError:
            years = math.nan
        if not math.isfinite(years):
            return "missing_maturity", "a DRC row needs MaturityYears"
        return None
    if rt.startswith("RRAO"):
        return None
    if rc in ("GIRR", "FX") and not is_currency(r["Bucket"][:3]):
        return "invalid_bucket", f"{rc} bucket {r['Bucket']!r} is not a currency"
    if rc in _BUCKETS and r["Bucket"] not in _BUCKETS[rc]:
        return "invalid_bucket", f"{rc} bucket {r['Bucket']!r} is not a bucket of MAR21"
    if measure == "CURV":
        if r["Label1"] not in CURVATURE_SIDES:
            return "invalid_label", f"curvature Label1 {r['Label1']!r} is not UP or DOWN"
        return None
    if measure == "VEGA" or (rc, measure) in _TENORS:
        allowed = P.VEGA_MATURITIES if measure == "VEGA" else _TENORS[(rc, measure)]
        try:
            t = tenor_years(r["Label1"])
        except ValueError:
            t = math.nan
        if not any(abs(t - a) < 1e-9 for a in allowed):
            return "invalid_label", f"Label1 {r['Label1']!r} is not a prescribed tenor of {rt}"
    return None


def read_crif(
    path: Path, currency: str, max_bad_fraction: float
) -> tuple[SaRows, list[CrifProblem]]:
    """The rows of a CRIF file with amounts in ``currency`` (``AmountUSD`` when the
    reporting currency is USD and a row is in another), and the bad rows left out.

    Raises
    ------
    InputFileError
        The file is missing, empty, not CSV or lacks a required column.
    IngestRejected
        More than ``max_bad_fraction`` of the rows are bad: nothing is computed.
    """
    if not path.is_file():
        raise InputFileError(f"{path}: no such CRIF file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: not a CRIF CSV file ({exc})") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: missing CRIF column(s) {', '.join(missing)}")
    if frame.empty:
        raise InputFileError(f"{path}: no CRIF rows")
    problems: list[CrifProblem] = []
    good: list[tuple[str, str, str, str, str, float, float]] = []
    for i, r in enumerate(frame.to_dict("records"), start=1):
        bad = _check(r, currency)
        if bad is not None:
            problems.append(CrifProblem(i, *bad))
            continue
        use_usd = r["AmountCurrency"] != currency
        amount = float(r["AmountUSD"] if use_usd else r["Amount"])
        extra = r.get("MaturityYears") or ""
        good.append(
            (
                r["RiskType"],
                r["Qualifier"] or str(r.get("TradeID", "")),
                r["Bucket"],
                r["Label1"],
                r["Label2"],
                amount,
                float(extra) if extra else math.nan,
            )
        )
    if len(problems) > max_bad_fraction * len(frame):
        shown = "; ".join(f"row {p.row}: {p.rule}: {p.message}" for p in problems[:5])
        raise IngestRejected(
            f"{path}: {len(problems)} of {len(frame)} CRIF rows are bad (more than "
            f"{max_bad_fraction:.0%}), nothing computed: {shown}"
        )
    return SaRows.of(good), problems
