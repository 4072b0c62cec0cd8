"""Risk measures on P&L vectors, parametric VaR, Greeks, attribution (pure arrays)."""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
