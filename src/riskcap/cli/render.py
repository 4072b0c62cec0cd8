"""How the command line prints: the consoles, money units, cells, node selection and
order, and the data-quality table — one place for every command module.

No NumPy, pandas or storage imports: ``riskcap --help`` loads this module.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from riskcap.cli.options import Units
from riskcap.inputs.nodes import headline, node_level, node_sort_key

# a pipe or a file gets wide lines: tables are not cut to 80 columns ("31.…"); a
# terminal keeps its own width, and COLUMNS still wins
_WIDE = None if "COLUMNS" in os.environ else 200
console = Console()
if not console.is_terminal and _WIDE is not None:
    console = Console(width=_WIDE)
err_console = Console(stderr=True)

__all__ = [
    "Money",
    "cell",
    "console",
    "err_console",
    "headline",
    "node_level",
    "node_sort_key",
    "print_quality",
]

_SCALE = {Units.ONES: 1.0, Units.THOUSANDS: 1e3, Units.MILLIONS: 1e6, Units.BILLIONS: 1e9}


@dataclass(frozen=True)
class Money:
    """How to print a set of money figures: their divisor and label (``USD millions``)."""

    currency: str
    units: Units

    @classmethod
    def for_figures(cls, currency: str, values: Iterable[float], units: Units) -> Money:
        """``units``, or with ``auto`` the largest unit that keeps the biggest figure
        at 10 or more (a small book's VaR of 12,345 prints as 12.35 thousands, not
        0.01 millions)."""
        if units is not Units.AUTO:
            return cls(currency, units)
        top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        for unit in (Units.BILLIONS, Units.MILLIONS, Units.THOUSANDS):
            if top >= 10 * _SCALE[unit]:
                return cls(currency, unit)
        return cls(currency, Units.ONES)

    @property
    def label(self) -> str:
        return self.currency if self.units is Units.ONES else f"{self.currency} {self.units}"

    def __call__(self, value: float) -> str:
        return f"{value / _SCALE[self.units]:,.2f}"


def cell(value: object) -> str:
    """A value for the terminal: control characters escaped, never markup."""
    text = "" if value is None else str(value)
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def print_quality(results: Sequence[Any], title: str = "data-quality checks") -> None:
    """Check results — a gate's (``CheckResult``) or stored ones (catalog records) —
    as one table."""
    table = Table(title=title)
    for col in ("check", "severity", "result", "count", "threshold", "message"):
        table.add_column(col)
    for r in results:
        name = getattr(r, "check_name", None) or r.name
        severity = str(getattr(r.severity, "value", r.severity))
        blocks = severity == "blocking"
        verdict = "[green]pass" if r.passed else ("[red]FAIL" if blocks else "[yellow]warn")
        table.add_row(
            cell(name), severity, verdict, str(r.failing_count), cell(r.threshold), cell(r.message)
        )
    console.print(table)
