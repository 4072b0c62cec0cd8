"""The named choices of the configuration, as enums every layer may use.

A setting that picks one of a few methods is one of these (pydantic checks the value
when the config is read, and the code compares members, not strings). They sit at the
bottom of the layers, beside ``errors``, so the numeric core and the config share them.
"""

from __future__ import annotations

import enum


class EngineName(enum.StrEnum):
    """Where positions are revalued: in this process (JAX, CPU or GPU) or on Spark."""

    LOCAL = "local"
    SPARK = "spark"


class HorizonMethod(enum.StrEnum):
    """Multi-day historical shocks."""

    OVERLAPPING = "overlapping"  # overlapping h-day returns
    SQRT_TIME = "sqrt_time"  # 1-day returns × √h


class McDistribution(enum.StrEnum):
    """The distribution of Monte Carlo shocks."""

    NORMAL = "normal"
    STUDENT_T = "student_t"


class ParametricMethod(enum.StrEnum):
    """Parametric VaR."""

    DELTA_NORMAL = "delta_normal"
    DELTA_GAMMA = "delta_gamma"
    CORNISH_FISHER = "cornish_fisher"


class LockPolicy(enum.StrEnum):
    """What an EOD run does when another run holds the lock of its date."""

    WAIT = "wait"
    FAIL = "fail"


class VarMethod(enum.StrEnum):
    """A VaR model: historical simulation, Monte Carlo or parametric."""

    HS = "hs"
    MC = "mc"
    PARAMETRIC = "parametric"
    FHS = "fhs"  # filtered historical simulation (risk.fhs_model)


class ScenarioMethod(enum.StrEnum):
    """A VaR model with P&L vectors: historical simulation or Monte Carlo."""

    HS = "hs"
    MC = "mc"


class VolModel(enum.StrEnum):
    """Conditional variance models (market/volatility.py)."""

    EWMA = "ewma"
    GARCH = "garch"
    GJR = "gjr"  # GJR-GARCH(1,1): a larger response to negative returns


class Innovation(enum.StrEnum):
    """Distribution of the standardised returns."""

    NORMAL = "normal"
    STUDENT_T = "t"
