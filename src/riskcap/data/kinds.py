"""The kinds of input file and their date formats: names only (no I/O, no arrays), so
the command line can offer them without loading the data stack."""

from __future__ import annotations

import datetime as dt
import enum

_EXAMPLE_DAY = dt.date(2022, 1, 31)


class IngestKind(enum.StrEnum):
    """What a file holds; each kind lands in one lake table."""

    BOOKS = "books"
    INSTRUMENTS = "instruments"
    FACTORS = "factors"
    POSITIONS = "positions"
    TRADES = "trades"
    MARKET_DATA = "market-data"
    CURVES = "curves"
    VOLS = "vols"
    OBSERVATIONS = "observations"
    HOLIDAYS = "holidays"
    COUNTERPARTIES = "counterparties"
    EXPOSURES = "exposures"
    COLLATERAL_AGREEMENTS = "collateral-agreements"
    NETTING_SETS = "netting-sets"
    OTC_ASSIGNMENTS = "otc-assignments"
    OP_LOSSES = "op-losses"
    FINANCIALS = "financials"
    CAPITAL_RESOURCES = "capital-resources"


# Basel III inputs: a bad row rejects the whole file (nothing is written), since a
# quarantined exposure or loss would understate the capital
STRICT_KINDS = frozenset(
    {
        IngestKind.COUNTERPARTIES,
        IngestKind.EXPOSURES,
        IngestKind.COLLATERAL_AGREEMENTS,
        IngestKind.NETTING_SETS,
        IngestKind.OTC_ASSIGNMENTS,
        IngestKind.OP_LOSSES,
        IngestKind.FINANCIALS,
        IngestKind.CAPITAL_RESOURCES,
    }
)


class DateFormat(enum.StrEnum):
    """How dates are written in a file (one format per file, never guessed)."""

    ISO = "iso"  # 2022-01-31 (the default)
    US = "us"  # 1/31/2022 or 01/31/2022 (month first)
    EU = "eu"  # 31/1/2022 or 31/01/2022 (day first)
    EU_DOT = "eu-dot"  # 31.01.2022
    COMPACT = "compact"  # 20220131

    @property
    def pattern(self) -> str:
        """The ``strptime`` pattern of the format."""
        return _DATE_PATTERNS[self]

    @property
    def example(self) -> str:
        return _EXAMPLE_DAY.strftime(self.pattern)


_DATE_PATTERNS = {
    DateFormat.ISO: "%Y-%m-%d",
    DateFormat.US: "%m/%d/%Y",
    DateFormat.EU: "%d/%m/%Y",
    DateFormat.EU_DOT: "%d.%m.%Y",
    DateFormat.COMPACT: "%Y%m%d",
}
