"""FRTB SA parameters as data, each row with its paragraph (BCBS d457, MAR21).

Equity delta (issue 20, first part); the other risk classes follow as tables here, not
as code branches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EquityBucket:
    bucket: str
    description: str
    spot_risk_weight: float  # MAR21.77
    intra_correlation: float | None  # spot–spot, different issuers (MAR21.78); None: MAR21.79


# MAR21.72 (buckets) with MAR21.77 (spot risk weights) and MAR21.78 (correlations)
EQUITY_BUCKETS: tuple[EquityBucket, ...] = (
    EquityBucket("1", "large cap, emerging: consumer, utilities", 0.55, 0.15),
    EquityBucket("2", "large cap, emerging: telecom, industrials", 0.60, 0.15),
    EquityBucket("3", "large cap, emerging: materials, energy, agriculture …", 0.45, 0.15),
    EquityBucket("4", "large cap, emerging: financials, real estate, technology", 0.55, 0.15),
    EquityBucket("5", "large cap, advanced: consumer, utilities", 0.30, 0.25),
    EquityBucket("6", "large cap, advanced: telecom, industrials", 0.35, 0.25),
    EquityBucket("7", "large cap, advanced: materials, energy, agriculture …", 0.40, 0.25),
    EquityBucket("8", "large cap, advanced: financials, real estate, technology", 0.50, 0.25),
    EquityBucket("9", "small cap, emerging: all sectors", 0.70, 0.075),
    EquityBucket("10", "small cap, advanced: all sectors", 0.50, 0.125),
    EquityBucket("11", "other sector", 0.70, None),  # K_b = Σ|WS_k| (MAR21.79)
    EquityBucket("12", "large cap advanced indices (non-sector specific)", 0.15, 0.80),
    EquityBucket("13", "other indices (non-sector specific)", 0.25, 0.80),
)
EQUITY_BY_BUCKET = {b.bucket: b for b in EQUITY_BUCKETS}
EQUITY_OTHER_BUCKETS = frozenset({"11"})  # MAR21.79


def equity_gamma(b: str, c: str) -> float:
    """The correlation between equity buckets ``b`` ≠ ``c`` (MAR21.80): 15 % among
    buckets 1–10, 0 % with bucket 11, 75 % between 12 and 13, 45 % between 12 or 13
    and 1–10."""
    if "11" in (b, c):
        return 0.0
    indices = {"12", "13"}
    if {b, c} == indices:
        return 0.75
    if b in indices or c in indices:
        return 0.45
    return 0.15


def equity_gammas(buckets: list[str]) -> dict[tuple[str, str], float]:
    return {(b, c): equity_gamma(b, c) for b in buckets for c in buckets if b != c}
