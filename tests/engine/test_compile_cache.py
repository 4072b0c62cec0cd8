"""JAX's persistent compilation cache: a second process loads the kernel the first
compiled, and prices the same bits; an empty ``engine.compile_cache`` switches it off.

Each process is a child (the cache is chosen once per process, before its first
compilation); JAX's own monitoring events say whether the cache was hit.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import sys, jax
    events = []
    jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))
    from riskcap.config import Settings
    from riskcap.engine.compile_cache import use_compile_cache
    from riskcap.pricing.equity import black_scholes_merton

    chosen = use_compile_cache(Settings(engine={"compile_cache": sys.argv[1]}))
    price = jax.jit(black_scholes_merton)(100.0, 95.0, 0.5, 0.05, 0.01, 0.2, True)
    hits = events.count("/jax/compilation_cache/cache_hits")
    print(chosen, float(price).hex(), hits)
    """
)


def _child(folder: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, folder], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_second_process_loads_the_compiled_kernel_and_prices_the_same_bits(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "jax-cache"
    chosen, first_price, first_hits = _child(str(cache))
    assert chosen == str(cache) and first_hits == "0"
    assert any(p.name.startswith("jit_black_scholes_merton") for p in cache.iterdir())
    _, second_price, second_hits = _child(str(cache))
    assert int(second_hits) >= 1
    assert second_price == first_price


def test_an_empty_setting_switches_the_cache_off(tmp_path: Path) -> None:
    chosen, _, hits = _child("")
    assert chosen == "None" and hits == "0"


def test_an_unusable_folder_leaves_the_cache_off(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    chosen, _, hits = _child(str(blocker / "jax"))
    assert chosen == "None" and hits == "0"
