"""What-if: incremental VaR and ES of proposed trades against a run's cached P&L.

:class:`WhatIfModel` holds, for one published run, the scenario shocks of one
scenario set (``service.whatif_scenario_set``, default ``hs_1d``) rebuilt from the
run's pinned inputs and recorded config, and every node's P&L vector under them
(read from the lake's ``pnl_vectors``). A request revalues only the proposed trades
under the same shocks with the same kernels (:func:`riskcap.engine.local.revalue_books`),
adds their P&L to each node above their books, and reports for each node

* VaR and ES before (the published figures, bit for bit), after, and the
  incremental change ``after − before``;
* the trades' stand-alone VaR and ES.

Incremental VaR is a full re-sort of the combined vector, not a marginal
(Euler) approximation, so it is exact for any trade size (Jorion, *Value at Risk*,
3rd ed., §7.2.3). A trade may only use factors the run's scenarios cover and books
the run valued; anything else is rejected with the reason.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.data.mapping import map_instruments, needed_factors
from riskcap.engine.local import BlockPlan, revalue_books, values_by_book
from riskcap.engine.var import (
    VarMethod,
    VarSpec,
    daily_covariance,
    monte_carlo_shocks,
    scenario_shocks,
)
from riskcap.errors import NotFoundError, RiskcapError, WhatIfRejected
from riskcap.inputs.risk_inputs import RiskInputs, build_book, load_risk_inputs
from riskcap.pricing.book import Book
from riskcap.risk.measures import selected_var_es, tail_count
from riskcap.store.catalog import Catalog, Run

WHATIF_POSITION_BLOCK = 16


@dataclass(frozen=True)
class ProposedTrade:
    book_id: str
    instrument_id: str
    quantity: float


@dataclass(frozen=True)
class NodeImpact:
    node: str
    var_before: float
    var_after: float
    es_before: float
    es_after: float

    @property
    def incremental_var(self) -> float:
        return self.var_after - self.var_before

    @property
    def incremental_es(self) -> float:
        return self.es_after - self.es_before


@dataclass(frozen=True)
class WhatIfResult:
    run_id: str
    as_of: dt.date
    scenario_set: str
    scenarios: int
    confidence: float
    standalone_var: float
    standalone_es: float
    nodes: list[NodeImpact]
    milliseconds: float


def tail_var_es(pnl: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Empirical VaR and ES of each row, as :func:`riskcap.risk.measures.var_es` defines
    them (the ``k = ⌈(1 − α)·n⌉`` worst scenarios), by selection instead of a full sort
    (:func:`riskcap.risk.measures.selected_var_es`): a what-if request is dominated by
    this step at 10⁴ scenarios."""
    return selected_var_es(pnl, tail_count(pnl.shape[-1], confidence))


class WhatIfModel:
    """The cached state of one run for what-if requests (see the module docstring)."""

    def __init__(
        self,
        run: Run,
        inputs: RiskInputs,
        shocks: np.ndarray,
        pnl: np.ndarray,
        scenario_set: str,
        reference: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    ) -> None:
        self.run_id = run.run_id
        self.as_of = run.as_of
        self.scenario_set = scenario_set
        self.inputs = inputs
        self.shocks = shocks  # (scenarios, factors)
        self.pnl = pnl  # (nodes, scenarios), rows in inputs.hierarchy.nodes order
        # the run's instruments, factors (indexed by factor_id) and as-of vols
        self._instruments, self._factors, self._vols = reference
        self._x0 = dict(zip(inputs.factors.ids, np.asarray(inputs.levels[-1]), strict=True))
        self._factor_ids = set(inputs.factors.ids)
        self._books = set(inputs.hierarchy.books)

    @classmethod
    def load(cls, lake: Lake, catalog: Catalog, run: Run, scenario_set: str) -> WhatIfModel:
        """Rebuild ``run``'s shocks of ``scenario_set``, read its node P&L vectors and the
        reference data (instruments, factors, vols) at its pinned versions.

        Raises
        ------
        NotFoundError
            The run published no P&L vectors for that scenario set.
        """
        manifest = catalog.lineage(run.run_id)
        config = Settings(**manifest["config"])
        method, horizon = scenario_set.split("_")
        spec = VarSpec.from_config(
            config.risk, config.engine, method=VarMethod(method), horizon=int(horizon[:-1])
        )
        versions = {t: int(v) for t, v in (run.inputs or {})["versions"].items()}
        versions["positions"] = int(manifest["outputs"]["positions"]["version"])
        table = lake.read(
            "pnl_vectors",
            version=int(manifest["outputs"]["pnl_vectors"]["version"]),
            filters=[
                ("as_of", "=", run.as_of),
                ("run_id", "=", run.run_id),
                ("scenario_set", "=", scenario_set),
            ],
            columns=["node", "pnl"],
        )
        if table.num_rows == 0:
            raise NotFoundError(
                f"run {run.run_id} has no P&L vectors of scenario set {scenario_set!r} "
                "(service.whatif_scenario_set must be one the run computed)"
            )
        vectors = dict(
            zip(table.column("node").to_pylist(), table.column("pnl").to_pylist(), strict=True)
        )
        inputs = load_risk_inputs(
            lake,
            run.as_of,
            None,
            versions=versions,
            reporting=config.eod.reporting_currency,
        )
        if spec.method is VarMethod.MC:
            shocks = monte_carlo_shocks(spec, daily_covariance(inputs, spec))
        else:
            shocks = scenario_shocks(inputs, spec)
        pnl = np.stack([np.asarray(vectors[n], np.float64) for n in inputs.hierarchy.nodes])
        if pnl.shape[1] != shocks.shape[0]:
            raise RiskcapError(
                f"run {run.run_id}: {pnl.shape[1]} cached scenarios but {shocks.shape[0]} "
                "rebuilt shocks; the run's inputs are no longer readable as recorded"
            )
        reference = (
            lake.read("instruments", version=versions["instruments"]).to_pandas(),
            lake.read("factors", version=versions["factors"]).to_pandas().set_index("factor_id"),
            lake.read(
                "vols", version=versions["vols"], filters=[("date", "=", run.as_of)]
            ).to_pandas(),
        )
        return cls(run, inputs, np.ascontiguousarray(shocks), pnl, scenario_set, reference)

    def trade_book(self, trades: Sequence[ProposedTrade]) -> Book:
        """The proposed trades as a :class:`Book` on the run's factors, or
        :class:`WhatIfRejected` naming what cannot be priced."""
        frame = pd.DataFrame(
            {
                "book_id": [t.book_id for t in trades],
                "instrument_id": [t.instrument_id for t in trades],
                "quantity": np.array([t.quantity for t in trades], np.float64),
            }
        )
        unknown_books = sorted(set(frame["book_id"]) - set(self._books))
        if unknown_books:
            raise WhatIfRejected(
                f"book(s) {', '.join(unknown_books)} not in run {self.run_id[:8]}'s hierarchy"
            )
        held = frame.merge(self._instruments, on="instrument_id", how="left")
        unknown = sorted(set(held.loc[held["instrument_type"].isna(), "instrument_id"]))
        if unknown:
            raise WhatIfRejected(f"unknown instrument(s): {', '.join(unknown)}")
        rows = held.to_dict("records")
        mapped = map_instruments(rows, set(self._factors.index), self.inputs.reporting)
        if mapped.unpriced:
            raise WhatIfRejected(
                "cannot price " + "; ".join(f"{i}: {r}" for i, r in mapped.unpriced.items())
            )
        needed = needed_factors(rows, mapped)
        missing = [f for f in needed if f not in self._factor_ids]
        if missing:
            raise WhatIfRejected(
                f"the run's scenarios do not cover factor(s) {', '.join(missing)}; "
                "what-if prices trades on factors the book already holds"
            )
        inputs = self.inputs
        try:
            book, _ = build_book(
                held,
                inputs.factors,
                mapped,
                self._x0,
                self._vols,
                inputs.hierarchy,
                inputs.as_of,
            )
        except (RiskcapError, ValueError, KeyError) as exc:
            raise WhatIfRejected(f"cannot value the proposed trades: {exc}") from None
        return book

    def trade_pnl(self, trades: Sequence[ProposedTrade]) -> np.ndarray:
        """P&L of the proposed trades per book and scenario, ``(books, scenarios)``."""
        book = self.trade_book(trades)
        n_scen = self.shocks.shape[0]
        plan = BlockPlan(max(2, n_scen), WHATIF_POSITION_BLOCK)
        n_books = len(self.inputs.hierarchy.books)
        return revalue_books(book, self.inputs.market, self.shocks, n_books, plan)

    def trade_value(self, trades: Sequence[ProposedTrade]) -> float:
        """Present value of the proposed trades at the run's as-of levels."""
        book = self.trade_book(trades)
        n_books = len(self.inputs.hierarchy.books)
        return float(values_by_book(book, self.inputs.market.x0, n_books).sum())

    def evaluate(
        self, trades: Sequence[ProposedTrade], confidence: float, visible: Sequence[str]
    ) -> WhatIfResult:
        """Incremental VaR/ES of ``trades`` on every node in ``visible`` they touch."""
        started = time.perf_counter()
        per_book = self.trade_pnl(trades)
        hierarchy = self.inputs.hierarchy
        nodes = hierarchy.nodes
        books = [hierarchy.books.index(b) for b in sorted({t.book_id for t in trades})]
        allowed = set(visible)
        # the trades' books and every node above them, top-down, that the caller may see
        above = np.asarray(hierarchy.membership[:, books].any(axis=1))
        touched = [i for i, n in enumerate(nodes) if above[i] and n in allowed]
        before = self.pnl[touched]
        after = before + hierarchy.membership[touched] @ per_book
        standalone = per_book.sum(axis=0)  # the trades alone, whatever their books
        stacked = np.concatenate([before, after, standalone[None, :]])
        var, es = tail_var_es(stacked, confidence)
        k = len(touched)
        impacts = [
            NodeImpact(nodes[i], float(var[j]), float(var[k + j]), float(es[j]), float(es[k + j]))
            for j, i in enumerate(touched)
        ]
        return WhatIfResult(
            run_id=self.run_id,
            as_of=self.as_of,
            scenario_set=self.scenario_set,
            scenarios=int(self.shocks.shape[0]),
            confidence=confidence,
            standalone_var=float(var[-1]),
            standalone_es=float(es[-1]),
            nodes=impacts,
            milliseconds=(time.perf_counter() - started) * 1000.0,
        )


class WhatIfCache:
    """The model of the latest succeeded run, reloaded when a newer run succeeds."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self._lock = threading.Lock()
        self._model: WhatIfModel | None = None

    def model(self) -> WhatIfModel:
        run = self.catalog.run_of_record()  # NotFoundError: what-if needs a published run
        with self._lock:
            if self._model is None or self._model.run_id != run.run_id:
                self._model = WhatIfModel.load(
                    Lake.of(self.settings),
                    self.catalog,
                    run,
                    self.settings.service.whatif_scenario_set,
                )
            return self._model
