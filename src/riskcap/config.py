"""Configuration: pydantic models of ``riskcap.toml``, the one place for defaults.

``riskcap init`` writes the commented default file generated from these models, so
the documentation of every key is its ``Field(description=...)`` here.

Relative paths (the lake folder, a SQLite catalog file) are resolved against the
directory of the config file, or the working directory when no file is used.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from riskcap.choices import (
    EngineName,
    HorizonMethod,
    Innovation,
    LockPolicy,
    McDistribution,
    ParametricMethod,
    ScenarioMethod,
    VolModel,
)
from riskcap.errors import ConfigError

CONFIG_ENV = "RISKCAP_CONFIG"
ENV_PREFIX = "RISKCAP_"
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]
Horizon = Annotated[int, Field(ge=1, le=250)]
DEFAULT_CONFIG_NAME = "riskcap.toml"


class Severity(enum.StrEnum):
    """How a failed data-quality check acts on the EOD run."""

    BLOCKING = "blocking"
    WARNING = "warning"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


FileMode = Annotated[
    str,
    Field(pattern=r"^0?[0-7]{3}$", description="Unix permission bits in octal, e.g. 0700."),
]


def permission_bits(mode: str) -> int:
    """An octal mode of the config (``"0700"``) as permission bits."""
    return int(mode, 8)


class LakeConfig(_Section):
    path: str = Field(
        "lake",
        description="Folder (or object-store URI) holding the Delta tables.",
    )
    dir_mode: FileMode = Field(
        "0700",
        description="Permissions a local lake folder is created with (owner only by "
        "default; an existing folder is left as it is).",
    )

    @property
    def dir_permissions(self) -> int:
        return permission_bits(self.dir_mode)


class CatalogConfig(_Section):
    url: str = Field(
        "sqlite:///catalog.db",
        description="SQLAlchemy URL of the catalog; a relative SQLite path is resolved "
        "against this file's folder. PostgreSQL: postgresql+psycopg://user@host/db",
    )
    file_mode: FileMode = Field(
        "0600",
        description="Permissions a SQLite catalog file is created with (owner only by "
        "default; an existing file is left as it is).",
    )

    @property
    def file_permissions(self) -> int:
        return permission_bits(self.file_mode)


class IngestConfig(_Section):
    max_bad_fraction: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Reject a whole file (nothing written) when more than this share "
        "of its rows breaks a rule; below it, bad rows go to the quarantine table.",
    )


class EodConfig(_Section):
    sources: list[str] = Field(
        default_factory=lambda: ["positions", "trades", "market_data"],
        description="Upstream sources that must be marked ready for an as_of date "
        "(`riskcap ready SOURCE --as-of DATE`) before the snapshot is built.",
    )
    reporting_currency: str = Field("USD", description="Currency of every reported figure.")
    zero_quantity_tolerance: float = Field(
        1e-9,
        ge=0.0,
        description="A position whose netted quantity is within this of zero is closed "
        "and dropped from the snapshot.",
    )


class CheckConfig(_Section):
    severity: Severity = Field(Severity.BLOCKING, description="blocking or warning")


class RowCountCheck(CheckConfig):
    max_change: float = Field(
        0.5,
        ge=0.0,
        description="Largest allowed relative change of the position count vs the "
        "previous snapshot.",
    )


class WarningCheck(CheckConfig):
    severity: Severity = Field(Severity.WARNING, description="blocking or warning")


class StalePricesCheck(CheckConfig):
    severity: Severity = Field(Severity.WARNING, description="blocking or warning")
    days: int = Field(
        5,
        ge=2,
        description="A factor whose value is unchanged over this many consecutive "
        "observations up to as_of is stale.",
    )


class ReturnOutliersCheck(CheckConfig):
    severity: Severity = Field(Severity.WARNING, description="blocking or warning")
    sigma: float = Field(
        10.0,
        gt=0.0,
        description="A 1-day return beyond this many trailing standard deviations is an outlier.",
    )
    lookback: int = Field(250, ge=20, description="Observations in the trailing window.")


class UnpricedPositionsCheck(CheckConfig):
    max_share: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Largest share of positions that may be left out of the figures because "
        "their instrument cannot be priced (unknown, no pricer, a factor or curve missing, "
        "no market data on as_of); above it the check fails. 0: any such position fails it.",
    )


class QualityConfig(_Section):
    sample_rows: int = Field(5, ge=1, description="Sample rows quoted for a failed check.")
    row_count: RowCountCheck = Field(default_factory=RowCountCheck)
    null_keys: CheckConfig = Field(default_factory=CheckConfig)
    unknown_instruments: CheckConfig = Field(default_factory=CheckConfig)
    incomplete_hierarchy: CheckConfig = Field(default_factory=CheckConfig)
    missing_market_data: CheckConfig = Field(default_factory=CheckConfig)
    missing_fx_rate: CheckConfig = Field(
        default_factory=CheckConfig,
        description="A currency held (an instrument's currency or an FX instrument's base) "
        "without its FX rate FX.<CCY><REP> on as_of: blocking by default (no figure can be "
        "converted to the reporting currency).",
    )
    stale_prices: StalePricesCheck = Field(default_factory=StalePricesCheck)
    return_outliers: ReturnOutliersCheck = Field(default_factory=ReturnOutliersCheck)
    holiday_carry_forward: WarningCheck = Field(default_factory=lambda: WarningCheck())
    unpriced_positions: UnpricedPositionsCheck = Field(default_factory=UnpricedPositionsCheck)


class EngineConfig(_Section):
    memory_gb: float = Field(
        2.0,
        gt=0.0,
        description="Working-memory budget of one revaluation block; block sizes are "
        "derived from it so peak memory does not grow with the book.",
    )
    name: EngineName = Field(
        EngineName.LOCAL,
        description="Revaluation engine: local (JAX in this process, CPU or GPU) or spark "
        "(the same kernels on Spark executors; needs the spark extra and Java 17).",
    )
    spark_master: str = Field(
        "local[2]",
        description="Spark master URL of the spark engine (local[N], spark://host:7077, "
        "k8s://…). Not part of the run key: results do not depend on it.",
    )
    spark_partitions: int = Field(
        8,
        ge=1,
        le=100_000,
        description="Work parts the spark engine splits positions into; fixes the "
        "summation order, so it is part of the run key.",
    )
    compile_cache: str = Field(
        "~/.cache/riskcap/jax",
        description="Folder of JAX's persistent compilation cache: kernels one riskcap "
        "process compiled are loaded, not compiled again, by the next (a cold EOD, a "
        "second demo, the service). Empty switches it off. Not part of the run key: a "
        "cached kernel is the same executable, so the numbers are the same bit for bit.",
    )


class RiskConfig(_Section):
    confidence: float = Field(0.99, gt=0.0, lt=1.0, description="VaR/ES confidence level.")
    horizon: int = Field(1, ge=1, description="Horizon in business days (1 or 10).")
    lookback: int = Field(
        250, ge=20, description="Historical window in daily returns (250, 500, 1250)."
    )
    horizon_method: HorizonMethod = Field(
        HorizonMethod.OVERLAPPING,
        description="Multi-day historical shocks: overlapping h-day returns, or 1-day "
        "returns scaled by sqrt(h) (sqrt_time).",
    )
    mc_scenarios: int = Field(10_000, ge=100, description="Monte Carlo scenarios.")
    mc_distribution: McDistribution = Field(
        McDistribution.NORMAL, description="normal or student_t shocks."
    )
    student_t_nu: float = Field(5.0, gt=2.0, description="Degrees of freedom of student_t.")
    ewma_lambda: float = Field(
        0.94, gt=0.0, lt=1.0, description="EWMA decay of the covariance (RiskMetrics 0.94)."
    )
    parametric: ParametricMethod = Field(
        ParametricMethod.DELTA_NORMAL,
        description="Parametric method: delta_normal, delta_gamma or cornish_fisher.",
    )
    seed: int = Field(42, description="Seed of Monte Carlo scenarios (jax.random.key).")
    fhs_model: VolModel = Field(
        VolModel.GARCH,
        description="Filtered historical simulation (pipeline.fhs_horizons): the volatility "
        "model fitted per factor — ewma, garch or gjr (GJR-GARCH).",
    )
    fhs_innovation: Innovation = Field(
        Innovation.STUDENT_T,
        description="Innovations of the fhs GARCH fits: normal or t (Student-t).",
    )
    fhs_fit_days: int = Field(
        1000,
        ge=150,
        description="Daily returns the fhs volatility model is fitted on (at least "
        "risk.lookback; fewer if the history is shorter).",
    )


class PipelineConfig(_Section):
    checklist_timeout_s: float = Field(
        0.0,
        ge=0.0,
        description="How long `eod run` waits for every source in eod.sources to be "
        "marked ready before failing with the missing ones named (0 = do not wait).",
    )
    checklist_poll_s: float = Field(
        5.0, gt=0.0, description="Seconds between two looks at the ready events while waiting."
    )
    lock: LockPolicy = Field(
        LockPolicy.WAIT,
        description="When another run holds the lock of the same as_of date: wait for "
        "it (then return its result) or fail at once with a clear message.",
    )
    lock_timeout_s: float = Field(
        3600.0, ge=0.0, description='Longest wait for the lock when lock = "wait".'
    )
    max_attempts: int = Field(
        3,
        ge=1,
        description="Attempts of a task on transient errors (I/O, lock timeouts, "
        "lost database connection); data errors are never retried.",
    )
    backoff_s: float = Field(
        1.0, ge=0.0, description="Wait before the 2nd attempt; doubles with each retry."
    )
    work_dir: str = Field(
        "runs",
        description="Folder of the runs' checkpoint files (intermediate task outputs).",
    )
    confidences: list[Probability] = Field(
        default_factory=lambda: [0.99, 0.975],
        min_length=1,
        description="Confidence levels of the VaR and ES figures each run publishes.",
    )
    hs_horizons: list[Horizon] = Field(
        default_factory=lambda: [1, 10],
        min_length=1,
        description="Horizons (business days) of historical simulation; multi-day "
        "horizons use risk.horizon_method.",
    )
    mc_horizons: list[Horizon] = Field(
        default_factory=lambda: [1],
        description="Horizons of Monte Carlo VaR/ES (risk.mc_scenarios scenarios); "
        "empty = no Monte Carlo.",
    )
    fhs_horizons: list[Horizon] = Field(
        default_factory=list,
        description="Horizons of filtered historical simulation (risk.fhs_model): the "
        "look-back's standardised returns rescaled to today's forecast volatility; "
        "empty = none.",
    )


class BacktestPnl(enum.StrEnum):
    ACTUAL = "actual"
    HYPOTHETICAL = "hypothetical"
    MAX = "max"  # the larger exception count of the two (as FRTB MAR33.9 does)


class BacktestConfig(_Section):
    window: int = Field(
        250,
        ge=20,
        description="Observations of the traffic light (Basel: the last 250 business days).",
    )


class CapitalConfig(_Section):
    var_method: ScenarioMethod = Field(
        ScenarioMethod.HS,
        description="VaR model of the capital figures and of the backtest behind the "
        "multiplier: hs or mc (its horizons must be in pipeline.*_horizons).",
    )
    horizon: Horizon = Field(10, description="Holding period of VaR and stressed VaR (days).")
    confidence: Probability = Field(0.99, description="Confidence of VaR and stressed VaR.")
    average_days: int = Field(
        60, ge=1, description="Business days of the VaR and stressed-VaR averages."
    )
    multiplier_floor: float = Field(
        3.0, ge=1.0, description="Minimum multiplication factor m_c = m_s (plus factor added)."
    )
    backtest_pnl: BacktestPnl = Field(
        BacktestPnl.MAX,
        description="Exceptions counted for the plus factor: actual, hypothetical, or max "
        "(the larger count of the two).",
    )
    stressed_window: int = Field(
        250, ge=20, description="Daily returns in the stressed period (12 months)."
    )
    stressed_from: dt.date | None = Field(
        None,
        description="Earliest start of the stressed-period search (omitted = the whole "
        "history in the lake).",
    )


class HistoricalStress(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    start: dt.date = Field(description="Level date before the move.")
    end: dt.date = Field(description="Level date after the move.")
    description: str = ""


class FactorShockConfig(_Section):
    factors: str = Field("*", description="Glob on factor ids, e.g. 'IR.USD.*'.")
    factor_types: list[str] = Field(
        default_factory=list, description="Factor types selected (empty = any type)."
    )
    relative: float | None = Field(None, gt=-1.0, description="Level × (1 + relative).")
    multiply: float | None = Field(None, gt=0.0, description="Level × multiply.")
    absolute: float | None = Field(None, description="Level + absolute (rates: 0.02 = 200 bp).")
    curve: dict[str, float] | None = Field(
        None,
        description="Absolute shift by tenor label ({'2Y' = -0.005, '10Y' = 0.005}); linear "
        "in tenor between labels, flat outside. Curve factors only.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> FactorShockConfig:
        given = [k for k in ("relative", "multiply", "absolute", "curve") if getattr(self, k)]
        given += [k for k in ("relative", "absolute") if getattr(self, k) == 0.0]
        if len(set(given)) != 1:
            raise ValueError("give exactly one of relative, multiply, absolute, curve")
        return self


class HypotheticalStress(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    shocks: list[FactorShockConfig] = Field(min_length=1)


EQUITY_TYPES = ["equity_price", "index_level", "etf_price"]


def demo_historical_windows() -> list[HistoricalStress]:
    """The named market crises of the demo's bundled 1990–2022 history (the demo's
    config lists them; a new workspace starts with none, see ``stress.historical``)."""
    return [
        HistoricalStress(
            name="ltcm_1998",
            start=dt.date(1998, 7, 17),
            end=dt.date(1998, 10, 8),
            description="Russian default and LTCM: S&P 500 peak of 17 Jul 1998 to the "
            "trough of 8 Oct 1998",
        ),
        HistoricalStress(
            name="sept11_2001",
            start=dt.date(2001, 9, 10),
            end=dt.date(2001, 9, 21),
            description="11 September 2001: last close before the attacks to the low of "
            "the week the market reopened",
        ),
        HistoricalStress(
            name="lehman_2008",
            start=dt.date(2008, 9, 12),
            end=dt.date(2008, 10, 10),
            description="Lehman Brothers: last close before the bankruptcy filing to the "
            "capitulation of 10 Oct 2008",
        ),
        HistoricalStress(
            name="covid_2020",
            start=dt.date(2020, 2, 19),
            end=dt.date(2020, 3, 23),
            description="COVID-19: S&P 500 peak of 19 Feb 2020 to the trough of 23 Mar 2020",
        ),
    ]


def _default_hypothetical() -> list[HypotheticalStress]:
    return [
        HypotheticalStress(
            name="equity_minus_30",
            description="All equity prices and indices −30 %",
            shocks=[FactorShockConfig(factor_types=EQUITY_TYPES, relative=-0.30)],
        ),
        HypotheticalStress(
            name="vol_times_1_5",
            description="All implied volatilities × 1.5",
            shocks=[FactorShockConfig(factor_types=["implied_vol"], multiply=1.5)],
        ),
        HypotheticalStress(
            name="rates_plus_200bp",
            description="Parallel +200 bp on every zero rate",
            shocks=[FactorShockConfig(factor_types=["zero_rate"], absolute=0.02)],
        ),
        HypotheticalStress(
            name="steepener_2s10s",
            description="Steepener: −50 bp up to 2Y, +50 bp from 10Y, linear in between",
            shocks=[
                FactorShockConfig(factor_types=["zero_rate"], curve={"2Y": -0.005, "10Y": 0.005})
            ],
        ),
        HypotheticalStress(
            name="reporting_currency_plus_10",
            description="The reporting currency +10 % against every other: each FX rate "
            "(reporting-currency units per foreign unit) −10 %",
            shocks=[FactorShockConfig(factor_types=["fx_rate"], relative=-0.10)],
        ),
        HypotheticalStress(
            name="credit_spreads_plus_100bp",
            description="Every issuer's credit spread +100 bp",
            shocks=[FactorShockConfig(factor_types=["credit_spread"], absolute=0.01)],
        ),
        HypotheticalStress(
            name="commodities_minus_30",
            description="Every commodity forward price −30 %",
            shocks=[FactorShockConfig(factor_types=["commodity_price"], relative=-0.30)],
        ),
    ]


class StressConfig(_Section):
    historical: list[HistoricalStress] = Field(
        default_factory=list,
        description="Historical scenarios: each factor moves as it did between two dates "
        "(none by default: name the crises your history covers; the demo lists four). "
        "A window outside the lake's history is skipped, with the reason in the run.",
    )
    hypothetical: list[HypotheticalStress] = Field(
        default_factory=_default_hypothetical,
        description="Hypothetical scenarios: factor shocks by selector.",
    )
    reverse_var_multiples: list[Annotated[float, Field(gt=0.0)]] = Field(
        default_factory=lambda: [3.0],
        description="Reverse stress targets as multiples of the firm's VaR at "
        "capital.confidence over reverse_horizon (hs).",
    )
    reverse_losses: list[Annotated[float, Field(gt=0.0)]] = Field(
        default_factory=list,
        description="Reverse stress targets as losses in the reporting currency.",
    )
    reverse_horizon: Horizon = Field(
        10, description="Days of the covariance the reverse stress move is measured under."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> StressConfig:
        names = [s.name for s in self.historical] + [s.name for s in self.hypothetical]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stress scenario names must be unique: {', '.join(dupes)}")
        for s in self.historical:
            if s.end <= s.start:
                raise ValueError(f"stress scenario {s.name}: end {s.end} is not after {s.start}")
        return self


class RiskClass(enum.StrEnum):
    """FRTB risk classes (MAR33.15 aggregates the ES of each)."""

    EQUITY = "equity"
    INTEREST_RATE = "interest_rate"
    FX = "fx"
    CREDIT_SPREAD = "credit_spread"
    COMMODITY = "commodity"


LiquidityHorizon = Literal[10, 20, 40, 60, 120]


class FactorClassRule(_Section):
    factors: list[str] = Field(
        default_factory=lambda: ["*"], description="Globs on factor ids (any may match)."
    )
    factor_types: list[str] = Field(
        default_factory=list, description="Factor types selected (empty = any type)."
    )
    risk_class: RiskClass
    liquidity_horizon: LiquidityHorizon = Field(description="Days, MAR33.12.")
    category: str = Field("", description="The MAR33.12 category the horizon comes from.")
    idiosyncratic: bool = Field(
        False,
        description="An NMRF of this rule is idiosyncratic (equity or credit spread) and "
        "aggregates with zero correlation (MAR33.16).",
    )


SPECIFIED_CURRENCIES = ("USD", "EUR", "GBP", "AUD", "JPY", "SEK", "CAD")
# MAR33.12 footnote: the specified currency pairs (liquidity horizon 10 days)
SPECIFIED_PAIRS = (
    *(
        ("USD", c)
        for c in [
            "EUR",
            "JPY",
            "GBP",
            "AUD",
            "CAD",
            "CHF",
            "MXN",
            "CNY",
            "NZD",
            "RUB",
            "HKD",
            "SGD",
            "TRY",
            "KRW",
            "SEK",
            "ZAR",
            "INR",
            "NOK",
            "BRL",
        ]
    ),
    ("EUR", "JPY"),
    ("EUR", "GBP"),
    ("EUR", "CHF"),
    ("JPY", "AUD"),
)


def _default_factor_classes() -> list[FactorClassRule]:
    r = FactorClassRule
    return [
        r(
            factors=[f"IR.{c}.*" for c in SPECIFIED_CURRENCIES],
            factor_types=["zero_rate"],
            risk_class=RiskClass.INTEREST_RATE,
            liquidity_horizon=10,
            category="interest rate: specified currencies",
        ),
        r(
            factor_types=["zero_rate"],
            risk_class=RiskClass.INTEREST_RATE,
            liquidity_horizon=20,
            category="interest rate: unspecified currencies",
        ),
        r(
            factor_types=["equity_price"],
            risk_class=RiskClass.EQUITY,
            liquidity_horizon=10,
            category="equity price (large cap)",
            idiosyncratic=True,
        ),
        r(
            factor_types=["index_level", "etf_price"],
            risk_class=RiskClass.EQUITY,
            liquidity_horizon=10,
            category="equity price (large cap)",
        ),
        r(
            factors=["VOL.FX.*"],
            factor_types=["implied_vol"],
            risk_class=RiskClass.FX,
            liquidity_horizon=40,
            category="FX volatility",
        ),
        r(  # a smile point away from ATM (VOL.<X>.<M>; FX vols matched above)
            factors=["VOL.*.*"],
            factor_types=["implied_vol"],
            risk_class=RiskClass.EQUITY,
            liquidity_horizon=60,
            category="equity: other types (volatility away from ATM)",
        ),
        r(
            factor_types=["implied_vol"],
            risk_class=RiskClass.EQUITY,
            liquidity_horizon=20,
            category="equity price (large cap): ATM volatility",
        ),
        r(
            factors=[f"FX.{a}{b}" for x, y in SPECIFIED_PAIRS for a, b in ((x, y), (y, x))],
            factor_types=["fx_rate"],
            risk_class=RiskClass.FX,
            liquidity_horizon=10,
            category="FX rate: specified currency pairs",
        ),
        r(
            factor_types=["fx_rate"],
            risk_class=RiskClass.FX,
            liquidity_horizon=20,
            category="FX rate: other currency pairs",
        ),
        r(
            factor_types=["credit_spread"],
            risk_class=RiskClass.CREDIT_SPREAD,
            liquidity_horizon=40,
            category="credit spread: corporate (IG)",
            idiosyncratic=True,
        ),
        r(
            factor_types=["commodity_price"],
            risk_class=RiskClass.COMMODITY,
            liquidity_horizon=60,
            category="commodity: other commodities price",
        ),
    ]


class FrtbConfig(_Section):
    enabled: bool = Field(True, description="Run the FRTB IMA task in the EOD pipeline.")
    factor_classes: list[FactorClassRule] = Field(
        default_factory=_default_factor_classes,
        description="Risk class and liquidity horizon of each factor: the first rule "
        "matching a factor's id and type applies; a factor no rule matches is an error.",
    )
    reduced_factor_types: list[str] = Field(
        default_factory=lambda: [
            "equity_price",
            "index_level",
            "zero_rate",
            "fx_rate",
            "credit_spread",
            "commodity_price",
        ],
        description="Factor types of the reduced set of MAR33.5 (with reduced_factors): "
        "factors with a history long enough to reach the stressed period (implied vols "
        "and ETFs are left out: their histories rarely go back to 2007).",
    )
    reduced_factors: list[str] = Field(
        default_factory=list, description="Globs on factor ids added to the reduced set."
    )
    window: int = Field(
        250, ge=20, description="Daily returns of the current 12-month ES (ES_F,C, ES_R,C)."
    )
    stressed_window: int = Field(
        250, ge=20, description="Daily returns of the stressed 12-month period (ES_R,S)."
    )
    stressed_from: dt.date | None = Field(
        dt.date(2007, 1, 1),
        description="Earliest start of the stressed-period search; MAR33.5 asks for at "
        "least back to 2007 (omitted = the whole history).",
    )
    rfet: bool = Field(
        True,
        description="Apply the risk-factor eligibility test to the lake's observations "
        "table; false treats every factor as modellable (reported so).",
    )
    backtest_method: ScenarioMethod = Field(
        ScenarioMethod.HS,
        description="1-day VaR model of the desk backtests and of the multiplier m_c.",
    )
    backtest_window: int = Field(250, ge=20, description="Days of desk backtesting (MAR32).")
    pla_window: int = Field(250, ge=20, description="Days of the P&L attribution test.")
    pla_min_observations: int = Field(
        20, ge=2, description="Fewer PLA days than this: no zone (reported as n/a)."
    )
    average_days: int = Field(60, ge=1, description="Days of the IMCC and SES averages.")


class Basel3Config(_Section):
    enabled: bool = Field(
        False,
        description="Compute credit (SA/IRB), SA-CCR, CVA and operational RWA and the "
        "capital ratios every run (needs the Basel III inputs: counterparties, exposures, "
        "netting sets, op-losses, financials, capital-resources).",
    )
    output_floor: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Output floor percentage (omitted: the RBC90.2 phase-in of the as-of "
        "year, 50% in 2023 to 72.5% from 2028, or output_floor_phase_in).",
    )
    output_floor_phase_in: dict[str, float] = Field(
        default_factory=dict,
        description='Year → floor percentage replacing RBC90.2\'s (e.g. {"2025" = 0.5}).',
    )
    conservation_buffer: float = Field(
        0.025, ge=0.0, le=0.1, description="Capital conservation buffer (RBC30.3)."
    )
    systemic_buffer: float = Field(
        0.0, ge=0.0, le=0.1, description="G-SIB / D-SIB higher loss absorbency (RBC40)."
    )
    countercyclical_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Countercyclical buffer rate per country of risk (ISO alpha-2 → rate); "
        "countries not listed: 0.",
    )
    bi_currency: str = Field(
        "EUR",
        description="Currency of the SMA's bucket thresholds and loss threshold (OPE25); "
        "amounts are converted at the as-of FX rates.",
    )
    loss_threshold: float = Field(
        20_000.0, ge=0.0, description="Operational losses below this (bi_currency) left out."
    )

    @field_validator("output_floor_phase_in", "countercyclical_rates")
    @classmethod
    def _fractions(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        for key, rate in value.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"basel3.{info.field_name}: {key} = {rate} is not in [0, 1]")
            if info.field_name == "output_floor_phase_in" and not key.isdigit():
                raise ValueError(f"basel3.output_floor_phase_in: {key!r} is not a year")
        return value


class DemoConfig(_Section):
    seed: int = Field(20221228, description="Seed of the demo book and synthetic data.")
    days: int = Field(60, ge=2, description="Business days of trades and snapshots.")


class ServiceConfig(_Section):
    host: str = Field("127.0.0.1", description="Address `riskcap serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `riskcap serve` listens on.")
    max_body_bytes: int = Field(
        65_536, ge=1_024, description="Largest request body accepted (413 above it)."
    )
    histogram_bins: int = Field(
        50, ge=5, le=500, description="Bins of a node's P&L distribution histogram."
    )
    whatif_scenario_set: str = Field(
        "hs_1d",
        pattern=r"^(hs|mc)_[0-9]+d$",
        description="Scenario set of the cached P&L vectors what-if requests are priced on.",
    )
    whatif_confidence: Probability = Field(0.99, description="Confidence of what-if VaR/ES.")
    whatif_max_trades: int = Field(100, ge=1, description="Most trades in one what-if request.")
    webhook_url: str | None = Field(
        None,
        pattern=r"^https?://",
        description="http(s) URL a limit breach alert is POSTed to as JSON (none: no POST).",
    )
    webhook_timeout_s: float = Field(5.0, gt=0.0, description="Timeout of the webhook POST.")
    read_timeout_s: float = Field(
        10.0,
        gt=0.0,
        description="Seconds a client has to send a whole request (headers and body) from "
        "connecting or starting it; slower connections are closed.",
    )
    keep_alive_s: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection stays open."
    )
    max_connections: int = Field(
        256,
        ge=1,
        description="Open connections and requests at once; above it new requests get 503.",
    )
    auth_failures_per_minute: int = Field(
        30,
        ge=1,
        description="Failed authentications allowed per client address and minute; past it "
        "that address gets 429 for keys not verified recently.",
    )
    schedule_at: str = Field(
        "18:30",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Local time `riskcap schedule` starts each business day's EOD (HH:MM).",
    )


class Settings(BaseModel):
    """The whole configuration. ``base_dir`` anchors relative paths."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lake: LakeConfig = Field(default_factory=LakeConfig)
    catalog: CatalogConfig = Field(default_factory=CatalogConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    eod: EodConfig = Field(default_factory=EodConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    backtest: BacktestConfig = Field(default_factory=BacktestConfig)
    capital: CapitalConfig = Field(default_factory=CapitalConfig)
    stress: StressConfig = Field(default_factory=StressConfig)
    frtb: FrtbConfig = Field(default_factory=FrtbConfig)
    basel3: Basel3Config = Field(default_factory=Basel3Config)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    @model_validator(mode="after")
    def _capital_figures_published(self) -> Settings:
        c, p = self.capital, self.pipeline
        horizons = p.hs_horizons if c.var_method == "hs" else p.mc_horizons
        for h in (1, c.horizon):
            if h not in horizons:
                raise ValueError(
                    f"capital needs the {h}-day {c.var_method} VaR: add {h} to "
                    f"pipeline.{c.var_method}_horizons"
                )
        if c.confidence not in p.confidences:
            raise ValueError(f"capital needs VaR at {c.confidence}: add it to pipeline.confidences")
        if self.stress.reverse_var_multiples and self.stress.reverse_horizon not in p.hs_horizons:
            raise ValueError(
                f"reverse stress targets a multiple of the {self.stress.reverse_horizon}-day hs "
                "VaR: add that horizon to pipeline.hs_horizons"
            )
        f = self.frtb
        if f.enabled:
            horizons = p.hs_horizons if f.backtest_method == "hs" else p.mc_horizons
            if 1 not in horizons:
                raise ValueError(
                    f"FRTB desk backtesting needs the 1-day {f.backtest_method} VaR: add 1 to "
                    f"pipeline.{f.backtest_method}_horizons"
                )
            missing = [c for c in (0.99, 0.975) if c not in p.confidences]
            if missing:
                raise ValueError(
                    "FRTB desk backtesting needs VaR at 99 % and 97.5 %: add "
                    f"{', '.join(map(str, missing))} to pipeline.confidences"
                )
        return self

    @property
    def lake_path(self) -> str:
        """The lake location, absolute when it is a local path."""
        path = self.lake.path
        if "://" in path:
            return path
        p = Path(path).expanduser()
        return str(p if p.is_absolute() else (self.base_dir / p).resolve())

    @property
    def work_path(self) -> Path:
        """The checkpoint folder of the pipeline, absolute."""
        p = Path(self.pipeline.work_dir).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def catalog_url(self) -> str:
        """The catalog URL with a relative SQLite file made absolute."""
        url = self.catalog.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and url != "sqlite:///:memory:":
            path = Path(url[len(prefix) :]).expanduser()
            if not path.is_absolute():
                return prefix + str((self.base_dir / path).resolve())
        return url


# -- secrets -------------------------------------------------------------------------
# Sections that describe where riskcap runs, not what it computes (never in a run key;
# served to firm-wide admin keys only).
INFRASTRUCTURE_SECTIONS = ("lake", "catalog", "service")
REDACTED = "***"


_SECRET_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "sig", "credential")


def redact_credentials(url: str) -> str:
    """``url`` with its password, and the values of query parameters named like
    secrets (password, token, key …), replaced by ``***``.

    ``postgresql+psycopg://risk:s3cret@db/riskcap`` → ``postgresql+psycopg://risk:***@db/riskcap``.
    A URL with nothing secret (``sqlite:///catalog.db``, a user without a password)
    and text that is not a URL come back unchanged.
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        if ":" in creds:
            netloc = f"{creds.split(':', 1)[0]}:{REDACTED}@{host}"
    pairs = [kv.split("=", 1) if "=" in kv else [kv] for kv in parts.query.split("&") if kv]
    query = "&".join(
        f"{kv[0]}={REDACTED}"
        if len(kv) == 2 and any(w in kv[0].lower() for w in _SECRET_WORDS)
        else "=".join(kv)
        for kv in pairs
    )
    if netloc == parts.netloc and query == parts.query:
        return url  # nothing to hide: unchanged (urlunsplit would drop "sqlite:///"'s //)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_endpoint(url: str) -> str:
    """Only the scheme and host of ``url``: webhook paths and queries carry tokens
    (``https://hooks.example/services/T0/B0/s3cr3t`` → ``https://hooks.example/***``)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    rest = "/" + REDACTED if (parts.path.strip("/") or parts.query or "@" in parts.netloc) else ""
    return f"{parts.scheme}://{host}{rest}"


def redacted_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON config dump (``Settings.model_dump(mode="json")``, or one stored in a
    lineage manifest) with every secret redacted: URL credentials of the lake and
    catalog, the webhook URL's path and query."""
    out = json.loads(json.dumps(config))
    for section, key in (("lake", "path"), ("catalog", "url")):
        value = out.get(section, {}).get(key)
        if isinstance(value, str):
            out[section][key] = redact_credentials(value)
    hook = out.get("service", {}).get("webhook_url")
    if isinstance(hook, str):
        out["service"]["webhook_url"] = redact_endpoint(hook)
    return out


def demo_settings(**sections: Any) -> Settings:
    """The demo's settings: the defaults plus the named crises of its bundled history
    (``sections`` override whole sections, as in :func:`settings_for_dir`)."""
    stress = {"historical": [w.model_dump() for w in demo_historical_windows()]}
    # the demo has the synthetic Basel III inputs; the UK's CCyB was 1% from 13 Dec 2022
    basel3 = {"enabled": True, "countercyclical_rates": {"GB": 0.01}}
    return Settings(**{"stress": stress, "basel3": basel3, **sections})


def settings_for_dir(base_dir: Path, **sections: Any) -> Settings:
    """Settings with every path under ``base_dir`` (used by the demo and tests)."""
    try:
        return Settings(base_dir=base_dir, **sections)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_first_error(exc)}") from exc


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load the config from ``path``, ``$RISKCAP_CONFIG``, ``./riskcap.toml`` or defaults,
    then apply ``RISKCAP_<SECTION>__<KEY>`` environment variables (:func:`env_overrides`;
    ``environ`` defaults to ``os.environ``).

    Raises
    ------
    ConfigError
        The named file does not exist, is not valid TOML, or breaks a rule.
    """
    env = os.environ if environ is None else environ
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        path = candidate if candidate.exists() else None
    data: dict[str, Any] = {}
    base_dir = Path.cwd()
    where = "defaults"
    if path is not None:
        if not path.exists():
            raise ConfigError(f"{path}: config file not found (create one with `riskcap init`)")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not a readable TOML file: {exc}") from exc
        base_dir, where = path.resolve().parent, str(path)
    overrides = env_overrides(env)
    for keys, value in overrides:
        _set_path(data, keys, value)
    if overrides:
        where += " with " + ", ".join(_env_name(k) for k, _ in overrides)
    try:
        return Settings(base_dir=base_dir, **data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_first_error(exc)}") from exc


def _env_name(keys: tuple[str, ...]) -> str:
    return ENV_PREFIX + "__".join(k.upper() for k in keys)


def env_overrides(environ: Mapping[str, str]) -> list[tuple[tuple[str, ...], Any]]:
    """Config keys set by environment variables, sorted by variable name.

    ``RISKCAP_<SECTION>__<KEY>`` sets ``[section] key`` (nested sections add more
    ``__<NAME>`` parts: ``RISKCAP_QUALITY__ROW_COUNT__MAX_CHANGE``). The value is read
    as JSON when it parses (numbers, booleans, lists such as ``[0.99, 0.975]``), else
    as a plain string; pydantic then validates it like a value from the file. A
    variable naming no key is an error, so a typo never goes unnoticed.

    Raises
    ------
    ConfigError
        The variable names no config key.
    """
    out: list[tuple[tuple[str, ...], Any]] = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or "__" not in name[len(ENV_PREFIX) :]:
            continue
        keys = tuple(k.lower() for k in name[len(ENV_PREFIX) :].split("__"))
        model: type[BaseModel] = Settings
        for i, key in enumerate(keys):
            field = model.model_fields.get(key)
            if field is None or field.exclude:
                raise ConfigError(
                    f"environment variable {name}: no config key "
                    f"{'.'.join(keys[: i + 1])!r} (keys look like RISKCAP_CATALOG__URL)"
                )
            sub = field.annotation
            if i < len(keys) - 1:
                if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
                    raise ConfigError(
                        f"environment variable {name}: {'.'.join(keys[: i + 1])!r} is a "
                        "value, not a section"
                    )
                model = sub
        raw = environ[name]
        value: Any = raw
        if not _is_text(model.model_fields[keys[-1]].annotation):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        out.append((keys, value))
    return out


def _is_text(annotation: Any) -> bool:
    """Whether a field holds text (``str`` or ``str | None``): its value is taken as is."""
    return annotation is str or (
        isinstance(annotation, types.UnionType) and set(annotation.__args__) <= {str, type(None)}
    )


def _set_path(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"key '{where}': {err['msg']} (got {err.get('input')!r})"


def _toml_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _toml_value(value.value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _emit(model: BaseModel, table: str, lines: list[str]) -> None:
    scalars: list[str] = []
    nested: list[tuple[str, BaseModel]] = []
    tables: list[tuple[str, str, list[BaseModel]]] = []
    for name, field in type(model).model_fields.items():
        if field.exclude:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            nested.append((name, value))
            continue
        if value is None:
            if field.description:
                scalars.append(f"# {field.description}")
            scalars.append(f"# {name} = (not set)")
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            tables.append((name, field.description or "", value))
            continue
        if field.description:
            scalars.append(f"# {field.description}")
        scalars.append(f"{name} = {_toml_value(value)}")
    if scalars and table:
        lines.append(f"[{table}]")
    lines.extend(scalars)
    if scalars:
        lines.append("")
    for name, value in nested:
        _emit(value, f"{table}.{name}" if table else name, lines)
    for name, description, items in tables:  # arrays of tables: [[stress.historical]]
        lines.append(f"# {description}")
        for item in items:
            lines.append(f"[[{table}.{name}]]" if table else f"[[{name}]]")
            _emit_inline(item, lines)
            lines.append("")


def _emit_inline(model: BaseModel, lines: list[str]) -> None:
    """The keys of one array-of-tables entry; lists of models become inline tables."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            inline = [
                "{"
                + ", ".join(
                    f"{k} = {_toml_value(v)}"
                    for k, v in item.model_dump().items()
                    if v is not None and v != [] and not (k == "factors" and v == "*")
                )
                + "}"
                for item in value
            ]
            lines.append(f"{name} = [" + ", ".join(inline) + "]")
            continue
        lines.append(f"{name} = {_toml_value(value)}")


def default_config_text(settings: Settings | None = None) -> str:
    """The commented ``riskcap.toml`` of ``settings`` (default: every default), generated
    from the models above."""
    lines = [
        "# riskcap configuration — every key with its default and meaning.",
        "# Relative paths are resolved against the folder of this file.",
        "",
    ]
    _emit(settings or Settings(), "", lines)
    return "\n".join(lines).rstrip() + "\n"
