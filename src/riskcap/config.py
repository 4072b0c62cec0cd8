"""Configuration: pydantic models of ``riskcap.toml``, the one place for defaults.

``riskcap init`` writes the commented default file generated from these models, so
the documentation of every key is its ``Field(description=...)`` here.

Relative paths (the lake folder, a SQLite catalog file) are resolved against the
directory of the config file, or the working directory when no file is used.
"""

from __future__ import annotations

import enum
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskcap.errors import ConfigError

CONFIG_ENV = "RISKCAP_CONFIG"
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]
Horizon = Annotated[int, Field(ge=1, le=250)]
DEFAULT_CONFIG_NAME = "riskcap.toml"


class Severity(enum.StrEnum):
    """How a failed data-quality check acts on the EOD run."""

    BLOCKING = "blocking"
    WARNING = "warning"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LakeConfig(_Section):
    path: str = Field(
        "lake",
        description="Folder (or object-store URI) holding the Delta tables.",
    )


class CatalogConfig(_Section):
    url: str = Field(
        "sqlite:///catalog.db",
        description="SQLAlchemy URL of the catalog; a relative SQLite path is resolved "
        "against this file's folder. PostgreSQL: postgresql+psycopg://user@host/db",
    )


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


class QualityConfig(_Section):
    sample_rows: int = Field(5, ge=1, description="Sample rows quoted for a failed check.")
    row_count: RowCountCheck = Field(default_factory=RowCountCheck)
    null_keys: CheckConfig = Field(default_factory=CheckConfig)
    unknown_instruments: CheckConfig = Field(default_factory=CheckConfig)
    incomplete_hierarchy: CheckConfig = Field(default_factory=CheckConfig)
    missing_market_data: CheckConfig = Field(default_factory=CheckConfig)
    stale_prices: StalePricesCheck = Field(default_factory=StalePricesCheck)
    return_outliers: ReturnOutliersCheck = Field(default_factory=ReturnOutliersCheck)


class EngineConfig(_Section):
    memory_gb: float = Field(
        2.0,
        gt=0.0,
        description="Working-memory budget of one revaluation block; block sizes are "
        "derived from it so peak memory does not grow with the book.",
    )


class RiskConfig(_Section):
    confidence: float = Field(0.99, gt=0.0, lt=1.0, description="VaR/ES confidence level.")
    horizon: int = Field(1, ge=1, description="Horizon in business days (1 or 10).")
    lookback: int = Field(
        250, ge=20, description="Historical window in daily returns (250, 500, 1250)."
    )
    horizon_method: str = Field(
        "overlapping",
        pattern="^(overlapping|sqrt_time)$",
        description="Multi-day historical shocks: overlapping h-day returns, or 1-day "
        "returns scaled by sqrt(h) (sqrt_time).",
    )
    mc_scenarios: int = Field(10_000, ge=100, description="Monte Carlo scenarios.")
    mc_distribution: str = Field(
        "normal", pattern="^(normal|student_t)$", description="normal or student_t shocks."
    )
    student_t_nu: float = Field(5.0, gt=2.0, description="Degrees of freedom of student_t.")
    ewma_lambda: float = Field(
        0.94, gt=0.0, lt=1.0, description="EWMA decay of the covariance (RiskMetrics 0.94)."
    )
    parametric: str = Field(
        "delta_normal",
        pattern="^(delta_normal|delta_gamma|cornish_fisher)$",
        description="Parametric method: delta_normal, delta_gamma or cornish_fisher.",
    )
    seed: int = Field(42, description="Seed of Monte Carlo scenarios (jax.random.key).")


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
    lock: str = Field(
        "wait",
        pattern="^(wait|fail)$",
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


class DemoConfig(_Section):
    seed: int = Field(20221228, description="Seed of the demo book and synthetic data.")
    days: int = Field(60, ge=2, description="Business days of trades and snapshots.")


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
    demo: DemoConfig = Field(default_factory=DemoConfig)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

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


def settings_for_dir(base_dir: Path, **sections: Any) -> Settings:
    """Settings with every path under ``base_dir`` (used by the demo and tests)."""
    try:
        return Settings(base_dir=base_dir, **sections)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_first_error(exc)}") from exc


def load_settings(path: Path | None = None) -> Settings:
    """Load the config from ``path``, ``$RISKCAP_CONFIG``, ``./riskcap.toml`` or defaults.

    Raises
    ------
    ConfigError
        The named file does not exist, is not valid TOML, or breaks a rule.
    """
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    if path is None:
        candidate = Path.cwd() / DEFAULT_CONFIG_NAME
        if not candidate.exists():
            return Settings(base_dir=Path.cwd())
        path = candidate
    if not path.exists():
        raise ConfigError(f"{path}: config file not found (create one with `riskcap init`)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable TOML file: {exc}") from exc
    try:
        return Settings(base_dir=path.resolve().parent, **data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"key '{where}': {err['msg']} (got {err.get('input')!r})"


def _toml_value(value: Any) -> str:
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
    for name, field in type(model).model_fields.items():
        if field.exclude:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            nested.append((name, value))
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


def default_config_text() -> str:
    """The commented default ``riskcap.toml``, generated from the models above."""
    lines = [
        "# riskcap configuration — every key with its default and meaning.",
        "# Relative paths are resolved against the folder of this file.",
        "",
    ]
    _emit(Settings(), "", lines)
    return "\n".join(lines).rstrip() + "\n"
