"""Pure JAX pricing kernels (float64). One module per instrument family.

Importing this package turns on JAX's 64-bit mode (DESIGN.md §3: float64 by
default). Kernels take arrays and return arrays; they do no I/O and never touch
pandas, so they run unchanged under ``jit``/``vmap``, on a GPU, or in a Spark worker.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
