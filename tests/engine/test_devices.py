"""Scenario blocks spread over several devices give the one-device P&L bit for bit.

JAX is started in a child process with ``XLA_FLAGS=--xla_force_host_platform_device_count=2``
(two CPU devices: the flag must be set before JAX initialises its backends, which the
test process has already done), so the multi-device path runs on any machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import jax
    import numpy as np
    from riskcap.engine.local import BlockPlan, revalue_books
    from tests.books import HIERARCHY, MARKET, mixed_book
    from tests.engine.test_local import SHOCKS

    devices = jax.devices()
    assert len(devices) == 2, devices
    book = mixed_book(copies=3)
    n_books = len(HIERARCHY.books)
    plan = BlockPlan(16, 4)  # several scenario blocks, so both devices get work
    assert len(SHOCKS) > 3 * plan.scenario_block
    one = revalue_books(book, MARKET, SHOCKS, n_books, plan, devices=devices[:1])
    both = revalue_books(book, MARKET, SHOCKS, n_books, plan)
    swapped = revalue_books(book, MARKET, SHOCKS, n_books, plan, devices=devices[::-1])
    np.testing.assert_array_equal(both, one)
    np.testing.assert_array_equal(swapped, one)
    assert np.abs(one).max() > 0
    print("ok", len(devices))
    """
)


def test_two_devices_give_the_one_device_pnl_bit_for_bit() -> None:
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    env["JAX_PLATFORMS"] = "cpu"
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["ok", "2"]
