"""Shapes of published results for reports (CLI tables, JSON, later the API)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from riskcap.inputs.nodes import LEVELS, node_level, node_sort_key


@dataclass(frozen=True)
class Figure:
    """One published number: a measure of a node for one scenario set and confidence."""

    node: str
    method: str
    measure: str
    horizon: int
    confidence: float
    value: float
    scenarios: int

    @property
    def label(self) -> str:
        """``HS 1d VaR 99%`` (confidence without trailing zeros)."""
        conf = f"{self.confidence * 100:.2f}".rstrip("0").rstrip(".")
        name = "VaR" if self.measure == "var" else "ES"
        return f"{self.method.upper()} {self.horizon}d {name} {conf}%"


def headline_labels(figures: Iterable[Figure]) -> list[str]:
    """Columns of the headline table: per historical set, VaR at the highest confidence
    and ES at every confidence; per Monte Carlo and filtered historical set, VaR at the
    highest (HS 1d/10d VaR and ES at 99 %, ES at 97.5 %, MC VaR, FHS VaR). Stressed VaR
    is a capital input, shown by ``riskcap capital``. Every figure stays in the JSON
    output."""
    figs = [f for f in figures if f.method in ("hs", "mc", "fhs")]
    out: list[str] = []
    for _, horizon, method in sorted({(f.method != "hs", f.horizon, f.method) for f in figs}):
        mine = [f for f in figs if f.method == method and f.horizon == horizon]
        top = max(f.confidence for f in mine)
        es = sorted({f.confidence for f in mine if f.measure == "es"}, reverse=True)
        wanted = [("var", top)] + ([("es", c) for c in es] if method == "hs" else [])
        labels = {(f.measure, f.confidence): f.label for f in mine}
        out += [labels[w] for w in wanted if w in labels]
    return out


def pivot(
    figures: Iterable[Figure], levels: tuple[str, ...] = LEVELS
) -> dict[str, dict[str, float]]:
    """``{node: {label: value}}`` for nodes at ``levels``, in top-down order."""
    table: dict[str, dict[str, float]] = {}
    for f in sorted(figures, key=lambda f: node_sort_key(f.node)):
        if node_level(f.node) in levels:
            table.setdefault(f.node, {})[f.label] = f.value
    return table
