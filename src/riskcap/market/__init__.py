"""Market: factor shocks, covariance estimation, scenario generation (pure arrays).

Nothing here reads files or uses pandas: inputs and outputs are NumPy / JAX arrays
and small frozen dataclasses, so the same code runs on CPU, GPU or a Spark worker.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
