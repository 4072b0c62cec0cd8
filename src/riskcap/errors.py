"""The riskcap exception hierarchy and the CLI exit code of each error.

Every error a user can cause carries a message a risk manager understands: which
file, which row, which rule, and what to do. The CLI prints ``str(error)`` as one
line on stderr and exits with ``error.exit_code``; the API maps the same classes
to 4xx answers.

Exit codes
----------
====  ==========================  ==================================================
code  class                       meaning
====  ==========================  ==================================================
1     RiskcapError                any other riskcap error
3     ConfigError                 the TOML config is missing, unreadable or invalid
4     InputFileError              an input file is missing, empty, malformed or lacks
                                  a required column
5     IngestRejected              too many rows of a file broke a validation rule;
                                  nothing was written
6     SnapshotNotReady            an upstream source is not ready, or the previous
                                  day's positions are missing
7     DataQualityError            a blocking data-quality check failed
8     LakeError                   the lake could not be read or written
9     CatalogError                the catalog database could not be read or written
10    NotFoundError               a table, version, timestamp or record does not exist
11    RunLocked                   another EOD run holds the lock for that as_of date
12    ReproductionMismatch        ``riskcap reproduce`` recomputed different outputs
13    AuthenticationError         an API key is malformed, unknown or revoked (HTTP 401)
14    PermissionDenied            the key's role or desks do not allow it (HTTP 403)
15    InvalidInput                a request or command argument breaks a rule (HTTP 422);
                                  WhatIfRejected: a proposed trade cannot be valued;
                                  OptimiseError: a hedge problem is infeasible or
                                  unbounded
16    TooManyRequests             too many failed authentications (HTTP 429)
17    LimitConflict               a second limit on the same node and figure (HTTP 409)
====  ==========================  ==================================================

Each class also carries the HTTP status the API answers it with (``http_status``;
422 unless a class says otherwise; 503 for storage trouble, whose message is logged
and never sent).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class RiskcapError(Exception):
    """Base class of every error riskcap raises on purpose."""

    exit_code: int = 1
    http_status: int = 422


class ConfigError(RiskcapError):
    """The configuration file is missing, unreadable, or fails validation."""

    exit_code = 3


class InputFileError(RiskcapError):
    """An input file cannot be used at all (missing, empty, malformed, missing column)."""

    exit_code = 4


class IngestRejected(RiskcapError):
    """The share of bad rows in a file exceeds the configured threshold.

    Nothing is written to any table when this is raised.
    """

    exit_code = 5


class SnapshotNotReady(RiskcapError):
    """The EOD snapshot cannot be built yet (sources not ready, no prior positions)."""

    exit_code = 6

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class DataQualityError(RiskcapError):
    """A blocking data-quality check failed: the circuit breaker of the EOD run."""

    exit_code = 7

    def __init__(
        self,
        message: str,
        *,
        check: str = "",
        count: int = 0,
        sample: Sequence[dict[str, Any]] = (),
        results: Sequence[Any] = (),
    ) -> None:
        super().__init__(message)
        self.check = check
        self.count = count
        self.sample = list(sample)
        self.results = list(results)  # every check's result, for reports


class LakeError(RiskcapError):
    """A Delta table could not be read or written."""

    exit_code = 8
    http_status = 503


class CatalogError(RiskcapError):
    """The catalog database could not be read or written."""

    exit_code = 9
    http_status = 503


class NotFoundError(RiskcapError):
    """A table, version, timestamp or catalog record does not exist."""

    exit_code = 10
    http_status = 404


class RunLocked(RiskcapError):
    """Another process holds the EOD lock of that as_of date (and ``lock = "fail"``)."""

    exit_code = 11
    http_status = 409


class ReproductionMismatch(RiskcapError):
    """A reproduced run's outputs differ from the recorded checksums."""

    exit_code = 12


class CheckpointError(RiskcapError):
    """A run's checkpoint file is missing or does not match its recorded checksum.

    The pipeline recovers by running the task that produced it again.
    """


class AuthenticationError(RiskcapError):
    """An API key is missing, malformed, unknown or revoked (the API answers 401)."""

    exit_code = 13
    http_status = 401

    def __init__(self, message: str, reason: str = "unknown") -> None:
        super().__init__(message)
        self.reason = reason  # missing | malformed | unknown | revoked (a metrics label)


class PermissionDenied(RiskcapError):
    """The caller's role or desk entitlements do not cover the request (HTTP 403)."""

    exit_code = 14
    http_status = 403


class InvalidInput(RiskcapError):
    """A request or command argument breaks a rule (a date outside the calendar, a
    name that is not an identifier, a desk that does not exist) — HTTP 422."""

    exit_code = 15


class TooManyRequests(RiskcapError):
    """Too many failed authentications from one client address (HTTP 429)."""

    exit_code = 16
    http_status = 429

    def __init__(self, message: str, retry_after_s: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class WhatIfRejected(InvalidInput):
    """A proposed trade cannot be valued on the run's scenarios (HTTP 422)."""


class LimitConflict(RiskcapError):
    """A second limit on the same node and figure (HTTP 409)."""

    exit_code = 17
    http_status = 409
